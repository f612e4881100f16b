/* test_conf.c: unit tests of the config parser and its error messages.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"


static int setup(void **state)
{
	(void)state;
	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);

	return 0;
}


static int teardown(void **state)
{
	(void)state;
	pbx_core_free();
	libre_close();

	return 0;
}


static int parse(const char *text, char *err, size_t sz)
{
	struct pbx_conf *conf = NULL;
	int e;

	err[0] = '\0';
	e = pbx_conf_parse(&conf, "t.conf", text, strlen(text), err, sz);
	if (!e) {
		pbx_conf_set_current(conf);
		mem_deref(conf);
	}

	return e;
}


static void test_values(void **state)
{
	char err[256];
	uint32_t u = 0;
	bool b = false;
	(void)state;

	assert_int_equal(parse("# comment\n\n  sip_listen   127.0.0.1:5060  \n"
			       "reg_min_expires\t30\nflag yes\r\n", err,
			       sizeof(err)), 0);
	assert_string_equal(pbx_conf_str("sip_listen", "x"),
			    "127.0.0.1:5060");
	assert_string_equal(pbx_conf_str("missing", "dflt"), "dflt");
	assert_int_equal(pbx_conf_u32("reg_min_expires", 1, 1, 100, &u), 0);
	assert_int_equal(u, 30);
	assert_int_equal(pbx_conf_u32("absent", 7, 1, 100, &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(pbx_conf_bool("flag", false, &b), 0);
	assert_true(b);
}


static void test_value_errors(void **state)
{
	char err[256];
	uint32_t u;
	bool b;
	(void)state;

	assert_int_equal(parse("a abc\nb 500\nc -1\nd 12x\ne maybe\n", err,
			       sizeof(err)), 0);
	assert_int_equal(pbx_conf_u32("a", 1, 1, 100, &u), EINVAL);
	assert_int_equal(pbx_conf_u32("b", 1, 1, 100, &u), EINVAL);
	assert_int_equal(pbx_conf_u32("c", 1, 1, 100, &u), EINVAL);
	assert_int_equal(pbx_conf_u32("d", 1, 1, 100, &u), EINVAL);
	assert_int_equal(pbx_conf_bool("e", false, &b), EINVAL);
}


static void test_syntax_errors(void **state)
{
	char err[256];
	(void)state;

	assert_int_equal(parse("ok 1\nBadKey 2\n", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "t.conf:2: bad key 'BadKey' (lower case, "
			    "digits and '_')");

	assert_int_equal(parse("\n\nlonely\n", err, sizeof(err)), EINVAL);
	assert_string_equal(err, "t.conf:3: lonely: no value");

	assert_int_equal(parse("x 1\ny 2\nx 3\n", err, sizeof(err)), EINVAL);
	assert_string_equal(err, "t.conf:3: x: set twice (first on line 1)");

	/* repeatable keys may repeat */
	assert_int_equal(parse("module a\nmodule b\n", err, sizeof(err)), 0);
}


static int count_h(const char *val, void *arg)
{
	struct mbuf *mb = arg;

	return mbuf_printf(mb, "%s;", val);
}


static void test_repeat_and_override(void **state)
{
	struct pbx_conf *conf = NULL;
	const char text[] = "module a\nmodule b\nsip_domain x\n";
	struct mbuf *mb = mbuf_alloc(64);
	char err[256];
	(void)state;

	assert_int_equal(pbx_conf_parse(&conf, "t", text, strlen(text), err,
					sizeof(err)), 0);
	assert_int_equal(pbx_conf_override(conf, "module=c", err,
					   sizeof(err)), 0);
	assert_int_equal(pbx_conf_override(conf, "sip_domain=y", err,
					   sizeof(err)), 0);
	assert_int_equal(pbx_conf_override(conf, "nokv", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "-o: 'nokv': expected KEY=VALUE");
	assert_int_equal(pbx_conf_override(conf, "k=", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "-o: k: no value");

	pbx_conf_set_current(conf);
	assert_string_equal(pbx_conf_str("sip_domain", NULL), "y");
	assert_int_equal(pbx_conf_apply("module", count_h, mb), 0);
	assert_int_equal(mb->end, 6);
	assert_memory_equal(mb->buf, "a;b;c;", 6);

	mem_deref(mb);
	mem_deref(conf);
}


static void test_unknown_keys(void **state)
{
	struct pbx_conf *conf = NULL;
	static const char *const known[] = {"sip_listen", "module"};
	const char good[] = "sip_listen 1\nmodule x\n";
	const char bad[] = "sip_listen 1\nfoo_bar 2\n";
	char err[256];
	(void)state;

	assert_int_equal(pbx_conf_parse(&conf, "t", good, strlen(good), err,
					sizeof(err)), 0);
	assert_int_equal(pbx_conf_check_keys(conf, known, 2, "/nonexistent"),
			 0);
	conf = mem_deref(conf);

	assert_int_equal(pbx_conf_parse(&conf, "t", bad, strlen(bad), err,
					sizeof(err)), 0);
	assert_int_equal(pbx_conf_check_keys(conf, known, 2, "/nonexistent"),
			 EINVAL);
	mem_deref(conf);
}


/* Every prefix of a config text parses or fails cleanly (no crash). */
static void test_truncations(void **state)
{
	const char text[] = "# c\nsip_listen 127.0.0.1:5060\nmodule a\n"
			    "reg_min_expires 30\n";
	size_t i;
	(void)state;

	for (i = 0; i <= strlen(text); i++) {
		struct pbx_conf *conf = NULL;
		char err[256];

		if (!pbx_conf_parse(&conf, "t", text, i, err, sizeof(err)))
			mem_deref(conf);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_repeat_and_override),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}

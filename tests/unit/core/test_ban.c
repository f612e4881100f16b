/* test_ban.c: unit tests for core/ban.c.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"


enum {
	MAX_FAIL = 3,
	WINDOW_S = 60,
	BAN_S    = 300,
};

static const uint64_t t0 = 1700000000000ULL;   /* ms */


static int group_setup(void **state)
{
	(void)state;
	return libre_init();
}


static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}


static int setup(void **state)
{
	struct pbx_ban *b = NULL;
	int err;

	err = pbx_ban_alloc(&b, MAX_FAIL, WINDOW_S, BAN_S);
	if (err)
		return err;

	*state = b;
	return 0;
}


static int teardown(void **state)
{
	*state = mem_deref(*state);
	return 0;
}


static struct sa addr(const char *ip, uint16_t port)
{
	struct sa sa;

	assert_int_equal(sa_set_str(&sa, ip, port), 0);
	return sa;
}


static void test_alloc_args(void **state)
{
	struct pbx_ban *b = NULL;
	struct sa a = addr("192.0.2.1", 5060);
	int i;
	(void)state;

	assert_int_equal(pbx_ban_alloc(NULL, 3, 60, 300), EINVAL);
	assert_int_equal(pbx_ban_alloc(&b, 3, 0, 300), EINVAL);
	assert_int_equal(pbx_ban_alloc(&b, 3, 60, 0), EINVAL);
	assert_null(b);

	/* max_failures 0: off, whatever the other two say */
	assert_int_equal(pbx_ban_alloc(&b, 0, 0, 0), 0);
	assert_non_null(b);
	for (i = 0; i < 100; i++)
		assert_false(pbx_ban_failure(b, &a, t0 + i));
	assert_false(pbx_ban_active(b, &a, t0 + 100));
	pbx_ban_clear(b, &a);
	b = mem_deref(b);

	/* NULL object or address */
	assert_false(pbx_ban_failure(NULL, &a, t0));
	assert_false(pbx_ban_active(NULL, &a, t0));
	pbx_ban_clear(NULL, &a);
}


static void test_counts_to_ban(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("192.0.2.1", 5060);
	struct sa a2 = addr("192.0.2.1", 40000);
	struct sa other = addr("192.0.2.2", 5060);

	assert_false(pbx_ban_active(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a2, t0 + 1000));   /* port ignored */
	assert_false(pbx_ban_active(b, &a, t0 + 1000));
	assert_false(pbx_ban_failure(b, &other, t0 + 1500));

	assert_true(pbx_ban_failure(b, &a, t0 + 2000));
	assert_true(pbx_ban_active(b, &a, t0 + 2000));
	assert_true(pbx_ban_active(b, &a2, t0 + 2000));
	assert_false(pbx_ban_active(b, &other, t0 + 2000));

	/* failures while banned say so and do not extend the ban */
	assert_true(pbx_ban_failure(b, &a, t0 + 3000));

	/* other's count went on within its window */
	assert_false(pbx_ban_failure(b, &other, t0 + 5000));
	assert_true(pbx_ban_failure(b, &other, t0 + 6000));

	assert_true(pbx_ban_active(b, &a, t0 + 2000 + BAN_S * 1000 - 1));
	assert_false(pbx_ban_active(b, &a, t0 + 2000 + BAN_S * 1000));
	assert_true(pbx_ban_active(b, &other, t0 + 2000 + BAN_S * 1000));
}


static void test_ban_expiry(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("198.51.100.7", 5060);
	const uint64_t end = t0 + BAN_S * 1000;
	int i;

	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a, t0));
	assert_true(pbx_ban_failure(b, &a, t0));

	assert_true(pbx_ban_active(b, &a, end - 1));
	assert_false(pbx_ban_active(b, &a, end));
	assert_false(pbx_ban_active(b, &a, end + 1));

	/* counting starts again from zero */
	for (i = 1; i < MAX_FAIL; i++)
		assert_false(pbx_ban_failure(b, &a, end + (uint64_t)i));
	assert_true(pbx_ban_failure(b, &a, end + MAX_FAIL));
	assert_true(pbx_ban_active(b, &a, end + MAX_FAIL));
}


static void test_window(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("203.0.113.9", 5060);
	const uint64_t win = WINDOW_S * 1000;

	/* two failures, then the window closes */
	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a, t0 + win - 1));
	assert_false(pbx_ban_failure(b, &a, t0 + win));
	assert_false(pbx_ban_active(b, &a, t0 + win));

	/* the new window opened at t0 + win */
	assert_false(pbx_ban_failure(b, &a, t0 + win + 10));
	assert_true(pbx_ban_failure(b, &a, t0 + 2 * win - 1));
	assert_true(pbx_ban_active(b, &a, t0 + 2 * win));

	/* slow failures never ban */
	pbx_ban_clear(b, &a);
	assert_false(pbx_ban_failure(b, &a, t0 + 10 * win));
	assert_false(pbx_ban_failure(b, &a, t0 + 11 * win));
	assert_false(pbx_ban_failure(b, &a, t0 + 12 * win));
	assert_false(pbx_ban_failure(b, &a, t0 + 13 * win));
	assert_false(pbx_ban_active(b, &a, t0 + 13 * win));
}


static void test_clear(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("192.0.2.10", 5060);
	struct sa other = addr("192.0.2.11", 5060);

	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &other, t0));
	assert_false(pbx_ban_failure(b, &other, t0));

	/* a success forgets the count */
	pbx_ban_clear(b, &a);
	assert_false(pbx_ban_failure(b, &a, t0 + 1));
	assert_false(pbx_ban_failure(b, &a, t0 + 1));
	assert_true(pbx_ban_failure(b, &other, t0 + 1));

	/* clearing lifts a ban too; clearing twice is harmless */
	assert_true(pbx_ban_active(b, &other, t0 + 2));
	pbx_ban_clear(b, &other);
	pbx_ban_clear(b, &other);
	assert_false(pbx_ban_active(b, &other, t0 + 2));

	/* clearing an unknown address */
	other = addr("10.0.0.1", 1);
	pbx_ban_clear(b, &other);
}


static void test_max_one(void **state)
{
	struct pbx_ban *b = NULL;
	struct sa a = addr("192.0.2.1", 5060);
	(void)state;

	assert_int_equal(pbx_ban_alloc(&b, 1, 1, 1), 0);
	assert_true(pbx_ban_failure(b, &a, t0));
	assert_true(pbx_ban_active(b, &a, t0 + 999));
	assert_false(pbx_ban_active(b, &a, t0 + 1000));
	b = mem_deref(b);
}


static void test_ipv6(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("2001:db8::1", 5060);
	struct sa a_port = addr("2001:db8::1", 5080);
	struct sa near = addr("2001:db8::2", 5060);
	struct sa v4 = addr("192.0.2.1", 5060);
	struct sa mapped = addr("::ffff:192.0.2.1", 5062);

	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a_port, t0));
	assert_false(pbx_ban_failure(b, &near, t0));
	assert_true(pbx_ban_failure(b, &a, t0));

	assert_true(pbx_ban_active(b, &a_port, t0));
	assert_false(pbx_ban_active(b, &near, t0));

	/* IPv4-mapped IPv6 is the IPv4 address */
	assert_false(pbx_ban_failure(b, &v4, t0));
	assert_false(pbx_ban_failure(b, &mapped, t0));
	assert_true(pbx_ban_failure(b, &v4, t0));
	assert_true(pbx_ban_active(b, &mapped, t0));
	pbx_ban_clear(b, &mapped);
	assert_false(pbx_ban_active(b, &v4, t0));
}


static void test_unset_addr(void **state)
{
	struct pbx_ban *b = *state;
	struct sa none;
	int i;

	sa_init(&none, AF_UNSPEC);
	for (i = 0; i < 10; i++)
		assert_false(pbx_ban_failure(b, &none, t0));
	assert_false(pbx_ban_active(b, &none, t0));
	pbx_ban_clear(b, &none);

	sa_init(&none, AF_INET);    /* 0.0.0.0 */
	for (i = 0; i < 10; i++)
		assert_false(pbx_ban_failure(b, &none, t0));

	assert_false(pbx_ban_failure(b, NULL, t0));
	assert_false(pbx_ban_active(b, NULL, t0));
	pbx_ban_clear(b, NULL);
}


/* now_ms going backwards must not crash or ban wrongly. */
static void test_clock_back(void **state)
{
	struct pbx_ban *b = *state;
	struct sa a = addr("192.0.2.1", 5060);

	assert_false(pbx_ban_failure(b, &a, t0));
	assert_false(pbx_ban_failure(b, &a, t0 - 100000));
	assert_true(pbx_ban_failure(b, &a, t0 - 200000));
	assert_true(pbx_ban_active(b, &a, t0));
	assert_false(pbx_ban_active(b, &a, t0 + BAN_S * 1000));
}


/* 65536 entries at most; counting entries are evicted before bans. */
static void test_cap(void **state)
{
	enum { CAP = 65536 };
	struct pbx_ban *b = *state;
	struct sa banned = addr("2001:db8::dead", 5060);
	struct sa first = addr("10.0.0.0", 5060);
	struct sa sa;
	uint32_t i;

	assert_false(pbx_ban_failure(b, &banned, t0));
	assert_false(pbx_ban_failure(b, &banned, t0));
	assert_true(pbx_ban_failure(b, &banned, t0));

	/* first has two failures, then CAP - 1 more addresses fill up */
	assert_false(pbx_ban_failure(b, &first, t0));
	assert_false(pbx_ban_failure(b, &first, t0));
	for (i = 1; i < CAP; i++) {
		sa_set_in(&sa, 0x0a000000 + i, 5060);
		assert_false(pbx_ban_failure(b, &sa, t0 + 1));
	}

	/* first was evicted, so this failure is its first again */
	assert_false(pbx_ban_failure(b, &first, t0 + 2));
	assert_true(pbx_ban_active(b, &banned, t0 + 2));

	/* with everything expired it all goes */
	assert_false(pbx_ban_active(b, &banned, t0 + BAN_S * 1000));
	sa_set_in(&sa, 0x0a000001, 5060);
	assert_false(pbx_ban_failure(b, &sa, t0 + BAN_S * 1000));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_args),
		cmocka_unit_test_setup_teardown(test_counts_to_ban, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ban_expiry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test(test_max_one),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unset_addr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_clock_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
	};

	return cmocka_run_group_tests_name("ban", tests, group_setup,
					   group_teardown);
}

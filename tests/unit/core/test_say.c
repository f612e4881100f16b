/* test_say.c: unit tests of pbx_say_number and pbx_say_digits (say.c).
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	NAMES = 40,
};


/* The names joined with ' ', without the "digits/" prefix, for short
 * expectations: "2 thousand 3 hundred 5". */
static const char *joined(const char **namev, size_t n)
{
	static char buf[512];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *s = namev[i];

		assert_non_null(s);
		assert_int_equal(strncmp(s, "digits/", 7), 0);
		len += (size_t)re_snprintf(buf + len, sizeof(buf) - len,
					   "%s%s", i ? " " : "", s + 7);
	}

	return buf;
}


static const char *number(long long n)
{
	const char *namev[NAMES];

	return joined(namev, pbx_say_number(namev, NAMES, n));
}


static void test_number(void **state)
{
	static const struct {
		long long n;
		const char *say;
	} v[] = {
		{0, "0"},
		{7, "7"},
		{13, "13"},
		{20, "20"},
		{21, "20 1"},
		{42, "40 2"},
		{99, "90 9"},
		{100, "1 hundred"},
		{101, "1 hundred 1"},
		{110, "1 hundred 10"},
		{999, "9 hundred 90 9"},
		{1000, "1 thousand"},
		{1001, "1 thousand 1"},
		{1234, "1 thousand 2 hundred 30 4"},
		{2305, "2 thousand 3 hundred 5"},
		{10000, "10 thousand"},
		{1000000, "1 million"},
		{1000001, "1 million 1"},
		{2000300, "2 million 3 hundred"},
		{123456789, "1 hundred 20 3 million 4 hundred 50 6 thousand "
		 "7 hundred 80 9"},
		{999999999, "9 hundred 90 9 million 9 hundred 90 9 thousand "
		 "9 hundred 90 9"},
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		assert_string_equal(number(v[i].n), v[i].say);
}


static void test_negative(void **state)
{
	(void)state;

	assert_string_equal(number(-1), "minus 1");
	assert_string_equal(number(-15), "minus 15");
	assert_string_equal(number(-2305), "minus 2 thousand 3 hundred 5");
	assert_string_equal(number(-999999999),
			    "minus 9 hundred 90 9 million 9 hundred 90 9 "
			    "thousand 9 hundred 90 9");
}


/* Beyond +-999,999,999: digit by digit. */
static void test_overflow(void **state)
{
	(void)state;

	assert_string_equal(number(1000000000), "1 0 0 0 0 0 0 0 0 0");
	assert_string_equal(number(1234567890), "1 2 3 4 5 6 7 8 9 0");
	assert_string_equal(number(-1000000000),
			    "minus 1 0 0 0 0 0 0 0 0 0");
	assert_string_equal(number(LLONG_MAX), "9 2 2 3 3 7 2 0 3 6 8 5 4 "
			    "7 7 5 8 0 7");
	assert_string_equal(number(LLONG_MIN), "minus 9 2 2 3 3 7 2 0 3 6 "
			    "8 5 4 7 7 5 8 0 8");
}


/* maxc bounds every write; the count says how many were stored. */
static void test_truncation(void **state)
{
	const char *namev[8];
	size_t i, n;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(namev); i++)
		namev[i] = "canary";

	/* 2305 needs 5 names */
	n = pbx_say_number(namev, 3, 2305);
	assert_int_equal(n, 3);
	assert_string_equal(joined(namev, n), "2 thousand 3");
	assert_string_equal(namev[3], "canary");

	n = pbx_say_number(namev, 0, 2305);
	assert_int_equal(n, 0);
	assert_string_equal(namev[0], "digits/2");   /* untouched */
	assert_int_equal(pbx_say_number(NULL, 5, 42), 0);

	n = pbx_say_digits(namev, 2, "12345");
	assert_int_equal(n, 2);
	assert_string_equal(joined(namev, n), "1 2");
	assert_string_equal(namev[2], "digits/3");   /* from before */

	n = pbx_say_number(namev, 1, -5);
	assert_int_equal(n, 1);
	assert_string_equal(namev[0], "digits/minus");
	assert_string_equal(namev[1], "digits/2");
}


static void test_digits(void **state)
{
	const char *namev[NAMES];
	size_t n;
	(void)state;

	n = pbx_say_digits(namev, NAMES, "0123456789");
	assert_string_equal(joined(namev, n), "0 1 2 3 4 5 6 7 8 9");

	n = pbx_say_digits(namev, NAMES, "*1#");
	assert_string_equal(joined(namev, n), "star 1 pound");

	/* anything else is skipped */
	n = pbx_say_digits(namev, NAMES, "a 5-B,\t9\xff" "D");
	assert_string_equal(joined(namev, n), "5 9");

	assert_int_equal(pbx_say_digits(namev, NAMES, ""), 0);
	assert_int_equal(pbx_say_digits(namev, NAMES, "xyz"), 0);
	assert_int_equal(pbx_say_digits(namev, NAMES, NULL), 0);
	assert_int_equal(pbx_say_digits(NULL, NAMES, "123"), 0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_digits),
	};

	return cmocka_run_group_tests_name("say", tests, NULL, NULL);
}

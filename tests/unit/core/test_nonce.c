/* test_nonce.c: unit tests for core/nonce.c.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"


enum {
	NONCE_LEN = 56,
	LIFETIME  = 30,                     /* s */
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
	struct pbx_nonce *n = NULL;
	int err;

	err = pbx_nonce_alloc(&n, LIFETIME);
	if (err)
		return err;

	*state = n;
	return 0;
}


static int teardown(void **state)
{
	*state = mem_deref(*state);
	return 0;
}


static int check(struct pbx_nonce *n, const char *nonce, const char *nc,
		 uint64_t now_ms)
{
	return pbx_nonce_check(n, nonce, strlen(nonce), nc,
			       nc ? strlen(nc) : 0, now_ms);
}


static void test_alloc_args(void **state)
{
	struct pbx_nonce *n = NULL;
	char buf[64];
	(void)state;

	assert_int_equal(pbx_nonce_alloc(NULL, 30), EINVAL);
	assert_int_equal(pbx_nonce_alloc(&n, 0), EINVAL);
	assert_null(n);

	assert_int_equal(pbx_nonce_make(NULL, buf, sizeof(buf), t0), EINVAL);
	assert_int_equal(pbx_nonce_check(NULL, "x", 1, NULL, 0, t0), EINVAL);
}


static void test_make(void **state)
{
	struct pbx_nonce *n = *state;
	char a[NONCE_LEN + 1], b[NONCE_LEN + 1], big[80];
	size_t i;

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);
	assert_int_equal(strlen(a), NONCE_LEN);
	for (i = 0; i < NONCE_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));

	/* the time is in front, big-endian */
	assert_memory_equal(a, "0000018bcfe56800", 16);

	/* two in the same millisecond differ */
	assert_int_equal(pbx_nonce_make(n, b, sizeof(b), t0), 0);
	assert_string_not_equal(a, b);

	assert_int_equal(pbx_nonce_make(n, big, sizeof(big), t0), 0);
	assert_int_equal(strlen(big), NONCE_LEN);

	assert_int_equal(pbx_nonce_make(n, a, NONCE_LEN, t0), EOVERFLOW);
	assert_int_equal(pbx_nonce_make(n, NULL, 80, t0), EINVAL);
}


static void test_valid(void **state)
{
	struct pbx_nonce *n = *state;
	char a[NONCE_LEN + 1];

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);

	/* without nc: authenticity and age only, any number of times */
	assert_int_equal(check(n, a, NULL, t0), 0);
	assert_int_equal(check(n, a, NULL, t0 + 1000), 0);
	assert_int_equal(check(n, a, NULL, t0 + 1000), 0);

	assert_int_equal(check(n, a, "00000001", t0 + 1000), 0);

	/* len bounds the nonce */
	{
		char longer[NONCE_LEN + 8];

		memcpy(longer, a, NONCE_LEN);
		memcpy(longer + NONCE_LEN, "0000000", 8);
		assert_int_equal(pbx_nonce_check(n, longer, NONCE_LEN,
						 NULL, 0, t0), 0);
		assert_int_equal(pbx_nonce_check(n, longer, NONCE_LEN + 2,
						 NULL, 0, t0), EBADMSG);
	}
}


static void test_nc(void **state)
{
	struct pbx_nonce *n = *state;
	char a[NONCE_LEN + 1], b[NONCE_LEN + 1];

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);
	assert_int_equal(pbx_nonce_make(n, b, sizeof(b), t0), 0);

	assert_int_equal(check(n, a, "00000001", t0), 0);
	assert_int_equal(check(n, a, "00000001", t0), EALREADY);
	assert_int_equal(check(n, a, "00000002", t0), 0);
	assert_int_equal(check(n, a, "00000002", t0 + 5), EALREADY);
	assert_int_equal(check(n, a, "00000001", t0 + 5), EALREADY);

	/* gaps are fine (lost requests), hex, either case */
	assert_int_equal(check(n, a, "0000000a", t0 + 6), 0);
	assert_int_equal(check(n, a, "9", t0 + 6), EALREADY);
	assert_int_equal(check(n, a, "0000000A", t0 + 6), EALREADY);
	assert_int_equal(check(n, a, "0000000B", t0 + 6), 0);
	assert_int_equal(check(n, a, "ffffffff", t0 + 7), 0);
	assert_int_equal(check(n, a, "ffffffff", t0 + 7), EALREADY);

	/* another nonce made in the same ms has its own count */
	assert_int_equal(check(n, b, "00000001", t0 + 8), 0);
	assert_int_equal(check(n, b, "00000001", t0 + 8), EALREADY);

	/* nc starts at 1 */
	assert_int_equal(pbx_nonce_make(n, b, sizeof(b), t0), 0);
	assert_int_equal(check(n, b, "00000000", t0), EALREADY);
	assert_int_equal(check(n, b, "00000001", t0), 0);

	/* a replay of the nonce without nc is not a count */
	assert_int_equal(check(n, b, NULL, t0), 0);
}


static void test_nc_bad(void **state)
{
	static const char *const bad[] = {
		"", "000000001", "0000000g", "-1", " 1", "1 ", "0x1",
		"+0000001",
	};
	struct pbx_nonce *n = *state;
	char a[NONCE_LEN + 1];
	size_t i;

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(check(n, a, bad[i], t0), EBADMSG);

	/* nc containing a NUL */
	assert_int_equal(pbx_nonce_check(n, a, NONCE_LEN, "1\0", 2, t0),
			 EBADMSG);

	/* none of that was recorded */
	assert_int_equal(check(n, a, "00000001", t0), 0);
}


static void test_tampered(void **state)
{
	struct pbx_nonce *n = *state;
	struct pbx_nonce *other = NULL;
	char a[NONCE_LEN + 1], t[NONCE_LEN + 1];
	size_t i;

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);

	/* any one hex digit changed */
	for (i = 0; i < NONCE_LEN; i++) {
		memcpy(t, a, sizeof(t));
		t[i] = t[i] == '0' ? '1' : '0';
		assert_int_equal(check(n, t, NULL, t0), EBADMSG);
		assert_int_equal(check(n, t, "00000001", t0), EBADMSG);
	}

	/* upper case is not the same nonce */
	memcpy(t, a, sizeof(t));
	for (i = 0; i < NONCE_LEN; i++) {
		if (t[i] >= 'a' && t[i] <= 'f')
			t[i] = (char)(t[i] - 'a' + 'A');
	}
	if (strcmp(t, a))
		assert_int_equal(check(n, t, NULL, t0), EBADMSG);

	/* truncated, extended */
	for (i = 0; i < NONCE_LEN; i++)
		assert_int_equal(pbx_nonce_check(n, a, i, NULL, 0, t0),
				 EBADMSG);

	/* someone else's secret */
	assert_int_equal(pbx_nonce_alloc(&other, LIFETIME), 0);
	assert_int_equal(check(other, a, NULL, t0), EBADMSG);
	assert_int_equal(pbx_nonce_make(other, t, sizeof(t), t0), 0);
	assert_int_equal(check(n, t, NULL, t0), EBADMSG);
	other = mem_deref(other);

	/* still fine */
	assert_int_equal(check(n, a, "00000001", t0), 0);
}


static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"x",
		"dcd98b7102dd2f0e8b11d0f600bfb0c093",
		"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		"00000000000000000000000000000000000000000000000000000000",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"0000018bcfe56800 000000000000000000000000000000000000000",
	};
	struct pbx_nonce *n = *state;
	uint8_t rnd[NONCE_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(check(n, bad[i], "00000001", t0), EBADMSG);

	assert_int_equal(pbx_nonce_check(n, NULL, 0, NULL, 0, t0), EBADMSG);
	assert_int_equal(pbx_nonce_check(n, NULL, NONCE_LEN, NULL, 0, t0),
			 EBADMSG);

	for (i = 0; i < 1000; i++) {
		char *copy;
		size_t len = i % (NONCE_LEN + 1);

		rand_bytes(rnd, sizeof(rnd));

		/* heap copy of exactly len bytes for ASan */
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, rnd, len);
		assert_int_equal(pbx_nonce_check(n, copy, len,
						 (char *)rnd, 8, t0),
				 EBADMSG);
		free(copy);
	}
}


static void test_expiry(void **state)
{
	struct pbx_nonce *n = *state;
	const uint64_t life_ms = LIFETIME * 1000;
	char a[NONCE_LEN + 1];

	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0), 0);

	/* valid up to and including lifetime */
	assert_int_equal(check(n, a, NULL, t0 + life_ms), 0);
	assert_int_equal(check(n, a, "00000001", t0 + life_ms), 0);
	assert_int_equal(check(n, a, NULL, t0 + life_ms + 1), ETIMEDOUT);
	assert_int_equal(check(n, a, "00000002", t0 + life_ms + 1),
			 ETIMEDOUT);
	assert_int_equal(check(n, a, "00000002", t0 + 86400000), ETIMEDOUT);

	/* a clock that stepped back: 5 s tolerated */
	assert_int_equal(check(n, a, NULL, t0 - 5000), 0);
	assert_int_equal(check(n, a, NULL, t0 - 5001), ETIMEDOUT);
	assert_int_equal(check(n, a, NULL, 0), ETIMEDOUT);

	/* a tampered nonce is EBADMSG even when it would be stale */
	a[NONCE_LEN - 1] = a[NONCE_LEN - 1] == '0' ? '1' : '0';
	assert_int_equal(check(n, a, NULL, t0 + life_ms + 1), EBADMSG);
}


/* Nonces come and go over several lifetimes (entries are pruned as they
 * expire) and counting keeps working for the live ones. */
static void test_prune(void **state)
{
	struct pbx_nonce *n = *state;
	const uint64_t life_ms = LIFETIME * 1000;
	char a[NONCE_LEN + 1], b[NONCE_LEN + 1];
	uint64_t t;

	for (t = t0; t < t0 + 4 * life_ms; t += 1000) {
		assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t), 0);
		assert_int_equal(check(n, a, "00000001", t + 10), 0);
		assert_int_equal(check(n, a, "00000001", t + 20), EALREADY);
	}

	assert_int_equal(pbx_nonce_make(n, b, sizeof(b), t), 0);
	assert_int_equal(check(n, b, "00000001", t), 0);
	assert_int_equal(check(n, a, "00000002", t), 0);
	assert_int_equal(check(n, a, "00000002", t), EALREADY);
}


/* The nc table is capped at 65536 entries; the one closest to expiry
 * is evicted first, and the newest stay. */
static void test_cap(void **state)
{
	enum { CAP = 65536 };
	struct pbx_nonce *n = *state;
	char first[NONCE_LEN + 1], a[NONCE_LEN + 1];
	uint32_t i;

	assert_int_equal(pbx_nonce_make(n, first, sizeof(first), t0), 0);
	assert_int_equal(check(n, first, "00000005", t0), 0);

	for (i = 1; i < CAP; i++) {
		assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0 + 1), 0);
		assert_int_equal(check(n, a, "00000001", t0 + 1), 0);
	}

	/* full, nothing evicted yet */
	assert_int_equal(check(n, first, "00000005", t0 + 1), EALREADY);
	assert_int_equal(check(n, a, "00000001", t0 + 1), EALREADY);

	/* one more: "first" (expiring soonest) goes */
	assert_int_equal(pbx_nonce_make(n, a, sizeof(a), t0 + 2), 0);
	assert_int_equal(check(n, a, "00000001", t0 + 2), 0);
	assert_int_equal(check(n, a, "00000001", t0 + 2), EALREADY);
	assert_int_equal(check(n, first, "00000005", t0 + 2), 0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_args),
		cmocka_unit_test_setup_teardown(test_make, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nc_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
	};

	return cmocka_run_group_tests_name("nonce", tests, group_setup,
					   group_teardown);
}

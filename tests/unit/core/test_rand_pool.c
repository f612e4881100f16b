/* test_rand_pool.c: unit tests for core/rand_pool.c.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#define OPENSSL_SUPPRESS_DEPRECATED    /* RAND_get_rand_method() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/rand.h>
#include <re.h>
#include "core.h"


enum {
	DRAWS = 20000,    /* 160,000 bytes: the pool refills 39 times */
};


static int setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;
	return pbx_rand_pool_start();
}


static int teardown(void **state)
{
	(void)state;
	pbx_rand_pool_stop();
	libre_close();
	return 0;
}


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


/* libre's rand_u64() goes through the pool: many draws, none twice,
 * half of the bits set */
static void test_draws_distinct_balanced(void **state)
{
	uint64_t *v = calloc(DRAWS, sizeof(*v));
	uint64_t ones = 0;
	double share;
	int i;
	(void)state;

	assert_non_null(v);
	assert_ptr_not_equal(RAND_get_rand_method(), RAND_OpenSSL());

	for (i = 0; i < DRAWS; i++) {
		v[i] = rand_u64();
		ones += (uint64_t)__builtin_popcountll(v[i]);
	}

	qsort(v, DRAWS, sizeof(*v), cmp_u64);
	for (i = 1; i < DRAWS; i++)
		assert_true(v[i] != v[i - 1]);

	share = (double)ones / (64.0 * DRAWS);
	assert_true(share > 0.49 && share < 0.51);
	free(v);
}


/* requests larger than an identifier bypass the pool, and still work */
static void test_large_requests(void **state)
{
	unsigned char a[32], b[32], big[10000];
	(void)state;

	assert_int_equal(1, RAND_bytes(a, sizeof(a)));
	assert_int_equal(1, RAND_bytes(b, sizeof(b)));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(1, RAND_priv_bytes(a, sizeof(a)));
	assert_memory_not_equal(a, b, sizeof(a));

	memset(big, 0, sizeof(big));
	assert_int_equal(1, RAND_bytes(big, sizeof(big)));
	/* the last chunk was filled too */
	assert_memory_not_equal(big + sizeof(big) - 16, a, 16);
	assert_true(memcmp(big + sizeof(big) - 16,
			   "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0);
	assert_int_equal(1, RAND_bytes(big, 0));
}


/* a forked child must not hand out the bytes its parent hands out next */
static void test_fork_child_fresh(void **state)
{
	uint64_t mine, childs = 0;
	int fd[2], status;
	pid_t pid;
	(void)state;

	(void)rand_u64();           /* the pool holds unserved bytes now */
	assert_int_equal(0, pipe(fd));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t x = rand_u64();

		_exit(write(fd[1], &x, sizeof(x)) == sizeof(x) ? 0 : 1);
	}

	mine = rand_u64();
	assert_int_equal(sizeof(childs), read(fd[0], &childs,
					      sizeof(childs)));
	assert_int_equal(pid, waitpid(pid, &status, 0));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(mine != childs);
	close(fd[0]);
	close(fd[1]);
}


/* RAND_add() reaches OpenSSL's generators; the pool starts over */
static void test_add_then_draw(void **state)
{
	const char extra[] = "some caller's extra input";
	uint64_t a, b;
	(void)state;

	a = rand_u64();
	RAND_add(extra, sizeof(extra), 0.0);
	b = rand_u64();
	assert_true(a != b);
	assert_int_equal(1, RAND_status());
}


/* stop gives OpenSSL its own method back */
static void test_stop_restores(void **state)
{
	unsigned char x[4];
	(void)state;

	pbx_rand_pool_stop();
	assert_ptr_equal(RAND_get_rand_method(), RAND_OpenSSL());
	assert_int_equal(1, RAND_bytes(x, sizeof(x)));
	assert_int_equal(0, pbx_rand_pool_start());
	assert_ptr_not_equal(RAND_get_rand_method(), RAND_OpenSSL());
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draws_distinct_balanced),
		cmocka_unit_test(test_large_requests),
		cmocka_unit_test(test_fork_child_fresh),
		cmocka_unit_test(test_add_then_draw),
		cmocka_unit_test(test_stop_restores),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

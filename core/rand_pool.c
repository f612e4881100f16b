/* rand_pool.c: OpenSSL's random bytes, served in small slices from a pool.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre 1.1.0 draws every branch, tag, Call-ID and SDP session id with
 * rand_u32()/rand_u64(), which call OpenSSL's RAND_bytes() for 4 bytes at
 * a time; a SIP message takes several.  OpenSSL 3 spends about 7,000
 * instructions on each call (method lookup, DRBG locking, a CTR-DRBG
 * generate and update for 4 bytes): callgrind counted 36 calls and 18 %
 * of pbxd's instructions per anchored call.  OpenSSL offers no buffered
 * generator, so this file installs a RAND_METHOD that keeps the bytes of
 * one 4 KiB generate of OpenSSL's own public DRBG and hands them out.
 *
 * Only requests of at most SMALL_MAX bytes (identifiers) come from the
 * pool; anything larger (TLS randoms, keys, the nonce secret) goes to
 * OpenSSL's private DRBG directly, as RAND_priv_bytes() would.  A byte is
 * wiped as it is served, so it is handed out once; a forked child starts
 * with an empty pool.  The pool is per thread, like OpenSSL's DRBGs.
 */
#define OPENSSL_SUPPRESS_DEPRECATED    /* RAND_METHOD: deprecated in 3.0 */
#include <pthread.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <re.h>
#include "core.h"


enum {
	POOL_BYTES = 4096,
	SMALL_MAX  = 8,       /* rand_u64(): the largest libre asks for */
	CHUNK_MAX  = 4096,    /* well under any DRBG's max_request       */
};

struct pool {
	unsigned char b[POOL_BYTES];
	size_t left;          /* unserved bytes at the end of b          */
};

static __thread struct pool pool;
static bool atfork_set;


static int generate(EVP_RAND_CTX *drbg, unsigned char *out, size_t n)
{
	if (!drbg)
		return 0;

	while (n) {
		size_t k = n < CHUNK_MAX ? n : CHUNK_MAX;

		if (!EVP_RAND_generate(drbg, out, k, 0, 0, NULL, 0))
			return 0;
		out += k;
		n -= k;
	}

	return 1;
}


static int pool_bytes(unsigned char *out, int num)
{
	unsigned char *from;

	if (num <= 0)
		return num == 0;

	if (num > SMALL_MAX)
		return generate(RAND_get0_private(NULL), out, (size_t)num);

	if (pool.left < (size_t)num) {
		if (!generate(RAND_get0_public(NULL), pool.b, sizeof(pool.b)))
			return 0;
		pool.left = sizeof(pool.b);
	}

	from = pool.b + sizeof(pool.b) - pool.left;
	memcpy(out, from, (size_t)num);
	OPENSSL_cleanse(from, (size_t)num);
	pool.left -= (size_t)num;

	return 1;
}


/* RAND_add()/RAND_seed(): extra input for OpenSSL's DRBGs, as the
 * default method does; the pool's bytes predate it and are dropped. */
static int pool_add(const void *buf, int num, double entropy)
{
	(void)entropy;

	OPENSSL_cleanse(pool.b, sizeof(pool.b));
	pool.left = 0;
	if (num <= 0)
		return 1;

	return EVP_RAND_reseed(RAND_get0_public(NULL), 0, NULL, 0, buf,
			       (size_t)num) &&
	       EVP_RAND_reseed(RAND_get0_private(NULL), 0, NULL, 0, buf,
			       (size_t)num);
}


static int pool_seed(const void *buf, int num)
{
	return pool_add(buf, num, (double)num);
}


static int pool_status(void)
{
	return RAND_get0_public(NULL) != NULL;
}


static void child_h(void)
{
	OPENSSL_cleanse(pool.b, sizeof(pool.b));
	pool.left = 0;
}


static const RAND_METHOD pool_method = {
	.seed       = pool_seed,
	.bytes      = pool_bytes,
	.cleanup    = NULL,
	.add        = pool_add,
	.pseudorand = pool_bytes,
	.status     = pool_status,
};


int pbx_rand_pool_start(void)
{
	if (!atfork_set) {
		if (pthread_atfork(NULL, NULL, child_h))
			return ENOMEM;
		atfork_set = true;
	}

	return RAND_set_rand_method(&pool_method) ? 0 : ENOSYS;
}


void pbx_rand_pool_stop(void)
{
	if (RAND_get_rand_method() == &pool_method)
		(void)RAND_set_rand_method(NULL);
	child_h();
}

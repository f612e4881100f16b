/* nonce.c: stateless digest nonces with nonce-count replay protection.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A nonce is 56 lowercase hex digits:
 *
 *   hex(time)   16  creation time, ms, 8 bytes big-endian
 *   hex(seq)     8  per-object counter, 4 bytes big-endian
 *   hex(mac)    32  first 16 bytes of HMAC-SHA256(secret, time | seq)
 *
 * The secret is 32 random bytes made at alloc, so nonces do not survive
 * a restart (clients are challenged again).  seq keeps two nonces made in
 * the same millisecond apart: otherwise two phones would share one nc
 * sequence and the second one's nc=00000001 would look like a replay.
 * Only lowercase is accepted so that a nonce has exactly one spelling and
 * a case change cannot start a fresh nc sequence.
 *
 * The highest nc accepted per nonce (RFC 7616 3.4.5) lives in a hash
 * table, dropped once the nonce has expired and capped at NC_MAX entries
 * (the entry closest to expiry goes first).  An evicted nonce forgets its
 * nc, so a captured request could be replayed once; with the cap far
 * above the number of live nonces in use this needs a flood first.
 *
 * Call pbx_nonce_check() after pbx_digest_verify() succeeded: then only
 * authenticated requests record an nc (nobody can burn a client's nc
 * sequence or fill the table with bogus responses), and ETIMEDOUT means
 * "right password, old nonce", which is when RFC 7616 3.3 says to answer
 * stale=true.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <re.h>
#include "core.h"


enum {
	SECRET_SIZE = 32,
	STAMP_SIZE  = 12,           /* time (8) + seq (4) */
	MAC_SIZE    = 16,
	NONCE_LEN   = 2 * (STAMP_SIZE + MAC_SIZE),   /* 56 hex digits */
	NC_MAX      = 65536,        /* entries in the nc table */
	NC_BUCKETS  = 4096,
	FUTURE_MS   = 5000,         /* tolerated clock step back */
};

struct pbx_nonce {
	uint8_t secret[SECRET_SIZE];
	EVP_MAC_CTX *mac;           /* HMAC-SHA256 keyed with secret; owned:
	                             * OpenSSL's one-shot HMAC() looks the
	                             * algorithm up on every call, 40k
	                             * instructions a nonce (callgrind) */
	uint64_t lifetime_ms;
	uint32_t seq;               /* next seq for pbx_nonce_make() */
	struct hash *nct;           /* struct ncent by nonce; owned */
	struct list byexp;          /* struct ncent, soonest expiry first */
	uint32_t ncc;               /* entries in nct */
};

/* The highest nonce-count accepted for one nonce. */
struct ncent {
	struct le he;               /* in pbx_nonce.nct */
	struct le le;               /* in pbx_nonce.byexp */
	char nonce[NONCE_LEN];
	uint64_t expires;           /* ms; the nonce is stale after this */
	uint32_t nc;
};


static void nonce_destructor(void *arg)
{
	struct pbx_nonce *n = arg;

	hash_flush(n->nct);
	n->nct = mem_deref(n->nct);
	EVP_MAC_CTX_free(n->mac);
	OPENSSL_cleanse(n->secret, sizeof(n->secret));
}


static void ncent_destructor(void *arg)
{
	struct ncent *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}


/* The HMAC context, keyed once; each MAC re-initialises it with the
 * same key (EVP_MAC_init with no key keeps the last one). */
static int mac_init(struct pbx_nonce *n)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return ENOSYS;

	n->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!n->mac)
		return ENOMEM;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(n->mac, n->secret, sizeof(n->secret), params))
		return EPROTO;

	return 0;
}


/* lifetime: seconds a nonce is valid for (> 0). */
int pbx_nonce_alloc(struct pbx_nonce **np, uint32_t lifetime)
{
	struct pbx_nonce *n;
	int err;

	if (!np || !lifetime)
		return EINVAL;

	n = mem_zalloc(sizeof(*n), nonce_destructor);
	if (!n)
		return ENOMEM;

	rand_bytes(n->secret, sizeof(n->secret));
	n->lifetime_ms = (uint64_t)lifetime * 1000;
	list_init(&n->byexp);

	err = mac_init(n);
	if (err)
		goto out;

	err = hash_alloc(&n->nct, NC_BUCKETS);
	if (err)
		goto out;

	*np = n;

 out:
	if (err)
		mem_deref(n);

	return err;
}


static void ncent_remove(struct pbx_nonce *n, struct ncent *e)
{
	--n->ncc;
	mem_deref(e);
}


/* Drops the entries whose nonce is stale by now. */
static void prune(struct pbx_nonce *n, uint64_t now_ms)
{
	struct le *le;

	while ((le = list_head(&n->byexp)) != NULL) {
		struct ncent *e = le->data;

		if (e->expires >= now_ms)
			break;

		ncent_remove(n, e);
	}
}


static void put_be(uint8_t *p, uint64_t v, size_t size)
{
	size_t i;

	for (i = size; i > 0; i--) {
		p[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}


static uint64_t get_be(const uint8_t *p, size_t size)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < size; i++)
		v = v << 8 | p[i];

	return v;
}


static int stamp_mac(const struct pbx_nonce *n,
		     const uint8_t stamp[STAMP_SIZE], uint8_t mac[MAC_SIZE])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;

	if (!EVP_MAC_init(n->mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(n->mac, stamp, STAMP_SIZE) ||
	    !EVP_MAC_final(n->mac, md, &mdlen, sizeof(md)) ||
	    mdlen < MAC_SIZE)
		return EPROTO;

	memcpy(mac, md, MAC_SIZE);
	OPENSSL_cleanse(md, sizeof(md));

	return 0;
}


/* Writes a NUL-terminated nonce; sz must be at least 57 (EOVERFLOW). */
int pbx_nonce_make(struct pbx_nonce *n, char *buf, size_t sz,
		   uint64_t now_ms)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t raw[STAMP_SIZE + MAC_SIZE];
	size_t i;
	int err;

	if (!n || !buf)
		return EINVAL;

	if (sz < NONCE_LEN + 1)
		return EOVERFLOW;

	prune(n, now_ms);

	put_be(raw, now_ms, 8);
	put_be(raw + 8, n->seq++, 4);

	err = stamp_mac(n, raw, raw + STAMP_SIZE);
	if (err)
		return err;

	for (i = 0; i < sizeof(raw); i++) {
		buf[2 * i]     = digits[raw[i] >> 4];
		buf[2 * i + 1] = digits[raw[i] & 0x0f];
	}
	buf[NONCE_LEN] = '\0';

	return 0;
}


static int hex_val(char ch, bool upper_ok)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (upper_ok && ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;

	return -1;
}


/* nc-value = 8LHEX (RFC 7616 3.4); taken as 1 to 8 hex digits of either
 * case, compared as a number, so "1" and "00000001" are one count. */
static int nc_decode(uint32_t *ncp, const char *nc, size_t len)
{
	uint32_t v = 0;
	size_t i;

	if (!len || len > 8)
		return EBADMSG;

	for (i = 0; i < len; i++) {
		int d = hex_val(nc[i], true);

		if (d < 0)
			return EBADMSG;

		v = v << 4 | (uint32_t)d;
	}

	*ncp = v;

	return 0;
}


static bool ncent_cmp(struct le *le, void *arg)
{
	const struct ncent *e = le->data;

	return memcmp(e->nonce, arg, NONCE_LEN) == 0;
}


/* Keeps byexp sorted; entries come in roughly in expiry order, so the
 * walk from the tail is short. */
static void byexp_insert(struct pbx_nonce *n, struct ncent *e)
{
	struct le *le = list_tail(&n->byexp);

	while (le && ((struct ncent *)le->data)->expires > e->expires)
		le = le->prev;

	if (le)
		list_insert_after(&n->byexp, le, &e->le, e);
	else
		list_prepend(&n->byexp, &e->le, e);
}


/* Records nc for a nonce seen for the first time. */
static int ncent_add(struct pbx_nonce *n, const char *nonce,
		     uint32_t hkey, uint64_t expires, uint32_t nc)
{
	struct ncent *e;

	if (n->ncc >= NC_MAX) {
		struct le *le = list_head(&n->byexp);

		if (le)
			ncent_remove(n, le->data);
	}

	e = mem_zalloc(sizeof(*e), ncent_destructor);
	if (!e)
		return ENOMEM;

	memcpy(e->nonce, nonce, NONCE_LEN);
	e->expires = expires;
	e->nc = nc;

	hash_append(n->nct, hkey, &e->he, e);
	byexp_insert(n, e);
	++n->ncc;

	return 0;
}


/* Authenticity, then age, then nc.  With nc == NULL the nonce is only
 * checked (no qop: RFC 2069 has no replay protection).  ENOMEM if a new
 * nc entry cannot be made. */
int pbx_nonce_check(struct pbx_nonce *n, const char *nonce, size_t len,
		    const char *nc, size_t nclen, uint64_t now_ms)
{
	uint8_t raw[STAMP_SIZE + MAC_SIZE], mac[MAC_SIZE];
	uint64_t stamp, expires;
	struct le *le;
	uint32_t ncv = 0, hkey;
	size_t i;
	int err;

	if (!n)
		return EINVAL;

	if (!nonce || len != NONCE_LEN)
		return EBADMSG;

	for (i = 0; i < sizeof(raw); i++) {
		int hi = hex_val(nonce[2 * i], false);
		int lo = hex_val(nonce[2 * i + 1], false);

		if (hi < 0 || lo < 0)
			return EBADMSG;

		raw[i] = (uint8_t)(hi << 4 | lo);
	}

	err = stamp_mac(n, raw, mac);
	if (err)
		return err;

	if (CRYPTO_memcmp(mac, raw + STAMP_SIZE, MAC_SIZE))
		return EBADMSG;

	stamp = get_be(raw, 8);

	if (stamp > now_ms) {
		if (stamp - now_ms > FUTURE_MS)
			return ETIMEDOUT;
	}
	else if (now_ms - stamp > n->lifetime_ms) {
		return ETIMEDOUT;
	}

	if (!nc)
		return 0;

	err = nc_decode(&ncv, nc, nclen);
	if (err)
		return err;

	prune(n, now_ms);

	hkey = hash_joaat((const uint8_t *)nonce, NONCE_LEN);
	le = hash_lookup(n->nct, hkey, ncent_cmp, (void *)nonce);
	if (le) {
		struct ncent *e = le->data;

		if (ncv <= e->nc)
			return EALREADY;

		e->nc = ncv;
		return 0;
	}

	/* nc counts from 1, so 0 is never above the last one */
	if (!ncv)
		return EALREADY;

	expires = stamp + n->lifetime_ms;
	if (expires < stamp)
		expires = UINT64_MAX;

	return ncent_add(n, nonce, hkey, expires, ncv);
}

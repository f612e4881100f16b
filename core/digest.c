/* digest.c: server side of SIP digest authentication (RFC 2617, 7616, 8760).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * MD5 and SHA-256, with qop=auth or without qop (RFC 2069).  The -sess
 * variants and auth-int are not supported.  Hashing is OpenSSL EVP.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <re.h>
#include "core.h"


enum {
	MD5_HEX_LEN    = 32,
	SHA256_HEX_LEN = 64,
};

/* The parameters pbx_digest_cred_decode() keeps, and where they go. */
static const struct {
	const char *name;
	size_t off;
} cred_params[] = {
	{"username", offsetof(struct pbx_digest_cred, username)},
	{"realm",    offsetof(struct pbx_digest_cred, realm)},
	{"nonce",    offsetof(struct pbx_digest_cred, nonce)},
	{"uri",      offsetof(struct pbx_digest_cred, uri)},
	{"response", offsetof(struct pbx_digest_cred, response)},
	{"algorithm", offsetof(struct pbx_digest_cred, algorithm)},
	{"qop",      offsetof(struct pbx_digest_cred, qop)},
	{"nc",       offsetof(struct pbx_digest_cred, nc)},
	{"cnonce",   offsetof(struct pbx_digest_cred, cnonce)},
	{"opaque",   offsetof(struct pbx_digest_cred, opaque)},
};

/* A bounded cursor over the header value; p never passes end. */
struct cursor {
	const char *p;
	const char *end;
};


static size_t hex_len(enum pbx_digest_alg alg)
{
	switch (alg) {

	case PBX_DIGEST_MD5:    return MD5_HEX_LEN;
	case PBX_DIGEST_SHA256: return SHA256_HEX_LEN;
	default:                return 0;
	}
}


/* OpenSSL 3 looks the implementation of EVP_md5() or EVP_sha256() up
 * again on every EVP_DigestInit_ex() (EVP_MD_fetch: about 2,200
 * instructions, four times a registration); it is fetched once and kept
 * for the life of the process.  Where the provider lacks one (MD5 in FIPS
 * mode) the legacy handle stays, and EVP_DigestInit_ex() refuses it. */
static EVP_MD *md_fetched[2];
static pthread_once_t md_once = PTHREAD_ONCE_INIT;


static void md_fetch(void)
{
	md_fetched[0] = EVP_MD_fetch(NULL, "MD5", NULL);
	md_fetched[1] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}


static const EVP_MD *evp_md(enum pbx_digest_alg alg)
{
	(void)pthread_once(&md_once, md_fetch);

	switch (alg) {

	case PBX_DIGEST_MD5:
		return md_fetched[0] ? md_fetched[0] : EVP_md5();
	case PBX_DIGEST_SHA256:
		return md_fetched[1] ? md_fetched[1] : EVP_sha256();
	default:
		return NULL;
	}
}


int pbx_digest_alg_decode(const char *p, size_t l,
			  enum pbx_digest_alg *algp)
{
	struct pl pl;

	if (!p || !algp)
		return EINVAL;

	pl.p = p;
	pl.l = l;

	if (!pl_strcasecmp(&pl, "MD5")) {
		*algp = PBX_DIGEST_MD5;
		return 0;
	}

	if (!pl_strcasecmp(&pl, "SHA-256")) {
		*algp = PBX_DIGEST_SHA256;
		return 0;
	}

	/* MD5-sess, SHA-256-sess, SHA-512-256 and anything unknown */
	return ENOTSUP;
}


const char *pbx_digest_alg_name(enum pbx_digest_alg alg)
{
	switch (alg) {

	case PBX_DIGEST_MD5:    return "MD5";
	case PBX_DIGEST_SHA256: return "SHA-256";
	default:                return NULL;
	}
}


/* Feeds pl to the digest.  With unesc, a backslash takes the next byte
 * literally: pls from quoted strings keep their quoted-pairs (see
 * pbx_digest_cred_decode), and tokens cannot contain a backslash, so
 * unescaping every credential field gives the value the client hashed. */
static int update_pl(EVP_MD_CTX *ctx, const struct pl *pl, bool unesc)
{
	const char *p = pl->p;
	size_t l = pl->l;

	while (l) {
		size_t n = 0;

		while (n < l && !(unesc && p[n] == '\\'))
			++n;

		if (n && !EVP_DigestUpdate(ctx, p, n))
			return EPROTO;

		p += n;
		l -= n;

		if (l >= 2) {
			/* skip the backslash, take the escaped byte */
			if (!EVP_DigestUpdate(ctx, p + 1, 1))
				return EPROTO;
			p += 2;
			l -= 2;
		}
		else if (l == 1) {
			/* a lone trailing backslash stays as it is */
			if (!EVP_DigestUpdate(ctx, p, 1))
				return EPROTO;
			l = 0;
		}
	}

	return 0;
}


/* hex = lowercase hex of H(partv[0] ":" partv[1] ":" ...). */
static int hash_hex(char *hex, size_t sz, enum pbx_digest_alg alg,
		    const struct pl *partv, size_t partc, bool unesc)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *type = evp_md(alg);
	EVP_MD_CTX *ctx;
	int err = 0;
	size_t i;

	if (!type)
		return EINVAL;

	if (sz < hex_len(alg) + 1)
		return EOVERFLOW;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ENOMEM;

	/* fails when the provider lacks the algorithm (MD5 in FIPS mode) */
	if (!EVP_DigestInit_ex(ctx, type, NULL)) {
		err = ENOTSUP;
		goto out;
	}

	for (i = 0; i < partc; i++) {

		if (i && !EVP_DigestUpdate(ctx, ":", 1)) {
			err = EPROTO;
			goto out;
		}

		err = update_pl(ctx, &partv[i], unesc);
		if (err)
			goto out;
	}

	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) ||
	    (size_t)mdlen * 2 != hex_len(alg)) {
		err = EPROTO;
		goto out;
	}

	for (i = 0; i < mdlen; i++) {
		hex[2 * i]     = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[2 * mdlen] = '\0';

 out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(md, sizeof(md));
	return err;
}


int pbx_digest_ha1(char *hex, size_t sz, enum pbx_digest_alg alg,
		   const char *user, const char *realm, const char *password)
{
	struct pl partv[3];

	if (!hex || !user || !realm || !password)
		return EINVAL;

	pl_set_str(&partv[0], user);
	pl_set_str(&partv[1], realm);
	pl_set_str(&partv[2], password);

	return hash_hex(hex, sz, alg, partv, 3, false);
}


/* ---- Authorization header parsing ------------------------------------ */

/* tchar of RFC 7230 3.2.6 */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;

	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}


/* Skips LWS: spaces, tabs and folded lines (CRLF or LF followed by a
 * space or tab, RFC 3261 25.1).  True if anything was skipped. */
static bool skip_lws(struct cursor *c)
{
	const char *start = c->p;

	for (;;) {
		size_t left = (size_t)(c->end - c->p);

		if (left >= 1 && (c->p[0] == ' ' || c->p[0] == '\t')) {
			c->p += 1;
		}
		else if (left >= 3 && c->p[0] == '\r' && c->p[1] == '\n' &&
			 (c->p[2] == ' ' || c->p[2] == '\t')) {
			c->p += 3;
		}
		else if (left >= 2 && c->p[0] == '\n' &&
			 (c->p[1] == ' ' || c->p[1] == '\t')) {
			c->p += 2;
		}
		else {
			break;
		}
	}

	return c->p != start;
}


/* One or more tchars into pl. */
static int scan_token(struct cursor *c, struct pl *pl)
{
	pl->p = c->p;

	while (c->p < c->end && is_tchar((unsigned char)*c->p))
		++c->p;

	pl->l = (size_t)(c->p - pl->p);

	return pl->l ? 0 : EBADMSG;
}


/* A quoted-string (RFC 7230 3.2.6); pl gets the text between the quotes
 * with its quoted-pairs left as they are.  Control characters other than
 * HTAB, folded lines included, make it malformed. */
static int scan_quoted(struct cursor *c, struct pl *pl)
{
	if (c->p >= c->end || *c->p != '"')
		return EBADMSG;

	++c->p;
	pl->p = c->p;

	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"') {
			pl->l = (size_t)(c->p - pl->p);
			++c->p;
			return 0;
		}

		if (ch == '\\') {
			if (c->end - c->p < 2)
				return EBADMSG;

			ch = (unsigned char)c->p[1];
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return EBADMSG;

			c->p += 2;
			continue;
		}

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return EBADMSG;

		++c->p;
	}

	return EBADMSG;  /* unterminated */
}


/* Stores value under name if it is one we keep; a repeated one is an
 * error (RFC 7235 2.2: each parameter name only once). */
static int store_param(struct pbx_digest_cred *cred, const struct pl *name,
		       const struct pl *val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cred_params); i++) {
		struct pl *dst;

		if (pl_strcasecmp(name, cred_params[i].name))
			continue;

		dst = (struct pl *)(void *)((char *)cred +
					    cred_params[i].off);
		if (dst->p)
			return EBADMSG;

		*dst = *val;
		return 0;
	}

	return 0;  /* unknown: ignored */
}


/* auth-param = token BWS "=" BWS ( token / quoted-string ) */
static int scan_param(struct cursor *c, struct pbx_digest_cred *cred)
{
	struct pl name, val;
	int err;

	err = scan_token(c, &name);
	if (err)
		return err;

	skip_lws(c);
	if (c->p >= c->end || *c->p != '=')
		return EBADMSG;
	++c->p;
	skip_lws(c);

	if (c->p < c->end && *c->p == '"')
		err = scan_quoted(c, &val);
	else
		err = scan_token(c, &val);
	if (err)
		return err;

	return store_param(cred, &name, &val);
}


static bool cred_complete(const struct pbx_digest_cred *cred)
{
	if (!cred->username.p || !cred->realm.p || !cred->nonce.p ||
	    !cred->uri.p || !cred->response.p)
		return false;

	/* RFC 7616 3.4: cnonce and nc go with qop */
	if (cred->qop.p && (!cred->nc.p || !cred->cnonce.p))
		return false;

	return true;
}


/* Values are pls into hval.  A quoted value excludes its quotes and keeps
 * any backslash escapes (a\"b stays 4 bytes): pbx_digest_verify()
 * unescapes when hashing, but a username with an escape will not equal a
 * stored user name, so such requests fail closed.  Empty list elements
 * (", ,") are skipped as RFC 7230 7 asks.  *cred is written only on
 * success. */
int pbx_digest_cred_decode(struct pbx_digest_cred *cred,
			   const char *hval, size_t len)
{
	struct pbx_digest_cred tmp;
	struct cursor c;
	struct pl scheme;
	bool first = true;
	int err;

	if (!cred || !hval)
		return EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	c.p = hval;
	c.end = hval + len;

	skip_lws(&c);
	err = scan_token(&c, &scheme);
	if (err || pl_strcasecmp(&scheme, "Digest"))
		return EBADMSG;

	/* credentials = auth-scheme 1*SP auth-params */
	if (!skip_lws(&c))
		return EBADMSG;

	while (c.p < c.end) {

		if (*c.p == ',') {
			++c.p;
			skip_lws(&c);
			first = true;
			continue;
		}

		/* two params need a comma between them */
		if (!first)
			return EBADMSG;

		err = scan_param(&c, &tmp);
		if (err)
			return err;

		skip_lws(&c);
		first = false;
	}

	if (!cred_complete(&tmp))
		return EBADMSG;

	*cred = tmp;

	return 0;
}


/* ---- verification ---------------------------------------------------- */

/* Copies hex[len] lowercased into buf; false if not all hex digits. */
static bool hex_lower(char *buf, const char *hex, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = hex[i];

		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= '0' && ch <= '9') ||
			   (ch >= 'a' && ch <= 'f')))
			return false;

		buf[i] = ch;
	}

	buf[len] = '\0';

	return true;
}


/* RFC 7616 3.4.1: with qop=auth,
 *   response = H(HA1:nonce:nc:cnonce:qop:HA2), HA2 = H(method:uri);
 * without qop (RFC 2069) response = H(HA1:nonce:HA2).
 *
 * ha1 must be hex of the algorithm's length (either case).  When cred
 * names an algorithm it must be alg; an absent one is accepted with any
 * alg (the caller decides what absent means).  Only the response
 * comparison runs in constant time. */
bool pbx_digest_verify(const struct pbx_digest_cred *cred,
		       enum pbx_digest_alg alg, const char *ha1,
		       const char *method, size_t method_len)
{
	char ha1_lc[PBX_DIGEST_HEX_MAX], resp_lc[PBX_DIGEST_HEX_MAX];
	char ha2[PBX_DIGEST_HEX_MAX], expect[PBX_DIGEST_HEX_MAX];
	struct pl partv[6];
	size_t hlen = hex_len(alg);
	bool ok = false;

	if (!cred || !ha1 || !method || !method_len || !hlen)
		return false;

	if (!cred->nonce.p || !cred->uri.p || !cred->response.p)
		return false;

	if (cred->algorithm.p) {
		enum pbx_digest_alg calg;

		if (pbx_digest_alg_decode(cred->algorithm.p,
					  cred->algorithm.l, &calg) ||
		    calg != alg)
			return false;
	}

	if (strnlen(ha1, hlen + 1) != hlen || !hex_lower(ha1_lc, ha1, hlen))
		return false;

	if (cred->response.l != hlen ||
	    !hex_lower(resp_lc, cred->response.p, hlen))
		return false;

	partv[0].p = method;
	partv[0].l = method_len;
	partv[1] = cred->uri;
	if (hash_hex(ha2, sizeof(ha2), alg, partv, 2, true))
		goto out;

	pl_set_str(&partv[0], ha1_lc);
	partv[1] = cred->nonce;

	if (cred->qop.p) {
		if (pl_strcasecmp(&cred->qop, "auth") ||
		    !cred->nc.p || !cred->cnonce.p)
			goto out;

		partv[2] = cred->nc;
		partv[3] = cred->cnonce;
		partv[4] = cred->qop;
		pl_set_str(&partv[5], ha2);

		if (hash_hex(expect, sizeof(expect), alg, partv, 6, true))
			goto out;
	}
	else {
		pl_set_str(&partv[2], ha2);

		if (hash_hex(expect, sizeof(expect), alg, partv, 3, true))
			goto out;
	}

	ok = CRYPTO_memcmp(expect, resp_lc, hlen) == 0;

 out:
	OPENSSL_cleanse(ha1_lc, sizeof(ha1_lc));
	return ok;
}

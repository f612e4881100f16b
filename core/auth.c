/* auth.c: digest authentication of SIP requests from extensions.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre's server helper does MD5 only and hides the algorithm, so the
 * challenge, SHA-256 (RFC 8760), nonce expiry and the ban of addresses
 * that keep failing are ours (digest.c, nonce.c, ban.c).
 */
#include <string.h>
#include <re.h>
#include "core.h"


enum {
	NONCE_LIFETIME = 300,     /* seconds: auth_nonce_lifetime default */
	MAX_ALGS = 2,
};

struct pbx_auth {
	struct pbx_nonce *nonce;  /* owned */
	struct pbx_ban *ban;      /* owned */
	enum pbx_digest_alg algv[MAX_ALGS];   /* offered, in order  */
	size_t algc;
};

struct hdr_find {
	const char *realm;
	const struct sip_hdr *hdr;
	struct pbx_digest_cred cred;
};


static struct pbx_auth *auth_ctx(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->auth : NULL;
}


static void auth_destructor(void *arg)
{
	struct pbx_auth *a = arg;

	mem_deref(a->nonce);
	mem_deref(a->ban);
}


static int algs_parse(struct pbx_auth *a)
{
	const char *val = pbx_conf_str("auth_algorithms", "MD5");
	struct pl rest, item;

	pl_set_str(&rest, val);
	while (rest.l) {
		enum pbx_digest_alg alg;
		size_t i;

		if (re_regex(rest.p, rest.l, "[ ]*[^, ]+[ ,]*", NULL, &item,
			     NULL))
			break;
		pl_advance(&rest, item.p + item.l - rest.p);
		while (rest.l && (*rest.p == ',' || *rest.p == ' '))
			pl_advance(&rest, 1);

		if (pbx_digest_alg_decode(item.p, item.l, &alg))
			return pbx_conf_error("auth_algorithms", "'%r' is not "
					      "MD5 or SHA-256", &item);
		for (i = 0; i < a->algc; i++) {
			if (a->algv[i] == alg)
				return pbx_conf_error("auth_algorithms", "%r "
						      "given twice", &item);
		}
		a->algv[a->algc++] = alg;
	}

	if (!a->algc)
		return pbx_conf_error("auth_algorithms", "no algorithm");

	return 0;
}


int pbx_auth_start(void)
{
	struct pbx_core *c = pbx_core();
	uint32_t failures, ban_s, lifetime;
	struct pbx_auth *a;
	int err;

	if (!c)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), auth_destructor);
	if (!a)
		return ENOMEM;

	err = algs_parse(a);
	if (!err)
		err = pbx_conf_u32("auth_nonce_lifetime", NONCE_LIFETIME, 1,
				   86400, &lifetime);
	if (!err)
		err = pbx_conf_u32("auth_ban_failures", 10, 0, 100000,
				   &failures);
	if (!err)
		err = pbx_conf_u32("auth_ban_seconds", 300, 1, 86400, &ban_s);
	if (!err)
		err = pbx_nonce_alloc(&a->nonce, lifetime);
	if (!err)
		err = pbx_ban_alloc(&a->ban, failures, 60, ban_s);
	if (err) {
		mem_deref(a);
		return err;
	}

	c->auth = a;

	return 0;
}


void pbx_auth_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->auth = mem_deref(c->auth);
}


bool pbx_auth_banned(const struct sa *src)
{
	struct pbx_auth *a = auth_ctx();

	return a && pbx_ban_active(a->ban, src, tmr_jiffies());
}


/* One WWW-Authenticate (or Proxy-) header per offered algorithm. */
static int challenge(const struct sip_msg *msg, bool proxy, bool stale)
{
	struct pbx_auth *a = auth_ctx();
	struct mbuf *mb;
	char nonce[64];
	size_t i;
	int err;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = pbx_nonce_make(a->nonce, nonce, sizeof(nonce), tmr_jiffies());
	for (i = 0; i < a->algc && !err; i++) {
		err = mbuf_printf(mb, "%s: Digest realm=\"%s\", nonce=\"%s\","
				  " algorithm=%s, qop=\"auth\"%s\r\n",
				  proxy ? "Proxy-Authenticate" :
				  "WWW-Authenticate", pbx_domain(), nonce,
				  pbx_digest_alg_name(a->algv[i]),
				  stale ? ", stale=true" : "");
	}

	/* a REGISTER's challenge statelessly, as the registrar answers
	 * (registrar.c); others in a transaction (an INVITE's 401 waits
	 * for its ACK) */
	if (!err && !pl_strcmp(&msg->met, "REGISTER"))
		err = sip_replyf(pbx_sip(), msg, proxy ? 407 : 401, proxy ?
				 "Proxy Authentication Required" :
				 "Unauthorized", "%bContent-Length: 0\r\n\r\n",
				 mb->buf, mb->end);
	else if (!err)
		err = sip_treplyf(NULL, NULL, pbx_sip(), msg, false,
				  proxy ? 407 : 401, proxy ?
				  "Proxy Authentication Required" :
				  "Unauthorized", "%b"
				  "Content-Length: 0\r\n\r\n",
				  mb->buf, mb->end);
	mem_deref(mb);

	return err;
}


static bool hdr_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		  void *arg)
{
	struct hdr_find *f = arg;
	struct pbx_digest_cred cred;
	(void)msg;

	if (pbx_digest_cred_decode(&cred, hdr->val.p, hdr->val.l))
		return false;
	if (pl_strcmp(&cred.realm, f->realm))
		return false;         /* credentials for another realm */

	f->hdr = hdr;
	f->cred = cred;

	return true;
}


static bool alg_offered(const struct pbx_digest_cred *cred,
			enum pbx_digest_alg *algp)
{
	struct pbx_auth *a = auth_ctx();
	enum pbx_digest_alg alg = PBX_DIGEST_MD5;
	size_t i;

	if (pl_isset(&cred->algorithm) &&
	    pbx_digest_alg_decode(cred->algorithm.p, cred->algorithm.l,
				  &alg))
		return false;

	for (i = 0; i < a->algc; i++) {
		if (a->algv[i] == alg) {
			*algp = alg;
			return true;
		}
	}

	return false;
}


static int fail(const struct sip_msg *msg, const struct pl *user)
{
	struct pbx_auth *a = auth_ctx();
	char ubuf[64], met[16], src[64];

	pbx_log(PBX_LOG_WARN, "auth: %r from %J: wrong credentials for "
		"'%r'", &msg->met, &msg->src, user);
	(void)pl_strcpy(user, ubuf, sizeof(ubuf));
	(void)pl_strcpy(&msg->met, met, sizeof(met));
	re_snprintf(src, sizeof(src), "%J", &msg->src);
	pbx_event_emitv("auth_failure", "user", ubuf, "method", met,
			"source", src, NULL);

	if (pbx_ban_failure(a->ban, &msg->src, tmr_jiffies()))
		pbx_log(PBX_LOG_WARN, "auth: too many failures from %j: "
			"ignoring it for a while", &msg->src);

	/* the same answer whether or not the user exists */
	(void)sip_treply(NULL, pbx_sip(), msg, 403, "Forbidden");

	return EACCES;
}


int pbx_auth_request(const struct sip_msg *msg, bool proxy, char *extbuf,
		     size_t extsz)
{
	struct pbx_auth *a = auth_ctx();
	struct hdr_find f;
	char ha1[PBX_DIGEST_HEX_MAX];
	enum pbx_digest_alg alg;
	int err;

	if (!a || !msg || !extbuf || !extsz)
		return EINVAL;

	memset(&f, 0, sizeof(f));
	f.realm = pbx_domain();
	(void)sip_msg_hdr_apply(msg, true, proxy ? SIP_HDR_PROXY_AUTHORIZATION
				: SIP_HDR_AUTHORIZATION, hdr_h, &f);
	if (!f.hdr || !alg_offered(&f.cred, &alg)) {
		(void)challenge(msg, proxy, false);
		return EAUTH;
	}

	if (f.cred.username.l >= extsz)
		return fail(msg, &f.cred.username);
	pl_strcpy(&f.cred.username, extbuf, extsz);

	/* an unknown user is checked against a random HA1, so it fails the
	 * same way (and in about the same time) as a wrong password */
	if (pbx_user_ha1(extbuf, alg, ha1, sizeof(ha1))) {
		uint8_t rnd[32];
		size_t n = alg == PBX_DIGEST_SHA256 ? 32 : 16;

		rand_bytes(rnd, sizeof(rnd));
		re_snprintf(ha1, sizeof(ha1), "%w", rnd, n);
	}

	if (!pbx_digest_verify(&f.cred, alg, ha1, msg->met.p, msg->met.l))
		return fail(msg, &f.cred.username);

	/* The nonce only after the response: checking records the nonce
	 * count, and a forged request must not use up a client's counts.
	 * An old nonce with the right password is "stale" (RFC 7616 3.3). */
	err = pbx_nonce_check(a->nonce, f.cred.nonce.p, f.cred.nonce.l,
			      f.cred.nc.p, f.cred.nc.l, tmr_jiffies());
	if (err) {
		(void)challenge(msg, proxy, err == ETIMEDOUT);
		return EAUTH;
	}

	return 0;
}

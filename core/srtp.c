/* srtp.c: SRTP for one direction of a leg (libsrtp2) with SDES keys.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libsrtp2 2.5.0 does the crypto; SDES (RFC 4568) parsing and printing
 * are ours.  We do one master key per direction, no MKI, no key
 * derivation rate: offers needing those are refused with ENOTSUP so the
 * caller can pick another crypto line.
 *
 * libre 1.1.0 has its own SRTP (re_srtp.h), also named srtp_*.  Checked
 * with nm -D on both shared libraries: libre exports srtp_alloc,
 * srtp_encrypt, srtp_decrypt, srtp_derive, srtp_get_index, srtp_iv_calc,
 * srtp_iv_calc_gcm, srtp_replay_init, srtp_replay_check, srtp_suite_name
 * and srtcp_*; libsrtp2 exports srtp_init, srtp_create, srtp_protect,
 * srtp_unprotect, srtp_dealloc, ...  No name is defined by both, so
 * there is no interposition; <re.h> (which includes re_srtp.h) and
 * <srtp2/srtp.h> also compile together.  tests/unit/core/test_srtp.c
 * runs both in one process and checks that they interoperate.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include <srtp2/srtp.h>
#include "core.h"
#include "audio.h"


enum {
	KEY_B64_LEN = 40,          /* base64 of PBX_SRTP_KEY_LEN bytes      */
	TAG_DIGITS  = 9,           /* RFC 4568 9.1: tag = 1*9DIGIT           */
	REPLAY_WIN  = 128,         /* packets                               */
};

struct pbx_srtp {
	srtp_t ctx;                /* owned: srtp_dealloc                   */
};

static bool lib_ready;        /* srtp_init() done                      */

static const char * const suite_namev[] = {
	[PBX_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[PBX_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
};


int pbx_srtp_init(void)
{
	if (lib_ready)
		return 0;

	if (srtp_init() != srtp_err_status_ok)
		return ENOSYS;

	lib_ready = true;

	return 0;
}


void pbx_srtp_close(void)
{
	if (!lib_ready)
		return;

	(void)srtp_shutdown();
	lib_ready = false;
}


const char *pbx_srtp_suite_name(enum pbx_srtp_suite s)
{
	if ((size_t)s >= ARRAY_SIZE(suite_namev))
		return "?";

	return suite_namev[s];
}


/* ---- SDES (RFC 4568 9.1) ------------------------------------------------ */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}


/* The next whitespace-separated token of [*pp, end) into tok. */
static bool next_token(struct pl *tok, const char **pp, const char *end)
{
	const char *p = *pp;

	while (p < end && is_wsp(*p))
		++p;

	tok->p = p;
	while (p < end && !is_wsp(*p))
		++p;
	tok->l = (size_t)(p - tok->p);
	*pp = p;

	return tok->l > 0;
}


static bool all_digits(const char *p, size_t l)
{
	size_t i;

	if (!l)
		return false;

	for (i = 0; i < l; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
	}

	return true;
}


static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '+' || c == '/';
}


/* lifetime = ["2^"] 1*DIGIT.  Only checked: we never rekey, and a call
 * ends long before 2^31 packets. */
static int lifetime_check(const struct pl *pl)
{
	if (pl->l > 2 && pl->p[0] == '2' && pl->p[1] == '^')
		return all_digits(pl->p + 2, pl->l - 2) ? 0 : EBADMSG;

	return all_digits(pl->p, pl->l) ? 0 : EBADMSG;
}


/* key-param = "inline:" key-salt ["|" lifetime] ["|" mki] */
static int key_param_decode(uint8_t key[PBX_SRTP_KEY_LEN],
			    const struct pl *kp)
{
	static const char prefix[] = "inline:";
	const size_t plen = sizeof(prefix) - 1;
	const char *p, *end = kp->p + kp->l, *bar;
	struct pl field;
	size_t i, olen = PBX_SRTP_KEY_LEN;
	int n = 0, err;

	if (kp->l < plen || strncasecmp(kp->p, prefix, plen))
		return EBADMSG;

	/* Several keys (";") only make sense with MKIs. */
	if (memchr(kp->p, ';', kp->l))
		return ENOTSUP;

	p = kp->p + plen;
	bar = memchr(p, '|', (size_t)(end - p));
	if (!bar)
		bar = end;

	if (bar - p != KEY_B64_LEN)
		return EBADMSG;
	for (i = 0; i < KEY_B64_LEN; i++) {
		if (!is_b64(p[i]))
			return EBADMSG;
	}

	err = base64_decode(p, KEY_B64_LEN, key, &olen);
	if (err)
		return EBADMSG;
	if (olen != PBX_SRTP_KEY_LEN)
		return EBADMSG;

	/* Up to two fields: a lifetime and then an MKI ("value:length"). */
	for (p = bar; p < end; p = bar) {
		++p;
		bar = memchr(p, '|', (size_t)(end - p));
		if (!bar)
			bar = end;
		field.p = p;
		field.l = (size_t)(bar - p);

		if (++n > 2 || !field.l)
			return EBADMSG;

		if (memchr(field.p, ':', field.l)) {
			if (bar != end)
				return EBADMSG;    /* MKI comes last */
			return ENOTSUP;
		}

		if (n == 2)
			return EBADMSG;            /* two lifetimes */

		err = lifetime_check(&field);
		if (err)
			return err;
	}

	return 0;
}


/* Session parameters we cannot honour make the line unusable. */
static int session_param_check(const struct pl *sp)
{
	static const char * const refusev[] = {
		"UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP",
		"UNAUTHENTICATED_SRTP",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refusev); i++) {
		if (!pl_strcmp(sp, refusev[i]))
			return ENOTSUP;
	}

	/* KDR=0 is the default (no re-keying); libsrtp2 has no other. */
	if (sp->l > 4 && !strncmp(sp->p, "KDR=", 4)) {
		if (!all_digits(sp->p + 4, sp->l - 4))
			return EBADMSG;
		if (sp->l != 5 || sp->p[4] != '0')
			return ENOTSUP;
	}

	return 0;
}


int pbx_sdes_decode(struct pbx_sdes *s, const char *val)
{
	struct pl tag, suite, kp, sp;
	const char *p, *end;
	struct pbx_sdes tmp;
	size_t i;
	int err;

	if (!s || !val)
		return EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	p = val;
	end = val + strlen(val);

	if (!next_token(&tag, &p, end) ||
	    !all_digits(tag.p, tag.l) || tag.l > TAG_DIGITS)
		return EBADMSG;
	tmp.tag = pl_u32(&tag);

	if (!next_token(&suite, &p, end))
		return EBADMSG;

	for (i = 0; i < ARRAY_SIZE(suite_namev); i++) {
		if (!pl_strcmp(&suite, suite_namev[i]))
			break;
	}
	if (i == ARRAY_SIZE(suite_namev))
		return ENOTSUP;
	tmp.suite = (enum pbx_srtp_suite)i;

	if (!next_token(&kp, &p, end))
		return EBADMSG;

	err = key_param_decode(tmp.key, &kp);
	if (err)
		return err;

	while (next_token(&sp, &p, end)) {
		err = session_param_check(&sp);
		if (err)
			return err;
	}

	*s = tmp;

	return 0;
}


void pbx_sdes_make(struct pbx_sdes *s, unsigned tag,
		   enum pbx_srtp_suite suite)
{
	if (!s)
		return;

	s->tag = tag;
	s->suite = suite;
	rand_bytes(s->key, sizeof(s->key));
}


int pbx_sdes_encode(struct re_printf *pf, const struct pbx_sdes *s)
{
	char b64[KEY_B64_LEN];
	size_t len = sizeof(b64);
	int err;

	if (!s || (size_t)s->suite >= ARRAY_SIZE(suite_namev))
		return EINVAL;

	err = base64_encode(s->key, sizeof(s->key), b64, &len);
	if (err)
		return err;

	return re_hprintf(pf, "%u %s inline:%b", s->tag,
			  suite_namev[s->suite], b64, len);
}


/* ---- sessions ----------------------------------------------------------- */

static void sess_destructor(void *arg)
{
	struct pbx_srtp *s = arg;

	if (s->ctx)
		(void)srtp_dealloc(s->ctx);
}


static int err_map(srtp_err_status_t e)
{
	switch (e) {

	case srtp_err_status_ok:          return 0;
	case srtp_err_status_auth_fail:   return EAUTH;
	case srtp_err_status_replay_fail: return EALREADY;
	case srtp_err_status_replay_old:  return EALREADY;
	case srtp_err_status_alloc_fail:  return ENOMEM;
	default:                          return EBADMSG;
	}
}


int pbx_srtp_alloc(struct pbx_srtp **sp, const struct pbx_sdes *sdes,
		   bool outbound)
{
	struct pbx_srtp *s;
	srtp_policy_t pol;
	uint8_t key[PBX_SRTP_KEY_LEN];
	int err;

	if (!sp || !sdes)
		return EINVAL;

	memset(&pol, 0, sizeof(pol));
	switch (sdes->suite) {

	case PBX_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		break;

	case PBX_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		break;

	default:
		return ENOTSUP;
	}

	/* RFC 4568 6.2: SRTCP keeps the 80-bit tag with either suite. */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);

	err = pbx_srtp_init();
	if (err)
		return err;

	s = mem_zalloc(sizeof(*s), sess_destructor);
	if (!s)
		return ENOMEM;

	/* srtp_create derives the session keys and keeps no pointer. */
	memcpy(key, sdes->key, sizeof(key));
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = key;
	pol.window_size = REPLAY_WIN;
	pol.allow_repeat_tx = 0;

	err = err_map(srtp_create(&s->ctx, &pol));
	memset(key, 0, sizeof(key));
	if (err) {
		s->ctx = NULL;
		mem_deref(s);
		return err == EBADMSG ? EINVAL : err;
	}

	*sp = s;

	return 0;
}


int pbx_srtp_protect(struct pbx_srtp *s, struct mbuf *mb)
{
	size_t len;
	int n, err;

	if (!s || !mb)
		return EINVAL;

	len = mbuf_get_left(mb);
	if (len > INT32_MAX - PBX_SRTP_TRAILER)
		return EINVAL;

	/* Without MKI libsrtp2 writes only the tag (SRTP_MAX_TAG_LEN = 16
	 * bytes at most), despite its SRTP_MAX_TRAILER_LEN warning. */
	if (mb->size - mb->end < PBX_SRTP_TRAILER) {
		err = mbuf_resize(mb, mb->end + PBX_SRTP_TRAILER);
		if (err)
			return err;
	}

	n = (int)len;
	err = err_map(srtp_protect(s->ctx, mbuf_buf(mb), &n));
	if (err)
		return err;

	mb->end = mb->pos + (size_t)n;

	return 0;
}


int pbx_srtp_unprotect(struct pbx_srtp *s, struct mbuf *mb)
{
	size_t len;
	int n, err;

	if (!s || !mb)
		return EINVAL;

	len = mbuf_get_left(mb);
	if (len > INT32_MAX)
		return EBADMSG;

	n = (int)len;
	err = err_map(srtp_unprotect(s->ctx, mbuf_buf(mb), &n));
	if (err)
		return err;

	mb->end = mb->pos + (size_t)n;

	return 0;
}

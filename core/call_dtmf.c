/* call_dtmf.c: the caller's DTMF: INFO requests, the type-ahead buffer,
 * the dtmf event and the script's watcher.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Digits reach the call from the caller's media (RFC 4733, inband, and
 * INFO bodies passed in by pbx_call_info_dtmf), already de-duplicated
 * there.  Each goes on the event bus at once; the script's watcher (a
 * prompt with interrupt, read_digits, ...) gets it from tmr_dtmf, so the
 * watcher may resume the script, which may hang up, without the media
 * code below it on the stack.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "call.h"


static void deliver_h(void *arg)
{
	struct pbx_call *c = arg;
	char digit;

	/* one digit per run: the watcher may change or go */
	if (!c->dtmfh || !c->digits[0])
		return;

	digit = pbx_call_dtmf_take(c);
	if (c->digits[0])
		tmr_start(&c->tmr_dtmf, 0, deliver_h, c);

	c->dtmfh(c, digit, c->dtmf_arg);
}


static void media_dtmf_h(struct pbx_media *m, char digit, const char *how,
			 void *arg)
{
	struct pbx_call *c = arg;
	size_t n = strlen(c->digits);
	char d[2] = {digit, '\0'};
	(void)m;

	pbx_log(PBX_LOG_DEBUG, "call %s: DTMF %c (%s)", c->id, digit, how);
	pbx_event_emitv("dtmf", "call_id", c->id, "digit", d, "method", how,
			NULL);

	if (n + 1 >= sizeof(c->digits)) {
		memmove(c->digits, c->digits + 1, n);   /* drop the oldest */
		--n;
	}
	c->digits[n] = digit;
	c->digits[n + 1] = '\0';

	if (c->dtmfh)
		tmr_start(&c->tmr_dtmf, 0, deliver_h, c);
}


void pbx_call_dtmf_attach(struct pbx_call *c)
{
	pbx_media_dtmf_handler(c->media, media_dtmf_h, c);
}


void pbx_call_dtmf_watch(struct pbx_call *c, pbx_call_dtmf_h *h,
			 void *arg)
{
	if (!c)
		return;

	c->dtmfh = h;
	c->dtmf_arg = arg;
	if (h && c->digits[0])
		tmr_start(&c->tmr_dtmf, 0, deliver_h, c);
	else if (!h)
		tmr_cancel(&c->tmr_dtmf);
}


char pbx_call_dtmf_take(struct pbx_call *c)
{
	char digit;

	if (!c || !c->digits[0])
		return 0;

	digit = c->digits[0];
	memmove(c->digits, c->digits + 1, strlen(c->digits));

	return digit;
}


void pbx_call_info_dtmf(struct sip *sip, const struct sip_msg *msg,
			struct pbx_media *m)
{
	const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	char ctype[64] = "";
	char digit;

	if (ct)
		(void)pl_strcpy(&ct->val, ctype, sizeof(ctype));

	if (mbuf_get_left(msg->mb) && ct &&
	    !pbx_dtmf_info_parse(ctype, mbuf_buf(msg->mb),
				 mbuf_get_left(msg->mb), &digit)) {
		(void)sip_treply(NULL, sip, msg, 200, "OK");
		pbx_media_dtmf_info(m, digit);
		return;
	}

	/* an empty INFO is a keepalive; other bodies we do not take */
	if (!mbuf_get_left(msg->mb))
		(void)sip_treply(NULL, sip, msg, 200, "OK");
	else
		(void)sip_treply(NULL, sip, msg, 415,
				 "Unsupported Media Type");
}

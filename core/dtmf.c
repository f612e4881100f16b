/* dtmf.c: DTMF receiving: RFC 4733 events, SIP INFO bodies, de-duplication.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One struct pbx_dtmf_rx per leg.  It turns RFC 4733 telephone-event
 * packets into key presses and merges them with digits that came by SIP
 * INFO or inband detection, so that a phone that signals one key press
 * two ways yields one digit.
 *
 * Own code rather than libre's telev: telev_recv (1.1.0) ignores the RTP
 * timestamp, which is what tells one key press from the next, and knows
 * nothing of the other two ways digits arrive.
 *
 * RFC 4733 (2.5.1): every packet of one event carries the event's start
 * timestamp; the duration grows, and the end packet (E bit) is sent
 * three times.  A key press is therefore identified by its timestamp
 * (and event code): the first packet with a new one reports the digit,
 * whatever kind it is, so a lost start still gives the digit from a
 * later or end packet.  Packets whose timestamp is older than the
 * current event's (serial-number order, so RTP timestamp wrap-around is
 * harmless) are late copies of an earlier press and are dropped.  A
 * phone that reuses a timestamp after a long gap (no packet of it for
 * more than PRESS_GAP ms) starts a new press.
 *
 * De-duplication rule across sources (pbx_dtmf_rx_report):
 *   a digit is the same key press as the previous report when it is the
 *   same digit, comes from a different source than the report that was
 *   counted, and arrives within HOLD_MS of the previous report of that
 *   digit from any source.  Otherwise it is a new press.
 * So the same source repeating a digit is always a new press (a user may
 * press 5 twice quickly; RFC 4733 already folds its own repeats by
 * timestamp), while INFO after RFC 4733 (or inband after either) for the
 * same press is dropped.  A suppressed report extends the window but
 * does not become the counted source.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	HOLD_MS   = 500,    /* same digit from another source: same press */
	PRESS_GAP = 1000,   /* ms without packets before a ts may be reused */
	EV_LEN    = 4,      /* bytes of one RFC 4733 event payload        */
};

/* How far back (clock units) a timestamp counts as a late packet of an
 * earlier press rather than a new stream: 2^20 is 131 s at 8 kHz and
 * 21 s at 48 kHz. */
static const int32_t LATE_MAX = 1 << 20;

struct pbx_dtmf_rx {
	/* RFC 4733 state: the press being received */
	bool ev_valid;
	uint32_t ev_ts;             /* RTP timestamp of the press          */
	uint8_t ev_code;            /* event code 0..15                    */
	uint64_t ev_last_ms;        /* now_ms of its latest packet         */

	/* de-duplication state: the last report of any source */
	bool last_valid;
	char last_digit;
	enum pbx_dtmf_src last_src; /* source of the counted report        */
	uint64_t last_ms;           /* now_ms of the latest report of it   */
};


static const char event_digits[] = "0123456789*#ABCD";


/* The digit for event code ev (RFC 4733 3.2), 0 for non-DTMF events. */
static char event2digit(unsigned ev)
{
	return ev < sizeof(event_digits) - 1 ? event_digits[ev] : 0;
}


/* The canonical digit for c (a-d folded to A-D), 0 if not a digit. */
static char digit_norm(char c)
{
	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');

	if (!c || !strchr(event_digits, c))
		return 0;

	return c;
}


int pbx_dtmf_rx_alloc(struct pbx_dtmf_rx **rxp)
{
	struct pbx_dtmf_rx *rx;

	if (!rxp)
		return EINVAL;

	rx = mem_zalloc(sizeof(*rx), NULL);
	if (!rx)
		return ENOMEM;

	*rxp = rx;

	return 0;
}


/* Applies the de-duplication rule (see the file comment); true if new. */
static bool rx_report(struct pbx_dtmf_rx *rx, char digit,
		      enum pbx_dtmf_src src, uint64_t now_ms)
{
	if (rx->last_valid && rx->last_digit == digit &&
	    rx->last_src != src && now_ms >= rx->last_ms &&
	    now_ms - rx->last_ms < HOLD_MS) {
		rx->last_ms = now_ms;
		return false;
	}

	rx->last_valid = true;
	rx->last_digit = digit;
	rx->last_src = src;
	rx->last_ms = now_ms;

	return true;
}


char pbx_dtmf_rx_event(struct pbx_dtmf_rx *rx, const uint8_t *p,
		       size_t len, uint32_t ts, uint64_t now_ms)
{
	char digit;
	bool recent;

	if (!rx || !p || len < EV_LEN)
		return 0;

	digit = event2digit(p[0]);
	if (!digit)
		return 0;

	recent = rx->ev_valid && now_ms >= rx->ev_last_ms &&
		now_ms - rx->ev_last_ms <= PRESS_GAP;

	if (recent) {
		int32_t age = (int32_t)(ts - rx->ev_ts);

		/* later packet of the current press */
		if (age == 0 && p[0] == rx->ev_code) {
			rx->ev_last_ms = now_ms;
			return 0;
		}

		/* late packet of an earlier press (wrap-safe compare) */
		if (age < 0 && age > -LATE_MAX)
			return 0;
	}

	rx->ev_valid = true;
	rx->ev_ts = ts;
	rx->ev_code = p[0];
	rx->ev_last_ms = now_ms;

	return rx_report(rx, digit, PBX_DTMF_RFC4733, now_ms) ? digit : 0;
}


bool pbx_dtmf_rx_other(struct pbx_dtmf_rx *rx, char digit,
		       enum pbx_dtmf_src src, uint64_t now_ms)
{
	if (!rx)
		return false;

	digit = digit_norm(digit);
	if (!digit)
		return false;

	return rx_report(rx, digit, src, now_ms);
}


static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* Trims blanks at both ends of p[*startp .. *endp). */
static void trim(const uint8_t *p, size_t *startp, size_t *endp)
{
	while (*startp < *endp && is_space(p[*startp]))
		++*startp;
	while (*endp > *startp && is_space(p[*endp - 1]))
		--*endp;
}


/* A signal value: one digit character, or an event number 0..15. */
static char signal_value(const uint8_t *p, size_t len)
{
	unsigned n = 0;
	size_t i;

	if (len == 1 && digit_norm((char)p[0]))
		return digit_norm((char)p[0]);

	if (len == 0 || len > 2)
		return 0;

	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(p[i] - '0');
	}

	return event2digit(n);
}


/* application/dtmf-relay: "Signal=5\r\nDuration=160", any line order,
 * keys case-insensitive, \r\n or \n, blanks around key and value. */
static int parse_relay(const uint8_t *body, size_t len, char *digitp)
{
	size_t pos = 0;

	while (pos < len) {
		size_t eol = pos, ks, ke, vs, ve;
		const uint8_t *eq;

		while (eol < len && body[eol] != '\n')
			++eol;

		eq = memchr(body + pos, '=', eol - pos);
		if (eq) {
			ks = pos;
			ke = (size_t)(eq - body);
			vs = ke + 1;
			ve = eol;
			trim(body, &ks, &ke);
			trim(body, &vs, &ve);

			if (ke - ks == 6 &&
			    !strncasecmp((const char *)body + ks, "signal",
					 6)) {
				char d = signal_value(body + vs, ve - vs);

				if (!d)
					return EBADMSG;
				*digitp = d;
				return 0;
			}
		}

		pos = eol + 1;
	}

	return EBADMSG;
}


/* Compares the media type of ctype (before any ';', blanks trimmed) to
 * type, case-insensitive. */
static bool ctype_is(const char *ctype, const char *type)
{
	size_t s = 0, e = strcspn(ctype, ";");

	trim((const uint8_t *)ctype, &s, &e);

	return e - s == strlen(type) &&
		!strncasecmp(ctype + s, type, e - s);
}


int pbx_dtmf_info_parse(const char *ctype, const uint8_t *body,
			size_t len, char *digitp)
{
	char d;

	if (!digitp || (!body && len))
		return EINVAL;

	if (!ctype || !body)
		return EBADMSG;

	if (ctype_is(ctype, "application/dtmf-relay"))
		return parse_relay(body, len, digitp);

	if (ctype_is(ctype, "application/dtmf")) {
		size_t s = 0, e = len;

		trim(body, &s, &e);
		d = signal_value(body + s, e - s);
		if (!d)
			return EBADMSG;
		*digitp = d;
		return 0;
	}

	return EBADMSG;
}


const char *pbx_dtmf_src_name(enum pbx_dtmf_src src)
{
	switch (src) {

	case PBX_DTMF_RFC4733: return "rfc4733";
	case PBX_DTMF_INFO:    return "info";
	case PBX_DTMF_INBAND:  return "inband";
	default:               return "?";
	}
}

/* test_dtmf.c: unit tests for core/dtmf.c, dtmf_tx.c and dtmf_inband.c.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Includes <spandsp.h> to make inband test audio with spandsp's dtmf_tx;
 * so, by the link rule, no librem header here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <spandsp.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	T0   = 100000,               /* ms: some start time               */
	STEP = 160,                  /* 20 ms at 8 kHz                    */
};


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
	struct pbx_dtmf_rx *rx = NULL;
	int err = pbx_dtmf_rx_alloc(&rx);

	*state = rx;
	return err;
}


static int teardown(void **state)
{
	mem_deref(*state);
	return 0;
}


/* One telephone-event packet into rx. */
static char ev(struct pbx_dtmf_rx *rx, uint8_t code, bool end,
	       uint16_t dur, uint32_t ts, uint64_t now)
{
	uint8_t p[4];

	p[0] = code;
	p[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	p[2] = (uint8_t)(dur >> 8);
	p[3] = (uint8_t)dur;

	return pbx_dtmf_rx_event(rx, p, sizeof(p), ts, now);
}


/* A whole press as a phone sends it: 5 packets then 3 ends, every
 * 20 ms from now; returns the digits reported, in a static string. */
static const char *press(struct pbx_dtmf_rx *rx, uint8_t code,
			 uint32_t ts, uint64_t now)
{
	static char out[16];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		bool end = i >= 5;
		uint16_t dur = (uint16_t)(end ? 5 * STEP : (i + 1) * STEP);
		char d = ev(rx, code, end, dur, ts, now + 20 * i);

		if (d && n < sizeof(out) - 1)
			out[n++] = d;
	}
	out[n] = 0;

	return out;
}


static void test_alloc_args(void **state)
{
	(void)state;
	assert_int_equal(pbx_dtmf_rx_alloc(NULL), EINVAL);
	assert_int_equal(pbx_dtmf_rx_event(NULL, (const uint8_t *)"\5\0\0\1",
					   4, 1, 1), 0);
	assert_false(pbx_dtmf_rx_other(NULL, '5', PBX_DTMF_INFO, 1));
}


static void test_event_one_press(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	/* start, continuation, 3 ends -> exactly one digit, on the start */
	assert_int_equal(ev(rx, 5, false, 160, 1000, T0), '5');
	assert_int_equal(ev(rx, 5, false, 320, 1000, T0 + 20), 0);
	assert_int_equal(ev(rx, 5, false, 480, 1000, T0 + 40), 0);
	assert_int_equal(ev(rx, 5, true, 800, 1000, T0 + 60), 0);
	assert_int_equal(ev(rx, 5, true, 800, 1000, T0 + 80), 0);
	assert_int_equal(ev(rx, 5, true, 800, 1000, T0 + 100), 0);

	assert_string_equal(press(rx, 11, 3000, T0 + 400), "#");
}


static void test_event_codes(void **state)
{
	struct pbx_dtmf_rx *rx = *state;
	const char *want = "0123456789*#ABCD";
	unsigned i;

	for (i = 0; i < 16; i++) {
		uint32_t ts = 1000 + i * 4000;

		assert_int_equal(ev(rx, (uint8_t)i, false, 160, ts,
				    T0 + i * 600), want[i]);
	}
}


static void test_event_lost_start(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	/* the first packets are lost: a continuation reports it */
	assert_int_equal(ev(rx, 7, false, 480, 5000, T0), '7');
	assert_int_equal(ev(rx, 7, true, 800, 5000, T0 + 40), 0);
	assert_int_equal(ev(rx, 7, true, 800, 5000, T0 + 60), 0);

	/* only the end packets arrive: the first end reports it */
	assert_int_equal(ev(rx, 8, true, 800, 7000, T0 + 500), '8');
	assert_int_equal(ev(rx, 8, true, 800, 7000, T0 + 520), 0);
	assert_int_equal(ev(rx, 8, true, 800, 7000, T0 + 540), 0);
}


static void test_event_same_digit_twice(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	/* two presses of 5, 200 ms apart: different timestamps */
	assert_string_equal(press(rx, 5, 1000, T0), "5");
	assert_string_equal(press(rx, 5, 2600, T0 + 200), "5");

	/* a late end packet of the first press: ignored */
	assert_int_equal(ev(rx, 5, true, 800, 1000, T0 + 400), 0);
}


static void test_event_ts_reuse(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	assert_string_equal(press(rx, 3, 9000, T0), "3");
	/* a stray copy 0.5 s after the last packet: same press */
	assert_int_equal(ev(rx, 3, true, 800, 9000, T0 + 640), 0);
	/* a phone reusing the timestamp 2 s later: a new press */
	assert_string_equal(press(rx, 3, 9000, T0 + 2700), "3");
	/* same ts but another key: a new press */
	assert_int_equal(ev(rx, 4, false, 160, 9000, T0 + 2900), '4');
}


static void test_event_ignored(void **state)
{
	struct pbx_dtmf_rx *rx = *state;
	const uint8_t p[4] = {5, 10, 0, 160};

	/* non-DTMF events (flash 16, others up to 255) */
	assert_int_equal(ev(rx, 16, false, 160, 1000, T0), 0);
	assert_int_equal(ev(rx, 16, true, 800, 1000, T0 + 20), 0);
	assert_int_equal(ev(rx, 255, false, 160, 2000, T0 + 40), 0);

	/* short payloads */
	assert_int_equal(pbx_dtmf_rx_event(rx, p, 3, 3000, T0 + 60), 0);
	assert_int_equal(pbx_dtmf_rx_event(rx, p, 0, 3000, T0 + 60), 0);
	assert_int_equal(pbx_dtmf_rx_event(rx, NULL, 4, 3000, T0 + 60), 0);

	/* they did not disturb the state: a real event still works */
	assert_int_equal(pbx_dtmf_rx_event(rx, p, 4, 3000, T0 + 80), '5');
	assert_int_equal(pbx_dtmf_rx_event(rx, p, 4, 3000, T0 + 100), 0);
}


static void test_event_ts_wrap(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	assert_string_equal(press(rx, 1, 0xffffff00u, T0), "1");
	/* timestamp wrapped: the next press is newer, not a late packet */
	assert_string_equal(press(rx, 2, 0x00000200u, T0 + 300), "2");
	/* a late end of the pre-wrap press is older: ignored */
	assert_int_equal(ev(rx, 1, true, 800, 0xffffff00u, T0 + 460), 0);
	assert_string_equal(press(rx, 2, 0x00000b00u, T0 + 600), "2");
}


static void test_dedup_rfc_then_info(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	assert_int_equal(ev(rx, 5, false, 160, 1000, T0), '5');
	/* the same press by INFO 100 ms later: suppressed */
	assert_false(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0 + 100));
	/* ... and inband too */
	assert_false(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INBAND, T0 + 150));
	/* a different digit is a different press */
	assert_true(pbx_dtmf_rx_other(rx, '6', PBX_DTMF_INFO, T0 + 200));
}


static void test_dedup_after_hold(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	assert_int_equal(ev(rx, 5, false, 160, 1000, T0), '5');
	assert_true(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0 + 600));
}


static void test_dedup_info_twice(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	/* one source repeating a digit: a user pressing twice */
	assert_true(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0));
	assert_true(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0 + 100));
	assert_true(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INBAND, T0 + 900));
	assert_true(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INBAND, T0 + 1000));

	/* INFO then RFC 4733 of the same press: the event is dropped */
	assert_true(pbx_dtmf_rx_other(rx, '7', PBX_DTMF_INFO, T0 + 2000));
	assert_int_equal(ev(rx, 7, false, 160, 4000, T0 + 2030), 0);
	assert_int_equal(ev(rx, 7, true, 800, 4000, T0 + 2110), 0);

	/* invalid digits are never new */
	assert_false(pbx_dtmf_rx_other(rx, 'x', PBX_DTMF_INFO, T0 + 3000));
	assert_false(pbx_dtmf_rx_other(rx, 0, PBX_DTMF_INFO, T0 + 3000));
	assert_true(pbx_dtmf_rx_other(rx, 'b', PBX_DTMF_INFO, T0 + 3000));
}


static void test_dedup_double_signalling(void **state)
{
	struct pbx_dtmf_rx *rx = *state;

	/* a phone sending RFC 4733 and INFO for each press, 5 pressed
	 * twice 300 ms apart: two digits */
	assert_int_equal(ev(rx, 5, false, 160, 1000, T0), '5');
	assert_false(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0 + 20));
	assert_int_equal(ev(rx, 5, true, 800, 1000, T0 + 100), 0);
	assert_int_equal(ev(rx, 5, false, 160, 3400, T0 + 300), '5');
	assert_false(pbx_dtmf_rx_other(rx, '5', PBX_DTMF_INFO, T0 + 320));
}


/* Parses body (copied to an exact-size heap buffer, so ASan sees any
 * read past len); returns the error, the digit in *dp. */
static int info(const char *ctype, const char *body, size_t len, char *dp)
{
	uint8_t *b = malloc(len ? len : 1);
	int err;

	assert_non_null(b);
	memcpy(b, body, len);
	*dp = 0;
	err = pbx_dtmf_info_parse(ctype, b, len, dp);
	free(b);

	return err;
}


static char info_ok(const char *ctype, const char *body)
{
	char d;

	assert_int_equal(info(ctype, body, strlen(body), &d), 0);
	return d;
}


static void info_bad(const char *ctype, const char *body)
{
	char d;

	assert_int_equal(info(ctype, body, strlen(body), &d), EBADMSG);
}


static void test_info_relay(void **state)
{
	const char *r = "application/dtmf-relay";
	(void)state;

	assert_int_equal(info_ok(r, "Signal=5\r\nDuration=160\r\n"), '5');
	assert_int_equal(info_ok(r, "Signal= 5\nDuration= 160"), '5');
	assert_int_equal(info_ok(r, "Duration=160\r\nsignal=#\r\n"), '#');
	assert_int_equal(info_ok(r, "SIGNAL = *"), '*');
	assert_int_equal(info_ok(r, "Signal=10\r\n"), '*');
	assert_int_equal(info_ok(r, "Signal=11\r\n"), '#');
	assert_int_equal(info_ok(r, "Signal=12"), 'A');
	assert_int_equal(info_ok(r, "Signal=d"), 'D');
	assert_int_equal(info_ok(r, "Signal=0"), '0');
	assert_int_equal(info_ok("Application/DTMF-Relay ; x=y",
				 "Signal=9"), '9');
	assert_int_equal(info_ok("application/dtmf-relay;charset=utf-8",
				 "\r\n\r\nSignal=3"), '3');
}


static void test_info_dtmf(void **state)
{
	const char *t = "application/dtmf";
	(void)state;

	assert_int_equal(info_ok(t, "5"), '5');
	assert_int_equal(info_ok(t, "11"), '#');
	assert_int_equal(info_ok(t, " 10\r\n"), '*');
	assert_int_equal(info_ok(t, "\t#\n"), '#');
	assert_int_equal(info_ok("APPLICATION/DTMF;foo", "15"), 'D');
}


static void test_info_bad(void **state)
{
	const char *r = "application/dtmf-relay";
	const char *t = "application/dtmf";
	char d = 'x';
	(void)state;

	info_bad(r, "");
	info_bad(r, "Duration=160\r\n");
	info_bad(r, "Signal=\r\nDuration=160");
	info_bad(r, "Signal=16");
	info_bad(r, "Signal=99");
	info_bad(r, "Signal=123");
	info_bad(r, "Signal=55");
	info_bad(r, "Signal=X");
	info_bad(r, "Signal=-1");
	info_bad(r, "Signal 5");
	info_bad(r, "Signals=5");
	info_bad(r, "=5");
	info_bad(t, "");
	info_bad(t, "  ");
	info_bad(t, "16");
	info_bad(t, "5 5");
	info_bad(t, "Signal=5");
	info_bad("text/plain", "5");
	info_bad("application/dtmf-relayx", "Signal=5");
	info_bad("application/dtmfx", "5");
	info_bad("", "5");
	info_bad(NULL, "5");

	assert_int_equal(pbx_dtmf_info_parse(t, NULL, 3, &d), EINVAL);
	assert_int_equal(pbx_dtmf_info_parse(t, (const uint8_t *)"5", 1,
					     NULL), EINVAL);
	assert_int_equal(pbx_dtmf_info_parse(t, NULL, 0, &d), EBADMSG);
}


static void test_info_bounds(void **state)
{
	const char *r = "application/dtmf-relay";
	const char *t = "application/dtmf";
	char d;
	(void)state;

	/* len cuts the body: what follows must not be read */
	assert_int_equal(info(r, "Signal=12345", 8, &d), 0);
	assert_int_equal(d, '1');
	assert_int_equal(info(r, "Signal=5", 7, &d), EBADMSG);
	assert_int_equal(info(r, "Signal=5", 3, &d), EBADMSG);
	assert_int_equal(info(t, "11", 1, &d), 0);
	assert_int_equal(d, '1');
	assert_int_equal(info(t, "5", 0, &d), EBADMSG);
	/* a NUL inside the body is just a bad byte */
	assert_int_equal(info(t, "5\0", 2, &d), EBADMSG);
}


static void test_info_garbage(void **state)
{
	static const char *const types[] = {
		"application/dtmf-relay", "application/dtmf"
	};
	static const char alpha[] = "Signal=Duration 0123456789#*ABCDabcd"
		"\r\n\t =;\x80\xff";
	unsigned i, seed = 12345;
	(void)state;

	for (i = 0; i < 4000; i++) {
		char buf[40], d;
		size_t len, j;
		int err;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof(buf);
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 20) & 1)
				buf[j] = alpha[(seed >> 8) %
					       (sizeof(alpha) - 1)];
			else
				buf[j] = (char)(seed >> 12);
		}

		err = info(types[i % 2], buf, len, &d);
		if (err) {
			assert_int_equal(err, EBADMSG);
		}
		else {
			assert_non_null(strchr("0123456789*#ABCD", d));
			assert_int_not_equal(d, 0);
		}
	}
}


static void test_src_name(void **state)
{
	(void)state;
	assert_string_equal(pbx_dtmf_src_name(PBX_DTMF_RFC4733), "rfc4733");
	assert_string_equal(pbx_dtmf_src_name(PBX_DTMF_INFO), "info");
	assert_string_equal(pbx_dtmf_src_name(PBX_DTMF_INBAND), "inband");
	assert_string_equal(pbx_dtmf_src_name((enum pbx_dtmf_src)7), "?");
}


/* ---- sender ---------------------------------------------------------- */

static void test_tx_args(void **state)
{
	struct pbx_dtmf_tx *tx = NULL;
	unsigned i;
	(void)state;

	assert_int_equal(pbx_dtmf_tx_alloc(NULL, 8000), EINVAL);
	assert_int_equal(pbx_dtmf_tx_alloc(&tx, 0), EINVAL);
	assert_int_equal(pbx_dtmf_tx_alloc(&tx, 8001), EINVAL);
	assert_null(tx);

	assert_int_equal(pbx_dtmf_tx_alloc(&tx, 8000), 0);
	assert_int_equal(pbx_dtmf_tx_queue(tx, 'x'), EINVAL);
	assert_int_equal(pbx_dtmf_tx_queue(tx, 0), EINVAL);
	assert_int_equal(pbx_dtmf_tx_queue(tx, 'E'), EINVAL);
	assert_int_equal(pbx_dtmf_tx_queue(NULL, '1'), EINVAL);

	for (i = 0; i < 32; i++)
		assert_int_equal(pbx_dtmf_tx_queue(tx, '1'), 0);
	assert_int_equal(pbx_dtmf_tx_queue(tx, '1'), ENOSPC);

	mem_deref(tx);
}


/* Checks one press at clock: packets, E bits, durations, marker. */
static void tx_press_check(uint32_t clock)
{
	struct pbx_dtmf_tx *tx = NULL;
	uint8_t pl[4];
	bool start;
	unsigned i, prev = 0, step = clock / 50;

	assert_int_equal(pbx_dtmf_tx_alloc(&tx, clock), 0);
	assert_false(pbx_dtmf_tx_poll(tx, pl, &start));
	assert_int_equal(pbx_dtmf_tx_queue(tx, '#'), 0);
	assert_int_equal(pbx_dtmf_tx_queue(tx, 'a'), 0);

	for (i = 0; i < 8; i++) {
		unsigned dur;

		assert_true(pbx_dtmf_tx_poll(tx, pl, &start));
		dur = (unsigned)pl[2] << 8 | pl[3];

		assert_int_equal(pl[0], 11);
		assert_int_equal(pl[1] & 0x3f, 10);         /* volume */
		assert_int_equal(pl[1] & 0x40, 0);          /* R bit  */
		assert_int_equal(start, i == 0);
		assert_int_equal(!!(pl[1] & 0x80), i >= 5);
		assert_true(dur >= prev);
		if (i < 5)
			assert_int_equal(dur, (i + 1) * step);
		else
			assert_int_equal(dur, 5 * step);    /* 100 ms */
		prev = dur;
	}

	/* at least 40 ms of audio before the next digit */
	assert_false(pbx_dtmf_tx_poll(tx, pl, &start));
	assert_false(start);
	assert_false(pbx_dtmf_tx_poll(tx, pl, &start));

	assert_true(pbx_dtmf_tx_poll(tx, pl, &start));
	assert_true(start);
	assert_int_equal(pl[0], 12);
	for (i = 1; i < 8; i++) {
		assert_true(pbx_dtmf_tx_poll(tx, pl, &start));
		assert_false(start);
	}
	for (i = 0; i < 5; i++)
		assert_false(pbx_dtmf_tx_poll(tx, pl, &start));

	mem_deref(tx);
}


static void test_tx_press(void **state)
{
	(void)state;
	tx_press_check(8000);
	tx_press_check(48000);
}


/* Sends digits through tx and receives them with rx as the wire would:
 * timestamps advance by one frame per tick; an event keeps the
 * timestamp of its first packet. */
static void test_tx_to_rx(void **state)
{
	struct pbx_dtmf_rx *rx = *state;
	struct pbx_dtmf_tx *tx = NULL;
	const char *digits = "123*#0A9D55";
	char got[32] = "";
	uint32_t ts = 0xfffff000u, ev_ts = 0;   /* wraps on the way */
	uint64_t now = T0;
	size_t n = 0, i;
	unsigned ticks = 0;

	assert_int_equal(pbx_dtmf_tx_alloc(&tx, 8000), 0);
	for (i = 0; digits[i]; i++)
		assert_int_equal(pbx_dtmf_tx_queue(tx, digits[i]), 0);

	for (ticks = 0; ticks < 400; ticks++) {
		uint8_t pl[4];
		bool start;

		if (pbx_dtmf_tx_poll(tx, pl, &start)) {
			char d;

			if (start)
				ev_ts = ts;
			d = pbx_dtmf_rx_event(rx, pl, 4, ev_ts, now);
			if (d && n < sizeof(got) - 1)
				got[n++] = d;
		}
		ts += STEP;
		now += 20;
	}

	assert_string_equal(got, digits);
	mem_deref(tx);
}


/* ---- inband ------------------------------------------------------------ */

struct collect {
	char s[64];
	size_t n;
};


static void collect_h(char digit, void *arg)
{
	struct collect *c = arg;

	if (c->n < sizeof(c->s) - 1)
		c->s[c->n++] = digit;
}


/* Generates digits with spandsp's dtmf_tx and feeds 160-sample frames. */
static void inband_run(struct pbx_dtmf_det *d, const char *digits,
		       int on_ms, int off_ms)
{
	dtmf_tx_state_t *gen = dtmf_tx_init(NULL);
	int16_t frame[160];
	int n, i;

	assert_non_null(gen);
	if (on_ms)
		dtmf_tx_set_timing(gen, on_ms, off_ms);
	dtmf_tx_put(gen, digits, -1);

	do {
		n = dtmf_tx(gen, frame, 160);
		for (i = n; i < 160; i++)
			frame[i] = 0;
		pbx_dtmf_det_feed(d, frame, 160);
	} while (n > 0);

	/* some silence to let the last digit end */
	memset(frame, 0, sizeof(frame));
	for (i = 0; i < 10; i++)
		pbx_dtmf_det_feed(d, frame, 160);

	dtmf_tx_free(gen);
}


static void test_inband_digits(void **state)
{
	struct pbx_dtmf_det *d = NULL;
	struct collect c;
	(void)state;

	memset(&c, 0, sizeof(c));
	assert_int_equal(pbx_dtmf_det_alloc(NULL, collect_h, &c), EINVAL);
	assert_int_equal(pbx_dtmf_det_alloc(&d, NULL, &c), EINVAL);
	assert_int_equal(pbx_dtmf_det_alloc(&d, collect_h, &c), 0);

	inband_run(d, "123*#0A9", 0, 0);
	assert_string_equal(c.s, "123*#0A9");

	/* long presses are still reported once each, at the start */
	memset(&c, 0, sizeof(c));
	inband_run(d, "55", 600, 100);
	assert_string_equal(c.s, "55");

	mem_deref(d);
}


static void test_inband_no_talkoff(void **state)
{
	struct pbx_dtmf_det *d = NULL;
	struct collect c;
	unsigned seed = 777, i, j;
	(void)state;

	memset(&c, 0, sizeof(c));
	assert_int_equal(pbx_dtmf_det_alloc(&d, collect_h, &c), 0);

	/* 3 s of a 1 kHz sine, then 3 s of noise with a wandering
	 * "voice" of harmonics: neither is DTMF */
	for (i = 0; i < 300; i++) {
		int16_t frame[160];

		for (j = 0; j < 160; j++) {
			double t = (double)(i * 160 + j) / 8000.0;
			double v;

			seed = seed * 1103515245 + 12345;
			if (i < 150) {
				v = 8000.0 * sin(2 * M_PI * 1000.0 * t);
			}
			else {
				double f0 = 120.0 + 40.0 * sin(2 * M_PI * t);

				v = 3000.0 * sin(2 * M_PI * f0 * t) +
					2000.0 * sin(2 * M_PI * 3 * f0 * t) +
					1000.0 * sin(2 * M_PI * 7 * f0 * t) +
					(double)((int)((seed >> 16) & 0xfff)
						 - 2048);
			}
			frame[j] = (int16_t)v;
		}
		pbx_dtmf_det_feed(d, frame, 160);
	}

	assert_int_equal(c.n, 0);
	mem_deref(d);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_args),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_event_one_press),
		T(test_event_codes),
		T(test_event_lost_start),
		T(test_event_same_digit_twice),
		T(test_event_ts_reuse),
		T(test_event_ignored),
		T(test_event_ts_wrap),
		T(test_dedup_rfc_then_info),
		T(test_dedup_after_hold),
		T(test_dedup_info_twice),
		T(test_dedup_double_signalling),
		T(test_tx_to_rx),
#undef T
		cmocka_unit_test(test_info_relay),
		cmocka_unit_test(test_info_dtmf),
		cmocka_unit_test(test_info_bad),
		cmocka_unit_test(test_info_bounds),
		cmocka_unit_test(test_info_garbage),
		cmocka_unit_test(test_src_name),
		cmocka_unit_test(test_tx_args),
		cmocka_unit_test(test_tx_press),
		cmocka_unit_test(test_inband_digits),
		cmocka_unit_test(test_inband_no_talkoff),
	};

	return cmocka_run_group_tests_name("dtmf", tests, group_setup,
					   group_teardown);
}

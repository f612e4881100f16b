/* test_jitter.c: unit tests for core/jitter.c.
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
#include "audio.h"


enum {
	CLOCK  = 8000,
	STEP   = 160,             /* 20 ms at 8 kHz */
	MIN_MS = 40,
	MAX_MS = 200,
	SSRC   = 0x1234,
	PLEN   = 20,
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
	struct pbx_jb *jb = NULL;
	int err;

	err = pbx_jb_alloc(&jb, MIN_MS, MAX_MS, CLOCK);
	if (err)
		return err;

	*state = jb;
	return 0;
}


static int teardown(void **state)
{
	*state = mem_deref(*state);
	return 0;
}


/* A payload that names its packet: seq in the first two bytes. */
static void put_ts(struct pbx_jb *jb, uint32_t ssrc, uint16_t seq,
		   uint32_t ts)
{
	uint8_t buf[PLEN];

	memset(buf, 0xa5, sizeof(buf));
	buf[0] = (uint8_t)(seq >> 8);
	buf[1] = (uint8_t)seq;
	assert_int_equal(pbx_jb_put(jb, ssrc, seq, ts, buf, sizeof(buf)), 0);
}


/* 20 ms packets: packet n has seq n mod 2^16 and ts n * STEP. */
static void put(struct pbx_jb *jb, uint32_t n)
{
	put_ts(jb, SSRC, (uint16_t)n, n * STEP);
}


static void expect_pkt(struct pbx_jb *jb, uint16_t seq)
{
	struct pbx_jb_pkt pkt;

	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_PACKET);
	assert_int_equal(pkt.seq, seq);
	assert_int_equal(pkt.len, PLEN);
	assert_non_null(pkt.buf);
	assert_int_equal(pkt.buf[0] << 8 | pkt.buf[1], seq);
	assert_int_equal(pkt.buf[PLEN - 1], 0xa5);
}


static void expect_empty(struct pbx_jb *jb)
{
	struct pbx_jb_pkt pkt;

	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_EMPTY);
	assert_null(pkt.buf);
}


static struct pbx_jb_stats stats(const struct pbx_jb *jb)
{
	struct pbx_jb_stats st;

	pbx_jb_stats(jb, &st);
	return st;
}


static void test_args(void **state)
{
	struct pbx_jb *jb = NULL;
	uint8_t big[1501] = {0};

	(void)state;
	assert_int_equal(pbx_jb_alloc(NULL, 40, 200, CLOCK), EINVAL);
	assert_int_equal(pbx_jb_alloc(&jb, 40, 200, 0), EINVAL);
	assert_int_equal(pbx_jb_alloc(&jb, 200, 40, CLOCK), EINVAL);
	assert_null(jb);

	assert_int_equal(pbx_jb_alloc(&jb, 40, 200, CLOCK), 0);
	assert_int_equal(pbx_jb_put(jb, SSRC, 1, 0, big, sizeof(big)),
			 EMSGSIZE);
	assert_int_equal(pbx_jb_put(jb, SSRC, 1, 0, NULL, 10), EINVAL);
	assert_int_equal(pbx_jb_put(jb, SSRC, 1, 0, big, 1500), 0);
	mem_deref(jb);
}


static void test_prefill(void **state)
{
	struct pbx_jb *jb = *state;

	expect_empty(jb);
	put(jb, 1);
	expect_empty(jb);
	expect_empty(jb);
	put(jb, 2);                   /* 40 ms buffered: plays */
	expect_pkt(jb, 1);
	expect_pkt(jb, 2);
}


static void test_in_order(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_stats st;
	uint16_t seq;

	put(jb, 1);
	put(jb, 2);
	for (seq = 1; seq <= 50; seq++) {
		expect_pkt(jb, seq);
		put(jb, seq + 2);
	}

	st = stats(jb);
	assert_int_equal(st.put, 52);
	assert_int_equal(st.played, 50);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.dup, 0);
	assert_int_equal(st.delay_ms, MIN_MS);
}


static void test_reorder(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_stats st;

	/* Arrives 2, 1 before the start: 1 still plays first. */
	put(jb, 2);
	put(jb, 1);
	expect_pkt(jb, 1);
	put(jb, 5);
	put(jb, 3);
	put(jb, 4);
	expect_pkt(jb, 2);
	expect_pkt(jb, 3);
	expect_pkt(jb, 4);
	expect_pkt(jb, 5);

	st = stats(jb);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.played, 5);
}


static void test_duplicates(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_stats st;

	put(jb, 1);
	put(jb, 1);
	put(jb, 2);
	put(jb, 2);
	put(jb, 3);
	expect_pkt(jb, 1);
	put(jb, 1);                   /* already played: a duplicate */
	expect_pkt(jb, 2);
	expect_pkt(jb, 3);
	expect_empty(jb);

	st = stats(jb);
	assert_int_equal(st.put, 6);
	assert_int_equal(st.dup, 3);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.played, 3);
	assert_int_equal(st.delay_ms, MIN_MS);
}


static void test_loss_fec(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_pkt pkt;
	struct pbx_jb_stats st;

	put(jb, 1);
	put(jb, 2);
	put(jb, 3);
	put(jb, 5);                   /* 4 is lost */
	put(jb, 6);
	expect_pkt(jb, 1);
	expect_pkt(jb, 2);
	expect_pkt(jb, 3);

	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
	assert_int_equal(pkt.seq, 4);
	assert_int_equal(pkt.ts, 4 * STEP);
	assert_non_null(pkt.buf);     /* 5, for its FEC copy of 4 */
	assert_int_equal(pkt.len, PLEN);
	assert_int_equal(pkt.buf[0] << 8 | pkt.buf[1], 5);

	expect_pkt(jb, 5);
	expect_pkt(jb, 6);

	/* Two in a row: the first has no following packet yet. */
	put(jb, 9);
	put(jb, 10);
	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
	assert_int_equal(pkt.seq, 7);
	assert_int_equal(pkt.ts, 7 * STEP);
	assert_null(pkt.buf);
	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
	assert_int_equal(pkt.seq, 8);
	assert_int_equal(pkt.buf[0] << 8 | pkt.buf[1], 9);
	expect_pkt(jb, 9);

	st = stats(jb);
	assert_int_equal(st.lost, 3);
	assert_int_equal(st.played, 6);
}


static void test_late(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_pkt pkt;
	struct pbx_jb_stats st;
	uint16_t seq;
	int i;

	put(jb, 1);
	put(jb, 2);
	put(jb, 3);
	put(jb, 5);
	expect_pkt(jb, 1);
	expect_pkt(jb, 2);
	expect_pkt(jb, 3);
	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
	assert_int_equal(pkt.seq, 4);

	put(jb, 4);                   /* its turn has passed */
	st = stats(jb);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.dup, 0);
	assert_int_equal(st.delay_ms, MIN_MS + 20);

	/* Playout stretches by one tick to deepen the buffer; 4 is not
	 * handed out any more. */
	put(jb, 6);
	expect_empty(jb);
	expect_pkt(jb, 5);

	/* Ten seconds without late packets bring the target back. */
	for (seq = 7; seq < 7 + 510; seq++) {
		put(jb, seq);
		expect_pkt(jb, (uint16_t)(seq - 1));
	}
	st = stats(jb);
	assert_int_equal(st.delay_ms, MIN_MS);

	/* And it never goes above max_ms.  The buffer holds seq - 1. */
	for (i = 0; i < 20; i++) {
		int n = 0;

		expect_pkt(jb, (uint16_t)(seq - 1));
		put(jb, (uint16_t)(seq + 1));
		assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
		put(jb, seq);         /* late again */
		put(jb, (uint16_t)(seq + 2));
		while (pbx_jb_get(jb, &pkt) == PBX_JB_EMPTY)
			assert_true(++n < 2);
		assert_int_equal(pkt.seq, (uint16_t)(seq + 1));
		seq = (uint16_t)(seq + 3);
	}
	st = stats(jb);
	assert_int_equal(st.late, 21);
	assert_int_equal(st.delay_ms, MAX_MS);
}


static void test_run_dry(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_stats st;

	put(jb, 1);
	put(jb, 2);
	expect_pkt(jb, 1);
	expect_pkt(jb, 2);
	expect_empty(jb);             /* dry: prefill again */
	put(jb, 3);
	expect_empty(jb);
	put(jb, 4);
	expect_pkt(jb, 3);
	expect_pkt(jb, 4);

	/* The ones missing while it was dry are skipped, not replayed. */
	expect_empty(jb);
	put(jb, 7);
	put(jb, 8);
	expect_pkt(jb, 7);
	put(jb, 5);                   /* too late now */

	st = stats(jb);
	assert_int_equal(st.played, 5);
	assert_int_equal(st.lost, 2);
	assert_int_equal(st.late, 1);
}


static void test_ssrc_change(void **state)
{
	struct pbx_jb *jb = *state;

	put(jb, 100);
	put(jb, 101);
	expect_pkt(jb, 100);
	put(jb, 102);
	put(jb, 103);

	/* A new source restarts the buffer: its packets prefill first, and
	 * the old source's are gone. */
	put_ts(jb, 0x9999, 5000, 777);
	expect_empty(jb);
	put_ts(jb, 0x9999, 5001, 777 + STEP);
	expect_pkt(jb, 5000);
	expect_pkt(jb, 5001);
	expect_empty(jb);
}


static void test_seq_jump(void **state)
{
	struct pbx_jb *jb = *state;

	put(jb, 100);
	put(jb, 101);
	put(jb, 102);
	expect_pkt(jb, 100);

	put(jb, 400);                 /* jump > 100: restart */
	expect_empty(jb);
	put(jb, 401);
	expect_pkt(jb, 400);
	expect_pkt(jb, 401);
}


static void test_seq_wrap(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_pkt pkt;
	struct pbx_jb_stats st;

	put(jb, 65533);
	put(jb, 65534);
	expect_pkt(jb, 65533);
	put(jb, 65536);               /* seq 0, reordered across the wrap */
	put(jb, 65535);
	put(jb, 65537);
	expect_pkt(jb, 65534);
	expect_pkt(jb, 65535);
	expect_pkt(jb, 0);
	put(jb, 65539);
	expect_pkt(jb, 1);
	assert_int_equal(pbx_jb_get(jb, &pkt), PBX_JB_LOST);
	assert_int_equal(pkt.seq, 2);
	assert_int_equal(pkt.ts, 65538u * STEP);
	expect_pkt(jb, 3);

	st = stats(jb);
	assert_int_equal(st.played, 6);
	assert_int_equal(st.lost, 1);
	assert_int_equal(st.late, 0);
}


static void test_variable_duration(void **state)
{
	struct pbx_jb *jb = NULL;
	int i;

	(void)state;

	/* 60 ms of 10 ms packets takes six of them. */
	assert_int_equal(pbx_jb_alloc(&jb, 60, 200, CLOCK), 0);
	for (i = 0; i < 5; i++) {
		put_ts(jb, SSRC, (uint16_t)i, (uint32_t)i * 80);
		expect_empty(jb);
	}
	put_ts(jb, SSRC, 5, 5 * 80);
	expect_pkt(jb, 0);
	jb = mem_deref(jb);

	/* Two 60 ms packets are 120 ms: enough (the first alone counts as
	 * 20 ms while its duration is unknown). */
	assert_int_equal(pbx_jb_alloc(&jb, 60, 200, CLOCK), 0);
	put_ts(jb, SSRC, 10, 1000);
	expect_empty(jb);
	put_ts(jb, SSRC, 11, 1000 + 480);
	expect_pkt(jb, 10);
	jb = mem_deref(jb);

	/* Mixed 10/40/60 ms: 10 + 40 + 40 (the last step) = 90 ms. */
	assert_int_equal(pbx_jb_alloc(&jb, 60, 200, CLOCK), 0);
	put_ts(jb, SSRC, 1, 0);
	put_ts(jb, SSRC, 2, 80);
	expect_empty(jb);
	put_ts(jb, SSRC, 3, 80 + 320);

	/* A decoder takes one packet and asks again when it needs more:
	 * each call hands out the next packet, whatever its length. */
	expect_pkt(jb, 1);
	put_ts(jb, SSRC, 4, 80 + 320 + 480);
	expect_pkt(jb, 2);
	expect_pkt(jb, 3);
	expect_pkt(jb, 4);
	expect_empty(jb);
	mem_deref(jb);
}


/* A sender whose clock runs 1% fast: 101 packets per 100 gets for five
 * minutes.  The buffer trims itself instead of growing by 3 s. */
static void test_drift(void **state)
{
	struct pbx_jb *jb = *state;
	struct pbx_jb_pkt pkt;
	struct pbx_jb_stats st;
	uint32_t tick, sent = 0, got_seq = 0, maxdepth = 0, empty = 0;
	const uint32_t ticks = 5 * 60 * 50;

	for (tick = 0; tick < ticks; tick++) {
		uint32_t due = (tick + 1) * 101 / 100 + 1;

		while (sent < due) {
			put(jb, (uint16_t)sent);
			++sent;
		}

		switch (pbx_jb_get(jb, &pkt)) {

		case PBX_JB_PACKET:
			got_seq = pkt.seq;
			break;

		case PBX_JB_EMPTY:
			++empty;
			break;

		default:
			fail_msg("LOST at tick %u", tick);
		}

		/* Depth: the packets still waiting, 20 ms each. */
		if (tick > 100) {
			uint32_t d = (uint16_t)(sent - 1 - got_seq) * 20;

			maxdepth = max(maxdepth, d);
		}
	}

	st = stats(jb);
	assert_int_equal(st.delay_ms, MIN_MS);
	assert_true(maxdepth <= MIN_MS + 60 + 20);
	assert_true(empty <= 1);
	assert_true(st.played >= ticks - 1);
	assert_true(st.played < sent - 100);   /* some were trimmed */
}


static void test_flush(void **state)
{
	struct pbx_jb *jb = *state;

	put(jb, 1);
	put(jb, 2);
	pbx_jb_flush(jb);
	expect_empty(jb);
	put(jb, 50);
	put(jb, 51);
	expect_pkt(jb, 50);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test_setup_teardown(test_prefill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loss_fec, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_dry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssrc_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seq_jump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seq_wrap, setup,
						teardown),
		cmocka_unit_test(test_variable_duration),
		cmocka_unit_test_setup_teardown(test_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
	};

	return cmocka_run_group_tests_name("jitter", tests, group_setup,
					   group_teardown);
}

/* test_media_relay.c: unit tests of the RTP relay between two legs.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Two phones (plain UDP sockets) talk through two legs bridged by
 * pbx_media_bridge: payloads, re-stamping, PT mapping, latching.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include <rem_g711.h>
#include "test_media.h"


static const char conf_std[] = "rtp_ports 30100-30119\n";
static const char te101[] = "a=rtpmap:101 telephone-event/8000\r\n";
static const char te96[] = "a=rtpmap:96 telephone-event/8000\r\n";


static int group_setup(void **state)
{
	(void)state;

	return media_group_setup(conf_std);
}


/* ---- relay -------------------------------------------------------------- */

struct rig {
	struct phone *pa, *pb;    /* the caller's and the callee's phone */
	struct pbx_media *a, *b;  /* their legs */
};


static void rig_up(struct rig *r)
{
	r->pa = phone_alloc();
	r->pb = phone_alloc();
	r->a = media_new();
	r->b = media_new();
	leg_inbound(r->a, phone_port(r->pa), "0 8 101", te101);
	leg_outbound(r->b, phone_port(r->pb), "0 96", te96);
	assert_int_equal(pbx_media_bridge(r->a, r->b), 0);
}


static void rig_down(struct rig *r)
{
	mem_deref(r->a);
	mem_deref(r->b);
	mem_deref(r->pa);
	mem_deref(r->pb);
}


/* n packets arrived at ph from our port, in one stream re-stamped by us:
 * our SSRC (not the sender's), sequence and timestamp steps of one. */
static uint32_t check_stream(const struct phone *ph, unsigned first,
			     unsigned n, uint8_t pt, uint32_t sender_ssrc,
			     uint16_t port)
{
	const struct pkt *p0 = &ph->v[first];
	unsigned i;

	for (i = first; i < first + n; i++) {
		const struct pkt *p = &ph->v[i];

		assert_int_equal(p->pt, pt);
		assert_int_equal(p->ssrc, p0->ssrc);
		assert_int_equal(p->len, PAYLOAD);
		assert_int_equal(sa_port(&p->src), port);
		if (i == first)
			continue;
		assert_int_equal(p->seq, (uint16_t)(ph->v[i - 1].seq + 1));
		assert_int_equal(p->ts, ph->v[i - 1].ts + PAYLOAD);
		assert_false(p->m);
	}
	assert_int_not_equal(p0->ssrc, sender_ssrc);

	return p0->ssrc;
}


static void test_relay(void **state)
{
	struct pbx_media_stats st;
	struct rig r;
	uint32_t ssrc_b, ssrc_a;
	unsigned i;
	(void)state;

	rig_up(&r);

	for (i = 0; i < 50; i++)
		phone_send(r.pa, pbx_media_port(r.a), 0, (uint16_t)(65500 + i),
			   1000 + PAYLOAD * i, 0xa1a1a1a1, (uint8_t)i);
	assert_true(wait_for(&r.pb->n, 50, 2000));
	ssrc_b = check_stream(r.pb, 0, 50, 0, 0xa1a1a1a1,
			      pbx_media_port(r.b));
	assert_true(r.pb->v[0].m);              /* a new stream */
	for (i = 0; i < 50; i++)
		assert_int_equal(r.pb->v[i].fill, i);

	for (i = 0; i < 50; i++)
		phone_send(r.pb, pbx_media_port(r.b), 0, (uint16_t)(7 + i),
			   PAYLOAD * i, 0xb1b1b1b1, (uint8_t)(100 + i));
	assert_true(wait_for(&r.pa->n, 50, 2000));
	ssrc_a = check_stream(r.pa, 0, 50, 0, 0xb1b1b1b1,
			      pbx_media_port(r.a));
	assert_int_not_equal(ssrc_a, ssrc_b);
	assert_int_equal(r.pa->v[49].fill, 149);

	pbx_media_stats(r.a, &st);
	assert_int_equal(st.packets_in, 50);
	assert_int_equal(st.packets_out, 50);
	assert_int_equal(st.lost, 0);
	pbx_media_stats(r.b, &st);
	assert_int_equal(st.packets_in, 50);
	assert_int_equal(st.packets_out, 50);
	assert_int_equal(st.lost, 0);

	rig_down(&r);
}


static void test_telephone_event(void **state)
{
	struct phone *pc = phone_alloc();
	struct pbx_media *c = media_new();
	struct rig r;
	(void)state;

	rig_up(&r);

	/* A's 101 reaches B as 96 and back */
	phone_send(r.pa, pbx_media_port(r.a), 101, 1, 0, 0xa1, 5);
	assert_true(wait_for(&r.pb->n, 1, 2000));
	assert_int_equal(r.pb->v[0].pt, 96);
	assert_int_equal(r.pb->v[0].fill, 5);
	phone_send(r.pb, pbx_media_port(r.b), 96, 1, 0, 0xb1, 9);
	assert_true(wait_for(&r.pa->n, 1, 2000));
	assert_int_equal(r.pa->v[0].pt, 101);

	/* a PT nobody negotiated (comfort noise) is dropped */
	phone_send(r.pa, pbx_media_port(r.a), 13, 2, 160, 0xa1, 0);
	phone_send(r.pa, pbx_media_port(r.a), 0, 3, 320, 0xa1, 7);
	assert_true(wait_for(&r.pb->n, 2, 2000));
	assert_int_equal(r.pb->v[1].pt, 0);
	assert_int_equal(r.pb->v[1].fill, 7);

	/* C has no telephone-event: A's events do not reach it */
	leg_outbound(c, phone_port(pc), "0", NULL);
	assert_int_equal(pbx_media_bridge(r.a, c), 0);
	phone_send(r.pa, pbx_media_port(r.a), 101, 4, 480, 0xa1, 1);
	phone_send(r.pa, pbx_media_port(r.a), 0, 5, 640, 0xa1, 2);
	assert_true(wait_for(&pc->n, 1, 2000));
	run_for(50);
	assert_int_equal(pc->n, 1);
	assert_int_equal(pc->v[0].pt, 0);
	assert_int_equal(pc->v[0].fill, 2);

	mem_deref(c);
	mem_deref(pc);
	rig_down(&r);
}


/* A leg's stream stays one stream when its source changes. */
static void test_source_switch(void **state)
{
	struct phone *pc = phone_alloc();
	struct pbx_media *c = media_new();
	struct pbx_media_stats st;
	struct rig r;
	unsigned i;
	(void)state;

	rig_up(&r);
	leg_inbound(c, phone_port(pc), "0", NULL);

	for (i = 0; i < 10; i++)
		phone_send(r.pa, pbx_media_port(r.a), 0, (uint16_t)(100 + i),
			   PAYLOAD * i, 0xa1, 0);
	assert_true(wait_for(&r.pb->n, 10, 2000));

	/* A's phone restarts its stream: new SSRC, numbers elsewhere */
	for (i = 0; i < 10; i++)
		phone_send(r.pa, pbx_media_port(r.a), 0, (uint16_t)(9000 + i),
			   777777 + PAYLOAD * i, 0xa2, 0);
	assert_true(wait_for(&r.pb->n, 20, 2000));

	/* B is bridged to C now: C's packets continue B's stream */
	assert_int_equal(pbx_media_bridge(r.b, c), 0);
	for (i = 0; i < 10; i++)
		phone_send(pc, pbx_media_port(c), 0, (uint16_t)(30 + i),
			   5 + PAYLOAD * i, 0xc1, 0);
	assert_true(wait_for(&r.pb->n, 30, 2000));

	for (i = 1; i < 30; i++) {
		const struct pkt *p = &r.pb->v[i], *q = &r.pb->v[i - 1];

		assert_int_equal(p->ssrc, q->ssrc);
		assert_int_equal(p->seq, (uint16_t)(q->seq + 1));
		assert_true((int32_t)(p->ts - q->ts) >= PAYLOAD);
		assert_int_equal(p->m, i == 10 || i == 20);
	}

	/* A is alone now: its packets are counted and dropped */
	pbx_media_stats(r.a, &st);
	assert_int_equal(st.packets_in, 20);
	phone_send(r.pa, pbx_media_port(r.a), 0, 9010, 0, 0xa2, 0);
	run_for(50);
	pbx_media_stats(r.a, &st);
	assert_int_equal(st.packets_in, 21);
	assert_int_equal(r.pb->n, 30);
	assert_int_equal(pc->n, 0);

	pbx_media_unbridge(c);
	phone_send(pc, pbx_media_port(c), 0, 40, 0, 0xc1, 0);
	run_for(50);
	assert_int_equal(r.pb->n, 30);

	mem_deref(c);
	mem_deref(pc);
	rig_down(&r);
}


static void test_bridge_errors(void **state)
{
	struct phone *pc = phone_alloc();
	struct pbx_media *c = media_new(), *d = media_new();
	struct rig r;
	(void)state;

	rig_up(&r);
	leg_inbound(c, phone_port(pc), "8", NULL);

	assert_int_equal(pbx_media_bridge(r.a, d), ENOTSUP);  /* no codec */
	assert_int_equal(pbx_media_bridge(d, r.a), ENOTSUP);
	assert_int_equal(pbx_media_bridge(r.a, r.a), EINVAL);
	assert_int_equal(pbx_media_bridge(NULL, r.a), EINVAL);

	/* the earlier bridge is still there */
	phone_send(r.pa, pbx_media_port(r.a), 0, 1, 0, 0xa1, 0);
	assert_true(wait_for(&r.pb->n, 1, 2000));

	/* freeing a bridged leg unbridges the other */
	r.b = mem_deref(r.b);
	phone_send(r.pa, pbx_media_port(r.a), 0, 2, 160, 0xa1, 0);
	run_for(50);

	mem_deref(c);
	mem_deref(d);
	mem_deref(pc);
	rig_down(&r);
}


/* PCMU on one leg, PCMA on the other: pbxd decodes, re-encodes and sends
 * every 20 ms on its own clock, the same sound in the other law. */
static void test_transcode(void **state)
{
	struct phone *pc = phone_alloc();
	struct pbx_media *c = media_new();
	struct pbx_media_stats st;
	uint8_t want = g711_pcm2alaw(g711_ulaw2pcm(0x9f));
	unsigned i, same = 0;
	struct rig r;
	(void)state;

	rig_up(&r);
	leg_inbound(c, phone_port(pc), "8", NULL);
	assert_int_equal(pbx_media_bridge(r.a, c), 0);
	pbx_media_stats(c, &st);
	assert_true(st.transcoding);

	for (i = 0; i < 20; i++) {
		phone_send(r.pa, pbx_media_port(r.a), 0, (uint16_t)(100 + i),
			   PAYLOAD * i, 0xa1, 0x9f);
		run_for(20);
	}
	run_for(100);

	assert_true(pc->n >= 15);
	for (i = 0; i < pc->n; i++) {
		assert_int_equal(pc->v[i].pt, 8);
		assert_int_equal(pc->v[i].len, PAYLOAD);
		if (pc->v[i].fill == want)
			++same;
	}
	assert_true(same >= 12);            /* the rest: start, PLC */
	assert_int_equal(r.pb->n, 0);       /* B is no longer bridged */

	/* same codec again: relay, no engine */
	pbx_media_unbridge(c);
	pbx_media_stats(r.a, &st);
	assert_false(st.transcoding);

	mem_deref(c);
	mem_deref(pc);
	rig_down(&r);
}


/* ---- latching ----------------------------------------------------------- */

static void reoffer(struct pbx_media *m, uint16_t port)
{
	struct mbuf *sdp = peer_sdp(port, "0 96", te96), *ans = NULL;

	assert_int_equal(pbx_media_remote(m, sdp, true, &ans), 0);
	mem_deref(ans);
	mem_deref(sdp);
}


static void test_latching(void **state)
{
	struct phone *nat = phone_alloc(), *moved = phone_alloc();
	struct rig r;
	uint16_t pa = 0, pb = 0;
	(void)state;

	/* B's SDP names pb's port, but its packets come from nat's */
	rig_up(&r);
	pa = pbx_media_port(r.a);
	pb = pbx_media_port(r.b);

	phone_send(r.pa, pa, 0, 1, 0, 0xa1, 0);
	assert_true(wait_for(&r.pb->n, 1, 2000));

	/* one packet from elsewhere is relayed but not latched to */
	phone_send(nat, pb, 0, 1, 0, 0xb1, 0);
	assert_true(wait_for(&r.pa->n, 1, 2000));
	phone_send(r.pa, pa, 0, 2, 160, 0xa1, 0);
	assert_true(wait_for(&r.pb->n, 2, 2000));
	assert_int_equal(nat->n, 0);

	/* the second in a row is: we answer to where B really is */
	phone_send(nat, pb, 0, 2, 160, 0xb1, 0);
	assert_true(wait_for(&r.pa->n, 2, 2000));
	phone_send(r.pa, pa, 0, 3, 320, 0xa1, 0);
	phone_send(r.pa, pa, 0, 4, 480, 0xa1, 0);
	assert_true(wait_for(&nat->n, 2, 2000));
	assert_int_equal(r.pb->n, 2);
	assert_int_equal(sa_port(&nat->v[0].src), pb);

	/* a re-INVITE with the same SDP address keeps the latch */
	reoffer(r.b, phone_port(r.pb));
	phone_send(r.pa, pa, 0, 5, 640, 0xa1, 0);
	assert_true(wait_for(&nat->n, 3, 2000));

	/* a new SDP address replaces it */
	reoffer(r.b, phone_port(moved));
	phone_send(r.pa, pa, 0, 6, 800, 0xa1, 0);
	assert_true(wait_for(&moved->n, 1, 2000));
	assert_true(moved->v[0].m);             /* B's SDP changed */
	assert_int_equal(nat->n, 3);
	assert_int_equal(r.pb->n, 2);

	mem_deref(nat);
	mem_deref(moved);
	rig_down(&r);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_relay, teardown),
		cmocka_unit_test_teardown(test_telephone_event, teardown),
		cmocka_unit_test_teardown(test_source_switch, teardown),
		cmocka_unit_test_teardown(test_bridge_errors, teardown),
		cmocka_unit_test_teardown(test_transcode, teardown),
		cmocka_unit_test_teardown(test_latching, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup,
				       media_group_teardown);
}

/* test_media.c: unit tests of RTP ports (rtp_ports), loss counts, timeout.
 * SPDX-License-Identifier: BSD-3-Clause
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
#include "test_media.h"


static const char conf_std[] = "rtp_ports 30000-30009\nrtp_timeout 1\n";


static int group_setup(void **state)
{
	(void)state;

	return media_group_setup(conf_std);
}


/* ---- config and ports --------------------------------------------------- */

static void test_conf(void **state)
{
	static const char *const bad[] = {
		"rtp_ports abc\n", "rtp_ports 20000-10000\n",
		"rtp_ports 30001-30002\n", "rtp_ports 0-100\n",
		"rtp_ports 1-70000\n", "rtp_ports 10000 20000\n",
		"rtp_ports -5-10\n", "rtp_ports 10000-20000x\n",
		"rtp_timeout 3601\n", "rtp_timeout soon\n",
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(conf_start(bad[i]), EINVAL);

	assert_int_equal(conf_start(""), 0);
	assert_int_equal(conf_start("rtp_ports 30000 - 30009\n"
				    "rtp_timeout 0\n"), 0);

	/* odd bounds: only 30002 (RTCP 30003) fits */
	assert_int_equal(conf_start("rtp_ports 30001-30004\n"), 0);
	{
		struct pbx_media *m = media_new(), *m2 = NULL;
		struct sa laddr;

		assert_int_equal(pbx_media_port(m), 30002);
		sa_set_str(&laddr, "127.0.0.1", 0);
		assert_int_equal(pbx_media_alloc(&m2, &laddr), EADDRINUSE);
		mem_deref(m);
	}

	assert_int_equal(conf_start(conf_std), 0);
}


static bool port_free(uint16_t port)
{
	struct udp_sock *us = NULL;
	struct sa sa;
	int err;

	sa_set_str(&sa, "0.0.0.0", port);
	err = udp_listen(&us, &sa, NULL, NULL);
	mem_deref(us);

	return err == 0;
}


static void test_ports(void **state)
{
	struct pbx_media *m[5], *extra = NULL;
	struct sa laddr;
	uint16_t freed;
	size_t i, j;
	(void)state;

	sa_set_str(&laddr, "127.0.0.1", 0);
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = media_new();
		assert_int_equal(pbx_media_port(m[i]) % 2, 0);
		assert_in_range(pbx_media_port(m[i]), 30000, 30008);
		assert_false(port_free(pbx_media_port(m[i])));
		assert_false(port_free(pbx_media_port(m[i]) + 1));
		for (j = 0; j < i; j++)
			assert_int_not_equal(pbx_media_port(m[i]),
					     pbx_media_port(m[j]));
	}
	assert_int_equal(pbx_media_count(), 5);

	assert_int_equal(pbx_media_alloc(&extra, &laddr), EADDRINUSE);
	assert_null(extra);
	assert_int_equal(pbx_media_count(), 5);

	freed = pbx_media_port(m[2]);
	m[2] = mem_deref(m[2]);
	assert_int_equal(pbx_media_count(), 4);
	assert_true(port_free(freed));
	assert_true(port_free(freed + 1));
	m[2] = media_new();
	assert_int_equal(pbx_media_port(m[2]), freed);

	for (i = 0; i < ARRAY_SIZE(m); i++)
		mem_deref(m[i]);
	assert_int_equal(pbx_media_count(), 0);
	for (i = 30000; i < 30010; i++)
		assert_true(port_free((uint16_t)i));
}


/* A lazy leg binds its pair with its first SDP: its port is there. */
static void test_ports_lazy(void **state)
{
	struct pbx_media *m = NULL;
	struct mbuf *sdp = NULL;
	struct sa laddr;
	char port[16], *str = NULL;
	(void)state;

	sa_set_str(&laddr, "127.0.0.1", 0);
	assert_int_equal(pbx_media_alloc_lazy(&m, &laddr), 0);
	assert_int_equal(pbx_media_port(m), 0);
	assert_int_equal(pbx_media_count(), 0);

	assert_int_equal(pbx_media_offer(m, "PCMU", &sdp), 0);
	assert_in_range(pbx_media_port(m), 30000, 30008);
	assert_false(port_free(pbx_media_port(m)));
	assert_int_equal(pbx_media_count(), 1);
	re_snprintf(port, sizeof(port), "m=audio %u ", pbx_media_port(m));
	sdp->pos = 0;
	assert_int_equal(mbuf_strdup(sdp, &str, sdp->end), 0);
	assert_non_null(strstr(str, port));

	mem_deref(str);
	mem_deref(sdp);
	mem_deref(m);
	assert_int_equal(pbx_media_count(), 0);
}


/* Ports other programs hold are skipped, whether RTP or RTCP. */
static void test_ports_crowded(void **state)
{
	struct udp_sock *other1 = NULL, *other2 = NULL;
	struct pbx_media *m[3], *extra = NULL;
	struct sa sa;
	size_t i;
	(void)state;

	sa_set_str(&sa, "0.0.0.0", 30003);
	assert_int_equal(udp_listen(&other1, &sa, NULL, NULL), 0);
	sa_set_str(&sa, "0.0.0.0", 30006);
	assert_int_equal(udp_listen(&other2, &sa, NULL, NULL), 0);

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = media_new();
		assert_int_not_equal(pbx_media_port(m[i]), 30002);
		assert_int_not_equal(pbx_media_port(m[i]), 30006);
	}
	sa_set_str(&sa, "127.0.0.1", 0);
	assert_int_equal(pbx_media_alloc(&extra, &sa), EADDRINUSE);

	for (i = 0; i < ARRAY_SIZE(m); i++)
		mem_deref(m[i]);
	mem_deref(other1);
	mem_deref(other2);
}


/* ---- loss counting ------------------------------------------------------ */

static void send_seqs(struct phone *ph, struct pbx_media *m, uint32_t ssrc,
		      const uint16_t *seqv, size_t n)
{
	struct pbx_media_stats st;
	uint64_t before;
	size_t i;

	pbx_media_stats(m, &st);
	before = st.packets_in;
	for (i = 0; i < n; i++)
		phone_send(ph, pbx_media_port(m), 0, seqv[i], 0, ssrc, 0);

	for (i = 0; i < 200; i++) {
		pbx_media_stats(m, &st);
		if (st.packets_in >= before + n)
			break;
		run_for(5);
	}
	assert_int_equal(st.packets_in, before + n);
}


static void test_lost(void **state)
{
	static const uint16_t gaps[] = {100, 101, 102, 104, 106, 107};
	static const uint16_t wrap[] = {65533, 65534, 65535, 1, 2};
	static const uint16_t reorder[] = {10, 12, 11, 13, 13};
	static const uint16_t jump[] = {20000, 20001};
	struct phone *ph = phone_alloc();
	struct pbx_media *m = media_new();
	struct pbx_media_stats st;
	(void)state;

	leg_inbound(m, phone_port(ph), "0", NULL);

	send_seqs(ph, m, 1, gaps, ARRAY_SIZE(gaps));
	pbx_media_stats(m, &st);
	assert_int_equal(st.lost, 2);

	/* a new SSRC counts on from its own first packet; 0 is lost */
	send_seqs(ph, m, 2, wrap, ARRAY_SIZE(wrap));
	pbx_media_stats(m, &st);
	assert_int_equal(st.lost, 3);

	/* late and duplicate packets are no loss */
	send_seqs(ph, m, 3, reorder, ARRAY_SIZE(reorder));
	pbx_media_stats(m, &st);
	assert_int_equal(st.lost, 3);

	/* a jump by thousands is a restart, not 20000 losses */
	send_seqs(ph, m, 3, jump, ARRAY_SIZE(jump));
	pbx_media_stats(m, &st);
	assert_int_equal(st.lost, 3);
	assert_int_equal(st.packets_in, 18);
	assert_int_equal(st.packets_out, 0);

	mem_deref(m);
	mem_deref(ph);
}


/* ---- RTP timeout -------------------------------------------------------- */

struct watched {
	struct pbx_media *m;
	unsigned fired;
	uint64_t at;
};


static void timeout_h(struct pbx_media *m, void *arg)
{
	struct watched *w = arg;

	assert_ptr_equal(m, w->m);
	++w->fired;
	w->at = tmr_jiffies();
	w->m = mem_deref(w->m);         /* the call hangs up */
}


static void test_timeout(void **state)
{
	struct phone *ph = phone_alloc();
	struct watched w = {0};
	uint64_t t0;
	(void)state;

	w.m = media_new();
	leg_inbound(w.m, phone_port(ph), "0", NULL);

	t0 = tmr_jiffies();
	pbx_media_watch(w.m, timeout_h, &w);
	assert_true(wait_for(&w.fired, 1, 3000));
	assert_true(w.at - t0 >= 1000);
	assert_true(w.at - t0 < 1600);
	assert_null(w.m);

	mem_deref(ph);
}


static void test_timeout_traffic(void **state)
{
	struct phone *ph = phone_alloc();
	struct watched w = {0};
	uint16_t seq;
	(void)state;

	w.m = media_new();
	leg_inbound(w.m, phone_port(ph), "0", NULL);
	pbx_media_watch(w.m, timeout_h, &w);

	/* 1.6 s of a packet every 200 ms keeps it alive */
	for (seq = 0; seq < 8; seq++) {
		phone_send(ph, pbx_media_port(w.m), 0, seq, 0, 1, 0);
		run_for(200);
	}
	assert_int_equal(w.fired, 0);

	/* silence then ends it */
	assert_true(wait_for(&w.fired, 1, 3000));

	mem_deref(ph);
}


static void test_timeout_hold(void **state)
{
	struct phone *ph = phone_alloc();
	struct watched w = {0};
	(void)state;

	/* the phone holds: no RTP is expected */
	w.m = media_new();
	leg_inbound(w.m, phone_port(ph), "0", "a=sendonly\r\n");
	pbx_media_watch(w.m, timeout_h, &w);
	run_for(1800);
	assert_int_equal(w.fired, 0);

	/* resumed: the clock starts at the resume */
	leg_inbound(w.m, phone_port(ph), "0", NULL);
	assert_true(wait_for(&w.fired, 1, 3000));

	/* a NULL handler stops watching */
	w.m = media_new();
	leg_inbound(w.m, phone_port(ph), "0", NULL);
	pbx_media_watch(w.m, timeout_h, &w);
	pbx_media_watch(w.m, NULL, NULL);
	run_for(1600);
	assert_int_equal(w.fired, 1);
	w.m = mem_deref(w.m);

	mem_deref(ph);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_conf, teardown),
		cmocka_unit_test_teardown(test_ports, teardown),
		cmocka_unit_test_teardown(test_ports_lazy, teardown),
		cmocka_unit_test_teardown(test_ports_crowded, teardown),
		cmocka_unit_test_teardown(test_lost, teardown),
		cmocka_unit_test_teardown(test_timeout, teardown),
		cmocka_unit_test_teardown(test_timeout_traffic, teardown),
		cmocka_unit_test_teardown(test_timeout_hold, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup,
				       media_group_teardown);
}

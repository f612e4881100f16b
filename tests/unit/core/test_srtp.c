/* test_srtp.c: unit tests for core/srtp.c (SRTP sessions and SDES).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre's own SRTP (re_srtp.h, srtp_alloc/srtp_encrypt/srtp_decrypt) is
 * the independent peer for the interop tests; it shares the srtp_ prefix
 * with libsrtp2 but no symbol (see srtp.c).
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
	HDR     = 12,
	PAYLOAD = 160,
	SSRC    = 0x11223344,
};

static const char rfc_key[] = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";


static int group_setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;

	return pbx_srtp_init();
}


static int group_teardown(void **state)
{
	(void)state;
	pbx_srtp_close();
	libre_close();
	return 0;
}


/* An RTP packet at mb->pos (after headroom bytes) with nothing after
 * its end: protect has to grow the mbuf. */
static struct mbuf *rtp_pkt(uint16_t seq, size_t headroom)
{
	struct mbuf *mb = mbuf_alloc(headroom + HDR + PAYLOAD);
	size_t i;

	assert_non_null(mb);
	mb->pos = mb->end = headroom;
	assert_int_equal(mbuf_write_u8(mb, 0x80), 0);
	assert_int_equal(mbuf_write_u8(mb, 0), 0);
	assert_int_equal(mbuf_write_u16(mb, htons(seq)), 0);
	assert_int_equal(mbuf_write_u32(mb, htonl(seq * 160u)), 0);
	assert_int_equal(mbuf_write_u32(mb, htonl(SSRC)), 0);
	for (i = 0; i < PAYLOAD; i++)
		assert_int_equal(mbuf_write_u8(mb, (uint8_t)(i * 7 + seq)),
				 0);
	mb->pos = headroom;

	return mb;
}


static struct mbuf *copy_pkt(const struct mbuf *src)
{
	struct mbuf *mb = mbuf_alloc(mbuf_get_left(src));

	assert_non_null(mb);
	assert_int_equal(mbuf_write_mem(mb, mbuf_buf(src),
					mbuf_get_left(src)), 0);
	mb->pos = 0;

	return mb;
}


static void assert_same(const struct mbuf *a, const struct mbuf *b)
{
	assert_int_equal(mbuf_get_left(a), mbuf_get_left(b));
	assert_memory_equal(mbuf_buf(a), mbuf_buf(b), mbuf_get_left(a));
}


static void pair(struct pbx_srtp **tx, struct pbx_srtp **rx,
		 const struct pbx_sdes *sd)
{
	assert_int_equal(pbx_srtp_alloc(tx, sd, true), 0);
	assert_int_equal(pbx_srtp_alloc(rx, sd, false), 0);
}


static void round_trip(enum pbx_srtp_suite suite, size_t taglen)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	struct pbx_sdes sd;
	uint16_t seq;

	pbx_sdes_make(&sd, 1, suite);
	pair(&tx, &rx, &sd);

	for (seq = 100; seq < 110; seq++) {
		struct mbuf *mb = rtp_pkt(seq, seq & 1 ? 0 : 40);
		struct mbuf *plain = copy_pkt(mb);

		assert_int_equal(pbx_srtp_protect(tx, mb), 0);
		assert_int_equal(mbuf_get_left(mb), HDR + PAYLOAD + taglen);
		/* The header stays clear, the payload does not. */
		assert_memory_equal(mbuf_buf(mb), mbuf_buf(plain), HDR);
		assert_memory_not_equal(mbuf_buf(mb) + HDR,
					mbuf_buf(plain) + HDR, PAYLOAD);

		assert_int_equal(pbx_srtp_unprotect(rx, mb), 0);
		assert_same(mb, plain);

		mem_deref(plain);
		mem_deref(mb);
	}

	mem_deref(tx);
	mem_deref(rx);
}


static void test_round_trip_80(void **state)
{
	(void)state;
	round_trip(PBX_SRTP_AES_CM_128_HMAC_SHA1_80, 10);
}


static void test_round_trip_32(void **state)
{
	(void)state;
	round_trip(PBX_SRTP_AES_CM_128_HMAC_SHA1_32, 4);
}


static void flip_check(size_t bit_at)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	struct pbx_sdes sd;
	struct mbuf *mb, *bad, *plain;

	pbx_sdes_make(&sd, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
	pair(&tx, &rx, &sd);

	mb = rtp_pkt(7, 0);
	plain = copy_pkt(mb);
	assert_int_equal(pbx_srtp_protect(tx, mb), 0);

	bad = copy_pkt(mb);
	bad->buf[bit_at] ^= 0x10;
	assert_int_equal(pbx_srtp_unprotect(rx, bad), EAUTH);

	/* The forgery did not burn the packet's index. */
	assert_int_equal(pbx_srtp_unprotect(rx, mb), 0);
	assert_same(mb, plain);

	mem_deref(bad);
	mem_deref(plain);
	mem_deref(mb);
	mem_deref(tx);
	mem_deref(rx);
}


static void test_flip_payload(void **state)
{
	(void)state;
	flip_check(HDR + 50);
}


static void test_flip_tag(void **state)
{
	(void)state;
	flip_check(HDR + PAYLOAD + 3);
}


static void test_replay(void **state)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	struct pbx_sdes sd;
	struct mbuf *mb, *again;

	(void)state;
	pbx_sdes_make(&sd, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_32);
	pair(&tx, &rx, &sd);

	mb = rtp_pkt(1000, 0);
	assert_int_equal(pbx_srtp_protect(tx, mb), 0);
	again = copy_pkt(mb);
	assert_int_equal(pbx_srtp_unprotect(rx, mb), 0);
	assert_int_equal(pbx_srtp_unprotect(rx, again), EALREADY);

	mem_deref(again);
	mem_deref(mb);
	mem_deref(tx);
	mem_deref(rx);
}


static void test_wrong_key(void **state)
{
	struct pbx_srtp *tx = NULL, *rx = NULL, *other = NULL;
	struct pbx_sdes sd, sd2;
	struct mbuf *mb;

	(void)state;
	pbx_sdes_make(&sd, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
	pbx_sdes_make(&sd2, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_memory_not_equal(sd.key, sd2.key, sizeof(sd.key));
	pair(&tx, &rx, &sd);
	assert_int_equal(pbx_srtp_alloc(&other, &sd2, false), 0);

	mb = rtp_pkt(5, 0);
	assert_int_equal(pbx_srtp_protect(tx, mb), 0);
	assert_int_equal(pbx_srtp_unprotect(other, mb), EAUTH);

	mem_deref(mb);
	mem_deref(other);
	mem_deref(tx);
	mem_deref(rx);
}


static void test_bad_packets(void **state)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	struct pbx_sdes sd;
	struct mbuf *mb = mbuf_alloc(64);
	struct pbx_sdes bad = {.suite = (enum pbx_srtp_suite)7};

	(void)state;
	pbx_sdes_make(&sd, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
	pair(&tx, &rx, &sd);
	assert_int_equal(pbx_srtp_alloc(&tx, &bad, true), ENOTSUP);
	assert_int_equal(pbx_srtp_alloc(NULL, &sd, true), EINVAL);

	/* Shorter than an RTP header, and a short "SRTP" packet. */
	assert_int_equal(mbuf_write_mem(mb, (const uint8_t *)"\x80\0\0\1",
					4), 0);
	mb->pos = 0;
	assert_int_equal(pbx_srtp_protect(tx, mb), EBADMSG);
	assert_int_equal(pbx_srtp_unprotect(rx, mb), EBADMSG);

	mem_deref(mb);
	mem_deref(tx);
	mem_deref(rx);
}


/* libre's SRTP and ours, both ways, both suites. */
static void interop(enum pbx_srtp_suite ours, enum srtp_suite theirs)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	struct srtp *re_tx = NULL, *re_rx = NULL;
	struct pbx_sdes sd;
	uint16_t seq;

	pbx_sdes_make(&sd, 1, ours);
	pair(&tx, &rx, &sd);
	assert_int_equal(srtp_alloc(&re_tx, theirs, sd.key, sizeof(sd.key),
				    0), 0);
	assert_int_equal(srtp_alloc(&re_rx, theirs, sd.key, sizeof(sd.key),
				    0), 0);

	for (seq = 65530; seq != 6; seq++) {   /* across the ROC step */
		struct mbuf *mb = rtp_pkt(seq, 0);
		struct mbuf *plain = copy_pkt(mb);

		assert_int_equal(pbx_srtp_protect(tx, mb), 0);
		assert_int_equal(srtp_decrypt(re_rx, mb), 0);
		assert_same(mb, plain);
		mem_deref(mb);

		mb = rtp_pkt(seq, 0);
		assert_int_equal(srtp_encrypt(re_tx, mb), 0);
		assert_true(mbuf_get_left(mb) > HDR + PAYLOAD);
		assert_int_equal(pbx_srtp_unprotect(rx, mb), 0);
		assert_same(mb, plain);

		mem_deref(mb);
		mem_deref(plain);
	}

	mem_deref(re_tx);
	mem_deref(re_rx);
	mem_deref(tx);
	mem_deref(rx);
}


static void test_interop_libre(void **state)
{
	(void)state;
	interop(PBX_SRTP_AES_CM_128_HMAC_SHA1_80,
		SRTP_AES_CM_128_HMAC_SHA1_80);
	interop(PBX_SRTP_AES_CM_128_HMAC_SHA1_32,
		SRTP_AES_CM_128_HMAC_SHA1_32);
}


/* ---- SDES --------------------------------------------------------------- */

static void test_sdes_round_trip(void **state)
{
	struct pbx_sdes s, d;
	char buf[128];
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		pbx_sdes_make(&s, (unsigned)i * 1000,
			      i & 1 ? PBX_SRTP_AES_CM_128_HMAC_SHA1_32 :
			      PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
		assert_true(re_snprintf(buf, sizeof(buf), "%H",
					pbx_sdes_encode, &s) > 0);
		assert_int_equal(strlen(buf),
				 strlen("0 AES_CM_128_HMAC_SHA1_80 inline:") +
				 40 + (i ? (i < 10 ? 3 : 4) : 0));
		memset(&d, 0xff, sizeof(d));
		assert_int_equal(pbx_sdes_decode(&d, buf), 0);
		assert_int_equal(d.tag, s.tag);
		assert_int_equal(d.suite, s.suite);
		assert_memory_equal(d.key, s.key, sizeof(s.key));
	}

	assert_string_equal(pbx_srtp_suite_name(
				    PBX_SRTP_AES_CM_128_HMAC_SHA1_32),
			    "AES_CM_128_HMAC_SHA1_32");
}


static int decode(struct pbx_sdes *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	assert_true(vsnprintf(buf, sizeof(buf), fmt, ap) >= 0);
	va_end(ap);

	return pbx_sdes_decode(s, buf);
}


static void test_sdes_rfc4568(void **state)
{
	static const uint8_t head[] = {0x3d, 0x2d, 0x6e, 0x40};
	struct pbx_sdes s;

	(void)state;

	/* RFC 4568 9.1 (and 5.1's example): with an MKI, which we don't do. */
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s"
				"|2^20|1:32", rfc_key), ENOTSUP);
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s"
				"|1:4", rfc_key), ENOTSUP);

	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s"
				"|2^20", rfc_key), 0);
	assert_int_equal(s.tag, 1);
	assert_int_equal(s.suite, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_memory_equal(s.key, head, sizeof(head));
	assert_int_equal(s.key[29], 0x51);

	assert_int_equal(decode(&s, "42 AES_CM_128_HMAC_SHA1_32\t inline:%s"
				"|1048576", rfc_key), 0);
	assert_int_equal(s.tag, 42);
	assert_int_equal(s.suite, PBX_SRTP_AES_CM_128_HMAC_SHA1_32);

	/* Session parameters: some we honour by default, some refused. */
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s "
				"KDR=0 FEC_ORDER=FEC_SRTP WSH=64", rfc_key),
			 0);
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s "
				"UNENCRYPTED_SRTP", rfc_key), ENOTSUP);
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s "
				"WSH=64 UNENCRYPTED_SRTCP", rfc_key),
			 ENOTSUP);
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s "
				"UNAUTHENTICATED_SRTP", rfc_key), ENOTSUP);
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s "
				"KDR=24", rfc_key), ENOTSUP);

	/* Suites we do not do. */
	assert_int_equal(decode(&s, "1 F8_128_HMAC_SHA1_80 inline:%s",
				rfc_key), ENOTSUP);
	assert_int_equal(decode(&s, "2 AES_256_CM_HMAC_SHA1_80 inline:%s",
				rfc_key), ENOTSUP);
	assert_int_equal(decode(&s, "3 AEAD_AES_128_GCM inline:%s", rfc_key),
			 ENOTSUP);

	/* Two keys need MKIs. */
	assert_int_equal(decode(&s, "1 AES_CM_128_HMAC_SHA1_80 inline:%s"
				"|2^20|1:4;inline:%s|2^20|2:4", rfc_key,
				rfc_key), ENOTSUP);
}


static void test_sdes_malformed(void **state)
{
	static const char * const badv[] = {
		"",
		" ",
		"1",
		"1 AES_CM_128_HMAC_SHA1_80",
		"1 AES_CM_128_HMAC_SHA1_80 ",
		"x AES_CM_128_HMAC_SHA1_80 inline:%s",
		"-1 AES_CM_128_HMAC_SHA1_80 inline:%s",
		"1234567890 AES_CM_128_HMAC_SHA1_80 inline:%s",
		"1 AES_CM_128_HMAC_SHA1_80 %s",
		"1 AES_CM_128_HMAC_SHA1_80 inline %s",
		"1 AES_CM_128_HMAC_SHA1_80 inline:",
		"1 AES_CM_128_HMAC_SHA1_80 inline:!%s",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%sAAAA",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%.36s",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%.39s=",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s||2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^x",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|20a",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4|2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:4|x",
		"1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=x",
	};
	struct pbx_sdes s, orig;
	char *huge;
	size_t i, n = 100000;

	(void)state;
	memset(&orig, 0x5a, sizeof(orig));

	for (i = 0; i < ARRAY_SIZE(badv); i++) {
		s = orig;
		if (decode(&s, badv[i], rfc_key) != EBADMSG)
			fail_msg("not EBADMSG: %s", badv[i]);
		assert_memory_equal(&s, &orig, sizeof(s));
	}

	assert_int_equal(pbx_sdes_decode(NULL, "1"), EINVAL);
	assert_int_equal(pbx_sdes_decode(&s, NULL), EINVAL);

	/* Huge: a key of 100 kB, then 100 kB of session parameters. */
	huge = malloc(n + 100);
	assert_non_null(huge);
	strcpy(huge, "1 AES_CM_128_HMAC_SHA1_80 inline:");
	memset(huge + strlen(huge), 'A', n);
	huge[n + 33] = '\0';
	assert_int_equal(pbx_sdes_decode(&s, huge), EBADMSG);

	i = (size_t)sprintf(huge, "1 AES_CM_128_HMAC_SHA1_80 inline:%s ",
			    rfc_key);
	memset(huge + i, 'x', n - i);
	huge[n] = '\0';
	assert_int_equal(pbx_sdes_decode(&s, huge), 0);
	free(huge);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_80),
		cmocka_unit_test(test_round_trip_32),
		cmocka_unit_test(test_flip_payload),
		cmocka_unit_test(test_flip_tag),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_interop_libre),
		cmocka_unit_test(test_sdes_round_trip),
		cmocka_unit_test(test_sdes_rfc4568),
		cmocka_unit_test(test_sdes_malformed),
	};

	return cmocka_run_group_tests_name("srtp", tests, group_setup,
					   group_teardown);
}

/* test_sdp.c: unit tests of a leg's SDP offers, answers and codec choice.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"
#include "audio.h"


static struct pbx_media *m;
static const char *proto = "RTP/AVP";   /* of the peer's SDP */
static char text[2048];         /* the last SDP we produced */


static int group_setup(void **state)
{
	static const char conf[] = "rtp_ports 31000-31019\n";
	struct pbx_conf *c = NULL;
	char err[128];
	(void)state;

	if (libre_init() || pbx_core_alloc() || pbx_codec_init())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);
	if (pbx_conf_parse(&c, "t.conf", conf, strlen(conf), err,
			   sizeof(err)))
		return -1;
	pbx_conf_set_current(c);
	mem_deref(c);

	return pbx_media_start() ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;
	pbx_media_stop();
	pbx_codec_close();
	pbx_core_free();
	libre_close();

	return 0;
}


static int setup(void **state)
{
	struct sa laddr;
	(void)state;

	sa_set_str(&laddr, "127.0.0.1", 0);

	return pbx_media_alloc(&m, &laddr) ? -1 : 0;
}


static int teardown(void **state)
{
	(void)state;
	m = mem_deref(m);
	assert_int_equal(pbx_media_count(), 0);

	return 0;
}


/* The peer's SDP: one audio line "m=audio PORT RTP/AVP FMTS", then the
 * extra lines (each ending \r\n) after it, session c= unless none. */
static struct mbuf *peer_sdp(const char *caddr, unsigned port,
			     const char *fmts, const char *extra)
{
	struct mbuf *mb = mbuf_alloc(512);

	assert_non_null(mb);
	assert_int_equal(mbuf_printf(mb, "v=0\r\no=peer 77 1 IN IP4 "
				     "127.0.0.1\r\ns=-\r\n"), 0);
	if (caddr)
		assert_int_equal(mbuf_printf(mb, "c=IN IP4 %s\r\n", caddr),
				 0);
	assert_int_equal(mbuf_printf(mb, "t=0 0\r\nm=audio %u %s %s\r\n"
				     "%s", port, proto, fmts,
				     extra ? extra : ""), 0);
	mb->pos = 0;

	return mb;
}


static void keep(struct mbuf *mb)
{
	size_t n = mbuf_get_left(mb);

	assert_true(n < sizeof(text));
	memcpy(text, mbuf_buf(mb), n);
	text[n] = '\0';
	mem_deref(mb);
}


/* The peer offers; our answer goes into text.  Returns the error. */
static int offer_in(const char *caddr, unsigned port, const char *fmts,
		    const char *extra)
{
	struct mbuf *sdp = peer_sdp(caddr, port, fmts, extra);
	struct mbuf *ans = NULL;
	int err;

	text[0] = '\0';
	err = pbx_media_remote(m, sdp, true, &ans);
	if (!err)
		keep(ans);
	else
		assert_null(ans);
	mem_deref(sdp);

	return err;
}


static int answer_in(const char *caddr, unsigned port, const char *fmts,
		     const char *extra)
{
	struct mbuf *sdp = peer_sdp(caddr, port, fmts, extra);
	int err;

	err = pbx_media_remote(m, sdp, false, NULL);
	mem_deref(sdp);

	return err;
}


static int offer_out(const char *codecs)
{
	struct mbuf *sdp = NULL;
	int err;

	text[0] = '\0';
	err = pbx_media_offer(m, codecs, &sdp);
	if (!err)
		keep(sdp);

	return err;
}


static bool has(const char *s)
{
	return strstr(text, s) != NULL;
}


static const char te96[] = "a=rtpmap:96 telephone-event/8000\r\n"
	"a=fmtp:96 0-16\r\n";
static const char te101[] = "a=rtpmap:101 telephone-event/8000\r\n";


static void test_offer(void **state)
{
	char mline[64];
	(void)state;

	assert_int_equal(offer_out(NULL), 0);
	(void)snprintf(mline, sizeof(mline),
		       "m=audio %u RTP/AVP 0 8 9 101\r\n", pbx_media_port(m));
	assert_true(has(mline));
	assert_true(has("a=rtpmap:9 G722/8000\r\n"));
	assert_true(has("c=IN IP4 127.0.0.1\r\n"));
	assert_true(has("a=rtpmap:0 PCMU/8000\r\n"));
	assert_true(has("a=rtpmap:8 PCMA/8000\r\n"));
	assert_true(has("a=rtpmap:101 telephone-event/8000\r\n"));
	assert_true(has("a=fmtp:101 0-16\r\n"));
	assert_true(has("a=ptime:20\r\n"));
	assert_true(has("a=sendrecv\r\n"));
	assert_null(pbx_media_codec(m));

	assert_int_equal(offer_out("PCMA, PCMU"), 0);
	assert_true(has("RTP/AVP 8 0 101\r\n"));
	assert_int_equal(offer_out("pcma"), 0);
	assert_true(has("RTP/AVP 8 101\r\n"));
	assert_false(has("PCMU"));
	assert_int_equal(offer_out("G729,PCMU"), 0);
	assert_true(has("RTP/AVP 0 101\r\n"));
	assert_int_equal(offer_out("G729"), EINVAL);
}


static void test_answer_peer_order(void **state)
{
	char codecs[32];
	(void)state;

	/* the peer prefers PCMA: we take it, and answer with it alone */
	assert_int_equal(offer_in("127.0.0.1", 4000, "8 0 101", te101), 0);
	assert_string_equal(pbx_media_codec(m), "PCMA");
	assert_true(has("RTP/AVP 8 101\r\n"));
	assert_false(has("PCMU"));
	assert_true(has("a=recvonly") == false);
	assert_true(has("a=sendrecv\r\n"));
	assert_int_equal(pbx_media_remote_codecs(m, codecs, sizeof(codecs)),
			 0);
	assert_string_equal(codecs, "PCMA,PCMU");
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDRECV);

	/* unknown codecs are skipped, static PTs need no rtpmap */
	assert_int_equal(offer_in("127.0.0.1", 4000, "18 96 0",
				  "a=rtpmap:18 G729/8000\r\n"
				  "a=rtpmap:96 opus/48000/2\r\n"), 0);
	assert_string_equal(pbx_media_codec(m), "PCMU");
	assert_true(has("RTP/AVP 0\r\n"));
	assert_false(has("telephone-event"));
	assert_int_equal(pbx_media_remote_codecs(m, codecs, sizeof(codecs)),
			 0);
	assert_string_equal(codecs, "PCMU");
}


static void test_answer_te(void **state)
{
	(void)state;

	/* telephone-event keeps the peer's PT, after the codec */
	assert_int_equal(offer_in("127.0.0.1", 4000, "96 0", te96), 0);
	assert_true(has("RTP/AVP 0 96\r\n"));
	assert_true(has("a=rtpmap:96 telephone-event/8000\r\n"));
	assert_false(has(":101"));

	/* a dynamic PT for PCMU is answered with that PT */
	assert_int_equal(offer_in("127.0.0.1", 4000, "97",
				  "a=rtpmap:97 PCMU/8000\r\n"), 0);
	assert_string_equal(pbx_media_codec(m), "PCMU");
	assert_true(has("RTP/AVP 97\r\n"));
}


static void test_answer_refused(void **state)
{
	struct mbuf *mb;
	char codecs[32];
	(void)state;

	assert_int_equal(offer_in("127.0.0.1", 4000, "18",
				  "a=rtpmap:18 G729/8000\r\n"), EPROTO);
	assert_null(pbx_media_codec(m));
	assert_int_equal(pbx_media_remote_codecs(m, codecs, sizeof(codecs)),
			 ENOENT);
	assert_string_equal(codecs, "");

	/* port 0: the audio is refused */
	assert_int_equal(offer_in("127.0.0.1", 0, "0 8", NULL), EPROTO);

	/* no audio line at all */
	mb = mbuf_alloc(128);
	assert_int_equal(mbuf_printf(mb, "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\n"
				     "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
				     "m=video 5000 RTP/AVP 96\r\n"), 0);
	mb->pos = 0;
	assert_int_equal(pbx_media_remote(m, mb, true, NULL), EPROTO);
	mem_deref(mb);

	/* SRTP is not this issue's */
	mb = peer_sdp("127.0.0.1", 4000, "0", NULL);
	memcpy(strstr((char *)mb->buf, "RTP/AVP"), "RTP/SAV", 7);
	assert_int_equal(pbx_media_remote(m, mb, true, NULL), EPROTO);
	mem_deref(mb);
}


static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"hello world\r\n",
		"v=0\r\nthis is not sdp\r\n",
		"v=1\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\n",
		"v=0\r\nc=IN IP4\r\nm=audio 4000 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:x\r\n",
		"v=0\r\nm=audio 4000 RTP/AVP 0\r\nb=AS\r\n",
		"v=0\r\nm=audio",
		"",
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbuf *mb = mbuf_alloc(128);
		struct mbuf *ans = NULL;

		assert_int_equal(mbuf_write_str(mb, bad[i]), 0);
		mb->pos = 0;
		assert_int_equal(pbx_media_remote(m, mb, true, &ans),
				 EBADMSG);
		assert_null(ans);
		mem_deref(mb);
	}

	/* a good offer after the bad ones still works */
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), 0);
}


static void test_hold(void **state)
{
	(void)state;

	assert_int_equal(offer_in("127.0.0.1", 4000, "0 101",
				  "a=rtpmap:101 telephone-event/8000\r\n"
				  "a=sendonly\r\n"), 0);
	assert_true(has("a=recvonly\r\n"));
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDONLY);

	assert_int_equal(offer_in("127.0.0.1", 4000, "0", "a=inactive\r\n"),
			 0);
	assert_true(has("a=inactive\r\n"));
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_INACTIVE);

	assert_int_equal(offer_in("127.0.0.1", 4000, "0", "a=recvonly\r\n"),
			 0);
	assert_true(has("a=sendonly\r\n"));
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_RECVONLY);

	/* RFC 2543 hold: c=0.0.0.0 */
	assert_int_equal(offer_in("0.0.0.0", 4000, "0", NULL), 0);
	assert_true(has("a=recvonly\r\n"));
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDONLY);

	/* resume */
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), 0);
	assert_true(has("a=sendrecv\r\n"));
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDRECV);

	/* we hold: our answers and offers say so */
	pbx_media_set_dir(m, PBX_MEDIA_SENDONLY);
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), 0);
	assert_true(has("a=sendonly\r\n"));
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", "a=sendonly\r\n"),
			 0);
	assert_true(has("a=inactive\r\n"));
	assert_int_equal(offer_out("PCMU"), 0);
	assert_true(has("a=sendonly\r\n"));
	pbx_media_set_dir(m, PBX_MEDIA_SENDRECV);
	assert_int_equal(offer_out("PCMU"), 0);
	assert_true(has("a=sendrecv\r\n"));
}


static void test_connection_lines(void **state)
{
	(void)state;

	/* c= only in the media section */
	assert_int_equal(offer_in(NULL, 4000, "0",
				  "c=IN IP4 127.0.0.2\r\n"), 0);
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDRECV);

	/* the media's c= wins over the session's */
	assert_int_equal(offer_in("0.0.0.0", 4000, "0",
				  "c=IN IP4 127.0.0.2\r\n"), 0);
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDRECV);
	assert_int_equal(offer_in("127.0.0.2", 4000, "0",
				  "c=IN IP4 0.0.0.0\r\n"), 0);
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_SENDONLY);
}


static unsigned o_version(void)
{
	unsigned id = 0, ver = 0;
	const char *o = strstr(text, "o=- ");

	assert_non_null(o);
	assert_int_equal(sscanf(o, "o=- %u %u", &id, &ver), 2);

	return ver;
}


static void test_reoffer(void **state)
{
	unsigned v;
	(void)state;

	assert_int_equal(offer_in("127.0.0.1", 4000, "0 8", NULL), 0);
	assert_string_equal(pbx_media_codec(m), "PCMU");
	v = o_version();

	/* re-INVITE with another codec and address */
	assert_int_equal(offer_in("127.0.0.2", 5000, "8", NULL), 0);
	assert_string_equal(pbx_media_codec(m), "PCMA");
	assert_int_equal(o_version(), v + 1);

	/* a refused re-offer leaves the call as it was */
	assert_int_equal(offer_in("127.0.0.2", 5000, "18", NULL), EPROTO);
	assert_string_equal(pbx_media_codec(m), "PCMA");
}


static void test_prefer(void **state)
{
	(void)state;

	assert_int_equal(pbx_media_prefer(m, "PCMA"), 0);
	assert_int_equal(offer_in("127.0.0.1", 4000, "0 8", NULL), 0);
	assert_string_equal(pbx_media_codec(m), "PCMA");
	assert_true(has("RTP/AVP 8\r\n"));

	/* none of the preferred: another we have (pbxd transcodes) */
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), 0);
	assert_string_equal(pbx_media_codec(m), "PCMU");
	assert_int_equal(offer_in("127.0.0.1", 4000, "18", NULL), EPROTO);

	assert_int_equal(pbx_media_prefer(m, NULL), 0);
	assert_int_equal(offer_in("127.0.0.1", 4000, "0 8", NULL), 0);
	assert_string_equal(pbx_media_codec(m), "PCMU");
}


static void test_answer_to_our_offer(void **state)
{
	char codecs[32];
	(void)state;

	/* an answer before any offer is a caller's mistake */
	assert_int_equal(answer_in("127.0.0.1", 4000, "0", NULL), EINVAL);

	assert_int_equal(offer_out(NULL), 0);
	assert_int_equal(answer_in("127.0.0.1", 4000, "8 96", te96), 0);
	assert_string_equal(pbx_media_codec(m), "PCMA");
	assert_int_equal(pbx_media_remote_codecs(m, codecs, 4), EOVERFLOW);
	assert_string_equal(codecs, "");
	assert_int_equal(pbx_media_remote_codecs(m, codecs, 5), 0);
	assert_string_equal(codecs, "PCMA");

	/* the same answer again (183, then 200) */
	assert_int_equal(answer_in("127.0.0.1", 4000, "8 96", te96), 0);
	assert_string_equal(pbx_media_codec(m), "PCMA");

	/* a codec we did not offer, or port 0 */
	assert_int_equal(offer_out("PCMU"), 0);
	assert_int_equal(answer_in("127.0.0.1", 4000, "8", NULL), EPROTO);
	assert_int_equal(answer_in("127.0.0.1", 0, "0", NULL), EPROTO);

	/* the peer holds in its answer to our sendonly offer */
	pbx_media_set_dir(m, PBX_MEDIA_SENDONLY);
	assert_int_equal(offer_out("PCMU"), 0);
	assert_int_equal(answer_in("127.0.0.1", 4000, "0", "a=recvonly\r\n"),
			 0);
	assert_int_equal(pbx_media_remote_dir(m), PBX_MEDIA_RECVONLY);
}


/* A codec with a dynamic PT and a 48 kHz clock, like opus. */
static int fake_alloc(void **stp, const char *fmtp)
{
	(void)fmtp;
	*stp = mem_zalloc(1, NULL);
	return *stp ? 0 : ENOMEM;
}


static int fake_encode(void *st, uint8_t *buf, size_t *lenp,
		       const int16_t *pcm, size_t sampc)
{
	(void)st; (void)buf; (void)pcm; (void)sampc;
	*lenp = 0;
	return 0;
}


static int fake_decode(void *st, int16_t *pcm, size_t *sampcp,
		       const uint8_t *buf, size_t len, bool fec)
{
	(void)st; (void)pcm; (void)buf; (void)len; (void)fec;
	*sampcp = 0;
	return 0;
}


static const struct pbx_codec fake = {
	"X-TEST", 48000, 2, -1, 16000, "mode=1", false,
	fake_alloc, fake_encode, fake_alloc, fake_decode,
};


static void test_dynamic_pt(void **state)
{
	(void)state;

	assert_int_equal(pbx_codec_register(&fake), 0);

	assert_int_equal(offer_out("PCMU,*"), 0);
	assert_true(has("RTP/AVP 0 8 9 96 101 100\r\n"));
	assert_true(has("a=rtpmap:96 X-TEST/48000/2\r\n"));
	assert_true(has("a=fmtp:96 mode=1\r\n"));
	assert_true(has("a=rtpmap:100 telephone-event/48000\r\n"));

	/* the peer answers with ours at 48 kHz: events at 48 kHz too */
	assert_int_equal(answer_in("127.0.0.1", 4000, "96 100",
				   "a=rtpmap:96 X-TEST/48000/2\r\n"
				   "a=rtpmap:100 telephone-event/48000\r\n"),
			 0);
	assert_string_equal(pbx_media_codec(m), "X-TEST");

	/* a peer's offer under its own PT is answered with that PT */
	assert_int_equal(offer_in("127.0.0.1", 4000, "112 0",
				  "a=rtpmap:112 x-test/48000/2\r\n"), 0);
	assert_string_equal(pbx_media_codec(m), "X-TEST");
	assert_true(has("RTP/AVP 112\r\n"));

	m = mem_deref(m);          /* the leg's states before the codec */
	assert_int_equal(pbx_codec_unregister(&fake), 0);
}


static const char crypto[] = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";


static void test_srtp_answer(void **state)
{
	(void)state;

	proto = "RTP/SAVP";
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", crypto), 0);
	assert_true(has(" RTP/SAVP 0\r\n"));
	assert_true(has("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_true(pbx_media_srtp(m));

	/* no key we can use: 488 */
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), EPROTO);
	assert_int_equal(offer_in("127.0.0.1", 4000, "0",
				  "a=crypto:1 F8_128_HMAC_SHA1_80 "
				  "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVu"
				  "bGVz\r\n"), EPROTO);
	assert_true(pbx_media_srtp(m));

	/* back to plain RTP */
	proto = "RTP/AVP";
	assert_int_equal(offer_in("127.0.0.1", 4000, "0", NULL), 0);
	assert_false(has("a=crypto"));
	assert_true(has(" RTP/AVP 0\r\n"));
	assert_false(pbx_media_srtp(m));
}


static void test_srtp_offer(void **state)
{
	(void)state;

	pbx_media_set_srtp(m, true);
	assert_int_equal(offer_out("PCMU"), 0);
	assert_true(has(" RTP/SAVP 0 101\r\n"));
	assert_true(has("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));

	proto = "RTP/SAVP";
	assert_int_equal(answer_in("127.0.0.1", 4000, "0", crypto), 0);
	proto = "RTP/AVP";
	assert_true(pbx_media_srtp(m));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_peer_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_te, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_answer_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reoffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prefer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_to_our_offer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic_pt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_srtp_answer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_srtp_offer, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

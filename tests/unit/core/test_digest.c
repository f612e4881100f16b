/* test_digest.c: unit tests for core/digest.c (RFC 2617/7616 vectors).
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


/* RFC 2617 3.5 */
static const char rfc2617_hdr[] =
	"Digest username=\"Mufasa\",\r\n"
	"                 realm=\"testrealm@host.com\",\r\n"
	"                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
	"                 uri=\"/dir/index.html\",\r\n"
	"                 qop=auth,\r\n"
	"                 nc=00000001,\r\n"
	"                 cnonce=\"0a4f113b\",\r\n"
	"                 response=\"6629fae49393a05397450978507c4ef1\",\r\n"
	"                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

/* RFC 7616 3.9.1; the MD5 one has the same fields but algorithm=MD5. */
static const char rfc7616_sha256_hdr[] =
	"Digest username=\"Mufasa\",\r\n"
	"       realm=\"http-auth@example.org\",\r\n"
	"       uri=\"/dir/index.html\",\r\n"
	"       algorithm=SHA-256,\r\n"
	"       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
	"       nc=00000001,\r\n"
	"       cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
	"       qop=auth,\r\n"
	"       response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496"
	"794697cf8db5856cb6c1\",\r\n"
	"       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

static const char rfc7616_md5_hdr[] =
	"Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
	"uri=\"/dir/index.html\", algorithm=MD5, "
	"nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
	"nc=00000001, "
	"cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
	"qop=auth, response=\"8ca523f5e9506fed4657c9700eebdbec\", "
	"opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";


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


static int decode_str(struct pbx_digest_cred *cred, const char *s)
{
	return pbx_digest_cred_decode(cred, s, strlen(s));
}


static void assert_pl(const struct pl *pl, const char *s)
{
	assert_non_null(pl->p);
	if (pl_strcmp(pl, s)) {
		print_error("pl \"%.*s\" != \"%s\"\n", (int)pl->l, pl->p, s);
		fail();
	}
}


static bool verify_str(const struct pbx_digest_cred *cred,
		       enum pbx_digest_alg alg, const char *ha1,
		       const char *method)
{
	return pbx_digest_verify(cred, alg, ha1, method, strlen(method));
}


static void test_alg_decode(void **state)
{
	enum pbx_digest_alg alg = PBX_DIGEST_SHA256;
	(void)state;

	assert_int_equal(pbx_digest_alg_decode("MD5", 3, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_MD5);
	assert_int_equal(pbx_digest_alg_decode("md5", 3, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_MD5);
	assert_int_equal(pbx_digest_alg_decode("SHA-256", 7, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_SHA256);
	assert_int_equal(pbx_digest_alg_decode("sha-256", 7, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_SHA256);

	/* length is honoured: "SHA-256x" cut to 7 is SHA-256 */
	assert_int_equal(pbx_digest_alg_decode("SHA-256x", 7, &alg), 0);
	assert_int_equal(pbx_digest_alg_decode("SHA-256x", 8, &alg),
			 ENOTSUP);

	assert_int_equal(pbx_digest_alg_decode("MD5-sess", 8, &alg),
			 ENOTSUP);
	assert_int_equal(pbx_digest_alg_decode("SHA-256-sess", 12, &alg),
			 ENOTSUP);
	assert_int_equal(pbx_digest_alg_decode("SHA-512-256", 11, &alg),
			 ENOTSUP);
	assert_int_equal(pbx_digest_alg_decode("SHA256", 6, &alg), ENOTSUP);
	assert_int_equal(pbx_digest_alg_decode("", 0, &alg), ENOTSUP);
	assert_int_equal(pbx_digest_alg_decode(NULL, 0, &alg), EINVAL);
	assert_int_equal(pbx_digest_alg_decode("MD5", 3, NULL), EINVAL);

	assert_string_equal(pbx_digest_alg_name(PBX_DIGEST_MD5), "MD5");
	assert_string_equal(pbx_digest_alg_name(PBX_DIGEST_SHA256),
			    "SHA-256");
	assert_null(pbx_digest_alg_name((enum pbx_digest_alg)42));
}


static void test_ha1(void **state)
{
	char hex[PBX_DIGEST_HEX_MAX];
	(void)state;

	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					"Mufasa", "testrealm@host.com",
					"Circle Of Life"), 0);
	assert_string_equal(hex, "939e7578ed9e3c518a452acee763bce9");

	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					"Mufasa", "http-auth@example.org",
					"Circle of Life"), 0);
	assert_string_equal(hex, "3d78807defe7de2157e2b0b6573a855f");

	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_SHA256,
					"Mufasa", "http-auth@example.org",
					"Circle of Life"), 0);
	assert_string_equal(hex, "7987c64c30e25f1b74be53f966b49b90"
			    "f2808aa92faf9a00262392d7b4794232");

	/* empty password is still a hash */
	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					"", "", ""), 0);
	assert_int_equal(strlen(hex), 32);

	/* exact fit, one short */
	assert_int_equal(pbx_digest_ha1(hex, 33, PBX_DIGEST_MD5,
					"a", "b", "c"), 0);
	assert_int_equal(pbx_digest_ha1(hex, 32, PBX_DIGEST_MD5,
					"a", "b", "c"), EOVERFLOW);
	assert_int_equal(pbx_digest_ha1(hex, 65, PBX_DIGEST_SHA256,
					"a", "b", "c"), 0);
	assert_int_equal(pbx_digest_ha1(hex, 64, PBX_DIGEST_SHA256,
					"a", "b", "c"), EOVERFLOW);

	assert_int_equal(pbx_digest_ha1(NULL, 65, PBX_DIGEST_MD5,
					"a", "b", "c"), EINVAL);
	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					NULL, "b", "c"), EINVAL);
	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					"a", NULL, "c"), EINVAL);
	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex), PBX_DIGEST_MD5,
					"a", "b", NULL), EINVAL);
	assert_int_equal(pbx_digest_ha1(hex, sizeof(hex),
					(enum pbx_digest_alg)7,
					"a", "b", "c"), EINVAL);
}


static void test_rfc2617(void **state)
{
	struct pbx_digest_cred cred;
	char ha1[PBX_DIGEST_HEX_MAX];
	(void)state;

	assert_int_equal(decode_str(&cred, rfc2617_hdr), 0);
	assert_pl(&cred.username, "Mufasa");
	assert_pl(&cred.realm, "testrealm@host.com");
	assert_pl(&cred.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	assert_pl(&cred.uri, "/dir/index.html");
	assert_pl(&cred.qop, "auth");
	assert_pl(&cred.nc, "00000001");
	assert_pl(&cred.cnonce, "0a4f113b");
	assert_pl(&cred.response, "6629fae49393a05397450978507c4ef1");
	assert_pl(&cred.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_null(cred.algorithm.p);

	assert_int_equal(pbx_digest_ha1(ha1, sizeof(ha1), PBX_DIGEST_MD5,
					"Mufasa", "testrealm@host.com",
					"Circle Of Life"), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* method is a pointer and a length, not a C string */
	assert_true(pbx_digest_verify(&cred, PBX_DIGEST_MD5, ha1,
				      "GETX", 3));

	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "POST"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "get"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, ""));

	/* an absent algorithm is left to the caller, but the response is
	 * 32 digits, so SHA-256 cannot match */
	assert_false(verify_str(&cred, PBX_DIGEST_SHA256, ha1, "GET"));

	assert_int_equal(pbx_digest_ha1(ha1, sizeof(ha1), PBX_DIGEST_MD5,
					"Mufasa", "testrealm@host.com",
					"Circle of Life"), 0);
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
}


static void test_rfc7616(void **state)
{
	struct pbx_digest_cred cred;
	char ha1[PBX_DIGEST_HEX_MAX];
	enum pbx_digest_alg alg;
	(void)state;

	/* MD5 */
	assert_int_equal(decode_str(&cred, rfc7616_md5_hdr), 0);
	assert_pl(&cred.algorithm, "MD5");
	assert_int_equal(pbx_digest_alg_decode(cred.algorithm.p,
					       cred.algorithm.l, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_MD5);
	assert_int_equal(pbx_digest_ha1(ha1, sizeof(ha1), alg, "Mufasa",
					"http-auth@example.org",
					"Circle of Life"), 0);
	assert_true(verify_str(&cred, alg, ha1, "GET"));
	assert_false(verify_str(&cred, alg, ha1, "PUT"));

	/* algorithm=MD5 in the header but SHA-256 asked for */
	assert_false(verify_str(&cred, PBX_DIGEST_SHA256, ha1, "GET"));

	/* SHA-256, header with folded lines */
	assert_int_equal(decode_str(&cred, rfc7616_sha256_hdr), 0);
	assert_pl(&cred.username, "Mufasa");
	assert_pl(&cred.realm, "http-auth@example.org");
	assert_pl(&cred.uri, "/dir/index.html");
	assert_pl(&cred.algorithm, "SHA-256");
	assert_pl(&cred.nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	assert_pl(&cred.nc, "00000001");
	assert_pl(&cred.cnonce,
		  "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	assert_pl(&cred.qop, "auth");
	assert_pl(&cred.opaque,
		  "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
	assert_int_equal(pbx_digest_alg_decode(cred.algorithm.p,
					       cred.algorithm.l, &alg), 0);
	assert_int_equal(alg, PBX_DIGEST_SHA256);
	assert_int_equal(pbx_digest_ha1(ha1, sizeof(ha1), alg, "Mufasa",
					"http-auth@example.org",
					"Circle of Life"), 0);
	assert_true(verify_str(&cred, alg, ha1, "GET"));
	assert_false(verify_str(&cred, alg, ha1, "HEAD"));

	/* SHA-256 credentials checked against an MD5 HA1 */
	assert_false(verify_str(&cred, PBX_DIGEST_MD5,
				"3d78807defe7de2157e2b0b6573a855f", "GET"));

	/* wrong password */
	assert_int_equal(pbx_digest_ha1(ha1, sizeof(ha1), alg, "Mufasa",
					"http-auth@example.org",
					"Circle Of Life"), 0);
	assert_false(verify_str(&cred, alg, ha1, "GET"));
}


/* Values computed independently (Python hashlib). */
static void test_verify_variants(void **state)
{
	static const char md5_ha1[] = "939e7578ed9e3c518a452acee763bce9";
	static const char sha_ha1[] = "3ba6cd94661c5ef34598040c868f13b8"
		"775df29109986be50ad35ae537dd3aa4";
	struct pbx_digest_cred cred;
	(void)state;

	/* RFC 2069, no qop */
	assert_int_equal(decode_str(&cred, "Digest username=\"Mufasa\", "
		"realm=\"testrealm@host.com\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		"uri=\"/dir/index.html\", "
		"response=\"670fd8c2df070c60b045671b8b24ff02\""), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_MD5, md5_ha1, "GET"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, md5_ha1, "PUT"));

	/* upper case HA1 and response are accepted */
	assert_true(verify_str(&cred, PBX_DIGEST_MD5,
			       "939E7578ED9E3C518A452ACEE763BCE9", "GET"));
	assert_int_equal(decode_str(&cred, "Digest username=Mufasa, "
		"realm=\"testrealm@host.com\", "
		"nonce=dcd98b7102dd2f0e8b11d0f600bfb0c093, "
		"uri=\"/dir/index.html\", "
		"response=670FD8C2DF070C60B045671B8B24FF02"), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_MD5, md5_ha1, "GET"));

	/* HA1 of the wrong length or with non-hex digits */
	assert_false(verify_str(&cred, PBX_DIGEST_MD5,
				"939e7578ed9e3c518a452acee763bce", "GET"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5,
				"939e7578ed9e3c518a452acee763bce9a", "GET"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5,
				"939e7578ed9e3c518a452acee763bceg", "GET"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, "", "GET"));

	/* SHA-256 without qop */
	assert_int_equal(decode_str(&cred, "Digest username=\"Mufasa\", "
		"realm=\"testrealm@host.com\", algorithm=\"SHA-256\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		"uri=\"/dir/index.html\", "
		"response=\"e71f89d8267982ee1cd4dfb3637698eaf2f55848fe056aee"
		"7be175262aab5d2a\""), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_SHA256, sha_ha1, "GET"));

	/* cnonce with quoted-pairs: the client hashed a"b\c */
	assert_int_equal(decode_str(&cred, "Digest username=\"Mufasa\", "
		"realm=\"testrealm@host.com\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		"uri=\"/dir/index.html\", qop=auth, nc=00000001, "
		"cnonce=\"a\\\"b\\\\c\", "
		"response=\"7067b5865d74c3a0862c98a5e2889983\""), 0);
	assert_pl(&cred.cnonce, "a\\\"b\\\\c");
	assert_true(verify_str(&cred, PBX_DIGEST_MD5, md5_ha1, "GET"));

	assert_int_equal(decode_str(&cred, "Digest username=\"Mufasa\", "
		"realm=\"testrealm@host.com\", algorithm=sha-256, "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		"uri=\"/dir/index.html\", qop=auth, nc=00000001, "
		"cnonce=\"a\\\"b\\\\c\", "
		"response=\"db170e71a3e2d153c4fe17d4d208370045adcd47d65a6e89"
		"e1cb6372fe9a24f4\""), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_SHA256, sha_ha1, "GET"));

	/* SIP REGISTER, nc 0000000a */
	assert_int_equal(decode_str(&cred, "digest username=\"1001\","
		"realm=\"pbx\",nonce=\"abc\",uri=\"sip:pbx.example.com\","
		"response=\"483430ed77a58d2dc0d604e24831c677\",qop=auth,"
		"nc=0000000a,cnonce=\"xyz\""), 0);
	assert_true(verify_str(&cred, PBX_DIGEST_MD5,
			       "69e1409bb267e1795f007971144a717b",
			       "REGISTER"));
	assert_false(verify_str(&cred, PBX_DIGEST_MD5,
				"69e1409bb267e1795f007971144a717b",
				"INVITE"));
}


/* Changes one field of the RFC 2617 credentials at a time. */
static void test_verify_tampered(void **state)
{
	static const char ha1[] = "939e7578ed9e3c518a452acee763bce9";
	struct pbx_digest_cred cred, good;
	(void)state;

	assert_int_equal(decode_str(&good, rfc2617_hdr), 0);
	assert_true(verify_str(&good, PBX_DIGEST_MD5, ha1, "GET"));

	cred = good;
	pl_set_str(&cred.uri, "/dir/index.htm");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	cred = good;
	pl_set_str(&cred.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c094");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	cred = good;
	pl_set_str(&cred.nc, "00000002");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	cred = good;
	pl_set_str(&cred.cnonce, "0a4f113c");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* qop other than auth */
	cred = good;
	pl_set_str(&cred.qop, "auth-int");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	pl_set_str(&cred.qop, "");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* qop without nc or cnonce (a hand-made cred) */
	cred = good;
	cred.nc = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	cred = good;
	cred.cnonce = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* dropping qop changes the formula */
	cred = good;
	cred.qop = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* response of the wrong length, or not hex */
	cred = good;
	pl_set_str(&cred.response, "6629fae49393a05397450978507c4ef");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	pl_set_str(&cred.response, "6629fae49393a05397450978507c4ef1"
		   "6629fae49393a05397450978507c4ef1");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	assert_false(verify_str(&cred, PBX_DIGEST_SHA256,
				"0000000000000000000000000000000000000000"
				"000000000000000000000000", "GET"));
	pl_set_str(&cred.response, "6629fae49393a05397450978507c4ef!");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* algorithm named in the header must agree */
	cred = good;
	pl_set_str(&cred.algorithm, "MD5");
	assert_true(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	pl_set_str(&cred.algorithm, "MD5-sess");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	pl_set_str(&cred.algorithm, "SHA-256");
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	/* missing fields and bad arguments */
	cred = good;
	cred.uri = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	cred = good;
	cred.nonce = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));
	cred = good;
	cred.response = pl_null;
	assert_false(verify_str(&cred, PBX_DIGEST_MD5, ha1, "GET"));

	assert_false(verify_str(NULL, PBX_DIGEST_MD5, ha1, "GET"));
	assert_false(pbx_digest_verify(&good, PBX_DIGEST_MD5, NULL,
				       "GET", 3));
	assert_false(pbx_digest_verify(&good, PBX_DIGEST_MD5, ha1,
				       NULL, 3));
	assert_false(verify_str(&good, (enum pbx_digest_alg)9, ha1, "GET"));
}


/* The fields of one good header, written in different orders and
 * spacings, with quoted and token values. */
static const char *const good_params[] = {
	"username=\"1001\"",
	"realm=pbx.example.com",
	"nonce=\"n0nce\"",
	"uri=\"sip:pbx.example.com;transport=tcp\"",
	"response=\"0123456789abcdef0123456789abcdef\"",
	"algorithm=MD5",
	"qop=\"auth\"",
	"nc=00000001",
	"cnonce=\"c,n=o\\\"nce\"",
	"opaque=\"\"",
	"x-unknown=\"ignored, really\"",
	"other=tok",
};

static const char *const seps[] = {
	",", ", ", " ,", " , ", "\t,\t", ",\r\n ", "\r\n\t,  ", ", ,", ",,",
};


static void check_good_cred(const struct pbx_digest_cred *cred)
{
	assert_pl(&cred->username, "1001");
	assert_pl(&cred->realm, "pbx.example.com");
	assert_pl(&cred->nonce, "n0nce");
	assert_pl(&cred->uri, "sip:pbx.example.com;transport=tcp");
	assert_pl(&cred->response, "0123456789abcdef0123456789abcdef");
	assert_pl(&cred->algorithm, "MD5");
	assert_pl(&cred->qop, "auth");
	assert_pl(&cred->nc, "00000001");
	assert_pl(&cred->cnonce, "c,n=o\\\"nce");
	assert_non_null(cred->opaque.p);
	assert_int_equal(cred->opaque.l, 0);
}


static void test_decode_orders(void **state)
{
	const size_t n = ARRAY_SIZE(good_params);
	size_t rot, s, i;
	char buf[1024];
	(void)state;

	for (rot = 0; rot < n; rot++) {
		for (s = 0; s < ARRAY_SIZE(seps); s++) {
			struct pbx_digest_cred cred;
			bool reverse = (rot + s) % 2;
			int len;

			len = snprintf(buf, sizeof(buf), "%s",
				       s % 3 ? "DIGEST " : "  Digest\t ");
			for (i = 0; i < n; i++) {
				size_t k = reverse ? n - 1 - i : i;

				len += snprintf(buf + len, sizeof(buf) - len,
						"%s%s", i ? seps[s] : "",
						good_params[(k + rot) % n]);
			}
			if (s % 2)
				len += snprintf(buf + len, sizeof(buf) - len,
						" \t");
			assert_true(len < (int)sizeof(buf));

			if (decode_str(&cred, buf)) {
				print_error("failed: [%s]\n", buf);
				fail();
			}
			check_good_cred(&cred);
		}
	}
}


static void test_decode_spacing(void **state)
{
	struct pbx_digest_cred cred;
	(void)state;

	/* LWS around '=' */
	assert_int_equal(decode_str(&cred, "Digest username = \"a\" ,"
		"realm\t=\t\"r\", nonce =n, uri= \"u\", response\r\n =\r\n"
		"\t\"x\""), 0);
	assert_pl(&cred.username, "a");
	assert_pl(&cred.realm, "r");
	assert_pl(&cred.nonce, "n");
	assert_pl(&cred.uri, "u");
	assert_pl(&cred.response, "x");
	assert_null(cred.qop.p);
	assert_null(cred.nc.p);
	assert_null(cred.cnonce.p);
	assert_null(cred.opaque.p);
	assert_null(cred.algorithm.p);

	/* parameter names are case-insensitive, values are not */
	assert_int_equal(decode_str(&cred, "Digest USERNAME=\"A\", "
		"Realm=\"R\", NONCE=N, Uri=\"U\", RESPONSE=\"X\", "
		"QOP=Auth, NC=1, CNONCE=C"), 0);
	assert_pl(&cred.username, "A");
	assert_pl(&cred.qop, "Auth");

	/* trailing comma and empty elements */
	assert_int_equal(decode_str(&cred, "Digest ,username=\"a\",,"
		"realm=\"r\",nonce=n,uri=\"u\",response=\"x\",  , "), 0);

	/* escaped quote in a username is kept raw */
	assert_int_equal(decode_str(&cred, "Digest username=\"Mu\\\"fa\","
		"realm=\"r\",nonce=n,uri=\"u\",response=\"x\""), 0);
	assert_int_equal(cred.username.l, 6);
	assert_memory_equal(cred.username.p, "Mu\\\"fa", 6);

	/* UTF-8 in quoted strings */
	assert_int_equal(decode_str(&cred, "Digest username=\"J\xc3\xa4n\","
		"realm=\"r\",nonce=n,uri=\"u\",response=\"x\""), 0);
	assert_pl(&cred.username, "J\xc3\xa4n");

	/* the length bounds the value: stops before the junk */
	{
		static const char s[] = "Digest username=\"a\",realm=\"r\","
			"nonce=n,uri=\"u\",response=\"x\"JUNK";

		assert_int_equal(pbx_digest_cred_decode(&cred, s,
							sizeof(s) - 5), 0);
		assert_int_equal(pbx_digest_cred_decode(&cred, s,
							sizeof(s) - 1),
				 EBADMSG);
	}
}


static void test_decode_bad(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"Digest",
		"Digest ",
		"Basic dXNlcjpwYXNz",
		"Basic username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digestusername=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest, username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digests username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"\"Digest\" username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		/* missing required fields */
		"Digest realm=\"r\",nonce=n,uri=\"u\",response=\"x\"",
		"Digest username=\"a\",nonce=n,uri=\"u\",response=\"x\"",
		"Digest username=\"a\",realm=\"r\",uri=\"u\",response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\"",
		/* qop without nc or cnonce */
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\",qop=auth,nc=00000001",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\",qop=auth,cnonce=c",
		/* unterminated quote, escape at the end */
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\\\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\\",
		/* missing '=' or value */
		"Digest username \"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\",stale",
		"Digest username=\"a\",realm=\"r\",nonce=,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=",
		"Digest =\"a\",username=\"a\",realm=\"r\",nonce=n,"
			"uri=\"u\",response=\"x\"",
		/* no comma between params */
		"Digest username=\"a\" realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\"realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		/* junk in tokens */
		"Digest username=a\"b\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n/x,uri=\"u\","
			"response=\"x\"",
		"Digest user@name=\"a\",username=\"a\",realm=\"r\",nonce=n,"
			"uri=\"u\",response=\"x\"",
		"Digest username=\"a\";realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		/* duplicates */
		"Digest username=\"a\",username=\"b\",realm=\"r\",nonce=n,"
			"uri=\"u\",response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\",NONCE=m",
		/* control characters; bare CR/LF that is not a fold */
		"Digest username=\"a\x01\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\r\n b\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"\r\n",
		"Digest username=\"a\",\r\nrealm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
		"Digest username=\"a\x7f\",realm=\"r\",nonce=n,uri=\"u\","
			"response=\"x\"",
	};
	struct pbx_digest_cred cred;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err;

		memset(&cred, 0xa5, sizeof(cred));
		err = decode_str(&cred, bad[i]);
		if (err != EBADMSG) {
			print_error("bad[%zu] gave %d: [%s]\n", i, err,
				    bad[i]);
			fail();
		}

		/* untouched on failure */
		assert_true(cred.username.p ==
			    (const char *)(uintptr_t)0xa5a5a5a5a5a5a5a5ULL);
	}

	/* a NUL byte inside the value */
	{
		static const char s[] = "Digest username=\"a\0b\",realm=\"r\","
			"nonce=n,uri=\"u\",response=\"x\"";

		assert_int_equal(pbx_digest_cred_decode(&cred, s,
							sizeof(s) - 1),
				 EBADMSG);
	}

	assert_int_equal(pbx_digest_cred_decode(NULL, "Digest", 6), EINVAL);
	assert_int_equal(pbx_digest_cred_decode(&cred, NULL, 6), EINVAL);
}


/* Decodes s[0..len) from a heap copy of exactly len bytes, so ASan sees
 * any read past the end; on success every field must lie in the copy. */
static int decode_exact(struct pbx_digest_cred *cred, const char *s,
			size_t len)
{
	const struct pl *fieldv = &cred->username;
	const size_t fieldc = sizeof(*cred) / sizeof(struct pl);
	char *copy = malloc(len ? len : 1);
	size_t i;
	int err;

	assert_non_null(copy);
	memcpy(copy, s, len);
	err = pbx_digest_cred_decode(cred, copy, len);

	for (i = 0; !err && i < fieldc; i++) {
		if (!fieldv[i].p)
			continue;
		assert_true(fieldv[i].p >= copy);
		assert_true(fieldv[i].p + fieldv[i].l <= copy + len);
	}

	free(copy);

	return err;
}


static void test_decode_truncated(void **state)
{
	const char *const hdrs[] = {
		rfc2617_hdr, rfc7616_sha256_hdr, rfc7616_md5_hdr,
		"Digest username=\"a\\\\\\\"\", realm=r, nonce=\"n\", "
			"uri=\"u\", response=x",
	};
	struct pbx_digest_cred cred;
	size_t h, i;
	(void)state;

	for (h = 0; h < ARRAY_SIZE(hdrs); h++) {
		const size_t len = strlen(hdrs[h]);

		for (i = 0; i <= len; i++) {
			int err = decode_exact(&cred, hdrs[h], i);

			if (err && err != EBADMSG) {
				print_error("hdr %zu cut at %zu: %d\n",
					    h, i, err);
				fail();
			}

			/* only the whole header has all it needs */
			if (i == len)
				assert_int_equal(err, 0);
		}
	}
}


/* Every byte of a good header replaced by each troublesome byte. */
static void test_decode_mutated(void **state)
{
	static const char subst[] = "\"\\,= \t\r\n\0\x7f\xff;a";
	const size_t len = sizeof(rfc2617_hdr) - 1;
	struct pbx_digest_cred cred;
	char buf[sizeof(rfc2617_hdr)];
	size_t i, k;
	(void)state;

	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(subst) - 1; k++) {
			int err;

			memcpy(buf, rfc2617_hdr, len);
			buf[i] = subst[k];

			err = decode_exact(&cred, buf, len);
			assert_true(err == 0 || err == EBADMSG);
		}
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_decode),
		cmocka_unit_test(test_ha1),
		cmocka_unit_test(test_rfc2617),
		cmocka_unit_test(test_rfc7616),
		cmocka_unit_test(test_verify_variants),
		cmocka_unit_test(test_verify_tampered),
		cmocka_unit_test(test_decode_orders),
		cmocka_unit_test(test_decode_spacing),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_mutated),
	};

	return cmocka_run_group_tests_name("digest", tests, group_setup,
					   group_teardown);
}

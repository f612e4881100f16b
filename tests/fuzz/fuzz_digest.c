/* fuzz_digest.c: libFuzzer harness for pbx_digest_cred_decode().
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Build and run (clang 14, Debian 12):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 \
 *	-I/usr/include/re -Icore -o build/fuzz_digest \
 *	tests/fuzz/fuzz_digest.c core/digest.c -lre -lcrypto
 *   build/fuzz_digest -max_total_time=60 -max_len=1024
 *
 * Each input is one header value.  A decode that succeeds must leave
 * every field inside the input; the fields then go through the
 * algorithm parser and pbx_digest_verify(), which must not crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_inside(const struct pbx_digest_cred *cred,
			 const char *p, size_t len)
{
	const struct pl *fieldv = &cred->username;
	size_t i;

	for (i = 0; i < sizeof(*cred) / sizeof(struct pl); i++) {
		if (!fieldv[i].p)
			continue;

		if (fieldv[i].p < p || fieldv[i].l > len ||
		    fieldv[i].p + fieldv[i].l > p + len)
			abort();
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char md5_ha1[] = "939e7578ed9e3c518a452acee763bce9";
	static const char sha_ha1[] = "3ba6cd94661c5ef34598040c868f13b8"
		"775df29109986be50ad35ae537dd3aa4";
	const char *p = (const char *)data;
	struct pbx_digest_cred cred;
	enum pbx_digest_alg alg = PBX_DIGEST_MD5;
	int err;

	err = pbx_digest_cred_decode(&cred, p, size);
	if (err) {
		if (err != EBADMSG)
			abort();
		return 0;
	}

	check_inside(&cred, p, size);

	if (cred.algorithm.p &&
	    pbx_digest_alg_decode(cred.algorithm.p, cred.algorithm.l, &alg))
		return 0;

	(void)pbx_digest_verify(&cred, alg,
				alg == PBX_DIGEST_MD5 ? md5_ha1 : sha_ha1,
				"REGISTER", 8);

	return 0;
}

/* fuzz_sdes.c: libFuzzer harness for pbx_sdes_decode() (RFC 4568 a=crypto).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Build and run (clang 14, Debian 12):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 \
 *	-I/usr/include/re -Icore -o build/fuzz_sdes \
 *	tests/fuzz/fuzz_sdes.c core/srtp.c -lre -lsrtp2
 *   build/fuzz_sdes -max_total_time=30 -max_len=512
 *
 * Each input is one attribute value.  It must decode or fail with
 * EBADMSG or ENOTSUP; a decoded one must print and decode back to the
 * same tag, suite and key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pbx_sdes s, d;
	char *val, buf[128];
	int err;

	val = malloc(size + 1);
	if (!val)
		return 0;
	memcpy(val, data, size);
	val[size] = '\0';

	err = pbx_sdes_decode(&s, val);
	free(val);
	if (err) {
		if (err != EBADMSG && err != ENOTSUP)
			abort();
		return 0;
	}

	if (re_snprintf(buf, sizeof(buf), "%H", pbx_sdes_encode, &s) <= 0)
		abort();
	if (pbx_sdes_decode(&d, buf))
		abort();
	if (d.tag != s.tag || d.suite != s.suite ||
	    memcmp(d.key, s.key, sizeof(s.key)))
		abort();

	return 0;
}

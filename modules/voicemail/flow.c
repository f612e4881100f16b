/* flow.c: pure helpers of the voicemail call flows: prompt names, WAV length.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * No call: tests/unit/modules/test_vm_flow.c links this file with the
 * core's say.c (pbx_say_number, pbx_say_digits build the names).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "pbx.h"
#include "flow.h"


enum {
	WAV_HDR   = 44,           /* bytes: RIFF, fmt and data headers */
	SAY_ROOM  = 16,           /* names of one number up to 9999    */
};


/* Appends k names from tmp at namev[*np], or E2BIG with none added. */
static int names_put(const char **namev, size_t max, size_t *np,
		     const char *const *tmp, size_t k)
{
	if (*np + k > max)
		return E2BIG;

	memcpy(namev + *np, tmp, k * sizeof(*tmp));
	*np += k;

	return 0;
}


int vm_flow_number(const char **namev, size_t max, size_t *np, unsigned n)
{
	const char *tmp[SAY_ROOM];

	if (n > 9999)
		return ERANGE;

	return names_put(namev, max, np, tmp,
			 pbx_say_number(tmp, SAY_ROOM, (long long)n));
}


int vm_flow_digits(const char **namev, size_t max, size_t *np,
		   const char *s)
{
	const char *tmp[VM_NAMES_MAX];
	size_t k;

	k = pbx_say_digits(tmp, VM_NAMES_MAX, s ? s : "");
	if (s && k == VM_NAMES_MAX && strlen(s) > VM_NAMES_MAX)
		return E2BIG;

	return names_put(namev, max, np, tmp, k);
}


int vm_flow_time(const char **namev, size_t max, size_t *np,
		 unsigned hour, unsigned min)
{
	size_t i = *np;
	int err;

	if (hour > 23 || min > 59)
		return ERANGE;

	err = vm_flow_number(namev, max, &i, hour);
	if (err)
		return err;

	if (i + 2 > max)
		return E2BIG;
	if (min == 0) {
		namev[i++] = "digits/hundred";     /* "fourteen hundred" */
	}
	else if (min < 10) {
		namev[i++] = "digits/0";           /* "nine oh five"     */
		i += pbx_say_number(namev + i, 1, (long long)min);
	}
	else {
		err = vm_flow_number(namev, max, &i, min);
		if (err)
			return err;
	}

	*np = i;
	return 0;
}


static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}


static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


/* The header's sizes are not trusted: after a hang-up the recorder may
 * not have written them yet, while the samples are on disk. */
int vm_flow_wav_ms(const char *path, uint32_t *msp)
{
	uint8_t h[WAV_HDR];
	uint32_t rate, chans, bits;
	struct stat st;
	uint64_t bytes;
	ssize_t n;
	int fd, err = 0;

	if (!path || !msp)
		return EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	n = read(fd, h, sizeof(h));
	if (n < 0 || fstat(fd, &st) < 0)
		err = errno;
	else if (n != (ssize_t)sizeof(h))
		err = EINVAL;
	(void)close(fd);
	if (err)
		return err;

	if (memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4) ||
	    memcmp(h + 12, "fmt ", 4) || le16(h + 20) != 1)
		return EINVAL;        /* not PCM */

	chans = le16(h + 22);
	rate = le32(h + 24);
	bits = le16(h + 34);
	if (bits != 16 || !chans || chans > 2 || rate < 8000 ||
	    rate > 48000)
		return EINVAL;

	bytes = (uint64_t)st.st_size - WAV_HDR;
	*msp = (uint32_t)(bytes * 1000 / ((uint64_t)rate * chans * 2));

	return 0;
}

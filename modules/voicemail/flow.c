/* flow.c: pure helpers of the voicemail call flows: prompt names, WAV length.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * No call, no libre: tests/unit/modules/test_vm_flow.c links this file
 * alone.  pbx.h offers modules no say_number, so the flows build the
 * "digits/..." names here (sounds/README.md lists them).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "flow.h"


enum {
	WAV_HDR = 44,             /* bytes: RIFF, fmt and data headers */
};

static const char *const small[20] = {
	"digits/0", "digits/1", "digits/2", "digits/3", "digits/4",
	"digits/5", "digits/6", "digits/7", "digits/8", "digits/9",
	"digits/10", "digits/11", "digits/12", "digits/13", "digits/14",
	"digits/15", "digits/16", "digits/17", "digits/18", "digits/19",
};

static const char *const tens[10] = {
	NULL, NULL, "digits/20", "digits/30", "digits/40", "digits/50",
	"digits/60", "digits/70", "digits/80", "digits/90",
};


/* How many names n (0-9999) takes: checked before adding any. */
static size_t number_len(unsigned n)
{
	size_t len = 0;

	if (n == 0)
		return 1;
	if (n >= 1000)
		len += 2;
	if ((n / 100) % 10)
		len += 2;
	n %= 100;
	if (n >= 20)
		len += (n % 10) ? 2 : 1;
	else if (n)
		len += 1;

	return len;
}


int vm_flow_number(const char **namev, size_t max, size_t *np, unsigned n)
{
	size_t i = *np;
	unsigned rest = n % 100;

	if (n > 9999)
		return ERANGE;
	if (i + number_len(n) > max)
		return E2BIG;

	if (n == 0) {
		namev[i++] = small[0];
		goto out;
	}
	if (n >= 1000) {
		namev[i++] = small[n / 1000];
		namev[i++] = "digits/thousand";
	}
	if ((n / 100) % 10) {
		namev[i++] = small[(n / 100) % 10];
		namev[i++] = "digits/hundred";
	}
	if (rest >= 20) {
		namev[i++] = tens[rest / 10];
		if (rest % 10)
			namev[i++] = small[rest % 10];
	}
	else if (rest) {
		namev[i++] = small[rest];
	}

 out:
	*np = i;
	return 0;
}


static const char *digit_name(char c)
{
	if (c >= '0' && c <= '9')
		return small[c - '0'];
	if (c == '*')
		return "digits/star";
	if (c == '#')
		return "digits/pound";

	return NULL;
}


int vm_flow_digits(const char **namev, size_t max, size_t *np,
		   const char *s)
{
	size_t i = *np, len = 0;
	const char *p;

	for (p = s; p && *p; p++)
		len += digit_name(*p) != NULL;
	if (i + len > max)
		return E2BIG;

	for (p = s; p && *p; p++) {
		if (digit_name(*p))
			namev[i++] = digit_name(*p);
	}

	*np = i;
	return 0;
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
		namev[i++] = small[0];             /* "nine oh five"     */
		namev[i++] = small[min];
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

/* test_vm_flow.c: unit tests of the voicemail flows' pure helpers (flow.c).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Prompt names for numbers, digit strings and times, and a recording's
 * length from its WAV file (also when the header's sizes were never
 * written, as after a hang-up).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>
#include "flow.h"


enum {
	ROOM = 16,
};


/* The names joined by spaces, to compare. */
static void join(char *buf, size_t sz, const char **namev, size_t n)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strncat(buf, " ", sz - strlen(buf) - 1);
		strncat(buf, namev[i], sz - strlen(buf) - 1);
	}
}


static void check_number(unsigned num, const char *want)
{
	const char *namev[ROOM];
	char got[512];
	size_t n = 0;

	assert_int_equal(vm_flow_number(namev, ROOM, &n, num), 0);
	join(got, sizeof(got), namev, n);
	assert_string_equal(got, want);
}


static void test_number(void **state)
{
	(void)state;

	check_number(0, "digits/0");
	check_number(7, "digits/7");
	check_number(15, "digits/15");
	check_number(20, "digits/20");
	check_number(42, "digits/40 digits/2");
	check_number(100, "digits/1 digits/hundred");
	check_number(305, "digits/3 digits/hundred digits/5");
	check_number(1000, "digits/1 digits/thousand");
	check_number(2305, "digits/2 digits/thousand digits/3 "
		     "digits/hundred digits/5");
	check_number(9999, "digits/9 digits/thousand digits/9 "
		     "digits/hundred digits/90 digits/9");
}


static void test_number_limits(void **state)
{
	const char *namev[ROOM] = {"x", "y"};
	size_t n = 2;
	(void)state;

	assert_int_equal(vm_flow_number(namev, ROOM, &n, 10000), ERANGE);
	assert_int_equal(n, 2);

	/* appends after what is there */
	assert_int_equal(vm_flow_number(namev, ROOM, &n, 42), 0);
	assert_int_equal(n, 4);
	assert_string_equal(namev[0], "x");
	assert_string_equal(namev[2], "digits/40");

	/* 2305 takes 5 names: with room for 4 nothing is added */
	n = 0;
	assert_int_equal(vm_flow_number(namev, 4, &n, 2305), E2BIG);
	assert_int_equal(n, 0);
	assert_int_equal(vm_flow_number(namev, 5, &n, 2305), 0);
	assert_int_equal(n, 5);
}


static void test_digits(void **state)
{
	const char *namev[ROOM];
	char got[512];
	size_t n = 0;
	(void)state;

	assert_int_equal(vm_flow_digits(namev, ROOM, &n, "+10*#x2"), 0);
	join(got, sizeof(got), namev, n);
	assert_string_equal(got, "digits/1 digits/0 digits/star "
			    "digits/pound digits/2");

	n = 0;
	assert_int_equal(vm_flow_digits(namev, 3, &n, "1001"), E2BIG);
	assert_int_equal(n, 0);
	assert_int_equal(vm_flow_digits(namev, 3, &n, ""), 0);
	assert_int_equal(n, 0);
}


static void check_time(unsigned h, unsigned m, const char *want)
{
	const char *namev[ROOM];
	char got[512];
	size_t n = 0;

	assert_int_equal(vm_flow_time(namev, ROOM, &n, h, m), 0);
	join(got, sizeof(got), namev, n);
	assert_string_equal(got, want);
}


static void test_time(void **state)
{
	const char *namev[ROOM];
	size_t n = 0;
	(void)state;

	check_time(14, 5, "digits/14 digits/0 digits/5");
	check_time(9, 30, "digits/9 digits/30");
	check_time(14, 0, "digits/14 digits/hundred");
	check_time(0, 42, "digits/0 digits/40 digits/2");
	assert_int_equal(vm_flow_time(namev, ROOM, &n, 24, 0), ERANGE);
	assert_int_equal(vm_flow_time(namev, ROOM, &n, 1, 60), ERANGE);
	assert_int_equal(n, 0);
}


static void put16(uint8_t *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}


static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}


/* A PCM WAV file: header fields as given, then data bytes of zeros.
 * sizes false: the RIFF and data sizes are left 0 (a recording the
 * engine had not closed). */
static void wav_write(const char *path, uint16_t fmt, uint16_t chans,
		      uint32_t rate, uint16_t bits, size_t data, bool sizes)
{
	uint8_t h[44];
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	memset(h, 0, sizeof(h));
	memcpy(h, "RIFF", 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, fmt);
	put16(h + 22, chans);
	put32(h + 24, rate);
	put32(h + 28, rate * chans * bits / 8);
	put16(h + 32, chans * bits / 8);
	put16(h + 34, bits);
	memcpy(h + 36, "data", 4);
	if (sizes) {
		put32(h + 4, (uint32_t)(36 + data));
		put32(h + 40, (uint32_t)data);
	}
	assert_int_equal(fwrite(h, 1, sizeof(h), f), sizeof(h));
	for (i = 0; i < data; i++)
		fputc(0, f);
	assert_int_equal(fclose(f), 0);
}


static void test_wav_ms(void **state)
{
	char path[] = "/tmp/test_vm_flow_XXXXXX";
	uint32_t ms = 12345;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);

	/* 8 kHz: 16000 bytes = 8000 samples = 1 s */
	wav_write(path, 1, 1, 8000, 16, 16000, true);
	assert_int_equal(vm_flow_wav_ms(path, &ms), 0);
	assert_int_equal(ms, 1000);

	/* 16 kHz: the same bytes are half a second */
	wav_write(path, 1, 1, 16000, 16, 16000, true);
	assert_int_equal(vm_flow_wav_ms(path, &ms), 0);
	assert_int_equal(ms, 500);

	/* sizes never written: the file's size counts */
	wav_write(path, 1, 1, 16000, 16, 96000, false);
	assert_int_equal(vm_flow_wav_ms(path, &ms), 0);
	assert_int_equal(ms, 3000);

	/* only the header: 0 ms */
	wav_write(path, 1, 1, 8000, 16, 0, true);
	assert_int_equal(vm_flow_wav_ms(path, &ms), 0);
	assert_int_equal(ms, 0);

	unlink(path);
}


static void test_wav_bad(void **state)
{
	char path[] = "/tmp/test_vm_flow_XXXXXX";
	uint32_t ms = 77;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "RIFF", 4), 4);
	close(fd);
	assert_int_equal(vm_flow_wav_ms(path, &ms), EINVAL);  /* short */

	wav_write(path, 1, 1, 8000, 8, 8000, true);           /* 8-bit */
	assert_int_equal(vm_flow_wav_ms(path, &ms), EINVAL);
	wav_write(path, 6, 1, 8000, 16, 8000, true);          /* A-law */
	assert_int_equal(vm_flow_wav_ms(path, &ms), EINVAL);
	wav_write(path, 1, 1, 0, 16, 8000, true);             /* rate 0 */
	assert_int_equal(vm_flow_wav_ms(path, &ms), EINVAL);
	assert_int_equal(ms, 77);

	unlink(path);
	assert_int_equal(vm_flow_wav_ms(path, &ms), ENOENT);
	assert_int_equal(vm_flow_wav_ms(NULL, &ms), EINVAL);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_number_limits),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_wav_ms),
		cmocka_unit_test(test_wav_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

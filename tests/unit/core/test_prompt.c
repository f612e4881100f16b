/* test_prompt.c: unit tests of WAV loading and writing (wav.c) and the
 * prompt cache (prompt.c).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixtures are written in C into a temporary folder at test time: PCM16,
 * A-law and µ-law files, stereo and 48 kHz, broken ones.  Tones are
 * checked with a Goertzel filter: a 1 kHz sine must stay at 1 kHz and
 * within 2 dB of its level through loading and resampling.
 */
#define _GNU_SOURCE       /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <rem_g711.h>
#include "core.h"
#include "audio.h"


enum {
	AMP     = 16000,          /* test tone amplitude (-6 dBFS)     */
	FMT_PCM = 1,
	FMT_FLT = 3,
	FMT_A   = 6,
	FMT_U   = 7,
};

static char tmpdir[64];


/* ---- fixtures ------------------------------------------------------- */

static void file_put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}


static const char *tpath(const char *name)
{
	static char buf[4][256];
	static unsigned i;
	char *p = buf[i++ % 4];

	(void)re_snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);

	return p;
}


static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}


static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}


/* A 44-byte canonical header. */
static void hdr_make(uint8_t h[44], uint16_t fmt, uint16_t ch,
		     uint32_t srate, uint16_t bps, uint32_t datasz)
{
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + datasz);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, fmt);
	le16(h + 22, ch);
	le32(h + 24, srate);
	le32(h + 28, srate * ch * bps / 8);
	le16(h + 32, (uint16_t)(ch * bps / 8));
	le16(h + 34, bps);
	memcpy(h + 36, "data", 4);
	le32(h + 40, datasz);
}


static int16_t sine_at(size_t i, uint32_t srate, double freq, double amp)
{
	return (int16_t)lrint(amp * sin(2 * M_PI * freq * (double)i /
					srate));
}


/* 1 s of a freq sine in format fmt (mono unless ch 2: left only). */
static void tone_file(const char *path, uint16_t fmt, uint16_t ch,
		      uint32_t srate, double freq)
{
	const uint16_t bps = fmt == FMT_PCM ? 16 : 8;
	const size_t framec = srate, datasz = framec * ch * bps / 8;
	uint8_t *buf = malloc(44 + datasz), *p = buf + 44;
	size_t i, c;

	assert_non_null(buf);
	hdr_make(buf, fmt, ch, srate, bps, (uint32_t)datasz);

	for (i = 0; i < framec; i++) {
		for (c = 0; c < ch; c++) {
			int16_t s = c ? 0 : sine_at(i, srate, freq, AMP);

			if (fmt == FMT_PCM) {
				le16(p, (uint16_t)s);
				p += 2;
			}
			else {
				*p++ = fmt == FMT_U ? g711_pcm2ulaw(s) :
					g711_pcm2alaw(s);
			}
		}
	}

	file_put(path, buf, 44 + datasz);
	free(buf);
}


/* ---- measuring -------------------------------------------------------- */

/* Amplitude of the freq component of s[0..n) (Goertzel). */
static double tone_amp(const int16_t *s, size_t n, uint32_t srate,
		       double freq)
{
	const double c = 2 * cos(2 * M_PI * freq / srate);
	double s0, s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s0 = s[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}

	return 2 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n;
}


static double db(double a, double ref)
{
	return 20 * log10(a / ref);
}


/* 100 ms from the middle: the freq tone is within 2 dB of amp and
 * dominates; a 1.4x higher and lower neighbour is 20 dB down. */
static void assert_tone(const int16_t *s, size_t sampc, uint32_t srate,
			double freq, double amp, double tol_db)
{
	const size_t n = srate / 10;
	const int16_t *w = s + sampc / 2 - n / 2;
	double a = tone_amp(w, n, srate, freq);

	assert_true(sampc > n);
	if (fabs(db(a, amp)) > tol_db)
		fail_msg("%.0f Hz at %u Hz: %.2f dB off", freq, srate,
			 db(a, amp));
	assert_true(db(tone_amp(w, n, srate, freq * 1.4), a) < -20);
	assert_true(db(tone_amp(w, n, srate, freq / 1.4), a) < -20);
}


/* ---- set-up ------------------------------------------------------------- */

static int rm_h(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;

	return remove(path);
}


static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_prompt.XXXXXX");

	return mkdtemp(tmpdir) ? 0 : -1;
}


static int teardown(void **state)
{
	(void)state;
	pbx_prompt_stop();

	return nftw(tmpdir, rm_h, 16, FTW_DEPTH | FTW_PHYS);
}


static int group_setup(void **state)
{
	(void)state;
	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);
	umask(022);

	return 0;
}


static int group_teardown(void **state)
{
	(void)state;
	pbx_core_free();
	libre_close();

	return 0;
}


static void conf_set(const char *fmt, const char *arg)
{
	struct pbx_conf *c = NULL;
	char text[512], err[128];

	(void)re_snprintf(text, sizeof(text), fmt, arg);
	assert_int_equal(pbx_conf_parse(&c, "t.conf", text, strlen(text),
					err, sizeof(err)), 0);
	pbx_conf_set_current(c);
	mem_deref(c);
}


/* ---- loading ---------------------------------------------------------- */

static void test_load_pcm16(void **state)
{
	const char *path = tpath("t16.wav");
	int16_t *s = NULL;
	size_t n = 0, i;
	(void)state;

	tone_file(path, FMT_PCM, 1, 16000, 1000);

	/* same rate: the samples as written */
	assert_int_equal(pbx_wav_load(&s, &n, path, 16000), 0);
	assert_int_equal(n, 16000);
	for (i = 0; i < n; i++)
		assert_int_equal(s[i], sine_at(i, 16000, 1000, AMP));
	assert_tone(s, n, 16000, 1000, AMP, 0.1);
	s = mem_deref(s);

	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
	assert_int_equal(n, 8000);
	assert_tone(s, n, 8000, 1000, AMP, 2);
	s = mem_deref(s);

	assert_int_equal(pbx_wav_load(&s, &n, path, 48000), 0);
	assert_int_equal(n, 48000);
	assert_tone(s, n, 48000, 1000, AMP, 2);
	s = mem_deref(s);
}


/* 16 -> 8 kHz keeps the telephone band: librem's filters cut at ~1.3 kHz
 * when used 8 <-> 16 kHz directly (2 kHz lost 41 dB); wav.c goes through
 * 48 kHz.  Its filters ripple, hence the wider tolerance. */
static void test_load_band(void **state)
{
	static const double freqv[] = {2000, 3000};
	const char *path = tpath("band.wav");
	int16_t *s = NULL;
	size_t n = 0, i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(freqv); i++) {
		tone_file(path, FMT_PCM, 1, 16000, freqv[i]);
		assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
		assert_tone(s, n, 8000, freqv[i], AMP, 3);
		s = mem_deref(s);

		tone_file(path, FMT_PCM, 1, 8000, freqv[i]);
		assert_int_equal(pbx_wav_load(&s, &n, path, 16000), 0);
		assert_tone(s, n, 16000, freqv[i], AMP, 4);
		s = mem_deref(s);
	}
}


static void test_load_law(void **state)
{
	static const uint16_t fmtv[] = {FMT_U, FMT_A};
	const char *path = tpath("law.wav");
	int16_t *s = NULL;
	size_t n = 0, i, j;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(fmtv); i++) {
		tone_file(path, fmtv[i], 1, 8000, 1000);

		assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
		assert_int_equal(n, 8000);
		/* G.711 keeps each sample within its step (< 4 %) */
		for (j = 0; j < n; j++)
			assert_in_range(s[j] - sine_at(j, 8000, 1000, AMP) +
					AMP / 25, 0, 2 * AMP / 25);
		assert_tone(s, n, 8000, 1000, AMP, 0.5);
		s = mem_deref(s);

		assert_int_equal(pbx_wav_load(&s, &n, path, 16000), 0);
		assert_int_equal(n, 16000);
		assert_tone(s, n, 16000, 1000, AMP, 2);
		s = mem_deref(s);
	}
}


/* Stereo is averaged: left sine, right silent -> half the level. */
static void test_load_stereo48(void **state)
{
	const char *path = tpath("st48.wav");
	int16_t *s = NULL;
	size_t n = 0;
	(void)state;

	tone_file(path, FMT_PCM, 2, 48000, 1000);

	assert_int_equal(pbx_wav_load(&s, &n, path, 16000), 0);
	assert_int_equal(n, 16000);
	assert_tone(s, n, 16000, 1000, AMP / 2, 2);
	s = mem_deref(s);

	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
	assert_int_equal(n, 8000);
	assert_tone(s, n, 8000, 1000, AMP / 2, 2);
	s = mem_deref(s);
}


/* Chunks between fmt and data (LIST, fact) are skipped; fmt may carry
 * extra bytes. */
static void test_load_chunks(void **state)
{
	const char *path = tpath("chunks.wav");
	uint8_t buf[12 + 8 + 20 + 8 + 12 + 8 + 8];   /* 76 bytes */
	int16_t *s = NULL;
	size_t n = 0;
	uint8_t *p = buf;
	(void)state;

	memcpy(p, "RIFF", 4);
	le32(p + 4, sizeof(buf) - 8);
	memcpy(p + 8, "WAVEfmt ", 8);
	le32(p + 16, 20);                  /* 16 + cbSize + 2 extra */
	le16(p + 20, FMT_PCM);
	le16(p + 22, 1);
	le32(p + 24, 8000);
	le32(p + 28, 16000);
	le16(p + 32, 2);
	le16(p + 34, 16);
	le16(p + 36, 2);                   /* cbSize */
	le16(p + 38, 0xbeef);
	p += 40;
	memcpy(p, "LIST", 4);
	le32(p + 4, 12);
	memcpy(p + 8, "INFOabcdefgh", 12);
	p += 20;
	memcpy(p, "data", 4);
	le32(p + 4, 8);
	p += 8;
	le16(p, 100);
	le16(p + 2, (uint16_t)-100);
	le16(p + 4, 32767);
	le16(p + 6, (uint16_t)-32768);
	p += 8;
	assert_int_equal((size_t)(p - buf), sizeof(buf));
	file_put(path, buf, sizeof(buf));

	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
	assert_int_equal(n, 4);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], -100);
	assert_int_equal(s[2], 32767);
	assert_int_equal(s[3], -32768);
	mem_deref(s);
}


static void assert_load_fails(const char *path, uint32_t srate)
{
	int16_t *s = (int16_t *)0x1;
	size_t n = 77;

	assert_int_not_equal(pbx_wav_load(&s, &n, path, srate), 0);
	assert_ptr_equal(s, (int16_t *)0x1);    /* untouched */
	assert_int_equal(n, 77);
}


static void test_load_bad(void **state)
{
	const char *path = tpath("bad.wav");
	uint8_t good[44 + 320], h[44];
	int16_t *s = NULL;
	size_t n, len;
	(void)state;

	hdr_make(good, FMT_PCM, 1, 8000, 16, 320);
	memset(good + 44, 0x11, 320);

	/* every cut inside the header, and inside the data */
	for (len = 0; len < 44; len++) {
		file_put(path, good, len);
		assert_load_fails(path, 8000);
	}
	file_put(path, good, 44 + 100);
	assert_load_fails(path, 8000);

	file_put(path, good, sizeof(good));
	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
	assert_int_equal(n, 160);
	s = mem_deref(s);

	file_put(path, "hello, this is not a wave file at all.\n"
		 "not at all, not at all.\n", 64);
	assert_load_fails(path, 8000);

	/* a header without a data chunk: aufile would seek for ever */
	memcpy(h, good, 36);
	le32(h + 4, 28);
	file_put(path, h, 36);
	assert_load_fails(path, 8000);
	memcpy(h + 36, "LIST", 4);
	le32(h + 40, 4);
	file_put(path, h, 44);
	assert_load_fails(path, 8000);

	/* formats we do not read */
	hdr_make(h, FMT_FLT, 1, 8000, 32, 0);
	file_put(path, h, 44);
	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), ENOTSUP);
	hdr_make(h, FMT_PCM, 1, 8000, 24, 0);
	file_put(path, h, 44);
	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), ENOTSUP);
	hdr_make(h, FMT_PCM, 6, 8000, 16, 0);
	file_put(path, h, 44);
	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), ENOTSUP);

	/* a rate librem cannot convert; no samples; bad arguments */
	hdr_make(good, FMT_PCM, 1, 11025, 16, 320);
	file_put(path, good, sizeof(good));
	assert_load_fails(path, 8000);
	hdr_make(h, FMT_PCM, 1, 8000, 16, 0);
	file_put(path, h, 44);
	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), ENODATA);
	assert_int_equal(pbx_wav_load(&s, &n, path, 0), EINVAL);
	assert_int_equal(pbx_wav_load(&s, &n, NULL, 8000), EINVAL);

	assert_int_equal(pbx_wav_load(&s, &n, tpath("none.wav"), 8000),
			 ENOENT);
	assert_int_equal(pbx_wav_load(&s, &n, tmpdir, 8000), EISDIR);
	assert_null(s);
}


/* ---- writing ---------------------------------------------------------- */

static void frames_write(struct pbx_wav *w, size_t from, size_t framec)
{
	int16_t pcm[160];
	size_t f, i;

	for (f = from; f < from + framec; f++) {
		for (i = 0; i < 160; i++)
			pcm[i] = sine_at(f * 160 + i, 8000, 1000, AMP);
		assert_int_equal(pbx_wav_write(w, pcm, 160), 0);
	}
}


static void assert_file(const char *path, size_t sampc)
{
	int16_t *s = NULL;
	size_t n = 0, i;

	assert_int_equal(pbx_wav_load(&s, &n, path, 8000), 0);
	assert_int_equal(n, sampc);
	for (i = 0; i < n; i++)
		assert_int_equal(s[i], sine_at(i, 8000, 1000, AMP));
	mem_deref(s);
}


static void test_writer(void **state)
{
	const char *path = tpath("rec/sub/msg.wav");
	struct pbx_wav *w = NULL;
	struct stat st;
	(void)state;

	/* parents made 0750, the file 0640 */
	assert_int_equal(pbx_wav_create(&w, path, 8000), 0);
	assert_int_equal(stat(tpath("rec/sub"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* 1.5 s; the header on disk already covers the first second */
	frames_write(w, 0, 75);
	assert_int_equal(pbx_wav_samples(w), 12000);
	assert_file(path, 8000);

	/* hang-up: no close, the destructor finishes the header */
	w = mem_deref(w);
	assert_file(path, 12000);

	/* the same with close */
	assert_int_equal(pbx_wav_create(&w, path, 8000), 0);
	frames_write(w, 0, 75);
	assert_int_equal(pbx_wav_close(w), 0);
	assert_file(path, 12000);
	assert_int_equal(pbx_wav_close(w), 0);
	assert_int_equal(pbx_wav_write(w, (int16_t[1]){0}, 1), EINVAL);
	assert_int_equal(pbx_wav_samples(w), 12000);
	w = mem_deref(w);
	assert_file(path, 12000);

	/* an empty recording is a valid file with no samples */
	assert_int_equal(pbx_wav_create(&w, path, 16000), 0);
	assert_int_equal(pbx_wav_close(w), 0);
	w = mem_deref(w);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 44);
}


static void test_writer_errors(void **state)
{
	struct pbx_wav *w = NULL;
	int16_t pcm[8000] = {0};
	(void)state;

	/* a parent that is a file */
	file_put(tpath("plain"), "x", 1);
	assert_int_not_equal(pbx_wav_create(&w, tpath("plain/a.wav"), 8000),
			     0);
	assert_null(w);
	assert_int_equal(pbx_wav_create(&w, tpath("x.wav"), 0), EINVAL);
	assert_int_equal(pbx_wav_create(&w, "", 8000), EINVAL);

	/* a full disk: the first flush fails, later calls report it */
	if (access("/dev/full", W_OK))
		return;
	assert_int_equal(pbx_wav_create(&w, "/dev/full", 8000), 0);
	assert_int_equal(pbx_wav_write(w, pcm, 8000), ENOSPC);
	assert_int_equal(pbx_wav_write(w, pcm, 1), ENOSPC);
	assert_int_equal(pbx_wav_close(w), ENOSPC);
	mem_deref(w);
}


/* ---- the cache ---------------------------------------------------------- */

static void test_cache(void **state)
{
	struct pbx_prompt p;
	(void)state;

	assert_int_equal(mkdir(tpath("s"), 0750), 0);
	assert_int_equal(mkdir(tpath("s/digits"), 0750), 0);
	assert_int_equal(mkdir(tpath("s/a"), 0750), 0);
	assert_int_equal(mkdir(tpath("s/a/b"), 0750), 0);
	tone_file(tpath("s/hello.wav"), FMT_PCM, 1, 16000, 1000);
	tone_file(tpath("s/digits/5.wav"), FMT_U, 1, 8000, 1000);
	tone_file(tpath("s/a/b/deep.wav"), FMT_A, 2, 8000, 1000);
	tone_file(tpath("s/.hidden.wav"), FMT_PCM, 1, 8000, 1000);
	file_put(tpath("s/broken.wav"), "RIFF", 4);
	file_put(tpath("s/notes.txt"), "hi", 2);
	file_put(tpath("s/.wav"), "", 0);

	conf_set("sounds_dir %s\n", tpath("s"));
	assert_int_equal(pbx_prompt_start(), 0);
	assert_int_equal(pbx_prompt_count(), 3);

	assert_int_equal(pbx_prompt_get(&p, "hello", 8000), 0);
	assert_int_equal(p.srate, 8000);
	assert_int_equal(p.sampc, 8000);
	assert_tone(p.samp, p.sampc, 8000, 1000, AMP, 2);
	assert_int_equal(pbx_prompt_get(&p, "hello", 16000), 0);
	assert_int_equal(p.srate, 16000);
	assert_int_equal(p.sampc, 16000);
	assert_int_equal(p.samp[4], sine_at(4, 16000, 1000, AMP));

	assert_int_equal(pbx_prompt_get(&p, "digits/5", 16000), 0);
	assert_int_equal(p.sampc, 16000);
	assert_tone(p.samp, p.sampc, 16000, 1000, AMP, 2);
	assert_int_equal(pbx_prompt_get(&p, "a/b/deep", 8000), 0);
	assert_tone(p.samp, p.sampc, 8000, 1000, AMP / 2, 2);

	assert_int_equal(pbx_prompt_get(&p, "broken", 8000), ENOENT);
	assert_int_equal(pbx_prompt_get(&p, "hello.wav", 8000), ENOENT);
	assert_int_equal(pbx_prompt_get(&p, ".hidden", 8000), ENOENT);
	assert_int_equal(pbx_prompt_get(&p, "notes", 8000), ENOENT);
	assert_int_equal(pbx_prompt_get(&p, "digits", 8000), ENOENT);
	assert_int_equal(pbx_prompt_get(&p, "../s/hello", 8000), EINVAL);
	assert_int_equal(pbx_prompt_get(&p, "a/../hello", 8000), EINVAL);
	assert_int_equal(pbx_prompt_get(&p, "", 8000), EINVAL);
	assert_int_equal(pbx_prompt_get(&p, NULL, 8000), EINVAL);
	assert_int_equal(pbx_prompt_get(NULL, "hello", 8000), EINVAL);
	assert_int_equal(pbx_prompt_get(&p, "hello", 48000), EINVAL);
	assert_int_equal(pbx_prompt_get(&p, "hello", 0), EINVAL);

	/* a restart reloads; stop empties */
	assert_int_equal(remove(tpath("s/hello.wav")), 0);
	assert_int_equal(pbx_prompt_start(), 0);
	assert_int_equal(pbx_prompt_count(), 2);
	assert_int_equal(pbx_prompt_get(&p, "hello", 8000), ENOENT);
	pbx_prompt_stop();
	assert_int_equal(pbx_prompt_count(), 0);
	assert_int_equal(pbx_prompt_get(&p, "digits/5", 8000), ENOENT);
}


/* A missing sounds_dir is not fatal: no prompts. */
static void test_cache_nodir(void **state)
{
	struct pbx_prompt p;
	(void)state;

	conf_set("sounds_dir %s\n", tpath("missing"));
	assert_int_equal(pbx_prompt_start(), 0);
	assert_int_equal(pbx_prompt_count(), 0);
	assert_int_equal(pbx_prompt_get(&p, "digits/1", 8000), ENOENT);

	file_put(tpath("file"), "x", 1);
	conf_set("sounds_dir %s\n", tpath("file"));
	assert_int_equal(pbx_prompt_start(), 0);
	assert_int_equal(pbx_prompt_count(), 0);
}


/* The committed prompts (sounds/): every name the PBX and its modules
 * use loads, 16 kHz files at both rates.  Run from the source tree. */
static void test_shipped(void **state)
{
	static const char *const names[] = {
		"digits/0", "digits/9", "digits/10", "digits/19",
		"digits/20", "digits/90", "digits/hundred",
		"digits/thousand", "digits/million", "digits/minus",
		"digits/star", "digits/pound", "enter-pin", "invalid",
		"goodbye", "welcome", "transfer", "beep", "moh",
		"vm-busy", "vm-unavail", "vm-extension", "vm-leave",
		"vm-saved", "vm-youhave", "vm-new", "vm-old", "vm-message",
		"vm-messages", "vm-and", "vm-nomore", "vm-menu", "vm-main",
		"vm-options", "vm-deleted", "vm-saved-msg", "vm-from",
		"vm-received", "vm-record-greeting", "vm-pin-changed",
		"vm-too-short", "conf-joined", "conf-only", "conf-locked",
		"conf-muted", "conf-unmuted", "conf-enter-pin",
	};
	struct pbx_prompt nb, wb;
	size_t i;
	(void)state;

	if (access("sounds/digits/0.wav", R_OK))
		skip();

	conf_set("sounds_dir %s\n", "sounds");
	assert_int_equal(pbx_prompt_start(), 0);
	assert_int_equal(pbx_prompt_count(), 69);

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		assert_int_equal(pbx_prompt_get(&nb, names[i], 8000), 0);
		assert_int_equal(pbx_prompt_get(&wb, names[i], 16000), 0);
		assert_true(nb.sampc > 1600);          /* > 0.2 s */
		assert_in_range(wb.sampc, 2 * nb.sampc - 8,
				2 * nb.sampc + 8);
	}

	/* beep: 250 ms of 1 kHz at -3 dBFS */
	assert_int_equal(pbx_prompt_get(&nb, "beep", 8000), 0);
	assert_int_equal(nb.sampc, 2000);
	assert_tone(nb.samp, nb.sampc, 8000, 1000, 32767 * 0.708, 2);
	assert_int_equal(pbx_prompt_get(&wb, "moh", 16000), 0);
	assert_in_range(wb.sampc, 15 * 16000, 25 * 16000);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_pcm16, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_band, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_law, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_stereo48, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_bad, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_nodir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shipped, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("prompt", tests, group_setup,
					   group_teardown);
}

/* wav.c: WAV files: whole-file loading (prompts) and a PCM16 writer.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Loading goes through librem's aufile, which reads PCM16, A-law and
 * µ-law.  aufile trusts the header, though: at end of file its reads
 * "succeed" with stale values, so a file cut inside its header makes it
 * read uninitialised memory or seek past the end for ever looking for
 * "data".  wav_check() therefore walks the chunks first, the same way
 * aufile will (fmt first, its extra bytes, then chunks without RIFF's pad
 * byte), and only a file that passes goes to aufile.
 *
 * Resampling is pbx_resamp's (resamp.c: 8 <-> 16 kHz goes through
 * 48 kHz, where librem's filters are right).  Prompts are loaded once
 * at start, so its cost does not matter at call time.
 *
 * The writer is our own: a 44-byte PCM16 header, rewritten with the sizes
 * about once a second while recording, so a crash leaves a file that
 * plays up to the last second, and at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include <rem_au.h>
#include <rem_aufile.h>
#include <rem_g711.h>
#include "core.h"
#include "audio.h"


enum {
	WAV_HDR       = 44,         /* bytes of our PCM16 header         */
	WAV_FMT_PCM   = 1,
	WAV_FMT_ALAW  = 6,
	WAV_FMT_ULAW  = 7,
	WAV_FMT_MIN   = 16,         /* bytes of a "fmt " chunk body      */
	CH_MAX        = 2,          /* mono or stereo                    */
	CHUNK         = 960,        /* frames per step                   */
	OUT_MAX       = CHUNK * 6,  /* after up-sampling 8 -> 48 kHz     */
	LOAD_MAX      = 128 << 20,  /* bytes of audio data we load       */
	WRITE_BUF     = 512,        /* samples converted per fwrite      */
};

/* What wav_check found: the parts pbx_wav_load needs. */
struct wav_info {
	uint16_t format;            /* WAV_FMT_*                         */
	uint16_t channels;
	uint16_t bps;               /* bits per sample                   */
	uint32_t srate;             /* Hz                                */
	uint32_t datasz;            /* bytes in the data chunk           */
};


static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}


static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}


static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}


/* Reads exactly n bytes at off; EBADMSG if the file is shorter. */
static int read_at(FILE *f, long off, uint8_t *buf, size_t n)
{
	if (fseek(f, off, SEEK_SET))
		return errno;
	if (fread(buf, 1, n, f) != n)
		return ferror(f) ? EIO : EBADMSG;

	return 0;
}


static int fmt_check(struct wav_info *wi, const uint8_t *p)
{
	wi->format = get_u16(p);
	wi->channels = get_u16(p + 2);
	wi->srate = get_u32(p + 4);
	wi->bps = get_u16(p + 14);

	if (!wi->channels || !wi->srate)
		return EBADMSG;

	switch (wi->format) {

	case WAV_FMT_PCM:
		if (wi->bps != 16)
			return ENOTSUP;
		break;

	case WAV_FMT_ALAW:
	case WAV_FMT_ULAW:
		if (wi->bps != 8)
			return ENOTSUP;
		break;

	default:
		return ENOTSUP;   /* float, 24-bit, EXTENSIBLE, ADPCM, ... */
	}

	return wi->channels > CH_MAX ? ENOTSUP : 0;
}


/* Walks the header of f (size bytes) as aufile will read it. */
static int chunks_check(struct wav_info *wi, FILE *f, uint64_t size)
{
	uint8_t b[WAV_FMT_MIN + 2];
	uint64_t off, fmtend;
	uint32_t riffsz, sz;
	int err;

	err = read_at(f, 0, b, 12);
	if (err)
		return err;
	if (memcmp(b, "RIFF", 4) || memcmp(b + 8, "WAVE", 4))
		return EBADMSG;
	riffsz = get_u32(b + 4);

	/* aufile wants "fmt " first and skips "extra" bytes after it */
	err = read_at(f, 12, b, 8);
	if (err)
		return err;
	sz = get_u32(b + 4);
	if (memcmp(b, "fmt ", 4) || sz < WAV_FMT_MIN || sz > riffsz)
		return EBADMSG;
	err = read_at(f, 20, b, sz >= WAV_FMT_MIN + 2 ? WAV_FMT_MIN + 2 :
		      WAV_FMT_MIN);
	if (err)
		return err;
	err = fmt_check(wi, b);
	if (err)
		return err;
	fmtend = 20 + (uint64_t)WAV_FMT_MIN;
	if (sz >= WAV_FMT_MIN + 2)
		fmtend += 2 + get_u16(b + WAV_FMT_MIN);
	if (fmtend != 20 + (uint64_t)sz)
		return EBADMSG;   /* aufile would land inside the chunk */

	for (off = fmtend;;) {
		if (off + 8 > size)
			return EBADMSG;   /* no "data" chunk */
		err = read_at(f, (long)off, b, 8);
		if (err)
			return err;
		sz = get_u32(b + 4);
		if (sz > riffsz)
			return EBADMSG;   /* aufile refuses it too */
		off += 8;
		if (!memcmp(b, "data", 4))
			break;
		off += sz;
	}

	if (off + sz > size)
		return EBADMSG;   /* truncated: data ends past the file */

	wi->datasz = sz;

	return 0;
}


static int wav_check(struct wav_info *wi, const char *path)
{
	struct stat st;
	FILE *f;
	int fd, err;

	/* O_NONBLOCK: a FIFO must not hang the loop (regular files ignore
	 * it); aufile only gets the path once it is known to be a file */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "rb");
	if (!f) {
		err = errno;
		(void)close(fd);
		return err;
	}

	if (fstat(fileno(f), &st)) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EISDIR;
		goto out;
	}

	err = chunks_check(wi, f, (uint64_t)st.st_size);

 out:
	(void)fclose(f);

	return err;
}


/* raw (frames of wi's format) -> mono int16 */
static void to_mono(int16_t *out, const uint8_t *raw, size_t framec,
		    const struct wav_info *wi)
{
	const size_t ssz = wi->bps / 8;
	size_t i, c;

	for (i = 0; i < framec; i++) {
		int32_t sum = 0;

		for (c = 0; c < wi->channels; c++) {
			const uint8_t *p = raw + (i * wi->channels + c) * ssz;

			if (wi->format == WAV_FMT_PCM)
				sum += (int16_t)get_u16(p);
			else if (wi->format == WAV_FMT_ULAW)
				sum += g711_ulaw2pcm(*p);
			else
				sum += g711_alaw2pcm(*p);
		}

		out[i] = (int16_t)(sum / wi->channels);
	}
}


/* Reads af to the end into samp (room for cap samples). */
static int load_data(int16_t *samp, size_t cap, size_t *sampcp,
		     struct aufile *af, const struct wav_info *wi,
		     uint32_t srate)
{
	const size_t fsz = wi->channels * (wi->bps / 8u);
	uint8_t raw[CHUNK * CH_MAX * 2];
	int16_t mono[CHUNK], out[OUT_MAX];
	struct pbx_resamp *rs = NULL;
	size_t n = 0;
	int err;

	err = pbx_resamp_alloc(&rs, wi->srate, srate);
	if (err)
		return err;

	for (;;) {
		size_t sz = CHUNK * fsz, outc = OUT_MAX;

		err = aufile_read(af, raw, &sz);
		if (err || sz < fsz)
			break;

		to_mono(mono, raw, sz / fsz, wi);
		err = pbx_resamp_run(rs, out, &outc, mono, sz / fsz);
		if (err)
			break;

		outc = min(outc, cap - n);
		memcpy(samp + n, out, outc * sizeof(*samp));
		n += outc;
	}

	mem_deref(rs);
	*sampcp = n;

	return err;
}


int pbx_wav_load(int16_t **sampp, size_t *sampcp, const char *path,
		 uint32_t srate)
{
	struct aufile_prm prm;
	struct aufile *af = NULL;
	struct wav_info wi;
	int16_t *samp = NULL;
	size_t framec, cap, n = 0;
	int err;

	if (!sampp || !sampcp || !path || !srate)
		return EINVAL;

	err = wav_check(&wi, path);
	if (err)
		return err;
	if (wi.datasz > LOAD_MAX)
		return EFBIG;

	framec = wi.datasz / (wi.channels * (wi.bps / 8u));
	if (!framec)
		return ENODATA;

	err = aufile_open(&af, &prm, path, AUFILE_READ);
	if (err)
		return err;

	/* one stage never gives more than framec * srate / wi.srate */
	cap = (size_t)((uint64_t)framec * srate / wi.srate) + 1;
	samp = mem_alloc(cap * sizeof(*samp), NULL);
	if (!samp) {
		err = ENOMEM;
		goto out;
	}

	err = load_data(samp, cap, &n, af, &wi, srate);
	if (!err && !n)
		err = ENODATA;

 out:
	mem_deref(af);
	if (err) {
		mem_deref(samp);
	}
	else {
		*sampp = samp;
		*sampcp = n;
	}

	return err;
}


/* ---- the writer ----------------------------------------------------- */

struct pbx_wav {
	FILE *f;                    /* owned; NULL once closed           */
	uint32_t srate;             /* Hz                                */
	size_t sampc;               /* samples written                   */
	size_t synced;              /* sampc when the header was updated */
	int err;                    /* first error seen, 0 if none       */
};

enum {
	/* RIFF sizes are 32-bit: 36 + data bytes must fit */
	WAV_DATA_MAX = 0xffffffffu - 36,
};


static void header_make(uint8_t h[WAV_HDR], uint32_t srate, size_t sampc)
{
	const uint32_t bytes = (uint32_t)(sampc * 2);

	memcpy(h, "RIFF", 4);
	put_u32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_u32(h + 16, WAV_FMT_MIN);
	put_u16(h + 20, WAV_FMT_PCM);
	put_u16(h + 22, 1);             /* channels               */
	put_u32(h + 24, srate);
	put_u32(h + 28, srate * 2);     /* bytes per second       */
	put_u16(h + 32, 2);             /* bytes per frame        */
	put_u16(h + 34, 16);            /* bits per sample        */
	memcpy(h + 36, "data", 4);
	put_u32(h + 40, bytes);
}


static void wav_error(struct pbx_wav *w, int err)
{
	if (!w->err)
		w->err = err ? err : EIO;
}


/* Rewrites the header with the current sizes and hands everything to
 * the kernel (fflush), so that a crash of pbxd loses nothing written. */
static void header_update(struct pbx_wav *w)
{
	uint8_t h[WAV_HDR];

	header_make(h, w->srate, w->sampc);
	if (fseek(w->f, 0, SEEK_SET) ||
	    fwrite(h, sizeof(h), 1, w->f) != 1 ||
	    fseek(w->f, 0, SEEK_END) || fflush(w->f))
		wav_error(w, errno);

	w->synced = w->sampc;
}


static void wav_destructor(void *arg)
{
	struct pbx_wav *w = arg;

	if (!w->f)
		return;

	header_update(w);
	(void)fclose(w->f);
}


/* mkdir -p of path's parent folders, mode 0750. */
static int parents_make(const char *path)
{
	char *dir = NULL, *p;
	int err;

	err = str_dup(&dir, path);
	if (err)
		return err;

	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		struct stat st;

		*p = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST) {
			err = errno;
			break;
		}
		if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
			err = ENOTDIR;
			break;
		}
		*p = '/';
	}

	mem_deref(dir);

	return err;
}


int pbx_wav_create(struct pbx_wav **wp, const char *path, uint32_t srate)
{
	uint8_t h[WAV_HDR];
	struct pbx_wav *w;
	int fd, err;

	if (!wp || !path || !*path || !srate)
		return EINVAL;

	err = parents_make(path);
	if (err)
		return err;

	w = mem_zalloc(sizeof(*w), wav_destructor);
	if (!w)
		return ENOMEM;
	w->srate = srate;

	/* 0640: recordings are voicemail, not for every local user */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		err = errno;
		(void)close(fd);
		goto out;
	}

	header_make(h, srate, 0);
	if (fwrite(h, sizeof(h), 1, w->f) != 1)
		err = errno ? errno : EIO;

 out:
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}


int pbx_wav_write(struct pbx_wav *w, const int16_t *pcm, size_t sampc)
{
	uint8_t buf[WRITE_BUF * 2];
	size_t i, n;

	if (!w || (!pcm && sampc) || !w->f)
		return EINVAL;
	if (w->err)
		return w->err;
	if (sampc > (WAV_DATA_MAX / 2) - w->sampc)
		return EFBIG;

	while (sampc) {
		n = min(sampc, (size_t)WRITE_BUF);
		for (i = 0; i < n; i++)
			put_u16(buf + 2 * i, (uint16_t)pcm[i]);

		if (fwrite(buf, 2, n, w->f) != n) {
			wav_error(w, errno);
			return w->err;
		}

		w->sampc += n;
		pcm += n;
		sampc -= n;
	}

	if (w->sampc - w->synced >= w->srate)
		header_update(w);

	return w->err;
}


size_t pbx_wav_samples(const struct pbx_wav *w)
{
	return w ? w->sampc : 0;
}


int pbx_wav_close(struct pbx_wav *w)
{
	if (!w)
		return EINVAL;
	if (!w->f)
		return w->err;

	header_update(w);
	if (fsync(fileno(w->f)))
		wav_error(w, errno);
	if (fclose(w->f))
		wav_error(w, errno);
	w->f = NULL;

	return w->err;
}

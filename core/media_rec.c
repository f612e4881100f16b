/* media_rec.c: a recording of what a leg's peer says, to a WAV file,
 * with its stop rules (length, silence, terminator digits).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Frames come from the media clock in real time (silence where the peer
 * sent nothing), so the file's length is the time that passed.  Silence
 * is energy-based: a frame whose RMS level is below silence_dbfs counts
 * as silent; silence_ms of silent frames in a row ends the recording.
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


struct media_rec {
	struct pbx_wav *wav;          /* owned                           */
	uint32_t srate;
	uint32_t max_ms;
	uint32_t silence_ms;
	double floor;                 /* mean square below which: silent */
	uint32_t ms;                  /* recorded so far                 */
	uint32_t quiet_ms;            /* silent frames in a row, ms      */
	char term[20];                /* terminator digits               */
	int err;                      /* first write error               */
};


static void rec_destructor(void *arg)
{
	struct media_rec *r = arg;

	mem_deref(r->wav);            /* a valid file even when cut off */
}


int pbx_media_rec_alloc(struct media_rec **rp, const char *path,
			uint32_t srate, const struct pbx_media_rec_prm *prm)
{
	struct media_rec *r;
	double amp;
	int err;

	if (!rp || !path || !prm)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), rec_destructor);
	if (!r)
		return ENOMEM;

	r->srate = srate;
	r->max_ms = prm->max_ms;
	r->silence_ms = prm->silence_ms;
	amp = 32767.0 * pow(10.0, (prm->silence_dbfs ? prm->silence_dbfs :
				   -45) / 20.0);
	r->floor = amp * amp;
	if (prm->terminators)
		str_ncpy(r->term, prm->terminators, sizeof(r->term));

	err = pbx_wav_create(&r->wav, path, srate);
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}


static bool frame_silent(const struct media_rec *r, const int16_t *pcm,
			 size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];

	return !n || sum / (double)n < r->floor;
}


bool pbx_media_rec_write(struct media_rec *r, const int16_t *pcm, size_t n)
{
	int err;

	err = pbx_wav_write(r->wav, pcm, n);
	if (err && !r->err)
		r->err = err;
	if (err)
		return true;

	r->ms += (uint32_t)(n * 1000 / r->srate);

	if (frame_silent(r, pcm, n))
		r->quiet_ms += (uint32_t)(n * 1000 / r->srate);
	else
		r->quiet_ms = 0;

	if (r->max_ms && r->ms >= r->max_ms)
		return true;

	return r->silence_ms && r->quiet_ms >= r->silence_ms;
}


bool pbx_media_rec_terminator(const struct media_rec *r, char digit)
{
	return digit && strchr(r->term, digit) != NULL;
}


int pbx_media_rec_close(struct media_rec *r, uint32_t *msp)
{
	int err;

	if (!r)
		return EINVAL;

	err = pbx_wav_close(r->wav);
	if (msp)
		*msp = (uint32_t)(pbx_wav_samples(r->wav) * 1000 / r->srate);

	return r->err ? r->err : err;
}

/* media_play.c: the sources pbxd plays to a leg: prompts, WAV files and
 * tones, one 20 ms frame at a time.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A prompt list mixes cached prompts ("digits/5") and files by path
 * (anything ending in ".wav").  Prompt names are checked when the list is
 * made, so a typo fails the Lua call at once instead of playing half a
 * sentence; files are read when their turn comes (a long voicemail
 * message is read once, not kept in the cache).  Items follow each other
 * without a gap; the last frame is padded with silence.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	NAMES_MAX = 64,
};

struct media_src {
	char *namev[NAMES_MAX];       /* owned                           */
	size_t namec;
	size_t next;                  /* next item to open               */
	uint32_t srate;

	const int16_t *samp;          /* the current item's samples      */
	size_t sampc;
	size_t pos;
	int16_t *file;                /* owned: samples of a file item   */

	struct pbx_tone *tone;        /* owned                           */
	uint32_t ms_left;             /* tone: 0 runs as long as it does */
	bool timed;
};


static void src_destructor(void *arg)
{
	struct media_src *s = arg;
	size_t i;

	for (i = 0; i < s->namec; i++)
		mem_deref(s->namev[i]);
	mem_deref(s->file);
	mem_deref(s->tone);
}


static bool is_path(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !str_casecmp(name + n - 4, ".wav");
}


int pbx_media_src_prompts(struct media_src **sp, const char *const *namev,
			  size_t namec, uint32_t srate)
{
	struct pbx_prompt p;
	struct media_src *s;
	size_t i;
	int err = 0;

	if (!sp || !namev || !namec)
		return EINVAL;
	if (namec > NAMES_MAX)
		return E2BIG;

	s = mem_zalloc(sizeof(*s), src_destructor);
	if (!s)
		return ENOMEM;

	s->srate = srate;
	for (i = 0; i < namec && !err; i++) {
		if (!namev[i] || !*namev[i])
			err = EINVAL;
		else if (!is_path(namev[i]))
			err = pbx_prompt_get(&p, namev[i], srate);
		if (!err)
			err = str_dup(&s->namev[s->namec++], namev[i]);
	}

	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


int pbx_media_src_tone(struct media_src **sp, const char *zone,
		       const char *name, uint32_t ms, uint32_t srate)
{
	struct media_src *s;
	int err;

	if (!sp || !name)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), src_destructor);
	if (!s)
		return ENOMEM;

	s->srate = srate;
	s->ms_left = ms;
	s->timed = ms > 0;
	err = pbx_tone_alloc(&s->tone, zone, name, srate);
	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


/* Opens the next item; false when there is none left. */
static bool item_next(struct media_src *s)
{
	struct pbx_prompt p;
	size_t sampc;

	s->file = mem_deref(s->file);
	s->samp = NULL;
	s->sampc = s->pos = 0;

	while (s->next < s->namec) {
		const char *name = s->namev[s->next++];

		if (!is_path(name)) {
			if (pbx_prompt_get(&p, name, s->srate))
				continue;
			s->samp = p.samp;
			s->sampc = p.sampc;
			return true;
		}

		if (pbx_wav_load(&s->file, &sampc, name, s->srate)) {
			pbx_log(PBX_LOG_WARN, "media: cannot play %s", name);
			continue;
		}
		s->samp = s->file;
		s->sampc = sampc;
		return true;
	}

	return false;
}


static bool tone_read(struct media_src *s, int16_t *pcm, size_t n)
{
	if (s->timed && !s->ms_left)
		return false;

	if (!pbx_tone_read(s->tone, pcm, n))
		return false;

	if (s->timed)
		s->ms_left = s->ms_left > PBX_PTIME ? s->ms_left - PBX_PTIME
			: 0;

	return true;
}


bool pbx_media_src_read(struct media_src *s, int16_t *pcm, size_t n)
{
	size_t got = 0;

	if (!s)
		return false;
	if (s->tone)
		return tone_read(s, pcm, n);

	while (got < n) {
		size_t k;

		if (s->pos >= s->sampc && !item_next(s))
			break;

		k = s->sampc - s->pos;
		if (k > n - got)
			k = n - got;
		memcpy(pcm + got, s->samp + s->pos, k * sizeof(*pcm));
		s->pos += k;
		got += k;
	}

	if (!got)
		return false;

	memset(pcm + got, 0, (n - got) * sizeof(*pcm));

	return true;
}

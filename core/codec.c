/* codec.c: the registry of audio codecs and the encoder/decoder wrappers.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The registry lives in the core context (pbx_core()->codecs).  Each
 * registration gets its own list entry that points at the registrant's
 * static const descriptor.  An encoder or decoder holds a reference on its
 * entry and counts itself in entry->users, so pbx_codec_unregister can
 * refuse (EBUSY) while a call still runs the codec's code, and an entry
 * that outlives the registry (pbx_codec_close with calls up) stays valid.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	RATE_MAX     = 48000,         /* Hz: highest rate resamp does */
	/* samples of 20 ms at RATE_MAX */
	IN_FRAME_MAX = RATE_MAX / (1000 / PBX_PTIME),
};

/* The built-in codecs (codec_g711.c, codec_g722.c); no header of their
 * own, since only this file registers them. */
extern const struct pbx_codec pbx_codec_pcmu;
extern const struct pbx_codec pbx_codec_pcma;
extern const struct pbx_codec pbx_codec_g722;

struct pbx_codecs {
	struct list entries;          /* struct codec_entry, in order     */
};

struct codec_entry {
	struct le le;                 /* in pbx_codecs.entries while
	                               * registered                       */
	const struct pbx_codec *cd;   /* borrowed: the registrant's table */
	unsigned users;               /* live pbx_enc and pbx_dec         */
};

struct pbx_enc {
	struct codec_entry *ent;      /* owned reference                  */
	void *st;                     /* owned: the codec's state         */
	struct pbx_resamp *rs;        /* owned: made for rs_srate, lazily */
	uint32_t rs_srate;            /* input rate rs converts from, Hz  */
};

struct pbx_dec {
	struct codec_entry *ent;      /* owned reference                  */
	void *st;                     /* owned: the codec's state         */
};


static struct pbx_codecs *codecs_get(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->codecs : NULL;
}


static void entry_destructor(void *arg)
{
	struct codec_entry *ent = arg;

	list_unlink(&ent->le);
}


static void codecs_destructor(void *arg)
{
	struct pbx_codecs *cs = arg;

	/* entries still used by an encoder/decoder live on, unlinked */
	list_flush(&cs->entries);
}


static bool rate_valid(uint32_t srate)
{
	return srate == 8000 || srate == 16000 || srate == 48000;
}


static struct codec_entry *entry_find_cd(const struct pbx_codecs *cs,
					 const struct pbx_codec *cd)
{
	struct le *le;

	for (le = list_head(&cs->entries); le; le = le->next) {
		struct codec_entry *ent = le->data;

		if (ent->cd == cd)
			return ent;
	}

	return NULL;
}


int pbx_codec_init(void)
{
	struct pbx_core *c = pbx_core();
	struct pbx_codecs *cs;
	int err;

	if (!c)
		return EINVAL;
	if (c->codecs)
		return EALREADY;

	cs = mem_zalloc(sizeof(*cs), codecs_destructor);
	if (!cs)
		return ENOMEM;
	list_init(&cs->entries);
	c->codecs = cs;

	/* order matters: SDP offers list codecs in registration order */
	err = pbx_codec_register(&pbx_codec_pcmu);
	if (!err)
		err = pbx_codec_register(&pbx_codec_pcma);
	if (!err)
		err = pbx_codec_register(&pbx_codec_g722);
	if (err)
		pbx_codec_close();

	return err;
}


void pbx_codec_close(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->codecs = mem_deref(c->codecs);
}


int pbx_codec_register(const struct pbx_codec *cd)
{
	struct pbx_codecs *cs = codecs_get();
	struct codec_entry *ent;

	if (!cs || !cd || !cd->name || !*cd->name || !cd->clock ||
	    !cd->channels || !rate_valid(cd->srate) || cd->pt > 127 ||
	    !cd->enc_alloc || !cd->encode || !cd->dec_alloc || !cd->decode)
		return EINVAL;

	if (pbx_codec_find(cd->name, cd->clock))
		return EALREADY;

	ent = mem_zalloc(sizeof(*ent), entry_destructor);
	if (!ent)
		return ENOMEM;

	ent->cd = cd;
	list_append(&cs->entries, &ent->le, ent);

	return 0;
}


int pbx_codec_unregister(const struct pbx_codec *cd)
{
	struct pbx_codecs *cs = codecs_get();
	struct codec_entry *ent;

	if (!cs || !cd)
		return EINVAL;

	ent = entry_find_cd(cs, cd);
	if (!ent)
		return ENOENT;

	/* a live encoder/decoder would call into code about to go away */
	if (ent->users)
		return EBUSY;

	mem_deref(ent);

	return 0;
}


const struct pbx_codec *pbx_codec_apply(pbx_codec_apply_h *h, void *arg)
{
	struct pbx_codecs *cs = codecs_get();
	struct le *le;

	if (!cs || !h)
		return NULL;

	for (le = list_head(&cs->entries); le; le = le->next) {
		struct codec_entry *ent = le->data;

		if (h(ent->cd, arg))
			return ent->cd;
	}

	return NULL;
}


const struct pbx_codec *pbx_codec_find(const char *name, uint32_t clock)
{
	struct pbx_codecs *cs = codecs_get();
	struct le *le;

	if (!cs || !name)
		return NULL;

	for (le = list_head(&cs->entries); le; le = le->next) {
		struct codec_entry *ent = le->data;

		if (ent->cd->clock == clock &&
		    !str_casecmp(ent->cd->name, name))
			return ent->cd;
	}

	return NULL;
}


/* A reference on cd's entry, counted as a user; NULL: not registered. */
static struct codec_entry *entry_use(const struct pbx_codec *cd)
{
	struct pbx_codecs *cs = codecs_get();
	struct codec_entry *ent;

	if (!cs)
		return NULL;

	ent = entry_find_cd(cs, cd);
	if (!ent)
		return NULL;

	++ent->users;

	return mem_ref(ent);
}


static void entry_release(struct codec_entry *ent)
{
	if (!ent)
		return;

	--ent->users;
	mem_deref(ent);
}


static void enc_destructor(void *arg)
{
	struct pbx_enc *e = arg;

	mem_deref(e->rs);
	mem_deref(e->st);       /* the codec's destructor frees its library */
	entry_release(e->ent);
}


int pbx_enc_alloc(struct pbx_enc **ep, const struct pbx_codec *cd,
		  const char *fmtp)
{
	struct pbx_enc *e;
	int err;

	if (!ep || !cd)
		return EINVAL;

	e = mem_zalloc(sizeof(*e), enc_destructor);
	if (!e)
		return ENOMEM;

	e->ent = entry_use(cd);
	if (!e->ent) {
		err = ENOENT;
		goto out;
	}

	err = cd->enc_alloc(&e->st, fmtp);

 out:
	if (err)
		mem_deref(e);
	else
		*ep = e;

	return err;
}


/* Brings pcm (sampc samples at srate) to the codec's rate in out. */
static int enc_resample(struct pbx_enc *e, int16_t *out, size_t *outcp,
			const int16_t *pcm, size_t sampc, uint32_t srate)
{
	int err;

	if (!e->rs || e->rs_srate != srate) {
		e->rs = mem_deref(e->rs);
		err = pbx_resamp_alloc(&e->rs, srate, e->ent->cd->srate);
		if (err)
			return err;
		e->rs_srate = srate;
	}

	return pbx_resamp_run(e->rs, out, outcp, pcm, sampc);
}


int pbx_enc_encode(struct pbx_enc *e, uint8_t *buf, size_t *lenp,
		   uint32_t *tsp, const int16_t *pcm, size_t sampc,
		   uint32_t srate)
{
	/* room for a 20 ms frame at 48 kHz: resamp filters in place first */
	int16_t tmp[IN_FRAME_MAX];
	const struct pbx_codec *cd;
	size_t n = ARRAY_SIZE(tmp);
	int err;

	if (!e || !buf || !lenp || !tsp || !pcm || !rate_valid(srate))
		return EINVAL;

	cd = e->ent->cd;

	/* one 20 ms frame, the only size codecs are asked to encode */
	if (sampc != pbx_frame_samples(srate))
		return EINVAL;

	if (srate != cd->srate) {
		err = enc_resample(e, tmp, &n, pcm, sampc, srate);
		if (err)
			return err;
		if (n != pbx_frame_samples(cd->srate))
			return EPROTO;
		pcm = tmp;
		sampc = n;
	}

	err = cd->encode(e->st, buf, lenp, pcm, sampc);
	if (err)
		return err;

	/* RTP clock units of 20 ms (G.722: 160 at 8000 Hz, RFC 3551 4.5.2;
	 * opus: 960 at 48000 Hz whatever the coding rate) */
	*tsp = cd->clock / (1000 / PBX_PTIME);

	return 0;
}


static void dec_destructor(void *arg)
{
	struct pbx_dec *d = arg;

	mem_deref(d->st);
	entry_release(d->ent);
}


int pbx_dec_alloc(struct pbx_dec **dp, const struct pbx_codec *cd,
		  const char *fmtp)
{
	struct pbx_dec *d;
	int err;

	if (!dp || !cd)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), dec_destructor);
	if (!d)
		return ENOMEM;

	d->ent = entry_use(cd);
	if (!d->ent) {
		err = ENOENT;
		goto out;
	}

	err = cd->dec_alloc(&d->st, fmtp);

 out:
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


int pbx_dec_decode(struct pbx_dec *d, int16_t *pcm, size_t *sampcp,
		   const uint8_t *buf, size_t len, bool fec)
{
	if (!d || !pcm || !sampcp || !*sampcp)
		return EINVAL;

	/* an empty payload carries nothing to decode (not even FEC) */
	if (buf && !len)
		return EBADMSG;

	/* FEC needs the next packet; without it, conceal */
	if (!buf)
		fec = false;

	return d->ent->cd->decode(d->st, pcm, sampcp, buf, len, fec);
}


const struct pbx_codec *pbx_dec_codec(const struct pbx_dec *d)
{
	return d ? d->ent->cd : NULL;
}

/* prompt.c: the prompt cache: every WAV under sounds_dir, at 8 and 16 kHz.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Loaded once at start, so playing a prompt never touches the disk.  The
 * name of "SOUNDS/digits/5.wav" is "digits/5".  A missing sounds_dir or
 * a bad file is logged and skipped, not fatal: a PBX without prompts
 * still routes calls.  Names come from dialplan scripts, so ".." is
 * refused, though a lookup can only ever find what was loaded.
 *
 * The sample arrays are mem objects: a player that may outlive a reload
 * (pbx_prompt_start again) keeps them with mem_ref(p->samp).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	HASH_BUCKETS = 64,
	DEPTH_MAX    = 8,           /* folder levels; stops symlink loops */
};

/* The core's prompt state (struct pbx_core's prompts field). */
struct pbx_prompts {
	struct hash *ht;            /* owned: struct prompt by name      */
	size_t count;
};

struct prompt {
	struct le he;
	char *name;                 /* owned: "digits/5"                 */
	int16_t *nb, *wb;           /* owned: 8 and 16 kHz samples       */
	size_t nbc, wbc;
};


static struct pbx_prompts *ctx_get(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->prompts : NULL;
}


static void prompt_destructor(void *arg)
{
	struct prompt *pr = arg;

	hash_unlink(&pr->he);
	mem_deref(pr->wb);
	mem_deref(pr->nb);
	mem_deref(pr->name);
}


static void ctx_destructor(void *arg)
{
	struct pbx_prompts *ctx = arg;

	hash_flush(ctx->ht);
	mem_deref(ctx->ht);
}


static bool name_cmp(struct le *le, void *arg)
{
	const struct prompt *pr = le->data;

	return 0 == strcmp(pr->name, arg);
}


static int prompt_load(struct pbx_prompts *ctx, const char *path,
		       const char *name)
{
	struct prompt *pr;
	int err;

	pr = mem_zalloc(sizeof(*pr), prompt_destructor);
	if (!pr)
		return ENOMEM;

	err = str_dup(&pr->name, name);
	if (err)
		goto out;
	err = pbx_wav_load(&pr->nb, &pr->nbc, path, PBX_SRATE_NB);
	if (err)
		goto out;
	err = pbx_wav_load(&pr->wb, &pr->wbc, path, PBX_SRATE_WB);
	if (err)
		goto out;

	hash_append(ctx->ht, hash_joaat_str(name), &pr->he, pr);
	++ctx->count;

 out:
	if (err)
		mem_deref(pr);

	return err;
}


/* True for "*.wav"; *baselenp gets the length without ".wav". */
static bool is_wav(const char *fname, size_t *baselenp)
{
	size_t len = strlen(fname);

	if (len <= 4 || strcmp(fname + len - 4, ".wav"))
		return false;

	*baselenp = len - 4;

	return true;
}


/* Loads the WAVs in dir (rel: its name below sounds_dir, "" at the top).
 * Only ENOMEM stops the walk; anything else is logged and skipped. */
static int dir_walk(struct pbx_prompts *ctx, const char *dir,
		    const char *rel, unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d) {
		pbx_log(PBX_LOG_WARN, "prompts: cannot open %s (%m)", dir,
			errno);
		return 0;
	}

	while (!err && (de = readdir(d))) {
		char *path = NULL, *name = NULL;
		struct stat st;
		size_t blen;

		if (de->d_name[0] == '.')     /* ., .., hidden files */
			continue;

		err = re_sdprintf(&path, "%s/%s", dir, de->d_name);
		if (!err)
			err = re_sdprintf(&name, "%s%s%s", rel,
					  *rel ? "/" : "", de->d_name);
		if (err)
			goto next;

		if (stat(path, &st)) {
			pbx_log(PBX_LOG_WARN, "prompts: %s: %m", path,
				errno);
		}
		else if (S_ISDIR(st.st_mode)) {
			if (depth < DEPTH_MAX)
				err = dir_walk(ctx, path, name, depth + 1);
			else
				pbx_log(PBX_LOG_WARN, "prompts: %s: more "
					"than %u folders deep, skipped",
					path, DEPTH_MAX);
		}
		else if (S_ISREG(st.st_mode) && is_wav(name, &blen)) {
			int e;

			name[blen] = '\0';
			e = prompt_load(ctx, path, name);
			if (e == ENOMEM)
				err = e;
			else if (e)
				pbx_log(PBX_LOG_WARN, "prompts: %s: cannot "
					"load (%m); needs PCM16, A-law or "
					"u-law at 8, 16 or 48 kHz", path, e);
		}

	next:
		mem_deref(name);
		mem_deref(path);
	}

	(void)closedir(d);

	return err;
}


int pbx_prompt_start(void)
{
	const char *dir = pbx_conf_str("sounds_dir", "sounds");
	struct pbx_prompts *ctx;
	struct stat st;
	int err = 0;

	if (!pbx_core())
		return EINVAL;

	ctx = mem_zalloc(sizeof(*ctx), ctx_destructor);
	if (!ctx)
		return ENOMEM;

	err = hash_alloc(&ctx->ht, HASH_BUCKETS);
	if (err)
		goto out;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		pbx_log(PBX_LOG_WARN, "prompts: sounds_dir %s is not a "
			"folder: no prompts (see sounds_dir in pbxd.conf)",
			dir);
	}
	else {
		err = dir_walk(ctx, dir, "", 0);
		if (err)
			goto out;
	}

	pbx_log(PBX_LOG_INFO, "prompts: %zu loaded from %s", ctx->count,
		dir);

 out:
	if (err) {
		mem_deref(ctx);
	}
	else {
		pbx_prompt_stop();
		pbx_core()->prompts = ctx;
	}

	return err;
}


void pbx_prompt_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->prompts = mem_deref(c->prompts);
}


int pbx_prompt_get(struct pbx_prompt *p, const char *name, uint32_t srate)
{
	struct pbx_prompts *ctx = ctx_get();
	const struct prompt *pr;
	struct le *le;

	if (!p || !name || !*name || strstr(name, ".."))
		return EINVAL;
	if (srate != PBX_SRATE_NB && srate != PBX_SRATE_WB)
		return EINVAL;
	if (!ctx)
		return ENOENT;

	le = hash_lookup(ctx->ht, hash_joaat_str(name), name_cmp,
			 (void *)name);
	if (!le)
		return ENOENT;

	pr = le->data;
	p->srate = srate;
	p->samp = srate == PBX_SRATE_NB ? pr->nb : pr->wb;
	p->sampc = srate == PBX_SRATE_NB ? pr->nbc : pr->wbc;

	return 0;
}


size_t pbx_prompt_count(void)
{
	struct pbx_prompts *ctx = ctx_get();

	return ctx ? ctx->count : 0;
}

/* conf.c: the config file (libre's "key value" lines) with line numbers.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre's conf module reports no line numbers, and DESIGN.md wants every
 * error as "FILE:LINE: KEY: what is wrong", so this is our own small
 * parser.  -o overrides are entries from the file "-o" with line 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "core.h"


enum {
	CONF_MAX_SIZE = 1 << 20,  /* bytes: a config file is small */
};

struct pbx_conf {
	char *name;               /* owned: file name for messages       */
	struct list entries;      /* struct conf_entry, in file order     */
};

struct conf_entry {
	struct le le;
	char *key;                /* owned */
	char *val;                /* owned */
	const char *file;         /* borrowed: conf->name or "-o"         */
	unsigned line;            /* 1-based; 0 for -o                    */
	bool used;                /* read by a getter                     */
};

/* Keys that may appear more than once; every other key is single. */
static const char *const repeatable_keys[] = {"module"};


static bool is_repeatable(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(repeatable_keys); i++) {
		if (strlen(repeatable_keys[i]) == len &&
		    !memcmp(key, repeatable_keys[i], len))
			return true;
	}

	return false;
}


static void conf_destructor(void *arg)
{
	struct pbx_conf *conf = arg;

	list_flush(&conf->entries);
	mem_deref(conf->name);
}


static void entry_destructor(void *arg)
{
	struct conf_entry *e = arg;

	list_unlink(&e->le);
	mem_deref(e->key);
	mem_deref(e->val);
}


static struct conf_entry *entry_find(const struct pbx_conf *conf,
				     const char *key)
{
	struct le *le;

	/* the last one wins: -o entries are appended after the file's */
	for (le = list_tail(&conf->entries); le; le = le->prev) {
		struct conf_entry *e = le->data;

		if (!strcmp(e->key, key))
			return e;
	}

	return NULL;
}


static bool key_valid(const char *p, size_t l)
{
	size_t i;

	if (!l || l > 64)
		return false;

	for (i = 0; i < l; i++) {
		if (!islower((unsigned char)p[i]) &&
		    !isdigit((unsigned char)p[i]) && p[i] != '_')
			return false;
	}

	return true;
}


static int entry_add(struct pbx_conf *conf, const char *file, unsigned line,
		     const char *k, size_t kl, const char *v, size_t vl)
{
	struct conf_entry *e;
	int err;

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return ENOMEM;

	err = re_sdprintf(&e->key, "%b", k, kl);
	if (!err)
		err = re_sdprintf(&e->val, "%b", v, vl);
	if (err) {
		mem_deref(e);
		return err;
	}

	e->file = file;
	e->line = line;
	list_append(&conf->entries, &e->le, e);

	return 0;
}


/* One line: [ws] key ws value [ws] | [ws] # comment | [ws] */
static int parse_line(struct pbx_conf *conf, unsigned lineno,
		      const char *p, size_t len, char *err, size_t errsz)
{
	const char *k, *v;
	size_t kl, vl;
	struct conf_entry *prev;

	while (len && isspace((unsigned char)*p)) {
		++p;
		--len;
	}
	while (len && isspace((unsigned char)p[len - 1]))
		--len;

	if (!len || *p == '#')
		return 0;

	k = p;
	while (len && !isspace((unsigned char)*p)) {
		++p;
		--len;
	}
	kl = (size_t)(p - k);
	while (len && isspace((unsigned char)*p)) {
		++p;
		--len;
	}
	v = p;
	vl = len;

	if (!key_valid(k, kl)) {
		re_snprintf(err, errsz, "%s:%u: bad key '%b' (lower case, "
			    "digits and '_')", conf->name, lineno,
			    k, kl > 64 ? (size_t)64 : kl);
		return EINVAL;
	}
	if (!vl) {
		re_snprintf(err, errsz, "%s:%u: %b: no value", conf->name,
			    lineno, k, kl);
		return EINVAL;
	}
	if (memchr(v, '\0', vl)) {
		re_snprintf(err, errsz, "%s:%u: %b: NUL byte in value",
			    conf->name, lineno, k, kl);
		return EINVAL;
	}

	prev = NULL;
	if (!is_repeatable(k, kl)) {
		char key[65];

		memcpy(key, k, kl);
		key[kl] = '\0';
		prev = entry_find(conf, key);
	}
	if (prev) {
		re_snprintf(err, errsz, "%s:%u: %b: set twice (first on line "
			    "%u)", conf->name, lineno, k, kl, prev->line);
		return EINVAL;
	}

	return entry_add(conf, conf->name, lineno, k, kl, v, vl);
}


int pbx_conf_parse(struct pbx_conf **confp, const char *name,
		   const char *text, size_t len, char *err, size_t errsz)
{
	struct pbx_conf *conf;
	unsigned lineno = 0;
	size_t pos = 0;
	int e = 0;

	if (!confp || !name || (!text && len))
		return EINVAL;

	conf = mem_zalloc(sizeof(*conf), conf_destructor);
	if (!conf)
		return ENOMEM;

	e = str_dup(&conf->name, name);
	if (e)
		goto out;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;

		++lineno;
		e = parse_line(conf, lineno, text + pos, ll, err, errsz);
		if (e)
			goto out;
		pos += ll + 1;
	}

 out:
	if (e)
		mem_deref(conf);
	else
		*confp = conf;

	return e;
}


int pbx_conf_load(struct pbx_conf **confp, const char *path,
		  char *err, size_t errsz)
{
	struct stat st;
	FILE *f;
	char *buf;
	size_t n;
	int e;

	if (!confp || !path)
		return EINVAL;

	f = fopen(path, "r");
	if (!f) {
		e = errno;
		re_snprintf(err, errsz, "%s: cannot open: %m", path, e);
		return e;
	}

	if (fstat(fileno(f), &st) || st.st_size > CONF_MAX_SIZE) {
		re_snprintf(err, errsz, "%s: not a config file (too big)",
			    path);
		fclose(f);
		return EFBIG;
	}

	buf = mem_alloc((size_t)st.st_size + 1, NULL);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}

	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);

	e = pbx_conf_parse(confp, path, buf, n, err, errsz);
	mem_deref(buf);

	return e;
}


int pbx_conf_override(struct pbx_conf *conf, const char *kv,
		      char *err, size_t errsz)
{
	const char *eq;
	struct conf_entry *e;

	if (!conf || !kv)
		return EINVAL;

	eq = strchr(kv, '=');
	if (!eq || !key_valid(kv, (size_t)(eq - kv))) {
		re_snprintf(err, errsz, "-o: '%s': expected KEY=VALUE", kv);
		return EINVAL;
	}
	if (!eq[1]) {
		re_snprintf(err, errsz, "-o: %b: no value", kv,
			    (size_t)(eq - kv));
		return EINVAL;
	}

	/* a single key given again on the command line replaces the file's */
	if (!is_repeatable(kv, (size_t)(eq - kv))) {
		struct le *le = list_head(&conf->entries);

		while (le) {
			e = le->data;
			le = le->next;
			if (strlen(e->key) == (size_t)(eq - kv) &&
			    !memcmp(e->key, kv, (size_t)(eq - kv)))
				mem_deref(e);
		}
	}

	return entry_add(conf, "-o", 0, kv, (size_t)(eq - kv), eq + 1,
			 strlen(eq + 1));
}


void pbx_conf_set_current(struct pbx_conf *conf)
{
	struct pbx_core *c = pbx_core();

	if (!c)
		return;

	mem_deref(c->conf);
	c->conf = mem_ref(conf);
}


static struct conf_entry *current_find(const char *key)
{
	struct pbx_core *c = pbx_core();
	struct conf_entry *e;

	if (!c || !c->conf || !key)
		return NULL;

	e = entry_find(c->conf, key);
	if (e)
		e->used = true;

	return e;
}


/* ap by pointer: a va_list parameter is an array on x86-64, and %v
 * needs the address of the real va_list. */
static int entry_verror(const struct conf_entry *e, const char *key,
			const char *fmt, va_list *ap)
{
	if (e && e->line)
		pbx_log(PBX_LOG_ERROR, "%s:%u: %s: %v", e->file, e->line,
			key, fmt, ap);
	else if (e)
		pbx_log(PBX_LOG_ERROR, "-o: %s: %v", key, fmt, ap);
	else
		pbx_log(PBX_LOG_ERROR, "%s: %v", key, fmt, ap);

	return EINVAL;
}


int pbx_conf_error(const char *key, const char *fmt, ...)
{
	struct pbx_core *c = pbx_core();
	struct conf_entry *e = NULL;
	va_list ap;

	if (c && c->conf && key)
		e = entry_find(c->conf, key);

	va_start(ap, fmt);
	(void)entry_verror(e, key ? key : "?", fmt, &ap);
	va_end(ap);

	return EINVAL;
}


const char *pbx_conf_str(const char *key, const char *def)
{
	struct conf_entry *e = current_find(key);

	return e ? e->val : def;
}


int pbx_conf_u32(const char *key, uint32_t def, uint32_t min, uint32_t max,
		 uint32_t *valp)
{
	struct conf_entry *e = current_find(key);
	unsigned long long v;
	char *end;

	if (!valp)
		return EINVAL;

	if (!e) {
		*valp = def;
		return 0;
	}

	errno = 0;
	v = strtoull(e->val, &end, 10);
	if (!isdigit((unsigned char)e->val[0]) || *end || errno ||
	    v < min || v > max)
		return pbx_conf_error(key, "'%s' is not a number from %u to "
				      "%u", e->val, min, max);

	*valp = (uint32_t)v;

	return 0;
}


int pbx_conf_bool(const char *key, bool def, bool *valp)
{
	struct conf_entry *e = current_find(key);
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	if (!valp)
		return EINVAL;

	if (!e) {
		*valp = def;
		return 0;
	}

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!str_casecmp(e->val, yes[i])) {
			*valp = true;
			return 0;
		}
		if (!str_casecmp(e->val, no[i])) {
			*valp = false;
			return 0;
		}
	}

	return pbx_conf_error(key, "'%s' is not yes or no", e->val);
}


int pbx_conf_apply(const char *key, pbx_conf_value_h *h, void *arg)
{
	struct pbx_core *c = pbx_core();
	struct le *le;
	int err;

	if (!key || !h)
		return EINVAL;
	if (!c || !c->conf)
		return 0;

	for (le = list_head(&c->conf->entries); le; le = le->next) {
		struct conf_entry *e = le->data;

		if (strcmp(e->key, key))
			continue;

		e->used = true;
		err = h(e->val, arg);
		if (err)
			return err;
	}

	return 0;
}


/* NAME_... where module_path/NAME.so exists: a module's key, checked by
 * the module when it loads. */
static bool module_key(const char *key, const char *module_path)
{
	const char *us;
	char path[512];
	struct stat st;

	if (!module_path)
		return false;

	for (us = strchr(key, '_'); us; us = strchr(us + 1, '_')) {
		if (re_snprintf(path, sizeof(path), "%s/%b.so", module_path,
				key, (size_t)(us - key)) < 0)
			return false;
		if (!stat(path, &st))
			return true;
	}

	return false;
}


static int entry_unknown(const struct conf_entry *e)
{
	if (e->line)
		pbx_log(PBX_LOG_ERROR, "%s:%u: %s: unknown key", e->file,
			e->line, e->key);
	else
		pbx_log(PBX_LOG_ERROR, "-o: %s: unknown key", e->key);

	return EINVAL;
}


int pbx_conf_check_unused(const char *prefix)
{
	struct pbx_core *c = pbx_core();
	size_t l = prefix ? strlen(prefix) : 0;
	struct le *le;
	int err = 0;

	if (!c || !c->conf || !l)
		return 0;

	for (le = list_head(&c->conf->entries); le; le = le->next) {
		struct conf_entry *e = le->data;

		if (e->used || strncmp(e->key, prefix, l))
			continue;

		err = entry_unknown(e);
	}

	return err;
}


int pbx_conf_check_keys(const struct pbx_conf *conf,
			const char *const *corev, size_t corec,
			const char *module_path)
{
	struct le *le;
	int err = 0;

	if (!conf)
		return EINVAL;

	for (le = list_head(&conf->entries); le; le = le->next) {
		struct conf_entry *e = le->data;
		bool known = false;
		size_t i;

		for (i = 0; i < corec && !known; i++)
			known = !strcmp(e->key, corev[i]);

		if (known || module_key(e->key, module_path))
			continue;

		err = entry_unknown(e);
	}

	return err;
}

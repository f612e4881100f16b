/* JSON values rendered for people: bare scalars, compact containers. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "pbxctl.h"


static int dbl_print(struct re_printf *pf, double d)
{
	char buf[64];

	(void)snprintf(buf, sizeof(buf), "%.15g", d);
	return re_hprintf(pf, "%s", buf);
}


static int container_json(struct re_printf *pf, const struct odict *o,
			  bool array)
{
	struct le *le;
	int err;

	err = re_hprintf(pf, "%c", array ? '[' : '{');

	for (le = o ? o->lst.head : NULL; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;

		if (!array)
			err = re_hprintf(pf, "\"%H\":", utf8_encode, e->key);
		if (!err)
			err = ctl_value_json(pf, e);
		if (!err && le->next)
			err = re_hprintf(pf, ",");
	}

	if (!err)
		err = re_hprintf(pf, "%c", array ? ']' : '}');

	return err;
}


/* Compact JSON of one value.  libre's encoder only takes a whole
 * object and prints doubles with %f, hence our own. */
int ctl_value_json(struct re_printf *pf, const struct odict_entry *e)
{
	if (!e)
		return re_hprintf(pf, "null");

	switch (e->type) {

	case ODICT_OBJECT:
	case ODICT_ARRAY:
		return container_json(pf, e->u.odict, e->type == ODICT_ARRAY);

	case ODICT_STRING:
		return re_hprintf(pf, "\"%H\"", utf8_encode, e->u.str);

	case ODICT_INT:
		return re_hprintf(pf, "%lld", (long long)e->u.integer);

	case ODICT_DOUBLE:
		return dbl_print(pf, e->u.dbl);

	case ODICT_BOOL:
		return re_hprintf(pf, "%s", e->u.boolean ? "true" : "false");

	default:
		return re_hprintf(pf, "null");
	}
}


/* One value for people: strings bare, null as "-", containers as
 * compact JSON. */
int ctl_value_print(struct re_printf *pf, const struct odict_entry *e)
{
	if (!e)
		return 0;

	switch (e->type) {

	case ODICT_STRING:
		return re_hprintf(pf, "%s", e->u.str);

	case ODICT_NULL:
		return re_hprintf(pf, "-");

	default:
		return ctl_value_json(pf, e);
	}
}


/* Columns a UTF-8 string takes, counting one per code point. */
size_t ctl_text_width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++) {
		if (((uint8_t)*s & 0xc0) != 0x80)
			++w;
	}

	return w;
}


/* Cut s to at most max columns, ending in "...", at a code point. */
static void text_cut(char *s, size_t max)
{
	size_t w = 0;
	char *p;

	if (max < 4 || ctl_text_width(s) <= max)
		return;

	for (p = s; *p; p++) {
		if (((uint8_t)*p & 0xc0) != 0x80 && ++w > max - 3)
			break;
	}

	strcpy(p, "...");
}


/**
 * Render e for a table cell or a "key: value" line into a new mem
 * string: one line (control characters become spaces), and containers
 * cut to max columns (0: no limit).  A missing value gives "".
 */
int ctl_value_cell(char **strp, const struct odict_entry *e, size_t max)
{
	char *s = NULL, *p;
	int err;

	if (!strp)
		return EINVAL;

	err = re_sdprintf(&s, "%H", ctl_value_print, e);
	if (err)
		return err;

	for (p = s; *p; p++) {
		if ((uint8_t)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}

	if (max && e && odict_type_iscontainer(e->type))
		text_cut(s, max);

	*strp = s;
	return 0;
}

/* Replies and events printed for people (tables, key: value) or raw. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "pbxctl.h"


enum {
	CELL_MAX = 60,  /* columns: nested values in a table are cut here */
};

/* A table being laid out: the union of the rows' keys, each cell
 * rendered once, and the width of each column. */
struct table {
	const char **keys;      /* borrowed from the reply */
	size_t ncols, nrows;
	char **cells;           /* owned: nrows * ncols mem strings */
	size_t *width;          /* columns */
};


static void table_destructor(void *arg)
{
	struct table *t = arg;
	size_t i;

	for (i = 0; t->cells && i < t->nrows * t->ncols; i++)
		mem_deref(t->cells[i]);

	mem_deref(t->cells);
	mem_deref(t->width);
	mem_deref(t->keys);
}


static bool is_object(const struct odict_entry *e)
{
	return e && e->type == ODICT_OBJECT;
}


/* An array is shown as a table when every element is an object. */
static bool is_table(const struct odict *arr)
{
	struct le *le;

	for (le = arr->lst.head; le; le = le->next) {
		if (!is_object(le->data))
			return false;
	}

	return true;
}


/* Columns: every key of every row, in the order first seen. */
static int table_keys(struct table *t, const struct odict *arr)
{
	size_t max = 0, i;
	struct le *le, *ke;

	for (le = arr->lst.head; le; le = le->next) {
		const struct odict_entry *row = le->data;
		max += list_count(&row->u.odict->lst);
	}

	t->keys = mem_zalloc((max + 1) * sizeof(*t->keys), NULL);
	if (!t->keys)
		return ENOMEM;

	for (le = arr->lst.head; le; le = le->next) {
		const struct odict_entry *row = le->data;

		for (ke = row->u.odict->lst.head; ke; ke = ke->next) {
			const struct odict_entry *e = ke->data;

			for (i = 0; i < t->ncols; i++) {
				if (!strcmp(t->keys[i], e->key))
					break;
			}
			if (i == t->ncols)
				t->keys[t->ncols++] = e->key;
		}
	}

	return 0;
}


static int table_fill(struct table *t, const struct odict *arr)
{
	size_t r = 0, c;
	struct le *le;
	int err;

	t->nrows = list_count(&arr->lst);
	t->cells = mem_zalloc((t->nrows * t->ncols + 1) * sizeof(char *),
			      NULL);
	t->width = mem_zalloc((t->ncols + 1) * sizeof(size_t), NULL);
	if (!t->cells || !t->width)
		return ENOMEM;

	for (c = 0; c < t->ncols; c++)
		t->width[c] = ctl_text_width(t->keys[c]);

	for (le = arr->lst.head; le; le = le->next, r++) {
		const struct odict_entry *row = le->data;

		for (c = 0; c < t->ncols; c++) {
			char **cell = &t->cells[r * t->ncols + c];
			size_t w;

			err = ctl_value_cell(cell, odict_lookup(row->u.odict,
						t->keys[c]), CELL_MAX);
			if (err)
				return err;

			w = ctl_text_width(*cell);
			if (w > t->width[c])
				t->width[c] = w;
		}
	}

	return 0;
}


/* One row; the last column is not padded, nor are empty cells at the
 * end, so no trailing blanks. */
static void row_print(const struct table *t, const char *indent,
		      const char *const *cells)
{
	size_t c, last = t->ncols - 1;

	while (last > 0 && !*cells[last])
		--last;

	(void)fputs(indent, stdout);

	for (c = 0; c < last; c++) {
		(void)printf("%s%*s  ", cells[c],
			     (int)(t->width[c] - ctl_text_width(cells[c])),
			     "");
	}

	(void)printf("%s\n", cells[last]);
}


static int table_print(const struct odict *arr, const char *indent)
{
	struct table *t;
	size_t r;
	int err;

	t = mem_zalloc(sizeof(*t), table_destructor);
	if (!t)
		return ENOMEM;

	err = table_keys(t, arr);
	if (!err)
		err = table_fill(t, arr);
	if (err)
		goto out;

	if (t->ncols == 0) {
		re_printf("%s(%zu empty objects)\n", indent, t->nrows);
		goto out;
	}

	row_print(t, indent, t->keys);
	for (r = 0; r < t->nrows; r++)
		row_print(t, indent, (const char **)&t->cells[r * t->ncols]);

 out:
	mem_deref(t);
	return err;
}


static int array_print(const struct odict *arr, const char *indent)
{
	struct le *le;
	char *s = NULL;
	int err = 0;

	if (list_isempty(&arr->lst)) {
		re_printf("%s(none)\n", indent);
		return 0;
	}

	if (is_table(arr))
		return table_print(arr, indent);

	for (le = arr->lst.head; le && !err; le = le->next) {
		err = ctl_value_cell(&s, le->data, 0);
		if (!err)
			re_printf("%s%s\n", indent, s);
		s = mem_deref(s);
	}

	return err;
}


/* "key: value" lines, values aligned; a list of objects inside becomes
 * an indented table under its key. */
static int object_print(const struct odict *o)
{
	size_t width = 0, w;
	struct le *le;
	char *s = NULL;
	int err = 0;

	for (le = o->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		w = ctl_text_width(e->key);
		if (w > width)
			width = w;
	}

	for (le = o->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;
		int pad = (int)(width - ctl_text_width(e->key));

		if (e->type == ODICT_ARRAY && is_table(e->u.odict) &&
		    !list_isempty(&e->u.odict->lst)) {
			re_printf("%s:\n", e->key);
			err = table_print(e->u.odict, "  ");
			continue;
		}

		if (e->type == ODICT_ARRAY && list_isempty(&e->u.odict->lst))
			err = str_dup(&s, "(none)");
		else
			err = ctl_value_cell(&s, e, 0);
		if (!err && *s)
			(void)printf("%s:%*s %s\n", e->key, pad, "", s);
		else if (!err)
			(void)printf("%s:\n", e->key);
		s = mem_deref(s);
	}

	return err;
}


static void data_print(const struct odict_entry *data, bool say_ok)
{
	size_t len;

	if (!data || data->type == ODICT_NULL) {
		if (say_ok)
			re_printf("ok\n");
		return;
	}

	switch (data->type) {

	case ODICT_OBJECT:
		(void)object_print(data->u.odict);
		break;

	case ODICT_ARRAY:
		(void)array_print(data->u.odict, "");
		break;

	case ODICT_STRING:
		len = strlen(data->u.str);
		re_printf("%s%s", data->u.str,
			  len && data->u.str[len - 1] == '\n' ? "" : "\n");
		break;

	default:
		re_printf("%H\n", ctl_value_print, data);
		break;
	}
}


/**
 * Print a reply: the line as received with json, else for people, or
 * "pbxctl: <error>" on stderr (json: the line only).  say_ok prints
 * "ok" for an empty success, for the interactive console.  Returns
 * whether the command succeeded.
 */
bool ctl_print_reply(const char *line, const struct odict *reply,
		     bool json, bool say_ok)
{
	const char *error;
	bool ok = false;

	(void)odict_get_boolean(reply, &ok, "ok");

	if (json) {
		re_printf("%s\n", line);
	}
	else if (!ok) {
		error = odict_string(reply, "error");
		(void)fflush(stdout);
		re_fprintf(stderr, "pbxctl: %s\n",
			   error ? error : "command failed");
	}
	else {
		data_print(odict_lookup(reply, "data"), say_ok);
	}

	(void)fflush(stdout);
	return ok;
}


/* key=value; a string that would not read back as one word is quoted
 * the JSON way, so that `name="Ann Lee"` stays unambiguous. */
static int field_print(struct re_printf *pf, const struct odict_entry *e)
{
	const char *s;

	if (e->type != ODICT_STRING)
		return re_hprintf(pf, " %s=%H", e->key, ctl_value_print, e);

	for (s = e->u.str; *s; s++) {
		if ((uint8_t)*s <= ' ' || *s == '"' || *s == '=' ||
		    *s == '\\' || *s == 0x7f)
			break;
	}

	if (*s || s == e->u.str)
		return re_hprintf(pf, " %s=\"%H\"", e->key, utf8_encode,
				  e->u.str);

	return re_hprintf(pf, " %s=%s", e->key, e->u.str);
}


/* One event: the line as received with json, else
 * "HH:MM:SS NAME key=value ...", the time being when it arrived. */
void ctl_print_event(const char *line, const struct odict *ev, bool json)
{
	const char *name = odict_string(ev, "event");
	struct le *le;
	char stamp[16];
	struct tm tm;
	time_t now;

	if (json) {
		re_printf("%s\n", line);
		(void)fflush(stdout);
		return;
	}

	now = time(NULL);
	if (!localtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm))
		strcpy(stamp, "--:--:--");

	re_printf("%s %s", stamp, name ? name : "?");

	for (le = ev->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (strcmp(e->key, "event"))
			re_printf("%H", field_print, e);
	}

	re_printf("\n");
	(void)fflush(stdout);
}


void ctl_print_noconn(const char *path, int err)
{
	(void)fflush(stdout);
	re_fprintf(stderr, "pbxctl: cannot connect to %s: %m"
		   " (is pbxd running?)\n", path, err);
}


/* Why a request got no reply (see ctl_reply_h). */
void ctl_print_failure(int err)
{
	(void)fflush(stdout);

	switch (err) {

	case ETIMEDOUT:
		re_fprintf(stderr, "pbxctl: no reply from pbxd within %u s\n",
			   CTL_REPLY_TIMEOUT / 1000);
		break;

	case ECONNRESET:
		re_fprintf(stderr, "pbxctl: pbxd closed the connection\n");
		break;

	case EPROTO:
		re_fprintf(stderr, "pbxctl: cannot read pbxd's reply"
			   " (not a JSON reply object)\n");
		break;

	case EOVERFLOW:
		re_fprintf(stderr, "pbxctl: reply from pbxd longer than"
			   " %u bytes\n", CTL_LINE_MAX);
		break;

	default:
		re_fprintf(stderr, "pbxctl: connection to pbxd failed: %m\n",
			   err);
		break;
	}
}

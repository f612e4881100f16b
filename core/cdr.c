/* cdr.c: call records: one row per call in the cdr table.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Written when the call ends, with the call:set() variables as JSON: one
 * insert with a kept statement, committed without an fsync (see
 * pbx_db_durable), so it costs the main loop some microseconds.
 */
#include <string.h>
#include <sqlite3.h>
#include <re.h>
#include "core.h"
#include "call.h"


static int vars_json(const struct pbx_call *c, char **jsonp)
{
	struct odict *od;
	struct le *le;
	int err;

	err = odict_alloc(&od, 8);
	for (le = list_head(&c->vars); le && !err; le = le->next) {
		const struct call_var *v = le->data;

		err = odict_entry_add(od, v->key, ODICT_STRING, v->val);
	}
	if (!err)
		err = re_sdprintf(jsonp, "%H", json_encode_odict, od);
	mem_deref(od);

	return err;
}


int pbx_cdr_write(const struct pbx_call *c, uint64_t start, uint64_t answer,
		  uint64_t end, const char *disposition, const char *cause)
{
	sqlite3_stmt *st;
	char *vars = NULL;
	int rc, err;

	if (!c || !pbx_db())
		return EINVAL;

	err = vars_json(c, &vars);
	if (err)
		return err;

	st = pbx_db_stmt("INSERT INTO cdr (id, start, answer, end, caller, "
			 "caller_name, callee, user, disposition, duration, "
			 "billsec, cause, vars) VALUES (?, ?, ?, ?, ?, ?, ?, "
			 "?, ?, ?, ?, ?, ?)");
	if (!st) {
		mem_deref(vars);
		return EIO;
	}

	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)start);
	if (answer)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)answer);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)end);
	sqlite3_bind_text(st, 5, c->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->from_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->to, -1, SQLITE_STATIC);
	if (c->user)
		sqlite3_bind_text(st, 8, c->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, disposition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)((end - start + 500) /
						    1000));
	sqlite3_bind_int64(st, 11, answer ? (sqlite3_int64)((end - answer +
							      500) / 1000) :
			   0);
	sqlite3_bind_text(st, 12, cause, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, vars, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	mem_deref(vars);

	if (rc != SQLITE_DONE) {
		pbx_log(PBX_LOG_ERROR, "cdr: call %s: cannot write the record:"
			" %s", c->id, sqlite3_errmsg(pbx_db()));
		return EIO;
	}

	return 0;
}

/* location.c: the location service: registered contacts per extension.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Bindings live in memory (a hash by extension) and in the registrations
 * table, so a restart finds them again
 * with their remaining expiry.  The table is written behind: changes are
 * queued (dirty bindings, removed keys) and written in one transaction
 * LOC_FLUSH_MS later, and at stop.  A REGISTER so costs no commit of
 * its own on the main loop: at thousands of registrations a second, one
 * commit carries a few hundred.  A crash loses
 * at most the last LOC_FLUSH_MS of changes; phones register again.
 *
 * Expiry is one sweep a second over all bindings, not a timer each:
 * libre 1.1.0 keeps its timers in one sorted list and inserts a new one
 * by walking from the tail, so 10,000 bindings expiring in an hour made
 * every SIP transaction's 32 s timer walk past all of them (callgrind:
 * 14,000 instructions per tmr_start, the registrar's cost growing with
 * the number of phones).
 */
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <re.h>
#include "core.h"


enum {
	LOC_HASH_SIZE = 4096,
	LOC_MAX_PER_EXT = 16,     /* devices per extension */
	LOC_FLUSH_MS = 200,       /* change -> written to the table      */
	LOC_RETRY_MS = 2000,      /* after a failed write                */
	LOC_SWEEP_MS = 1000,      /* expiry is checked this often        */
};

struct pbx_location {
	struct hash *ht;          /* owned: struct pbx_binding by ext    */
	unsigned count;
	struct list dirty;        /* bindings to write (pbx_binding.dle) */
	struct list gone;         /* struct loc_gone: rows to delete     */
	struct tmr flush;         /* writes dirty and gone               */
	struct tmr sweep;         /* removes expired bindings            */
};

/* A row (or all rows of ext, contact NULL) to delete. */
struct loc_gone {
	struct le le;
	char *ext;                /* owned */
	char *contact;            /* owned; NULL: every contact of ext   */
};

struct pbx_binding {
	struct le he;
	struct le dle;            /* in dirty while not written          */
	char *ext;                /* owned */
	char *contact;            /* owned */
	struct sa src;
	char *transport;          /* owned */
	char *user_agent;         /* owned */
	char *call_id;            /* owned */
	uint32_t cseq;
	uint64_t expires_at;      /* unix time, seconds                  */
};


static struct pbx_location *loc(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->loc : NULL;
}


static void binding_destructor(void *arg)
{
	struct pbx_binding *b = arg;

	hash_unlink(&b->he);
	list_unlink(&b->dle);
	mem_deref(b->ext);
	mem_deref(b->contact);
	mem_deref(b->transport);
	mem_deref(b->user_agent);
	mem_deref(b->call_id);
}


static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);

	return rc == SQLITE_DONE ? 0 : EIO;
}


static int db_delete(sqlite3_stmt *one, sqlite3_stmt *all,
		     const struct loc_gone *g)
{
	sqlite3_stmt *st = g->contact ? one : all;

	sqlite3_bind_text(st, 1, g->ext, -1, SQLITE_STATIC);
	if (g->contact)
		sqlite3_bind_text(st, 2, g->contact, -1, SQLITE_STATIC);

	return step_done(st);
}


static int db_store(sqlite3_stmt *st, const struct pbx_binding *b)
{
	char src[64];

	re_snprintf(src, sizeof(src), "%J", &b->src);
	sqlite3_bind_text(st, 1, b->ext, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->contact, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, src, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, b->transport, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)b->expires_at);
	sqlite3_bind_text(st, 6, b->user_agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, b->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, b->cseq);

	return step_done(st);
}


/* Writes what changed since the last time, in one transaction: first
 * the deletions, then the bindings (a binding made again after its row
 * was deleted is in both, and must end up stored). */
static int loc_write(struct pbx_location *l)
{
	sqlite3_stmt *ins, *del1, *delall;
	struct le *le;
	int err = 0;

	if (list_isempty(&l->dirty) && list_isempty(&l->gone))
		return 0;

	ins = pbx_db_stmt("INSERT OR REPLACE INTO registrations (ext, "
			  "contact, source, transport, expires_at, "
			  "user_agent, call_id, cseq) VALUES (?, ?, ?, ?, "
			  "?, ?, ?, ?)");
	del1 = pbx_db_stmt("DELETE FROM registrations WHERE ext = ? AND "
			   "contact = ?");
	delall = pbx_db_stmt("DELETE FROM registrations WHERE ext = ?");
	if (!ins || !del1 || !delall)
		return EIO;

	err = pbx_db_exec("BEGIN");
	if (err)
		return err;

	for (le = list_head(&l->gone); le && !err; le = le->next)
		err = db_delete(del1, delall, le->data);
	for (le = list_head(&l->dirty); le && !err; le = le->next)
		err = db_store(ins, le->data);

	if (!err)
		err = pbx_db_exec("COMMIT");
	if (err) {
		(void)pbx_db_exec("ROLLBACK");
		return err;
	}

	list_flush(&l->gone);
	while ((le = list_head(&l->dirty)))
		list_unlink(le);

	return 0;
}


static void flush_h(void *arg)
{
	struct pbx_location *l = arg;
	int err;

	err = loc_write(l);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "registrar: cannot write %u "
			"registrations to the database (%m), trying again",
			list_count(&l->dirty) + list_count(&l->gone), err);
		tmr_start(&l->flush, LOC_RETRY_MS, flush_h, l);
	}
}


static void flush_arm(struct pbx_location *l)
{
	if (!tmr_isrunning(&l->flush))
		tmr_start(&l->flush, LOC_FLUSH_MS, flush_h, l);
}


static void mark_dirty(struct pbx_binding *b)
{
	if (!b->dle.list)
		list_append(&loc()->dirty, &b->dle, b);
	flush_arm(loc());
}


static void gone_destructor(void *arg)
{
	struct loc_gone *g = arg;

	list_unlink(&g->le);
	mem_deref(g->ext);
	mem_deref(g->contact);
}


/* Queues the deletion of ext's row for contact (NULL: all its rows). */
static void mark_gone(const char *ext, const char *contact)
{
	struct loc_gone *g;

	g = mem_zalloc(sizeof(*g), gone_destructor);
	if (!g || str_dup(&g->ext, ext) ||
	    (contact && str_dup(&g->contact, contact))) {
		pbx_log(PBX_LOG_ERROR, "registrar: %s: out of memory: its "
			"row stays in the database", ext);
		mem_deref(g);
		return;
	}

	list_append(&loc()->gone, &g->le, g);
	flush_arm(loc());
}


static void binding_remove(struct pbx_binding *b, const char *reason)
{
	mark_gone(b->ext, b->contact);
	pbx_event_emitv("unregister", "ext", b->ext, "contact", b->contact,
			"reason", reason, NULL);
	pbx_log(PBX_LOG_INFO, "registrar: %s: %s removed (%s)", b->ext,
		b->contact, reason);
	--loc()->count;
	mem_deref(b);
}


static bool expired_h(struct le *le, void *arg)
{
	struct pbx_binding *b = le->data;
	const uint64_t *now = arg;

	/* expires_at is in whole seconds: only once that second has passed
	 * is the binding surely older than its expiry (never early) */
	if (b->expires_at < *now)
		binding_remove(b, "expired");

	return false;
}


static void sweep_h(void *arg)
{
	struct pbx_location *l = arg;
	uint64_t now = (uint64_t)time(NULL);
	uint32_t i;

	/* binding_remove unlinks the entry being visited only: list_apply
	 * has read its next link before */
	for (i = 0; i < hash_bsize(l->ht); i++)
		(void)list_apply(hash_list(l->ht, i), true, expired_h, &now);

	tmr_start(&l->sweep, LOC_SWEEP_MS, sweep_h, l);
}


static struct pbx_binding *binding_find(const char *ext, const char *contact)
{
	struct le *le;

	le = list_head(hash_list(loc()->ht, hash_joaat_str(ext)));
	for (; le; le = le->next) {
		struct pbx_binding *b = le->data;

		if (!strcmp(b->ext, ext) && !strcmp(b->contact, contact))
			return b;
	}

	return NULL;
}


static int strset(char **dst, const char *src)
{
	*dst = mem_deref(*dst);

	return str_dup(dst, src ? src : "");
}


static int binding_new(struct pbx_binding **bp, const char *ext,
		       const char *contact)
{
	struct pbx_binding *b;
	int err;

	b = mem_zalloc(sizeof(*b), binding_destructor);
	if (!b)
		return ENOMEM;

	err = strset(&b->ext, ext);
	if (!err)
		err = strset(&b->contact, contact);
	if (err) {
		mem_deref(b);
		return err;
	}

	hash_append(loc()->ht, hash_joaat_str(ext), &b->he, b);
	++loc()->count;
	*bp = b;

	return 0;
}


int pbx_location_update(const struct pbx_binding_prm *prm)
{
	struct pbx_binding *b;
	bool fresh = false;
	char src[64];
	int err;

	if (!loc() || !prm || !prm->ext || !prm->contact || !prm->source)
		return EINVAL;

	b = binding_find(prm->ext, prm->contact);
	if (b && prm->call_id && !strcmp(b->call_id, prm->call_id) &&
	    prm->cseq <= b->cseq)
		return EALREADY;

	if (!prm->expires) {
		if (b)
			binding_remove(b, "unregistered");
		return 0;
	}

	if (!b) {
		if (pbx_location_count(prm->ext) >= LOC_MAX_PER_EXT)
			return ENOSPC;
		err = binding_new(&b, prm->ext, prm->contact);
		if (err)
			return err;
		fresh = true;
	}

	b->src = *prm->source;
	b->cseq = prm->cseq;
	b->expires_at = (uint64_t)time(NULL) + prm->expires;
	err = strset(&b->transport, prm->transport);
	if (!err)
		err = strset(&b->user_agent, prm->user_agent);
	if (!err)
		err = strset(&b->call_id, prm->call_id);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "registrar: %s: cannot store binding "
			"%s: %m", prm->ext, prm->contact, err);
		if (fresh) {
			--loc()->count;
			mem_deref(b);
		}
		return err;
	}

	mark_dirty(b);
	if (fresh) {
		re_snprintf(src, sizeof(src), "%J", prm->source);
		pbx_log(PBX_LOG_INFO, "registrar: %s: %s registered from %s "
			"(%s)", b->ext, b->contact, src, b->transport);
		pbx_event_emitv("register", "ext", b->ext, "contact",
				b->contact, "source", src, "transport",
				b->transport, "user_agent", b->user_agent,
				NULL);
	}

	return 0;
}


void pbx_location_remove_ext(const char *ext)
{
	struct le *le;

	if (!loc() || !ext)
		return;

	le = list_head(hash_list(loc()->ht, hash_joaat_str(ext)));
	while (le) {
		struct pbx_binding *b = le->data;

		le = le->next;
		if (!strcmp(b->ext, ext))
			binding_remove(b, "unregistered");
	}
	mark_gone(ext, NULL);
}


unsigned pbx_location_count(const char *ext)
{
	struct le *le;
	unsigned n = 0;

	if (!loc() || !ext)
		return 0;

	le = list_head(hash_list(loc()->ht, hash_joaat_str(ext)));
	for (; le; le = le->next) {
		const struct pbx_binding *b = le->data;

		if (!strcmp(b->ext, ext))
			++n;
	}

	return n;
}


unsigned pbx_location_total(void)
{
	return loc() ? loc()->count : 0;
}


void pbx_binding_apply(const char *ext, pbx_binding_h *h, void *arg)
{
	struct le *le;
	uint32_t i;

	if (!loc() || !h)
		return;

	if (ext) {
		le = list_head(hash_list(loc()->ht,
					 hash_joaat_str(ext)));
		while (le) {
			struct pbx_binding *b = le->data;

			le = le->next;
			if (!strcmp(b->ext, ext) && h(b, arg))
				return;
		}
		return;
	}

	for (i = 0; i < hash_bsize(loc()->ht); i++) {
		le = list_head(hash_list(loc()->ht, i));
		while (le) {
			struct pbx_binding *b = le->data;

			le = le->next;
			if (h(b, arg))
				return;
		}
	}
}


const char *pbx_binding_ext(const struct pbx_binding *b)
{
	return b ? b->ext : NULL;
}


const char *pbx_binding_contact(const struct pbx_binding *b)
{
	return b ? b->contact : NULL;
}


const struct sa *pbx_binding_source(const struct pbx_binding *b)
{
	return b ? &b->src : NULL;
}


const char *pbx_binding_transport(const struct pbx_binding *b)
{
	return b ? b->transport : NULL;
}


const char *pbx_binding_user_agent(const struct pbx_binding *b)
{
	return b ? b->user_agent : NULL;
}


uint32_t pbx_binding_expires(const struct pbx_binding *b)
{
	uint64_t now = (uint64_t)time(NULL);

	if (!b || b->expires_at <= now)
		return 0;

	return (uint32_t)(b->expires_at - now);
}


static bool odict_h(const struct pbx_binding *b, void *arg)
{
	struct odict *arr = arg, *o;
	char src[64];
	int err;

	if (odict_alloc(&o, 8))
		return true;

	re_snprintf(src, sizeof(src), "%J", &b->src);
	err = odict_entry_add(o, "ext", ODICT_STRING, b->ext);
	if (!err)
		err = odict_entry_add(o, "contact", ODICT_STRING, b->contact);
	if (!err)
		err = odict_entry_add(o, "transport", ODICT_STRING,
				      b->transport);
	if (!err)
		err = odict_entry_add(o, "source", ODICT_STRING, src);
	if (!err)
		err = odict_entry_add(o, "expires", ODICT_INT,
				      (int64_t)pbx_binding_expires(b));
	if (!err)
		err = odict_entry_add(o, "user_agent", ODICT_STRING,
				      b->user_agent);
	if (!err)
		err = pbx_odict_append(arr, o);
	mem_deref(o);

	return err != 0;
}


int pbx_location_odict(struct odict **arrp)
{
	struct odict *arr;
	int err;

	if (!arrp)
		return EINVAL;

	err = odict_alloc(&arr, 32);
	if (err)
		return err;

	pbx_binding_apply(NULL, odict_h, arr);
	*arrp = arr;

	return 0;
}


/* Reloads the unexpired bindings of the last run; drops expired rows. */
static int location_load(void)
{
	sqlite3_stmt *st;
	uint64_t now = (uint64_t)time(NULL);
	unsigned n = 0;
	int rc;

	rc = sqlite3_prepare_v2(pbx_db(), "SELECT ext, contact, source, "
				"transport, expires_at, user_agent, call_id, "
				"cseq FROM registrations WHERE expires_at > ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return EIO;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pbx_binding *b;
		const char *src = (const char *)sqlite3_column_text(st, 2);

		if (binding_new(&b, (const char *)sqlite3_column_text(st, 0),
				(const char *)sqlite3_column_text(st, 1)))
			break;

		if (sa_decode(&b->src, src, strlen(src)))
			pbx_log(PBX_LOG_WARN, "registrar: %s: bad source '%s' "
				"in the database", b->ext, src);
		b->expires_at = (uint64_t)sqlite3_column_int64(st, 4);
		b->cseq = (uint32_t)sqlite3_column_int64(st, 7);
		(void)strset(&b->transport,
			     (const char *)sqlite3_column_text(st, 3));
		(void)strset(&b->user_agent,
			     (const char *)sqlite3_column_text(st, 5));
		(void)strset(&b->call_id,
			     (const char *)sqlite3_column_text(st, 6));
		++n;
	}
	sqlite3_finalize(st);

	pbx_log(PBX_LOG_INFO, "registrar: %u registrations restored", n);

	return pbx_db_exec("DELETE FROM registrations WHERE expires_at <= "
			   "strftime('%s', 'now')");
}


static void location_destructor(void *arg)
{
	struct pbx_location *l = arg;

	tmr_cancel(&l->flush);
	tmr_cancel(&l->sweep);
	list_flush(&l->gone);
	hash_flush(l->ht);
	mem_deref(l->ht);
}


int pbx_location_start(void)
{
	struct pbx_core *c = pbx_core();
	struct pbx_location *l;
	int err;

	if (!c || !pbx_db())
		return EINVAL;

	l = mem_zalloc(sizeof(*l), location_destructor);
	if (!l)
		return ENOMEM;

	tmr_init(&l->flush);
	tmr_init(&l->sweep);
	tmr_start(&l->sweep, LOC_SWEEP_MS, sweep_h, l);
	err = hash_alloc(&l->ht, LOC_HASH_SIZE);
	if (err) {
		mem_deref(l);
		return err;
	}

	c->loc = l;
	err = location_load();
	if (err)
		pbx_location_stop();

	return err;
}


/* Keeps the rows: the bindings are there again after a restart.  What
 * is not written yet is written now. */
void pbx_location_stop(void)
{
	struct pbx_core *c = pbx_core();
	int err;

	if (!c || !c->loc)
		return;

	err = loc_write(c->loc);
	if (err)
		pbx_log(PBX_LOG_ERROR, "registrar: the last registrations "
			"are not in the database (%m)", err);
	c->loc = mem_deref(c->loc);
}


static int cmd_reg_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct odict *arr;
	int err;

	if (argc > 1)
		return pbx_cmd_fail(req, "usage: reg list [EXT]");

	err = odict_alloc(&arr, 32);
	if (err)
		return err;

	pbx_binding_apply(argc ? argv[0] : NULL, odict_h, arr);
	err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static const struct pbx_cmd reg_cmds[] = {
	{"reg list", "[EXT]", "registered contacts: extension, contact, "
	 "transport, source, expires, user agent", cmd_reg_list},
};


int pbx_reg_cmds_register(void)
{
	return pbx_cmd_register(reg_cmds, ARRAY_SIZE(reg_cmds));
}

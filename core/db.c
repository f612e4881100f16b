/* db.c: the SQLite database: open in WAL mode, migrate schemas forward.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Every owner (the core, each module) has its own schema version in the
 * table schema_version; pbx_db_migrate applies the missing steps, each in
 * its own transaction, so a failed step leaves the previous version.
 */
#include <string.h>
#include <sqlite3.h>
#include <re.h>
#include "core.h"


enum {
	DB_BUSY_MS = 50,  /* busy_timeout sleeps on the loop: keep it short */
};

/* The core's tables.  Append steps; never edit a released one. */
static const char *const core_steps[] = {
	/* 1: users, registrations, key-value */
	"CREATE TABLE users ("
	" ext TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" realm TEXT NOT NULL,"
	" ha1_md5 TEXT NOT NULL,"
	" ha1_sha256 TEXT NOT NULL,"
	" pin_hash TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE TABLE registrations ("
	" ext TEXT NOT NULL,"
	" contact TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" transport TEXT NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" call_id TEXT NOT NULL DEFAULT '',"
	" cseq INTEGER NOT NULL DEFAULT 0,"
	" q REAL NOT NULL DEFAULT 1.0,"
	" PRIMARY KEY (ext, contact));"
	"CREATE TABLE kv ("
	" ns TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT,"
	" PRIMARY KEY (ns, key));",
	/* 2: call records */
	"CREATE TABLE cdr ("
	" id TEXT NOT NULL,"
	" start INTEGER NOT NULL,"         /* unix ms */
	" answer INTEGER,"                 /* unix ms, NULL: not answered */
	" end INTEGER NOT NULL,"
	" caller TEXT NOT NULL,"
	" caller_name TEXT NOT NULL DEFAULT '',"
	" callee TEXT NOT NULL,"
	" user TEXT,"                      /* authenticated extension */
	" disposition TEXT NOT NULL,"
	" duration INTEGER NOT NULL,"      /* seconds, start to end */
	" billsec INTEGER NOT NULL,"       /* seconds, answer to end */
	" cause TEXT NOT NULL DEFAULT '',"
	" vars TEXT NOT NULL DEFAULT '{}');"  /* call:set(), JSON */
	"CREATE INDEX cdr_start ON cdr (start);",
};


struct sqlite3 *pbx_db(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->db : NULL;
}


int pbx_db_exec(const char *sql)
{
	char *msg = NULL;

	if (!pbx_db() || !sql)
		return EINVAL;

	if (sqlite3_exec(pbx_db(), sql, NULL, NULL, &msg) != SQLITE_OK) {
		pbx_log(PBX_LOG_ERROR, "db: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return EIO;
	}

	return 0;
}


static int version_get(const char *owner, int *verp)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(pbx_db(), "SELECT version FROM schema_version"
				" WHERE owner = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return EIO;

	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*verp = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);

	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : EIO;
}


static int version_set(const char *owner, int ver)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(pbx_db(), "INSERT OR REPLACE INTO "
				"schema_version (owner, version) "
				"VALUES (?, ?)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return EIO;

	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, ver);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);

	return rc == SQLITE_DONE ? 0 : EIO;
}


int pbx_db_migrate(const char *owner, const char *const *stepv,
		   size_t stepc)
{
	int ver, err;
	size_t i;

	if (!pbx_db() || !owner || (!stepv && stepc))
		return EINVAL;

	err = pbx_db_exec("CREATE TABLE IF NOT EXISTS schema_version ("
			  " owner TEXT PRIMARY KEY NOT NULL,"
			  " version INTEGER NOT NULL)");
	if (err)
		return err;

	err = version_get(owner, &ver);
	if (err)
		return err;

	if (ver > (int)stepc) {
		pbx_log(PBX_LOG_ERROR, "db: %s schema is version %d, newer "
			"than this pbxd knows (%zu): upgrade pbxd", owner,
			ver, stepc);
		return EPROTO;
	}

	for (i = (size_t)ver; i < stepc; i++) {
		err = pbx_db_exec("BEGIN IMMEDIATE");
		if (err)
			return err;

		err = pbx_db_exec(stepv[i]);
		if (!err)
			err = version_set(owner, (int)i + 1);
		if (!err)
			err = pbx_db_exec("COMMIT");
		if (err) {
			(void)pbx_db_exec("ROLLBACK");
			pbx_log(PBX_LOG_ERROR, "db: %s: migration to version "
				"%zu failed", owner, i + 1);
			return err;
		}

		pbx_log(PBX_LOG_INFO, "db: %s schema migrated to version %zu",
			owner, i + 1);
	}

	return 0;
}


/* Statements of the hot paths (credentials, registrations), prepared
 * once per connection: parsing SQL costs more than running these.  Keyed
 * by their text; finalized at close. */
enum { DB_STMT_MAX = 32 };

static struct {
	char *sql;                /* owned */
	sqlite3_stmt *st;
} stmts[DB_STMT_MAX];


sqlite3_stmt *pbx_db_stmt(const char *sql)
{
	size_t i;

	if (!pbx_db() || !sql)
		return NULL;

	for (i = 0; i < DB_STMT_MAX && stmts[i].st; i++) {
		if (!strcmp(stmts[i].sql, sql)) {
			sqlite3_reset(stmts[i].st);
			sqlite3_clear_bindings(stmts[i].st);
			return stmts[i].st;
		}
	}

	if (i == DB_STMT_MAX) {
		pbx_log(PBX_LOG_ERROR, "db: more than %d kept statements",
			DB_STMT_MAX);
		return NULL;
	}

	if (sqlite3_prepare_v3(pbx_db(), sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmts[i].st, NULL) != SQLITE_OK) {
		pbx_log(PBX_LOG_ERROR, "db: %s", sqlite3_errmsg(pbx_db()));
		stmts[i].st = NULL;
		return NULL;
	}
	if (str_dup(&stmts[i].sql, sql)) {
		sqlite3_finalize(stmts[i].st);
		stmts[i].st = NULL;
		return NULL;
	}

	return stmts[i].st;
}


static void stmts_finalize(void)
{
	size_t i;

	for (i = 0; i < DB_STMT_MAX; i++) {
		sqlite3_finalize(stmts[i].st);
		stmts[i].st = NULL;
		stmts[i].sql = mem_deref(stmts[i].sql);
	}
}


int pbx_db_durable(bool on)
{
	return pbx_db_exec(on ? "PRAGMA synchronous=FULL" :
			   "PRAGMA synchronous=NORMAL");
}


int pbx_db_open(const char *path)
{
	struct pbx_core *c = pbx_core();
	sqlite3 *db = NULL;
	int rc, err;

	if (!c || !path)
		return EINVAL;
	if (c->db)
		return EALREADY;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		pbx_log(PBX_LOG_ERROR, "db: cannot open %s: %s", path,
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return EIO;
	}

	c->db = db;
	sqlite3_busy_timeout(db, DB_BUSY_MS);

	/* WAL with synchronous=NORMAL: a commit survives pbxd crashing
	 * without an fsync on the main loop (registrations and call
	 * records at hundreds a second); what must survive a power cut
	 * too (a voicemail message) is committed under pbx_db_durable. */
	err = pbx_db_exec("PRAGMA journal_mode=WAL");
	if (!err)
		err = pbx_db_durable(false);
	if (!err)
		err = pbx_db_exec("PRAGMA foreign_keys=ON");
	if (!err)
		err = pbx_db_migrate("core", core_steps,
				     ARRAY_SIZE(core_steps));
	if (err) {
		pbx_db_close();
		return err;
	}

	return 0;
}


void pbx_db_close(void)
{
	struct pbx_core *c = pbx_core();

	if (!c || !c->db)
		return;

	stmts_finalize();
	sqlite3_close_v2(c->db);
	c->db = NULL;
}

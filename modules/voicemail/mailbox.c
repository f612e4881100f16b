/* mailbox.c: voicemail messages on disk and in SQLite.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A message is a row of vm_msg plus the file data_dir/voicemail/BOX/
 * msg-ID.wav; the row keeps the file's name relative to the box folder,
 * so that moving data_dir keeps the mailboxes.  Storing orders its steps
 * so that a crash never leaves a row without its file: the row is
 * inserted in an open transaction (that gives the id), the recording is
 * renamed to its final name, the folder is synced (the rename is on
 * disk), and only then is the transaction committed.  A crash before the
 * commit leaves a file without a row (msg-ID.wav, or the tmp-*.wav it
 * came from), which the start-up check (check.c) reports; the caller
 * did not hear "saved" yet.  Deleting removes the file first, then the row.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


/* The module's tables.  Append steps; never edit a released one. */
static const char *const vm_steps[] = {
	/* 1: messages */
	"CREATE TABLE vm_msg ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" box TEXT NOT NULL,"
	" caller TEXT NOT NULL,"
	" caller_name TEXT NOT NULL DEFAULT '',"
	" time INTEGER NOT NULL,"          /* unix seconds */
	" duration_ms INTEGER NOT NULL,"
	" folder INTEGER NOT NULL,"        /* enum vm_folder */
	" heard INTEGER NOT NULL DEFAULT 0,"
	" file TEXT NOT NULL);"            /* in the box folder: msg-ID.wav */
	"CREATE INDEX vm_msg_box ON vm_msg (box, folder);",
};

#define MSG_COLS "id, box, caller, caller_name, time, duration_ms, " \
	"folder, heard, file"


/* Mailbox names become folder names: extension characters only, and no
 * leading dot (".", ".." and hidden folders are not mailboxes). */
bool vm_box_valid(const char *box)
{
	size_t i, l;

	if (!box)
		return false;

	l = strlen(box);
	if (!l || l >= VM_BOX_MAX || box[0] == '.')
		return false;

	for (i = 0; i < l; i++) {
		char ch = box[i];

		if (!(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z') && ch != '.' && ch != '_' &&
		    ch != '-')
			return false;
	}

	return true;
}


static int mkdir_one(const char *path)
{
	if (mkdir(path, 0750) && errno != EEXIST)
		return errno;

	return 0;
}


int vm_box_dir(char *buf, size_t sz, const char *box)
{
	int err;

	if (!buf || !sz || !vm_box_valid(box))
		return EINVAL;

	if (re_snprintf(buf, sz, "%s/voicemail", pbx_data_dir()) < 0)
		return ENAMETOOLONG;

	err = mkdir_one(buf);
	if (err)
		return err;

	if (re_snprintf(buf, sz, "%s/voicemail/%s", pbx_data_dir(), box) < 0)
		return ENAMETOOLONG;

	return mkdir_one(buf);
}


int vm_tmp_path(char *buf, size_t sz, const char *box)
{
	char dir[VM_PATH_MAX];
	int err;

	if (!buf || !sz)
		return EINVAL;

	err = vm_box_dir(dir, sizeof(dir), box);
	if (err)
		return err;

	if (re_snprintf(buf, sz, "%s/tmp-%016llx.wav", dir,
			(unsigned long long)rand_u64()) < 0)
		return ENAMETOOLONG;

	return 0;
}


int vm_greeting_path(char *buf, size_t sz, const char *box,
		     const char *kind, bool *exists)
{
	char dir[VM_PATH_MAX];
	struct stat st;
	int err;

	if (!buf || !sz || !kind || (strcmp(kind, "busy") &&
				     strcmp(kind, "unavail") &&
				     strcmp(kind, "name")))
		return EINVAL;

	err = vm_box_dir(dir, sizeof(dir), box);
	if (err)
		return err;

	if (re_snprintf(buf, sz, "%s/greet-%s.wav", dir, kind) < 0)
		return ENAMETOOLONG;

	if (exists)
		*exists = !stat(buf, &st) && S_ISREG(st.st_mode);

	return 0;
}


const char *vm_folder_name(enum vm_folder f)
{
	switch (f) {

	case VM_NEW:   return "new";
	case VM_OLD:   return "old";
	case VM_SAVED: return "saved";
	default:       return "?";
	}
}


static int prep(sqlite3_stmt **stp, const char *sql)
{
	if (!pbx_db())
		return ENOTCONN;

	return sqlite3_prepare_v2(pbx_db(), sql, -1, stp, NULL) == SQLITE_OK ?
		0 : EIO;
}


static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}


/* Fills msg from a row of MSG_COLS. */
static void row_read(sqlite3_stmt *st, struct vm_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->id = sqlite3_column_int64(st, 0);
	str_ncpy(msg->box, col_text(st, 1), sizeof(msg->box));
	str_ncpy(msg->caller, col_text(st, 2), sizeof(msg->caller));
	str_ncpy(msg->caller_name, col_text(st, 3), sizeof(msg->caller_name));
	msg->time = sqlite3_column_int64(st, 4);
	msg->duration_ms = (uint32_t)sqlite3_column_int64(st, 5);
	msg->folder = (enum vm_folder)sqlite3_column_int(st, 6);
	msg->heard = sqlite3_column_int(st, 7) != 0;
	re_snprintf(msg->path, sizeof(msg->path), "%s/voicemail/%s/%s",
		    pbx_data_dir(), msg->box, col_text(st, 8));
}


/* Makes the renames and unlinks in dir durable (rename(2) is in the
 * folder's data, which fsync of the file does not cover). */
static int dir_sync(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return errno;

	if (fsync(fd))
		err = errno;
	(void)close(fd);

	return err;
}


static int row_insert(const struct vm_msg *msg, int64_t *idp)
{
	sqlite3_stmt *st;
	int rc, err;

	err = prep(&st, "INSERT INTO vm_msg (box, caller, caller_name, "
		   "time, duration_ms, folder, file) VALUES (?, ?, ?, ?, ?, "
		   "0, '')");
	if (err)
		return err;

	sqlite3_bind_text(st, 1, msg->box, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, msg->caller, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, msg->caller_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, msg->time);
	sqlite3_bind_int64(st, 5, msg->duration_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return EIO;

	*idp = sqlite3_last_insert_rowid(pbx_db());

	return 0;
}


static int row_set_file(int64_t id, const char *file)
{
	sqlite3_stmt *st;
	int rc, err;

	err = prep(&st, "UPDATE vm_msg SET file = ? WHERE id = ?");
	if (err)
		return err;

	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);

	return rc == SQLITE_DONE ? 0 : EIO;
}


/* A rolled-back insert gives its id to the next message, so a file left
 * by a crash between rename and commit may carry the new message's name.
 * It was reported at start-up (no row); keep it under another name
 * rather than overwrite it. */
static void stray_move(const char *dir, const char *path, int64_t id)
{
	char aside[VM_PATH_MAX];

	if (access(path, F_OK))
		return;

	re_snprintf(aside, sizeof(aside), "%s/orphan-%lld-%llx.wav", dir,
		    (long long)id, (unsigned long long)rand_u64());
	pbx_log(PBX_LOG_WARN, "voicemail: %s has no row; kept as %s", path,
		aside);
	(void)rename(path, aside);
}


/* Inside the open transaction: the row gets its file, the recording its
 * final name, and the folder is synced.  On failure the recording is
 * back at tmp_path. */
static int msg_place(struct vm_msg *msg, const char *tmp_path)
{
	char dir[VM_PATH_MAX], file[40];
	int err;

	err = vm_box_dir(dir, sizeof(dir), msg->box);
	if (err)
		return err;

	re_snprintf(file, sizeof(file), "msg-%lld.wav", (long long)msg->id);
	if (re_snprintf(msg->path, sizeof(msg->path), "%s/%s", dir,
			file) < 0)
		return ENAMETOOLONG;

	err = row_set_file(msg->id, file);
	if (err)
		return err;

	stray_move(dir, msg->path, msg->id);
	if (rename(tmp_path, msg->path))
		return errno;

	err = dir_sync(dir);
	if (err)
		(void)rename(msg->path, tmp_path);

	return err;
}


static void msg_announce(const struct vm_msg *msg)
{
	char id[24], dur[16];

	re_snprintf(id, sizeof(id), "%lld", (long long)msg->id);
	re_snprintf(dur, sizeof(dur), "%u", (msg->duration_ms + 500) / 1000);
	pbx_log(PBX_LOG_INFO, "voicemail: %s: new message %s from %s (%s s)",
		msg->box, id, msg->caller, dur);
	pbx_event_emitv("voicemail", "box", msg->box, "id", id, "caller",
			msg->caller, "duration", dur, NULL);
	vm_mwi_changed(msg->box);
	vm_email_new(msg);
}


int vm_msg_store(const char *box, const char *caller,
		 const char *caller_name, uint32_t duration_ms,
		 const char *tmp_path, struct vm_msg *msg)
{
	struct vm_msg m;
	int err;

	if (!vm_box_valid(box) || !caller || !tmp_path)
		return EINVAL;
	if (access(tmp_path, F_OK))
		return errno;

	memset(&m, 0, sizeof(m));
	str_ncpy(m.box, box, sizeof(m.box));
	str_ncpy(m.caller, caller, sizeof(m.caller));
	str_ncpy(m.caller_name, caller_name ? caller_name : "",
		 sizeof(m.caller_name));
	m.time = (int64_t)time(NULL);
	m.duration_ms = duration_ms;
	m.folder = VM_NEW;

	/* the commit is on disk before the caller hears "saved" */
	err = pbx_db_durable(true);
	if (!err)
		err = pbx_db_exec("BEGIN IMMEDIATE");
	if (err) {
		(void)pbx_db_durable(false);
		return err;
	}

	err = row_insert(&m, &m.id);
	if (!err)
		err = msg_place(&m, tmp_path);
	if (!err) {
		err = pbx_db_exec("COMMIT");
		if (err)
			(void)rename(m.path, tmp_path);
	}
	if (err)
		(void)pbx_db_exec("ROLLBACK");
	(void)pbx_db_durable(false);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "voicemail: %s: cannot store message "
			"from %s (%m); the recording stays in %s", box,
			caller, err, tmp_path);
		return err;
	}

	if (msg)
		*msg = m;
	msg_announce(&m);

	return 0;
}


/* h runs while the SELECT is open: it may read the mailbox, but should
 * not change it (rows could be skipped or repeated); collect ids and
 * change them afterwards. */
int vm_msg_apply(const char *box, vm_msg_h *h, void *arg)
{
	sqlite3_stmt *st;
	struct vm_msg msg;
	int rc, err;

	if (!vm_box_valid(box) || !h)
		return EINVAL;

	err = prep(&st, "SELECT " MSG_COLS " FROM vm_msg WHERE box = ? "
		   "ORDER BY folder, time, id");
	if (err)
		return err;

	sqlite3_bind_text(st, 1, box, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &msg);
		if (h(&msg, arg))
			break;
	}
	sqlite3_finalize(st);

	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : EIO;
}


int vm_msg_get(const char *box, int64_t id, struct vm_msg *msg)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!vm_box_valid(box) || !msg)
		return EINVAL;

	err = prep(&st, "SELECT " MSG_COLS " FROM vm_msg WHERE box = ? "
		   "AND id = ?");
	if (err)
		return err;

	sqlite3_bind_text(st, 1, box, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_read(st, msg);
	sqlite3_finalize(st);

	if (rc == SQLITE_ROW)
		return 0;

	return rc == SQLITE_DONE ? ENOENT : EIO;
}


/* Runs a statement whose two last parameters are box and id; ENOENT if
 * it changed no row. */
static int msg_update(const char *sql, const char *box, int64_t id,
		      int nfirst, int first)
{
	sqlite3_stmt *st;
	int rc, err, i = 1;

	err = prep(&st, sql);
	if (err)
		return err;

	if (nfirst)
		sqlite3_bind_int(st, i++, first);
	sqlite3_bind_text(st, i++, box, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);

	if (rc != SQLITE_DONE)
		return EIO;

	return sqlite3_changes(pbx_db()) ? 0 : ENOENT;
}


int vm_msg_delete(const char *box, int64_t id)
{
	struct vm_msg msg;
	int err;

	err = vm_msg_get(box, id, &msg);
	if (err)
		return err;

	/* the file first: a crash in between leaves a row without a file,
	 * which the check reports, never an unreachable file */
	if (unlink(msg.path) && errno != ENOENT) {
		err = errno;
		pbx_log(PBX_LOG_ERROR, "voicemail: %s: cannot delete %s (%m)",
			box, msg.path, err);
		return err;
	}

	err = msg_update("DELETE FROM vm_msg WHERE box = ? AND id = ?", box,
			 id, 0, 0);
	if (err)
		return err;

	vm_mwi_changed(box);

	return 0;
}


int vm_msg_set_folder(const char *box, int64_t id, enum vm_folder f)
{
	int err;

	if (!vm_box_valid(box) ||
	    (f != VM_NEW && f != VM_OLD && f != VM_SAVED))
		return EINVAL;

	err = msg_update("UPDATE vm_msg SET folder = ? WHERE box = ? AND "
			 "id = ?", box, id, 1, (int)f);
	if (err)
		return err;

	vm_mwi_changed(box);

	return 0;
}


int vm_msg_heard(const char *box, int64_t id)
{
	int err;

	if (!vm_box_valid(box))
		return EINVAL;

	/* only a new message changes the counts (and so MWI); replaying
	 * one that was heard before only sets its flag again */
	err = msg_update("UPDATE vm_msg SET heard = 1, folder = 1 WHERE "
			 "box = ? AND id = ? AND folder = 0", box, id, 0, 0);
	if (err == ENOENT)
		return msg_update("UPDATE vm_msg SET heard = 1 WHERE box = ? "
				  "AND id = ?", box, id, 0, 0);
	if (err)
		return err;

	vm_mwi_changed(box);

	return 0;
}


/* old counts every message that is not new (old and saved), as the
 * "Voice-Message: new/old" line of RFC 3842 does. */
int vm_counts(const char *box, unsigned *newp, unsigned *oldp)
{
	sqlite3_stmt *st;
	unsigned n = 0, o = 0;
	int rc, err;

	if (!vm_box_valid(box))
		return EINVAL;

	err = prep(&st, "SELECT folder = 0, count(*) FROM vm_msg WHERE "
		   "box = ? GROUP BY folder = 0");
	if (err)
		return err;

	sqlite3_bind_text(st, 1, box, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0))
			n = (unsigned)sqlite3_column_int(st, 1);
		else
			o = (unsigned)sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);

	if (rc != SQLITE_DONE)
		return EIO;

	if (newp)
		*newp = n;
	if (oldp)
		*oldp = o;

	return 0;
}


int vm_box_apply(vm_box_h *h, void *arg)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!h)
		return EINVAL;

	err = prep(&st, "SELECT box, sum(folder = 0), sum(folder <> 0) "
		   "FROM vm_msg GROUP BY box ORDER BY box");
	if (err)
		return err;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h(col_text(st, 0), (unsigned)sqlite3_column_int(st, 1),
		      (unsigned)sqlite3_column_int(st, 2), arg))
			break;
	}
	sqlite3_finalize(st);

	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : EIO;
}


int vm_mailbox_start(void)
{
	int err;

	err = pbx_db_migrate("voicemail", vm_steps, ARRAY_SIZE(vm_steps));
	if (err)
		return err;

	vm_check();

	return 0;
}


void vm_mailbox_stop(void)
{
}

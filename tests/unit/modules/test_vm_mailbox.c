/* test_vm_mailbox.c: unit tests of voicemail's mailbox and its commands.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Links modules/voicemail/mailbox.c and cmd.c with the core library; each
 * test gets a fresh data_dir and database.  vm_mwi_changed and
 * vm_email_new (mwi.c, email.c) are stubs here that count their calls.
 */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"
#include "../../../modules/voicemail/vm.h"


enum {
	MAX_EVENTS = 16,
};

struct ev {
	char name[32];
	char box[VM_BOX_MAX];
	char id[24];
	char file[64];
	char problem[24];
	char caller[VM_CALLER_MAX];
	char duration[16];
};

static struct {
	char dir[64];
	unsigned mwi;             /* vm_mwi_changed calls */
	char mwi_box[VM_BOX_MAX];
	unsigned email;           /* vm_email_new calls */
	int64_t email_id;
	struct ev evv[MAX_EVENTS];
	unsigned evc;
} t;


void vm_mwi_changed(const char *box)
{
	++t.mwi;
	str_ncpy(t.mwi_box, box, sizeof(t.mwi_box));
}


void vm_email_new(const struct vm_msg *msg)
{
	++t.email;
	t.email_id = msg->id;
}


static void field(const struct odict *od, const char *k, char *buf,
		  size_t sz)
{
	const char *v = odict_string(od, k);

	str_ncpy(buf, v ? v : "", sz);
}


static void event_h(const char *name, const struct odict *fields,
		    void *arg)
{
	struct ev *e;
	(void)arg;

	if (t.evc >= MAX_EVENTS || (strcmp(name, "voicemail") &&
				    strcmp(name, "vm_inconsistent")))
		return;

	e = &t.evv[t.evc++];
	str_ncpy(e->name, name, sizeof(e->name));
	field(fields, "box", e->box, sizeof(e->box));
	field(fields, "id", e->id, sizeof(e->id));
	field(fields, "file", e->file, sizeof(e->file));
	field(fields, "problem", e->problem, sizeof(e->problem));
	field(fields, "caller", e->caller, sizeof(e->caller));
	field(fields, "duration", e->duration, sizeof(e->duration));
}


static int rm_h(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;

	return remove(path);
}


static int setup(void **state)
{
	struct pbx_conf *c = NULL;
	char text[128], err[128], db[96];
	(void)state;

	memset(&t, 0, sizeof(t));
	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);

	snprintf(t.dir, sizeof(t.dir), "/tmp/pbxd-test-vm-XXXXXX");
	if (!mkdtemp(t.dir))
		return -1;

	snprintf(text, sizeof(text), "data_dir %s\n", t.dir);
	if (pbx_conf_parse(&c, "t.conf", text, strlen(text), err,
			   sizeof(err)))
		return -1;
	pbx_conf_set_current(c);
	mem_deref(c);

	snprintf(db, sizeof(db), "%s/pbxd.db", t.dir);
	if (pbx_db_open(db) || pbx_event_init() || pbx_cmd_init())
		return -1;
	if (pbx_event_listen(event_h, NULL))
		return -1;

	return vm_mailbox_start() || vm_cmds_register() ? -1 : 0;
}


static int teardown(void **state)
{
	(void)state;

	vm_cmds_unregister();
	vm_mailbox_stop();
	pbx_event_unlisten(event_h, NULL);
	pbx_cmd_close();
	pbx_event_close();
	pbx_db_close();
	pbx_core_free();
	libre_close();
	nftw(t.dir, rm_h, 8, FTW_DEPTH | FTW_PHYS);

	return 0;
}


static bool file_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}


/* A small WAV file (8 kHz mono, 16-bit, n samples of silence). */
static void wav_write(const char *path, uint32_t n)
{
	uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0"
		"\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data";
	uint32_t len = 2 * n, riff = 36 + len;
	FILE *f = fopen(path, "wb");
	uint32_t i;

	assert_non_null(f);
	memcpy(h + 4, &riff, 4);
	memcpy(h + 40, &len, 4);
	assert_int_equal(fwrite(h, 1, sizeof(h), f), sizeof(h));
	for (i = 0; i < n; i++) {
		int16_t s = 0;

		assert_int_equal(fwrite(&s, 2, 1, f), 1);
	}
	assert_int_equal(fclose(f), 0);
}


static void store(const char *box, const char *caller, uint32_t ms,
		  struct vm_msg *msg)
{
	char tmp[VM_PATH_MAX];

	assert_int_equal(vm_tmp_path(tmp, sizeof(tmp), box), 0);
	wav_write(tmp, 80);
	assert_int_equal(vm_msg_store(box, caller, "Name", ms, tmp, msg), 0);
	assert_false(file_exists(tmp));
	assert_true(file_exists(msg->path));
}


static unsigned count_files(const char *box, const char *prefix)
{
	char dir[VM_PATH_MAX];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/voicemail/%s", t.dir, box);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			++n;
	closedir(d);

	return n;
}


static void test_box_names(void **state)
{
	static const char *const bad[] = {
		"../x", "..", ".", "", "a/b", ".hidden", "x y",
		"123456789012345678901234567890123",
	};
	char buf[VM_PATH_MAX], want[VM_PATH_MAX];
	struct vm_msg msg;
	struct stat st;
	bool exists = true;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(vm_box_dir(buf, sizeof(buf), bad[i]),
				 EINVAL);
		assert_int_equal(vm_tmp_path(buf, sizeof(buf), bad[i]),
				 EINVAL);
	}
	assert_int_equal(vm_box_dir(buf, sizeof(buf), NULL), EINVAL);

	/* nothing was made outside data_dir/voicemail */
	snprintf(want, sizeof(want), "%s/x", t.dir);
	assert_false(file_exists(want));

	assert_int_equal(vm_box_dir(buf, sizeof(buf), "1001"), 0);
	snprintf(want, sizeof(want), "%s/voicemail/1001", t.dir);
	assert_string_equal(buf, want);
	assert_int_equal(stat(buf, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777 & ~0750, 0);

	/* a tmp path is in the box and differs every time */
	assert_int_equal(vm_tmp_path(buf, sizeof(buf), "1001"), 0);
	assert_int_equal(strncmp(buf, want, strlen(want)), 0);
	assert_non_null(strstr(buf, "/tmp-"));
	assert_int_equal(vm_tmp_path(want, sizeof(want), "1001"), 0);
	assert_string_not_equal(buf, want);

	/* storing into a bad name fails before touching anything */
	wav_write(buf, 8);
	assert_int_equal(vm_msg_store("../x", "1002", "", 1000, buf, &msg),
			 EINVAL);
	assert_true(file_exists(buf));

	assert_int_equal(vm_greeting_path(buf, sizeof(buf), "1001", "evil",
					  &exists), EINVAL);
	assert_int_equal(vm_greeting_path(buf, sizeof(buf), "1001", "busy",
					  &exists), 0);
	assert_false(exists);
	assert_non_null(strstr(buf, "/voicemail/1001/greet-busy.wav"));
	wav_write(buf, 8);
	assert_int_equal(vm_greeting_path(buf, sizeof(buf), "1001", "busy",
					  &exists), 0);
	assert_true(exists);
}


static bool collect_h(const struct vm_msg *msg, void *arg)
{
	struct vm_msg *v = arg;
	unsigned i;

	for (i = 0; v[i].id; i++)
		;
	v[i] = *msg;

	return i == 4;            /* room for 5 plus a terminator */
}


static void list(const char *box, struct vm_msg *v)
{
	memset(v, 0, 6 * sizeof(*v));
	assert_int_equal(vm_msg_apply(box, collect_h, v), 0);
}


static void test_store_and_list(void **state)
{
	struct vm_msg m[3], v[6], g;
	char want[VM_PATH_MAX];
	unsigned n, o;
	(void)state;

	store("1001", "1002", 4400, &m[0]);
	store("1001", "1003", 12000, &m[1]);
	store("1001", "+4930123", 499, &m[2]);

	assert_true(m[0].id < m[1].id && m[1].id < m[2].id);
	snprintf(want, sizeof(want), "%s/voicemail/1001/msg-%lld.wav", t.dir,
		 (long long)m[1].id);
	assert_string_equal(m[1].path, want);
	assert_string_equal(m[1].caller, "1003");
	assert_int_equal(m[1].folder, VM_NEW);
	assert_false(m[1].heard);

	/* each store announced itself */
	assert_int_equal(t.mwi, 3);
	assert_string_equal(t.mwi_box, "1001");
	assert_int_equal(t.email, 3);
	assert_int_equal(t.email_id, m[2].id);
	assert_int_equal(t.evc, 3);
	assert_string_equal(t.evv[0].name, "voicemail");
	assert_string_equal(t.evv[0].box, "1001");
	assert_int_equal(atoll(t.evv[0].id), m[0].id);
	assert_string_equal(t.evv[0].caller, "1002");
	assert_string_equal(t.evv[0].duration, "4");
	assert_string_equal(t.evv[1].duration, "12");
	assert_string_equal(t.evv[2].duration, "0");

	list("1001", v);
	assert_int_equal(v[0].id, m[0].id);
	assert_int_equal(v[1].id, m[1].id);
	assert_int_equal(v[2].id, m[2].id);
	assert_int_equal(v[3].id, 0);
	assert_string_equal(v[2].caller, "+4930123");
	assert_string_equal(v[2].caller_name, "Name");
	assert_int_equal(v[1].duration_ms, 12000);
	assert_string_equal(v[1].path, m[1].path);
	assert_int_equal(vm_counts("1001", &n, &o), 0);
	assert_int_equal(n, 3);
	assert_int_equal(o, 0);

	/* heard: new -> old; saved stays saved; order new, old, saved */
	assert_int_equal(vm_msg_heard("1001", m[1].id), 0);
	assert_int_equal(vm_msg_set_folder("1001", m[0].id, VM_SAVED), 0);
	assert_int_equal(t.mwi, 5);
	assert_int_equal(vm_msg_heard("1001", m[0].id), 0);
	list("1001", v);
	assert_int_equal(v[0].id, m[2].id);
	assert_int_equal(v[1].id, m[1].id);
	assert_int_equal(v[2].id, m[0].id);
	assert_int_equal(v[0].folder, VM_NEW);
	assert_false(v[0].heard);
	assert_int_equal(v[1].folder, VM_OLD);
	assert_true(v[1].heard);
	assert_int_equal(v[2].folder, VM_SAVED);
	assert_true(v[2].heard);
	assert_int_equal(vm_counts("1001", &n, &o), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o, 2);

	assert_int_equal(vm_msg_get("1001", m[1].id, &g), 0);
	assert_int_equal(g.folder, VM_OLD);
	assert_string_equal(vm_folder_name(g.folder), "old");

	/* messages belong to their box only */
	assert_int_equal(vm_msg_get("1002", m[1].id, &g), ENOENT);
	assert_int_equal(vm_msg_heard("1002", m[1].id), ENOENT);
	assert_int_equal(vm_msg_set_folder("1001", m[1].id, 7), EINVAL);
	assert_int_equal(vm_counts("1002", &n, &o), 0);
	assert_int_equal(n + o, 0);
}


static bool box_h(const char *box, unsigned nnew, unsigned nold, void *arg)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 64, "%s:%u/%u ", box, nnew, nold);

	return false;
}


static void test_box_apply(void **state)
{
	struct vm_msg m;
	char buf[256] = "";
	(void)state;

	store("2001", "1", 1000, &m);
	store("1001", "1", 1000, &m);
	store("1001", "1", 1000, &m);
	assert_int_equal(vm_msg_heard("1001", m.id), 0);

	assert_int_equal(vm_box_apply(box_h, buf), 0);
	assert_string_equal(buf, "1001:1/1 2001:1/0 ");
}


static void test_delete(void **state)
{
	struct vm_msg m[2], g;
	unsigned n, o, mwi;
	(void)state;

	store("1001", "1002", 1000, &m[0]);
	store("1001", "1002", 1000, &m[1]);
	mwi = t.mwi;

	assert_int_equal(vm_msg_delete("1001", m[0].id), 0);
	assert_false(file_exists(m[0].path));
	assert_int_equal(vm_msg_get("1001", m[0].id, &g), ENOENT);
	assert_int_equal(t.mwi, mwi + 1);
	assert_int_equal(vm_msg_delete("1001", m[0].id), ENOENT);
	assert_int_equal(vm_msg_delete("1002", m[1].id), ENOENT);
	assert_true(file_exists(m[1].path));

	/* a row whose file is already gone can still be deleted */
	assert_int_equal(unlink(m[1].path), 0);
	assert_int_equal(vm_msg_delete("1001", m[1].id), 0);
	assert_int_equal(vm_counts("1001", &n, &o), 0);
	assert_int_equal(n + o, 0);
	assert_int_equal(count_files("1001", "msg-"), 0);
}


static void test_store_without_file(void **state)
{
	char tmp[VM_PATH_MAX];
	struct vm_msg m;
	unsigned n, o;
	(void)state;

	assert_int_equal(vm_tmp_path(tmp, sizeof(tmp), "1001"), 0);
	assert_int_equal(vm_msg_store("1001", "1002", "", 1000, tmp, &m),
			 ENOENT);
	assert_int_equal(vm_counts("1001", &n, &o), 0);
	assert_int_equal(n + o, 0);
	assert_int_equal(count_files("1001", "msg-"), 0);
	assert_int_equal(t.evc, 0);
	assert_int_equal(t.mwi, 0);
	assert_int_equal(t.email, 0);

	/* the box works afterwards */
	store("1001", "1002", 1000, &m);
	assert_int_equal(vm_counts("1001", &n, &o), 0);
	assert_int_equal(n, 1);
}


/* A crash between rename and commit left msg-ID.wav without a row; the
 * rolled-back id comes again and must not overwrite that file. */
static void test_store_keeps_stray(void **state)
{
	char path[VM_PATH_MAX], dir[VM_PATH_MAX];
	struct vm_msg m;
	(void)state;

	store("1001", "1002", 1000, &m);
	assert_int_equal(vm_box_dir(dir, sizeof(dir), "1001"), 0);
	re_snprintf(path, sizeof(path), "%s/msg-%lld.wav", dir,
		    (long long)m.id + 1);
	wav_write(path, 3);

	pbx_log_set_level(PBX_LOG_ERROR + 1);
	store("1001", "1003", 1000, &m);
	pbx_log_set_level(PBX_LOG_ERROR);
	assert_string_equal(m.path, path);
	assert_int_equal(count_files("1001", "orphan-"), 1);
	assert_int_equal(count_files("1001", "msg-"), 2);
}


/* Runs vm_mailbox_start with stderr in a file; returns what was logged
 * (static buffer). */
static const char *start_logged(int *errp)
{
	static char buf[2048];
	char path[96];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/log.txt", t.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) >= 0);

	pbx_log_set_level(PBX_LOG_WARN);
	*errp = vm_mailbox_start();
	pbx_log_set_level(PBX_LOG_ERROR);

	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';

	return buf;
}


static const struct ev *event_find(const char *problem)
{
	unsigned i;

	for (i = 0; i < t.evc; i++)
		if (!strcmp(t.evv[i].problem, problem))
			return &t.evv[i];

	return NULL;
}


static void test_restart_check(void **state)
{
	char dir[VM_PATH_MAX], stray[VM_PATH_MAX], tmp[VM_PATH_MAX];
	char want[VM_PATH_MAX];
	struct vm_msg m[2];
	const struct ev *e;
	const char *log;
	int err;
	(void)state;

	store("1001", "1002", 1000, &m[0]);
	store("1001", "1002", 1000, &m[1]);
	assert_int_equal(vm_box_dir(dir, sizeof(dir), "1001"), 0);

	/* a clean start says nothing */
	t.evc = 0;
	log = start_logged(&err);
	assert_int_equal(err, 0);
	assert_string_equal(log, "");
	assert_int_equal(t.evc, 0);

	assert_int_equal(unlink(m[0].path), 0);
	re_snprintf(stray, sizeof(stray), "%s/msg-99.wav", dir);
	wav_write(stray, 3);
	re_snprintf(tmp, sizeof(tmp), "%s/tmp-0123abcd.wav", dir);
	wav_write(tmp, 3);

	log = start_logged(&err);
	assert_int_equal(err, 0);
	assert_int_equal(t.evc, 3);

	e = event_find("no_file");
	assert_non_null(e);
	assert_string_equal(e->name, "vm_inconsistent");
	assert_string_equal(e->box, "1001");
	assert_int_equal(atoll(e->id), m[0].id);
	re_snprintf(want, sizeof(want), "voicemail: message 1001/%lld has "
		    "no file %s", (long long)m[0].id, m[0].path);
	assert_non_null(strstr(log, want));

	e = event_find("no_row");
	assert_non_null(e);
	assert_string_equal(e->box, "1001");
	assert_string_equal(e->file, "msg-99.wav");
	assert_non_null(strstr(log, "msg-99.wav has no message"));

	e = event_find("tmp_file");
	assert_non_null(e);
	assert_string_equal(e->file, "tmp-0123abcd.wav");
	assert_non_null(strstr(log, "tmp-0123abcd.wav is a recording left"));

	/* reported, not repaired: people decide */
	assert_true(file_exists(stray));
	assert_true(file_exists(tmp));
	assert_true(file_exists(m[1].path));
}


/* libre 1.1's odict has no typed getters for containers: read the
 * entry. */
static const struct odict *sub(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	assert_non_null(e);
	assert_true(odict_type_iscontainer(e->type));

	return e->u.odict;
}


static bool boolv(const struct odict *o, const char *key)
{
	bool b = false;

	assert_true(odict_get_boolean(o, &b, key));

	return b;
}


/* Runs a console command; returns the JSON reply (decoded). */
static struct odict *run(const char *line)
{
	char buf[256], *argv[8], *save = NULL, *w;
	struct odict *od = NULL;
	struct mbuf *mb = mbuf_alloc(512);
	int argc = 0;

	assert_non_null(mb);
	str_ncpy(buf, line, sizeof(buf));
	for (w = strtok_r(buf, " ", &save); w && argc < 8;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;

	assert_int_equal(pbx_cmd_run(mb, argc, argv, NULL), 0);
	assert_int_equal(json_decode_odict(&od, 16, (char *)mb->buf,
					   mb->end, 8), 0);
	mem_deref(mb);

	return od;
}


static void expect_error(const char *line, const char *error)
{
	struct odict *od = run(line);

	assert_false(boolv(od, "ok"));
	assert_string_equal(odict_string(od, "error"), error);
	mem_deref(od);
}


static void test_cmds(void **state)
{
	struct pbx_user_prm u = {"1001", "secret", NULL, NULL, NULL};
	const struct odict_entry *e;
	const struct odict *arr, *o;
	struct vm_msg m[2];
	struct odict *od;
	char line[64], buf[128];
	uint64_t v;
	(void)state;

	assert_int_equal(pbx_user_add(&u), 0);
	store("1001", "1002", 2600, &m[0]);
	store("1001", "1003", 1000, &m[1]);
	assert_int_equal(vm_msg_heard("1001", m[1].id), 0);

	od = run("vm list 1001");
	assert_true(boolv(od, "ok"));
	e = odict_lookup(od, "data");
	assert_non_null(e);
	assert_int_equal(e->type, ODICT_ARRAY);
	arr = e->u.odict;
	assert_int_equal(odict_count(arr, false), 2);
	o = sub(arr, "0");
	assert_non_null(o);
	assert_true(odict_get_number(o, &v, "id"));
	assert_int_equal(v, m[0].id);
	assert_string_equal(odict_string(o, "caller"), "1002");
	assert_string_equal(odict_string(o, "caller_name"), "Name");
	assert_true(odict_get_number(o, &v, "duration"));
	assert_int_equal(v, 3);
	assert_true(odict_get_number(o, &v, "time"));
	assert_int_equal(v, m[0].time);
	assert_int_equal(strlen(odict_string(o, "date")), 19);
	assert_string_equal(odict_string(o, "folder"), "new");
	assert_false(boolv(o, "heard"));
	o = sub(arr, "1");
	assert_string_equal(odict_string(o, "folder"), "old");
	assert_true(boolv(o, "heard"));
	mem_deref(od);

	/* a user without messages has an empty mailbox */
	od = run("vm counts");
	arr = sub(od, "data");
	assert_int_equal(odict_count(arr, false), 1);
	o = sub(arr, "0");
	assert_string_equal(odict_string(o, "box"), "1001");
	assert_true(odict_get_number(o, &v, "new"));
	assert_int_equal(v, 1);
	assert_true(odict_get_number(o, &v, "old"));
	assert_int_equal(v, 1);
	mem_deref(od);

	snprintf(line, sizeof(line), "vm play 1001 %lld", (long long)m[1].id);
	od = run(line);
	assert_true(boolv(od, "ok"));
	o = sub(od, "data");
	assert_string_equal(odict_string(o, "path"), m[1].path);
	mem_deref(od);

	snprintf(line, sizeof(line), "vm del 1001 %lld", (long long)m[0].id);
	od = run(line);
	assert_true(boolv(od, "ok"));
	mem_deref(od);
	assert_false(file_exists(m[0].path));

	snprintf(buf, sizeof(buf), "no message %lld in mailbox 1001 (see: "
		 "vm list 1001)", (long long)m[0].id);
	expect_error(line, buf);
	expect_error("vm play 1001 7x", "'7x' is not a message id (see: vm "
		     "list)");
	expect_error("vm list ../x", "'../x' is not a mailbox name (1-32 "
		     "letters, digits, '.', '_' or '-')");
	expect_error("vm list 2002", "no mailbox 2002 (see: user list)");
	expect_error("vm counts 2002", "no mailbox 2002 (see: user list)");
	expect_error("vm del 1001", "usage: vm del EXT ID");

	od = run("vm counts 1001");
	arr = sub(od, "data");
	o = sub(arr, "0");
	assert_true(odict_get_number(o, &v, "new"));
	assert_int_equal(v, 0);
	mem_deref(od);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_box_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_and_list, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_box_apply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_without_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_keeps_stray, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_check, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmds, setup, teardown),
	};

	return cmocka_run_group_tests_name("vm_mailbox", tests, NULL, NULL);
}

/* check.c: the start-up consistency check of the mailboxes.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Storing and deleting order their steps so that a crash leaves at most
 * a file without a row or a recording half made (mailbox.c); a row
 * without its file means someone removed it.  Each is logged and sent
 * as a vm_inconsistent event, never repaired: only people can tell
 * whether a stray recording matters.  Reads through mailbox.c's API.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


static bool row_check(const struct vm_msg *msg, void *arg)
{
	char id[24];
	(void)arg;

	if (!access(msg->path, F_OK))
		return false;

	re_snprintf(id, sizeof(id), "%lld", (long long)msg->id);
	pbx_log(PBX_LOG_WARN, "voicemail: message %s/%s has no file %s",
		msg->box, id, msg->path);
	pbx_event_emitv("vm_inconsistent", "box", msg->box, "id", id,
			"problem", "no_file", NULL);

	return false;
}


static bool box_rows(const char *box, unsigned nnew, unsigned nold,
		     void *arg)
{
	(void)nnew;
	(void)nold;
	(void)arg;

	(void)vm_msg_apply(box, row_check, NULL);

	return false;
}


static bool name_is(const char *name, const char *prefix)
{
	size_t l = strlen(name), p = strlen(prefix);

	return l > p + 4 && !strncmp(name, prefix, p) &&
		!strcmp(name + l - 4, ".wav");
}


/* msg-ID.wav has a row when message ID of box is stored as that file
 * (ENOENT: no such row; another error: cannot tell, so no alarm). */
static bool file_has_row(const char *box, const char *file)
{
	struct vm_msg msg;
	const char *base;
	char *end;
	long long id;

	id = strtoll(file + 4, &end, 10);
	if (end == file + 4 || strcmp(end, ".wav"))
		return false;

	switch (vm_msg_get(box, id, &msg)) {

	case 0:
		base = strrchr(msg.path, '/');
		return !strcmp(base ? base + 1 : msg.path, file);

	case ENOENT:
		return false;

	default:
		return true;
	}
}


static void check_box(const char *base, const char *box)
{
	char dir[VM_PATH_MAX];
	struct dirent *de;
	DIR *d;

	re_snprintf(dir, sizeof(dir), "%s/%s", base, box);
	d = opendir(dir);
	if (!d)
		return;

	while ((de = readdir(d)) != NULL) {
		const char *f = de->d_name;

		if (name_is(f, "msg-") && !file_has_row(box, f)) {
			pbx_log(PBX_LOG_WARN, "voicemail: %s/%s has no "
				"message in the database (kept)", dir, f);
			pbx_event_emitv("vm_inconsistent", "box", box,
					"file", f, "problem", "no_row", NULL);
		}
		else if (name_is(f, "tmp-")) {
			pbx_log(PBX_LOG_WARN, "voicemail: %s/%s is a "
				"recording left by a crash (kept)", dir, f);
			pbx_event_emitv("vm_inconsistent", "box", box,
					"file", f, "problem", "tmp_file",
					NULL);
		}
	}
	(void)closedir(d);
}


void vm_check(void)
{
	char base[VM_PATH_MAX];
	struct dirent *de;
	DIR *d;

	(void)vm_box_apply(box_rows, NULL);

	re_snprintf(base, sizeof(base), "%s/voicemail", pbx_data_dir());
	d = opendir(base);
	if (!d)
		return;           /* no mailbox yet */

	while ((de = readdir(d)) != NULL) {
		if (vm_box_valid(de->d_name))
			check_box(base, de->d_name);
	}
	(void)closedir(d);
}

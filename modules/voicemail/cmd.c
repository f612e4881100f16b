/* cmd.c: the voicemail console commands (vm list, del, play, counts).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Thin adapters over mailbox.c: they check and convert the arguments,
 * and turn messages into the reply's fields (DESIGN.md, console): vm list
 * gives id, caller, caller_name, time (unix seconds), date (local time,
 * "2026-11-22 07:50:01"), duration (seconds, rounded), folder ("new",
 * "old", "saved") and heard.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


/* A mailbox people can name: a user's, or one that has messages (a
 * dialplan may leave messages in a box without a user).  vm_counts also
 * checks the name (EINVAL: not one a folder may have). */
static int box_check(struct pbx_cmd_req *req, const char *box)
{
	unsigned n = 0, o = 0;
	int err;

	err = vm_counts(box, &n, &o);
	if (err == EINVAL)
		return pbx_cmd_fail(req, "'%s' is not a mailbox name (1-32 "
				    "letters, digits, '.', '_' or '-')",
				    box);
	if (err)
		return pbx_cmd_fail(req, "mailbox %s: %m", box, err);
	if (!n && !o && !pbx_user_exists(box))
		return pbx_cmd_fail(req, "no mailbox %s (see: user list)",
				    box);

	return 0;
}


static int id_parse(struct pbx_cmd_req *req, const char *s, int64_t *idp)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !end || *end || end == s || v <= 0)
		return pbx_cmd_fail(req, "'%s' is not a message id (see: vm "
				    "list)", s);

	*idp = v;

	return 0;
}


static int no_msg(struct pbx_cmd_req *req, const char *box, int64_t id,
		  int err)
{
	if (err == ENOENT)
		return pbx_cmd_fail(req, "no message %lld in mailbox %s (see: "
				    "vm list %s)", (long long)id, box, box);

	return pbx_cmd_fail(req, "mailbox %s: %m", box, err);
}


static int msg_odict(struct odict **odp, const struct vm_msg *msg)
{
	struct odict *o;
	char date[32] = "";
	time_t t = (time_t)msg->time;
	struct tm tm;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;

	if (localtime_r(&t, &tm))
		(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);

	err = odict_entry_add(o, "id", ODICT_INT, msg->id);
	if (!err)
		err = odict_entry_add(o, "caller", ODICT_STRING, msg->caller);
	if (!err)
		err = odict_entry_add(o, "caller_name", ODICT_STRING,
				      msg->caller_name);
	if (!err)
		err = odict_entry_add(o, "time", ODICT_INT, msg->time);
	if (!err)
		err = odict_entry_add(o, "date", ODICT_STRING, date);
	if (!err)
		err = odict_entry_add(o, "duration", ODICT_INT,
				      (int64_t)((msg->duration_ms + 500) /
						1000));
	if (!err)
		err = odict_entry_add(o, "folder", ODICT_STRING,
				      vm_folder_name(msg->folder));
	if (!err)
		err = odict_entry_add(o, "heard", ODICT_BOOL, msg->heard);

	if (err)
		mem_deref(o);
	else
		*odp = o;

	return err;
}


struct list_ctx {
	struct odict *arr;
	int err;
};


static bool list_h(const struct vm_msg *msg, void *arg)
{
	struct list_ctx *ctx = arg;
	struct odict *o;

	ctx->err = msg_odict(&o, msg);
	if (ctx->err)
		return true;

	ctx->err = pbx_odict_append(ctx->arr, o);
	mem_deref(o);

	return ctx->err != 0;
}


static int cmd_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct list_ctx ctx = {NULL, 0};
	int err;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: vm list EXT");

	err = box_check(req, argv[0]);
	if (err)
		return err;

	err = odict_alloc(&ctx.arr, 16);
	if (err)
		return err;

	err = vm_msg_apply(argv[0], list_h, &ctx);
	if (!err)
		err = ctx.err;
	if (!err)
		err = pbx_cmd_reply_odict(req, ctx.arr, true);
	mem_deref(ctx.arr);

	return err;
}


static int cmd_del(struct pbx_cmd_req *req, int argc, char *argv[])
{
	int64_t id;
	int err;

	if (argc != 2)
		return pbx_cmd_fail(req, "usage: vm del EXT ID");

	err = box_check(req, argv[0]);
	if (!err)
		err = id_parse(req, argv[1], &id);
	if (err)
		return err;

	err = vm_msg_delete(argv[0], id);
	if (err)
		return no_msg(req, argv[0], id, err);

	return pbx_cmd_reply_str(req, "message %lld of mailbox %s deleted",
				 (long long)id, argv[0]);
}


static int cmd_play(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct vm_msg msg;
	struct odict *o;
	int64_t id;
	int err;

	if (argc != 2)
		return pbx_cmd_fail(req, "usage: vm play EXT ID");

	err = box_check(req, argv[0]);
	if (!err)
		err = id_parse(req, argv[1], &id);
	if (err)
		return err;

	err = vm_msg_get(argv[0], id, &msg);
	if (err)
		return no_msg(req, argv[0], id, err);

	err = odict_alloc(&o, 4);
	if (err)
		return err;

	err = odict_entry_add(o, "path", ODICT_STRING, msg.path);
	if (!err)
		err = pbx_cmd_reply_odict(req, o, false);
	mem_deref(o);

	return err;
}


static int counts_add(struct odict *arr, const char *box, unsigned nnew,
		      unsigned nold)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 4);
	if (err)
		return err;

	err = odict_entry_add(o, "box", ODICT_STRING, box);
	if (!err)
		err = odict_entry_add(o, "new", ODICT_INT, (int64_t)nnew);
	if (!err)
		err = odict_entry_add(o, "old", ODICT_INT, (int64_t)nold);
	if (!err)
		err = pbx_odict_append(arr, o);
	mem_deref(o);

	return err;
}


static bool counts_h(const char *box, unsigned nnew, unsigned nold,
		     void *arg)
{
	struct list_ctx *ctx = arg;

	ctx->err = counts_add(ctx->arr, box, nnew, nold);

	return ctx->err != 0;
}


static int cmd_counts(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct list_ctx ctx = {NULL, 0};
	unsigned n, o;
	int err;

	if (argc > 1)
		return pbx_cmd_fail(req, "usage: vm counts [EXT]");

	if (argc) {
		err = box_check(req, argv[0]);
		if (err)
			return err;
	}

	err = odict_alloc(&ctx.arr, 16);
	if (err)
		return err;

	if (argc) {
		err = vm_counts(argv[0], &n, &o);
		if (!err)
			err = counts_add(ctx.arr, argv[0], n, o);
	}
	else {
		err = vm_box_apply(counts_h, &ctx);
		if (!err)
			err = ctx.err;
	}
	if (!err)
		err = pbx_cmd_reply_odict(req, ctx.arr, true);
	mem_deref(ctx.arr);

	return err;
}


static const struct pbx_cmd vm_cmds[] = {
	{"vm list", "EXT", "messages of a mailbox: id, caller, time, "
	 "duration (s), folder (new, old, saved)", cmd_list},
	{"vm del", "EXT ID", "delete a message (file and record)", cmd_del},
	{"vm play", "EXT ID", "the WAV file of a message, for any player",
	 cmd_play},
	{"vm counts", "[EXT]", "new and old messages of a mailbox, or of "
	 "every mailbox that has messages", cmd_counts},
};


int vm_cmds_register(void)
{
	return pbx_cmd_register(vm_cmds, ARRAY_SIZE(vm_cmds));
}


void vm_cmds_unregister(void)
{
	pbx_cmd_unregister(vm_cmds, ARRAY_SIZE(vm_cmds));
}

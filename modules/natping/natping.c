/* natping.c: the natping module's export, config and console command.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Keeps the NAT mappings of phones registered over UDP open and notices
 * dead contacts (ping.c).  Config: natping_interval, seconds between two
 * pings of one contact (default 30, 5-3600).  Console: natping list.
 * Events: natping_unreachable and natping_reachable (ext, contact,
 * source).
 */
#include <re.h>
#include "pbx.h"
#include "natping.h"


enum {
	NATPING_INTERVAL_DEF = 30,    /* s: most NATs keep UDP for >= 30 s */
	NATPING_INTERVAL_MIN = 5,
	NATPING_INTERVAL_MAX = 3600,
};

/* The module's state; NULL while not loaded. */
static struct natping *natping;


static bool info_h(const struct natping_info *info, void *arg)
{
	struct odict *arr = arg, *o;
	char src[64];
	int err;

	if (odict_alloc(&o, 16))
		return true;

	re_snprintf(src, sizeof(src), "%J", info->source);
	err = odict_entry_add(o, "ext", ODICT_STRING, info->ext);
	if (!err)
		err = odict_entry_add(o, "contact", ODICT_STRING,
				      info->contact);
	if (!err)
		err = odict_entry_add(o, "source", ODICT_STRING, src);
	if (!err)
		err = odict_entry_add(o, "sent", ODICT_INT,
				      (int64_t)info->sent);
	if (!err)
		err = odict_entry_add(o, "answered", ODICT_INT,
				      (int64_t)info->answered);
	if (!err)
		err = odict_entry_add(o, "failures", ODICT_INT,
				      (int64_t)info->failures);
	if (!err && info->rtt_ms >= 0)
		err = odict_entry_add(o, "rtt_ms", ODICT_INT,
				      (int64_t)info->rtt_ms);
	else if (!err)
		err = odict_entry_add(o, "rtt_ms", ODICT_NULL);
	if (!err)
		err = odict_entry_add(o, "last_answer", ODICT_INT,
				      (int64_t)info->last_answer);
	if (!err)
		err = odict_entry_add(o, "state", ODICT_STRING, info->state);
	if (!err)
		err = pbx_odict_append(arr, o);
	mem_deref(o);

	return err != 0;
}


static int cmd_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct odict *arr;
	int err;

	(void)argv;

	if (argc)
		return pbx_cmd_fail(req, "natping list takes no arguments");

	err = odict_alloc(&arr, 16);
	if (err)
		return err;

	natping_apply(natping, info_h, arr);
	err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static const struct pbx_cmd natping_cmds[] = {
	{"natping list", "", "UDP contacts kept open by OPTIONS pings, with "
	 "their state (ok, unreachable, pending)", cmd_list},
};


/* Safe after a partial init, and called by libre again after a failed
 * init: everything here tolerates what is already undone. */
static int natping_close(void)
{
	pbx_cmd_unregister(natping_cmds, ARRAY_SIZE(natping_cmds));
	natping = mem_deref(natping);

	return 0;
}


static int natping_init(void)
{
	uint32_t interval;
	int err;

	/* a bad value is logged by the getter, naming the key */
	err = pbx_conf_u32("natping_interval", NATPING_INTERVAL_DEF,
			   NATPING_INTERVAL_MIN, NATPING_INTERVAL_MAX,
			   &interval);
	if (err)
		return err;

	err = natping_alloc(&natping, interval);
	if (err)
		goto out;

	err = pbx_cmd_register(natping_cmds, ARRAY_SIZE(natping_cmds));
	if (err)
		goto out;

	pbx_log(PBX_LOG_INFO, "natping: pinging UDP contacts every %u s",
		interval);

 out:
	if (err) {
		pbx_log(PBX_LOG_ERROR, "natping: cannot start: %m", err);
		natping_close();
	}

	return err;
}


__attribute__((visibility("default")))
const struct mod_export exports = {
	"natping",
	"application",
	natping_init,
	natping_close,
};

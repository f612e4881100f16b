/* cmd_core.c: the console's status and log commands.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <re.h>
#include "core.h"


static int cmd_status(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_core *c = pbx_core();
	struct odict *o;
	int err;

	if (argc)
		return pbx_cmd_fail(req, "usage: status");

	err = odict_alloc(&o, 8);
	if (err)
		return err;

	err = odict_entry_add(o, "version", ODICT_STRING, PBX_VERSION);
	if (!err)
		err = odict_entry_add(o, "uptime", ODICT_INT,
				      (int64_t)pbx_uptime());
	if (!err)
		err = odict_entry_add(o, "domain", ODICT_STRING,
				      pbx_domain());
	if (!err)
		err = odict_entry_add(o, "registrations", ODICT_INT,
				      (int64_t)pbx_location_total());
	if (!err)
		err = odict_entry_add(o, "calls", ODICT_INT,
				      (int64_t)pbx_calls_count());
	if (!err)
		err = odict_entry_add(o, "modules", ODICT_INT,
				      (int64_t)list_count(&c->modules));
	if (!err)
		err = odict_entry_add(o, "log_level", ODICT_STRING,
				      pbx_log_level_name(pbx_log_get_level()));
	if (!err)
		err = pbx_cmd_reply_odict(req, o, false);
	mem_deref(o);

	return err;
}


static int cmd_log_level(struct pbx_cmd_req *req, int argc, char *argv[])
{
	enum pbx_log_level lvl;

	if (argc == 0)
		return pbx_cmd_reply_str(req, "%s",
				      pbx_log_level_name(pbx_log_get_level()));

	if (argc != 1 || pbx_log_level_parse(argv[0], &lvl))
		return pbx_cmd_fail(req, "usage: log level "
				    "debug|info|warn|error");

	pbx_log_set_level(lvl);
	pbx_log(PBX_LOG_INFO, "log level set to %s", pbx_log_level_name(lvl));

	return pbx_cmd_reply_str(req, "log level %s",
				 pbx_log_level_name(lvl));
}


static const struct pbx_cmd core_cmds[] = {
	{"status", "", "version, uptime, counts of registrations, calls, "
	 "modules", cmd_status},
	{"log level", "[debug|info|warn|error]", "show or set the log level",
	 cmd_log_level},
};


int pbx_core_cmds_register(void)
{
	return pbx_cmd_register(core_cmds, ARRAY_SIZE(core_cmds));
}

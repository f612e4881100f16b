/* cmd_call.c: the console's call and dialplan commands.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "call.h"


int pbx_media_leg_odict(const struct pbx_media *m, struct odict *arr)
{
	struct pbx_media_stats st;
	const char *codec;
	struct odict *o;
	int err;

	if (!m)
		return 0;

	err = odict_alloc(&o, 8);
	if (err)
		return err;

	pbx_media_stats(m, &st);
	codec = pbx_media_codec(m);
	err = odict_entry_add(o, "codec", ODICT_STRING, codec ? codec : "");
	if (!err)
		err = odict_entry_add(o, "rtp_port", ODICT_INT,
				      (int64_t)pbx_media_port(m));
	if (!err)
		err = odict_entry_add(o, "packets_in", ODICT_INT,
				      (int64_t)st.packets_in);
	if (!err)
		err = odict_entry_add(o, "packets_out", ODICT_INT,
				      (int64_t)st.packets_out);
	if (!err)
		err = odict_entry_add(o, "lost", ODICT_INT, (int64_t)st.lost);
	if (!err)
		err = odict_entry_add(o, "srtp", ODICT_BOOL, st.srtp);
	if (!err)
		err = odict_entry_add(o, "transcoding", ODICT_BOOL,
				      st.transcoding);
	if (!err)
		err = odict_entry_add(o, "srtp_fail", ODICT_INT,
				      (int64_t)st.srtp_fail);
	if (!err)
		err = odict_entry_add(o, "dtmf", ODICT_INT, (int64_t)st.dtmf);
	if (!err)
		err = odict_entry_add(o, "frames_in", ODICT_INT,
				      (int64_t)st.frames_in);
	if (!err)
		err = odict_entry_add(o, "frames_out", ODICT_INT,
				      (int64_t)st.frames_out);
	if (!err)
		err = odict_entry_add(o, "jb_late", ODICT_INT,
				      (int64_t)st.jb_late);
	if (!err)
		err = odict_entry_add(o, "jb_delay_ms", ODICT_INT,
				      (int64_t)st.jb_delay_ms);
	if (!err)
		err = pbx_odict_append(arr, o);
	mem_deref(o);

	return err;
}


/* "PCMU/opus": the legs' codecs, for people (the legs hold the rest). */
static void codecs_join(const struct odict *legs, char *buf, size_t sz)
{
	struct le *le;
	size_t n = 0;

	buf[0] = '\0';
	for (le = list_head(&legs->lst); le; le = le->next) {
		const struct odict_entry *e = le->data;
		const char *cd = e->type == ODICT_OBJECT ?
			odict_string(e->u.odict, "codec") : NULL;

		if (!cd || !*cd)
			cd = "-";
		if (re_snprintf(buf + n, sz - n, "%s%s", n ? "/" : "",
				cd) < 0)
			return;
		n = strlen(buf);
	}
}


static int call_odict(const struct pbx_call *c, struct odict *arr)
{
	struct odict *o, *legs;
	uint64_t now = pbx_call_now_ms();
	char codecs[64];
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = odict_alloc(&legs, 4);
	if (err) {
		mem_deref(o);
		return err;
	}

	err = odict_entry_add(o, "id", ODICT_STRING, c->id);
	if (!err)
		err = odict_entry_add(o, "from", ODICT_STRING, c->from);
	if (!err)
		err = odict_entry_add(o, "to", ODICT_STRING, c->to);
	if (!err)
		err = odict_entry_add(o, "state", ODICT_STRING,
				      pbx_call_state_name(c->state));
	if (!err)
		err = odict_entry_add(o, "duration", ODICT_INT,
				      (int64_t)((now - c->t_start) / 1000));
	if (!err)
		err = pbx_media_leg_odict(c->media, legs);
	if (!err)
		err = pbx_dial_legs_odict(c->dial, legs);
	if (!err) {
		codecs_join(legs, codecs, sizeof(codecs));
		err = odict_entry_add(o, "codecs", ODICT_STRING, codecs);
	}
	if (!err)
		err = odict_entry_add(o, "legs", ODICT_ARRAY, legs);
	if (!err)
		err = pbx_odict_append(arr, o);
	mem_deref(legs);
	mem_deref(o);

	return err;
}


int pbx_calls_odict(struct odict **arrp)
{
	struct pbx_core *core = pbx_core();
	struct odict *arr;
	struct le *le;
	int err;

	err = odict_alloc(&arr, 16);
	if (err)
		return err;

	for (le = core->calls ? list_head(&core->calls->list) : NULL;
	     le && !err; le = le->next) {
		const struct pbx_call *c = le->data;

		if (c->state != PBX_CALL_ENDED)
			err = call_odict(c, arr);
	}

	if (err)
		mem_deref(arr);
	else
		*arrp = arr;

	return err;
}


static int cmd_call_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct odict *arr;
	int err;

	if (argc)
		return pbx_cmd_fail(req, "usage: call list");

	err = pbx_calls_odict(&arr);
	if (err)
		return err;

	err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static int cmd_call_hangup(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_call *c;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: call hangup ID");

	c = pbx_call_find(argv[0]);
	if (!c || c->state == PBX_CALL_ENDED)
		return pbx_cmd_fail(req, "no call %s (see: call list)",
				    argv[0]);

	(void)pbx_call_hangup_cause(c, "hung up from the console");

	return pbx_cmd_reply_str(req, "call %s hung up", argv[0]);
}


static int cmd_call_originate(struct pbx_cmd_req *req, int argc,
			      char *argv[])
{
	char id[16];
	int err;

	if (argc != 2)
		return pbx_cmd_fail(req, "usage: call originate EXT TARGET");

	err = pbx_call_originate(argv[0], argv[1], id, sizeof(id));
	if (err == ENOENT)
		return pbx_cmd_fail(req, "user %s not found (see: user list)",
				    argv[0]);
	if (err == ENOTCONN)
		return pbx_cmd_fail(req, "%s has no registered device (see: "
				    "reg list)", argv[0]);
	if (err)
		return pbx_cmd_fail(req, "cannot originate: %m", err);

	return pbx_cmd_reply_str(req, "%s", id);
}


static int cmd_dialplan_reload(struct pbx_cmd_req *req, int argc,
			       char *argv[])
{
	char msg[512] = "";

	if (argc)
		return pbx_cmd_fail(req, "usage: dialplan reload");

	if (pbx_lua_reload(msg, sizeof(msg)))
		return pbx_cmd_fail(req, "dialplan not reloaded, the old one "
				    "stays: %s", msg);

	return pbx_cmd_reply_str(req, "dialplan reloaded (running calls "
				 "finish on the old one)");
}


static const struct pbx_cmd call_cmds[] = {
	{"call list", "", "live calls: id, from, to, state, duration, legs",
	 cmd_call_list},
	{"call hangup", "ID", "hang up a call", cmd_call_hangup},
	{"call originate", "EXT TARGET", "ring EXT, then connect it to "
	 "TARGET through the dialplan", cmd_call_originate},
	{"dialplan reload", "", "load the dialplan again for new calls",
	 cmd_dialplan_reload},
};


int pbx_call_cmds_register(void)
{
	return pbx_cmd_register(call_cmds, ARRAY_SIZE(call_cmds));
}

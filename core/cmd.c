/* cmd.c: the console command registry and the dispatch of one request.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <re.h>
#include "core.h"


enum {
	CMD_MAX_WORDS = 4,
};

struct pbx_cmd_req {
	struct odict *data;       /* owned: object or array reply data   */
	bool array;
	char *str;                /* owned: text reply data              */
	char *error;              /* owned: failure message              */
	bool events;              /* the request was `events`            */
};

struct cmd_table {
	struct le le;
	const struct pbx_cmd *cmdv;   /* borrowed: static in the caller  */
	size_t cmdc;
};


static void req_destructor(void *arg)
{
	struct pbx_cmd_req *req = arg;

	mem_deref(req->data);
	mem_deref(req->str);
	mem_deref(req->error);
}


static void table_destructor(void *arg)
{
	struct cmd_table *t = arg;

	list_unlink(&t->le);
}


int pbx_cmd_register(const struct pbx_cmd *cmdv, size_t cmdc)
{
	struct pbx_core *c = pbx_core();
	struct cmd_table *t;

	if (!c || !cmdv || !cmdc)
		return EINVAL;

	t = mem_zalloc(sizeof(*t), table_destructor);
	if (!t)
		return ENOMEM;

	t->cmdv = cmdv;
	t->cmdc = cmdc;
	list_append(&c->cmds, &t->le, t);

	return 0;
}


void pbx_cmd_unregister(const struct pbx_cmd *cmdv, size_t cmdc)
{
	struct pbx_core *c = pbx_core();
	struct le *le;

	if (!c)
		return;

	for (le = list_head(&c->cmds); le; le = le->next) {
		struct cmd_table *t = le->data;

		if (t->cmdv == cmdv && t->cmdc == cmdc) {
			mem_deref(t);
			return;
		}
	}
}


int pbx_cmd_reply_odict(struct pbx_cmd_req *req, struct odict *od,
			bool array)
{
	if (!req || !od)
		return EINVAL;

	mem_deref(req->data);
	req->data = mem_ref(od);
	req->array = array;

	return 0;
}


int pbx_cmd_reply_str(struct pbx_cmd_req *req, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (!req || !fmt)
		return EINVAL;

	req->str = mem_deref(req->str);
	va_start(ap, fmt);
	err = re_vsdprintf(&req->str, fmt, ap);
	va_end(ap);

	return err;
}


int pbx_cmd_fail(struct pbx_cmd_req *req, const char *fmt, ...)
{
	va_list ap;

	if (!req || !fmt)
		return EINVAL;

	req->error = mem_deref(req->error);
	va_start(ap, fmt);
	(void)re_vsdprintf(&req->error, fmt, ap);
	va_end(ap);

	return EINVAL;
}


int pbx_odict_append(struct odict *arr, struct odict *o)
{
	char key[16];

	if (!arr || !o)
		return EINVAL;

	re_snprintf(key, sizeof(key), "%zu", odict_count(arr, false));

	return odict_entry_add(arr, key, ODICT_OBJECT, o);
}


/* Number of argv words matched by words ("user add"), 0 if none. */
static int words_match(const char *words, int argc, char *argv[])
{
	struct pl w, rest;
	int n = 0;

	pl_set_str(&rest, words);
	while (rest.l) {
		if (re_regex(rest.p, rest.l, "[^ ]+", &w))
			break;
		if (n >= argc || pl_strcmp(&w, argv[n]))
			return 0;
		++n;
		pl_advance(&rest, (size_t)(w.p + w.l - rest.p));
		while (rest.l && *rest.p == ' ')
			pl_advance(&rest, 1);
	}

	return n;
}


static const struct pbx_cmd *cmd_find(int argc, char *argv[], int *nwords)
{
	struct pbx_core *c = pbx_core();
	const struct pbx_cmd *best = NULL;
	struct le *le;
	int bestn = 0;

	for (le = list_head(&c->cmds); le; le = le->next) {
		struct cmd_table *t = le->data;
		size_t i;

		for (i = 0; i < t->cmdc; i++) {
			int n = words_match(t->cmdv[i].words, argc, argv);

			if (n > bestn) {
				best = &t->cmdv[i];
				bestn = n;
			}
		}
	}

	*nwords = bestn;

	return best;
}


/* "user" alone: list the subcommands that start with that word. */
static int fail_unknown(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_core *c = pbx_core();
	struct mbuf *mb = mbuf_alloc(128);
	struct le *le;
	int err;

	if (!mb)
		return ENOMEM;

	for (le = list_head(&c->cmds); le; le = le->next) {
		struct cmd_table *t = le->data;
		size_t i;

		for (i = 0; i < t->cmdc; i++) {
			const char *w = t->cmdv[i].words;
			size_t l = strlen(argv[0]);

			if (!strncmp(w, argv[0], l) && w[l] == ' ')
				(void)mbuf_printf(mb, "%s%s",
						  mb->end ? ", " : "", w);
		}
	}

	if (mb->end)
		err = pbx_cmd_fail(req, "%s: incomplete command; one of: %b",
				   argv[0], mb->buf, mb->end);
	else
		err = pbx_cmd_fail(req, "unknown command '%s' (see: help)",
				   argv[0]);
	(void)argc;
	mem_deref(mb);

	return err;
}


static int reply_encode(struct mbuf *mb, const struct pbx_cmd_req *req,
			int herr)
{
	struct odict *od;
	int err;

	err = odict_alloc(&od, 4);
	if (err)
		return err;

	if (herr || req->error) {
		char msg[256];

		err = odict_entry_add(od, "ok", ODICT_BOOL, false);
		if (!err && !req->error)
			re_snprintf(msg, sizeof(msg), "%m", herr);
		if (!err)
			err = odict_entry_add(od, "error", ODICT_STRING,
					      req->error ? req->error : msg);
	}
	else {
		err = odict_entry_add(od, "ok", ODICT_BOOL, true);
		if (!err && req->data)
			err = odict_entry_add(od, "data", req->array ?
					      ODICT_ARRAY : ODICT_OBJECT,
					      req->data);
		else if (!err && req->str)
			err = odict_entry_add(od, "data", ODICT_STRING,
					      req->str);
	}

	if (!err)
		err = mbuf_printf(mb, "%H\n", json_encode_odict, od);

	mem_deref(od);

	return err;
}


int pbx_cmd_run(struct mbuf *mb, int argc, char *argv[], bool *events)
{
	const struct pbx_cmd *cmd;
	struct pbx_cmd_req *req;
	int nwords, herr, err;

	if (!mb || !pbx_core())
		return EINVAL;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req)
		return ENOMEM;

	if (argc < 1) {
		herr = pbx_cmd_fail(req, "empty command (see: help)");
		goto reply;
	}

	cmd = cmd_find(argc, argv, &nwords);
	if (!cmd) {
		herr = fail_unknown(req, argc, argv);
		goto reply;
	}

	herr = cmd->h(req, argc - nwords, argv + nwords);
	if (events)
		*events = !herr && req->events;

 reply:
	err = reply_encode(mb, req, herr);
	mem_deref(req);

	return err;
}


static int cmd_help(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_core *c = pbx_core();
	struct odict *arr;
	struct le *le;
	int err;

	err = odict_alloc(&arr, 32);
	if (err)
		return err;

	for (le = list_head(&c->cmds); le && !err; le = le->next) {
		struct cmd_table *t = le->data;
		size_t i;

		for (i = 0; i < t->cmdc && !err; i++) {
			const struct pbx_cmd *cmd = &t->cmdv[i];
			struct odict *o;

			if (argc && strncmp(cmd->words, argv[0],
					    strlen(argv[0])))
				continue;

			err = odict_alloc(&o, 4);
			if (err)
				break;
			err = odict_entry_add(o, "command", ODICT_STRING,
					      cmd->words);
			if (!err)
				err = odict_entry_add(o, "args", ODICT_STRING,
						      cmd->args);
			if (!err)
				err = odict_entry_add(o, "help", ODICT_STRING,
						      cmd->help);
			if (!err)
				err = pbx_odict_append(arr, o);
			mem_deref(o);
		}
	}

	if (!err)
		err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static int cmd_events(struct pbx_cmd_req *req, int argc, char *argv[])
{
	if (argc)
		return pbx_cmd_fail(req, "events takes no arguments");

	req->events = true;

	return pbx_cmd_reply_str(req, "streaming events");
}


static const struct pbx_cmd base_cmds[] = {
	{"help", "[WORD]", "list the commands (those starting with WORD)",
	 cmd_help},
	{"events", "", "live event stream until interrupted", cmd_events},
};


int pbx_cmd_init(void)
{
	return pbx_cmd_register(base_cmds, ARRAY_SIZE(base_cmds));
}


void pbx_cmd_close(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		list_flush(&c->cmds);
}

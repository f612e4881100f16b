/* cmd_user.c: the console's user commands (glue over user.c).
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <re.h>
#include "core.h"


/* Picks --password/--name/--pin/--email VALUE pairs out of argv. */
static int opts_parse(struct pbx_cmd_req *req, struct pbx_user_prm *prm,
		      int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i += 2) {
		const char **dst;

		if (!strcmp(argv[i], "--password"))
			dst = &prm->password;
		else if (!strcmp(argv[i], "--name"))
			dst = &prm->name;
		else if (!strcmp(argv[i], "--pin"))
			dst = &prm->pin;
		else if (!strcmp(argv[i], "--email"))
			dst = &prm->email;
		else
			return pbx_cmd_fail(req, "unknown option '%s' (use "
					    "--password, --name, --pin, "
					    "--email)", argv[i]);

		if (i + 1 >= argc)
			return pbx_cmd_fail(req, "%s needs a value",
					    argv[i]);
		*dst = argv[i + 1];
	}

	return 0;
}


static int cmd_user_add(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_user_prm prm = {0};
	char gen[32];
	struct odict *o;
	int err;

	if (argc < 1)
		return pbx_cmd_fail(req, "usage: user add EXT [--password P] "
				    "[--name N] [--pin PIN] [--email E]");

	prm.ext = argv[0];
	err = opts_parse(req, &prm, argc - 1, argv + 1);
	if (err)
		return err;

	if (!pbx_user_ext_valid(prm.ext))
		return pbx_cmd_fail(req, "'%s' is not an extension (1-32 "
				    "letters, digits, '.', '_', '-'; not "
				    "starting with '.')",
				    prm.ext);
	if (prm.pin && !pbx_user_pin_valid(prm.pin))
		return pbx_cmd_fail(req, "a PIN is 4 to 16 digits");
	if (prm.password && !*prm.password)
		return pbx_cmd_fail(req, "empty password");

	if (!prm.password) {
		err = pbx_user_password_gen(gen, sizeof(gen));
		if (err)
			return err;
		prm.password = gen;
	}

	err = pbx_user_add(&prm);
	if (err == EEXIST)
		return pbx_cmd_fail(req, "user %s exists (see: user show %s)",
				    prm.ext, prm.ext);
	if (err)
		return pbx_cmd_fail(req, "cannot add user %s: %m", prm.ext,
				    err);

	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err = odict_entry_add(o, "ext", ODICT_STRING, prm.ext);
	/* a generated password is shown once: only its hashes are kept */
	if (!err && prm.password == gen)
		err = odict_entry_add(o, "password", ODICT_STRING, gen);
	if (!err)
		err = pbx_cmd_reply_odict(req, o, false);
	mem_deref(o);

	return err;
}


static int cmd_user_del(struct pbx_cmd_req *req, int argc, char *argv[])
{
	int err;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: user del EXT");

	err = pbx_user_del(argv[0]);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "user %s not found (see: user list)",
				    argv[0]);
	if (err)
		return err;

	return pbx_cmd_reply_str(req, "user %s deleted", argv[0]);
}


static int cmd_user_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct odict *arr;
	int err;

	if (argc)
		return pbx_cmd_fail(req, "usage: user list");

	err = pbx_user_odict(NULL, &arr);
	if (err)
		return err;

	err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static int cmd_user_show(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct odict *o;
	int err;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: user show EXT");

	err = pbx_user_odict(argv[0], &o);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "user %s not found (see: user list)",
				    argv[0]);
	if (err)
		return err;

	err = odict_entry_add(o, "password", ODICT_STRING,
			      "stored as digest hashes only; reset with: "
			      "user passwd EXT NEWPASSWORD");
	if (!err)
		err = pbx_cmd_reply_odict(req, o, false);
	mem_deref(o);

	return err;
}


static int cmd_user_passwd(struct pbx_cmd_req *req, int argc,
			   char *argv[])
{
	int err;

	if (argc != 2 || !*argv[1])
		return pbx_cmd_fail(req, "usage: user passwd EXT PASSWORD");

	err = pbx_user_passwd(argv[0], argv[1]);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "user %s not found (see: user list)",
				    argv[0]);
	if (err)
		return err;

	return pbx_cmd_reply_str(req, "password of %s changed", argv[0]);
}


static int cmd_user_pin(struct pbx_cmd_req *req, int argc, char *argv[])
{
	int err;

	if (argc != 2)
		return pbx_cmd_fail(req, "usage: user pin EXT PIN");
	if (!pbx_user_pin_valid(argv[1]))
		return pbx_cmd_fail(req, "a PIN is 4 to 16 digits");

	err = pbx_user_set_pin(argv[0], argv[1]);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "user %s not found (see: user list)",
				    argv[0]);
	if (err)
		return err;

	return pbx_cmd_reply_str(req, "PIN of %s changed", argv[0]);
}


static const struct pbx_cmd user_cmds[] = {
	{"user add", "EXT [--password P] [--name N] [--pin PIN] [--email E]",
	 "add an extension (a random password is made and shown once)",
	 cmd_user_add},
	{"user del", "EXT", "delete an extension and its registrations",
	 cmd_user_del},
	{"user list", "", "all extensions", cmd_user_list},
	{"user show", "EXT", "one extension", cmd_user_show},
	{"user passwd", "EXT PASSWORD", "set a new SIP password",
	 cmd_user_passwd},
	{"user pin", "EXT PIN", "set the voicemail PIN", cmd_user_pin},
};


int pbx_user_cmds_register(void)
{
	return pbx_cmd_register(user_cmds, ARRAY_SIZE(user_cmds));
}

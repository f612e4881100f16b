/* module.c: loading and unloading modules from module_path.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Modules are libre modules (struct mod_export "exports"), opened by
 * mod_load with RTLD_NOW|RTLD_LOCAL; dropping our reference calls the
 * module's close and dlcloses it.
 */
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "core.h"


struct pbx_modref {
	struct le le;
	char *name;               /* owned: bare name, "voicemail"       */
	struct mod *mod;          /* owned */
};


static void modref_destructor(void *arg)
{
	struct pbx_modref *m = arg;

	list_unlink(&m->le);
	mem_deref(m->mod);        /* calls the module's close */
	mem_deref(m->name);
}


static struct pbx_modref *modref_find(const char *name)
{
	struct pbx_core *c = pbx_core();
	struct le *le;

	for (le = list_head(&c->modules); le; le = le->next) {
		struct pbx_modref *m = le->data;

		if (!strcmp(m->name, name))
			return m;
	}

	return NULL;
}


/* A bare module name: no path, no suffix (it becomes a file name). */
static bool name_valid(const char *name)
{
	size_t i, l = strlen(name);

	if (!l || l > 64)
		return false;

	for (i = 0; i < l; i++) {
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '_')
			return false;
	}

	return true;
}


int pbx_module_init(const char *path)
{
	struct pbx_core *c = pbx_core();

	if (!c || !path)
		return EINVAL;

	mod_init();
	c->module_path = mem_deref(c->module_path);

	return str_dup(&c->module_path, path);
}


int pbx_module_load(const char *name)
{
	struct pbx_core *c = pbx_core();
	struct pbx_modref *m;
	char path[512];
	struct stat st;
	int err;

	if (!c || !name)
		return EINVAL;

	if (!name_valid(name)) {
		pbx_log(PBX_LOG_ERROR, "module: '%s' is not a module name "
			"(lower case, digits, '_')", name);
		return EINVAL;
	}

	if (modref_find(name)) {
		pbx_log(PBX_LOG_WARN, "module: %s is already loaded", name);
		return EALREADY;
	}

	re_snprintf(path, sizeof(path), "%s/%s.so", c->module_path, name);
	if (stat(path, &st)) {
		pbx_log(PBX_LOG_ERROR, "module: %s: no such module (%s not "
			"found; check module_path)", name, path);
		return ENOENT;
	}

	m = mem_zalloc(sizeof(*m), modref_destructor);
	if (!m)
		return ENOMEM;

	err = str_dup(&m->name, name);
	if (err)
		goto out;

	/* mod_load reports dlopen failures as ENOENT; libre logs why */
	err = mod_load(&m->mod, path);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "module: %s: cannot load %s: %m", name,
			path, err);
		goto out;
	}

	/* the module's init read its keys: any other NAME_ key is a typo */
	re_snprintf(path, sizeof(path), "%s_", name);
	err = pbx_conf_check_unused(path);
	if (err)
		goto out;

	list_append(&c->modules, &m->le, m);
	/* the module may have added SIP listeners: keep the catch-all last */
	if (pbx_sip())
		(void)pbx_sip_lsnr_refresh();
	pbx_log(PBX_LOG_INFO, "module: %s loaded", name);
	pbx_event_emitv("module", "action", "load", "name", name, NULL);

 out:
	if (err)
		mem_deref(m);

	return err;
}


int pbx_module_unload(const char *name)
{
	const struct mod_export *me;
	struct pbx_modref *m;
	int err;

	if (!pbx_core() || !name)
		return EINVAL;

	m = modref_find(name);
	if (!m)
		return ENOENT;

	/* libre's mod destructor ignores close's result and dlcloses the
	 * module anyway: ask first, so that a module still in use (a codec
	 * of a running call) stays loaded.  Its close runs once more from
	 * the destructor and must then do nothing. */
	me = mod_export(m->mod);
	if (me && me->close) {
		err = me->close();
		if (err) {
			pbx_log(PBX_LOG_WARN, "module: %s is in use (%m): "
				"not unloaded", name, err);
			return err;
		}
	}

	mem_deref(m);
	pbx_log(PBX_LOG_INFO, "module: %s unloaded", name);
	pbx_event_emitv("module", "action", "unload", "name", name, NULL);

	return 0;
}


/* Unloads in reverse order of loading. */
void pbx_module_close(void)
{
	struct pbx_core *c = pbx_core();

	if (!c)
		return;

	while (list_tail(&c->modules))
		mem_deref(list_tail(&c->modules)->data);

	mod_close();
}


static int cmd_module_list(struct pbx_cmd_req *req, int argc, char *argv[])
{
	struct pbx_core *c = pbx_core();
	struct odict *arr;
	struct le *le;
	int err;

	err = odict_alloc(&arr, 16);
	for (le = list_head(&c->modules); le && !err; le = le->next) {
		struct pbx_modref *m = le->data;
		const struct mod_export *me = mod_export(m->mod);
		struct odict *o;

		err = odict_alloc(&o, 4);
		if (err)
			break;
		err = odict_entry_add(o, "name", ODICT_STRING, m->name);
		if (!err)
			err = odict_entry_add(o, "type", ODICT_STRING,
					      me && me->type ? me->type : "");
		if (!err)
			err = pbx_odict_append(arr, o);
		mem_deref(o);
	}

	if (!err)
		err = pbx_cmd_reply_odict(req, arr, true);
	mem_deref(arr);

	return err;
}


static int cmd_module_load(struct pbx_cmd_req *req, int argc, char *argv[])
{
	int err;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: module load NAME");

	err = pbx_module_load(argv[0]);
	if (err == EALREADY)
		return pbx_cmd_fail(req, "module %s is already loaded",
				    argv[0]);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "cannot load module %s: not found "
				    "or not loadable (see pbxd's log)",
				    argv[0]);
	if (err)
		return pbx_cmd_fail(req, "cannot load module %s: %m",
				    argv[0], err);

	return pbx_cmd_reply_str(req, "module %s loaded", argv[0]);
}


static int cmd_module_unload(struct pbx_cmd_req *req, int argc,
			     char *argv[])
{
	int err;

	if (argc != 1)
		return pbx_cmd_fail(req, "usage: module unload NAME");

	err = pbx_module_unload(argv[0]);
	if (err == ENOENT)
		return pbx_cmd_fail(req, "module %s is not loaded (see: "
				    "module list)", argv[0]);
	if (err)
		return pbx_cmd_fail(req, "module %s is in use (%s): not "
				    "unloaded", argv[0], strerror(err));

	return pbx_cmd_reply_str(req, "module %s unloaded", argv[0]);
}


static const struct pbx_cmd module_cmds[] = {
	{"module list", "", "loaded modules", cmd_module_list},
	{"module load", "NAME", "load NAME from module_path",
	 cmd_module_load},
	{"module unload", "NAME", "unload a module", cmd_module_unload},
};


int pbx_module_cmds_register(void)
{
	return pbx_cmd_register(module_cmds, ARRAY_SIZE(module_cmds));
}

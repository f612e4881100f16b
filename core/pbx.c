/* pbx.c: the core context that every core subsystem hangs off.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <re.h>
#include "core.h"


static struct pbx_core *core;


struct pbx_core *pbx_core(void)
{
	return core;
}


int pbx_core_alloc(void)
{
	if (core)
		return EALREADY;

	core = mem_zalloc(sizeof(*core), NULL);
	if (!core)
		return ENOMEM;

	list_init(&core->event_listeners);
	list_init(&core->cmds);
	list_init(&core->modules);
	core->start_ms = tmr_jiffies();

	return 0;
}


/* Subsystems must be closed before; this frees what is left. */
void pbx_core_free(void)
{
	if (!core)
		return;

	core->conf = mem_deref(core->conf);
	core->module_path = mem_deref(core->module_path);
	core->data_dir = mem_deref(core->data_dir);
	core->domain = mem_deref(core->domain);
	core = mem_deref(core);
}


uint64_t pbx_uptime(void)
{
	return core ? (tmr_jiffies() - core->start_ms) / 1000 : 0;
}


const char *pbx_data_dir(void)
{
	return core && core->data_dir ? core->data_dir :
		pbx_conf_str("data_dir", "var");
}

/* event.c: the internal event bus (registration, module load, ...).
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "core.h"


struct pbx_listener {
	struct le le;
	pbx_event_h *h;
	void *arg;
};


int pbx_event_init(void)
{
	return pbx_core() ? 0 : EINVAL;
}


void pbx_event_close(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		list_flush(&c->event_listeners);
}


static void listener_destructor(void *arg)
{
	struct pbx_listener *l = arg;

	list_unlink(&l->le);
}


int pbx_event_listen(pbx_event_h *h, void *arg)
{
	struct pbx_core *c = pbx_core();
	struct pbx_listener *l;

	if (!c || !h)
		return EINVAL;

	l = mem_zalloc(sizeof(*l), listener_destructor);
	if (!l)
		return ENOMEM;

	l->h = h;
	l->arg = arg;
	list_append(&c->event_listeners, &l->le, l);

	return 0;
}


void pbx_event_unlisten(pbx_event_h *h, void *arg)
{
	struct pbx_core *c = pbx_core();
	struct le *le;

	if (!c)
		return;

	for (le = list_head(&c->event_listeners); le; le = le->next) {
		struct pbx_listener *l = le->data;

		if (l->h == h && l->arg == arg) {
			l->h = NULL;
			mem_deref(l);
			return;
		}
	}
}


void pbx_event_emit(const char *name, const struct odict *fields)
{
	struct pbx_core *c = pbx_core();
	struct le *le;

	if (!c || !name)
		return;

	pbx_log(PBX_LOG_DEBUG, "event: %s", name);

	/* A listener may unlisten itself or another while it runs: hold the
	 * current one, and read the next link only after the call (an
	 * unlistened entry is unlinked by its destructor). */
	le = list_head(&c->event_listeners);
	while (le) {
		struct pbx_listener *l = mem_ref(le->data);
		struct le *next;

		if (l->h)
			l->h(name, fields, l->arg);
		next = le->next;
		mem_deref(l);
		le = next;
	}
}


void pbx_event_emitv(const char *name, ...)
{
	struct odict *od;
	const char *k;
	va_list ap;

	if (odict_alloc(&od, 8))
		return;

	va_start(ap, name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		if (odict_entry_add(od, k, ODICT_STRING, v ? v : ""))
			break;
	}
	va_end(ap);

	pbx_event_emit(name, od);
	mem_deref(od);
}

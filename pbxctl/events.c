/* The live event stream: send "events", then pass on each event line. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include "pbxctl.h"


struct ctl_events {
	struct ctl_conn *conn;   /* owned; NULL once the stream ended */
	struct tmr tmr;          /* waits for pbxd to accept the stream */
	bool streaming;          /* pbxd said ok */
	ctl_event_h *eventh;
	ctl_events_end_h *endh;
	void *arg;
};


static void destructor(void *arg)
{
	struct ctl_events *ev = arg;

	tmr_cancel(&ev->tmr);
	mem_deref(ev->conn);
}


/* Drop the connection and tell the owner, who may deref us. */
static void end(struct ctl_events *ev, int err, const char *error)
{
	ctl_events_end_h *endh = ev->endh;

	tmr_cancel(&ev->tmr);
	ev->conn = mem_deref(ev->conn);
	ev->endh = NULL;
	ev->eventh = NULL;

	if (endh)
		endh(err, error, ev->arg);
}


/* The first line answers the request; the rest are events.  A line we
 * cannot decode, or one without "event", is skipped: a newer pbxd may
 * send things this client does not know. */
static void line_handler(const char *line, size_t len, void *arg)
{
	struct ctl_events *ev = arg;
	struct odict *od = NULL;
	const char *error;
	bool ok = false;
	int err;

	err = json_decode_odict(&od, 16, line, len, CTL_JSON_DEPTH);

	mem_ref(ev);

	if (ev->streaming) {
		if (!err && odict_string(od, "event") && ev->eventh)
			ev->eventh(line, od, ev->arg);
	}
	else if (err || !odict_get_boolean(od, &ok, "ok")) {
		end(ev, EPROTO, NULL);
	}
	else if (!ok) {
		error = odict_string(od, "error");
		end(ev, EPERM, error ? error : "events refused");
	}
	else {
		tmr_cancel(&ev->tmr);
		ev->streaming = true;
	}

	mem_deref(ev);
	mem_deref(od);
}


static void close_handler(int err, void *arg)
{
	struct ctl_events *ev = arg;

	mem_ref(ev);
	end(ev, err ? err : ECONNRESET, NULL);
	mem_deref(ev);
}


static void timeout_handler(void *arg)
{
	struct ctl_events *ev = arg;

	mem_ref(ev);
	end(ev, ETIMEDOUT, NULL);
	mem_deref(ev);
}


/**
 * Connect to path and ask for the event stream.  eventh gets each
 * event until the stream ends; then endh is called once and the object
 * stays inert until dereferenced.  Errors are those of connect() and
 * send(): nothing is called back then.
 */
int ctl_events_start(struct ctl_events **evp, const char *path,
		     ctl_event_h *eventh, ctl_events_end_h *endh, void *arg)
{
	static char *const argv[] = {"events"};
	struct ctl_events *ev;
	int err;

	if (!evp || !path || !eventh || !endh)
		return EINVAL;

	ev = mem_zalloc(sizeof(*ev), destructor);
	if (!ev)
		return ENOMEM;

	tmr_init(&ev->tmr);
	ev->eventh = eventh;
	ev->endh = endh;
	ev->arg = arg;

	err = ctl_conn_open(&ev->conn, path, line_handler, close_handler,
			    ev);
	if (err)
		goto out;

	err = ctl_conn_send(ev->conn, 1, argv);
	if (err)
		goto out;

	tmr_start(&ev->tmr, CTL_REPLY_TIMEOUT, timeout_handler, ev);

 out:
	if (err)
		mem_deref(ev);
	else
		*evp = ev;

	return err;
}

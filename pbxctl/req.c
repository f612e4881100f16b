/* A command connection: one request at a time, a reply or a timeout. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include "pbxctl.h"


struct ctl_req {
	char *path;              /* owned: control socket */
	struct ctl_conn *conn;   /* owned; NULL until needed, or after a
				  * failure (we reconnect on the next send) */
	struct tmr tmr;          /* reply timeout */
	ctl_reply_h *replyh;     /* NULL when no request is in flight */
	void *arg;
};


static void destructor(void *arg)
{
	struct ctl_req *req = arg;

	tmr_cancel(&req->tmr);
	mem_deref(req->conn);
	mem_deref(req->path);
}


/* End the request in flight.  After an error the connection may be out
 * of step with pbxd (a late reply would answer the next request), so
 * it is dropped. */
static void finish(struct ctl_req *req, int err, const char *line,
		   const struct odict *reply)
{
	ctl_reply_h *replyh = req->replyh;

	tmr_cancel(&req->tmr);
	req->replyh = NULL;

	if (err)
		req->conn = mem_deref(req->conn);

	if (replyh)
		replyh(err, line, reply, req->arg);
}


static void line_handler(const char *line, size_t len, void *arg)
{
	struct ctl_req *req = arg;
	struct odict *reply = NULL;
	bool ok;
	int err;

	if (!req->replyh)
		return;  /* not asked for; nothing to answer */

	err = json_decode_odict(&reply, 16, line, len, CTL_JSON_DEPTH);
	if (err || !odict_get_boolean(reply, &ok, "ok"))
		err = EPROTO;

	mem_ref(req);
	finish(req, err, line, err ? NULL : reply);
	mem_deref(req);

	mem_deref(reply);
}


static void close_handler(int err, void *arg)
{
	struct ctl_req *req = arg;

	req->conn = mem_deref(req->conn);

	mem_ref(req);
	finish(req, err ? err : ECONNRESET, NULL, NULL);
	mem_deref(req);
}


static void timeout_handler(void *arg)
{
	struct ctl_req *req = arg;

	mem_ref(req);
	finish(req, ETIMEDOUT, NULL, NULL);
	mem_deref(req);
}


/**
 * Make a command connection to the socket at path.  Nothing connects
 * until the first ctl_req_send().
 */
int ctl_req_alloc(struct ctl_req **reqp, const char *path)
{
	struct ctl_req *req;
	int err;

	if (!reqp || !path)
		return EINVAL;

	req = mem_zalloc(sizeof(*req), destructor);
	if (!req)
		return ENOMEM;

	tmr_init(&req->tmr);

	err = str_dup(&req->path, path);
	if (err)
		mem_deref(req);
	else
		*reqp = req;

	return err;
}


static int conn_send(struct ctl_req *req, int argc, char *const *argv)
{
	int err;

	if (!req->conn) {
		err = ctl_conn_open(&req->conn, req->path, line_handler,
				    close_handler, req);
		if (err)
			return err;
	}

	err = ctl_conn_send(req->conn, argc, argv);
	if (err)
		req->conn = mem_deref(req->conn);

	return err;
}


/**
 * Send one command.  replyh is called exactly once, later, unless this
 * fails: then nothing was sent and the error is that of connect() or
 * send() (the caller says "cannot connect"), or EBUSY.
 */
int ctl_req_send(struct ctl_req *req, int argc, char *const *argv,
		 ctl_reply_h *replyh, void *arg)
{
	bool fresh;
	int err;

	if (!req || !replyh)
		return EINVAL;
	if (req->replyh)
		return EBUSY;

	/* An idle connection may have died with a pbxd restart that we
	 * have not noticed yet: then try once more on a new one. */
	fresh = req->conn == NULL;
	err = conn_send(req, argc, argv);
	if (err && !fresh)
		err = conn_send(req, argc, argv);
	if (err)
		return err;

	req->replyh = replyh;
	req->arg = arg;
	tmr_start(&req->tmr, CTL_REPLY_TIMEOUT, timeout_handler, req);

	return 0;
}


/* Forget the request in flight, if any; its handler is not called. */
void ctl_req_cancel(struct ctl_req *req)
{
	if (!req || !req->replyh)
		return;

	tmr_cancel(&req->tmr);
	req->replyh = NULL;
	req->conn = mem_deref(req->conn);
}

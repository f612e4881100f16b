/* ctl.c: the console's Unix socket: JSON request lines in, replies out.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre's struct sa has no AF_UNIX, so the socket is made by hand and
 * driven with fd_listen.  A client sends {"argv": [...]} lines; after
 * `events` it receives one {"event": ...} line per bus event.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <re.h>
#include "core.h"


enum {
	CTL_MAX_LINE = 1 << 20,       /* bytes per request line          */
	CTL_MAX_OUT = 4 << 20,        /* bytes queued before we drop one */
	CTL_MAX_CLIENTS = 64,
	CTL_MAX_ARGS = 64,
};

struct pbx_ctl {
	int fd;
	char *path;                   /* owned */
	struct list clients;          /* struct ctl_client */
};

struct ctl_client {
	struct le le;
	struct pbx_ctl *ctl;          /* borrowed: ctl outlives clients  */
	int fd;
	struct mbuf *in;              /* owned: partial request line     */
	struct mbuf *out;             /* owned: bytes not yet written    */
	bool events;                  /* streaming events                */
	bool closing;                 /* close once out is drained       */
};

static void client_read(int flags, void *arg);
static void event_h(const char *name, const struct odict *fields,
		    void *arg);


static void client_destructor(void *arg)
{
	struct ctl_client *cl = arg;

	if (cl->events)
		pbx_event_unlisten(event_h, cl);
	list_unlink(&cl->le);
	if (cl->fd >= 0) {
		fd_close(cl->fd);
		close(cl->fd);
	}
	mem_deref(cl->in);
	mem_deref(cl->out);
}


/* Writes what is queued; returns true when cl was freed (closed). */
static bool client_flush(struct ctl_client *cl)
{
	while (cl->out->pos < cl->out->end) {
		ssize_t n = send(cl->fd, mbuf_buf(cl->out),
				 mbuf_get_left(cl->out), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			mem_deref(cl);
			return true;
		}
		cl->out->pos += (size_t)n;
	}

	if (cl->out->pos < cl->out->end) {
		(void)fd_listen(cl->fd, FD_READ | FD_WRITE, client_read, cl);
		return false;
	}

	mbuf_reset(cl->out);
	if (cl->closing) {
		mem_deref(cl);
		return true;
	}
	(void)fd_listen(cl->fd, FD_READ, client_read, cl);

	return false;
}


static int client_write(struct ctl_client *cl, const uint8_t *p, size_t l)
{
	size_t pos;
	int err;

	if (cl->out->end - cl->out->pos + l > CTL_MAX_OUT)
		return EOVERFLOW;     /* a stuck reader: drop, don't grow */

	/* append at the end; pos stays at the first unsent byte */
	pos = cl->out->pos;
	cl->out->pos = cl->out->end;
	err = mbuf_write_mem(cl->out, p, l);
	cl->out->pos = pos;

	return err;
}


static void event_h(const char *name, const struct odict *fields, void *arg)
{
	struct ctl_client *cl = arg;
	struct odict *od;
	struct mbuf *mb;
	struct le *le;
	size_t unsent;
	int err;

	if (odict_alloc(&od, 16))
		return;

	err = odict_entry_add(od, "event", ODICT_STRING, name);
	for (le = fields ? list_head(&fields->lst) : NULL; le && !err;
	     le = le->next) {
		const struct odict_entry *e = le->data;

		switch (e->type) {
		case ODICT_STRING:
			err = odict_entry_add(od, e->key, e->type, e->u.str);
			break;
		case ODICT_INT:
			err = odict_entry_add(od, e->key, e->type,
					      e->u.integer);
			break;
		case ODICT_BOOL:
			err = odict_entry_add(od, e->key, e->type,
					      e->u.boolean);
			break;
		case ODICT_DOUBLE:
			err = odict_entry_add(od, e->key, e->type, e->u.dbl);
			break;
		case ODICT_OBJECT:
		case ODICT_ARRAY:
			err = odict_entry_add(od, e->key, e->type,
					      e->u.odict);
			break;
		default:
			break;
		}
	}

	mb = mbuf_alloc(256);
	if (!err && mb)
		err = mbuf_printf(mb, "%H\n", json_encode_odict, od);
	unsent = cl->out->end - cl->out->pos;
	if (!err && mb && client_write(cl, mb->buf, mb->end) == 0 &&
	    unsent == 0)
		(void)client_flush(cl);   /* may free cl */
	mem_deref(mb);
	mem_deref(od);
}


/* {"argv": ["user", "add", ...]} -> argv of borrowed strings in od */
static int request_decode(struct odict *od, int *argcp, char **argv)
{
	const struct odict_entry *e;
	struct le *le;
	int argc = 0;

	e = odict_lookup(od, "argv");
	if (!e || e->type != ODICT_ARRAY)
		return EPROTO;

	for (le = list_head(&e->u.odict->lst); le; le = le->next) {
		const struct odict_entry *a = le->data;

		if (a->type != ODICT_STRING || argc >= CTL_MAX_ARGS)
			return EPROTO;
		argv[argc++] = a->u.str;
	}

	*argcp = argc;

	return 0;
}


static void handle_line(struct ctl_client *cl, const char *p, size_t l)
{
	char *argv[CTL_MAX_ARGS];
	struct odict *od = NULL;
	struct mbuf *mb;
	bool events = false;
	int argc = 0, err;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	err = json_decode_odict(&od, 16, p, l, 8);
	if (!err)
		err = request_decode(od, &argc, argv);
	if (err) {
		(void)mbuf_printf(mb, "{\"ok\":false,\"error\":\"bad request:"
				  " expected {\\\"argv\\\": [\\\"word\\\", "
				  "...]}\"}\n");
	}
	else {
		(void)pbx_cmd_run(mb, argc, argv, &events);
	}

	(void)client_write(cl, mb->buf, mb->end);
	mem_deref(mb);
	mem_deref(od);

	if (events && !cl->events) {
		cl->events = true;
		(void)pbx_event_listen(event_h, cl);
	}
}


static void client_read(int flags, void *arg)
{
	struct ctl_client *cl = arg;
	uint8_t buf[4096];
	ssize_t n;

	if (flags & FD_WRITE) {
		if (client_flush(cl) || !(flags & FD_READ))
			return;
	}

	n = recv(cl->fd, buf, sizeof(buf), 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		mem_deref(cl);
		return;
	}
	if (n < 0)
		return;

	cl->in->pos = cl->in->end;
	if (mbuf_write_mem(cl->in, buf, (size_t)n)) {
		mem_deref(cl);
		return;
	}

	for (;;) {
		uint8_t *nl = memchr(cl->in->buf, '\n', cl->in->end);
		size_t ll;

		if (!nl)
			break;
		ll = (size_t)(nl - cl->in->buf);
		if (ll && !cl->events)
			handle_line(cl, (char *)cl->in->buf, ll);
		memmove(cl->in->buf, nl + 1, cl->in->end - ll - 1);
		cl->in->end -= ll + 1;
	}

	if (cl->in->end > CTL_MAX_LINE) {
		const char msg[] = "{\"ok\":false,\"error\":\"request line too"
				   " long\"}\n";

		(void)client_write(cl, (const uint8_t *)msg, sizeof(msg) - 1);
		cl->closing = true;
		mbuf_reset(cl->in);
	}

	(void)client_flush(cl);
}


static void ctl_accept(int flags, void *arg)
{
	struct pbx_ctl *ctl = arg;
	struct ctl_client *cl;
	int fd;
	(void)flags;

	fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;

	if (list_count(&ctl->clients) >= CTL_MAX_CLIENTS) {
		pbx_log(PBX_LOG_WARN, "ctl: too many console clients");
		close(fd);
		return;
	}

	cl = mem_zalloc(sizeof(*cl), client_destructor);
	if (!cl) {
		close(fd);
		return;
	}

	cl->fd = fd;
	cl->ctl = ctl;
	cl->in = mbuf_alloc(1024);
	cl->out = mbuf_alloc(1024);
	if (!cl->in || !cl->out ||
	    fd_listen(fd, FD_READ, client_read, cl)) {
		mem_deref(cl);
		return;
	}

	list_append(&ctl->clients, &cl->le, cl);
}


static void ctl_destructor(void *arg)
{
	struct pbx_ctl *ctl = arg;

	list_flush(&ctl->clients);
	if (ctl->fd >= 0) {
		fd_close(ctl->fd);
		close(ctl->fd);
		if (ctl->path)
			unlink(ctl->path);
	}
	mem_deref(ctl->path);
}


int pbx_ctl_start(const char *path)
{
	struct pbx_core *c = pbx_core();
	struct sockaddr_un sun;
	struct pbx_ctl *ctl;
	int err;

	if (!c || !path)
		return EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;

	ctl = mem_zalloc(sizeof(*ctl), ctl_destructor);
	if (!ctl)
		return ENOMEM;

	ctl->fd = -1;
	err = str_dup(&ctl->path, path);
	if (err)
		goto out;

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (ctl->fd < 0) {
		err = errno;
		goto out;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_ncpy(sun.sun_path, path, sizeof(sun.sun_path));
	(void)unlink(path);   /* a stale socket from a crash */

	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(ctl->fd, 16)) {
		err = errno;
		goto out;
	}
	(void)chmod(path, 0660);

	err = fd_listen(ctl->fd, FD_READ, ctl_accept, ctl);

 out:
	if (err) {
		pbx_log(PBX_LOG_ERROR, "ctl: cannot listen on %s: %m", path,
			err);
		mem_deref(ctl);
	}
	else {
		c->ctl = ctl;
	}

	return err;
}


void pbx_ctl_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->ctl = mem_deref(c->ctl);
}

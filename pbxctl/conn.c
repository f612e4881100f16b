/* One connection to pbxd's control socket: connect, send, split lines. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <re.h>
#include "pbxctl.h"


struct ctl_conn {
	int fd;                 /* -1 once closed */
	struct mbuf *rx;        /* owned: received bytes, end = length */
	size_t scanned;         /* bytes of rx known to hold no newline */
	ctl_line_h *lineh;
	ctl_close_h *closeh;
	void *arg;
};


static void conn_shut(struct ctl_conn *conn)
{
	if (conn->fd < 0)
		return;

	fd_close(conn->fd);
	(void)close(conn->fd);
	conn->fd = -1;
}


static void destructor(void *arg)
{
	struct ctl_conn *conn = arg;

	conn_shut(conn);
	mem_deref(conn->rx);
}


/* Close and tell the owner once; the owner may deref us in closeh. */
static void conn_fail(struct ctl_conn *conn, int err)
{
	ctl_close_h *closeh = conn->closeh;

	conn_shut(conn);
	conn->lineh = NULL;
	conn->closeh = NULL;

	if (closeh)
		closeh(err, conn->arg);
}


/* Hand out every complete line.  We hold a reference while doing so:
 * when the owner derefs us from its handler, ours is the last one
 * (mem_nrefs() == 1) and we stop. */
static void deliver(struct ctl_conn *conn)
{
	struct mbuf *rx = conn->rx;
	size_t start = 0;
	char *nl;

	mem_ref(conn);

	while (conn->lineh && mem_nrefs(conn) > 1) {
		size_t len;

		nl = memchr(rx->buf + start + conn->scanned, '\n',
			    rx->end - start - conn->scanned);
		if (!nl) {
			conn->scanned = rx->end - start;
			break;
		}

		len = (size_t)((uint8_t *)nl - (rx->buf + start));
		*nl = '\0';
		if (len && nl[-1] == '\r') {
			nl[-1] = '\0';
			--len;
		}

		conn->scanned = 0;
		conn->lineh((char *)rx->buf + start, len, conn->arg);
		start = (size_t)((uint8_t *)nl - rx->buf) + 1;
	}

	if (start) {
		memmove(rx->buf, rx->buf + start, rx->end - start);
		rx->end -= start;
		rx->pos = rx->end;
	}

	if (conn->lineh && mem_nrefs(conn) > 1 && rx->end > CTL_LINE_MAX)
		conn_fail(conn, EOVERFLOW);

	mem_deref(conn);
}


static void read_handler(int flags, void *arg)
{
	struct ctl_conn *conn = arg;
	uint8_t buf[16384];
	ssize_t n;
	int err;

	(void)flags;

	n = recv(conn->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_fail(conn, errno);
		return;
	}
	if (n == 0) {
		conn_fail(conn, 0);
		return;
	}

	err = mbuf_write_mem(conn->rx, buf, (size_t)n);
	if (err) {
		conn_fail(conn, err);
		return;
	}

	deliver(conn);
}


/* Non-blocking connect, so that a full listen backlog fails at once
 * (EAGAIN) instead of hanging; then blocking again for simple writes. */
static int sock_connect(int *fdp, const char *path)
{
	struct sockaddr_un sun;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;

	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		err = errno;
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = errno;

	if (err) {
		(void)close(fd);
		return err;
	}

	*fdp = fd;
	return 0;
}


/**
 * Connect to the control socket at path.  lineh gets each reply or
 * event line, closeh the end of the connection; neither is called
 * before this returns.  Errors: the errno of connect(), ENOMEM.
 */
int ctl_conn_open(struct ctl_conn **connp, const char *path,
		  ctl_line_h *lineh, ctl_close_h *closeh, void *arg)
{
	struct ctl_conn *conn;
	int err;

	if (!connp || !path || !lineh)
		return EINVAL;

	conn = mem_zalloc(sizeof(*conn), destructor);
	if (!conn)
		return ENOMEM;

	conn->fd = -1;
	conn->lineh = lineh;
	conn->closeh = closeh;
	conn->arg = arg;

	conn->rx = mbuf_alloc(4096);
	if (!conn->rx) {
		err = ENOMEM;
		goto out;
	}

	err = sock_connect(&conn->fd, path);
	if (err)
		goto out;

	err = fd_listen(conn->fd, FD_READ, read_handler, conn);

 out:
	if (err)
		mem_deref(conn);
	else
		*connp = conn;

	return err;
}


static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}

		p += w;
		n -= (size_t)w;
	}

	return 0;
}


/**
 * Send one request line, {"argv": [...]}, with the words as given.
 * Requests are small, so the write blocks rather than queues.
 * Errors: ENOTCONN after close, EPIPE and other send() errors.
 */
int ctl_conn_send(struct ctl_conn *conn, int argc, char *const *argv)
{
	struct odict *req = NULL, *arr = NULL;
	char *line = NULL;
	char key[16];
	int i, err;

	if (!conn || argc < 0 || (argc && !argv))
		return EINVAL;
	if (conn->fd < 0)
		return ENOTCONN;

	err = odict_alloc(&req, 4);
	if (err)
		goto out;
	err = odict_alloc(&arr, 16);
	if (err)
		goto out;

	for (i = 0; i < argc; i++) {
		(void)re_snprintf(key, sizeof(key), "%d", i);
		err = odict_entry_add(arr, key, ODICT_STRING, argv[i]);
		if (err)
			goto out;
	}

	err = odict_entry_add(req, "argv", ODICT_ARRAY, arr);
	if (err)
		goto out;

	err = re_sdprintf(&line, "%H\n", json_encode_odict, req);
	if (err)
		goto out;

	err = write_all(conn->fd, line, strlen(line));

 out:
	mem_deref(line);
	mem_deref(arr);
	mem_deref(req);
	return err;
}

/* Commands read from a pipe or file, one per line, run one at a time. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "pbxctl.h"


/* libedit drops the first line when stdin is not a tty (notes §4), so
 * we read stdin ourselves, polled through the main loop when it is a
 * pipe or socket. */
struct batch {
	const char *path;       /* borrowed: control socket */
	bool json;
	struct ctl_req *req;    /* owned */
	struct mbuf *in;        /* owned: stdin bytes not yet run */
	bool eof;               /* stdin ended */
	bool done;              /* no more commands to run: quit, the end
				 * of input, or pbxd unreachable */
	bool polled;            /* fd 0 can be given to fd_listen */
	bool listening;         /* ... and is now */
	bool busy;              /* a command is waiting for its reply */
	int status;             /* exit status so far */
};

static void pump(struct batch *b);


static void destructor(void *arg)
{
	struct batch *b = arg;

	if (b->listening)
		fd_close(STDIN_FILENO);
	mem_deref(b->req);
	mem_deref(b->in);
}


static void fail(struct batch *b, int status)
{
	if (status > b->status)
		b->status = status;
}


/* Append what stdin has; n == 0 is the end of it. */
static void stdin_read(struct batch *b)
{
	uint8_t buf[16384];
	ssize_t n;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;

	if (n <= 0) {
		if (n < 0)
			re_fprintf(stderr, "pbxctl: stdin: %m\n", errno);
		b->eof = true;
		return;
	}

	b->in->pos = b->in->end;
	if (mbuf_write_mem(b->in, buf, (size_t)n)) {
		re_fprintf(stderr, "pbxctl: out of memory\n");
		fail(b, CTL_EXIT_FAILED);
		b->done = true;
	}
}


static void stdin_handler(int flags, void *arg)
{
	struct batch *b = arg;

	(void)flags;

	stdin_read(b);
	pump(b);
}


static void reply_handler(int err, const char *line,
			  const struct odict *reply, void *arg)
{
	struct batch *b = arg;

	b->busy = false;

	if (err) {
		ctl_print_failure(err);
		fail(b, CTL_EXIT_FAILED);
	}
	else if (!ctl_print_reply(line, reply, b->json, false)) {
		fail(b, CTL_EXIT_FAILED);
	}

	pump(b);
}


static void line_run(struct batch *b, const char *line)
{
	char **argv = NULL;
	int argc = 0, err;

	err = ctl_words_split(&argv, &argc, line);
	if (err) {
		re_fprintf(stderr, "pbxctl: %s: unterminated quote\n", line);
		fail(b, CTL_EXIT_FAILED);
		return;
	}

	if (argc == 0)
		goto out;

	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		b->done = true;
		goto out;
	}

	if (!strcmp(argv[0], "events")) {
		re_fprintf(stderr, "pbxctl: events: not read from a pipe"
			   " (run: pbxctl events)\n");
		fail(b, CTL_EXIT_FAILED);
		goto out;
	}

	err = ctl_req_send(b->req, argc, argv, reply_handler, b);
	if (err) {
		ctl_print_noconn(b->path, err);
		fail(b, CTL_EXIT_NOCONN);
		b->done = true;
		goto out;
	}

	b->busy = true;

 out:
	mem_deref(argv);
}


/* Take the next complete line out of the input, if there is one; at
 * the end of input the unterminated rest counts as a line. */
static char *line_take(struct batch *b)
{
	struct mbuf *in = b->in;
	uint8_t *nl;
	size_t len;
	char *line = NULL;

	nl = memchr(in->buf, '\n', in->end);
	if (nl)
		len = (size_t)(nl - in->buf);
	else if (b->eof && in->end)
		len = in->end;
	else
		return NULL;

	if (re_sdprintf(&line, "%b", in->buf, len))
		return NULL;

	len = nl ? len + 1 : len;
	memmove(in->buf, in->buf + len, in->end - len);
	in->end -= len;

	return line;
}


/* Run lines until one waits for its reply; read more when none is
 * left; stop the loop when input or commands are done. */
static void pump(struct batch *b)
{
	char *line;

	while (!b->busy && !b->done) {

		line = line_take(b);
		if (line) {
			line_run(b, line);
			mem_deref(line);
			continue;
		}

		if (b->in->end > CTL_LINE_MAX) {
			re_fprintf(stderr, "pbxctl: input line longer than"
				   " %u bytes\n", CTL_LINE_MAX);
			fail(b, CTL_EXIT_FAILED);
			b->done = true;
		}
		else if (b->eof) {
			b->done = true;
		}
		else if (!b->polled) {
			stdin_read(b);
		}
		else if (b->listening) {
			return;
		}
		else if (fd_listen(STDIN_FILENO, FD_READ, stdin_handler, b)) {
			b->polled = false;  /* then read it directly */
		}
		else {
			b->listening = true;
			return;
		}
	}

	/* Leave further input in the pipe until this command is done. */
	if (b->listening) {
		fd_close(STDIN_FILENO);
		b->listening = false;
	}

	if (b->done)
		re_cancel();
}


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


/**
 * Run each line of stdin as a command and print the replies.  Exit
 * status: 0 if all succeeded, 1 if any failed, 2 if pbxd could not
 * be reached (then the rest is not run).
 */
int ctl_pipe_run(const char *path, bool json)
{
	struct batch *b;
	struct stat st;
	int status;

	b = mem_zalloc(sizeof(*b), destructor);
	if (!b)
		return CTL_EXIT_FAILED;

	b->path = path;
	b->json = json;
	b->in = mbuf_alloc(4096);
	if (!b->in || ctl_req_alloc(&b->req, path)) {
		mem_deref(b);
		return CTL_EXIT_FAILED;
	}

	/* epoll refuses regular files and /dev/null (EPERM, and libre
	 * logs it); those never block, so they are read directly. */
	b->polled = !fstat(STDIN_FILENO, &st) &&
		(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
		 isatty(STDIN_FILENO));

	/* When everything ran without waiting, pump() has already called
	 * re_cancel(), which would not stop a re_main() started later. */
	pump(b);
	if (!b->done)
		(void)re_main(signal_handler);

	if (!b->done) {
		re_fprintf(stderr, "pbxctl: interrupted\n");
		fail(b, CTL_EXIT_FAILED);
	}

	status = b->status;
	mem_deref(b);
	return status;
}

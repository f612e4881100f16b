/* pbxctl, pbxd's console: options, then one command, a pipe or a tty. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "pbxctl.h"


static const char default_socket[] = "var/pbxctl.sock";

/* One command given on the command line. */
struct oneshot {
	const char *path;       /* borrowed: control socket */
	bool json;
	bool streaming;         /* "events": ^C is the normal end */
	int status;
};


static void usage(FILE *f)
{
	(void)fprintf(f,
		"usage: pbxctl [-s SOCKET] [--json] [COMMAND ARGS...]\n"
		"\n"
		"With a command: run it, print the reply and exit (0 ok,\n"
		"1 the command failed, 2 pbxd not reachable).  Without:\n"
		"an interactive console, or one command per line of\n"
		"stdin when that is not a terminal.  `pbxctl help` lists\n"
		"the commands.\n"
		"\n"
		"  -s, --socket SOCKET  control socket (default:"
		" $PBXCTL_SOCKET,\n"
		"                       else %s)\n"
		"  -j, --json           print replies as received (JSON)\n"
		"  -h, --help           this text\n", default_socket);
}


static void reply_handler(int err, const char *line,
			  const struct odict *reply, void *arg)
{
	struct oneshot *os = arg;

	if (err)
		ctl_print_failure(err);
	else if (ctl_print_reply(line, reply, os->json, false))
		os->status = CTL_EXIT_OK;

	re_cancel();
}


static void event_handler(const char *line, const struct odict *ev,
			  void *arg)
{
	struct oneshot *os = arg;

	ctl_print_event(line, ev, os->json);
}


static void events_end(int err, const char *error, void *arg)
{
	(void)arg;

	if (error)
		re_fprintf(stderr, "pbxctl: %s\n", error);
	else if (err == ECONNRESET)
		re_fprintf(stderr, "pbxctl: pbxd closed the event stream\n");
	else
		ctl_print_failure(err);

	re_cancel();
}


static struct oneshot *signal_os;

static void signal_handler(int sig)
{
	(void)sig;

	if (signal_os->streaming)
		signal_os->status = CTL_EXIT_OK;
	else
		re_fprintf(stderr, "pbxctl: interrupted\n");

	re_cancel();
}


/* Run argv as one command; "events" streams until ^C. */
static int oneshot_run(const char *path, bool json, int argc,
		       char *const *argv)
{
	struct oneshot os = {path, json, false, CTL_EXIT_FAILED};
	struct ctl_events *events = NULL;
	struct ctl_req *req = NULL;
	int err;

	if (argc == 1 && !strcmp(argv[0], "events")) {
		os.streaming = true;
		err = ctl_events_start(&events, path, event_handler,
				       events_end, &os);
	}
	else {
		err = ctl_req_alloc(&req, path);
		if (!err)
			err = ctl_req_send(req, argc, argv, reply_handler,
					   &os);
	}

	if (err) {
		ctl_print_noconn(path, err);
		os.status = CTL_EXIT_NOCONN;
		goto out;
	}

	signal_os = &os;
	(void)re_main(signal_handler);
	signal_os = NULL;

 out:
	mem_deref(events);
	mem_deref(req);
	return os.status;
}


int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json",   no_argument,       NULL, 'j'},
		{"help",   no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *path = getenv("PBXCTL_SOCKET");
	bool json = false;
	int c, status;

	if (!path || !*path)
		path = default_socket;

	/* "+": options end at the command, whose own options are its. */
	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {

		case 's':
			path = optarg;
			break;

		case 'j':
			json = true;
			break;

		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;

		default:
			(void)fprintf(stderr, "usage: pbxctl [-s SOCKET]"
				      " [--json] [COMMAND ARGS...]"
				      "  (see: pbxctl -h)\n");
			return CTL_EXIT_FAILED;
		}
	}

	if (libre_init()) {
		(void)fprintf(stderr, "pbxctl: cannot start libre\n");
		return CTL_EXIT_FAILED;
	}

	if (optind < argc)
		status = oneshot_run(path, json, argc - optind, argv + optind);
	else if (isatty(STDIN_FILENO))
		status = ctl_interactive_run(path, json);
	else
		status = ctl_pipe_run(path, json);

	(void)fflush(stdout);
	libre_close();

	return status;
}

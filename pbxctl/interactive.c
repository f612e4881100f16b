/* The interactive console: libedit prompt, history, live events. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <editline/readline.h>
#include <re.h>
#include "pbxctl.h"


enum {
	HISTORY_MAX  = 1000,  /* lines kept in ~/.pbxctl_history */
	EVENTS_RETRY = 3000,  /* ms between tries to get events back */
};

static const char prompt[] = "pbxctl> ";

/* The console.  libedit's line callback takes no argument, hence one
 * module pointer. */
struct console {
	const char *path;           /* borrowed: control socket */
	bool json;
	struct ctl_req *req;        /* owned: command connection */
	struct ctl_events *events;  /* owned; NULL while reconnecting */
	struct tmr retry;           /* next try to reconnect the events */
	char *histfile;             /* owned; NULL: no history file */
	bool prompting;             /* libedit owns the bottom line */
	bool busy;                  /* a command waits for its reply */
	bool learn;                 /* that command is "help" */
	bool events_lost;           /* "lost" has been said */
	bool quit;                  /* leaving: no prompt any more */
};

static struct console *con;

static void events_start(void);
static void on_line(char *line);


static void destructor(void *arg)
{
	struct console *c = arg;

	tmr_cancel(&c->retry);
	mem_deref(c->events);
	mem_deref(c->req);
	mem_deref(c->histfile);
}


static void stdin_handler(int flags, void *arg)
{
	(void)flags;
	(void)arg;

	rl_callback_read_char();
}


/* Give the keyboard to libedit: it prints the prompt (on a fresh line,
 * with an empty buffer) and edits until on_line() gets the line. */
static void prompt_start(void)
{
	if (con->prompting)
		return;

	rl_callback_handler_install(prompt, on_line);
	if (fd_listen(STDIN_FILENO, FD_READ, stdin_handler, NULL)) {
		rl_callback_handler_remove();
		re_cancel();
		return;
	}

	con->prompting = true;
}


/* Take the keyboard back; keys typed meanwhile wait in the tty. */
static void prompt_stop(void)
{
	if (!con->prompting)
		return;

	fd_close(STDIN_FILENO);
	rl_callback_handler_remove();
	con->prompting = false;
}


/* Output that must appear above the line being edited: clear the rows
 * of that line first (it may wrap; libedit keeps rl_point current),
 * and have libedit redraw prompt and text afterwards. */
static void above_begin(void)
{
	size_t col = sizeof(prompt) - 1;
	int i, cols = 0;

	if (!con->prompting)
		return;

	for (i = 0; rl_line_buffer && i < rl_point && rl_line_buffer[i]; i++) {
		if (((uint8_t)rl_line_buffer[i] & 0xc0) != 0x80)
			++col;
	}

	rl_get_screen_size(NULL, &cols);
	if (cols > 0 && col / (size_t)cols > 0)
		(void)printf("\033[%zuA", col / (size_t)cols);

	(void)fputs("\r\033[J", stdout);
	(void)fflush(stdout);
}


static void above_end(void)
{
	(void)fflush(stdout);
	(void)fflush(stderr);
	if (con->prompting)
		rl_forced_update_display();
}


static void event_handler(const char *line, const struct odict *ev,
			  void *arg)
{
	(void)arg;

	above_begin();
	ctl_print_event(line, ev, con->json);
	above_end();
}


static void retry_handler(void *arg)
{
	(void)arg;
	events_start();
}


static void events_end(int err, const char *error, void *arg)
{
	char buf[128];

	(void)arg;

	con->events = mem_deref(con->events);

	above_begin();
	if (error) {
		/* pbxd said no: asking again would get the same answer */
		re_fprintf(stderr, "pbxctl: events: %s\n", error);
	}
	else if (!con->events_lost) {
		re_fprintf(stderr, "*** lost the event stream from pbxd"
			   " (%s); reconnecting\n",
			   err == ECONNRESET ? "closed" : str_error(err,
						buf, sizeof(buf)));
		con->events_lost = true;
	}
	above_end();

	if (!error)
		tmr_start(&con->retry, EVENTS_RETRY, retry_handler, NULL);
}


static void events_start(void)
{
	int err;

	err = ctl_events_start(&con->events, con->path, event_handler,
			       events_end, NULL);
	if (err) {
		tmr_start(&con->retry, EVENTS_RETRY, retry_handler, NULL);
		return;
	}

	if (con->events_lost) {
		above_begin();
		re_fprintf(stderr, "*** connected to pbxd again\n");
		above_end();
		con->events_lost = false;
	}
}


static void reply_handler(int err, const char *line,
			  const struct odict *reply, void *arg)
{
	(void)arg;

	con->busy = false;

	if (err)
		ctl_print_failure(err);
	else if (ctl_print_reply(line, reply, con->json, true) && con->learn)
		ctl_complete_learn(reply);

	if (!con->quit)
		prompt_start();
}


/* The reply to the first "help": learn the commands quietly. */
static void hello_handler(int err, const char *line,
			  const struct odict *reply, void *arg)
{
	bool ok = false;

	(void)line;
	(void)arg;

	con->busy = false;

	if (err)
		ctl_print_failure(err);
	else if (odict_get_boolean(reply, &ok, "ok") && ok)
		ctl_complete_learn(reply);

	re_printf("pbxctl: connected to %s; type help for the commands,"
		  " quit to leave\n", con->path);
	prompt_start();
}


/* Passwords and PINs stay out of the history file. */
static bool history_worthy(int argc, char *const *argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "passwd") || !strcmp(argv[i], "pin") ||
		    !strcmp(argv[i], "--password") ||
		    !strcmp(argv[i], "--pin"))
			return false;
	}

	return true;
}


/* Run one typed line; true if it is now waiting for pbxd. */
static bool line_run(const char *line)
{
	char **argv = NULL;
	int argc = 0, err;
	bool wait = false;

	if (ctl_words_split(&argv, &argc, line)) {
		re_fprintf(stderr, "pbxctl: unterminated quote\n");
		return false;
	}

	if (argc && history_worthy(argc, argv))
		(void)add_history(line);

	if (argc == 0) {
		/* nothing */
	}
	else if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		con->quit = true;
		re_cancel();
	}
	else if (!strcmp(argv[0], "events") && argc == 1) {
		re_printf("(events are shown live in this console)\n");
	}
	else {
		err = ctl_req_send(con->req, argc, argv, reply_handler, NULL);
		if (err)
			ctl_print_noconn(con->path, err);
		wait = !err;
		con->learn = wait && argc == 1 && !strcmp(argv[0], "help");
	}

	mem_deref(argv);
	return wait;
}


/* libedit hands over a line (malloc()ed), or NULL at Ctrl-D. */
static void on_line(char *line)
{
	prompt_stop();

	if (!line) {
		re_printf("\n");
		con->quit = true;
		re_cancel();
		return;
	}

	con->busy = line_run(line);
	free(line);

	(void)fflush(stdout);
	if (!con->busy && !con->quit)
		prompt_start();
}


/* Ctrl-C drops the line being typed, or stops waiting for a reply
 * (pbxd may still carry the command out); SIGTERM ends the console. */
static void signal_handler(int sig)
{
	if (sig != SIGINT || con->quit) {
		if (con->prompting) {
			prompt_stop();
			re_printf("\n");
		}
		con->quit = true;
		re_cancel();
		return;
	}

	if (con->busy) {
		ctl_req_cancel(con->req);
		con->busy = false;
		re_fprintf(stderr, "pbxctl: interrupted; no reply awaited\n");
	}
	else {
		prompt_stop();
		re_printf("\n");
	}

	(void)fflush(stdout);
	prompt_start();
}


static void history_open(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}

	if (home && !re_sdprintf(&con->histfile, "%s/.pbxctl_history",
				 home))
		(void)read_history(con->histfile);

	stifle_history(HISTORY_MAX);
}


/* The first command is "help", to learn the commands for completion;
 * the prompt appears with its reply. */
static int console_start(void)
{
	static char *const help[] = {"help"};
	int err;

	err = ctl_req_send(con->req, 1, help, hello_handler, NULL);
	if (err) {
		ctl_print_noconn(con->path, err);
		return err;
	}

	con->busy = true;

	/* Before rl_initialize(): libedit's own signal handlers would
	 * re-raise SIGINT to the whole process group. */
	rl_catch_signals = 0;
	rl_readline_name = "pbxctl";
	if (rl_initialize() || ctl_complete_init())
		return ENOMEM;

	history_open();
	events_start();

	return 0;
}


/**
 * Run the console on the terminal until quit, Ctrl-D or SIGTERM.
 * Returns 2 when pbxd cannot be reached at the start, else 0.
 */
int ctl_interactive_run(const char *path, bool json)
{
	int status = CTL_EXIT_OK;

	con = mem_zalloc(sizeof(*con), destructor);
	if (!con)
		return CTL_EXIT_FAILED;

	con->path = path;
	con->json = json;
	tmr_init(&con->retry);

	if (ctl_req_alloc(&con->req, path)) {
		status = CTL_EXIT_FAILED;
		goto out;
	}

	if (console_start()) {
		status = con->busy ? CTL_EXIT_FAILED : CTL_EXIT_NOCONN;
		goto out;
	}

	(void)re_main(signal_handler);

	prompt_stop();
	if (con->histfile)
		(void)write_history(con->histfile);

 out:
	ctl_complete_close();
	con = mem_deref(con);
	return status;
}

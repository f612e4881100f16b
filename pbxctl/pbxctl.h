/* pbxctl: declarations shared by the console client's files. */
/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef PBXCTL_H
#define PBXCTL_H

struct odict;
struct odict_entry;
struct re_printf;

enum {
	CTL_LINE_MAX      = 1 << 20,  /* bytes: longest line we accept */
	CTL_REPLY_TIMEOUT = 10000,    /* ms to wait for a reply */
	CTL_JSON_DEPTH    = 32,       /* nesting accepted in a reply */
};

/* Exit statuses (DESIGN.md, Commands). */
enum {
	CTL_EXIT_OK     = 0,
	CTL_EXIT_FAILED = 1,
	CTL_EXIT_NOCONN = 2,
};


/* conn.c: one connection to the control socket, split into lines. */
struct ctl_conn;

/* A complete line, NUL-terminated, without its newline; the buffer is
 * only valid during the call.  The handler may deref the connection. */
typedef void (ctl_line_h)(const char *line, size_t len, void *arg);

/* The connection ended: err is 0 when pbxd closed it, else an errno
 * (EOVERFLOW for a line longer than CTL_LINE_MAX).  Called once. */
typedef void (ctl_close_h)(int err, void *arg);

int ctl_conn_open(struct ctl_conn **connp, const char *path,
		  ctl_line_h *lineh, ctl_close_h *closeh, void *arg);
int ctl_conn_send(struct ctl_conn *conn, int argc, char *const *argv);


/* req.c: a command connection with one request in flight at a time. */
struct ctl_req;

/* The reply to ctl_req_send(): err is 0 and line/reply are set (both
 * borrowed, valid during the call), or err is ETIMEDOUT, ECONNRESET
 * (pbxd closed the connection), EPROTO (not a JSON reply) or
 * EOVERFLOW.  The handler may send the next request. */
typedef void (ctl_reply_h)(int err, const char *line,
			   const struct odict *reply, void *arg);

int  ctl_req_alloc(struct ctl_req **reqp, const char *path);
int  ctl_req_send(struct ctl_req *req, int argc, char *const *argv,
		  ctl_reply_h *replyh, void *arg);
void ctl_req_cancel(struct ctl_req *req);


/* events.c: the live event stream (the "events" command). */
struct ctl_events;

/* One event line; ev is the decoded object with an "event" member. */
typedef void (ctl_event_h)(const char *line, const struct odict *ev,
			   void *arg);

/* The stream ended: error is pbxd's message if it refused the stream,
 * else NULL and err says why (as for ctl_reply_h).  Called once. */
typedef void (ctl_events_end_h)(int err, const char *error, void *arg);

int ctl_events_start(struct ctl_events **evp, const char *path,
		     ctl_event_h *eventh, ctl_events_end_h *endh, void *arg);


/* print.c: replies and events for people, or raw with --json. */
bool ctl_print_reply(const char *line, const struct odict *reply,
		     bool json, bool say_ok);
void ctl_print_event(const char *line, const struct odict *ev, bool json);
void ctl_print_noconn(const char *path, int err);
void ctl_print_failure(int err);


/* value.c: JSON values rendered for people. */
int ctl_value_print(struct re_printf *pf, const struct odict_entry *e);
int ctl_value_json(struct re_printf *pf, const struct odict_entry *e);
int ctl_value_cell(char **strp, const struct odict_entry *e, size_t max);
size_t ctl_text_width(const char *s);


/* words.c: a typed line split into words with shell-like quoting. */
int ctl_words_split(char ***argvp, int *argcp, const char *line);


/* complete.c: tab completion of command words. */
int  ctl_complete_init(void);
void ctl_complete_learn(const struct odict *help_reply);
void ctl_complete_close(void);


/* Modes: each returns an exit status. */
int ctl_pipe_run(const char *path, bool json);
int ctl_interactive_run(const char *path, bool json);

#endif

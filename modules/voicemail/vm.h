/* vm.h: declarations shared by the voicemail module's files.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * voicemail.c is the glue (config, registrations, export).  The logic:
 *   mailbox.c  messages on disk and in SQLite (the only file that
 *              writes either)
 *   check.c    the start-up consistency check (through mailbox.c)
 *   cmd.c      console commands (vm list/del/play/counts)
 *   leave.c    call:voicemail(): greeting, beep, recording, storing
 *   menu.c     call:voicemail_main(): PIN, counts, playing, options
 *   mwi.c      message-summary SUBSCRIBE/NOTIFY (RFC 3842), and
 *              unsolicited NOTIFYs to registered phones
 *   email.c    a message by e-mail through the local sendmail
 * Files talk through these functions only.  Everything runs on the main
 * loop; SQLite statements are local and short.
 */
#ifndef VM_H
#define VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lua_State;
struct odict;
struct re_printf;

enum {
	VM_BOX_MAX    = 33,       /* bytes of a mailbox name (= ext)   */
	VM_CALLER_MAX = 64,
	VM_PATH_MAX   = 512,
};

enum vm_folder {
	VM_NEW = 0,
	VM_OLD,
	VM_SAVED,
};

/* Module settings (voicemail.c reads the voicemail_* keys). */
struct vm_conf {
	uint32_t max_s;           /* voicemail_max_seconds (180)        */
	uint32_t min_s;           /* voicemail_min_seconds (1): shorter
	                           * messages are discarded            */
	uint32_t silence_s;       /* voicemail_silence_seconds (5)      */
	bool mwi_unsolicited;     /* voicemail_mwi_unsolicited (no)     */
	bool email;               /* voicemail_email (yes): mail when
	                           * the user has an address           */
	char sendmail[VM_PATH_MAX]; /* voicemail_sendmail (""): the mail
	                           * program; "" looks in the usual places */
};

const struct vm_conf *vm_conf(void);

/* A call in voicemail (leave.c, menu.c) holds the module: unloading is
 * refused (EBUSY) while any does, as their code would go with it. */
void vm_session_hold(void);
void vm_session_release(void);


/* ---- mailbox.c ---------------------------------------------------------- */

struct vm_msg {
	int64_t id;
	char box[VM_BOX_MAX];
	char caller[VM_CALLER_MAX];       /* number (user part)         */
	char caller_name[VM_CALLER_MAX];
	int64_t time;                     /* unix seconds               */
	uint32_t duration_ms;
	enum vm_folder folder;
	bool heard;
	char path[VM_PATH_MAX];           /* the WAV file               */
};

/* Creates the tables (pbx_db_migrate owner "voicemail"), then runs
 * vm_check().  Returns 0 also when that found problems (the module
 * still starts). */
int vm_mailbox_start(void);
void vm_mailbox_stop(void);

/* A name that can be a mailbox (and so a folder): extension
 * characters, no leading dot. */
bool vm_box_valid(const char *box);

/* data_dir/voicemail/BOX (made if missing, 0750).  EINVAL for a box
 * name that is not a valid extension. */
int vm_box_dir(char *buf, size_t sz, const char *box);
/* Where a recording in progress goes: BOX/tmp-RANDOM.wav. */
int vm_tmp_path(char *buf, size_t sz, const char *box);
/* Greeting files: BOX/greet-busy.wav, greet-unavail.wav, greet-name.wav
 * (kind "busy", "unavail", "name"); exists tells whether it is there. */
int vm_greeting_path(char *buf, size_t sz, const char *box,
		     const char *kind, bool *exists);

/* Stores a finished recording (the file at tmp_path, already synced):
 * renames it to BOX/msg-ID.wav, syncs the folder, commits the row, then
 * emits the voicemail event {box, id, caller} and calls
 * vm_mwi_changed(box) and vm_email_new(msg).  Only after it returns 0
 * may the caller hear "saved". */
int vm_msg_store(const char *box, const char *caller,
		 const char *caller_name, uint32_t duration_ms,
		 const char *tmp_path, struct vm_msg *msg);

typedef bool (vm_msg_h)(const struct vm_msg *msg, void *arg);
/* Messages of box, new first, then old, then saved; oldest first in
 * each folder.  h returns true to stop. */
int vm_msg_apply(const char *box, vm_msg_h *h, void *arg);
int vm_msg_get(const char *box, int64_t id, struct vm_msg *msg);
/* File and row; ENOENT if there is no such message. */
int vm_msg_delete(const char *box, int64_t id);
int vm_msg_set_folder(const char *box, int64_t id, enum vm_folder f);
/* Marks it heard and, when new, moves it to old. */
int vm_msg_heard(const char *box, int64_t id);
int vm_counts(const char *box, unsigned *newp, unsigned *oldp);

typedef bool (vm_box_h)(const char *box, unsigned nnew, unsigned nold,
			void *arg);
/* Every box with at least one message. */
int vm_box_apply(vm_box_h *h, void *arg);

const char *vm_folder_name(enum vm_folder f);


/* ---- check.c ----------------------------------------------------------- */

/* Checks that every row has its file and every msg-*.wav under
 * data_dir/voicemail has a row, and finds recordings left by a crash;
 * each finding is logged (warn) and emitted as a vm_inconsistent event.
 * Nothing is deleted. */
void vm_check(void);


/* ---- cmd.c ------------------------------------------------------------- */

int vm_cmds_register(void);
void vm_cmds_unregister(void);


/* ---- leave.c, menu.c: the Lua methods ----------------------------------- */

int vm_methods_register(void);
void vm_methods_unregister(void);


/* ---- mwi.c -------------------------------------------------------------- */

int vm_mwi_start(void);
void vm_mwi_stop(void);
/* The counts of box changed: NOTIFY its subscribers (and, when
 * configured, its registered phones). */
void vm_mwi_changed(const char *box);
/* "Messages-Waiting: yes\r\nMessage-Account: sip:BOX@DOMAIN\r\n
 * Voice-Message: N/M (0/0)\r\n" (RFC 3842 body), for tests too. */
int vm_mwi_body(struct re_printf *pf, const char *box, unsigned nnew,
		unsigned nold);


/* ---- email.c ------------------------------------------------------------ */

int vm_email_start(void);
void vm_email_stop(void);
/* Mails msg (caller, time, duration, the WAV attached) to the box's user
 * when voicemail_email is on and the user has an e-mail address; never
 * blocks and never fails the message: a missing sendmail is logged
 * once. */
void vm_email_new(const struct vm_msg *msg);

#endif

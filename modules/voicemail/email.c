/* email.c: a new message by e-mail, through the local sendmail.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The mail (a text part and the WAV attached in base64) is written to
 * data_dir/voicemail/.outbox/ and handed to `sendmail -t -oi` as its
 * stdin.  The child runs on its own; a 500 ms timer reaps it with
 * waitpid(WNOHANG) while any runs (the main loop never waits), then the
 * file goes.  Where sendmail is (voicemail_sendmail, else the usual
 * places) is looked up once at start; without one e-mail is off, said
 * once in the log.  Nothing here fails a message.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


extern char **environ;

enum {
	EMAIL_REAP_MS = 500,
	EMAIL_B64_IN  = 57 * 64,  /* bytes per read: whole 76-col lines  */
	EMAIL_B64_LINE = 76,      /* RFC 2045 6.8: at most 76 columns    */
};

/* Where sendmail is looked for (the second: traditional BSD place). */
static const char *const sendmail_paths[] = {
	"/usr/sbin/sendmail",
	"/usr/lib/sendmail",
};

struct email {
	struct tmr tmr;               /* reaps children, while any run   */
	struct list jobs;             /* struct email_job                */
	char sendmail[VM_PATH_MAX];   /* "" when none was found          */
	bool warned;                  /* "no sendmail" has been logged   */
};

/* One sendmail child. */
struct email_job {
	struct le le;
	pid_t pid;
	char box[VM_BOX_MAX];
	char path[VM_PATH_MAX];       /* the mail file, removed at exit  */
};

static struct email *email;

/* Internal, for tests (declared again in test_vm_mwi.c). */
int vm_email_write(const char *path, const struct vm_msg *msg,
		   const char *to, const char *name);
int vm_email_send(const struct vm_msg *msg, const char *to,
		  const char *name, const char *outbox);
void vm_email_sendmail_set(const char *path);
unsigned vm_email_running(void);


static void job_destructor(void *arg)
{
	struct email_job *j = arg;

	list_unlink(&j->le);
}


static void email_destructor(void *arg)
{
	struct email *e = arg;

	tmr_cancel(&e->tmr);
	/* children still running keep their files: only our records go */
	list_flush(&e->jobs);
}


/* Copies s for a header or the text part: control characters (a CR or
 * LF would start a header of the caller's choosing) become spaces, and
 * in headers (ascii) anything beyond ASCII becomes '?'. */
static void clean(char *buf, size_t sz, const char *s, bool ascii)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < sz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (ascii && c > 0x7e)
			c = '?';
		buf[i] = (char)c;
	}
	if (sz)
		buf[i] = '\0';
}


/* An address we can put between <> without quoting: no spaces, no
 * specials, one '@'. */
static bool addr_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;

	for (; *a; a++) {
		unsigned char c = (unsigned char)*a;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return false;
	}

	return true;
}


static int write_b64(FILE *f, const char *wav)
{
	uint8_t in[EMAIL_B64_IN];
	char out[EMAIL_B64_IN / 3 * 4 + 4];
	FILE *w;
	size_t n;
	int err = 0;

	w = fopen(wav, "rb");
	if (!w)
		return errno;

	while ((n = fread(in, 1, sizeof(in), w)) > 0) {
		size_t olen = sizeof(out), off;

		err = base64_encode(in, n, out, &olen);
		if (err)
			break;

		for (off = 0; off < olen; off += EMAIL_B64_LINE) {
			size_t l = olen - off < EMAIL_B64_LINE ?
				olen - off : EMAIL_B64_LINE;

			if (fwrite(out + off, 1, l, f) != l ||
			    fputc('\n', f) == EOF) {
				err = EIO;
				break;
			}
		}
		if (err)
			break;
	}
	if (!err && ferror(w))
		err = EIO;

	fclose(w);

	return err;
}


static int write_text(FILE *f, const struct vm_msg *msg,
		      const char *boundary, const char *date)
{
	char name[VM_CALLER_MAX];
	const char *file = strrchr(msg->path, '/');
	uint32_t dur = (msg->duration_ms + 500) / 1000;

	file = file ? file + 1 : msg->path;
	clean(name, sizeof(name), msg->caller_name, false);

	if (fprintf(f, "This is a MIME message.\n\n"
		    "--%s\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n"
		    "A new voicemail in mailbox %s.\n\n"
		    "Caller:   %s\n"
		    "Name:     %s\n"
		    "Date:     %s\n"
		    "Duration: %u s\n\n"
		    "--%s\n"
		    "Content-Type: audio/wav; name=\"%s\"\n"
		    "Content-Transfer-Encoding: base64\n"
		    "Content-Disposition: attachment; filename=\"%s\"\n\n",
		    boundary, msg->box, msg->caller, name[0] ? name : "-",
		    date, dur, boundary, file, file) < 0)
		return EIO;

	return 0;
}


/* Writes the whole mail to path (made new, 0600).  Lines end in LF, as
 * sendmail takes them on stdin. */
int vm_email_write(const char *path, const struct vm_msg *msg,
		   const char *to, const char *name)
{
	char boundary[48], date[64], rname[VM_CALLER_MAX];
	char caller[VM_CALLER_MAX];
	struct tm tm;
	time_t t;
	FILE *f;
	int fd, err;

	if (!path || !msg || !to || !addr_ok(to))
		return EINVAL;

	t = (time_t)msg->time;
	if (!localtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm))
		return EINVAL;

	clean(caller, sizeof(caller), msg->caller[0] ? msg->caller :
	      "unknown", true);
	clean(rname, sizeof(rname), name, true);
	/* a display name only when it needs no quoting of its own */
	if (strpbrk(rname, "\"\\"))
		rname[0] = '\0';
	re_snprintf(boundary, sizeof(boundary), "pbxd-%016llx-%lld",
		    (unsigned long long)rand_u64(), (long long)msg->id);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		goto out;
	}

	if (fprintf(f, "From: pbxd voicemail <voicemail@%s>\n"
		    "To: %s%s%s<%s>\n"
		    "Subject: New voicemail from %s (%u s)\n"
		    "Date: %s\n"
		    "MIME-Version: 1.0\n"
		    "Content-Type: multipart/mixed; boundary=\"%s\"\n\n",
		    pbx_domain(), rname[0] ? "\"" : "", rname,
		    rname[0] ? "\" " : "", to, caller,
		    (msg->duration_ms + 500) / 1000, date, boundary) < 0) {
		err = EIO;
		fclose(f);
		goto out;
	}

	err = write_text(f, msg, boundary, date);
	if (!err)
		err = write_b64(f, msg->path);
	if (!err && fprintf(f, "\n--%s--\n", boundary) < 0)
		err = EIO;
	if (fclose(f) && !err)
		err = EIO;

 out:
	if (err)
		(void)unlink(path);

	return err;
}


/* Ends the jobs whose child has exited, and the timer when none runs. */
static void reap_h(void *arg)
{
	struct email *e = arg;
	struct le *le = list_head(&e->jobs);

	while (le) {
		struct email_job *j = le->data;
		int st = 0;
		pid_t r;

		le = le->next;
		r = waitpid(j->pid, &st, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;

		if (r < 0)            /* ECHILD: reaped by someone else */
			pbx_log(PBX_LOG_WARN, "voicemail: %s: lost the "
				"sendmail process %d (%m)", j->box,
				(int)j->pid, errno);
		else if (WIFEXITED(st) && WEXITSTATUS(st))
			pbx_log(PBX_LOG_WARN, "voicemail: %s: sendmail failed "
				"(exit status %d): mail not sent", j->box,
				WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			pbx_log(PBX_LOG_WARN, "voicemail: %s: sendmail killed "
				"by signal %d: mail not sent", j->box,
				WTERMSIG(st));
		else
			pbx_log(PBX_LOG_INFO, "voicemail: %s: mail handed "
				"to sendmail", j->box);

		(void)unlink(j->path);
		mem_deref(j);
	}

	if (!list_isempty(&e->jobs))
		tmr_start(&e->tmr, EMAIL_REAP_MS, reap_h, e);
}


/* sendmail -t -oi < file; the child gets no other descriptor of ours. */
static int spawn(pid_t *pidp, const char *prog, const char *file)
{
	char *const argv[] = {"sendmail", "-t", "-oi", NULL};
	posix_spawn_file_actions_t fa;
	int err;

	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return err;

	err = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, file,
					       O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!err)
		err = posix_spawn(pidp, prog, &fa, NULL, argv, environ);

	posix_spawn_file_actions_destroy(&fa);

	return err;
}


/* Writes the mail into folder outbox (which exists) and starts
 * sendmail on it.  ENOENT: no sendmail. */
int vm_email_send(const struct vm_msg *msg, const char *to,
		  const char *name, const char *outbox)
{
	struct email_job *j;
	int err;

	if (!email || !msg || !to || !outbox)
		return EINVAL;
	if (!email->sendmail[0])
		return ENOENT;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	str_ncpy(j->box, msg->box, sizeof(j->box));

	if (re_snprintf(j->path, sizeof(j->path), "%s/mail-%s-%lld-%08x.eml",
			outbox, msg->box, (long long)msg->id,
			rand_u32()) < 0) {
		err = ENAMETOOLONG;
		goto out;
	}

	err = vm_email_write(j->path, msg, to, name);
	if (err)
		goto out;

	err = spawn(&j->pid, email->sendmail, j->path);
	if (err) {
		(void)unlink(j->path);
		goto out;
	}

	list_append(&email->jobs, &j->le, j);
	if (!tmr_isrunning(&email->tmr))
		tmr_start(&email->tmr, EMAIL_REAP_MS, reap_h, email);

 out:
	if (err)
		mem_deref(j);

	return err;
}


/* data_dir/voicemail/.outbox, made (0700) when missing. */
static int outbox_dir(char *buf, size_t sz)
{
	if (re_snprintf(buf, sz, "%s/voicemail", pbx_data_dir()) < 0)
		return ENAMETOOLONG;
	if (mkdir(buf, 0750) && errno != EEXIST)
		return errno;

	if (re_snprintf(buf, sz, "%s/voicemail/.outbox", pbx_data_dir()) < 0)
		return ENAMETOOLONG;
	if (mkdir(buf, 0700) && errno != EEXIST)
		return errno;

	return 0;
}


void vm_email_new(const struct vm_msg *msg)
{
	struct odict *od = NULL;
	char dir[VM_PATH_MAX];
	const char *to;
	int err;

	if (!email || !msg || !vm_conf()->email)
		return;

	if (pbx_user_odict(msg->box, &od))
		return;
	to = odict_string(od, "email");
	if (!to || !to[0])
		goto out;

	if (!email->sendmail[0]) {
		if (!email->warned)
			pbx_log(PBX_LOG_WARN, "voicemail: no sendmail found: "
				"e-mail notifications are off");
		email->warned = true;
		goto out;
	}

	err = outbox_dir(dir, sizeof(dir));
	if (!err)
		err = vm_email_send(msg, to, odict_string(od, "name"), dir);
	if (err)
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot mail message "
			"%lld to %s (%m)", msg->box, (long long)msg->id, to,
			err);

 out:
	mem_deref(od);
}


/* path as sendmail (NULL: look in the usual places); a path that is
 * not executable leaves e-mail off. */
void vm_email_sendmail_set(const char *path)
{
	size_t i;

	if (!email)
		return;

	email->sendmail[0] = '\0';
	if (path) {       /* "": none */
		if (!path[0])
			return;
		if (!access(path, X_OK))
			str_ncpy(email->sendmail, path,
				 sizeof(email->sendmail));
		else
			pbx_log(PBX_LOG_WARN, "voicemail: voicemail_sendmail "
				"%s: %m", path, errno);
		return;
	}

	for (i = 0; i < ARRAY_SIZE(sendmail_paths); i++) {
		if (!access(sendmail_paths[i], X_OK)) {
			str_ncpy(email->sendmail, sendmail_paths[i],
				 sizeof(email->sendmail));
			return;
		}
	}
}


/* Children not reaped yet. */
unsigned vm_email_running(void)
{
	return email ? list_count(&email->jobs) : 0;
}


int vm_email_start(void)
{
	if (email)
		return EALREADY;

	email = mem_zalloc(sizeof(*email), email_destructor);
	if (!email)
		return ENOMEM;

	vm_email_sendmail_set(vm_conf()->sendmail[0] ?
			      vm_conf()->sendmail : NULL);

	return 0;
}


/* Children left running finish on their own (their files stay in the
 * outbox); they are reaped by nobody until pbxd exits. */
void vm_email_stop(void)
{
	if (email)
		reap_h(email);
	email = mem_deref(email);
}

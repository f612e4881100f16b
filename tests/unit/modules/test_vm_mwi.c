/* test_vm_mwi.c: unit tests of voicemail's MWI body and e-mail sending.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * mwi.c and email.c are linked in; the rest of the module (vm_conf,
 * vm_counts) is stubbed here.  The sendmail tests run a shell script in
 * sendmail's place and the libre loop until the child has been reaped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


/* email.c's internals for tests */
int vm_email_write(const char *path, const struct vm_msg *msg,
		   const char *to, const char *name);
int vm_email_send(const struct vm_msg *msg, const char *to,
		  const char *name, const char *outbox);
void vm_email_sendmail_set(const char *path);
unsigned vm_email_running(void);

enum {
	WAV_LEN = 10001,          /* not a multiple of 3 or of a chunk */
	WAIT_MS = 10000,
};

static char tmpdir[256];


/* ---- stubs of the module's other files ------------------------------ */

const struct vm_conf *vm_conf(void)
{
	static const struct vm_conf c = {180, 1, 5, false, true, ""};

	return &c;
}


int vm_counts(const char *box, unsigned *newp, unsigned *oldp)
{
	(void)box;
	*newp = 0;
	*oldp = 0;

	return 0;
}


/* ---- helpers ---------------------------------------------------------- */

static char *file_read(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (lenp)
			*lenp = (size_t)n;
	}

	return buf;
}


static void file_write(const char *path, const void *p, size_t n,
		       mode_t mode)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}


/* A WAV stand-in: every byte value, in a pattern base64 would show. */
static void wav_make(struct vm_msg *msg, uint8_t *wav)
{
	size_t i;

	for (i = 0; i < WAV_LEN; i++)
		wav[i] = (uint8_t)(i * 7 + i / 256);

	memset(msg, 0, sizeof(*msg));
	msg->id = 42;
	str_ncpy(msg->box, "1001", sizeof(msg->box));
	str_ncpy(msg->caller, "1002", sizeof(msg->caller));
	str_ncpy(msg->caller_name, "Bob\r\nBcc: evil@example.org",
		 sizeof(msg->caller_name));
	msg->time = 1700000000;
	msg->duration_ms = 4400;
	re_snprintf(msg->path, sizeof(msg->path), "%s/msg-42.wav", tmpdir);
	file_write(msg->path, wav, WAV_LEN, 0600);
}


/* Checks a mail as vm_email_write writes it: headers, boundary lines,
 * and that the attachment decodes to wav. */
static void mail_check(const char *mail, const uint8_t *wav)
{
	char boundary[64], delim[80], *b64, *p, *q, *end;
	uint8_t *dec;
	size_t n = 0, declen = WAV_LEN + 16;
	const char *hdrs_end = strstr(mail, "\n\n");

	assert_non_null(hdrs_end);
	assert_true(!strncmp(mail, "From: pbxd voicemail <voicemail@", 32));
	assert_non_null(strstr(mail, "\nTo: <u@example.org>\n"));
	assert_non_null(strstr(mail, "\nSubject: New voicemail from 1002 "
			       "(4 s)\n"));
	assert_non_null(strstr(mail, "\nMIME-Version: 1.0\n"));
	/* the caller's name cannot add a header line */
	assert_null(strstr(mail, "\nBcc:"));
	assert_non_null(strstr(mail, "Name:     Bob  Bcc: evil@example.org"));
	assert_non_null(strstr(mail, "Caller:   1002\n"));
	assert_non_null(strstr(mail, "Duration: 4 s\n"));

	p = strstr(mail, "boundary=\"");
	assert_non_null(p);
	assert_true(p < hdrs_end);
	p += 10;
	q = strchr(p, '"');
	assert_non_null(q);
	assert_true((size_t)(q - p) < sizeof(boundary));
	memcpy(boundary, p, (size_t)(q - p));
	boundary[q - p] = '\0';

	/* two parts and the closing delimiter, at the end */
	re_snprintf(delim, sizeof(delim), "\n--%s\n", boundary);
	p = strstr(mail, delim);
	assert_non_null(p);
	p = strstr(p + 1, delim);
	assert_non_null(p);
	assert_null(strstr(p + 1, delim));
	re_snprintf(delim, sizeof(delim), "\n--%s--\n", boundary);
	end = strstr(mail, delim);
	assert_non_null(end);
	assert_int_equal(strlen(end), strlen(delim));

	assert_non_null(strstr(p, "Content-Type: audio/wav; "
			       "name=\"msg-42.wav\"\n"));
	assert_non_null(strstr(p, "Content-Transfer-Encoding: base64\n"));
	p = strstr(p + 1, "\n\n");
	assert_non_null(p);
	p += 2;

	/* lines of at most 76; the newlines dropped */
	b64 = malloc((size_t)(end - p) + 1);
	assert_non_null(b64);
	for (q = p; q < end; ) {
		char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t l = nl ? (size_t)(nl - q) : (size_t)(end - q);

		assert_true(l <= 76);
		memcpy(b64 + n, q, l);
		n += l;
		q += l + 1;
	}

	dec = malloc(declen);
	assert_non_null(dec);
	assert_int_equal(base64_decode(b64, n, dec, &declen), 0);
	assert_int_equal(declen, WAV_LEN);
	assert_memory_equal(dec, wav, WAV_LEN);
	free(dec);
	free(b64);
}


static void tmp_path(char *buf, size_t sz, const char *name)
{
	re_snprintf(buf, sz, "%s/%s", tmpdir, name);
}


/* ---- the MWI body ------------------------------------------------------ */

static int buf_print_h(const char *p, size_t size, void *arg)
{
	struct mbuf *mb = arg;

	return mbuf_write_mem(mb, (const uint8_t *)p, size);
}


/* vm_mwi_body's output as a string (owned by the caller). */
static char *body(const char *box, unsigned nnew, unsigned nold)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct re_printf pf = {buf_print_h, mb};
	char *s = NULL;

	assert_non_null(mb);
	assert_int_equal(vm_mwi_body(&pf, box, nnew, nold), 0);
	mb->pos = 0;
	assert_int_equal(mbuf_strdup(mb, &s, mbuf_get_left(mb)), 0);
	mem_deref(mb);

	return s;
}

static void test_body_none(void **state)
{
	char *s = body("1001", 0, 0);
	(void)state;

	assert_string_equal(s, "Messages-Waiting: no\r\n"
			    "Message-Account: sip:1001@localhost\r\n"
			    "Voice-Message: 0/0 (0/0)\r\n");
	mem_deref(s);
}


static void test_body_counts(void **state)
{
	char *s = body("1001", 2, 1);
	(void)state;

	assert_string_equal(s, "Messages-Waiting: yes\r\n"
			    "Message-Account: sip:1001@localhost\r\n"
			    "Voice-Message: 2/1 (0/0)\r\n");
	mem_deref(s);

	assert_int_equal(vm_mwi_body(NULL, NULL, 0, 0), EINVAL);

	/* old messages only: nothing is waiting */
	s = body("7", 0, 3);
	assert_string_equal(s, "Messages-Waiting: no\r\n"
			    "Message-Account: sip:7@localhost\r\n"
			    "Voice-Message: 0/3 (0/0)\r\n");
	mem_deref(s);
}


/* ---- the mail ----------------------------------------------------------- */

static void test_mime(void **state)
{
	static uint8_t wav[WAV_LEN];
	struct vm_msg msg;
	char path[300], *mail;
	(void)state;

	wav_make(&msg, wav);
	tmp_path(path, sizeof(path), "mail.eml");
	(void)unlink(path);

	assert_int_equal(vm_email_write(path, &msg, "u@example.org", NULL),
			 0);
	mail = file_read(path, NULL);
	assert_non_null(mail);
	mail_check(mail, wav);
	free(mail);

	/* never over a file that is there */
	assert_int_equal(vm_email_write(path, &msg, "u@example.org", NULL),
			 EEXIST);
	assert_int_equal(unlink(path), 0);

	/* a display name, quoted */
	assert_int_equal(vm_email_write(path, &msg, "u@example.org",
					"Alice A"), 0);
	mail = file_read(path, NULL);
	assert_non_null(mail);
	assert_non_null(strstr(mail, "\nTo: \"Alice A\" <u@example.org>\n"));
	free(mail);
	assert_int_equal(unlink(path), 0);
}


static void test_mime_bad(void **state)
{
	static uint8_t wav[WAV_LEN];
	struct vm_msg msg;
	char path[300];
	(void)state;

	wav_make(&msg, wav);
	tmp_path(path, sizeof(path), "bad.eml");

	assert_int_equal(vm_email_write(path, &msg, "no-at-sign", NULL),
			 EINVAL);
	assert_int_equal(vm_email_write(path, &msg, "a b@example.org", NULL),
			 EINVAL);
	assert_int_equal(vm_email_write(path, &msg, "a@b>\nBcc: c@d", NULL),
			 EINVAL);
	assert_int_equal(access(path, F_OK), -1);

	/* the WAV is gone: no half mail is left */
	str_ncpy(msg.path, "/nonexistent/msg-1.wav", sizeof(msg.path));
	assert_int_equal(vm_email_write(path, &msg, "u@example.org", NULL),
			 ENOENT);
	assert_int_equal(access(path, F_OK), -1);
}


/* ---- sendmail ----------------------------------------------------------- */

static void poll_h(void *arg)
{
	struct tmr *tmr = arg;

	if (!vm_email_running())
		re_cancel();
	else
		tmr_start(tmr, 20, poll_h, tmr);
}


static void timeout_h(void *arg)
{
	(void)arg;
	fail_msg("sendmail child not reaped in %d ms", WAIT_MS);
	re_cancel();
}


/* Runs the loop until email.c has reaped every child. */
static void loop_until_reaped(void)
{
	struct tmr poll, limit;

	tmr_init(&poll);
	tmr_init(&limit);
	tmr_start(&poll, 20, poll_h, &poll);
	tmr_start(&limit, WAIT_MS, timeout_h, NULL);
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&poll);
	tmr_cancel(&limit);
}


static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	}
	closedir(d);

	return empty;
}


static void test_sendmail(void **state)
{
	static uint8_t wav[WAV_LEN];
	char script[300], outbox[300], got[300], args[300], text[1024];
	struct vm_msg msg;
	char *mail;
	(void)state;

	wav_make(&msg, wav);
	tmp_path(outbox, sizeof(outbox), "outbox");
	assert_int_equal(mkdir(outbox, 0700), 0);
	tmp_path(script, sizeof(script), "sendmail");
	tmp_path(got, sizeof(got), "got.eml");
	tmp_path(args, sizeof(args), "args");
	re_snprintf(text, sizeof(text), "#!/bin/sh\necho \"$@\" > '%s'\n"
		    "sleep 0.2\ncat > '%s'\n", args, got);
	file_write(script, text, strlen(text), 0700);

	assert_int_equal(vm_email_start(), 0);

	/* nothing found (or not wanted) */
	vm_email_sendmail_set("");
	assert_int_equal(vm_email_send(&msg, "u@example.org", NULL, outbox),
			 ENOENT);

	vm_email_sendmail_set(script);
	assert_int_equal(vm_email_send(&msg, "u@example.org", NULL, outbox),
			 0);
	/* the child sleeps: send returned before it was done */
	assert_int_equal(vm_email_running(), 1);
	assert_false(dir_empty(outbox));

	loop_until_reaped();
	assert_int_equal(vm_email_running(), 0);

	mail = file_read(args, NULL);
	assert_non_null(mail);
	assert_string_equal(mail, "-t -oi\n");
	free(mail);

	mail = file_read(got, NULL);
	assert_non_null(mail);
	mail_check(mail, wav);
	free(mail);

	/* reaped: the mail file is gone */
	assert_true(dir_empty(outbox));

	vm_email_stop();
}


static void test_sendmail_fails(void **state)
{
	static uint8_t wav[WAV_LEN];
	char script[300], outbox[300], text[128];
	struct vm_msg msg;
	(void)state;

	wav_make(&msg, wav);
	tmp_path(outbox, sizeof(outbox), "outbox2");
	assert_int_equal(mkdir(outbox, 0700), 0);
	tmp_path(script, sizeof(script), "sendmail-fail");
	re_snprintf(text, sizeof(text), "#!/bin/sh\ncat >/dev/null\n"
		    "exit 3\n");
	file_write(script, text, strlen(text), 0700);

	assert_int_equal(vm_email_start(), 0);
	vm_email_sendmail_set(script);

	assert_int_equal(vm_email_send(&msg, "u@example.org", NULL, outbox),
			 0);
	assert_int_equal(vm_email_send(&msg, "v@example.org", NULL, outbox),
			 0);
	assert_int_equal(vm_email_running(), 2);
	loop_until_reaped();
	assert_int_equal(vm_email_running(), 0);
	assert_true(dir_empty(outbox));

	/* no such program: posix_spawn fails at once (glibc reports the
	 * exec error), or the child exits 127; either way nothing stays */
	vm_email_sendmail_set("/nonexistent/sendmail");
	if (!vm_email_send(&msg, "u@example.org", NULL, outbox))
		loop_until_reaped();
	assert_int_equal(vm_email_running(), 0);
	assert_true(dir_empty(outbox));

	vm_email_stop();
	/* stopped: nothing to send with */
	assert_int_equal(vm_email_send(&msg, "u@example.org", NULL, outbox),
			 EINVAL);
}


static int group_setup(void **state)
{
	char tmpl[] = "/tmp/test_vm_mwi.XXXXXX";
	(void)state;

	if (!mkdtemp(tmpl))
		return -1;
	str_ncpy(tmpdir, tmpl, sizeof(tmpdir));

	if (libre_init())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);

	return 0;
}


static int group_teardown(void **state)
{
	char cmd[300];
	(void)state;

	re_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		return -1;
	libre_close();

	return 0;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_none),
		cmocka_unit_test(test_body_counts),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_mime_bad),
		cmocka_unit_test(test_sendmail),
		cmocka_unit_test(test_sendmail_fails),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

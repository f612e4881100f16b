/* voicemail.c: the voicemail module's export, config and registrations.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Keys: voicemail_max_seconds (180, 5-3600), voicemail_min_seconds (1,
 * 0-60), voicemail_silence_seconds (5, 0-60; 0: off),
 * voicemail_mwi_unsolicited (no), voicemail_email (yes),
 * voicemail_sendmail ("": /usr/sbin/sendmail or /usr/lib/sendmail).
 * The logic is in the files named in vm.h.
 */
#include <re.h>
#include "pbx.h"
#include "vm.h"


struct voicemail {
	struct vm_conf conf;
	bool mailbox, cmds, methods, mwi, email;   /* what is up */
	unsigned sessions;        /* calls in voicemail now             */
};

static struct voicemail *voicemail;


const struct vm_conf *vm_conf(void)
{
	static const struct vm_conf def = {180, 1, 5, false, true, ""};

	return voicemail ? &voicemail->conf : &def;
}


void vm_session_hold(void)
{
	if (voicemail)
		++voicemail->sessions;
}


void vm_session_release(void)
{
	if (voicemail && voicemail->sessions)
		--voicemail->sessions;
}


static int conf_read(struct vm_conf *c)
{
	int err;

	err = pbx_conf_u32("voicemail_max_seconds", 180, 5, 3600, &c->max_s);
	if (!err)
		err = pbx_conf_u32("voicemail_min_seconds", 1, 0, 60,
				   &c->min_s);
	if (!err)
		err = pbx_conf_u32("voicemail_silence_seconds", 5, 0, 60,
				   &c->silence_s);
	if (!err)
		err = pbx_conf_bool("voicemail_mwi_unsolicited", false,
				    &c->mwi_unsolicited);
	if (!err)
		err = pbx_conf_bool("voicemail_email", true, &c->email);
	if (!err)
		str_ncpy(c->sendmail, pbx_conf_str("voicemail_sendmail", ""),
			 sizeof(c->sendmail));

	return err;
}


/* In reverse order of voicemail_init; safe after a partial init. */
static int voicemail_close(void)
{
	if (!voicemail)
		return 0;

	if (voicemail->sessions) {
		pbx_log(PBX_LOG_WARN, "voicemail: %u calls in voicemail, "
			"cannot unload now", voicemail->sessions);
		return EBUSY;
	}

	if (voicemail->methods)
		vm_methods_unregister();
	if (voicemail->cmds)
		vm_cmds_unregister();
	if (voicemail->mwi)
		vm_mwi_stop();
	if (voicemail->email)
		vm_email_stop();
	if (voicemail->mailbox)
		vm_mailbox_stop();

	voicemail = mem_deref(voicemail);

	return 0;
}


static int voicemail_init(void)
{
	int err;

	if (voicemail)
		return EALREADY;

	voicemail = mem_zalloc(sizeof(*voicemail), NULL);
	if (!voicemail)
		return ENOMEM;

	err = conf_read(&voicemail->conf);
	if (err)
		goto out;

	err = vm_mailbox_start();
	if (err)
		goto out;
	voicemail->mailbox = true;

	err = vm_email_start();
	if (err)
		goto out;
	voicemail->email = true;

	err = vm_mwi_start();
	if (err)
		goto out;
	voicemail->mwi = true;

	err = vm_cmds_register();
	if (err)
		goto out;
	voicemail->cmds = true;

	err = vm_methods_register();
	if (err)
		goto out;
	voicemail->methods = true;

 out:
	if (err) {
		pbx_log(PBX_LOG_ERROR, "voicemail: cannot start: %m", err);
		voicemail_close();
	}

	return err;
}


__attribute__((visibility("default")))
const struct mod_export exports = {
	"voicemail",
	"application",
	voicemail_init,
	voicemail_close,
};

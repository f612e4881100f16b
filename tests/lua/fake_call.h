/* fake_call.h: a fake call layer (call.c's API) for the Lua engine tests.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * fake_call.c defines the pbx_call_* functions the Lua files use, so the
 * engine can be tested without SIP: answer completes after a few ms, dial
 * returns what fake_dial says (after delay_ms, or at once when sync).
 */
#ifndef FAKE_CALL_H
#define FAKE_CALL_H

/* What the next dials return, and what the last one was asked. */
struct fake_dial {
	enum pbx_dial_result result;
	uint16_t code;
	bool sync;                /* call the done handler inside dial */
	unsigned delay_ms;
	int fail;                 /* errno pbx_call_dial returns        */
	unsigned count;           /* dials started                      */
	char targets[256];        /* "1001,1002"                        */
	uint32_t timeout;
	bool sequential;
	char caller_id[64];
	char headers[512];
};

extern struct fake_dial fake_dial;

/* A new inbound call (one reference for the test).  user may be NULL. */
struct pbx_call *fake_call_new(const char *from, const char *to,
			       const char *user);
/* pbx_script_start for c, as call.c does. */
int fake_call_start(struct pbx_call *c);
/* The caller hangs up (call.c's pbx_call_end). */
void fake_call_hangup(struct pbx_call *c);
/* pbx_call_ring ends the call from inside (a hang-up during a method). */
void fake_call_hangup_on_ring(struct pbx_call *c);
bool fake_call_done(const struct pbx_call *c);
int fake_call_err(const struct pbx_call *c);
uint16_t fake_call_rejected(const struct pbx_call *c);
bool fake_call_answered(const struct pbx_call *c);
bool fake_call_hungup(const struct pbx_call *c);
struct pbx_script *fake_call_script(const struct pbx_call *c);
/* Fake calls not yet freed. */
unsigned fake_calls_alive(void);

#endif

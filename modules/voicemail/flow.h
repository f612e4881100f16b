/* flow.h: what the voicemail call flows (leave.c, menu.c) share.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * flow.c holds the pure helpers (prompt names for numbers, digits and
 * times; a recording's length from its WAV file), so that they can be
 * unit-tested without a call.  Each flow is a small state machine: a
 * session object per call, an enter function that starts the operation
 * of the current state and a done handler that picks the next state.
 */
#ifndef VM_FLOW_H
#define VM_FLOW_H

#include <stddef.h>
#include <stdint.h>

struct lua_State;

enum {
	VM_NAMES_MAX  = 64,       /* prompt names in one play (pbx.h)  */
	VM_IDLE_MAX   = 2,        /* menus: timeouts in a row, then bye */
	VM_WAIT_MS    = 10000,    /* menus: wait for a choice          */
	VM_DIGIT_MS   = 5000,     /* between the digits of a PIN       */
};

/* The menus' interrupt set: any key answers a prompt. */
#define VM_ANY_KEY "0123456789*#"

/* Each appends to namev[*np] (room: max names in all) and advances *np.
 * E2BIG when the names do not fit (nothing is added then), ERANGE for a
 * number above 9999.  The names are static strings. */
int vm_flow_number(const char **namev, size_t max, size_t *np, unsigned n);
/* Digits one by one ("digits/1" ...; * and # as star and pound); other
 * characters are skipped. */
int vm_flow_digits(const char **namev, size_t max, size_t *np,
		   const char *s);
/* A time of day: "14 05", "14 hundred" (minute 0), "9 30". */
int vm_flow_time(const char **namev, size_t max, size_t *np,
		 unsigned hour, unsigned min);

/* Length in ms of a 16-bit PCM WAV file with a 44-byte header (what the
 * recorder writes), from the file's size and the header's rate and
 * channels.  EINVAL for another format, or an errno of open/read. */
int vm_flow_wav_ms(const char *path, uint32_t *msp);

/* The Lua methods (leave.c registers both). */
int vm_leave_lua(struct lua_State *L);
int vm_menu_lua(struct lua_State *L);

#endif

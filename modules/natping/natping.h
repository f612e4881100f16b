/* natping.h: declarations shared by the natping module's files.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * ping.c owns the logic (which contacts to ping, when, and what the
 * answers mean); natping.c is the glue (config, console, export).
 */
#ifndef NATPING_H
#define NATPING_H

#include <stdbool.h>
#include <stdint.h>

struct natping;
struct sa;

/* What is known about one pinged contact, for reading only. */
struct natping_info {
	const char *ext;
	const char *contact;      /* the binding's Contact URI           */
	const struct sa *source;  /* where pings go: the REGISTER's source */
	uint32_t sent;            /* OPTIONS sent                        */
	uint32_t answered;        /* final responses of any code         */
	uint32_t failures;        /* consecutive pings without an answer */
	int32_t rtt_ms;           /* last round trip in ms, -1: none yet */
	uint64_t last_answer;     /* unix time in s, 0: never            */
	const char *state;        /* "ok", "unreachable" or "pending"    */
};

typedef bool (natping_info_h)(const struct natping_info *info, void *arg);

/* Starts pinging every UDP binding once per interval_s seconds (> 0).
 * The caller owns *npp; dropping it stops the timer and cancels the
 * pings in flight, so no handler of this module runs afterwards. */
int natping_alloc(struct natping **npp, uint32_t interval_s);

/* Calls h for every tracked contact until h returns true.  info and its
 * strings are valid only during the call. */
void natping_apply(const struct natping *np, natping_info_h *h, void *arg);

#endif

/* dtmf_tx.c: RFC 4733 sender: queued digits as telephone-event payloads.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The leg's media tick polls once per 20 ms.  Each key press is
 * PRESS_PKTS packets (100 ms) whose duration grows by one packet time,
 * then the end packet (E bit) sent END_PKTS times with the final
 * duration (RFC 4733 2.5.1.4: the end is repeated because it is what a
 * receiver relies on), then GAP_TICKS ticks without events so that the
 * next digit is a distinct tone at the far end (a receiver needs a
 * pause between equal digits).  Durations are in units of the RTP clock
 * of the leg's audio codec (8000, or 48000 beside Opus), as the event
 * shares the audio stream's timestamps.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	PRESS_PKTS = 5,     /* 5 x 20 ms = 100 ms of tone                 */
	END_PKTS   = 3,     /* end packets, all with the final duration   */
	GAP_TICKS  = 2,     /* 40 ms without events before the next digit */
	QUEUE_MAX  = 32,    /* digits waiting                              */
	VOLUME     = 10,    /* -10 dBm0 (RFC 4733 2.3.4)                   */
	E_BIT      = 0x80,
};

enum tx_state {
	TX_IDLE = 0,
	TX_PRESS,           /* sending tone packets, step 1..PRESS_PKTS   */
	TX_END,             /* sending end packets, step 1..END_PKTS      */
	TX_GAP,             /* silent ticks, step 1..GAP_TICKS            */
};

struct pbx_dtmf_tx {
	uint32_t step_dur;            /* clock units per 20 ms packet      */
	char queue[QUEUE_MAX];        /* ring buffer of waiting digits     */
	unsigned head, count;
	enum tx_state state;
	unsigned step;                /* packets/ticks done in this state  */
	uint8_t event;                /* event code being sent             */
};


static const char event_digits[] = "0123456789*#ABCD";


int pbx_dtmf_tx_alloc(struct pbx_dtmf_tx **txp, uint32_t clock)
{
	struct pbx_dtmf_tx *tx;
	uint32_t step;

	if (!txp || !clock || clock % (1000 / PBX_PTIME))
		return EINVAL;

	/* the final duration must fit the 16-bit field */
	step = clock / (1000 / PBX_PTIME);
	if ((uint64_t)step * PRESS_PKTS > 0xffff)
		return EINVAL;

	tx = mem_zalloc(sizeof(*tx), NULL);
	if (!tx)
		return ENOMEM;

	tx->step_dur = step;
	*txp = tx;

	return 0;
}


int pbx_dtmf_tx_queue(struct pbx_dtmf_tx *tx, char digit)
{
	const char *p;

	if (!tx)
		return EINVAL;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');

	p = digit ? strchr(event_digits, digit) : NULL;
	if (!p)
		return EINVAL;

	if (tx->count >= QUEUE_MAX)
		return ENOSPC;

	tx->queue[(tx->head + tx->count) % QUEUE_MAX] = digit;
	++tx->count;

	return 0;
}


static void payload_put(uint8_t payload[4], uint8_t event, bool end,
			uint32_t dur)
{
	payload[0] = event;
	payload[1] = (uint8_t)((end ? E_BIT : 0) | VOLUME);
	payload[2] = (uint8_t)(dur >> 8);
	payload[3] = (uint8_t)(dur & 0xff);
}


/* Takes the next queued digit into TX_PRESS; false if none. */
static bool next_digit(struct pbx_dtmf_tx *tx)
{
	char d;

	if (!tx->count)
		return false;

	d = tx->queue[tx->head];
	tx->head = (tx->head + 1) % QUEUE_MAX;
	--tx->count;

	tx->event = (uint8_t)(strchr(event_digits, d) - event_digits);
	tx->state = TX_PRESS;
	tx->step = 0;

	return true;
}


bool pbx_dtmf_tx_poll(struct pbx_dtmf_tx *tx, uint8_t payload[4],
		      bool *startp)
{
	if (!tx || !payload)
		return false;

	if (startp)
		*startp = false;

	if (tx->state == TX_GAP) {
		if (++tx->step < GAP_TICKS)
			return false;
		tx->state = TX_IDLE;
		return false;
	}

	if (tx->state == TX_IDLE) {
		if (!next_digit(tx))
			return false;
	}

	if (tx->state == TX_PRESS) {
		++tx->step;
		if (startp && tx->step == 1)
			*startp = true;
		payload_put(payload, tx->event, false,
			    tx->step * tx->step_dur);
		if (tx->step == PRESS_PKTS) {
			tx->state = TX_END;
			tx->step = 0;
		}
		return true;
	}

	/* TX_END */
	++tx->step;
	payload_put(payload, tx->event, true, PRESS_PKTS * tx->step_dur);
	if (tx->step == END_PKTS) {
		tx->state = TX_GAP;
		tx->step = 0;
	}

	return true;
}

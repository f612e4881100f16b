/* jitter.c: an adaptive jitter buffer that hands out RTP payloads in order.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Own code rather than libre's jbuf: jbuf (1.1.0) has a fixed depth in
 * packets and cannot show the packet after a gap, which opus needs to
 * decode its in-band FEC copy of the lost one.
 *
 * Packets are copied into a ring of fixed-size slots indexed by
 * seq % ring size, allocated once with the buffer: nothing is allocated
 * per packet.  Depth is measured in time from the RTP timestamps, since
 * packets may carry 10 to 120 ms (opus); a packet's duration is the
 * timestamp step to its successor, or the last step seen (20 ms until one
 * is known).
 *
 * Adaptation, in steps of 20 ms between min_ms and max_ms: a late packet
 * (one whose turn has passed) raises the target and stretches playout by
 * one empty 20 ms; 10 s of played audio without a late packet lowers it.
 * When more than target + 60 ms stays buffered for half a second (a
 * sender whose clock runs fast), one packet is dropped.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	JB_PAYLOAD_MAX = 1500,    /* bytes per slot (an Ethernet MTU)      */
	JB_SLOTS_MIN   = 16,
	JB_SLOTS_MAX   = 256,
	JB_STEP_MS     = 20,      /* adaptation step and tick length       */
	JB_CALM_MS     = 10000,   /* no late packets this long: lower      */
	JB_OVER_MS     = 60,      /* depth above target that gets trimmed  */
	JB_OVER_TICKS  = 25,      /* ... once it lasted this many gets     */
	JB_JUMP        = 100,     /* seq jump that restarts the buffer     */
	JB_DUR_MAX_MS  = 120,     /* longest packet (opus); longer steps   */
	                          /* are silence gaps, not durations       */
};

enum slot_state {
	SLOT_FREE = 0,
	SLOT_FULL,                /* waiting to be played                  */
	SLOT_GONE,                /* handed out or dropped: had it         */
	SLOT_MISSED,              /* declared lost: never had it           */
};

struct slot {
	enum slot_state state;
	uint16_t seq;
	uint32_t ts;
	size_t len;
	uint8_t buf[JB_PAYLOAD_MAX];
};

struct pbx_jb {
	struct slot *slotv;       /* owned, nslots entries                 */
	uint16_t nslots;          /* power of two                          */
	uint16_t mask;
	uint32_t clock;           /* RTP clock rate, Hz                    */
	uint32_t min_ms, max_ms;
	uint32_t target_ms;       /* prefill depth and adaptive target     */

	bool have_ssrc;
	uint32_t ssrc;
	bool started;             /* head/top are valid                    */
	bool fresh;               /* nothing handed out since the reset    */
	bool playing;             /* false: prefilling                     */
	uint16_t head;            /* seq of the next packet to hand out    */
	uint16_t top;             /* highest seq received                  */
	unsigned count;           /* FULL slots                            */
	uint32_t dur;             /* last packet duration seen, clock units */

	bool have_last;           /* last_ts is the previous head's ts     */
	uint32_t last_ts;

	uint32_t calm_ms;         /* played since the last late packet     */
	unsigned over_ticks;      /* consecutive gets above target + 60    */
	bool stretch;             /* give one EMPTY to deepen the buffer   */

	struct pbx_jb_stats st;
};


static void jb_destructor(void *arg)
{
	struct pbx_jb *jb = arg;

	mem_deref(jb->slotv);
}


static uint32_t ms_to_units(const struct pbx_jb *jb, uint32_t ms)
{
	return (uint32_t)((uint64_t)ms * jb->clock / 1000);
}


static uint32_t units_to_ms(const struct pbx_jb *jb, uint64_t units)
{
	return (uint32_t)(units * 1000 / jb->clock);
}


static struct slot *slot_of(const struct pbx_jb *jb, uint16_t seq)
{
	return &jb->slotv[seq & jb->mask];
}


static struct slot *full_slot(const struct pbx_jb *jb, uint16_t seq)
{
	struct slot *s = slot_of(jb, seq);

	return (s->state == SLOT_FULL && s->seq == seq) ? s : NULL;
}


/* A timestamp step is a duration if it is positive and not a gap. */
static bool dur_sane(const struct pbx_jb *jb, uint32_t d)
{
	return d > 0 && d <= ms_to_units(jb, JB_DUR_MAX_MS);
}


int pbx_jb_alloc(struct pbx_jb **jbp, uint32_t min_ms, uint32_t max_ms,
		 uint32_t clock)
{
	struct pbx_jb *jb;
	uint32_t n = JB_SLOTS_MIN;

	if (!jbp || !clock || max_ms < min_ms)
		return EINVAL;

	jb = mem_zalloc(sizeof(*jb), jb_destructor);
	if (!jb)
		return ENOMEM;

	/* Room for max_ms of 10 ms packets plus reordering slack. */
	while (n < JB_SLOTS_MAX && n < max_ms / 10 + 8)
		n *= 2;

	jb->slotv = mem_zalloc(n * sizeof(*jb->slotv), NULL);
	if (!jb->slotv) {
		mem_deref(jb);
		return ENOMEM;
	}

	jb->nslots = (uint16_t)n;
	jb->mask = (uint16_t)(n - 1);
	jb->clock = clock;
	jb->min_ms = min_ms;
	jb->max_ms = max_ms;
	jb->target_ms = min_ms;
	jb->dur = ms_to_units(jb, PBX_PTIME);
	jb->fresh = true;
	jb->st.delay_ms = min_ms;

	*jbp = jb;

	return 0;
}


/* Forgets the packets and the sequence; keeps target and stats. */
static void reset(struct pbx_jb *jb)
{
	uint16_t i;

	for (i = 0; i < jb->nslots; i++)
		jb->slotv[i].state = SLOT_FREE;

	jb->started = false;
	jb->fresh = true;
	jb->playing = false;
	jb->have_last = false;
	jb->count = 0;
	jb->over_ticks = 0;
	jb->stretch = false;
}


void pbx_jb_flush(struct pbx_jb *jb)
{
	if (!jb)
		return;

	reset(jb);
	jb->have_ssrc = false;
}


static void raise_target(struct pbx_jb *jb)
{
	jb->calm_ms = 0;

	if (jb->target_ms >= jb->max_ms)
		return;

	jb->target_ms = min(jb->target_ms + JB_STEP_MS, jb->max_ms);
	jb->stretch = true;
}


/* A packet for a seq before head: its turn has passed. */
static void put_old(struct pbx_jb *jb, uint16_t seq)
{
	const struct slot *s = slot_of(jb, seq);

	if (s->seq == seq && (s->state == SLOT_GONE ||
			      s->state == SLOT_FULL)) {
		++jb->st.dup;
		return;
	}

	++jb->st.late;
	raise_target(jb);
}


/* Drops head's packet to make room for seq: the reader fell behind. */
static void make_room(struct pbx_jb *jb, uint16_t seq)
{
	while ((uint16_t)(seq - jb->head) >= jb->nslots) {
		struct slot *s = slot_of(jb, jb->head);

		if (s->state == SLOT_FULL && s->seq == jb->head) {
			s->state = SLOT_GONE;
			--jb->count;
		}
		++jb->st.lost;
		jb->have_last = false;
		++jb->head;
	}
}


/* Learns a packet duration from a neighbour in sequence. */
static void learn_dur(struct pbx_jb *jb, const struct slot *s)
{
	const struct slot *prev = full_slot(jb, (uint16_t)(s->seq - 1));
	const struct slot *next = full_slot(jb, (uint16_t)(s->seq + 1));

	if (next && dur_sane(jb, next->ts - s->ts))
		jb->dur = next->ts - s->ts;
	else if (prev && dur_sane(jb, s->ts - prev->ts))
		jb->dur = s->ts - prev->ts;
}


int pbx_jb_put(struct pbx_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
	       const uint8_t *buf, size_t len)
{
	struct slot *s;
	int16_t d;

	if (!jb || (!buf && len))
		return EINVAL;
	if (len > JB_PAYLOAD_MAX)
		return EMSGSIZE;

	++jb->st.put;

	if (jb->have_ssrc && ssrc != jb->ssrc)
		reset(jb);
	jb->have_ssrc = true;
	jb->ssrc = ssrc;

	if (jb->started) {
		d = (int16_t)(seq - jb->head);
		if (d > JB_JUMP || d < -JB_JUMP)
			reset(jb);
	}

	if (!jb->started) {
		jb->started = true;
		jb->head = jb->top = seq;
	}

	d = (int16_t)(seq - jb->head);
	if (d < 0) {
		/* Before the first packet went out, an earlier one simply
		 * moves the start back, if the ring can hold both ends. */
		if (!jb->fresh ||
		    (uint16_t)(jb->top - seq) >= jb->nslots) {
			put_old(jb, seq);
			return 0;
		}
		jb->head = seq;
	}

	s = slot_of(jb, seq);
	if (s->state == SLOT_FULL && s->seq == seq) {
		++jb->st.dup;
		return 0;
	}

	make_room(jb, seq);

	s->state = SLOT_FULL;
	s->seq = seq;
	s->ts = ts;
	s->len = len;
	if (len)
		memcpy(s->buf, buf, len);
	++jb->count;

	if ((int16_t)(seq - jb->top) > 0)
		jb->top = seq;

	learn_dur(jb, s);

	return 0;
}


/* Audio buffered from the first waiting packet to the last received,
 * in clock units.  Missing packets count with the usual duration: they
 * will take their time as concealment. */
static uint64_t buffered(const struct pbx_jb *jb)
{
	uint16_t seq = jb->head, end = (uint16_t)(jb->top + 1);
	const struct slot *s, *next;
	uint64_t sum = 0;
	bool seen = false;

	if (!jb->count)
		return 0;

	for (; seq != end; seq++) {
		s = full_slot(jb, seq);
		if (!s && !seen)
			continue;      /* skipped at the start of playout */
		seen = true;

		next = s ? full_slot(jb, (uint16_t)(seq + 1)) : NULL;
		if (next && dur_sane(jb, next->ts - s->ts))
			sum += next->ts - s->ts;
		else
			sum += jb->dur;
	}

	return sum;
}


/* Moves head to the first waiting packet; the seqs passed over were
 * not there while the buffer ran dry, so they are lost. */
static void skip_to_first(struct pbx_jb *jb)
{
	while (!full_slot(jb, jb->head)) {
		if (!jb->fresh)
			++jb->st.lost;
		jb->have_last = false;
		++jb->head;
	}
}


static void hand_out(struct pbx_jb *jb, struct slot *s,
		     struct pbx_jb_pkt *pkt)
{
	if (jb->have_last && dur_sane(jb, s->ts - jb->last_ts))
		jb->dur = s->ts - jb->last_ts;

	pkt->seq = s->seq;
	pkt->ts = s->ts;
	pkt->buf = s->buf;
	pkt->len = s->len;

	s->state = SLOT_GONE;
	--jb->count;
	++jb->head;
	jb->have_last = true;
	jb->last_ts = s->ts;
}


/* Trims one packet when the depth stayed too far above the target. */
static void trim(struct pbx_jb *jb)
{
	uint32_t limit = ms_to_units(jb, jb->target_ms + JB_OVER_MS);
	struct slot *s;

	if (buffered(jb) <= limit) {
		jb->over_ticks = 0;
		return;
	}

	if (++jb->over_ticks < JB_OVER_TICKS)
		return;

	jb->over_ticks = 0;
	s = full_slot(jb, jb->head);
	if (s) {
		jb->have_last = true;
		jb->last_ts = s->ts;
		s->state = SLOT_GONE;
		--jb->count;
	}
	else {
		slot_of(jb, jb->head)->state = SLOT_FREE;
		jb->have_last = false;
	}
	++jb->head;
}


static void adapt(struct pbx_jb *jb, uint32_t played_ms)
{
	jb->calm_ms += played_ms;
	if (jb->calm_ms < JB_CALM_MS)
		return;

	jb->calm_ms = 0;
	if (jb->target_ms > jb->min_ms)
		jb->target_ms = max(jb->target_ms - JB_STEP_MS, jb->min_ms);
}


enum pbx_jb_res pbx_jb_get(struct pbx_jb *jb, struct pbx_jb_pkt *pkt)
{
	struct slot *s, *miss;
	uint32_t dur_ms;

	if (!jb || !pkt)
		return PBX_JB_EMPTY;

	memset(pkt, 0, sizeof(*pkt));

	if (!jb->playing) {
		if (!jb->count ||
		    buffered(jb) < ms_to_units(jb, jb->target_ms)) {
			adapt(jb, PBX_PTIME);
			return PBX_JB_EMPTY;
		}
		skip_to_first(jb);
		jb->playing = true;
		jb->fresh = false;
		jb->stretch = false;
		jb->over_ticks = 0;
	}

	if (!jb->count) {
		/* Ran dry: prefill again up to the target. */
		jb->playing = false;
		adapt(jb, PBX_PTIME);
		return PBX_JB_EMPTY;
	}

	if (jb->stretch) {
		jb->stretch = false;
		if (buffered(jb) < ms_to_units(jb, jb->target_ms)) {
			adapt(jb, PBX_PTIME);
			return PBX_JB_EMPTY;
		}
	}

	trim(jb);

	dur_ms = units_to_ms(jb, jb->dur);
	s = full_slot(jb, jb->head);
	if (s) {
		hand_out(jb, s, pkt);
		++jb->st.played;
		adapt(jb, dur_ms);
		return PBX_JB_PACKET;
	}

	/* The next one is missing, but later ones are here. */
	miss = slot_of(jb, jb->head);
	miss->state = SLOT_MISSED;
	miss->seq = jb->head;

	pkt->seq = jb->head;
	pkt->ts = jb->have_last ? jb->last_ts + jb->dur : 0;
	s = full_slot(jb, (uint16_t)(jb->head + 1));
	if (s) {
		pkt->buf = s->buf;
		pkt->len = s->len;
		if (!jb->have_last)
			pkt->ts = s->ts - jb->dur;
	}

	jb->last_ts = pkt->ts;
	jb->have_last = jb->have_last || s;
	++jb->head;
	++jb->st.lost;
	adapt(jb, dur_ms);

	return PBX_JB_LOST;
}


void pbx_jb_stats(const struct pbx_jb *jb, struct pbx_jb_stats *st)
{
	if (!jb || !st)
		return;

	*st = jb->st;
	st->delay_ms = jb->target_ms;
}

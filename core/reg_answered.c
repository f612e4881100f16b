/* reg_answered.c: the REGISTERs answered 200 lately, for retransmissions.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The registrar answers statelessly (registrar.c says why).  A REGISTER
 * retransmitted because its 200 was lost carries a nonce count the
 * digest check has seen already, and would be challenged again; so each
 * 200 is remembered here for 64*T1 (how long a client retransmits), by
 * the request's Via branch, Call-ID and CSeq, and the same request gets
 * its 200 again without a second authentication.  An entry is a few
 * dozen bytes, where a libre server transaction kept the whole request,
 * the answer and a timer.  Entries expire in the order they came, so the
 * oldest are dropped from the head of one list; no timers.
 */
#include <string.h>
#include <re.h>
#include "core.h"


enum {
	ANSWERED_MS = 64 * 500,   /* 64*T1: a client's last retransmission */
	ANSWERED_HASH = 65536,    /* 12,000/s for 32 s: ~6 a bucket    */
	ANSWERED_EXT_MAX = 33,
};

struct pbx_reg_answered {
	struct hash *ht;          /* owned: struct answered by key       */
	struct list byage;        /* oldest first                        */
};

struct answered {
	struct le he;
	struct le le;
	uint64_t at;              /* tmr_jiffies() when answered         */
	uint32_t branch, callid;  /* hashes of the Via branch, Call-ID   */
	uint32_t cseq;
	char ext[ANSWERED_EXT_MAX];
};

struct answered_key {
	uint32_t branch, callid, cseq;
};


static void answered_destructor(void *arg)
{
	struct answered *a = arg;

	hash_unlink(&a->he);
	list_unlink(&a->le);
}


static void ra_destructor(void *arg)
{
	struct pbx_reg_answered *ra = arg;

	list_flush(&ra->byage);
	mem_deref(ra->ht);
}


int pbx_reg_answered_alloc(struct pbx_reg_answered **rap)
{
	struct pbx_reg_answered *ra;
	int err;

	if (!rap)
		return EINVAL;

	ra = mem_zalloc(sizeof(*ra), ra_destructor);
	if (!ra)
		return ENOMEM;

	err = hash_alloc(&ra->ht, ANSWERED_HASH);
	if (err) {
		mem_deref(ra);
		return err;
	}

	*rap = ra;

	return 0;
}


static void prune(struct pbx_reg_answered *ra, uint64_t now)
{
	struct le *le;

	while ((le = list_head(&ra->byage))) {
		struct answered *a = le->data;

		if (a->at + ANSWERED_MS > now)
			break;
		mem_deref(a);
	}
}


static void key_of(struct answered_key *k, const struct sip_msg *msg)
{
	k->branch = hash_joaat((const uint8_t *)msg->via.branch.p,
			       msg->via.branch.l);
	k->callid = hash_joaat((const uint8_t *)msg->callid.p,
			       msg->callid.l);
	k->cseq = msg->cseq.num;
}


static bool key_cmp(struct le *le, void *arg)
{
	const struct answered *a = le->data;
	const struct answered_key *k = arg;

	return a->branch == k->branch && a->callid == k->callid &&
		a->cseq == k->cseq;
}


/* Remembers that msg (a REGISTER for ext) was answered 200. */
void pbx_reg_answered_add(struct pbx_reg_answered *ra,
			  const struct sip_msg *msg, const char *ext)
{
	struct answered_key k;
	struct answered *a;
	uint64_t now = tmr_jiffies();

	if (!ra || !msg || !ext || strlen(ext) >= ANSWERED_EXT_MAX)
		return;

	prune(ra, now);

	a = mem_zalloc(sizeof(*a), answered_destructor);
	if (!a)
		return;           /* a retransmission is challenged again */

	key_of(&k, msg);
	a->at = now;
	a->branch = k.branch;
	a->callid = k.callid;
	a->cseq = k.cseq;
	str_ncpy(a->ext, ext, sizeof(a->ext));
	hash_append(ra->ht, k.branch ^ k.callid, &a->he, a);
	list_append(&ra->byage, &a->le, a);
}


/* The extension of a REGISTER answered 200 that msg retransmits, or
 * NULL. */
const char *pbx_reg_answered_find(struct pbx_reg_answered *ra,
				  const struct sip_msg *msg)
{
	struct answered_key k;
	struct le *le;

	if (!ra || !msg)
		return NULL;

	prune(ra, tmr_jiffies());
	key_of(&k, msg);
	le = hash_lookup(ra->ht, k.branch ^ k.callid, key_cmp, &k);

	return le ? ((struct answered *)le->data)->ext : NULL;
}

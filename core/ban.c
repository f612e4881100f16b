/* ban.c: counts authentication failures per source address and bans it.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Failures are counted per IP address, port ignored, in fixed windows: a
 * window opens at the first failure and lasts window_s seconds; reaching
 * max_failures inside it bans the address for ban_s seconds.  An IPv4-
 * mapped IPv6 address counts as its IPv4 address.  Every other IPv6
 * address counts alone, so a host free to pick addresses in its /64 is
 * not held back; the table cap bounds what that costs us.
 *
 * Each entry sits in one of two lists, counting or banned.  Both are in
 * expiry order as long as now_ms never goes back (entries are appended
 * with expiry now + a constant), so pruning only looks at their heads.
 * At BAN_MAX entries the oldest counting entry is evicted first, a ban
 * only when no counting entry is left.
 */
#include <string.h>
#include <re.h>
#include "core.h"


enum {
	BAN_MAX     = 65536,        /* entries, counting and banned */
	BAN_BUCKETS = 4096,
};

struct pbx_ban {
	struct hash *ht;            /* struct banent by address; owned */
	struct list counting;       /* not banned, oldest window first */
	struct list banned;         /* banned, soonest release first */
	uint32_t entc;              /* entries in ht */
	uint32_t max_failures;      /* failures that ban; 0: banning off */
	uint64_t window_ms;
	uint64_t ban_ms;
};

struct banent {
	struct le he;               /* in pbx_ban.ht */
	struct le le;               /* in pbx_ban.counting or .banned */
	struct sa addr;             /* address only, port 0 */
	uint64_t start;             /* ms, first failure of the window */
	uint64_t until;             /* ms, end of the ban when banned */
	uint32_t count;             /* failures in the current window */
	bool banned;
};


static void ban_destructor(void *arg)
{
	struct pbx_ban *b = arg;

	hash_flush(b->ht);
	b->ht = mem_deref(b->ht);
}


static void banent_destructor(void *arg)
{
	struct banent *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}


/* max_failures 0 turns banning off (then window_s and ban_s are not
 * looked at); otherwise window_s and ban_s must not be 0 (EINVAL). */
int pbx_ban_alloc(struct pbx_ban **bp, uint32_t max_failures,
		  uint32_t window_s, uint32_t ban_s)
{
	struct pbx_ban *b;
	int err;

	if (!bp)
		return EINVAL;

	if (max_failures && (!window_s || !ban_s))
		return EINVAL;

	b = mem_zalloc(sizeof(*b), ban_destructor);
	if (!b)
		return ENOMEM;

	list_init(&b->counting);
	list_init(&b->banned);
	b->max_failures = max_failures;
	b->window_ms = (uint64_t)window_s * 1000;
	b->ban_ms = (uint64_t)ban_s * 1000;

	err = hash_alloc(&b->ht, BAN_BUCKETS);
	if (err)
		goto out;

	*bp = b;

 out:
	if (err)
		mem_deref(b);

	return err;
}


/* The key for src: its address with port 0, IPv4-mapped IPv6 turned into
 * IPv4.  False if src has no IPv4 or IPv6 address. */
static bool addr_key(struct sa *key, const struct sa *src)
{
	if (!src || !sa_isset(src, SA_ADDR))
		return false;

	switch (sa_af(src)) {

	case AF_INET:
		sa_set_in(key, sa_in(src), 0);
		return true;

	case AF_INET6: {
		const struct in6_addr *a = &src->u.in6.sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			uint32_t v4;

			memcpy(&v4, &a->s6_addr[12], sizeof(v4));
			sa_set_in(key, ntohl(v4), 0);
		}
		else {
			sa_set_in6(key, a->s6_addr, 0);
		}
		return true;
	}

	default:
		return false;
	}
}


static bool banent_expired(const struct pbx_ban *b, const struct banent *e,
			   uint64_t now_ms)
{
	if (e->banned)
		return now_ms >= e->until;

	return now_ms >= e->start && now_ms - e->start >= b->window_ms;
}


static void banent_remove(struct pbx_ban *b, struct banent *e)
{
	--b->entc;
	mem_deref(e);
}


static void prune_list(struct pbx_ban *b, struct list *list, uint64_t now_ms)
{
	struct le *le;

	while ((le = list_head(list)) != NULL) {
		struct banent *e = le->data;

		if (!banent_expired(b, e, now_ms))
			break;

		banent_remove(b, e);
	}
}


static void prune(struct pbx_ban *b, uint64_t now_ms)
{
	prune_list(b, &b->counting, now_ms);
	prune_list(b, &b->banned, now_ms);
}


static bool banent_cmp(struct le *le, void *arg)
{
	const struct banent *e = le->data;

	return sa_cmp(&e->addr, arg, SA_ADDR);
}


/* The live entry for key, after dropping expired ones. */
static struct banent *banent_find(struct pbx_ban *b, const struct sa *key,
				  uint64_t now_ms)
{
	struct banent *e;
	struct le *le;

	prune(b, now_ms);

	le = hash_lookup(b->ht, sa_hash(key, SA_ADDR), banent_cmp,
			 (void *)key);
	if (!le)
		return NULL;

	/* out of list order (now_ms went back) and missed by prune() */
	e = le->data;
	if (banent_expired(b, e, now_ms)) {
		banent_remove(b, e);
		return NULL;
	}

	return e;
}


static struct banent *banent_add(struct pbx_ban *b, const struct sa *key,
				 uint64_t now_ms)
{
	struct banent *e;

	if (b->entc >= BAN_MAX) {
		struct le *le = list_head(&b->counting);

		if (!le)
			le = list_head(&b->banned);
		if (le)
			banent_remove(b, le->data);
	}

	e = mem_zalloc(sizeof(*e), banent_destructor);
	if (!e)
		return NULL;

	e->addr = *key;
	e->start = now_ms;

	hash_append(b->ht, sa_hash(key, SA_ADDR), &e->he, e);
	list_append(&b->counting, &e->le, e);
	++b->entc;

	return e;
}


/* Returns true when this failure bans src, and for failures while src is
 * banned (they do not extend the ban).  Out of memory, the failure is not
 * counted. */
bool pbx_ban_failure(struct pbx_ban *b, const struct sa *src,
		     uint64_t now_ms)
{
	struct banent *e;
	struct sa key;

	if (!b || !b->max_failures || !addr_key(&key, src))
		return false;

	e = banent_find(b, &key, now_ms);
	if (e && e->banned)
		return true;

	if (!e) {
		e = banent_add(b, &key, now_ms);
		if (!e)
			return false;
	}

	if (++e->count < b->max_failures)
		return false;

	e->banned = true;
	e->until = now_ms + b->ban_ms;
	if (e->until < now_ms)
		e->until = UINT64_MAX;

	list_unlink(&e->le);
	list_append(&b->banned, &e->le, e);

	return true;
}


bool pbx_ban_active(struct pbx_ban *b, const struct sa *src,
		    uint64_t now_ms)
{
	struct banent *e;
	struct sa key;

	if (!b || !b->max_failures || !addr_key(&key, src))
		return false;

	e = banent_find(b, &key, now_ms);

	return e && e->banned;
}


/* Forgets src: its failure count and any ban. */
void pbx_ban_clear(struct pbx_ban *b, const struct sa *src)
{
	struct banent *e;
	struct le *le;
	struct sa key;

	if (!b || !addr_key(&key, src))
		return;

	le = hash_lookup(b->ht, sa_hash(&key, SA_ADDR), banent_cmp, &key);
	if (!le)
		return;

	e = le->data;
	banent_remove(b, e);
}

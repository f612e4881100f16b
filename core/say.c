/* say.c: prompt names that speak digits and numbers (English).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Pure functions over static strings: no allocation, so a dialplan can
 * call them on every key press.  Names are those of sounds/README.md.
 * Numbers: "digits/0".."digits/19", the tens "digits/20".."digits/90",
 * then "hundred", "thousand", "million"; no "and" (US usage: 2,305 is
 * "two thousand three hundred five").
 */
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	SAY_MAX  = 999999999,       /* larger numbers are read as digits */
	MILLION  = 1000000,
	THOUSAND = 1000,
};

static const char *const small[20] = {
	"digits/0", "digits/1", "digits/2", "digits/3", "digits/4",
	"digits/5", "digits/6", "digits/7", "digits/8", "digits/9",
	"digits/10", "digits/11", "digits/12", "digits/13", "digits/14",
	"digits/15", "digits/16", "digits/17", "digits/18", "digits/19",
};

static const char *const tens[10] = {
	NULL, NULL, "digits/20", "digits/30", "digits/40", "digits/50",
	"digits/60", "digits/70", "digits/80", "digits/90",
};

/* Output that stops at maxc: n counts what was stored. */
struct out {
	const char **namev;
	size_t maxc;
	size_t n;
};


static void put(struct out *o, const char *name)
{
	if (o->n < o->maxc)
		o->namev[o->n++] = name;
}


static void digits_put(struct out *o, const char *s)
{
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			put(o, small[*s - '0']);
		else if (*s == '*')
			put(o, "digits/star");
		else if (*s == '#')
			put(o, "digits/pound");
	}
}


size_t pbx_say_digits(const char **namev, size_t maxc, const char *s)
{
	struct out o = {namev, namev ? maxc : 0, 0};

	if (s)
		digits_put(&o, s);

	return o.n;
}


/* 1..999 */
static void hundreds_put(struct out *o, unsigned v)
{
	unsigned r = v % 100;

	if (v >= 100) {
		put(o, small[v / 100]);
		put(o, "digits/hundred");
	}

	if (!r)
		return;

	if (r < 20) {
		put(o, small[r]);
		return;
	}

	put(o, tens[r / 10]);
	if (r % 10)
		put(o, small[r % 10]);
}


size_t pbx_say_number(const char **namev, size_t maxc, long long n)
{
	struct out o = {namev, namev ? maxc : 0, 0};
	unsigned long long m;

	/* magnitude without overflow, even for LLONG_MIN */
	m = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;

	if (n < 0)
		put(&o, "digits/minus");

	if (m > SAY_MAX) {
		char buf[24];
		size_t i = sizeof(buf) - 1;

		buf[i] = '\0';
		do {
			buf[--i] = (char)('0' + m % 10);
			m /= 10;
		} while (m);

		digits_put(&o, buf + i);
		return o.n;
	}

	if (!m) {
		put(&o, small[0]);
		return o.n;
	}

	if (m >= MILLION) {
		hundreds_put(&o, (unsigned)(m / MILLION));
		put(&o, "digits/million");
	}
	if ((m / THOUSAND) % THOUSAND) {
		hundreds_put(&o, (unsigned)((m / THOUSAND) % THOUSAND));
		put(&o, "digits/thousand");
	}
	if (m % THOUSAND)
		hundreds_put(&o, (unsigned)(m % THOUSAND));

	return o.n;
}

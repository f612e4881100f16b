/* signal.h: test signals and their measurement, shared by the codec tests.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <math.h>, <stddef.h> and <stdint.h> first.  Static inline so a
 * test may leave some unused.
 */
#ifndef TEST_SIGNAL_H
#define TEST_SIGNAL_H

/* n samples of an amp sine of freq, continuing at *phasep. */
static inline void sig_sine(int16_t *pcm, size_t n, double freq,
			    uint32_t srate, double amp, size_t *phasep)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double t = (double)(*phasep + i) / srate;

		pcm[i] = (int16_t)lrint(amp * sin(2 * M_PI * freq * t));
	}
	*phasep += n;
}


/* Amplitude of the freq component of pcm (Goertzel recurrence). */
static inline double sig_goertzel(const int16_t *pcm, size_t n,
				  double freq, uint32_t srate)
{
	double w = 2 * M_PI * freq / srate, c = 2 * cos(w);
	double s1 = 0, s2 = 0, p;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = pcm[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	p = s1 * s1 + s2 * s2 - c * s1 * s2;

	return 2 * sqrt(p) / n;
}


static inline double sig_rms(const int16_t *pcm, size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];

	return n ? sqrt(sum / n) : 0;
}


/* Frequency from the count of upward zero crossings. */
static inline double sig_zc_freq(const int16_t *pcm, size_t n,
				 uint32_t srate)
{
	size_t i, up = 0;

	for (i = 1; i < n; i++) {
		if (pcm[i - 1] < 0 && pcm[i] >= 0)
			++up;
	}

	return (double)up * srate / n;
}

#endif

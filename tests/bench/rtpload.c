/* rtpload.c: RTP load for a media relay: both directions of N calls
 * sent, paced, and what comes back counted.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Call i is two streams: stream 2i goes to the call's leg A port and
 * stream 2i + 1 to its leg B port, as read from PORTS_FILE ("PORT_A
 * PORT_B" a line, the format relay -o writes; on 127.0.0.1).  A stream
 * is 172-byte RTP packets (12-byte header, 160 bytes of PCMU: 20 ms),
 * 50 a second, with its own SSRC, sequence numbers and timestamps.  The
 * S streams are spread evenly over the 20 ms: packet k of the whole load
 * (stream k % S) is due at k * 20 ms / S, and every 1 ms tick sends all
 * that are due, one sendmmsg a socket and batch.
 *
 * Calls share local sockets (-g calls a socket, default 16): a relay
 * latches onto the source and sends back to it, so receiving is batched
 * too (recvmmsg), and the load generator costs less than what it loads.
 * Packets are told apart by SSRC; the relay must not change it.
 *
 * The first WARM seconds (-w, default 1) are sent but not counted: a
 * relay that learns its peers drops what a leg gets before the other
 * leg's peer is known.  Then SECONDS (-t) are counted: a packet of the
 * window is lost if it has not come back DRAIN (-d, default 0.5) seconds
 * after the last one was sent; late if it came after a higher sequence
 * number of its stream; dup if it came twice; too_late if it came more
 * than LATE ms (-l, default 200) after it was sent (the send time rides
 * in the first 8 payload bytes): a relay that cannot keep up queues
 * packets in its socket buffers, seconds of them, before it drops any,
 * and a phone's jitter buffer would drop them instead (200 ms: a
 * generous one, that a 0.1 s stall of a busy machine does not fill).
 * loss_pct counts the lost and the too late.  offered_pps is what was
 * sent over the time it took (a sender falling behind shows there:
 * offered_ratio < 0.95 makes a step invalid); max_lag_ms is how late the
 * worst tick sent what was due.  Prints one JSON object.
 *
 * usage: rtpload -f PORTS_FILE [-n CALLS] [-t SECONDS] [-w WARM]
 *                [-d DRAIN] [-l LATE_MS] [-g CALLS_PER_SOCKET] [-r PPS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH = 64,             /* datagrams a sendmmsg/recvmmsg */
	PKT_LEN = 172,          /* 12-byte RTP header + 160 PCMU bytes */
	PKT_MAX = 2048,
	TS_STEP = 160,          /* samples in 20 ms at 8 kHz */
	CALLS_MAX = 30000,
	EVENTS = 64,
	BUF_BYTES = 4 << 20,    /* asked for; the kernel caps at rmem_max */
	DELAY_MS_MAX = 2000,    /* the delay histogram's 1 ms buckets */
};

struct stream {
	struct sockaddr_in dst;
	int sock;               /* index in socks */
	uint16_t seq0;
	uint32_t ts0;
	int64_t hi;             /* highest packet number back, -1 none */
	uint32_t got, late, dup;
	uint8_t *seen;          /* a bit a packet number */
};

struct load {
	struct stream *st;
	int *socks;
	int nstreams, nsocks;
	uint32_t ssrc0;
	uint32_t jwarm, jend;   /* packet numbers of the window */
	uint64_t foreign, warm_rx, send_err;
	double max_lag;
	int64_t late_ns, now;           /* ns */
	uint64_t too_late, delay_n;
	uint64_t delay_hist[DELAY_MS_MAX + 1];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int ports_read(const char *path, int calls, int **portsp)
{
	FILE *f = fopen(path, "r");
	int *ports, n = 0, a, b;

	if (!f)
		return -1;
	ports = calloc(2 * (size_t)calls, sizeof(*ports));
	if (!ports) {
		fclose(f);
		return -1;
	}
	while (n < calls && fscanf(f, "%d %d", &a, &b) == 2) {
		ports[2 * n] = a;
		ports[2 * n + 1] = b;
		n++;
	}
	fclose(f);
	*portsp = ports;
	return n;
}

static int sock_open(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, sz = BUF_BYTES;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint8_t tx_buf[BATCH][PKT_LEN];
static struct iovec tx_iov[BATCH];
static struct mmsghdr tx_msgs[BATCH];
static int tx_n, tx_sock = -1;

static void tx_flush(struct load *l)
{
	int sent = 0, r;

	while (sent < tx_n) {
		r = sendmmsg(l->socks[tx_sock], tx_msgs + sent, tx_n - sent,
			     0);
		if (r <= 0) {
			l->send_err += tx_n - sent;
			break;
		}
		sent += r;
	}
	tx_n = 0;
}

static void tx_init(void)
{
	memset(tx_buf, 0xff, sizeof(tx_buf));   /* PCMU silence */
}

/* packet j of stream s into the batch (flushed when the socket changes) */
static void tx_add(struct load *l, int s, uint32_t j)
{
	struct stream *st = &l->st[s];
	uint8_t *p;
	uint16_t seq = st->seq0 + j;
	uint32_t ts = st->ts0 + j * TS_STEP, ssrc = l->ssrc0 + s;
	int64_t t_sent;

	if (tx_n == BATCH || (tx_n && tx_sock != st->sock))
		tx_flush(l);
	tx_sock = st->sock;
	p = tx_buf[tx_n];
	p[0] = 0x80;                    /* V=2 */
	p[1] = j == 0 ? 0x80 : 0;       /* marker on the first; PT 0 PCMU */
	p[2] = seq >> 8;
	p[3] = seq;
	p[4] = ts >> 24;
	p[5] = ts >> 16;
	p[6] = ts >> 8;
	p[7] = ts;
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
	/* the rest of the payload stays PCMU silence (tx_init) */
	t_sent = l->now;                        /* the delay's start */
	memcpy(p + 12, &t_sent, sizeof(t_sent));
	tx_iov[tx_n].iov_base = p;
	tx_iov[tx_n].iov_len = PKT_LEN;
	tx_msgs[tx_n].msg_hdr.msg_iov = &tx_iov[tx_n];
	tx_msgs[tx_n].msg_hdr.msg_iovlen = 1;
	tx_msgs[tx_n].msg_hdr.msg_name = &st->dst;
	tx_msgs[tx_n].msg_hdr.msg_namelen = sizeof(st->dst);
	tx_n++;
}

/* one packet back: its stream from the SSRC, its number from the
 * sequence number unwrapped against the highest seen */
static void rx_one(struct load *l, const uint8_t *p, unsigned len)
{
	struct stream *st;
	uint32_t ssrc, s;
	uint16_t seq;
	int64_t j;

	if (len < 12 || (p[0] & 0xc0) != 0x80) {
		l->foreign++;
		return;
	}
	seq = (uint16_t)(p[2] << 8 | p[3]);
	ssrc = (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
	s = ssrc - l->ssrc0;
	if (s >= (uint32_t)l->nstreams) {
		l->foreign++;
		return;
	}
	st = &l->st[s];
	if (st->hi < 0)
		j = (uint16_t)(seq - st->seq0);
	else
		j = st->hi + (int16_t)(seq - (uint16_t)(st->seq0 + st->hi));
	if (j < 0 || j >= l->jend) {
		l->foreign++;
		return;
	}
	if (j < l->jwarm) {
		l->warm_rx++;
		if (j > st->hi)
			st->hi = j;
		return;
	}
	if (j < st->hi)
		st->late++;
	if (j > st->hi)
		st->hi = j;
	if (st->seen[j >> 3] & (1 << (j & 7))) {
		st->dup++;
		return;
	}
	st->seen[j >> 3] |= 1 << (j & 7);
	st->got++;
	if (len >= 20) {
		int64_t d;

		memcpy(&d, p + 12, sizeof(d));
		d = (l->now - d) / 1000000;
		if (d < 0)
			d = 0;
		l->delay_hist[d < DELAY_MS_MAX ? d : DELAY_MS_MAX]++;
		l->delay_n++;
		if (d * 1000000 > l->late_ns)
			l->too_late++;
	}
}

static uint8_t rx_buf[BATCH][PKT_MAX];
static struct iovec rx_iov[BATCH];
static struct mmsghdr rx_msgs[BATCH];

static void rx_sock(struct load *l, int fd)
{
	int n, k;

	l->now = now_ns();
	do {
		for (k = 0; k < BATCH; k++) {
			rx_iov[k].iov_base = rx_buf[k];
			rx_iov[k].iov_len = PKT_MAX;
			rx_msgs[k].msg_hdr.msg_iov = &rx_iov[k];
			rx_msgs[k].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, rx_msgs, BATCH, MSG_DONTWAIT, NULL);
		for (k = 0; k < n; k++)
			rx_one(l, rx_buf[k], rx_msgs[k].msg_len);
	} while (n == BATCH);
}

static int usage(void)
{
	fprintf(stderr, "usage: rtpload -f PORTS_FILE [-n CALLS] "
		"[-t SECONDS] [-w WARM] [-d DRAIN] [-l LATE_MS] "
		"[-g CALLS_PER_SOCKET] [-r PPS]\n");
	return 2;
}

/* the delay under which a share q of the packets came back, ms */
static int delay_q(const struct load *l, double q)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i <= DELAY_MS_MAX; i++) {
		n += l->delay_hist[i];
		if (n && n >= q * l->delay_n)
			return i;
	}
	return -1;
}

static void report(const struct load *l, int calls, double secs,
		   double pps, double win_s)
{
	uint64_t want = (uint64_t)(l->jend - l->jwarm) * l->nstreams;
	uint64_t got = 0, late = 0, dup = 0, lossy = 0;
	double offered = win_s > 0 ? want / win_s : 0;
	struct rusage ru;
	int s;

	for (s = 0; s < l->nstreams; s++) {
		got += l->st[s].got;
		late += l->st[s].late;
		dup += l->st[s].dup;
		if (l->st[s].got < l->jend - l->jwarm)
			lossy++;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"calls\": %d, \"streams\": %d, \"secs\": %.3f, "
	       "\"window_s\": %.3f, \"sent\": %llu, \"received\": %llu, "
	       "\"offered_pps\": %.0f, \"pps_per_stream\": %.2f, "
	       "\"offered_ratio\": %.4f, \"received_pps\": %.0f, "
	       "\"lost\": %llu, \"too_late\": %llu, \"loss_pct\": %.4f, "
	       "\"streams_lossy\": %llu, "
	       "\"late\": %llu, \"dup\": %llu, \"foreign\": %llu, "
	       "\"delay_p50_ms\": %d, \"delay_p99_ms\": %d, "
	       "\"delay_max_ms\": %d, \"late_ms\": %lld, "
	       "\"send_err\": %llu, \"max_lag_ms\": %.2f, "
	       "\"sockets\": %d, \"cpu_s\": %.3f}\n",
	       calls, l->nstreams, secs, win_s, (unsigned long long)want,
	       (unsigned long long)got, offered, offered / l->nstreams,
	       offered / (pps * l->nstreams),
	       win_s > 0 ? got / win_s : 0.0,
	       (unsigned long long)(want - got),
	       (unsigned long long)l->too_late,
	       want ? 100.0 * (want - got + l->too_late) / want : 0.0,
	       (unsigned long long)lossy, (unsigned long long)late,
	       (unsigned long long)dup, (unsigned long long)l->foreign,
	       delay_q(l, 0.5), delay_q(l, 0.99), delay_q(l, 1.0),
	       (long long)(l->late_ns / 1000000),
	       (unsigned long long)l->send_err, l->max_lag / 1e6,
	       l->nsocks,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

/* the streams and sockets; calls share a socket -g at a time */
static int load_init(struct load *l, const int *ports, int calls,
		     int per_sock, double pps, double warm, double secs)
{
	int s, i, ep;
	size_t bytes;

	l->nstreams = 2 * calls;
	l->nsocks = (calls + per_sock - 1) / per_sock;
	l->jwarm = (uint32_t)(warm * pps + 0.5);
	l->jend = l->jwarm + (uint32_t)(secs * pps + 0.5);
	l->ssrc0 = (uint32_t)now_ns() ^ (uint32_t)getpid() << 16;
	l->st = calloc(l->nstreams, sizeof(*l->st));
	l->socks = calloc(l->nsocks, sizeof(*l->socks));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!l->st || !l->socks || ep < 0)
		return -1;
	bytes = (l->jend + 7) / 8;
	for (s = 0; s < l->nstreams; s++) {
		struct stream *st = &l->st[s];

		st->dst.sin_family = AF_INET;
		st->dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		st->dst.sin_port = htons(ports[s]);
		st->sock = s / 2 / per_sock;
		/* arbitrary starts, so that sequence numbers wrap */
		st->seq0 = (uint16_t)(l->ssrc0 * 7 + s * 40503u);
		st->ts0 = l->ssrc0 * 13 + s * 2654435761u;
		st->hi = -1;
		st->seen = calloc(bytes, 1);
		if (!st->seen)
			return -1;
	}
	for (i = 0; i < l->nsocks; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		l->socks[i] = sock_open();
		if (l->socks[i] < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, l->socks[i], &ev) < 0)
			return -1;
	}
	return ep;
}

int main(int argc, char **argv)
{
	struct load l = { 0 };
	struct epoll_event ev, evs[EVENTS];
	struct itimerspec its = { .it_interval.tv_nsec = 1000000,
				  .it_value.tv_nsec = 1000000 };
	struct rlimit rl;
	const char *path = NULL;
	int calls = 0, per_sock = 16, opt, ep, tfd, n, i, *ports;
	double secs = 5, warm = 1, drain = 0.5, pps = 50, late_ms = 200;
	int64_t t0, t, gap, t_ws = 0, t_we = 0, t_stop = 0;
	uint64_t k = 0, k_due, k_ws, k_end;
	uint64_t ticks;

	while ((opt = getopt(argc, argv, "f:n:t:w:d:l:g:r:")) != -1) {
		switch (opt) {
		case 'f': path = optarg; break;
		case 'n': calls = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'd': drain = atof(optarg); break;
		case 'l': late_ms = atof(optarg); break;
		case 'g': per_sock = atoi(optarg); break;
		case 'r': pps = atof(optarg); break;
		default: return usage();
		}
	}
	if (!path || calls < 0 || calls > CALLS_MAX || secs <= 0 ||
	    secs > 600 || warm < 0 || warm > 60 || drain < 0 || drain > 10 ||
	    late_ms <= 0 || per_sock < 1 || pps < 1 || pps > 1000)
		return usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	n = ports_read(path, calls ? calls : CALLS_MAX, &ports);
	if (n < 1 || (calls && n < calls)) {
		fprintf(stderr, "rtpload: %s: %d calls, %d wanted\n", path,
			n < 0 ? 0 : n, calls);
		return 1;
	}
	calls = n;
	tx_init();
	ep = load_init(&l, ports, calls, per_sock, pps, warm, secs);
	l.late_ns = (int64_t)(late_ms * 1e6);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) {
		perror("rtpload");
		return 1;
	}

	gap = (int64_t)(1e9 / (pps * l.nstreams));     /* ns a packet */
	k_ws = (uint64_t)l.jwarm * l.nstreams;
	k_end = (uint64_t)l.jend * l.nstreams;
	t0 = now_ns();
	while (!t_stop || now_ns() < t_stop) {
		n = epoll_wait(ep, evs, EVENTS, 100);
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 != UINT32_MAX)
				rx_sock(&l, l.socks[evs[i].data.u32]);
			else if (read(tfd, &ticks, sizeof(ticks)) < 0 &&
				 errno != EAGAIN)
				perror("rtpload: timerfd");
		}
		if (k == k_end)
			continue;
		t = now_ns();
		k_due = (uint64_t)((t - t0) / gap) + 1;
		if (k_due > k_end)
			k_due = k_end;
		if (k < k_due && k >= k_ws &&
		    t - (t0 + (int64_t)k * gap) > l.max_lag)
			l.max_lag = t - (t0 + (int64_t)k * gap);
		l.now = t;
		for (; k < k_due; k++) {
			tx_add(&l, k % l.nstreams, k / l.nstreams);
		}
		if (tx_n)
			tx_flush(&l);
		if (k == k_end) {
			t_we = now_ns();
			t_stop = t_we + (int64_t)(drain * 1e9);
		}
	}
	/* the window: from when its first packet was due (not sent: a late
	 * start would flatter the rate) to when its last was sent */
	t_ws = t0 + (int64_t)k_ws * gap;
	report(&l, calls, (now_ns() - t0) / 1e9, pps, (t_we - t_ws) / 1e9);
	return 0;
}

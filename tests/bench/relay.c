/* relay.c: the bare UDP relay that gives relayed RTP's physical limit.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One thread, no SIP, no RTP parsing: for each of N calls two sockets
 * on 127.0.0.1, leg A and leg B, as a PBX anchoring media holds them.
 * What arrives on A's socket is sent from B's socket to B's peer, and
 * the other way round.  A leg's peer is the source of the first packet
 * it got (symmetric RTP: the PBX latches onto the phone), or the port
 * given with -P.  epoll says which sockets have data; each is read with
 * recvmmsg and what it gave is sent on with one sendmmsg.  pbxd does the
 * same work and more (SIP, RTP checks, counters): tests/bench/fig_relay.sh
 * measures this relay in the same `make bench` run as pbxd, so the two
 * figures can be compared.
 *
 * usage: relay [-n CALLS] [-p BASE_PORT] [-o PORTS_FILE] [-P PEER_PORT]
 *              [-t MAX_SECONDS] [-i IDLE_SECONDS]
 *
 * Call i's legs are BASE_PORT + 2i and + 2i + 1; BASE_PORT 0 (default)
 * lets the kernel pick free ports.  -o writes the ports, a call a line
 * "PORT_A PORT_B" (rtpload's -f format), once all are bound.  The relay
 * stops after MAX_SECONDS (default 60), after IDLE_SECONDS (default 2)
 * without a packet once packets came, or on SIGTERM/SIGINT; then it
 * prints its counters as one JSON object.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH = 32,             /* datagrams a recvmmsg/sendmmsg */
	PKT_MAX = 2048,         /* bytes; RTP here is 172 */
	EVENTS = 256,           /* epoll events a wake-up */
	CALLS_MAX = 30000,      /* two sockets each: 60000 fds */
};

struct leg {
	int fd;
	bool has_peer;
	struct sockaddr_in peer;
};

struct counters {
	uint64_t rx, tx;
	uint64_t no_peer;       /* read before the other leg had a peer */
	uint64_t send_err;      /* not taken by sendmmsg */
	uint64_t wakeups, recv_calls, send_calls;
	unsigned max_batch;
	double first_rx, last_rx;       /* s since start */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int leg_open(struct leg *l, int port, int *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&sa, &len) < 0)
		return errno;
	*bound = ntohs(sa.sin_port);
	return 0;
}

/* the file appears complete or not at all: rtpload may be waiting on it */
static int ports_write(const char *path, const int *ports, int calls)
{
	char tmp[4096];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return errno;
	for (i = 0; i < calls; i++)
		fprintf(f, "%d %d\n", ports[2 * i], ports[2 * i + 1]);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return errno;
	return 0;
}

static uint8_t bufs[BATCH][PKT_MAX];
static struct sockaddr_in names[BATCH];
static struct iovec rx_iov[BATCH], tx_iov[BATCH];
static struct mmsghdr rx_msgs[BATCH], tx_msgs[BATCH];

/* legs[i] got data: relay it out of legs[i ^ 1] until the socket is
 * empty.  A short batch means empty, so no recvmmsg is spent on EAGAIN;
 * level-triggered epoll reports what came since. */
static void relay_leg(struct leg *legs, int i, struct counters *c,
		      double t)
{
	struct leg *in = &legs[i], *out = &legs[i ^ 1];
	int n, k, sent;

	for (;;) {
		for (k = 0; k < BATCH; k++) {
			rx_msgs[k].msg_hdr.msg_namelen = sizeof(names[k]);
			rx_iov[k].iov_len = PKT_MAX;
		}
		n = recvmmsg(in->fd, rx_msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		c->recv_calls++;
		c->rx += n;
		if ((unsigned)n > c->max_batch)
			c->max_batch = n;
		if (!c->first_rx)
			c->first_rx = t;
		c->last_rx = t;
		if (!in->has_peer) {
			in->peer = names[0];
			in->has_peer = true;
		}
		if (!out->has_peer) {
			c->no_peer += n;
		} else {
			for (k = 0; k < n; k++) {
				tx_msgs[k].msg_hdr.msg_name = &out->peer;
				tx_msgs[k].msg_hdr.msg_namelen =
					sizeof(out->peer);
				tx_iov[k].iov_len = rx_msgs[k].msg_len;
			}
			sent = sendmmsg(out->fd, tx_msgs, n, MSG_DONTWAIT);
			c->send_calls++;
			if (sent < 0)
				sent = 0;
			c->tx += sent;
			c->send_err += n - sent;
		}
		if (n < BATCH)
			return;
	}
}

static void batch_init(void)
{
	int k;

	for (k = 0; k < BATCH; k++) {
		rx_iov[k].iov_base = bufs[k];
		rx_msgs[k].msg_hdr.msg_iov = &rx_iov[k];
		rx_msgs[k].msg_hdr.msg_iovlen = 1;
		rx_msgs[k].msg_hdr.msg_name = &names[k];
		tx_iov[k].iov_base = bufs[k];
		tx_msgs[k].msg_hdr.msg_iov = &tx_iov[k];
		tx_msgs[k].msg_hdr.msg_iovlen = 1;
	}
}

static void report(const struct counters *c, int calls, double secs)
{
	struct rusage ru;
	double cpu, active = c->last_rx - c->first_rx;

	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("{\"calls\": %d, \"secs\": %.3f, \"active_s\": %.3f, "
	       "\"rx\": %llu, \"tx\": %llu, \"no_peer\": %llu, "
	       "\"send_err\": %llu, \"wakeups\": %llu, "
	       "\"recvmmsg\": %llu, \"sendmmsg\": %llu, "
	       "\"max_batch\": %u, \"rx_pps\": %.0f, \"cpu_s\": %.3f, "
	       "\"cpu_pct_active\": %.1f}\n",
	       calls, secs, active,
	       (unsigned long long)c->rx, (unsigned long long)c->tx,
	       (unsigned long long)c->no_peer,
	       (unsigned long long)c->send_err,
	       (unsigned long long)c->wakeups,
	       (unsigned long long)c->recv_calls,
	       (unsigned long long)c->send_calls, c->max_batch,
	       active > 0 ? c->rx / active : 0.0, cpu,
	       active > 0 ? 100 * cpu / active : 0.0);
}

static int usage(void)
{
	fprintf(stderr, "usage: relay [-n CALLS] [-p BASE_PORT] "
		"[-o PORTS_FILE] [-P PEER_PORT] [-t MAX_SECONDS] "
		"[-i IDLE_SECONDS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct epoll_event ev, evs[EVENTS];
	struct counters c = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct rlimit rl;
	const char *ports_path = NULL;
	int calls = 100, base = 0, peer_port = 0, opt, ep, i, n, err;
	double max_s = 60, idle_s = 2, t0, t;
	struct leg *legs;
	int *ports;

	while ((opt = getopt(argc, argv, "n:p:o:P:t:i:")) != -1) {
		switch (opt) {
		case 'n': calls = atoi(optarg); break;
		case 'p': base = atoi(optarg); break;
		case 'o': ports_path = optarg; break;
		case 'P': peer_port = atoi(optarg); break;
		case 't': max_s = atof(optarg); break;
		case 'i': idle_s = atof(optarg); break;
		default: return usage();
		}
	}
	if (calls < 1 || calls > CALLS_MAX || base < 0 ||
	    base + 2 * calls > 65536 || max_s <= 0 || max_s > 3600 ||
	    peer_port < 0 || peer_port > 65535)
		return usage();

	/* two fds a call: the shell's soft limit is often 1024 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	batch_init();

	legs = calloc(2 * calls, sizeof(*legs));
	ports = calloc(2 * calls, sizeof(*ports));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!legs || !ports || ep < 0) {
		perror("relay");
		return 1;
	}
	for (i = 0; i < 2 * calls; i++) {
		err = leg_open(&legs[i], base ? base + i : 0, &ports[i]);
		if (err) {
			fprintf(stderr, "relay: cannot bind leg %d (%s)\n",
				i, strerror(err));
			return 1;
		}
		if (peer_port) {
			legs[i].peer.sin_family = AF_INET;
			legs[i].peer.sin_addr.s_addr =
				htonl(INADDR_LOOPBACK);
			legs[i].peer.sin_port = htons(peer_port);
			legs[i].has_peer = true;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, legs[i].fd, &ev) < 0) {
			perror("relay: epoll_ctl");
			return 1;
		}
	}
	if (ports_path) {
		err = ports_write(ports_path, ports, calls);
		if (err) {
			fprintf(stderr, "relay: cannot write %s (%s)\n",
				ports_path, strerror(err));
			return 1;
		}
	}

	t0 = now_s();
	while (!stop) {
		n = epoll_wait(ep, evs, EVENTS, 100);
		t = now_s() - t0;
		if (n < 0 && errno != EINTR) {
			perror("relay: epoll_wait");
			break;
		}
		if (n > 0)
			c.wakeups++;
		for (i = 0; i < n; i++)
			relay_leg(legs, evs[i].data.u32, &c, t);
		if (t >= max_s)
			break;
		if (c.rx && t - c.last_rx >= idle_s)
			break;
	}
	report(&c, calls, now_s() - t0);
	return 0;
}

/* sip_rcvbuf.c: a larger receive buffer for the SIP UDP sockets.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A burst of requests that arrives while the main loop is busy waits in
 * the socket's receive buffer; what does not fit is dropped by the
 * kernel and comes back only as the phone's retransmission, 500 ms
 * later.  The kernel's default (net.core.rmem_default, 208 KiB) holds
 * about 250 small SIP datagrams on loopback: 25 ms of 10,000 requests/s.
 *
 * libre 1.1.0 gives no handle on the UDP socket that sip_transp_add()
 * opens (udp_sockbuf_set() needs the struct udp_sock, which the SIP
 * transport keeps to itself), so this file finds the socket among our
 * own descriptors by its local address, once, right after it was
 * opened.  SO_RCVBUF is capped by net.core.rmem_max: nothing beyond
 * what the administrator allows.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <re.h>
#include "core.h"


enum {
	RCVBUF_BYTES = 4 * 1024 * 1024,
};


static bool is_udp_at(int fd, const struct sa *laddr)
{
	struct sa local;
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_DGRAM)
		return false;

	sa_init(&local, AF_UNSPEC);
	local.len = sizeof(local.u);
	if (getsockname(fd, &local.u.sa, &local.len))
		return false;

	return sa_cmp(&local, laddr, SA_ALL);
}


/* The UDP socket bound to LADDR gets the larger buffer; returns the
 * size the kernel granted (it reports twice what it accounts), or 0 if
 * no such socket was found. */
int pbx_sip_rcvbuf_raise(const struct sa *laddr)
{
	const int want = RCVBUF_BYTES;
	struct dirent *d;
	int got = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return 0;

	while ((d = readdir(dir)) != NULL) {
		char *end;
		long fd = strtol(d->d_name, &end, 10);
		socklen_t len = sizeof(got);

		if (*end || end == d->d_name || fd == dirfd(dir) ||
		    !is_udp_at((int)fd, laddr))
			continue;

		(void)setsockopt((int)fd, SOL_SOCKET, SO_RCVBUF, &want,
				 sizeof(want));
		if (getsockopt((int)fd, SOL_SOCKET, SO_RCVBUF, &got, &len))
			got = 0;
		break;
	}

	(void)closedir(dir);

	return got;
}

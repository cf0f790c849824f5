#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "system_shim.h"

ssize_t wgu_getrandom(void *buf, size_t len) { return getrandom(buf, len, 0); }
int wgu_mkostemp_cloexec(char *template_) { return mkostemp(template_, O_CLOEXEC); }
int wgu_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int wgu_netlink_link_socket(void) {
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0) return -1;
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { close(fd); return -1; }
	return fd;
}

int wgu_netlink_generic_socket(int timeout_ms) {
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) return -1;
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) { close(fd); return -1; }
	return fd;
}

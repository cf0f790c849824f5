#ifndef WGU_SYSTEM_SHIM_H
#define WGU_SYSTEM_SHIM_H
#include <stddef.h>
#include <sys/types.h>
/* glibc calls that Swift's Glibc module hides behind _GNU_SOURCE. */
ssize_t wgu_getrandom(void *buf, size_t len);
int wgu_mkostemp_cloexec(char *template_);
int wgu_pipe_cloexec(int fds[2]);
/* A non-blocking NETLINK_ROUTE socket subscribed to link changes; -1 with errno on failure. */
int wgu_netlink_link_socket(void);
/* A blocking NETLINK_GENERIC socket whose receives give up after timeout_ms; -1 with errno. */
int wgu_netlink_generic_socket(int timeout_ms);
/* flock(fd, operation) that blocks up to timeout_seconds; -1 with errno EWOULDBLOCK on timeout. */
int wgu_flock_wait(int fd, int operation, double timeout_seconds);
#endif

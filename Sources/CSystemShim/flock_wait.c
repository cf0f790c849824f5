#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "system_shim.h"

/* A blocking flock() with a timeout. A blocked waiter is woken by the kernel the moment the
 * holder lets go, so waiters do not starve behind processes that happen to poll at the right
 * time (polling with a back-off did starve under 20 busy writers). The timeout is a per-thread
 * POSIX timer whose signal interrupts flock() with EINTR; it re-fires every 50 ms so a signal
 * that lands just before flock() is entered cannot leave the call blocked for good. */

#define WGU_LOCK_SIGNAL (SIGRTMIN + 4)

static void wgu_lock_signal_noop(int sig) { (void)sig; }

static pthread_once_t wgu_lock_signal_once = PTHREAD_ONCE_INIT;
static void wgu_install_lock_signal(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wgu_lock_signal_noop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: flock() must return EINTR */
	sigaction(WGU_LOCK_SIGNAL, &sa, NULL);
}

static double wgu_monotonic(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int wgu_flock_wait(int fd, int operation, double timeout_seconds) {
	if (flock(fd, operation | LOCK_NB) == 0) return 0;
	if (errno != EWOULDBLOCK && errno != EINTR) return -1;
	if (timeout_seconds <= 0) { errno = EWOULDBLOCK; return -1; }
	pthread_once(&wgu_lock_signal_once, wgu_install_lock_signal);

	sigset_t only, saved;
	sigemptyset(&only);
	sigaddset(&only, WGU_LOCK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &only, &saved);

	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = WGU_LOCK_SIGNAL;
#ifdef sigev_notify_thread_id
	ev.sigev_notify_thread_id = gettid(); /* glibc >= 2.35 and musl name it so */
#else
	ev._sigev_un._tid = gettid();
#endif
	timer_t timer;
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) {
		int e = errno;
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		errno = e;
		return -1;
	}
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)timeout_seconds;
	its.it_value.tv_nsec = (long)((timeout_seconds - (double)(time_t)timeout_seconds) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
	its.it_interval.tv_nsec = 50 * 1000 * 1000;
	timer_settime(timer, 0, &its, NULL);

	double deadline = wgu_monotonic() + timeout_seconds;
	int rc, e = 0;
	for (;;) {
		rc = flock(fd, operation);
		if (rc == 0) break;
		e = errno;
		if (e != EINTR) break;
		if (wgu_monotonic() >= deadline) { e = EWOULDBLOCK; break; }
	}
	timer_delete(timer);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0) errno = e;
	return rc;
}

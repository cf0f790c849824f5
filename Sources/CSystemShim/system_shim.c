#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>
#include "system_shim.h"

ssize_t wgu_getrandom(void *buf, size_t len) { return getrandom(buf, len, 0); }
int wgu_mkostemp_cloexec(char *template_) { return mkostemp(template_, O_CLOEXEC); }
int wgu_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

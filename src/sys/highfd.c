/* highfd.c - owns moving our own descriptors (hidden attempt sockets, the log
 * file) to high numbers, so that a descriptor the app opens while a race runs
 * gets the number it would get without libtryall. The floor is three quarters
 * of the soft RLIMIT_NOFILE, at most 3072, so the kernel's descriptor table
 * grows little; when nothing is free up there, the descriptor stays put.
 * Must never touch a descriptor that is not ours, never change errno. */
#include "sys/highfd.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

int highfd_park(int fd)
{
    int saved = errno;
    struct rlimit lim;
    if (fd < 0 || getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < 64) {
        errno = saved;
        return fd;
    }
    rlim_t floor = lim.rlim_cur > 4096 ? 3072 : lim.rlim_cur * 3 / 4;
    int high = (int)floor <= fd ? -1 : real()->fcntl(fd, F_DUPFD_CLOEXEC, (int)floor);
    if (high >= 0) {
        real()->close(fd);
        fd = high;
    }
    errno = saved;
    return fd;
}

int highfd_park_below(int fd, int floor, int top)
{
    int saved = errno;
    int high = fd < 0 || floor <= fd ? -1 : real()->fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (high >= top) {
        real()->close(high);
        high = -1;
    }
    if (high >= 0) {
        real()->close(fd);
        fd = high;
    }
    errno = saved;
    return fd;
}

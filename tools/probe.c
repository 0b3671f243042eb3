/* probe.c - owns one probe for `--explain` (probe.h): socket, non-blocking
 * connect, poll for at most the limit, SO_ERROR, close. libc's own calls
 * (plain.h). Must never send a byte or keep the socket. */
#include "probe.h"
#include "plain.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct probe outcome(int err, uint64_t t0)
{
    struct probe p = { .err = err, .ms = (unsigned)(mono_ms() - t0) };
    p.result = err == 0 ? PROBE_CONNECTED : err == ECONNREFUSED ? PROBE_REFUSED : PROBE_UNREACHABLE;
    return p;
}

/* Wait for fd's connect to finish, at most until deadline: its error (0:
 * connected), or -1 when it did not finish. */
static int wait_done(const struct plain *lc, int fd, uint64_t deadline)
{
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            return -1;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int n = lc->poll(&pfd, 1, (int)(deadline - now));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            continue;   /* the deadline is checked above */
        int err = 0;
        socklen_t l = sizeof err;
        if (lc->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
            return errno;
        return err;
    }
}

struct probe probe_one(const struct tryall_addr *a, uint16_t port, unsigned limit_ms)
{
    const struct plain *lc = plain();
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(a, port, a->family, &ss);
    uint64_t t0 = mono_ms();
    if (!lc || !sl)
        return outcome(lc ? EAFNOSUPPORT : ENOSYS, t0);
    int fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return outcome(errno, t0);
    int err = 0;
    if (lc->connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        err = errno;
        if (err == EINPROGRESS || err == EINTR)
            err = wait_done(lc, fd, t0 + limit_ms);
    }
    lc->close(fd);
    if (err < 0) {
        struct probe p = { .result = PROBE_NO_ANSWER, .ms = limit_ms };
        return p;
    }
    return outcome(err, t0);
}

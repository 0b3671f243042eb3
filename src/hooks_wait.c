/* hooks_wait.c - owns the wait hooks: poll, ppoll, their fortified
 * __poll_chk/__ppoll_chk, select, pselect, epoll_wait, epoll_pwait,
 * epoll_pwait2 and epoll_ctl. Fast path: when no descriptor races (one
 * relaxed load), straight to libc; else the slow path in wait.c.
 * Must never take a lock or allocate on the fast path. */
#include "epollset.h"
#include "fdtable.h"
#include "hooks.h"
#include "real.h"

#include <errno.h>
#include <stdint.h>

extern void __chk_fail(void) __attribute__((noreturn));

static int valid_ts(const struct timespec *t)
{
    return !t || (t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < 1000000000);
}

static int any_racing(const struct pollfd *fds, nfds_t n)
{
    for (nfds_t i = 0; i < n; i++)
        if (fdt_peek(fds[i].fd))
            return 1;
    return 0;
}

TRYALL_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (!fdt_active() || !fds || !any_racing(fds, nfds))
        return real()->poll(fds, nfds, timeout);
    struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000 };
    return wait_poll(fds, nfds, timeout < 0 ? NULL : &ts, NULL);
}

TRYALL_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask)
{
    if (!fdt_active() || !fds || !valid_ts(tmo) || !any_racing(fds, nfds))
        return real()->ppoll(fds, nfds, tmo, mask);
    return wait_poll(fds, nfds, tmo, mask);
}

TRYALL_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
    if (fdslen / sizeof *fds < nfds)
        __chk_fail();
    return poll(fds, nfds, timeout);
}

TRYALL_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
                              const sigset_t *mask, size_t fdslen)
{
    if (fdslen / sizeof *fds < nfds)
        __chk_fail();
    return ppoll(fds, nfds, tmo, mask);
}

static int sets_racing(int nfds, const fd_set *rd, const fd_set *wr, const fd_set *ex)
{
    for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
        if (((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex))) &&
            fdt_peek(fd))
            return 1;
    return 0;
}

TRYALL_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    if (!fdt_active() || nfds < 0 || nfds > FD_SETSIZE || !sets_racing(nfds, rd, wr, ex) ||
        (tv && (tv->tv_sec < 0 || tv->tv_usec < 0)))
        return real()->select(nfds, rd, wr, ex, tv);
    struct timespec ts, left;
    if (tv) {
        ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
        ts.tv_nsec = (tv->tv_usec % 1000000) * 1000;
    }
    int rc = wait_select(nfds, rd, wr, ex, tv ? &ts : NULL, NULL, tv ? &left : NULL);
    if (rc == -2)
        return real()->select(nfds, rd, wr, ex, tv);
    if (tv) {
        int e = errno;
        tv->tv_sec = left.tv_sec;
        tv->tv_usec = left.tv_nsec / 1000;
        errno = e;
    }
    return rc;
}

TRYALL_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
                          const sigset_t *mask)
{
    if (!fdt_active() || nfds < 0 || nfds > FD_SETSIZE || !valid_ts(tmo) ||
        !sets_racing(nfds, rd, wr, ex))
        return real()->pselect(nfds, rd, wr, ex, tmo, mask);
    int rc = wait_select(nfds, rd, wr, ex, tmo, mask, NULL);
    if (rc == -2)
        return real()->pselect(nfds, rd, wr, ex, tmo, mask);
    return rc;
}

TRYALL_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout)
{
    if (!fdt_active() || maxevents <= 0 || !ev)
        return real()->epoll_wait(epfd, ev, maxevents, timeout);
    struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000 };
    return wait_epoll(epfd, ev, maxevents, timeout < 0 ? NULL : &ts, NULL);
}

TRYALL_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
                              const sigset_t *mask)
{
    if (!fdt_active() || maxevents <= 0 || !ev)
        return real()->epoll_pwait(epfd, ev, maxevents, timeout, mask);
    struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000 };
    return wait_epoll(epfd, ev, maxevents, timeout < 0 ? NULL : &ts, mask);
}

TRYALL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int maxevents,
                               const struct timespec *tmo, const sigset_t *mask)
{
    if (!real()->epoll_pwait2) {
        errno = ENOSYS;
        return -1;
    }
    if (!fdt_active() || maxevents <= 0 || !ev || !valid_ts(tmo))
        return real()->epoll_pwait2(epfd, ev, maxevents, tmo, mask);
    return wait_epoll(epfd, ev, maxevents, tmo, mask);
}

TRYALL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (tryall_disabled() || fdt_lock() != 0)
        return real()->epoll_ctl(epfd, op, fd, ev);
    int rc = epset_ctl(epfd, op, fd, ev);
    int e = errno;
    fdt_unlock();
    errno = e;
    return rc;
}

/* wait.c (hooks) - owns the wait hooks: poll, ppoll, their fortified
 * __poll_chk/__ppoll_chk, select, pselect, epoll_wait, epoll_pwait,
 * epoll_pwait2 and epoll_ctl. Fast path: when no descriptor races (one
 * relaxed load), straight to libc; else the slow paths of calls/.
 * Must never take a lock or allocate on the fast path, nor do more than
 * dispatch. */
#include "hooks/hooks.h"

#include <errno.h>

extern void __chk_fail(void) __attribute__((noreturn));

TRYALL_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (fdt_active() && wait_poll_racing(fds, nfds)) {
        int rc = wait_poll_ms(fds, nfds, timeout);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->poll(fds, nfds, timeout);
}

TRYALL_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask)
{
    if (fdt_active() && wait_poll_racing(fds, nfds)) {
        int rc = wait_ppoll(fds, nfds, tmo, mask);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->ppoll(fds, nfds, tmo, mask);
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

TRYALL_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    if (fdt_active() && wait_select_racing(nfds, rd, wr, ex)) {
        int rc = wait_select_tv(nfds, rd, wr, ex, tv);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->select(nfds, rd, wr, ex, tv);
}

TRYALL_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
                          const sigset_t *mask)
{
    if (fdt_active()) {
        int rc = wait_pselect(nfds, rd, wr, ex, tmo, mask);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->pselect(nfds, rd, wr, ex, tmo, mask);
}

TRYALL_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout)
{
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev)
        return real()->epoll_wait(epfd, ev, maxevents, timeout);
    int rc = wait_epoll_ms(epfd, ev, maxevents, timeout, NULL);
    return rc == WAIT_LIBC ? real()->epoll_wait(epfd, ev, maxevents, timeout) : rc;
}

TRYALL_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
                              const sigset_t *mask)
{
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev)
        return real()->epoll_pwait(epfd, ev, maxevents, timeout, mask);
    int rc = wait_epoll_ms(epfd, ev, maxevents, timeout, mask);
    return rc == WAIT_LIBC ? real()->epoll_pwait(epfd, ev, maxevents, timeout, mask) : rc;
}

TRYALL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int maxevents,
                               const struct timespec *tmo, const sigset_t *mask)
{
    if (!real()->epoll_pwait2) {
        errno = ENOSYS;
        return -1;
    }
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev)
        return real()->epoll_pwait2(epfd, ev, maxevents, tmo, mask);
    int rc = wait_epoll_ts(epfd, ev, maxevents, tmo, mask);
    return rc == WAIT_LIBC ? real()->epoll_pwait2(epfd, ev, maxevents, tmo, mask) : rc;
}

TRYALL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (tryall_disabled())
        return real()->epoll_ctl(epfd, op, fd, ev);
    return tryall_epoll_ctl(epfd, op, fd, ev);
}

/* hooks_wait.c - owns the wait hooks: poll, ppoll, their fortified
 * __poll_chk/__ppoll_chk, select, pselect, epoll_wait, epoll_pwait,
 * epoll_pwait2 and epoll_ctl. Fast path: when no descriptor races (one
 * relaxed load), straight to libc; else the slow path in wait.c.
 * Must never take a lock or allocate on the fast path. */
#include "epollset.h"
#include "fdtable.h"
#include "hooks.h"
#include "real.h"
#include "usermem.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

extern void __chk_fail(void) __attribute__((noreturn));

/* The app's timespec, copied (NULL = forever). 0 fine, -1 for the kernel to
 * reject (unreadable, or out of range). */
static int copy_ts(const struct timespec *tmo, struct timespec *out, const struct timespec **use)
{
    *use = NULL;
    if (!tmo)
        return 0;
    if (usermem_copy(out, tmo, sizeof *out) != 0 || out->tv_sec < 0 || out->tv_nsec < 0 ||
        out->tv_nsec >= 1000000000)
        return -1;
    *use = out;
    return 0;
}

static const struct timespec *ms_ts(int ms, struct timespec *out)
{
    if (ms < 0)
        return NULL;
    out->tv_sec = ms / 1000;
    out->tv_nsec = (long)(ms % 1000) * 1000000;
    return out;
}

__attribute__((noinline)) static int poll_slow(struct pollfd *fds, nfds_t nfds, int timeout)
{
    struct timespec ts;
    return wait_poll(fds, nfds, ms_ts(timeout, &ts), NULL);
}

TRYALL_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (fdt_active() && wait_poll_racing(fds, nfds)) {
        int rc = poll_slow(fds, nfds, timeout);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->poll(fds, nfds, timeout);
}

__attribute__((noinline)) static int ppoll_slow(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
                                                const sigset_t *mask)
{
    struct timespec ts;
    const struct timespec *t;
    if (copy_ts(tmo, &ts, &t) != 0)
        return WAIT_LIBC;
    return wait_poll(fds, nfds, t, mask);
}

TRYALL_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask)
{
    if (fdt_active() && wait_poll_racing(fds, nfds)) {
        int rc = ppoll_slow(fds, nfds, tmo, mask);
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

/* select's sets, copied: 0, or -1 when one is unreadable (the kernel's EFAULT). */
struct sets {
    fd_set s[3];
    fd_set *p[3];
};

static int copy_sets(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct sets *c)
{
    fd_set *app[3] = { rd, wr, ex };
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    /* Only the first nfds bits are ever read or given back. */
    for (int k = 0; k < 3; k++) {
        c->p[k] = app[k] ? &c->s[k] : NULL;
        if (app[k] && usermem_copy(&c->s[k], app[k], bytes) != 0)
            return -1;
    }
    return 0;
}

static int sets_racing(int nfds, const struct sets *c)
{
    size_t words = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long));
    for (size_t w = 0; w < words; w++) {
        unsigned long bits = 0;
        for (int k = 0; k < 3; k++)
            if (c->p[k])
                bits |= (unsigned long)__FDS_BITS(c->p[k])[w];
        if (w == words - 1 && nfds % (8 * sizeof(long)))
            bits &= (1UL << (nfds % (8 * sizeof(long)))) - 1;
        for (; bits; bits &= bits - 1)
            if (fdt_peek((int)(w * 8 * sizeof(long)) + __builtin_ctzl(bits)))
                return 1;
    }
    return 0;
}

/* Do select's sets hold a racing descriptor? Read in place once proven
 * readable (an unreadable set: libc's EFAULT). */
__attribute__((noinline)) static int select_racing(int nfds, fd_set *rd, fd_set *wr, fd_set *ex)
{
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    struct sets c = { .p = { rd, wr, ex } };
    if (nfds <= 0 || nfds > FD_SETSIZE)
        return 0;
    for (int k = 0; k < 3; k++)
        if (c.p[k] && !usermem_readable(c.p[k], bytes))
            return 0;
    return sets_racing(nfds, &c);
}

static void give_back(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct sets *c)
{
    fd_set *app[3] = { rd, wr, ex };
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    for (int k = 0; k < 3; k++)
        if (app[k])
            memcpy(app[k], &c->s[k], bytes);
}

__attribute__((noinline)) static int select_slow(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    struct sets c;
    struct timeval t;
    if (copy_sets(nfds, rd, wr, ex, &c) != 0 ||
        (tv && (usermem_copy(&t, tv, sizeof t) != 0 || t.tv_sec < 0 || t.tv_usec < 0)))
        return WAIT_LIBC;
    struct timespec ts, left;
    if (tv) {
        ts.tv_sec = t.tv_sec + t.tv_usec / 1000000;
        ts.tv_nsec = (t.tv_usec % 1000000) * 1000;
    }
    int rc = wait_select(nfds, c.p[0], c.p[1], c.p[2], tv ? &ts : NULL, NULL, tv ? &left : NULL);
    if (rc == WAIT_LIBC)
        return WAIT_LIBC;
    if (rc >= 0)
        give_back(nfds, rd, wr, ex, &c);
    if (tv) {
        tv->tv_sec = left.tv_sec;
        tv->tv_usec = left.tv_nsec / 1000;
    }
    return rc;
}

TRYALL_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    if (fdt_active() && select_racing(nfds, rd, wr, ex)) {
        int rc = select_slow(nfds, rd, wr, ex, tv);
        if (rc != WAIT_LIBC)
            return rc;
    }
    return real()->select(nfds, rd, wr, ex, tv);
}

TRYALL_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
                          const sigset_t *mask)
{
    struct sets c;
    struct timespec ts;
    const struct timespec *t;
    if (!fdt_active() || nfds <= 0 || nfds > FD_SETSIZE || copy_ts(tmo, &ts, &t) != 0 ||
        copy_sets(nfds, rd, wr, ex, &c) != 0 || !sets_racing(nfds, &c))
        return real()->pselect(nfds, rd, wr, ex, tmo, mask);
    int rc = wait_select(nfds, c.p[0], c.p[1], c.p[2], t, mask, NULL);
    if (rc == WAIT_LIBC)
        return real()->pselect(nfds, rd, wr, ex, tmo, mask);
    if (rc >= 0)
        give_back(nfds, rd, wr, ex, &c);
    return rc;
}

TRYALL_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout)
{
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev)
        return real()->epoll_wait(epfd, ev, maxevents, timeout);
    struct timespec ts;
    int rc = wait_epoll(epfd, ev, maxevents, ms_ts(timeout, &ts), NULL);
    return rc == WAIT_LIBC ? real()->epoll_wait(epfd, ev, maxevents, timeout) : rc;
}

TRYALL_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
                              const sigset_t *mask)
{
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev)
        return real()->epoll_pwait(epfd, ev, maxevents, timeout, mask);
    struct timespec ts;
    int rc = wait_epoll(epfd, ev, maxevents, ms_ts(timeout, &ts), mask);
    return rc == WAIT_LIBC ? real()->epoll_pwait(epfd, ev, maxevents, timeout, mask) : rc;
}

TRYALL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int maxevents,
                               const struct timespec *tmo, const sigset_t *mask)
{
    if (!real()->epoll_pwait2) {
        errno = ENOSYS;
        return -1;
    }
    struct timespec ts;
    const struct timespec *t;
    if (!fdt_active() || !fdt_peek_epoll(epfd) || maxevents <= 0 || !ev || copy_ts(tmo, &ts, &t) != 0)
        return real()->epoll_pwait2(epfd, ev, maxevents, tmo, mask);
    int rc = wait_epoll(epfd, ev, maxevents, t, mask);
    return rc == WAIT_LIBC ? real()->epoll_pwait2(epfd, ev, maxevents, tmo, mask) : rc;
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

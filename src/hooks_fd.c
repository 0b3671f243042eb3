/* hooks_fd.c - owns the descriptor hooks. close, dup2, dup3, close_range and
 * closefrom detach the descriptor they close from its race (the race ends,
 * its hidden attempts closed, with the app's last copy) and forget its epoll
 * registrations, so a new socket reusing the number starts clean. dup, dup2,
 * dup3 and fcntl(F_DUPFD*) of a racing descriptor make the copy follow the
 * race. setsockopt on a racing descriptor reaches every attempt.
 * getsockopt(SO_ERROR) and getpeername answer as TIP 427 describes.
 * Must never hold the fdtable lock across the real close (it may linger), and
 * never answer differently from libc for a descriptor that has no race. */
#include "epollset.h"
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "real.h"
#include "usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <linux/close_range.h>

/* Under the lock: forget any state on fd. */
static void forget_locked(int fd)
{
    struct race *r = fdt_get(fd);
    if (r)
        race_detach_fd(r, fd);
    epset_forget_fd(fd);
}

/* The app is closing or replacing fd. From a signal handler that interrupted
 * this thread inside libtryall, the lock is refused: the interrupted code
 * forgets fd when it lets the lock go. */
static void forget(int fd)
{
    if (!fdt_peek_any(fd))
        return;
    if (fdt_lock() != 0) {
        fdt_defer_close(fd);
        return;
    }
    forget_locked(fd);
    fdt_unlock();
}

/* A close a signal handler made while this thread held the lock, taken up
 * when the lock is let go. By then another thread may have reused the
 * number: act only on what is stale (a race whose socket is gone), and drop
 * the registrations only when the number is still free. */
static void forget_deferred(int fd)
{
    struct race *r = fdt_get(fd);
    int stale = r && race_drop_if_stale(r, fd);
    if (stale || fcntl(fd, F_GETFD) < 0)
        epset_forget_fd(fd);
}

__attribute__((constructor)) static void hooks_fd_init(void)
{
    fdt_on_deferred_close(forget_deferred);
}

/* newfd is now a copy of oldfd: if oldfd races, so does the copy. */
static void copied(int oldfd, int newfd)
{
    if (newfd < 0 || !fdt_peek(oldfd) || fdt_lock() != 0)
        return;
    struct race *r = fdt_get(oldfd);
    if (r)
        race_add_alias(r, newfd);
    fdt_unlock();
}

TRYALL_EXPORT int close(int fd)
{
    forget(fd);
    return real()->close(fd);
}

struct range { unsigned first, last; };

static void forget_regs_in(int fd, struct fdslot *s, void *arg)
{
    const struct range *rg = arg;
    if ((unsigned)fd >= rg->first && (unsigned)fd <= rg->last && (s->regs || s->ep_regs))
        epset_forget_fd(fd);
}

static void forget_range(unsigned first, unsigned last)
{
    if (fdt_lock() != 0)
        return;
    race_close_range(first, last);
    struct range rg = { first, last };
    fdt_each(forget_regs_in, &rg);
    fdt_unlock();
}

TRYALL_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
    if (!real()->close_range) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
        forget_range(first, last);
    return real()->close_range(first, last, flags);
}

TRYALL_EXPORT void closefrom(int lowfd)
{
    if (lowfd >= 0)
        forget_range((unsigned)lowfd, ~0u);
    if (real()->closefrom)
        real()->closefrom(lowfd);
}

TRYALL_EXPORT int dup(int oldfd)
{
    int fd = real()->dup(oldfd);
    copied(oldfd, fd);
    return fd;
}

TRYALL_EXPORT int dup2(int oldfd, int newfd)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    int fd = real()->dup2(oldfd, newfd);
    if (oldfd != newfd)
        copied(oldfd, fd);
    return fd;
}

TRYALL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    int fd = real()->dup3(oldfd, newfd, flags);
    copied(oldfd, fd);
    return fd;
}

/* fcntl's third argument is an int or a pointer; the kernel takes it as an
 * unsigned long, so passing it on as a pointer-sized value is exact. */
static int fcntl_common(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
    int rc = fn(fd, cmd, arg);
    if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        copied(fd, rc);
    return rc;
}

TRYALL_EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl_common(real()->fcntl, fd, cmd, arg);
}

TRYALL_EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl_common(real()->fcntl64 ? real()->fcntl64 : real()->fcntl, fd, cmd, arg);
}

TRYALL_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    int mine;
    socklen_t l;
    /* The kernel reads *len before it takes (and clears) the socket's error:
     * with an unreadable len nothing is consumed, here either. */
    if (level != SOL_SOCKET || name != SO_ERROR || !fdt_peek(fd) || usermem_copy(&l, len, sizeof l) != 0 ||
        !tryall_so_error(fd, &mine))
        return real()->getsockopt(fd, level, name, val, len);
    /* The kernel validates the rest (and answers EFAULT for a bad val, the
     * error then being consumed, as ours is); we only change the value. */
    int rc = real()->getsockopt(fd, level, name, val, len);
    if (rc == 0 && val && (int)*len > 0) {
        size_t n = *len < sizeof mine ? *len : sizeof mine;
        memcpy(val, &mine, n);
    }
    return rc;
}

TRYALL_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    int rc = real()->setsockopt(fd, level, name, val, len);
    if (rc == 0 && fdt_peek(fd) && fdt_lock() == 0) {
        struct race *r = fdt_get(fd);
        if (r && r->fd == fd)
            race_mirror_option(r, level, name, val, len);   /* the kernel read val: it is readable */
        fdt_unlock();
    }
    return rc;
}

TRYALL_EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
    if (fdt_peek(fd))
        tryall_touch(fd);   /* a winner found now answers; a racing socket says ENOTCONN */
    return real()->getpeername(fd, sa, len);
}

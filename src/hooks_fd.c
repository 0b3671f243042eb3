/* hooks_fd.c - owns the descriptor hooks: close, dup2 and dup3 end a race on
 * the descriptor they close or replace (closing every hidden attempt) and
 * forget its epoll registrations, so a new socket reusing the number starts
 * clean; getsockopt(SO_ERROR) and getpeername answer as TIP 427 describes
 * while a connect races.
 * Must never hold the fdtable lock across the real close (it may linger), and
 * never answer differently from libc for a descriptor that has no race. */
#include "epollset.h"
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Forget any state on fd: the app is closing or replacing it. */
static void forget(int fd)
{
    if (!fdt_peek_any(fd) || fdt_lock() != 0)
        return;
    struct race *r = fdt_get(fd);
    if (r) {
        r->dead = 1;
        race_retire(r);
    }
    epset_forget_fd(fd);
    fdt_unlock();
}

TRYALL_EXPORT int close(int fd)
{
    forget(fd);
    return real()->close(fd);
}

TRYALL_EXPORT int dup2(int oldfd, int newfd)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    return real()->dup2(oldfd, newfd);
}

TRYALL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    return real()->dup3(oldfd, newfd, flags);
}

TRYALL_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    int mine;
    if (level != SOL_SOCKET || name != SO_ERROR || !fdt_peek(fd) || !tryall_so_error(fd, &mine))
        return real()->getsockopt(fd, level, name, val, len);
    /* The kernel validates the arguments; we only change the value. */
    int rc = real()->getsockopt(fd, level, name, val, len);
    if (rc == 0 && val && len) {
        size_t n = *len < sizeof mine ? *len : sizeof mine;
        memcpy(val, &mine, n);
    }
    return rc;
}

TRYALL_EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
    if (fdt_peek(fd))
        tryall_touch(fd);   /* a winner found now answers; a racing socket says ENOTCONN */
    return real()->getpeername(fd, sa, len);
}

/* fd.c (hooks) - owns the descriptor hooks: close, close_range, closefrom,
 * dup, dup2, dup3, fcntl, fcntl64, getsockopt, setsockopt, getpeername,
 * getsockname; socket, accept and accept4 (a new socket's options are
 * known; at EMFILE/ENFILE a hidden attempt gives its descriptor up and the
 * call is made again).
 * Each tells calls/fdops.c or calls/gate.c what happened and calls libc.
 * Must never do more than dispatch, never hold anything across the real
 * close, and never answer differently from libc for a descriptor that has
 * no race. */
#include "hooks/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/close_range.h>

TRYALL_EXPORT int close(int fd)
{
    fdops_closing(fd);
    return real()->close(fd);
}

TRYALL_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
    if (!real()->close_range) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
        fdops_closing_range(first, last);
    return real()->close_range(first, last, flags);
}

TRYALL_EXPORT void closefrom(int lowfd)
{
    if (lowfd >= 0)
        fdops_closing_range((unsigned)lowfd, ~0u);
    if (real()->closefrom)
        real()->closefrom(lowfd);
}

TRYALL_EXPORT int dup(int oldfd)
{
    int fd = real()->dup(oldfd);
    fdops_copied(oldfd, fd);
    return fd;
}

TRYALL_EXPORT int dup2(int oldfd, int newfd)
{
    fdops_replacing(oldfd, newfd);
    int fd = real()->dup2(oldfd, newfd);
    fdops_copied(oldfd, fd);
    return fd;
}

TRYALL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    fdops_replacing(oldfd, newfd);
    int fd = real()->dup3(oldfd, newfd, flags);
    fdops_copied(oldfd, fd);
    return fd;
}

/* fcntl's third argument is an int or a pointer; the kernel takes it as an
 * unsigned long, so passing it on as a pointer-sized value is exact. */
static int fcntl_common(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
    int rc = fn(fd, cmd, arg);
    if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        fdops_copied(fd, rc);
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
    if (level == SOL_SOCKET && name == SO_ERROR && fdt_peek(fd))
        return tryall_so_error_opt(fd, val, len);
    return real()->getsockopt(fd, level, name, val, len);
}

TRYALL_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    int rc = real()->setsockopt(fd, level, name, val, len);
    if (rc == 0) {
        fdops_option_set(fd, level, name);
        if (fdt_peek(fd))
            tryall_mirror_option(fd, level, name, val, len);
    }
    return rc;
}

TRYALL_EXPORT int socket(int domain, int type, int protocol)
{
    int fd = real()->socket(domain, type, protocol);
    if (fd < 0 && fdops_reclaim())   /* a hidden attempt held the last descriptor */
        fd = real()->socket(domain, type, protocol);
    if (fd >= 0)
        fdops_born(fd, domain);
    return fd;
}

TRYALL_EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
    int c = real()->accept(fd, sa, len);
    if (c < 0 && fdops_reclaim())
        c = real()->accept(fd, sa, len);
    return c;
}

TRYALL_EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    int c = real()->accept4(fd, sa, len, flags);
    if (c < 0 && fdops_reclaim())
        c = real()->accept4(fd, sa, len, flags);
    return c;
}

TRYALL_EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
    if (fdt_peek(fd))
        tryall_touch(fd);   /* a winner found now answers; a racing socket says ENOTCONN */
    if (fdt_peek_xlat(fd))
        return tryall_xlat_name(fd, 1, sa, len);   /* a NAT64 winner: the app's IPv4 view */
    return real()->getpeername(fd, sa, len);
}

TRYALL_EXPORT int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
    if (fdt_peek_xlat(fd))
        return tryall_xlat_name(fd, 0, sa, len);
    return real()->getsockname(fd, sa, len);
}

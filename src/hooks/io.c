/* io.c (hooks) - owns the I/O hooks (read, write, readv, writev, recv*, send*
 * and the fortified __read_chk, __recv_chk, __recvfrom_chk). On a racing
 * descriptor they advance the race a step and answer as the kernel does for
 * a connecting socket (EAGAIN); a blocking call finishes the race first and
 * then does its I/O on the winner; a lost race gives its error once.
 * The deciding is calls/gate.c's; here only the dispatch.
 * Must never write a byte to a losing attempt, and cost one load and one
 * branch on a descriptor that has no race. */
#include "hooks/hooks.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

/* Answer -1 here (errno set) instead of calling libc? (in: a read, else a
 * write; a blocking call waits for the race as long as its timeout allows) */
static inline int answered(int fd, int in)
{
    int e;
    if (fdt_peek(fd) && tryall_io_gate(fd, in ? SO_RCVTIMEO : SO_SNDTIMEO, &e)) {
        errno = e;
        return 1;
    }
    return 0;
}

TRYALL_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    if (answered(fd, 1))
        return -1;
    return real()->read(fd, buf, n);
}

TRYALL_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    if (answered(fd, 0))
        return -1;
    return real()->write(fd, buf, n);
}

TRYALL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    if (cnt >= 0 && cnt <= IOV_MAX && answered(fd, 1))
        return -1;
    return real()->readv(fd, iov, cnt);
}

TRYALL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    if (cnt >= 0 && cnt <= IOV_MAX && answered(fd, 0))
        return -1;
    return real()->writev(fd, iov, cnt);
}

TRYALL_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    if (answered(fd, 1))
        return -1;
    return real()->recv(fd, buf, n, flags);
}

TRYALL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa, socklen_t *len)
{
    if (answered(fd, 1))
        return -1;
    return real()->recvfrom(fd, buf, n, flags, sa, len);
}

TRYALL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (fdt_peek(fd) && tryall_msg_readable(msg) && answered(fd, 1))
        return -1;
    return real()->recvmsg(fd, msg, flags);
}

TRYALL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    if (answered(fd, 0))
        return -1;
    return real()->send(fd, buf, n, flags);
}

TRYALL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa,
                             socklen_t len)
{
    if (answered(fd, 0))
        return -1;
    return real()->sendto(fd, buf, n, flags, sa, len);
}

TRYALL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (fdt_peek(fd) && tryall_msg_readable(msg) && answered(fd, 0))
        return -1;
    return real()->sendmsg(fd, msg, flags);
}

TRYALL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    if (answered(fd, 1))
        return -1;
    return real()->read_chk(fd, buf, n, buflen);
}

TRYALL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    if (answered(fd, 1))
        return -1;
    return real()->recv_chk(fd, buf, n, buflen, flags);
}

TRYALL_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                                     struct sockaddr *sa, socklen_t *len)
{
    if (answered(fd, 1))
        return -1;
    return real()->recvfrom_chk(fd, buf, n, buflen, flags, sa, len);
}

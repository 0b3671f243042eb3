/* hooks.h - owns what the hook files share: the export marker, the
 * declarations of glibc's fortified entry points that its headers do not
 * declare, and the floor below (calls/calls.h).
 * Must never declare anything a lower floor needs. */
#ifndef TRYALL_HOOKS_H
#define TRYALL_HOOKS_H

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include "calls/calls.h"
#include "sys/real.h"

#define TRYALL_EXPORT __attribute__((visibility("default")))

/* glibc's fortified entry points we interpose (not declared by its headers). */
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask,
                size_t fdslen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *sa,
                       socklen_t *len);

#endif

/* hooks.h - owns what the hook files share: the export marker and the entry
 * points from the thin hooks into libtryall's logic.
 * Must never declare anything the pure core (addr, book, plan, config, log) needs. */
#ifndef TRYALL_HOOKS_H
#define TRYALL_HOOKS_H

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>

#define TRYALL_EXPORT __attribute__((visibility("default")))

/* connect() for a socket libtryall may race; falls back to libc otherwise. */
int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* Is libtryall switched off (TRYALL_DISABLE=1)? */
int tryall_disabled(void);

/* Before I/O on fd: 0 = go to libc; 1 = answer -1 with *err (a racing
 * non-blocking socket: EAGAIN; a lost race: its error, once). A blocking
 * socket's race is finished first, bounded by the socket's timeout for that
 * direction (timeo_opt: SO_RCVTIMEO or SO_SNDTIMEO; EAGAIN when it passes). */
int tryall_io_gate(int fd, int timeo_opt, int *err);

/* SO_ERROR and getpeername while racing (TIP 427): 1 when *value was decided
 * here (0 while racing, the verdict once lost), 0 to let the kernel answer. */
int tryall_so_error(int fd, int *value);
void tryall_touch(int fd);

/* glibc's fortified entry points we interpose (not declared by its headers). */
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask,
                size_t fdslen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *sa,
                       socklen_t *len);

/* The waits, slow path (some descriptor races). timeout NULL = forever.
 * WAIT_LIBC: nothing of ours is involved, or the arguments are the kernel's
 * to reject: the hook calls libc as the app did. */
#define WAIT_LIBC (-2)
/* Does the app's pollfd array hold a racing descriptor? (0 as well when it
 * is unreadable: libc then answers EFAULT.) */
int wait_poll_racing(struct pollfd *fds, nfds_t nfds);
int wait_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask);
int wait_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
                const sigset_t *mask, struct timespec *left);
int wait_epoll(int epfd, struct epoll_event *events, int maxevents, const struct timespec *timeout,
               const sigset_t *mask);

#endif

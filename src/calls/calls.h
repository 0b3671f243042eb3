/* calls.h - owns the entry points from the hooks (hooks/) into libtryall's
 * slow paths: connect, the waits, epoll_ctl, descriptor copies and closes,
 * the TIP 427 answers, the resolver's results. Every function here may be
 * called with nothing of ours involved and then answers as libc would.
 * The lock-free hints the hooks' fast paths test (fdt_active, fdt_peek,
 * fdt_peek_epoll) come with it, from race/fdtable.h.
 * Must never declare anything the race floor or below needs. */
#ifndef TRYALL_CALLS_H
#define TRYALL_CALLS_H

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include "race/fdtable.h"

/* Is libtryall switched off (TRYALL_DISABLE=1)? */
int tryall_disabled(void);

/* ---- connect (calls/connect.c) -------------------------------------------- */

/* connect() for a socket libtryall may race; libc's answer otherwise. */
int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* ---- a racing socket's answers, TIP 427 (calls/gate.c) -------------------- */

/* Before I/O on fd: 0 = go to libc; 1 = answer -1 with *err (a racing
 * non-blocking socket: EAGAIN; a lost race: its error, once). A blocking
 * socket's race is finished first, bounded by the socket's timeout for that
 * direction (timeo_opt: SO_RCVTIMEO or SO_SNDTIMEO; EAGAIN when it passes). */
int tryall_io_gate(int fd, int timeo_opt, int *err);

/* Is the app's msghdr readable? (Arguments the kernel rejects before it
 * looks at the socket go straight to libc, racing or not: the app gets the
 * kernel's own EINVAL or EFAULT.) */
int tryall_msg_readable(const struct msghdr *msg);

/* getsockopt(SO_ERROR) on a descriptor that may race: 0 while racing, the
 * verdict once lost, the kernel's answer otherwise. */
int tryall_so_error_opt(int fd, void *val, socklen_t *len);

/* getpeername on a descriptor that may race: a winner found now answers, a
 * racing socket says ENOTCONN (the kernel's answer for a connecting one). */
void tryall_touch(int fd);

/* getpeername (peer 1) or getsockname (0) of a descriptor a NAT64 attempt
 * won for the app: the kernel's checks and errors, then the IPv4 view
 * (race/xlat.h) in the family the app made the socket with. */
int tryall_xlat_name(int fd, int peer, struct sockaddr *sa, socklen_t *len);

/* The app set an option on fd, which may race: carry it to every attempt. */
void tryall_mirror_option(int fd, int level, int name, const void *val, socklen_t len);

/* ---- descriptors (calls/fdops.c) ------------------------------------------ */

/* The app is closing fd, or replacing it (dup2/dup3 onto it): forget its
 * state. fdops_replacing: only when oldfd is open (else dup2 fails first). */
void fdops_closing(int fd);
void fdops_replacing(int oldfd, int newfd);
/* newfd is now a copy of oldfd: if oldfd races, so does the copy. */
void fdops_copied(int oldfd, int newfd);
/* first..last are being closed (close_range, closefrom). */
void fdops_closing_range(unsigned first, unsigned last);
/* The app made socket fd (of domain) / set option (level, name) on fd:
 * remembered lock-free, errno kept, so a race reads only what was set. */
void fdops_born(int fd, int domain);
void fdops_option_set(int fd, int level, int name);
/* The app's socket() or accept() failed with errno: when that was for want
 * of a descriptor (EMFILE, ENFILE) and a hidden attempt holds one, give that
 * up and answer 1 (the hook tries again); else 0, errno kept. */
int fdops_reclaim(void);

/* ---- resolver results (calls/resolve.c) ------------------------------------ */

/* getaddrinfo of a node: libc's answer; a name's is remembered (and for
 * AF_UNSPEC, not waited for past the resolution delay when a family is
 * late: calls/lookup.c). */
int tryall_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);

/* A successful hostent answer for name (one family): remember it, complete
 * the other family (errno kept). */
void resolve_note_hostent(const char *name, const struct hostent *he);

/* ---- waits (calls/wait.c, select.c, waitepoll.c) ---------------------------
 * Slow paths, taken when some descriptor races. WAIT_LIBC: nothing of ours
 * is involved, or the arguments are the kernel's to reject: the hook calls
 * libc as the app did. */
#define WAIT_LIBC (-2)

/* Does the app's pollfd array hold a racing descriptor? (0 as well when it
 * is unreadable: libc then answers EFAULT.) */
int wait_poll_racing(struct pollfd *fds, nfds_t nfds);
int wait_poll_ms(struct pollfd *fds, nfds_t nfds, int timeout);
int wait_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask);

/* Do select's sets hold a racing descriptor? */
int wait_select_racing(int nfds, fd_set *rd, fd_set *wr, fd_set *ex);
int wait_select_tv(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv);
int wait_pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
                 const sigset_t *mask);

/* epoll_wait/epoll_pwait (ms timeout) and epoll_pwait2 (timespec). */
int wait_epoll_ms(int epfd, struct epoll_event *ev, int maxevents, int timeout,
                  const sigset_t *mask);
int wait_epoll_ts(int epfd, struct epoll_event *ev, int maxevents, const struct timespec *tmo,
                  const sigset_t *mask);

/* ---- epoll_ctl (calls/epollctl.c) ------------------------------------------ */

/* epoll_ctl as the app asked, its registrations recorded; -1 with errno. */
int tryall_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

#endif

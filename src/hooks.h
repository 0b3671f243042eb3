/* hooks.h - owns what the hook files share: the export marker and the entry
 * points from the thin hooks into libtryall's logic.
 * Must never declare anything the pure core (addr, book, plan, config, log) needs. */
#ifndef TRYALL_HOOKS_H
#define TRYALL_HOOKS_H

#include <sys/socket.h>

#define TRYALL_EXPORT __attribute__((visibility("default")))

/* connect() for a socket libtryall may race; falls back to libc otherwise. */
int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* Is libtryall switched off (TRYALL_DISABLE=1)? */
int tryall_disabled(void);

#endif

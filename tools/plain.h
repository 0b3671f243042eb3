/* plain.h - owns the libc calls tryall-tool's probes and lookup make:
 * libc's own definitions, taken from libc.so.6 itself, so that nothing
 * preloaded (LD_PRELOAD, /etc/ld.so.preload, libtryall above all) sits
 * between the tool and the kernel: a probe is one plain connect.
 * Must never call a function by a name something preloaded may define. */
#ifndef TRYALL_TOOL_PLAIN_H
#define TRYALL_TOOL_PLAIN_H

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

struct plain {
    int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    void (*freeaddrinfo)(struct addrinfo *);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*poll)(struct pollfd *, nfds_t, int);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*close)(int);
};

/* The table (bound on the first call; NULL when libc.so.6 is not loaded or
 * lacks one of them, which a glibc program never sees). */
const struct plain *plain(void);

/* 1 when the process's own connect is not libc's (something preloaded
 * interposes it): the tool says so, and goes round it. */
int plain_interposed(void);

#endif

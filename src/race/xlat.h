/* xlat.h - owns the IPv4 view of a descriptor whose race a NAT64 attempt
 * won: the app made an AF_INET socket (or asked an AF_INET6 one for a
 * v4-mapped address), the kernel's socket is now IPv6 to the synthesized
 * address, and getpeername/getsockname answer as a CLAT would (the IPv4
 * peer and port; 192.0.0.2, RFC 7335, with the real local port). Kept per
 * descriptor in the fdtable, with the socket's identity, under its lock.
 * Must never answer for a descriptor that no longer holds that socket. */
#ifndef TRYALL_XLAT_H
#define TRYALL_XLAT_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct xlat {
    uint8_t v4[4];      /* the IPv4 peer the app sees */
    uint16_t port;      /* its port, host order */
    int family;         /* the family the app made the socket with */
    dev_t dev;          /* identity of the socket the view belongs to */
    ino_t ino;
};

/* The IPv4 address a NAT64 host presents as its own (RFC 7335). */
#define XLAT_LOCAL_V4 { 192, 0, 0, 2 }

/* Under the fdtable lock. xlat_set: fd now carries the view (its socket's
 * identity taken now); -1 without memory. xlat_get: the view, 0; -1 when
 * there is none or fd's socket changed (the view is then dropped). */
int xlat_set(int fd, const struct xlat *x);
int xlat_get(int fd, struct xlat *out);
void xlat_forget(int fd);
/* dup of a translated descriptor: the copy gets the view too. */
void xlat_copy(int from, int to);

/* The app's address for the view: peer (1) or local (0, with the kernel's
 * local port). Returns the length of what *out holds. */
socklen_t xlat_sockaddr(const struct xlat *x, int peer, uint16_t local_port,
                        struct sockaddr_storage *out);

#endif

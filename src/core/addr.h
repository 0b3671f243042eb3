/* addr.h - owns the one compact form of an IP address (no port) used by the
 * address book and the planner, and conversions from/to sockaddr.
 * Must never allocate, lock or make a system call: the pure core relies on it. */
#ifndef TRYALL_ADDR_H
#define TRYALL_ADDR_H

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* Where an address came from (for the log; never part of its identity). */
enum addr_origin {
    ADDR_FROM_APP = 0,       /* the resolver's answer to the app */
    ADDR_FROM_COMPLETION,    /* our lookup of the family a one-family answer lacked */
    ADDR_FROM_LATE,          /* an answer that came after the app was answered */
    ADDR_FROM_NAT64,         /* the IPv6 form of an IPv4 address, under the NAT64 prefix */
};

struct tryall_addr {
    sa_family_t family;      /* AF_INET or AF_INET6 */
    uint8_t bytes[16];       /* AF_INET uses the first 4 */
    uint8_t origin;          /* enum addr_origin; addr_equal ignores it */
};

/* "app", "completion", "late answer" or "NAT64". */
const char *addr_origin_name(int origin);

/* Fill *out from a sockaddr; a v4-mapped IPv6 address becomes AF_INET.
 * Returns 0, or -1 when sa is not a usable AF_INET/AF_INET6 address. */
int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct tryall_addr *out);

/* Port (host order) of an AF_INET/AF_INET6 sockaddr, 0 otherwise. */
uint16_t addr_port(const struct sockaddr *sa);

/* Build a sockaddr for a, port (host order), for a socket of family
 * sock_family (AF_INET6 sockets get v4-mapped addresses for AF_INET).
 * Returns its length, 0 when it cannot be expressed. */
socklen_t addr_to_sockaddr(const struct tryall_addr *a, uint16_t port, int sock_family,
                           struct sockaddr_storage *out);

int addr_equal(const struct tryall_addr *a, const struct tryall_addr *b);

/* A getaddrinfo answer as the book is given it: its distinct usable
 * addresses in its order (one entry per socktype counts once), each family
 * read up to ADDR_ANSWER_PER_FAMILY (the book's BOOK_MAX_ADDRS), so that a
 * long answer of one family does not cut off the other. out holds
 * ADDR_ANSWER_MAX; returns the count. */
#define ADDR_ANSWER_PER_FAMILY 32
#define ADDR_ANSWER_MAX (2 * ADDR_ANSWER_PER_FAMILY)
struct addrinfo;
unsigned addr_from_answer(const struct addrinfo *res, struct tryall_addr *out);

/* Printable form ("192.0.2.1", "2001:db8::1"); buf of at least 46 bytes. */
const char *addr_str(const struct tryall_addr *a, char *buf, size_t len);

#endif

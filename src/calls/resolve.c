/* resolve.c - owns handing the resolver's answers to the address book: the
 * addresses of a getaddrinfo list or a hostent, in the resolver's order.
 * Must never change, reorder or free what libc returned, nor errno. */
#include "calls/calls.h"
#include "core/book.h"
#include "sys/clock.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

void resolve_note_addrinfo(const char *node, const struct addrinfo *res)
{
    int e = errno;
    struct tryall_addr a[BOOK_MAX_ADDRS];
    unsigned n = 0;
    for (const struct addrinfo *ai = res; ai && n < BOOK_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_socktype != 0 && ai->ai_socktype != SOCK_STREAM)
            continue;
        if (ai->ai_protocol != 0 && ai->ai_protocol != IPPROTO_TCP)
            continue;
        if (ai->ai_addr && addr_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a[n]) == 0)
            n++;
    }
    book_remember(node, a, n, tryall_now_ms());
    errno = e;
}

void resolve_note_hostent(const char *name, const struct hostent *he)
{
    if (!he || !he->h_addr_list || (he->h_addrtype != AF_INET && he->h_addrtype != AF_INET6))
        return;
    size_t want = he->h_addrtype == AF_INET ? 4 : 16;
    if ((size_t)he->h_length != want)
        return;
    int e = errno;
    struct tryall_addr a[BOOK_MAX_ADDRS];
    unsigned n = 0;
    for (char **p = he->h_addr_list; *p && n < BOOK_MAX_ADDRS; p++) {
        memset(&a[n], 0, sizeof a[n]);
        a[n].family = (sa_family_t)he->h_addrtype;
        memcpy(a[n].bytes, *p, want);
        n++;
    }
    book_remember(name, a, n, tryall_now_ms());
    errno = e;
}

/* hooks_resolve.c - owns the resolver hooks: getaddrinfo, gethostbyname,
 * gethostbyname2 and their _r forms. Each calls libc, hands a successful
 * result to the address book, and returns libc's result untouched.
 * Must never change, reorder or reallocate what libc returned, nor its return
 * value, errno or h_errno. */
#include "book.h"
#include "clock.h"
#include "hooks.h"
#include "real.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/* Two or more addresses? (A single one is never remembered: say so cheaply.) */
static int several(const struct hostent *he)
{
    return he && he->h_addr_list && he->h_addr_list[0] && he->h_addr_list[1];
}

static void remember_addrinfo(const char *node, const struct addrinfo *res)
{
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
}

static void remember_hostent(const char *name, const struct hostent *he)
{
    if (!he || !he->h_addr_list || (he->h_addrtype != AF_INET && he->h_addrtype != AF_INET6))
        return;
    size_t want = he->h_addrtype == AF_INET ? 4 : 16;
    if ((size_t)he->h_length != want)
        return;
    struct tryall_addr a[BOOK_MAX_ADDRS];
    unsigned n = 0;
    for (char **p = he->h_addr_list; *p && n < BOOK_MAX_ADDRS; p++) {
        memset(&a[n], 0, sizeof a[n]);
        a[n].family = (sa_family_t)he->h_addrtype;
        memcpy(a[n].bytes, *p, want);
        n++;
    }
    book_remember(name, a, n, tryall_now_ms());
}

TRYALL_EXPORT int getaddrinfo(const char *node, const char *service,
                              const struct addrinfo *hints, struct addrinfo **res)
{
    int rc = real()->getaddrinfo(node, service, hints, res);
    if (rc == 0 && node && res && *res && (*res)->ai_next && !tryall_disabled()) {
        int e = errno;
        remember_addrinfo(node, *res);
        errno = e;
    }
    return rc;
}

TRYALL_EXPORT struct hostent *gethostbyname(const char *name)
{
    struct hostent *he = real()->gethostbyname(name);
    if (several(he) && !tryall_disabled()) {
        int e = errno;
        remember_hostent(name, he);
        errno = e;
    }
    return he;
}

TRYALL_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
    struct hostent *he = real()->gethostbyname2(name, af);
    if (several(he) && !tryall_disabled()) {
        int e = errno;
        remember_hostent(name, he);
        errno = e;
    }
    return he;
}

TRYALL_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                                  struct hostent **result, int *h_errnop)
{
    int rc = real()->gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
    if (rc == 0 && result && several(*result) && !tryall_disabled()) {
        int e = errno;
        remember_hostent(name, *result);
        errno = e;
    }
    return rc;
}

TRYALL_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                                   size_t buflen, struct hostent **result, int *h_errnop)
{
    int rc = real()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
    if (rc == 0 && result && several(*result) && !tryall_disabled()) {
        int e = errno;
        remember_hostent(name, *result);
        errno = e;
    }
    return rc;
}

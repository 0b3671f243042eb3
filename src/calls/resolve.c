/* resolve.c - owns what libtryall does with the resolver: every answer the
 * app gets goes to the address book unchanged, whatever the hints asked
 * (any socktype or protocol: the book keeps addresses, duplicates
 * collapse); a one-family answer (AF_INET or AF_INET6 hints,
 * gethostbyname, gethostbyname2) is kept even with one address and
 * completed with the other family in the background (calls/lookup.c); an
 * AF_UNSPEC getaddrinfo does not wait for a late family past the
 * resolution delay.
 * Must never change, reorder or free what libc returned to the app, nor the
 * return value, errno or h_errno the app sees from libc. */
#include "calls/calls.h"
#include "calls/lookup.h"
#include "core/book.h"
#include "core/config.h"
#include "sys/clock.h"
#include "sys/histfile.h"
#include "sys/real.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static int other_family(int family)
{
    return family == AF_INET ? AF_INET6 : AF_INET;
}

/* Remember a complete answer here and for the user's other processes. */
static void share(const char *name, const struct tryall_addr *a, unsigned n, uint64_t now)
{
    struct tryall_list l;
    if (book_remember(name, a, n, now) && book_list(name, a, n, &l) >= 2)
        histfile_book_put(&l);
}

/* Remember an answer that holds only `family` (0: both were asked for):
 * a one-family one is kept as pending and its other family looked up. */
static void note(const char *name, const struct tryall_addr *a, unsigned n, int family)
{
    uint64_t now = tryall_now_ms();
    if (!family || !tryall_config()->complete)
        share(name, a, n, now);
    else if (book_remember_partial(name, a, n, now))
        lookup_complete(name, other_family(family));
}

void resolve_note_answer(const char *node, const struct addrinfo *res, int early)
{
    int e = errno;
    struct tryall_addr a[ADDR_ANSWER_MAX];
    unsigned n = addr_from_answer(res, a);
    uint64_t now = tryall_now_ms();
    if (early)
        book_remember_partial(node, a, n, now);   /* the late answers are under way */
    else
        share(node, a, n, now);
    errno = e;
}

/* A literal address is answered by libc's numeric parse alone (nothing to
 * remember: a literal has no other address). Asking with AI_NUMERICHOST
 * added is that parse, and costs a name only a failed parse; its answer is
 * libc's own but for that flag echoed in ai_flags, taken out again.
 * Returns 1 with *rc when that was the answer, 0 for a name. */
static int literal(const char *node, const char *service, const struct addrinfo *hints,
                   struct addrinfo **res, int *rc)
{
    struct addrinfo h;
    if (hints) {
        h = *hints;
    } else {
        memset(&h, 0, sizeof h);
        h.ai_flags = AI_V4MAPPED | AI_ADDRCONFIG;   /* glibc's defaults for no hints */
    }
    int asked = h.ai_flags & AI_NUMERICHOST;
    h.ai_flags |= AI_NUMERICHOST;
    *rc = real()->getaddrinfo(node, service, &h, res);
    if (*rc == EAI_NONAME && !asked)
        return 0;
    if (*rc == 0 && !asked)
        for (struct addrinfo *ai = *res; ai; ai = ai->ai_next)
            ai->ai_flags &= ~AI_NUMERICHOST;
    return 1;
}

/* An AF_UNSPEC answer of two addresses or more: complete, remembered as it is. */
__attribute__((noinline)) static void remember(const char *node, const struct addrinfo *res)
{
    if (tryall_disabled())
        return;
    int e = errno;
    struct tryall_addr a[ADDR_ANSWER_MAX];
    share(node, a, addr_from_answer(res, a), tryall_now_ms());
    errno = e;
}

/* A name (or a literal that does not begin like one): see literal(). */
__attribute__((noinline)) static int by_name(const char *node, const char *service,
                                            const struct addrinfo *hints, struct addrinfo **res)
{
    int family = hints ? hints->ai_family : AF_UNSPEC;
    int rc;
    if (literal(node, service, hints, res, &rc))
        return rc;
    if (tryall_disabled())
        return real()->getaddrinfo(node, service, hints, res);
    if (family == AF_UNSPEC && tryall_config()->resolve_delay_ms > 0 &&
        lookup_unspec(node, service, hints, res, &rc) == 0)
        return rc;
    rc = real()->getaddrinfo(node, service, hints, res);
    if (rc == 0 && res && *res) {
        int e = errno;
        struct tryall_addr a[ADDR_ANSWER_MAX];
        unsigned n = addr_from_answer(*res, a);
        note(node, a, n, family == AF_INET || family == AF_INET6 ? family : 0);
        errno = e;
    }
    return rc;
}

int tryall_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res)
{
    /* AF_UNSPEC for what begins like a literal (a digit, or ':'): libc, as it
     * is, on the shortest path (names that begin with a digit lose only the
     * resolution delay). */
    int family = hints ? hints->ai_family : AF_UNSPEC;
    if (family != AF_UNSPEC || !((node[0] >= '0' && node[0] <= '9') || node[0] == ':'))
        return by_name(node, service, hints, res);
    int rc = real()->getaddrinfo(node, service, hints, res);
    if (rc == 0 && res && *res && (*res)->ai_next)
        remember(node, *res);
    return rc;
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
    note(name, a, n, he->h_addrtype);
    errno = e;
}

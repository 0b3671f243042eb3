/* addrkit.h - the addresses, lists and list checks the unit tests share
 * (the core's, the race floor's through tests/fake/, tryall-tool's):
 * doc4/doc6 (192.0.2.d, 2001:db8::d: RFC 5737 and 3849 documentation
 * addresses), net4/net6 (10.0.b.d, 2001:db8::b:d: two numbers, for tests
 * that need many names' addresses), a list of addresses under a name, the
 * book's list of an address that must be there, and "this order exactly".
 * Header-only (static inline; brings <cmocka.h> for its checks). Never a decision
 * of libtryall's: only data and checks. */
#ifndef TRYALL_ADDRKIT_H
#define TRYALL_ADDRKIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/addr.h"
#include "core/book.h"

static inline struct tryall_addr doc4(uint8_t d)
{
    struct tryall_addr a = { .family = AF_INET, .bytes = { 192, 0, 2, d } };
    return a;
}

static inline struct tryall_addr doc6(uint8_t d)
{
    struct tryall_addr a = { .family = AF_INET6, .bytes = { 0x20, 0x01, 0x0d, 0xb8 } };
    a.bytes[15] = d;
    return a;
}

static inline struct tryall_addr net4(uint8_t b, uint8_t d)
{
    struct tryall_addr a = { .family = AF_INET, .bytes = { 10, 0, b, d } };
    return a;
}

static inline struct tryall_addr net6(uint8_t b, uint8_t d)
{
    struct tryall_addr a = doc6(d);
    a.bytes[13] = b;
    return a;
}

/* The n addresses of a, as the list of `name`. */
static inline struct tryall_list addrkit_list(const char *name, const struct tryall_addr *a,
                                              unsigned n)
{
    struct tryall_list l;
    memset(&l, 0, sizeof l);
    strncpy(l.name, name, sizeof l.name - 1);
    l.n = n;
    memcpy(l.a, a, n * sizeof *a);
    return l;
}

/* The book's list that holds a (failing the test when there is none). */
static inline struct tryall_list book_find(const struct tryall_addr *a, uint64_t now_ms)
{
    struct tryall_list l;
    memset(&l, 0, sizeof l);
    if (!book_lookup(a, now_ms, &l))
        fail_msg("address not in the book");
    return l;
}

/* Does l hold a? */
static inline int list_holds(const struct tryall_list *l, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < l->n; i++)
        if (addr_equal(&l->a[i], a))
            return 1;
    return 0;
}

/* got is want, the same addresses in the same order. */
static inline void assert_addrs(const struct tryall_addr *got, unsigned ngot,
                                const struct tryall_addr *want, unsigned nwant)
{
    char g[64], w[64];
    if (ngot != nwant)
        fail_msg("%u addresses, want %u", ngot, nwant);
    for (unsigned i = 0; i < nwant; i++)
        if (!addr_equal(&got[i], &want[i]))
            fail_msg("order[%u] is %s, want %s", i, addr_str(&got[i], g, sizeof g),
                     addr_str(&want[i], w, sizeof w));
}

#endif

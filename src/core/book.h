/* book.h - the address book: every multi-address list the resolver handed out,
 * remembered unchanged, looked up by one of its addresses.
 * Bounded (BOOK_CAPACITY lists of at most BOOK_MAX_ADDRS addresses), entries
 * expire after BOOK_TTL_MS, thread-safe. Time is passed in, so tests need no clock.
 * Must never allocate, call the resolver or touch a socket. */
#ifndef TRYALL_BOOK_H
#define TRYALL_BOOK_H

#include <stdint.h>
#include "core/addr.h"

#define BOOK_CAPACITY   128
#define BOOK_MAX_ADDRS  32
#define BOOK_NAME_MAX   256
#define BOOK_TTL_MS     (10u * 60u * 1000u)

struct tryall_list {
    char name[BOOK_NAME_MAX];               /* for logs; truncated, NUL-terminated */
    unsigned n;                             /* distinct addresses, resolver order */
    struct tryall_addr a[BOOK_MAX_ADDRS];
};

/* Remember a resolution. Duplicates are dropped (first occurrence kept),
 * addresses past BOOK_MAX_ADDRS ignored; fewer than two distinct addresses:
 * nothing is remembered. The oldest entry makes room when full.
 * Returns 1 when remembered, 0 otherwise. */
int book_remember(const char *name, const struct tryall_addr *addrs, unsigned n, uint64_t now_ms);

/* Copy the newest unexpired list holding *target into *out.
 * Returns 1 when found, 0 otherwise. */
int book_lookup(const struct tryall_addr *target, uint64_t now_ms, struct tryall_list *out);

/* Cheap, lock-free: 0 when the book holds nothing at all (then connect()
 * need not even look at the address). */
int book_nonempty(void);

/* Cheap, lock-free pre-check: 0 means target is certainly not in the book. */
int book_maybe_has(const struct tryall_addr *target);

/* Number of unexpired lists (for tests and benchmarks). */
unsigned book_count(uint64_t now_ms);

/* fork() support (lock.h, tlock_fork): the book stays valid in the child. */
void book_fork(int phase);

/* Forget everything (tests; after fork in the child is not needed: the book stays valid). */
void book_clear(void);

#endif

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
/* A lookup for more addresses is waited for at most this long. */
#define BOOK_PENDING_MS (15u * 1000u)
/* An answer is read for as many of each family as a list can hold. */
_Static_assert(ADDR_ANSWER_PER_FAMILY == BOOK_MAX_ADDRS, "addr_from_answer reads a list's worth");

struct tryall_list {
    char name[BOOK_NAME_MAX];               /* for logs; truncated, NUL-terminated */
    unsigned n;                             /* distinct addresses, resolver order */
    struct tryall_addr a[BOOK_MAX_ADDRS];
    int pending;                            /* a lookup for more addresses is in flight */
    uint64_t pending_until_ms;              /* ... and is waited for until then */
};

/* Remember a resolution. Duplicates are dropped (first occurrence kept);
 * at most BOOK_MAX_ADDRS are kept, in resolver order, but each family keeps
 * at least min(its count, BOOK_MAX_ADDRS / 2) (the last of a crowded family
 * make room, here and in book_merge); fewer than two distinct addresses:
 * nothing is remembered. The oldest entry makes room when full.
 * Returns 1 when remembered, 0 otherwise. */
int book_remember(const char *name, const struct tryall_addr *addrs, unsigned n, uint64_t now_ms);

/* The list book_remember would keep for these (duplicates dropped, at most
 * BOOK_MAX_ADDRS); returns its length. */
unsigned book_list(const char *name, const struct tryall_addr *addrs, unsigned n,
                   struct tryall_list *out);

/* Remember a one-family answer (or an answer given before the other family
 * came): kept even with a single address, marked pending until
 * book_merge(..., final = 1) or BOOK_PENDING_MS. Returns 1 when the caller
 * should look the rest up; 0 when there is nothing to remember, or when a
 * list of that name already holds these addresses and is pending (a lookup
 * is under way) or was completed (it is reused, as the book reuses lists). */
int book_remember_partial(const char *name, const struct tryall_addr *addrs, unsigned n,
                          uint64_t now_ms);

/* More addresses for name arrived (origin: enum addr_origin): appended to
 * the newest list of that name and to every list of it still pending,
 * duplicates dropped, a full list making room for a family it holds fewer
 * than BOOK_MAX_ADDRS / 2 of. final: no more will
 * come (the pending marks go, even with n == 0). With no list of that name
 * (evicted), the addresses are remembered as a list of their own. */
void book_merge(const char *name, const struct tryall_addr *addrs, unsigned n, int origin,
                int final, uint64_t now_ms);

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

/* fork() support (lock.h, tlock_fork): the book stays valid in the child,
 * where no lookup is in flight any more: no list is pending there, and a
 * one-family answer for a list that was looks the other family up again. */
void book_fork(int phase);

/* Forget everything (tests; after fork in the child is not needed: the book stays valid). */
void book_clear(void);

#endif

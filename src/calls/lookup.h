/* lookup.h - owns the lookups libtryall makes itself, off the app's
 * threads (sys/worker.c): completion of one-family answers, and the app's
 * AF_UNSPEC getaddrinfo raced against per-family lookups so that a late
 * family is not waited for (RFC 8305 section 3). Internal to calls/.
 * Must never be included from another floor. */
#ifndef TRYALL_LOOKUP_H
#define TRYALL_LOOKUP_H

#include <netdb.h>
#include <stdint.h>

/* Learn name's addresses of `family` in the background; they join the
 * book (and so any race for the name) when they come. */
void lookup_complete(const char *name, int family);

/* getaddrinfo for an AF_UNSPEC query, answered as soon as one family's
 * answers are in and the other's are later than the resolution delay.
 * 0 with *rc set (and the answer noted in the book), or -1 when it could
 * not be done so (no thread free): the caller asks libc itself. */
int lookup_unspec(const char *node, const char *service, const struct addrinfo *hints,
                  struct addrinfo **res, int *rc);

/* When lookup_unspec stops waiting for AF_UNSPEC's answer and gives the
 * families' (ms; 0: not yet known, wait for news): the resolution delay
 * after the families' first answer (after both, when both are in), less
 * lag_ms, how long after AF_UNSPEC the families were asked (their answers
 * are taken to be that late against the app's own query's), never before
 * the answer itself. Pure: the unit tests drive it with numbers. */
uint64_t lookup_give_up_at(uint64_t first_ok_ms, uint64_t families_done_ms, uint64_t lag_ms,
                           unsigned delay);

/* An answer lookup_unspec gives the app, into the book: complete, or
 * early (the late answers are still coming). */
void resolve_note_answer(const char *node, const struct addrinfo *res, int early);

#endif

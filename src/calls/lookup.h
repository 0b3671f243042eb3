/* lookup.h - owns the lookups libtryall makes itself, off the app's
 * threads (sys/worker.c): completion of one-family answers, and the app's
 * AF_UNSPEC getaddrinfo raced against per-family lookups so that a late
 * family is not waited for (RFC 8305 section 3). Internal to calls/.
 * Must never be included from another floor. */
#ifndef TRYALL_LOOKUP_H
#define TRYALL_LOOKUP_H

#include <netdb.h>

/* Learn name's addresses of `family` in the background; they join the
 * book (and so any race for the name) when they come. */
void lookup_complete(const char *name, int family);

/* getaddrinfo for an AF_UNSPEC query, answered as soon as one family's
 * answers are in and the other's are later than the resolution delay.
 * 0 with *rc set (and the answer noted in the book), or -1 when it could
 * not be done so (no thread free): the caller asks libc itself. */
int lookup_unspec(const char *node, const char *service, const struct addrinfo *hints,
                  struct addrinfo **res, int *rc);

/* An answer lookup_unspec gives the app, into the book: complete, or
 * early (the late answers are still coming). */
void resolve_note_answer(const char *node, const struct addrinfo *res, int early);

#endif

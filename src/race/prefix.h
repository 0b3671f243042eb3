/* prefix.h - owns this host's NAT64 prefix, as the races use it: found by
 * RFC 7050 (the AAAA answers of ipv4only.arpa through the system
 * resolver, so /etc/hosts, nsswitch and DNS64 all count) in the
 * background, one lookup at most in flight, kept 10 minutes (a negative
 * answer 1 minute), forgotten when a synthesized race fails.
 * Must never block the caller, never be called with its own lock held. */
#ifndef TRYALL_PREFIX_H
#define TRYALL_PREFIX_H

#include <stdint.h>
#include "core/nat64.h"

enum prefix_state {
    PREFIX_LOOKING,   /* being looked up: ask again later */
    PREFIX_KNOWN,     /* *p is the prefix */
    PREFIX_NONE,      /* no NAT64 here (or no lookup could be made) */
};

/* The prefix, starting a lookup when none is known. */
enum prefix_state prefix_get(struct nat64_prefix *p, uint64_t now_ms);

/* Is a prefix known (without starting a lookup)? For the cheap decision
 * of whether a failed IPv4 connect may be worth a race at all. */
enum prefix_state prefix_peek(uint64_t now_ms);

/* A race through the prefix failed: look it up again next time. */
void prefix_forget(void);

/* fork() support (core/lock.h phases): no lookup is in flight in a child. */
void prefix_fork(int phase);

#endif

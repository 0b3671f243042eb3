/* attempt.h - owns the race floor's view of one attempt socket: its
 * identity checks, starting a hidden attempt, closing one, the log line
 * about one. Internal to race/ (step.c, handover.c, life.c, alias.c).
 * Must never be included from above the race floor. */
#ifndef TRYALL_ATTEMPT_H
#define TRYALL_ATTEMPT_H

#include <sys/types.h>
#include "race/race.h"

/* Device and inode of fd's file; -1 when fd is not open. */
int attempt_identity(int fd, dev_t *dev, ino_t *ino);

/* Is r->fd still the app's socket the race began on (not closed, not reused)? */
int attempt_app_current(const struct race *r);

/* Is afd[i] (i > 0) still our hidden socket (not closed and reused behind
 * our back)? */
int attempt_ours(const struct race *r, unsigned i);

/* The family of attempt i's socket (the app's, or the address's for an
 * IPv4 address on an IPV6_V6ONLY or AF_INET socket). */
int attempt_family_for(const struct race *r, unsigned i);

/* Start attempt i on the hidden socket s (from race/room.c, of family
 * r->afam[i]). 0 running, 1 connected, or -errno (s is closed then). */
int attempt_start(struct race *r, unsigned i, int s);

/* Close hidden attempt i if it is still ours, and forget its number. */
void attempt_close(struct race *r, unsigned i);

/* Does the app's socket linger, as its options snapshot says? (0 before
 * the snapshot: no hidden attempt carries its options yet.) */
int attempt_lingers(const struct race *r);

/* Close one of our own sockets without ever waiting (no lingering). */
void attempt_close_now(int s);

/* One log line about attempt i (err 0: an event without error). */
void attempt_log(const struct race *r, int level, unsigned i, const char *what, int err,
                 uint64_t now_ms);

#endif

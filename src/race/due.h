/* due.h - owns when a running race next needs a look without an event of
 * its own: its next planned start, or its next look for news (addresses on
 * their way, a descriptor to free up). A min-heap of races by that moment,
 * so the epoll slow path takes the races that are due instead of walking
 * every race of the process on every wait. Everything here runs under the
 * fdtable lock (race/fdtable.h).
 * Must never hold a race that left the table; never make a system call
 * except to grow its own array. */
#ifndef TRYALL_DUE_H
#define TRYALL_DUE_H

#include <stdint.h>

struct race;

/* r needs a look at at_ms (a moment in tryall_now_ms() time): entered, or
 * moved. When the array cannot grow, r is left where it was (its earlier
 * moment, or none): the caller still folds the moment into its own wait. */
void due_set(struct race *r, uint64_t at_ms);

/* After race_advance(r) said wait (ms, -1: until an attempt finishes):
 * a running race in the table is due then, any other race never. */
void due_after_advance(struct race *r, uint64_t now_ms, int64_t wait);

/* r needs no look (decided, waiting for an attempt, or leaving the table). */
void due_drop(struct race *r);

/* The earliest moment, or UINT64_MAX when no race is due ever. */
uint64_t due_next(void);

/* Take out and return one race due at now_ms or before; NULL when none. */
struct race *due_pop(uint64_t now_ms);

/* How many races are waiting for a moment (for tests and the benchmark). */
unsigned due_count(void);

/* Forget everything (a forked child, which drops every race). */
void due_reset(void);

#endif

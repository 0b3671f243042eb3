/* room.h - owns the descriptors of the hidden attempts: each one made only
 * within the budget (core/budget.h: a few per race, a margin of descriptor
 * numbers always left to the app), parked high, counted until it is gone.
 * Internal to race/. Runs under the fdtable lock.
 * Must never be included from above the race floor; never take a number
 * in the margin; never leave a start waiting with nothing that can free a
 * descriptor for it. */
#ifndef TRYALL_ROOM_H
#define TRYALL_ROOM_H

#include <limits.h>
#include <stdint.h>
#include "race/race.h"

#define ROOM_LATER INT_MIN

/* A socket for attempt i of r (non-blocking, close-on-exec, parked high, of
 * the family recorded in r->afam[i]): the descriptor; or ROOM_LATER when no
 * descriptor can be had now (*wait_ms: when to look again; the plan is
 * untouched); or -errno: attempt i fails so (EMFILE when no descriptor will
 * come). To make room it may give up the race's oldest hidden attempt
 * (counted as timed out, logged). */
int room_socket(struct race *r, unsigned i, uint64_t now_ms, int64_t *wait_ms);

/* Close one of our hidden sockets (never lingering) / note that one is gone
 * (closed by someone else, or moved onto the app's number). */
void room_close(int s);
void room_gone(void);

/* The app's own socket() or accept() found no descriptor: give up one
 * hidden attempt of the process (the newest race's oldest) so its retry
 * gets one, and hold further starts at the wall. 1 when one was given up. */
int room_reclaim(uint64_t now_ms);

/* Hidden attempt sockets open in the process now (tests, benchmark). */
unsigned room_open(void);

#endif

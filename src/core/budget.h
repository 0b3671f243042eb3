/* budget.h - owns the limits on hidden attempt sockets, as decisions: at
 * most BUDGET_PER_RACE of them open at once in one race (the oldest is given
 * up when a newer one must start, as curl and Happy Eyeballs v3 do), and a
 * process-wide budget that never takes the top BUDGET margin of descriptor
 * numbers below the soft RLIMIT_NOFILE, so the app's own socket(), accept()
 * and open() keep that many; at the wall a start closes the race's oldest
 * hidden attempt, waits for a descriptor to free, or gives up - never stalls.
 * Pure: the caller reads the limit and the clock, counts, and makes every
 * system call; no locks here (race/room.c holds the fdtable lock).
 * Must never make a system call, read a clock or allocate. */
#ifndef TRYALL_BUDGET_H
#define TRYALL_BUDGET_H

#include <stdint.h>

#define BUDGET_PER_RACE   5     /* hidden attempts open at once in one race (plus the app's own) */
#define BUDGET_MARGIN_DIV 16    /* the margin: 1/16 of the limit ... */
#define BUDGET_MARGIN_MIN 16    /* ... at least this many numbers ... */
#define BUDGET_MARGIN_MAX 1024  /* ... at most this many */
#define BUDGET_PROBE_MS   50    /* at the wall, one start tries anyway this often */
#define BUDGET_RETRY_MS   10    /* a start waiting for a descriptor looks again this often ... */
#define BUDGET_BASE_FLOOR 3072  /* hidden sockets parked from here (3/4 of a smaller limit) */

/* The process-wide state (one, under the fdtable lock). */
struct budget {
    uint64_t limit;         /* soft RLIMIT_NOFILE as last read; 0: not read yet */
    unsigned open;          /* hidden attempt sockets open now */
    int walled;             /* a start found no descriptor ... */
    unsigned wall;          /* ... with this many hidden sockets open */
    uint64_t probe_ms;      /* at the wall: from then on one start may try anyway */
};

/* Descriptor numbers at the top of the limit hidden attempts never take. */
unsigned budget_margin(uint64_t limit);

/* The first descriptor number of the margin (0: the limit is all margin). */
uint64_t budget_top(const struct budget *b);

/* May a hidden attempt keep descriptor number fd, the lowest number the
 * kernel had free? Only below the margin: when the lowest free number is in
 * it, every number under it is taken. */
int budget_fits(const struct budget *b, long fd);

/* Where to park a hidden socket whose number (the lowest free) is lowest:
 * from the base floor (3/4 of the limit, at most BUDGET_BASE_FLOOR) or,
 * when the app's numbers have grown towards it, twice as high as lowest or
 * halfway to the margin, whichever is lower. -1: nowhere (stay put). */
long budget_floor(const struct budget *b, long lowest);

/* At the wall? (a start found no descriptor, and none of ours closed since,
 * and the next probe is not due). */
int budget_at_wall(const struct budget *b, uint64_t now_ms);

/* A start found no descriptor (EMFILE, ENFILE, ENOBUFS, ENOMEM, or the
 * lowest free number in the margin). */
void budget_hit_wall(struct budget *b, uint64_t now_ms);

/* A hidden attempt socket was made / closed (or lost behind our back). */
void budget_opened(struct budget *b);
void budget_closed(struct budget *b);

/* ... or, with none of ours open (only the app can free one), at the probe
 * interval: when a waiting start looks again, in ms. */
unsigned budget_retry_ms(const struct budget *b);

enum budget_step {
    BUDGET_GO,        /* make the socket */
    BUDGET_EVICT,     /* give up the race's oldest hidden attempt first, then ask again */
    BUDGET_WAIT,      /* not now: look again in BUDGET_RETRY_MS */
    BUDGET_GIVE_UP,   /* never: the attempt fails (with EMFILE) */
};

/* One race's next start. hidden: its hidden attempts open; running: its
 * attempts running (the app's own included); no_room: the last try for this
 * start found no descriptor; evicted: this start already gave up an attempt
 * for room; waited_ms: how long this start has waited for a descriptor;
 * delay_ms: the connection-attempt delay. */
enum budget_step budget_next(const struct budget *b, unsigned hidden, unsigned running,
                             int no_room, int evicted, uint64_t waited_ms, unsigned delay_ms,
                             uint64_t now_ms);

#endif

/* plan.h - the race planner: which address to try next, when, and which error
 * the app sees when every attempt failed. Pure functions of (list, clock,
 * outcomes): no sockets, no clock reads, no locks, no allocation.
 * Must never make a system call; race.c does all I/O and asks the plan. */
#ifndef TRYALL_PLAN_H
#define TRYALL_PLAN_H

#include <stdint.h>
#include "core/addr.h"
#include "core/book.h"

#define PLAN_MAX BOOK_MAX_ADDRS

enum plan_att { ATT_IDLE, ATT_RUNNING, ATT_FAILED, ATT_WON };

struct plan {
    unsigned n;                           /* attempts planned */
    struct tryall_addr order[PLAN_MAX];   /* order[0] is the app's own target */
    enum plan_att state[PLAN_MAX];
    int error[PLAN_MAX];                  /* errno of a failed attempt */
    unsigned next;                        /* next attempt to start */
    unsigned running;                     /* attempts in ATT_RUNNING */
    uint64_t last_start_ms;               /* when the newest attempt started */
    int kick;                             /* a failure since: start the next now */
    unsigned delay_ms;                    /* connection-attempt delay */
    int winner;                           /* index, or -1 */
    int pending;                          /* more addresses may still come */
    unsigned poll_ms;                     /* ... and are looked for this often */
};

/* While more addresses may come, no wait is longer than this (unless
 * plan_set_poll says otherwise): the race looks for them at least that
 * often, and gives no verdict before they came. */
#define PLAN_PENDING_POLL_MS 20

/* Order the attempts: the app's target first, then the rest of the list,
 * interleaving families (RFC 8305 section 4). only_family (AF_INET/AF_INET6,
 * or 0 for any) keeps just that family. Returns the count written to out. */
unsigned plan_order(const struct tryall_list *list, const struct tryall_addr *target,
                    int only_family, struct tryall_addr *out, unsigned max);

void plan_init(struct plan *p, const struct tryall_addr *order, unsigned n, unsigned delay_ms);

enum plan_verb {
    PLAN_START,   /* start attempt .index now */
    PLAN_WAIT,    /* nothing to do for .wait_ms (-1: until an attempt finishes) */
    PLAN_WON,     /* attempt .index connected */
    PLAN_FAILED,  /* every attempt failed; the app sees .error */
};

struct plan_step {
    enum plan_verb verb;
    unsigned index;
    int64_t wait_ms;
    int error;
};

/* Start the next attempt now, not after the delay (the last one is known
 * to be dead). */
void plan_hurry(struct plan *p);

/* More addresses may come (1) or not (0) for this race. */
void plan_set_pending(struct plan *p, int pending);

/* How often to look for them (default PLAN_PENDING_POLL_MS). */
void plan_set_poll(struct plan *p, unsigned poll_ms);

/* Addresses that came during the race (completion, a late answer): those not
 * planned yet join the attempts not started yet, families interleaved again
 * from the one the last started attempt did not have (RFC 8305 section 4).
 * only_family as for plan_order. Returns how many joined. */
unsigned plan_add(struct plan *p, const struct tryall_addr *addrs, unsigned n, int only_family);

/* The next attempt starts when none is running, when an attempt failed since
 * the last start, or connection-attempt delay after the last start. While
 * more addresses may come (pending), every wait is cut at
 * PLAN_PENDING_POLL_MS and the verdict waits for them. */
struct plan_step plan_next(const struct plan *p, uint64_t now_ms);
void plan_started(struct plan *p, unsigned i, uint64_t now_ms);
void plan_failed(struct plan *p, unsigned i, int err);
void plan_won(struct plan *p, unsigned i);

/* ECONNREFUSED if any attempt was refused, else ETIMEDOUT if any timed out,
 * else the error of the app's own target (attempt 0). */
int plan_choose_error(const struct plan *p);

#endif

/* race.h - owns the race object (one racing connect: the app's descriptor,
 * its copies, the plan, the attempt sockets, the verdict), the predicates
 * that name its state, and the race floor's entry points for calls/.
 * Every function here runs with the fdtable lock held (race/fdtable.h).
 * Must never block, never write a byte to any attempt, never act on the
 * app's descriptor once it is not the socket the race started on. */
#ifndef TRYALL_RACE_H
#define TRYALL_RACE_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "core/nat64.h"
#include "core/plan.h"
#include "race/sockopt.h"

enum race_phase { RACE_RUNNING, RACE_WON, RACE_LOST };

/* NAT64 for this race: not needed (IPv4 routes), waiting for the prefix,
 * the synthesized addresses in the plan, or no prefix to be had. */
enum race_nat64 { RACE64_OFF, RACE64_WAIT, RACE64_ON, RACE64_NONE };

#define RACE_ALIASES 4

struct race {
    int fd;                          /* the app's descriptor */
    int alias[RACE_ALIASES];         /* the app's copies of it (dup while racing) */
    unsigned naliases;
    int in_table;                    /* fd and aliases are in the fdtable */
    dev_t dev; ino_t ino;            /* identity of the app's socket */
    int refs;                        /* table + owners waiting unlocked */
    int dead;                        /* the app closed or replaced fd */
    enum race_phase phase;
    int family, protocol;            /* of the app's socket (family: of the winner once won) */
    int app_family;                  /* the family the app made its socket with */
    int book_pending;                /* the book's list for the name is still growing */
    int target_bad;                  /* history: the app's target failed lately */
    enum race_nat64 nat64;
    struct nat64_prefix pfx;         /* when nat64 is RACE64_ON */
    int bound;                       /* the app bound it: hidden ones bind the same IP */
    int only_family;                 /* 0, or the one family a bound socket can race */
    struct sockaddr_storage local;
    socklen_t local_len;
    uint16_t port;
    uint64_t t0_ms;
    struct plan plan;
    int afd[PLAN_MAX];               /* attempt sockets; afd[0] is fd itself */
    int afam[PLAN_MAX];              /* their families */
    struct sockopt_snap opts;        /* the app's options, for every attempt */
    int opts_family;                 /* family of the socket they were read from */
    dev_t adev[PLAN_MAX];            /* identity of each hidden attempt socket */
    ino_t aino[PLAN_MAX];
    uint64_t started_ms[PLAN_MAX];
    int error;                       /* when RACE_LOST; reported once, then retired */
    char name[BOOK_NAME_MAX];
    struct race *next_active;        /* list of races in the table (race/fdtable.c) */
    struct race **prev_active;       /* the pointer to r in that list: O(1) unlink */
    /* scale (race/due.c, race/room.c, fdtable.c's lost list) */
    unsigned due_pos;                /* place in the heap of due races; 0: none */
    uint64_t due_ms;                 /* when it next needs a look without an event */
    struct race *next_lost;          /* lost races whose verdict is unread */
    struct race **prev_lost;
    uint64_t deferred_ms;            /* a start waits for a descriptor since; 0: none */
    int opts_taken;                  /* opts read (at the first hidden start, race/room.c) */
    int app_untagged;                /* fd is out of the app's epoll sets (race/epset.c) */
};

/* ---- the race's state, named ---------------------------------------------- */

/* Still racing: no winner, no verdict, and the app has not closed it. */
static inline int race_running(const struct race *r)
{
    return r->phase == RACE_RUNNING && !r->dead;
}

/* Decided (won or lost) or abandoned: the opposite of race_running(). */
static inline int race_settled(const struct race *r)
{
    return !race_running(r);
}

/* The app's socket now carries the winner (or the app closed it): nothing
 * left for the table to hold. */
static inline int race_done(const struct race *r)
{
    return r->phase == RACE_WON || r->dead;
}

/* Lost, and the verdict is still waiting to be read by the app. */
static inline int race_lost(const struct race *r)
{
    return r->phase == RACE_LOST;
}

/* Attempt i is in its handshake on a socket we still hold. */
static inline int attempt_live(const struct race *r, unsigned i)
{
    return i < r->plan.n && r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0;
}

/* ---- life (race/life.c) --------------------------------------------------- */

/* Create the race for fd whose attempt 0 (the app's own connect on fd) gave
 * first_errno (EINPROGRESS, or a network error). NULL when out of memory. */
struct race *race_new(int fd, int family, const struct sockaddr *target,
                      const struct tryall_list *list, const struct tryall_addr *target_addr,
                      int first_errno, const struct sockaddr_storage *bound_to,
                      socklen_t bound_len, uint64_t now_ms);

/* race_enter: put r in the table for fd (with the table's reference) and in
 * the active list; -1 when the table cannot grow. race_put: drop one
 * reference, free at zero. race_retire: take r out of the table and the
 * active list (if still there) and drop the table's reference. race_free:
 * close every hidden attempt (never the app's fd) and give r back. */
int race_enter(struct race *r);
void race_put(struct race *r);
void race_retire(struct race *r);
void race_free(struct race *r);

/* r's descriptor gives its epoll sets back to the app: the app's entry
 * returns, our tags for the running attempts leave. */
void race_untag(struct race *r);

/* The app ended a running race itself (connect(AF_UNSPEC)): its epoll
 * registrations back, waiters told, the race out of the table. */
void race_abort(struct race *r);

/* In a forked child: drop every race (their hidden attempts belong to the
 * parent; the child keeps the app's descriptors as they are). */
void race_forget_all(void);

/* Did the app bind this socket to a (non-wildcard) local address? */
int race_is_bound(const struct sockaddr_storage *local, socklen_t len);

/* Is errno e a failure of the address (try the next) rather than of the call? */
int race_is_address_error(int e);

/* ---- stepping (race/step.c) ----------------------------------------------- */

/* Start what is due, hand over a winner, settle the verdict. Returns the ms
 * until the next planned start (-1: none; wait for an attempt to finish). */
int64_t race_advance(struct race *r, uint64_t now_ms);

/* Attempt i failed at once with err (its connect said so): an IPv4 attempt
 * without a route starts NAT64 for the race (race/step.c). */
void race_route_failed(struct race *r, unsigned i, int err);

/* Attempt i reported readiness: read its outcome and act on it. */
void race_settle(struct race *r, unsigned i, uint64_t now_ms);

/* Running attempts, as pollfds waiting for POLLOUT; returns the count. */
unsigned race_pollfds(const struct race *r, struct pollfd *out, unsigned max);

/* Take in what a poll over race_pollfds() reported. */
void race_absorb(struct race *r, const struct pollfd *pfds, unsigned n, uint64_t now_ms);

/* Check every running attempt once without waiting (poll with timeout 0). */
void race_check(struct race *r, uint64_t now_ms);

/* Take in every outcome the kernel already knows and start what that makes
 * due, repeatedly, without waiting: an attempt refused on loopback is known
 * as soon as its connect returns, so a race can be decided right here. */
void race_settle_now(struct race *r, uint64_t now_ms);

/* ---- history (race/history.c) --------------------------------------------- */

/* Reorder order[0..n) by the history file and give the attempt delay to
 * use (sets r->target_bad). r->port must be set. */
unsigned race_history_order(struct race *r, struct tryall_addr *order, unsigned n);
/* Attempt i failed with err; attempt w won (the others still running were
 * abandoned). */
void race_history_failed(const struct race *r, unsigned i, int err);
void race_history_won(const struct race *r, unsigned w, uint64_t now_ms);

/* ---- the app's copies of the descriptor (race/alias.c) -------------------- */

/* Does fd (one of r's descriptors) no longer hold the race's socket (closed
 * behind our back, by a raw system call, and maybe reused)? Then detach it:
 * 1. Else 0. */
int race_drop_if_stale(struct race *r, int fd);

/* The app made newfd a copy of r's descriptor (dup, dup2, dup3, F_DUPFD):
 * the winner will be put on it too. -1 when r cannot take another copy. */
int race_add_alias(struct race *r, int newfd);

/* The app closed or replaced fd, one of r's descriptors: the race goes on
 * for the other copies, or ends (its hidden attempts closed) with the last. */
void race_detach_fd(struct race *r, int fd);

/* Descriptors first..last are being closed behind our back (close_range,
 * closefrom): detach the app's, give up hidden attempts in the range. */
void race_close_range(unsigned first, unsigned last);

/* ---- options (race/attempt.c) --------------------------------------------- */

/* The app set an option on its racing socket: carry it to every attempt. */
void race_mirror_option(struct race *r, int level, int name, const void *val, socklen_t len);

#endif

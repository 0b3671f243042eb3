/* room.c - owns making the hidden attempt sockets within the budget
 * (core/budget.h decides; this file reads the limit, counts, and makes the
 * calls): the race's oldest hidden attempt given up beyond BUDGET_PER_RACE
 * or when no descriptor is left, a start deferred while something of the
 * race runs, the socket parked away from the app's numbers and never in the
 * margin below RLIMIT_NOFILE. Runs under the fdtable lock.
 * Must never close a descriptor that is not ours, never take a number in
 * the margin, never block. */
#include "race/room.h"
#include "race/attempt.h"
#include "race/due.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "core/budget.h"
#include "core/config.h"
#include "sys/highfd.h"
#include "sys/log.h"
#include "sys/real.h"

#include <errno.h>
#include <sys/resource.h>

static struct budget budget;
static uint64_t limit_read_ms;

/* The soft limit, read again at most every 100 ms (or when forced: a start
 * is about to conclude there is no room). */
static void read_limit(uint64_t now_ms, int force)
{
    if (!force && budget.limit && now_ms - limit_read_ms < 100)
        return;
    struct rlimit lim;
    int saved = errno;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
        budget.limit = lim.rlim_cur == RLIM_INFINITY ? (uint64_t)INT_MAX : (uint64_t)lim.rlim_cur;
    errno = saved;
    limit_read_ms = now_ms;
}

static unsigned hidden_of(const struct race *r)
{
    unsigned h = 0;
    for (unsigned i = 1; i < r->plan.n; i++)
        h += attempt_live(r, i);
    return h;
}

/* Give up r's oldest hidden attempt: it counts as timed out. */
static int evict_oldest(struct race *r, uint64_t now_ms, const char *why)
{
    for (unsigned i = 1; i < r->plan.n; i++)
        if (attempt_live(r, i)) {
            epset_attempt_closing(r, i);
            attempt_close(r, i);
            plan_failed(&r->plan, i, ETIMEDOUT);
            attempt_log(r, TRYALL_LOG_FAIL, i, why, ETIMEDOUT, now_ms);
            return 1;
        }
    return 0;
}

static int no_descriptor(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

/* One try: the socket, kept only below the margin, parked high. -errno on
 * failure (-EMFILE when its number was in the margin). */
static int make_socket(const struct race *r, unsigned i, uint64_t now_ms)
{
    int s = real()->socket(r->afam[i], SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, r->protocol);
    if (s < 0)
        return -errno;
    if (!budget_fits(&budget, s)) {
        read_limit(now_ms, 1);   /* the app may have raised it */
        if (!budget_fits(&budget, s)) {
            real()->close(s);
            return -EMFILE;
        }
    }
    long floor = budget_floor(&budget, s);
    if (floor > 0)
        s = highfd_park_below(s, (int)floor, (int)budget_top(&budget));
    budget_opened(&budget);
    return s;
}

int room_socket(struct race *r, unsigned i, uint64_t now_ms, int64_t *wait_ms)
{
    read_limit(now_ms, 0);
    if (!r->opts_taken) {
        /* Read only now (a race the app's own attempt wins needs none), and
         * only what the app set, when the hooks saw all it did. */
        unsigned o = fdt_opt(r->fd);
        unsigned which = (o & FDT_OPT_BORN) && !(o & FDT_OPT_UNKNOWN) ? o & FDT_OPT_BITS : SOCKOPT_ALL;
        sockopt_snapshot(r->fd, r->opts_family, which, &r->opts);
        r->opts_taken = 1;
    }
    r->afam[i] = attempt_family_for(r, i);
    int no_room = 0, evicted = 0;
    uint64_t waited = r->deferred_ms ? now_ms - r->deferred_ms : 0;
    for (unsigned k = 0; k < PLAN_MAX + 2; k++) {
        switch (budget_next(&budget, hidden_of(r), r->plan.running, no_room, evicted, waited,
                            tryall_config()->delay_ms, now_ms)) {
        case BUDGET_EVICT:
            evicted |= no_room || budget_at_wall(&budget, now_ms);
            evict_oldest(r, now_ms, "given up for a newer one");
            no_room = 0;
            continue;
        case BUDGET_WAIT:
            if (!r->deferred_ms)
                r->deferred_ms = now_ms ? now_ms : 1;
            *wait_ms = budget_retry_ms(&budget);
            return ROOM_LATER;
        case BUDGET_GIVE_UP:
            r->deferred_ms = 0;
            return -EMFILE;
        case BUDGET_GO:
            break;
        }
        int s = make_socket(r, i, now_ms);
        if (s >= 0) {
            r->deferred_ms = 0;
            return s;
        }
        if (!no_descriptor(-s)) {
            r->deferred_ms = 0;
            return s;   /* a failure of this attempt (no IPv6 here, a filter...) */
        }
        budget_hit_wall(&budget, now_ms);
        no_room = 1;
    }
    *wait_ms = budget_retry_ms(&budget);
    return ROOM_LATER;
}

int room_reclaim(uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    if (!budget.open)
        return 0;
    for (struct race *r = fdt_races; r; r = r->next_active)
        if (race_running(r) && evict_oldest(r, now_ms, "given up for the app's own descriptor")) {
            budget_hit_wall(&budget, now_ms);
            due_set(r, now_ms);   /* to be looked at: maybe nothing of it runs now */
            return 1;
        }
    return 0;
}

void room_close(int s)
{
    attempt_close_now(s);
    budget_closed(&budget);
}

void room_gone(void)
{
    budget_closed(&budget);
}

unsigned room_open(void)
{
    return budget.open;
}

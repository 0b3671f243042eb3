/* life.c - owns a race's life cycle: made (attempt 0 is the app's own
 * connect, already under way), entered in the table, referenced by waiters,
 * retired, aborted, freed; and the fork child's clean slate.
 * Must never close the app's descriptor, never free a race a waiter still
 * holds a reference on. */
#include "race/race.h"
#include "race/attempt.h"
#include "race/due.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "core/config.h"
#include "sys/log.h"
#include "sys/pool.h"
#include "sys/real.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

int race_is_address_error(int e)
{
    switch (e) {
    case ECONNREFUSED: case ENETUNREACH: case EHOSTUNREACH: case EADDRNOTAVAIL:
    case ETIMEDOUT: case ECONNRESET: case ECONNABORTED: case EHOSTDOWN: case ENETDOWN:
    case ENETRESET: case EPROTO:
        return 1;
    default:
        return 0;
    }
}

int race_is_bound(const struct sockaddr_storage *local, socklen_t len)
{
    /* Bound to a wildcard address (as Tcl and others do, port 0 or not) is
     * not bound to an address: every family may be raced. */
    struct tryall_addr la;
    if (addr_from_sockaddr((const struct sockaddr *)local, len, &la) != 0)
        return 0;
    static const uint8_t any[16];
    return memcmp(la.bytes, any, la.family == AF_INET ? 4 : 16) != 0;
}

/* Race objects come from a pool (no malloc: hooks may run in signal handlers). */
static struct pool races = POOL_OF(struct race);

/* The plan for r: the app's target first, then the list; a socket the app
 * bound keeps its family. (An IPV6_V6ONLY socket races every family: the
 * option says how that socket treats v4-mapped addresses, not which
 * families the program may use; IPv4 goes on IPv4 attempts.) */
static void make_plan(struct race *r, const struct tryall_list *list,
                      const struct tryall_addr *target)
{
    struct tryall_addr order[PLAN_MAX];
    r->only_family = r->bound ? target->family : 0;
    unsigned n = plan_order(list, target, r->only_family, order, PLAN_MAX);
    plan_init(&r->plan, order, n, race_history_order(r, order, n));
    r->book_pending = list->pending;
    plan_set_pending(&r->plan, list->pending);
}

/* Attempt 0 is the app's own connect on its own socket, started already. */
static void adopt_first(struct race *r, int first_errno, uint64_t now_ms)
{
    plan_started(&r->plan, 0, now_ms);
    r->started_ms[0] = now_ms;
    r->afd[0] = r->fd;
    attempt_log(r, TRYALL_LOG_TRACE, 0, "started", 0, now_ms);
    if (first_errno != EINPROGRESS) {
        plan_failed(&r->plan, 0, first_errno);
        attempt_log(r, TRYALL_LOG_FAIL, 0, "failed", first_errno, now_ms);
        race_history_failed(r, 0, first_errno);
        race_route_failed(r, 0, first_errno);
    } else if (r->target_bad) {
        plan_hurry(&r->plan);   /* the app's target failed lately: the next starts now */
    }
    epset_race_started(r);
    if (first_errno == EINPROGRESS)
        race_check(r, now_ms);   /* loopback may have answered already */
}

struct race *race_new(int fd, int family, const struct sockaddr *target,
                      const struct tryall_list *list, const struct tryall_addr *target_addr,
                      int first_errno, const struct sockaddr_storage *bound_to,
                      socklen_t bound_len, uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    struct race *r = pool_get(&races);
    if (!r)
        return NULL;
    r->fd = fd;
    if (attempt_identity(fd, &r->dev, &r->ino) != 0) {
        pool_put(&races, r);
        return NULL;
    }
    r->refs = 1;
    r->phase = RACE_RUNNING;
    r->family = r->app_family = family;
    socklen_t pl = sizeof r->protocol;
    if (real()->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &r->protocol, &pl) != 0)
        r->protocol = 0;
    r->port = addr_port(target);
    r->t0_ms = now_ms;
    memcpy(r->name, list->name, sizeof r->name);
    for (unsigned i = 0; i < PLAN_MAX; i++)
        r->afd[i] = -1;
    if (bound_to) {
        r->bound = 1;
        r->local = *bound_to;
        r->local_len = bound_len;
    }
    make_plan(r, list, target_addr);
    r->opts_family = family;   /* the options are read at the first hidden start */
    adopt_first(r, first_errno, now_ms);
    return r;
}

int race_enter(struct race *r)
{
    FDT_ASSERT_HELD();
    if (fdt_put(r->fd, r) != 0)
        return -1;
    r->in_table = 1;
    fdt_link(r);
    epset_count(r, +1);
    return 0;
}

void race_put(struct race *r)
{
    FDT_ASSERT_HELD();
    if (--r->refs == 0)
        race_free(r);
}

/* Take one descriptor of r out of the table (its reference is the caller's). */
static int untable(struct race *r, int fd)
{
    if (fdt_get(fd) != r)
        return 0;
    fdt_take(fd);
    return 1;
}

void race_retire(struct race *r)
{
    FDT_ASSERT_HELD();
    if (!r->in_table)
        return;
    epset_count(r, -1);
    r->in_table = 0;
    fdt_unlink(r);
    fdt_lost_unlink(r);
    due_drop(r);
    if (race_lost(r))
        fdt_lost--;
    unsigned drops = (unsigned)untable(r, r->fd);
    for (unsigned k = 0; k < r->naliases; k++)
        drops += (unsigned)untable(r, r->alias[k]);
    r->naliases = 0;
    while (drops--)
        race_put(r);
}

void race_untag(struct race *r)
{
    epset_race_over(r);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (attempt_live(r, i))
            epset_attempt_closing(r, i);
}

void race_abort(struct race *r)
{
    FDT_ASSERT_HELD();
    if (race_running(r))
        race_untag(r);
    r->dead = 1;
    race_retire(r);
}

void race_forget_all(void)
{
    FDT_ASSERT_HELD();
    for (struct race *r = fdt_races, *nx; r; r = nx) {
        nx = r->next_active;
        epset_count(r, -1);
        fdt_take(r->fd);
        for (unsigned k = 0; k < r->naliases; k++)
            fdt_take(r->alias[k]);
        race_free(r);
    }
    fdt_races = NULL;
    fdt_lost_races = NULL;
    fdt_lost = 0;
    due_reset();
}

void race_free(struct race *r)
{
    due_drop(r);
    for (unsigned i = 1; i < PLAN_MAX; i++)
        attempt_close(r, i);
    pool_put(&races, r);
}

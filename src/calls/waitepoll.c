/* waitepoll.c - owns the slow path of epoll_wait, epoll_pwait and
 * epoll_pwait2 on a set that holds a racing descriptor: the set carries our
 * tags for the attempt sockets (race/epset.c); their events advance the
 * races and are never passed on; a lost race's descriptor shows EPOLLERR
 * with the app's data; each wait is cut at the next planned start.
 * Must never hand the app an event with one of our tags, nor hold the
 * fdtable lock across the kernel's wait. */
#include "calls/calls.h"
#include "calls/wait.h"
#include "core/ready.h"
#include "race/due.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "sys/real.h"

#include <errno.h>

/* Under the lock: advance the races whose planned moment has come (any
 * set's: due races are few, and whoever waits first starts them on time);
 * *next gets the earliest moment still ahead. Races with nothing planned
 * wait for their attempts' events (tag_event). */
static void advance_due(int64_t now, int64_t *next)
{
    uint64_t now_ms = (uint64_t)(now / 1000000);
    struct race *r;
    while ((r = due_pop(now_ms))) {
        int64_t ignored = READY_FOREVER;
        wait_advance(r, now, &ignored);
        if (race_done(r))
            race_retire(r);
    }
    uint64_t at = due_next();
    if (at != UINT64_MAX)
        *next = (int64_t)at * 1000000;
}

/* An event for one of our tags: attempt idx of the race on fd is ready.
 * 1 when that decided the race (a winner is retired at once: its
 * descriptor carries the app's registration again). */
static int tag_event(int fd, unsigned idx, int64_t now, int64_t *next)
{
    struct race *r = fdt_get(fd);
    if (!r || !race_running(r) || idx >= r->plan.n || r->plan.state[idx] != ATT_RUNNING)
        return 0;
    race_settle(r, idx, (uint64_t)(now / 1000000));
    wait_advance(r, now, next);
    int decided = r->phase != RACE_RUNNING;
    if (race_done(r))
        race_retire(r);
    return decided;
}

/* An app event for a lost race's descriptor shows the verdict (EPOLLERR). */
static void mark_lost(int epfd, struct epoll_event *ev)
{
    for (struct race *r = fdt_lost_races; r; r = r->next_lost) {
        const struct epoll_event *app = epset_app_event(r, epfd);
        if (app && app->data.u64 == ev->data.u64) {
            ev->events = ready_epoll_events(app->events, ev->events, 1);
            return;
        }
    }
}

/* Under the lock: drop our tags' events from ev[0..rc), acting on them;
 * returns how many app events remain (compacted at the front). */
static int sort_events(int epfd, struct epoll_event *ev, int rc, int *changed)
{
    int out = 0;
    int64_t now = wait_now_ns(), next = READY_FOREVER;
    for (int k = 0; k < rc; k++) {
        int fd;
        unsigned idx;
        if (epset_untag(ev[k].data.u64, &fd, &idx)) {
            *changed |= tag_event(fd, idx, now, &next);
            continue;   /* our attempt's event, never the app's */
        }
        if (fdt_lost_races)
            mark_lost(epfd, &ev[k]);
        ev[out++] = ev[k];
    }
    return out;
}

static int wait_epoll(int epfd, struct epoll_event *events, int maxevents,
                      const struct timespec *timeout, const sigset_t *mask)
{
    int64_t deadline = ready_deadline(wait_now_ns(), wait_ts_ns(timeout));
    int total = 0;   /* app events gathered so far, at the front of events */
    for (;;) {
        int64_t now = wait_now_ns(), next = READY_FOREVER;
        if (fdt_lock() != 0)
            return total ? total : WAIT_LIBC;
        advance_due(now, &next);
        fdt_unlock();

        int64_t slice = total ? 0 : ready_slice(now, deadline, next);
        struct epoll_event *ev = events + total;
        int rc = real()->epoll_pwait(epfd, ev, maxevents - total, ready_ms_ceil(slice), mask);
        if (rc < 0)
            return total ? total : rc;

        int changed = 0;
        fdt_lock();
        total += sort_events(epfd, ev, rc, &changed);
        fdt_unlock();
        /* A race decided now shows its descriptor at once: collect it too. */
        if (changed && total < maxevents)
            continue;
        if (total)
            return total;
        if (ready_expired(wait_now_ns(), deadline))
            return 0;
    }
}

int wait_epoll_ms(int epfd, struct epoll_event *ev, int maxevents, int timeout,
                  const sigset_t *mask)
{
    struct timespec ts;
    return wait_epoll(epfd, ev, maxevents, wait_ms_ts(timeout, &ts), mask);
}

int wait_epoll_ts(int epfd, struct epoll_event *ev, int maxevents, const struct timespec *tmo,
                  const sigset_t *mask)
{
    struct timespec ts;
    const struct timespec *t;
    if (wait_copy_ts(tmo, &ts, &t) != 0)
        return WAIT_LIBC;
    return wait_epoll(epfd, ev, maxevents, t, mask);
}

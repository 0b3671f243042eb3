/* step.c - owns stepping a race: asking the plan what is due (start an
 * attempt, wait, hand over a winner, settle the verdict) and doing it;
 * reading an attempt's outcome when a poll says it is ready.
 * Must never block (every poll here has timeout 0), never read the error of
 * a socket that is not the attempt's, never count a stale event. */
#include "race/race.h"
#include "race/attempt.h"
#include "race/due.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/handover.h"
#include "race/prefix.h"
#include "race/room.h"
#include "core/book.h"
#include "core/config.h"
#include "sys/log.h"
#include "sys/real.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

/* A connect that said EINPROGRESS may be decided already (loopback answers
 * at once): look once, without waiting, so such a result counts now. */
static void peek_attempt(struct race *r, unsigned i, uint64_t now_ms)
{
    struct pollfd p = { .fd = r->afd[i], .events = POLLOUT };
    if (real()->poll(&p, 1, 0) > 0)
        race_settle(r, i, now_ms);
}

/* 1: attempt i started (or failed at once, as the plan now knows); 0: no
 * descriptor for it now, look again in *wait (race/room.c). */
static int start_attempt(struct race *r, unsigned i, uint64_t now_ms, int64_t *wait)
{
    int s = room_socket(r, i, now_ms, wait);
    if (s == ROOM_LATER)
        return 0;
    plan_started(&r->plan, i, now_ms);
    r->started_ms[i] = now_ms;
    attempt_log(r, TRYALL_LOG_TRACE, i, "started", 0, now_ms);
    int rc = s < 0 ? s : attempt_start(r, i, s);
    if (rc == 1) {
        handover_winner(r, i, now_ms);
    } else if (rc < 0) {
        plan_failed(&r->plan, i, -rc);
        attempt_log(r, TRYALL_LOG_FAIL, i, "failed", -rc, now_ms);
        race_history_failed(r, i, -rc);
        race_route_failed(r, i, -rc);
    } else {
        peek_attempt(r, i, now_ms);
    }
    return 1;
}

static void settle_lost(struct race *r, int error, uint64_t now_ms)
{
    r->phase = RACE_LOST;
    r->error = error;
    if (r->nat64 == RACE64_ON)
        prefix_forget();   /* maybe stale: look it up again next time */
    if (r->in_table)
        fdt_lost++;
    epset_race_over(r);
    if (log_on(TRYALL_LOG_FAIL)) {
        struct tryall_event ev = TRYALL_EVENT_NONE;
        ev.event = "lost";
        ev.fd = r->fd;
        ev.host = r->name;
        ev.port = r->port;
        ev.addresses = r->plan.n;
        ev.error = error;
        ev.ms = (long long)(now_ms - r->t0_ms);
        log_event(TRYALL_LOG_FAIL, &ev, "fd %d %s port %u: all %u addresses failed after %llu ms: %s",
                  r->fd, r->name, r->port, r->plan.n, (unsigned long long)ev.ms, strerror(error));
    }
}

static void log_joined(const struct race *r, unsigned joined)
{
    if (joined && log_on(TRYALL_LOG_FAIL)) {
        struct tryall_event ev = TRYALL_EVENT_NONE;
        ev.event = "joined";
        ev.fd = r->fd;
        ev.host = r->name;
        ev.port = r->port;
        ev.addresses = joined;
        ev.origin = addr_origin_name(r->plan.order[r->plan.n - 1].origin);
        log_event(TRYALL_LOG_FAIL, &ev, "fd %d %s port %u: %u more address%s joined the race (%s)",
                  r->fd, r->name, r->port, joined, joined == 1 ? "" : "es", ev.origin);
    }
}

/* The IPv6 forms, under r's NAT64 prefix, of the IPv4 addresses planned. */
static void synthesize(struct race *r)
{
    struct tryall_addr v[PLAN_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < r->plan.n; i++) {
        const struct tryall_addr *a = &r->plan.order[i];
        if (a->family != AF_INET || !nat64_allowed(&r->pfx, a->bytes))
            continue;
        memset(&v[n], 0, sizeof v[n]);
        v[n].family = AF_INET6;
        v[n].origin = ADDR_FROM_NAT64;
        if (nat64_synth(&r->pfx, a->bytes, v[n].bytes) == 0)
            n++;
    }
    log_joined(r, plan_add(&r->plan, v, n, 0));
}

/* More addresses were on their way: those the book has now (completion, a
 * late answer) and, once the NAT64 prefix is known, the synthesized forms
 * join the attempts not started yet. */
static void take_news(struct race *r, uint64_t now_ms)
{
    struct tryall_list list;
    if (r->book_pending) {
        int found = book_lookup(&r->plan.order[0], now_ms, &list);
        r->book_pending = found && list.pending;
        if (found)
            log_joined(r, plan_add(&r->plan, list.a, list.n, r->only_family));
    }
    if (r->nat64 == RACE64_WAIT) {
        enum prefix_state s = prefix_get(&r->pfx, now_ms);
        if (s != PREFIX_LOOKING)
            r->nat64 = s == PREFIX_KNOWN ? RACE64_ON : RACE64_NONE;
    }
    if (r->nat64 == RACE64_ON)
        synthesize(r);   /* also the IPv4 addresses that came since */
    plan_set_pending(&r->plan, r->book_pending || r->nat64 == RACE64_WAIT);
    /* The prefix lookup is short and the connect waits on it: look often. */
    plan_set_poll(&r->plan, r->nat64 == RACE64_WAIT ? 1 : PLAN_PENDING_POLL_MS);
}

void race_route_failed(struct race *r, unsigned i, int err)
{
    if (r->nat64 != RACE64_OFF || r->bound || r->plan.order[i].family != AF_INET ||
        nat64_never(r->plan.order[i].bytes) ||
        (err != ENETUNREACH && err != EHOSTUNREACH && err != EADDRNOTAVAIL) ||
        !tryall_config()->nat64)
        return;
    /* No route for IPv4: the prefix is looked up (or known), and the race
     * waits for it before any verdict. */
    r->nat64 = RACE64_WAIT;
    plan_set_pending(&r->plan, 1);
    plan_set_poll(&r->plan, 1);
}

static int64_t advance(struct race *r, uint64_t now_ms)
{
    while (race_running(r)) {
        if (r->plan.pending)
            take_news(r, now_ms);
        struct plan_step s = plan_next(&r->plan, now_ms);
        int64_t later;
        switch (s.verb) {
        case PLAN_WAIT:
            return s.wait_ms;
        case PLAN_WON:
            handover_winner(r, s.index, now_ms);
            break;
        case PLAN_FAILED:
            settle_lost(r, s.error, now_ms);
            break;
        case PLAN_START:
            if (!start_attempt(r, s.index, now_ms, &later))
                return later;
            break;
        }
    }
    return -1;
}

int64_t race_advance(struct race *r, uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    int64_t wait = advance(r, now_ms);
    due_after_advance(r, now_ms, wait);
    if (race_lost(r) && r->in_table)
        fdt_lost_link(r);   /* its descriptor's events show the verdict */
    return wait;
}

unsigned race_pollfds(const struct race *r, struct pollfd *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->plan.n && n < max; i++)
        if (attempt_live(r, i)) {
            out[n].fd = r->afd[i];
            out[n].events = POLLOUT;
            out[n].revents = 0;
            n++;
        }
    return n;
}

/* Is attempt i's socket still in the handshake (an event seen for it was
 * stale: the number was closed and reused by a newer attempt since)? */
static int still_connecting(int s)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    return real()->getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 &&
           (ti.tcpi_state == TCP_SYN_SENT || ti.tcpi_state == TCP_SYN_RECV);
}

/* The outcome of attempt socket s: 0 connected, -1 still connecting (a stale
 * event), else the errno it failed with. */
static int outcome(int s)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (real()->getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
        err = errno;
    if (err == 0) {
        /* Writable with no error: connected, unless the kernel says otherwise. */
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (real()->getpeername(s, (struct sockaddr *)&ss, &sl) != 0) {
            if (errno == ENOTCONN && still_connecting(s))
                return -1;
            err = errno == ENOTCONN ? ECONNREFUSED : errno;
        }
    }
    return err;
}

void race_settle(struct race *r, unsigned i, uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    /* Never read (and clear) the error of a socket that is not this
     * attempt's. The app's own gone: the race is over (retired by whoever
     * next looks at it; r stays valid for our caller). */
    if (i > 0 && !attempt_ours(r, i))
        return;
    if (i == 0 && !attempt_app_current(r)) {
        r->dead = 1;
        return;
    }
    int err = outcome(r->afd[i]);
    if (err < 0)
        return;
    if (err == 0) {
        handover_winner(r, i, now_ms);
        return;
    }
    plan_failed(&r->plan, i, err);
    attempt_log(r, TRYALL_LOG_FAIL, i, "failed", err, now_ms);
    race_history_failed(r, i, err);
    if (i == 0)
        epset_attempt_closing(r, 0);
    attempt_close(r, i);
}

void race_absorb(struct race *r, const struct pollfd *pfds, unsigned n, uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    for (unsigned k = 0; k < n && race_running(r); k++) {
        if (!pfds[k].revents)
            continue;
        for (unsigned i = 0; i < r->plan.n; i++)
            if (r->afd[i] == pfds[k].fd && r->plan.state[i] == ATT_RUNNING) {
                race_settle(r, i, now_ms);
                break;
            }
    }
}

void race_check(struct race *r, uint64_t now_ms)
{
    struct pollfd p[PLAN_MAX];
    unsigned n = race_pollfds(r, p, PLAN_MAX);
    if (n && real()->poll(p, n, 0) > 0)
        race_absorb(r, p, n, now_ms);
}

void race_settle_now(struct race *r, uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    for (unsigned k = 0; k <= PLAN_MAX && race_running(r); k++) {
        unsigned running = r->plan.running, next = r->plan.next;
        race_check(r, now_ms);
        race_advance(r, now_ms);
        if (r->plan.running == running && r->plan.next == next)
            break;
    }
}

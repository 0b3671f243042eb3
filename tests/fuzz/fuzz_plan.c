/* fuzz_plan.c - owns fuzzing the race planner (src/core/plan.c) with random
 * outcome sequences: a list with duplicates and both families, a target in
 * it or not, a bound family or none, a delay, then events in any order:
 * the clock moves (by a little, a lot, or exactly to the planned start),
 * the race steps (plan_next until it waits, as race/step.c does), running
 * attempts fail (any error) or win, addresses join mid-race (plan_add of a
 * list of at most BOOK_MAX_ADDRS, as the book gives, with duplicates of
 * planned ones), more addresses are announced or not
 * (plan_set_pending). Only what race/ does is done: outcomes of running
 * attempts only, starts only when the plan says so.
 * Invariants: no address tried twice; a start is the next idle attempt and
 * comes no earlier than the plan's rule (none running, a failure since the
 * last start, or the delay passed) and a timed wait ends exactly at the
 * planned start; a wait without a time has something running; a step loop
 * ends; plan_add never touches what started, never duplicates, keeps the
 * bound family and counts what joined; the verdict comes only when nothing
 * runs, nothing is pending and every planned address failed, no address
 * of the list or of a join is left out unless the plan is full, and the
 * error is one that happened, chosen ECONNREFUSED > ETIMEDOUT > attempt 0's.
 * Must never call the plan in a way race/ never does. */
#include "fuzz.h"

#include "core/plan.h"

#include <errno.h>

static const int errs[] = { ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH, ECONNRESET,
                            EADDRNOTAVAIL, ECONNABORTED, EHOSTDOWN, EMFILE, EPROTO };

/* A byte as an address: bit 7 the family, the rest the address, so that
 * duplicates are frequent. */
static struct tryall_addr addr_of(uint8_t b)
{
    struct tryall_addr a;
    memset(&a, 0, sizeof a);
    a.family = b & 0x80 ? AF_INET6 : AF_INET;
    a.bytes[0] = b & 0x80 ? 0x20 : 192;
    a.bytes[3] = b & 0x7f;
    if (a.family == AF_INET6)
        a.bytes[15] = b & 0x7f;
    a.origin = b % 3;
    return a;
}

/* Everything the harness knows independently of the plan. */
struct model {
    struct plan p;
    uint64_t now, last_start;
    unsigned running;
    int kick, ended, only_family;
    int happened[64];                        /* errors passed to plan_failed */
    unsigned nhappened;
    struct tryall_addr tried[PLAN_MAX];      /* addresses started, in order */
    unsigned ntried;
    struct tryall_addr universe[256];        /* every address offered, family-filtered */
    unsigned nuniverse;
    int64_t last_wait;
};

static int in(const struct tryall_addr *v, unsigned n, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (addr_equal(&v[i], a))
            return 1;
    return 0;
}

static void offer(struct model *m, const struct tryall_addr *a)
{
    if ((m->only_family && a->family != m->only_family) || in(m->universe, m->nuniverse, a))
        return;
    if (m->nuniverse < sizeof m->universe / sizeof m->universe[0])
        m->universe[m->nuniverse++] = *a;
}

static void check_order(const struct model *m)
{
    const struct plan *p = &m->p;
    FZ_CHECK(p->n <= PLAN_MAX && p->next <= p->n, "n %u next %u", p->n, p->next);
    for (unsigned i = 0; i < p->n; i++) {
        FZ_CHECK(!in(p->order, i, &p->order[i]), "order[%u] duplicates an earlier one", i);
        FZ_CHECK(i == 0 || !m->only_family || p->order[i].family == m->only_family,
                 "order[%u] of family %d on a socket bound to %d", i, p->order[i].family,
                 m->only_family);
    }
}

static void on_start(struct model *m, unsigned i)
{
    struct plan *p = &m->p;
    FZ_CHECK(i == p->next && i < p->n && p->state[i] == ATT_IDLE, "start %u, next %u n %u", i,
             p->next, p->n);
    FZ_CHECK(!in(m->tried, m->ntried, &p->order[i]), "address of attempt %u tried twice", i);
    FZ_CHECK(m->running == 0 || m->kick || m->now >= m->last_start + p->delay_ms,
             "attempt %u started at %llu, last start %llu, delay %u, %u running", i,
             (unsigned long long)m->now, (unsigned long long)m->last_start, p->delay_ms,
             m->running);
    m->tried[m->ntried++] = p->order[i];
    plan_started(p, i, m->now);
    m->running++;
    m->last_start = m->now;
    m->kick = 0;
}

static void on_wait(struct model *m, int64_t w)
{
    const struct plan *p = &m->p;
    m->last_wait = w;
    if (w < 0) {
        FZ_CHECK(m->running > 0 && !p->pending && p->next == p->n,
                 "wait forever with %u running, pending %d, next %u of %u", m->running,
                 p->pending, p->next, p->n);
        return;
    }
    FZ_CHECK(w > 0, "wait of %lld ms", (long long)w);
    if (p->pending)
        FZ_CHECK(w <= PLAN_PENDING_POLL_MS, "pending, yet a wait of %lld ms", (long long)w);
    if (p->next < p->n) {
        FZ_CHECK(m->running > 0 && !m->kick, "waits with %u running, kick %d", m->running, m->kick);
        uint64_t due = m->last_start + p->delay_ms;
        FZ_CHECK(m->now + (uint64_t)w <= due, "wait %lld ms passes the start due at %llu",
                 (long long)w, (unsigned long long)due);
        FZ_CHECK(p->pending || m->now + (uint64_t)w == due, "wait %lld ms ends before the start",
                 (long long)w);
    } else {
        FZ_CHECK(p->pending, "timed wait with nothing to start and nothing pending");
    }
}

static void on_failed(struct model *m, int error)
{
    const struct plan *p = &m->p;
    FZ_CHECK(m->running == 0 && !p->pending, "verdict with %u running, pending %d", m->running,
             p->pending);
    FZ_CHECK(p->next == p->n && m->ntried == p->n, "verdict after %u of %u attempts", m->ntried,
             p->n);
    int refused = 0, timedout = 0, seen = 0;
    for (unsigned i = 0; i < m->nhappened; i++) {
        refused |= m->happened[i] == ECONNREFUSED;
        timedout |= m->happened[i] == ETIMEDOUT;
        seen |= m->happened[i] == error;
    }
    FZ_CHECK(seen, "verdict %d never happened", error);
    FZ_CHECK(!refused || error == ECONNREFUSED, "refused, yet verdict %d", error);
    FZ_CHECK(refused || !timedout || error == ETIMEDOUT, "timed out, yet verdict %d", error);
    if (!refused && !timedout)
        FZ_CHECK(error == p->error[0], "verdict %d is not attempt 0's %d", error, p->error[0]);
    for (unsigned i = 0; i < p->n; i++)
        FZ_CHECK(p->state[i] == ATT_FAILED, "verdict with attempt %u in state %d", i, p->state[i]);
    if (p->n < PLAN_MAX)
        for (unsigned i = 0; i < m->nuniverse; i++)
            FZ_CHECK(in(p->order, p->n, &m->universe[i]), "offered address %u never planned", i);
    m->ended = 1;
}

/* race_advance: step until the plan waits or the race is decided. */
static void advance(struct model *m)
{
    for (unsigned k = 0; k <= PLAN_MAX + 1; k++) {
        struct plan_step s = plan_next(&m->p, m->now);
        switch (s.verb) {
        case PLAN_START:
            on_start(m, s.index);
            continue;
        case PLAN_WAIT:
            on_wait(m, s.wait_ms);
            return;
        case PLAN_WON:
            FZ_CHECK(m->p.winner >= 0 && s.index == (unsigned)m->p.winner, "won %u", s.index);
            m->ended = 1;
            return;
        case PLAN_FAILED:
            on_failed(m, s.error);
            return;
        }
    }
    FZ_CHECK(0, "the step loop did not end");
}

/* The k-th running attempt (k taken modulo their count). */
static unsigned running_one(const struct model *m, unsigned k)
{
    k %= m->running;
    for (unsigned i = 0; i < m->p.n; i++)
        if (m->p.state[i] == ATT_RUNNING && k-- == 0)
            return i;
    FZ_CHECK(0, "%u running, none found", m->running);
    return 0;
}

static void outcome(struct model *m, struct fz *f, int won)
{
    if (!m->running)
        return;
    unsigned i = running_one(m, fz_u8(f));
    if (won) {
        plan_won(&m->p, i);
    } else {
        int e = errs[fz_u8(f) % (sizeof errs / sizeof errs[0])];
        if (m->nhappened < sizeof m->happened / sizeof m->happened[0])
            m->happened[m->nhappened++] = e;
        plan_failed(&m->p, i, e);
        m->kick = 1;
    }
    m->running--;
}

static void join(struct model *m, struct fz *f)
{
    struct tryall_addr add[BOOK_MAX_ADDRS], before[PLAN_MAX];
    unsigned n = fz_u8(f) % (BOOK_MAX_ADDRS + 1), n0 = m->p.n, next = m->p.next;
    memset(add, 0, sizeof add);
    for (unsigned i = 0; i < n; i++)
        add[i] = addr_of(fz_u8(f));
    memcpy(before, m->p.order, sizeof before);
    unsigned joined = plan_add(&m->p, add, n, m->only_family);
    if (m->p.winner < 0 && next < PLAN_MAX)
        for (unsigned i = 0; i < n; i++)
            offer(m, &add[i]);
    FZ_CHECK(m->p.n >= n0 && joined == m->p.n - n0, "joined %u, n %u -> %u", joined, n0, m->p.n);
    FZ_CHECK(memcmp(before, m->p.order, next * sizeof before[0]) == 0, "plan_add moved a start");
    for (unsigned i = next; i < m->p.n; i++)
        FZ_CHECK(m->p.state[i] == ATT_IDLE, "attempt %u not started is in state %d", i,
                 m->p.state[i]);
    check_order(m);
}

static void setup(struct model *m, struct fz *f)
{
    struct tryall_list list;
    memset(&list, 0, sizeof list);
    list.n = fz_u8(f) % (BOOK_MAX_ADDRS + 1);
    for (unsigned i = 0; i < list.n; i++)
        list.a[i] = addr_of(fz_u8(f));
    struct tryall_addr target = addr_of(fz_u8(f)), order[PLAN_MAX];
    uint8_t flags = fz_u8(f);
    m->only_family = flags & 1 ? target.family : 0;
    unsigned delay = fz_u16(f);
    m->now = fz_u32(f);
    unsigned n = plan_order(&list, &target, m->only_family, order, PLAN_MAX);
    FZ_CHECK(n >= 1 && addr_equal(&order[0], &target), "the target is not first");
    plan_init(&m->p, order, n, delay);
    plan_set_pending(&m->p, flags >> 1 & 1);
    offer(m, &target);
    for (unsigned i = 0; i < list.n; i++)
        offer(m, &list.a[i]);
    check_order(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    struct fz f = fz_of(data, size);
    setup(&m, &f);
    while (!fz_done(&f) && !m.ended) {
        switch (fz_u8(&f) % 8) {
        case 0: m.now += fz_u8(&f); break;
        case 1: m.now += (uint64_t)fz_u16(&f) * 4; break;
        case 2: if (m.last_wait > 0) m.now += (uint64_t)m.last_wait; break;
        case 3: advance(&m); break;
        case 4: outcome(&m, &f, 0); break;
        case 5: outcome(&m, &f, fz_u8(&f) % 4 == 0); break;
        case 6: join(&m, &f); break;
        case 7: plan_set_pending(&m.p, fz_u8(&f) & 1); break;
        }
    }
    /* The race runs to its end: every attempt still running fails, the
     * pending lookup answers; the plan must reach a verdict. */
    plan_set_pending(&m.p, 0);
    for (unsigned k = 0; k < 4 * PLAN_MAX && !m.ended; k++) {
        advance(&m);
        if (m.ended)
            break;
        if (m.running)
            outcome(&m, &f, 0);
        else if (m.last_wait > 0)
            m.now += (uint64_t)m.last_wait;
    }
    FZ_CHECK(m.ended, "no verdict after every attempt ended");
    return 0;
}

/* plan.c - owns the race decisions: attempt order, when the next attempt
 * starts, and which error the app sees when all failed.
 * Pure: must never make a system call, read a clock or allocate. */
#include "core/plan.h"

#include <errno.h>
#include <string.h>

static int contains(const struct tryall_addr *v, unsigned n, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (addr_equal(&v[i], a))
            return 1;
    return 0;
}

/* Append to out[0..n) the addresses of v not in it yet, family `first`'s
 * and the other's alternating, first's first (RFC 8305 section 4), keeping
 * v's order within each family. Returns the new n. */
static unsigned interleave(struct tryall_addr *out, unsigned n, unsigned max,
                           const struct tryall_addr *v, unsigned nv, int first, int only_family)
{
    struct tryall_addr one[PLAN_MAX], two[PLAN_MAX];
    unsigned n1 = 0, n2 = 0;
    /* Deduplicated here, so a duplicate never costs its family a turn; all
     * of v is read (it may be longer than PLAN_MAX), each family capped. */
    for (unsigned i = 0; i < nv; i++) {
        if (contains(out, n, &v[i]) || (only_family && v[i].family != only_family))
            continue;
        if (v[i].family == first) {
            if (n1 < PLAN_MAX && !contains(one, n1, &v[i]))
                one[n1++] = v[i];
        } else if (n2 < PLAN_MAX && !contains(two, n2, &v[i])) {
            two[n2++] = v[i];
        }
    }
    unsigned i1 = 0, i2 = 0;
    int take_one = 1;
    while (n < max && (i1 < n1 || i2 < n2)) {
        const struct tryall_addr *a;
        if ((take_one && i1 < n1) || i2 >= n2)
            a = &one[i1++];
        else
            a = &two[i2++];
        if (!contains(out, n, a))
            out[n++] = *a;
        take_one = !take_one;
    }
    return n;
}

static int other_family(int family)
{
    return family == AF_INET ? AF_INET6 : AF_INET;
}

unsigned plan_order(const struct tryall_list *list, const struct tryall_addr *target,
                    int only_family, struct tryall_addr *out, unsigned max)
{
    if (max == 0)
        return 0;
    out[0] = *target;
    /* After the app's target, the other family first, then alternate. */
    return interleave(out, 1, max, list->a, list->n, other_family(target->family), only_family);
}

void plan_set_pending(struct plan *p, int pending)
{
    p->pending = pending;
}

void plan_hurry(struct plan *p)
{
    p->kick = 1;
}

void plan_set_poll(struct plan *p, unsigned poll_ms)
{
    p->poll_ms = poll_ms ? poll_ms : 1;
}

unsigned plan_add(struct plan *p, const struct tryall_addr *addrs, unsigned n, int only_family)
{
    if (p->next >= PLAN_MAX || p->winner >= 0)
        return 0;
    /* The attempts not started yet and the new ones, interleaved again. */
    struct tryall_addr v[2 * PLAN_MAX];
    unsigned nv = 0, before = p->n;
    for (unsigned i = p->next; i < p->n; i++)
        v[nv++] = p->order[i];
    for (unsigned i = 0; i < n && nv < 2 * PLAN_MAX; i++)
        v[nv++] = addrs[i];
    int first = p->next > 0 ? other_family(p->order[p->next - 1].family) : AF_INET6;
    p->n = interleave(p->order, p->next, PLAN_MAX, v, nv, first, only_family);
    for (unsigned i = before; i < p->n; i++) {
        p->state[i] = ATT_IDLE;
        p->error[i] = 0;
    }
    return p->n - before;
}

void plan_init(struct plan *p, const struct tryall_addr *order, unsigned n, unsigned delay_ms)
{
    memset(p, 0, sizeof *p);
    if (n > PLAN_MAX)
        n = PLAN_MAX;
    p->n = n;
    memcpy(p->order, order, n * sizeof *order);
    p->delay_ms = delay_ms;
    p->winner = -1;
    p->poll_ms = PLAN_PENDING_POLL_MS;
}

struct plan_step plan_next(const struct plan *p, uint64_t now_ms)
{
    struct plan_step s = { .verb = PLAN_WAIT, .index = 0, .wait_ms = -1, .error = 0 };
    if (p->winner >= 0) {
        s.verb = PLAN_WON;
        s.index = (unsigned)p->winner;
        return s;
    }
    if (p->next < p->n) {
        uint64_t due = p->last_start_ms + p->delay_ms;
        if (p->running == 0 || p->kick || now_ms >= due) {
            s.verb = PLAN_START;
            s.index = p->next;
        } else {
            s.wait_ms = (int64_t)(due - now_ms);
            if (p->pending && s.wait_ms > (int64_t)p->poll_ms)
                s.wait_ms = p->poll_ms;
        }
        return s;
    }
    if (p->pending) {
        s.wait_ms = p->poll_ms;   /* more may come: look again soon */
        return s;
    }
    if (p->running == 0) {
        s.verb = PLAN_FAILED;
        s.error = plan_choose_error(p);
    }
    return s;
}

void plan_started(struct plan *p, unsigned i, uint64_t now_ms)
{
    if (i >= p->n || p->state[i] != ATT_IDLE)
        return;
    p->state[i] = ATT_RUNNING;
    p->running++;
    p->last_start_ms = now_ms;
    p->kick = 0;
    if (i >= p->next)
        p->next = i + 1;
}

void plan_failed(struct plan *p, unsigned i, int err)
{
    if (i >= p->n)
        return;
    if (p->state[i] == ATT_RUNNING)
        p->running--;
    if (p->state[i] == ATT_IDLE && i >= p->next)
        p->next = i + 1;
    p->state[i] = ATT_FAILED;
    p->error[i] = err;
    p->kick = 1;
}

void plan_won(struct plan *p, unsigned i)
{
    if (i >= p->n)
        return;
    if (p->state[i] == ATT_RUNNING)
        p->running--;
    p->state[i] = ATT_WON;
    p->winner = (int)i;
}

int plan_choose_error(const struct plan *p)
{
    int timed_out = 0;
    for (unsigned i = 0; i < p->n; i++) {
        if (p->state[i] != ATT_FAILED)
            continue;
        if (p->error[i] == ECONNREFUSED)
            return ECONNREFUSED;
        if (p->error[i] == ETIMEDOUT)
            timed_out = 1;
    }
    if (timed_out)
        return ETIMEDOUT;
    return p->n && p->state[0] == ATT_FAILED ? p->error[0] : ETIMEDOUT;
}

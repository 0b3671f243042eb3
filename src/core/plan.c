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

unsigned plan_order(const struct tryall_list *list, const struct tryall_addr *target,
                    int only_family, struct tryall_addr *out, unsigned max)
{
    unsigned n = 0;
    if (max == 0)
        return 0;
    out[n++] = *target;

    /* Split the rest by family, keeping resolver order within each. */
    struct tryall_addr same[PLAN_MAX], other[PLAN_MAX];
    unsigned ns = 0, no = 0;
    for (unsigned i = 0; i < list->n && i < PLAN_MAX; i++) {
        const struct tryall_addr *a = &list->a[i];
        if (addr_equal(a, target) || (only_family && a->family != only_family))
            continue;
        if (a->family == target->family)
            same[ns++] = *a;
        else
            other[no++] = *a;
    }
    /* RFC 8305 section 4: after the first address family, alternate. */
    unsigned is = 0, io = 0;
    int take_other = 1;
    while (n < max && (is < ns || io < no)) {
        const struct tryall_addr *a;
        if ((take_other && io < no) || is >= ns)
            a = &other[io++];
        else
            a = &same[is++];
        if (!contains(out, n, a))
            out[n++] = *a;
        take_other = !take_other;
    }
    return n;
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
        }
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

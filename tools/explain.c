/* explain.c - owns the decision behind `--explain` (explain.h): the steps
 * of race_history_order (race/history.c), done on copies of the slots.
 * Pure. Must never decide anything race_history_order does not. */
#include "explain.h"

#include <string.h>

/* The slot and verdict of each address follow it through hist_sort. */
static void carry(struct explain *e, const struct tryall_addr *before, const struct hist_slot *slots,
                  const enum hist_verdict *v)
{
    for (unsigned i = 0; i < e->n; i++)
        for (unsigned j = 0; j < e->n; j++)
            if (addr_equal(&e->order[i], &before[j])) {
                e->slot[i] = slots[j];
                e->verdict[i] = v[j];
                break;
            }
}

void explain_plan(struct explain *e, const struct tryall_addr *order, const struct hist_slot *slots,
                  unsigned n, uint64_t now_ms, const struct explain_cfg *c)
{
    memset(e, 0, sizeof *e);
    e->n = n < PLAN_MAX ? n : PLAN_MAX;
    memcpy(e->order, order, e->n * sizeof *order);
    e->delay_ms = c->delay_ms;
    if (!c->history_on) {   /* race_history_order: no file, the delay as set */
        e->delay_how = EXPLAIN_DELAY_NO_HISTORY;
        return;
    }
    enum hist_verdict v[PLAN_MAX];
    uint32_t srtt = 0;
    for (unsigned i = 0; i < e->n; i++) {
        v[i] = hist_judge(&slots[i], now_ms);
        if (v[i] == HIST_GOOD && slots[i].srtt_us > srtt)
            srtt = slots[i].srtt_us;
    }
    hist_sort(e->order, v, e->n);
    carry(e, order, slots, v);
    e->target_bad = e->n > 1 && v[0] == HIST_BAD;
    if (c->delay_fixed) {
        e->delay_how = EXPLAIN_DELAY_FIXED;
        return;
    }
    e->delay_ms = hist_delay(srtt, c->delay_ms, c->delay_min_ms, c->delay_max_ms);
    e->delay_how = srtt ? EXPLAIN_DELAY_ADAPTIVE : EXPLAIN_DELAY_UNMEASURED;
    e->srtt_us = srtt;
}

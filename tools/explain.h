/* explain.h - owns what `tryall-run --explain` says libtryall would do with
 * a name's addresses: the order a race tries them in, each one's history
 * verdict, and the attempt delay. Pure: the same steps, on the same core
 * functions (plan_order's output in, hist_judge, hist_sort, hist_delay), as
 * race/history.c race_history_order, so the tool and the library cannot
 * disagree (tests/test_tool_agree.c holds them to it).
 * Must never make a system call, read a clock or the history file: the
 * caller passes the slots and the time in. */
#ifndef TRYALL_TOOL_EXPLAIN_H
#define TRYALL_TOOL_EXPLAIN_H

#include <stdint.h>
#include "core/history.h"
#include "core/plan.h"

/* The settings that decide the delay (core/config.h's, and whether the
 * history file could be opened). */
struct explain_cfg {
    unsigned delay_ms;          /* TRYALL_DELAY_MS, or the default */
    int delay_fixed;            /* TRYALL_DELAY_MS was given */
    unsigned delay_min_ms, delay_max_ms;
    int history_on;
};

enum explain_delay_how {
    EXPLAIN_DELAY_NO_HISTORY,   /* no history: delay_ms as configured */
    EXPLAIN_DELAY_FIXED,        /* TRYALL_DELAY_MS */
    EXPLAIN_DELAY_UNMEASURED,   /* adaptive, but no good address has a measure: the default */
    EXPLAIN_DELAY_ADAPTIVE,     /* adaptive, from srtt_us */
};

struct explain {
    unsigned n;
    struct tryall_addr order[PLAN_MAX];   /* order[0]: the app's target */
    struct hist_slot slot[PLAN_MAX];      /* order[i]'s slot (empty: none) */
    enum hist_verdict verdict[PLAN_MAX];  /* order[i]'s verdict now */
    unsigned delay_ms;
    int delay_how;                        /* enum explain_delay_how */
    uint32_t srtt_us;                     /* the measure the delay fits (ADAPTIVE) */
    int target_bad;                       /* the next attempt starts at once */
};

/* From plan_order's output order[0..n) and each address's slot (slots[i]
 * for order[i]; empty when the file holds none), at wall-clock now_ms. */
void explain_plan(struct explain *e, const struct tryall_addr *order, const struct hist_slot *slots,
                  unsigned n, uint64_t now_ms, const struct explain_cfg *c);

#endif

/* budget.c - owns the decisions of budget.h: the per-race cap on hidden
 * attempts, the margin of descriptor numbers left to the app, where a
 * hidden socket is parked, and what a start does at the wall.
 * Pure: must never make a system call, read a clock or allocate. */
#include "core/budget.h"

unsigned budget_margin(uint64_t limit)
{
    uint64_t m = limit / BUDGET_MARGIN_DIV;
    if (m < BUDGET_MARGIN_MIN)
        m = BUDGET_MARGIN_MIN;
    if (m > BUDGET_MARGIN_MAX)
        m = BUDGET_MARGIN_MAX;
    return (unsigned)m;
}

uint64_t budget_top(const struct budget *b)
{
    unsigned m = budget_margin(b->limit);
    return b->limit > m ? b->limit - m : 0;
}

int budget_fits(const struct budget *b, long fd)
{
    return fd >= 0 && (uint64_t)fd < budget_top(b);
}

long budget_floor(const struct budget *b, long lowest)
{
    uint64_t t = budget_top(b), base = b->limit > 4096 ? BUDGET_BASE_FLOOR : b->limit * 3 / 4;
    if (b->limit < 64 || lowest < 0 || (uint64_t)lowest >= t)
        return -1;
    uint64_t floor = base;
    /* The app's numbers come near the base floor: move up, so what it opens
     * next still gets the number it would get alone. */
    if ((uint64_t)lowest * 2 > base) {
        uint64_t twice = (uint64_t)lowest * 2, half = (uint64_t)lowest + (t - (uint64_t)lowest) / 2;
        floor = twice < half ? twice : half;
        if (floor < base)
            floor = base;
    }
    return floor < t && floor > (uint64_t)lowest ? (long)floor : -1;
}

int budget_at_wall(const struct budget *b, uint64_t now_ms)
{
    return b->walled && b->open >= b->wall && now_ms < b->probe_ms;
}

void budget_hit_wall(struct budget *b, uint64_t now_ms)
{
    b->walled = 1;
    b->wall = b->open;
    b->probe_ms = now_ms + BUDGET_PROBE_MS;
}

void budget_opened(struct budget *b)
{
    b->open++;
    if (b->walled && b->open > b->wall)
        b->walled = 0;   /* more fit than at the wall: the app freed descriptors */
}

void budget_closed(struct budget *b)
{
    if (b->open)
        b->open--;
}

unsigned budget_retry_ms(const struct budget *b)
{
    return b->open ? BUDGET_RETRY_MS : BUDGET_PROBE_MS;
}

enum budget_step budget_next(const struct budget *b, unsigned hidden, unsigned running,
                             int no_room, int evicted, uint64_t waited_ms, unsigned delay_ms,
                             uint64_t now_ms)
{
    if (hidden >= BUDGET_PER_RACE)
        return BUDGET_EVICT;
    if (!no_room && !budget_at_wall(b, now_ms))
        return BUDGET_GO;
    /* No descriptor: the race's own oldest hidden attempt makes room (once). */
    if (hidden > 0 && !evicted)
        return BUDGET_EVICT;
    /* Something of the race runs: it waits for a descriptor as long as that
     * runs (the app alone would wait as long for its own attempt). */
    if (running > 0)
        return BUDGET_WAIT;
    /* Nothing runs: wait a little for another race to free one, never when
     * no hidden attempt of ours is open (none will). */
    if (b->open == 0 || waited_ms >= 2 * (uint64_t)delay_ms)
        return BUDGET_GIVE_UP;
    return BUDGET_WAIT;
}

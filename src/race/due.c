/* due.c - owns the heap of races by the moment they next need a look (see
 * due.h): an array of races ordered as a binary min-heap on race.due_ms,
 * each race knowing its place (race.due_pos, 1-based; 0 = not in the heap),
 * so a race is entered, moved or dropped in O(log n) and the waits find the
 * due ones in O(1) each. The array grows by doubling (mmap'd through
 * sys/pool.h, never malloc) and is kept for reuse.
 * Must never be touched without the fdtable lock, never keep a race that
 * was dropped. */
#include "race/due.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "sys/pool.h"

#include <string.h>

static struct race **heap;   /* heap[1..n] */
static unsigned n, cap;

static void place(unsigned pos, struct race *r)
{
    heap[pos] = r;
    r->due_pos = pos;
}

static void up(unsigned pos)
{
    struct race *r = heap[pos];
    while (pos > 1 && heap[pos / 2]->due_ms > r->due_ms) {
        place(pos, heap[pos / 2]);
        pos /= 2;
    }
    place(pos, r);
}

static void down(unsigned pos)
{
    struct race *r = heap[pos];
    for (;;) {
        unsigned c = pos * 2;
        if (c > n)
            break;
        if (c < n && heap[c + 1]->due_ms < heap[c]->due_ms)
            c++;
        if (heap[c]->due_ms >= r->due_ms)
            break;
        place(pos, heap[c]);
        pos = c;
    }
    place(pos, r);
}

static int grow(void)
{
    unsigned ncap = cap ? cap * 2 : 1024;
    struct race **m = pool_big((ncap + 1) * sizeof *m);
    if (!m)
        return -1;
    if (heap) {
        memcpy(m, heap, (n + 1) * sizeof *m);
        pool_big_free(heap, (cap + 1) * sizeof *heap);
    }
    heap = m;
    cap = ncap;
    return 0;
}

void due_set(struct race *r, uint64_t at_ms)
{
    FDT_ASSERT_HELD();
    if (!r->due_pos) {
        if (n == cap && grow() != 0)
            return;
        r->due_ms = at_ms;
        place(++n, r);
        up(n);
        return;
    }
    uint64_t was = r->due_ms;
    r->due_ms = at_ms;
    if (at_ms < was)
        up(r->due_pos);
    else if (at_ms > was)
        down(r->due_pos);
}

void due_after_advance(struct race *r, uint64_t now_ms, int64_t wait)
{
    if (race_running(r) && r->in_table && wait >= 0)
        due_set(r, now_ms + (uint64_t)wait);
    else
        due_drop(r);
}

void due_drop(struct race *r)
{
    FDT_ASSERT_HELD();
    unsigned pos = r->due_pos;
    if (!pos)
        return;
    r->due_pos = 0;
    struct race *last = heap[n--];
    if (pos > n)
        return;   /* r was the last */
    place(pos, last);
    if (pos > 1 && heap[pos / 2]->due_ms > last->due_ms)
        up(pos);
    else
        down(pos);
}

uint64_t due_next(void)
{
    FDT_ASSERT_HELD();
    return n ? heap[1]->due_ms : UINT64_MAX;
}

struct race *due_pop(uint64_t now_ms)
{
    FDT_ASSERT_HELD();
    if (!n || heap[1]->due_ms > now_ms)
        return NULL;
    struct race *r = heap[1];
    due_drop(r);
    return r;
}

unsigned due_count(void)
{
    return n;
}

void due_reset(void)
{
    for (unsigned i = 1; i <= n; i++)
        heap[i]->due_pos = 0;
    n = 0;
}

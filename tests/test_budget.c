/* test_budget.c - unit tests for src/core/budget.c (the limits on hidden
 * attempt sockets).
 * Covers: budget_margin (1/16 of the limit, clamped to 16..1024);
 * budget_fits (only numbers below the margin, none when the limit is all
 * margin); budget_floor (the base floor for small numbers, moving up as the
 * app's numbers grow, never into the margin, -1 when there is no room or a
 * tiny limit); the wall (hit, held while our count stays at it, lifted by a
 * close of ours, by the probe time, or by a start that fits beyond it);
 * budget_next (the per-race cap evicts, a free start goes, no room evicts
 * the oldest once, then waits while something runs, gives up at once when
 * nothing of ours can free a descriptor, else after twice the delay); and a
 * simulated process (a descriptor table that hands out the lowest free
 * number, the decisions driven as race/room.c drives them) where N races of
 * "two black holes, then a good address" must all connect, no hidden socket
 * ever takes a number in the margin, and the app can still open the margin's
 * descriptors at the worst moment. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "budget.h"

/* ---- margin, fits, floor ---------------------------------------------- */

static void test_margin(void **state)
{
    (void)state;
    assert_int_equal(budget_margin(0), BUDGET_MARGIN_MIN);
    assert_int_equal(budget_margin(64), 16);
    assert_int_equal(budget_margin(1024), 64);
    assert_int_equal(budget_margin(3000), 187);
    assert_int_equal(budget_margin(16384), 1024);
    assert_int_equal(budget_margin(20000), 1024);
    assert_int_equal(budget_margin(1u << 20), BUDGET_MARGIN_MAX);
}

static void test_fits(void **state)
{
    (void)state;
    struct budget b = { .limit = 1024 };
    assert_int_equal(budget_top(&b), 960);
    assert_true(budget_fits(&b, 0));
    assert_true(budget_fits(&b, 959));
    assert_false(budget_fits(&b, 960));
    assert_false(budget_fits(&b, 1023));
    assert_false(budget_fits(&b, -1));
    b.limit = 10;   /* all margin (16 > 10): nothing fits */
    assert_int_equal(budget_top(&b), 0);
    assert_false(budget_fits(&b, 0));
    b.limit = 0;    /* never read */
    assert_false(budget_fits(&b, 3));
}

static void test_floor(void **state)
{
    (void)state;
    struct budget b = { .limit = 1024 };
    /* Small numbers: 3/4 of a small limit. */
    assert_int_equal(budget_floor(&b, 5), 768);
    assert_int_equal(budget_floor(&b, 384), 768);
    /* The app's numbers grow towards it: twice as high, or halfway to the
     * margin (960), whichever is lower, never below the base. */
    assert_int_equal(budget_floor(&b, 400), 768);   /* halfway (680) is below the base */
    assert_int_equal(budget_floor(&b, 700), 830);
    assert_int_equal(budget_floor(&b, 958), 959);
    assert_int_equal(budget_floor(&b, 959), -1);   /* nothing above it below the margin */
    assert_int_equal(budget_floor(&b, 960), -1);
    /* A big limit: the base is 3072. */
    b.limit = 20000;
    assert_int_equal(budget_floor(&b, 3), BUDGET_BASE_FLOOR);
    assert_int_equal(budget_floor(&b, 1536), BUDGET_BASE_FLOOR);
    assert_int_equal(budget_floor(&b, 2000), 4000);
    assert_int_equal(budget_floor(&b, 10004), 10004 + (18976 - 10004) / 2);
    b.limit = 1u << 20;   /* a huge limit does not push the floor up by itself */
    assert_int_equal(budget_floor(&b, 10), BUDGET_BASE_FLOOR);
    assert_int_equal(budget_floor(&b, 5000), 10000);
    b.limit = 63;
    assert_int_equal(budget_floor(&b, 3), -1);
    b.limit = 1024;
    assert_int_equal(budget_floor(&b, -1), -1);
}

/* ---- the wall ---------------------------------------------------------- */

static void test_wall(void **state)
{
    (void)state;
    struct budget b = { .limit = 1024 };
    assert_false(budget_at_wall(&b, 0));
    for (int i = 0; i < 3; i++)
        budget_opened(&b);
    budget_hit_wall(&b, 1000);
    assert_true(budget_at_wall(&b, 1000));
    assert_true(budget_at_wall(&b, 1000 + BUDGET_PROBE_MS - 1));
    assert_false(budget_at_wall(&b, 1000 + BUDGET_PROBE_MS));   /* the probe may try */
    budget_closed(&b);                                          /* one of ours went */
    assert_false(budget_at_wall(&b, 1001));
    budget_opened(&b);                                          /* ... and was taken again */
    assert_true(budget_at_wall(&b, 1002));
    budget_hit_wall(&b, 2000);
    budget_opened(&b);   /* a start fitted beyond the wall: the app freed some */
    assert_false(budget_at_wall(&b, 2001));
    assert_int_equal(b.open, 4);
    /* At the wall with none of ours open: only the probe tries. */
    struct budget z = { .limit = 64 };
    budget_hit_wall(&z, 10);
    assert_true(budget_at_wall(&z, 11));
    assert_false(budget_at_wall(&z, 10 + BUDGET_PROBE_MS));
    budget_closed(&z);   /* never below zero */
    assert_int_equal(z.open, 0);
}

/* ---- one race's next start --------------------------------------------- */

static void test_next(void **state)
{
    (void)state;
    struct budget b = { .limit = 1024 };
    /* Free room. */
    assert_int_equal(budget_next(&b, 0, 1, 0, 0, 0, 250, 0), BUDGET_GO);
    assert_int_equal(budget_next(&b, BUDGET_PER_RACE - 1, 1, 0, 0, 0, 250, 0), BUDGET_GO);
    /* The per-race cap: the oldest goes first, room or not. */
    assert_int_equal(budget_next(&b, BUDGET_PER_RACE, 1, 0, 0, 0, 250, 0), BUDGET_EVICT);
    assert_int_equal(budget_next(&b, BUDGET_PER_RACE, 1, 1, 1, 0, 250, 0), BUDGET_EVICT);
    /* No room, the race has a hidden attempt: give it up, once. */
    assert_int_equal(budget_next(&b, 2, 3, 1, 0, 0, 250, 0), BUDGET_EVICT);
    assert_int_equal(budget_next(&b, 2, 3, 1, 1, 0, 250, 0), BUDGET_WAIT);
    /* No room and nothing hidden: wait while the app's own attempt runs,
     * however long. */
    assert_int_equal(budget_next(&b, 0, 1, 1, 0, 1000000, 250, 0), BUDGET_WAIT);
    /* Nothing runs: with none of ours open nothing will free a number. */
    assert_int_equal(budget_next(&b, 0, 0, 1, 0, 0, 250, 0), BUDGET_GIVE_UP);
    /* ... with some open, wait up to twice the delay. */
    b.open = 7;
    assert_int_equal(budget_next(&b, 0, 0, 1, 0, 0, 250, 0), BUDGET_WAIT);
    assert_int_equal(budget_next(&b, 0, 0, 1, 0, 499, 250, 0), BUDGET_WAIT);
    assert_int_equal(budget_next(&b, 0, 0, 1, 0, 500, 250, 0), BUDGET_GIVE_UP);
    /* Known to be at the wall: the same without trying first. */
    budget_hit_wall(&b, 100);
    assert_int_equal(budget_next(&b, 1, 2, 0, 0, 0, 250, 101), BUDGET_EVICT);
    assert_int_equal(budget_next(&b, 0, 1, 0, 0, 0, 250, 101), BUDGET_WAIT);
    assert_int_equal(budget_next(&b, 0, 1, 0, 0, 0, 250, 100 + BUDGET_PROBE_MS), BUDGET_GO);
    /* A waiting start looks again soon while ours can free one, else at the
     * probe interval. */
    assert_int_equal(budget_retry_ms(&b), BUDGET_RETRY_MS);
    b.open = 0;
    assert_int_equal(budget_retry_ms(&b), BUDGET_PROBE_MS);
}

/* ---- a simulated process ---------------------------------------------- */

#define SIM_LIMIT 3000
#define SIM_RACES 2000
#define SIM_APP   (SIM_RACES + 4)   /* the app's sockets, std streams, its epoll set */
#define SIM_DELAY 250

static unsigned char used[SIM_LIMIT];

static int sim_socket(void)   /* the kernel: the lowest free number, or EMFILE */
{
    for (int i = 0; i < SIM_LIMIT; i++)
        if (!used[i]) {
            used[i] = 1;
            return i;
        }
    return -1;
}

struct sim_race {
    int next;          /* next attempt to start: 1, 2, or 3 when done */
    int hidden[2];     /* descriptors of attempts 1 and 2, -1 when none */
    uint64_t due, deferred;
    int connected;
};

/* One due start of race r, as race/room.c makes it. 1 started, 0 later. */
static int sim_start(struct budget *b, struct sim_race *r, uint64_t now)
{
    int no_room = 0, evicted = 0;
    for (int k = 0; k < 8; k++) {
        unsigned hidden = (r->hidden[0] >= 0) + (r->hidden[1] >= 0);
        uint64_t waited = r->deferred ? now - r->deferred : 0;
        switch (budget_next(b, hidden, 1 + hidden, no_room, evicted, waited, SIM_DELAY, now)) {
        case BUDGET_EVICT:
            evicted |= no_room || budget_at_wall(b, now);
            for (int i = 0; i < 2; i++)
                if (r->hidden[i] >= 0) {
                    used[r->hidden[i]] = 0;
                    r->hidden[i] = -1;
                    budget_closed(b);
                    break;
                }
            no_room = 0;
            continue;
        case BUDGET_WAIT:
            if (!r->deferred)
                r->deferred = now;
            r->due = now + BUDGET_RETRY_MS;
            return 0;
        case BUDGET_GIVE_UP:
            fail_msg("the app's own attempt runs: a start must never give up");
            return 0;
        case BUDGET_GO:
            break;
        }
        int s = sim_socket();
        if (s >= 0 && !budget_fits(b, s)) {
            used[s] = 0;
            s = -1;
        }
        if (s < 0) {
            budget_hit_wall(b, now);
            no_room = 1;
            continue;
        }
        budget_opened(b);
        r->deferred = 0;
        r->hidden[r->next - 1] = s;
        return 1;
    }
    return 0;
}

static void test_simulated_exhaustion(void **state)
{
    (void)state;
    static struct sim_race races[SIM_RACES];
    struct budget b = { .limit = SIM_LIMIT };
    memset(used, 0, sizeof used);
    for (int i = 0; i < SIM_APP; i++)
        used[i] = 1;
    for (int i = 0; i < SIM_RACES; i++)
        races[i] = (struct sim_race){ .next = 1, .hidden = { -1, -1 }, .due = SIM_DELAY };
    int connected = 0, margin_checked = 0;
    unsigned peak = 0;
    for (uint64_t now = 0; now < 20000 && connected < SIM_RACES; now++) {
        for (int i = 0; i < SIM_RACES; i++) {
            struct sim_race *r = &races[i];
            if (r->connected || r->due > now)
                continue;
            if (!sim_start(&b, r, now))
                continue;
            if (r->next == 2) {   /* the good address: connects at once, handed over */
                used[r->hidden[1]] = 0;
                r->hidden[1] = -1;
                budget_closed(&b);
                if (r->hidden[0] >= 0) {   /* the loser */
                    used[r->hidden[0]] = 0;
                    r->hidden[0] = -1;
                    budget_closed(&b);
                }
                r->connected = 1;
                connected++;
            } else {
                r->next = 2;
                r->due = now + SIM_DELAY;
            }
        }
        if (b.open > peak)
            peak = b.open;
        /* Never a hidden socket in the margin ... */
        for (int fd = (int)budget_top(&b); fd < SIM_LIMIT; fd++)
            assert_int_equal(used[fd], 0);
        /* ... so at the fullest moment the app still opens that many. */
        if (!margin_checked && budget_at_wall(&b, now)) {
            int got[BUDGET_MARGIN_MAX], n = 0;
            while (n < (int)budget_margin(SIM_LIMIT) && (got[n] = sim_socket()) >= 0)
                n++;
            assert_int_equal(n, budget_margin(SIM_LIMIT));
            while (n--)
                used[got[n]] = 0;
            margin_checked = 1;
        }
    }
    assert_int_equal(connected, SIM_RACES);
    assert_true(margin_checked);   /* the wall was met: the test tested it */
    assert_int_equal(peak, SIM_LIMIT - budget_margin(SIM_LIMIT) - SIM_APP);
    assert_int_equal(b.open, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_margin),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_floor),
        cmocka_unit_test(test_wall),
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_simulated_exhaustion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

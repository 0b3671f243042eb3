/* test_tool_agree.c - tryall-tool's --explain and the library cannot
 * disagree: for many random lists and histories written to a real history
 * file (sys/histfile.c, in a private temporary directory), explain_plan
 * (tools/explain.c, on the slots histfile_get reads) gives the same order,
 * the same attempt delay and the same "target failed lately" as the
 * library's own race_history_order (race/history.c, linked in). The rounds
 * are checked to include reordered lists, bad targets and adaptive delays,
 * so agreement on trivial cases alone cannot pass. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "explain.h"
#include "core/config.h"
#include "race/race.h"
#include "sys/histfile.h"

#define PORT 8443
#define ROUNDS 400

static char dir[] = "/tmp/test_tool_agree.XXXXXX";
static char file[64];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/history", dir);
    setenv("TRYALL_HISTORY", file, 1);   /* before the settings are first read */
    return histfile_ready();
}

static int teardown(void **state)
{
    (void)state;
    unlink(file);
    return rmdir(dir);
}

static struct tryall_addr addr(unsigned i)
{
    struct tryall_addr a;
    memset(&a, 0, sizeof a);
    if (rand() % 2) {
        a.family = AF_INET;
        a.bytes[0] = 198, a.bytes[1] = 51, a.bytes[2] = 100, a.bytes[3] = (uint8_t)i;
    } else {
        a.family = AF_INET6;
        a.bytes[0] = 0x20, a.bytes[1] = 0x01, a.bytes[2] = 0x0d, a.bytes[3] = 0xb8;
        a.bytes[15] = (uint8_t)i;
    }
    return a;
}

/* A random past for a: nothing, or 1..4 outcomes of one kind, at an age
 * seconds away from every threshold of core/history.h. */
static void past(const struct tryall_addr *a, uint64_t now)
{
    static const uint64_t age_s[] = { 1, 20, 45, 90, 300, 540, 1200, 3000, 7200 };
    int outcome = rand() % (HIST_ABANDONED + 1);   /* HIST_EMPTY: none */
    uint64_t when = now - age_s[rand() % 9] * 1000u;
    unsigned times = 1 + (unsigned)rand() % 4;
    for (unsigned k = 0; outcome != HIST_EMPTY && k < times; k++)
        histfile_put(a, PORT, outcome, 100 + (uint32_t)rand() % 300000, when);
}

static void test_agree(void **state)
{
    (void)state;
    const struct tryall_config *tc = tryall_config();
    struct explain_cfg c = { tc->delay_ms, tc->delay_fixed, tc->delay_min_ms, tc->delay_max_ms, 1 };
    static struct race r;
    unsigned moved = 0, bad_target = 0, adapted = 0;
    srand(13);
    for (unsigned round = 0; round < ROUNDS; round++) {
        assert_int_equal(histfile_clear(), 0);
        unsigned n = 2 + (unsigned)rand() % 7;
        struct tryall_addr order[PLAN_MAX], lib[PLAN_MAX];
        struct hist_slot slots[PLAN_MAX];
        uint64_t now = histfile_now_ms();
        for (unsigned i = 0; i < n; i++) {
            order[i] = addr(i + 1);
            past(&order[i], now);
        }
        memcpy(lib, order, sizeof order);
        memset(&r, 0, sizeof r);
        r.port = PORT;
        unsigned delay = race_history_order(&r, lib, n);
        for (unsigned i = 0; i < n; i++)
            histfile_get(&order[i], PORT, &slots[i]);
        struct explain e;
        explain_plan(&e, order, slots, n, histfile_now_ms(), &c);
        for (unsigned i = 0; i < n; i++)
            assert_true(addr_equal(&e.order[i], &lib[i]));
        assert_int_equal(e.delay_ms, delay);
        assert_int_equal(e.target_bad, r.target_bad);
        moved += memcmp(lib, order, n * sizeof order[0]) != 0;
        bad_target += r.target_bad;
        adapted += delay != tc->delay_ms;
    }
    assert_true(moved > ROUNDS / 10);
    assert_true(bad_target > ROUNDS / 10);
    assert_true(adapted > ROUNDS / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_agree) };
    return cmocka_run_group_tests(tests, setup, teardown);
}

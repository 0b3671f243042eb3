/* test_tool_explain.c - unit tests for tools/explain.c (what --explain says
 * a race would do). Covers, with orders worked out by hand from RFC 8305
 * section 4 and the history rules (core/history.h): no history (order and
 * delay as configured, every verdict unknown); a mixed list (the app's
 * target stays first even when bad; within each family good, unknown, bad;
 * families interleaved from the one the target is not); each slot and
 * verdict follows its address; the adaptive delay from the largest srtt of
 * a good address, clamped; none measured (the default); TRYALL_DELAY_MS
 * (order still sorted, delay fixed); target_bad only with an alternative. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "explain.h"
#include "addrkit.h"

#define NOW 10000000000ull
#define PORT 443

static struct hist_slot rec(struct tryall_addr a, int outcome, uint32_t rtt_us, uint64_t age_ms)
{
    struct hist_slot s;
    memset(&s, 0, sizeof s);
    hist_record(&s, &a, PORT, outcome, rtt_us, NOW - age_ms);
    return s;
}

static const struct explain_cfg adaptive = { 250, 0, 10, 250, 1 };

/* plan_order's output for the list below: target doc6(1), then doc4(1), doc6(2),
 * doc4(2), doc6(3). History: doc6(1) refused, doc4(1) refused, doc6(2) none, doc4(2)
 * connected (40 ms), doc6(3) connected (20 ms). */
static unsigned mixed(struct tryall_addr *o, struct hist_slot *s)
{
    o[0] = doc6(1), o[1] = doc4(1), o[2] = doc6(2), o[3] = doc4(2), o[4] = doc6(3);
    memset(s, 0, 5 * sizeof *s);
    s[0] = rec(o[0], HIST_REFUSED, 0, 5000);
    s[1] = rec(o[1], HIST_REFUSED, 0, 5000);
    s[3] = rec(o[3], HIST_CONNECTED, 40000, 60000);
    s[4] = rec(o[4], HIST_CONNECTED, 20000, 60000);
    return 5;
}

static void assert_addr(const struct tryall_addr *got, struct tryall_addr want)
{
    assert_int_equal(got->family, want.family);
    assert_memory_equal(got->bytes, want.bytes, 16);
}

static void test_no_history(void **state)
{
    (void)state;
    struct tryall_addr o[5];
    struct hist_slot s[5];
    struct explain e;
    struct explain_cfg c = adaptive;
    c.history_on = 0;
    explain_plan(&e, o, s, mixed(o, s), NOW, &c);
    assert_int_equal(e.n, 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_addr(&e.order[i], o[i]);
        assert_int_equal(e.verdict[i], HIST_UNKNOWN);
    }
    assert_int_equal(e.delay_ms, 250);
    assert_int_equal(e.delay_how, EXPLAIN_DELAY_NO_HISTORY);
    assert_int_equal(e.target_bad, 0);
}

static void test_mixed_order(void **state)
{
    (void)state;
    struct tryall_addr o[5];
    struct hist_slot s[5];
    struct explain e;
    explain_plan(&e, o, s, mixed(o, s), NOW, &adaptive);
    /* target; then v4 good, v6 good, v4 bad, v6 unknown */
    struct tryall_addr want[5] = { doc6(1), doc4(2), doc6(3), doc4(1), doc6(2) };
    enum hist_verdict wv[5] = { HIST_BAD, HIST_GOOD, HIST_GOOD, HIST_BAD, HIST_UNKNOWN };
    for (unsigned i = 0; i < 5; i++) {
        assert_addr(&e.order[i], want[i]);
        assert_int_equal(e.verdict[i], wv[i]);
        if (wv[i] == HIST_UNKNOWN)
            assert_int_equal(e.slot[i].family, 0);
        else
            assert_true(hist_slot_is(&e.slot[i], &want[i], PORT));
    }
    assert_int_equal(e.target_bad, 1);
    /* the largest srtt of a good address: 40 ms -> 2 x 40 + 10 */
    assert_int_equal(e.delay_how, EXPLAIN_DELAY_ADAPTIVE);
    assert_int_equal(e.srtt_us, 40000);
    assert_int_equal(e.delay_ms, 90);
}

static void test_delay_clamped_and_unmeasured(void **state)
{
    (void)state;
    struct tryall_addr o[2] = { doc6(1), doc4(1) };
    struct hist_slot s[2] = { rec(o[0], HIST_CONNECTED, 500000, 1000), rec(o[1], HIST_CONNECTED, 100, 1000) };
    struct explain e;
    explain_plan(&e, o, s, 2, NOW, &adaptive);
    assert_int_equal(e.delay_ms, 250);   /* 2 x 500 + 10, clamped */
    s[0] = rec(o[0], HIST_CONNECTED, 1000, 1000);
    explain_plan(&e, o, s, 2, NOW, &adaptive);
    assert_int_equal(e.delay_ms, 12);
    s[0] = rec(o[0], HIST_CONNECTED, 1000, 2 * 3600000);   /* too old: unknown, no measure */
    s[1] = rec(o[1], HIST_TIMEDOUT, 0, 1000);
    explain_plan(&e, o, s, 2, NOW, &adaptive);
    assert_int_equal(e.verdict[0], HIST_UNKNOWN);
    assert_int_equal(e.delay_how, EXPLAIN_DELAY_UNMEASURED);
    assert_int_equal(e.delay_ms, 250);
    assert_int_equal(e.target_bad, 0);
}

static void test_fixed_delay(void **state)
{
    (void)state;
    struct tryall_addr o[5];
    struct hist_slot s[5];
    struct explain e;
    struct explain_cfg c = { 300, 1, 10, 250, 1 };
    explain_plan(&e, o, s, mixed(o, s), NOW, &c);
    assert_int_equal(e.delay_how, EXPLAIN_DELAY_FIXED);
    assert_int_equal(e.delay_ms, 300);
    assert_addr(&e.order[1], doc4(2));   /* still sorted */
    assert_int_equal(e.target_bad, 1);
}

static void test_single_bad_target(void **state)
{
    (void)state;
    struct tryall_addr o[1] = { doc4(9) };
    struct hist_slot s[1] = { rec(o[0], HIST_REFUSED, 0, 1000) };
    struct explain e;
    explain_plan(&e, o, s, 1, NOW, &adaptive);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.verdict[0], HIST_BAD);
    assert_int_equal(e.target_bad, 0);   /* nothing to start instead */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_history),   cmocka_unit_test(test_mixed_order),
        cmocka_unit_test(test_delay_clamped_and_unmeasured),
        cmocka_unit_test(test_fixed_delay),  cmocka_unit_test(test_single_bad_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_plan.c - unit tests for src/plan.c (the race planner).
 * Covers: plan_order (app's target first, then families interleaved in
 * resolver order per RFC 8305 section 4 starting with the family other than
 * the target's, leftovers of one family last; a target not in the list is
 * still first; only_family filter; max); the plan_next / plan_started /
 * plan_failed / plan_won state machine driven by an injected clock
 * (connection-attempt delay, WAIT with the remaining time, a failure starts
 * the next attempt at once, WAIT -1 when everything is running, WON,
 * FAILED); plan_choose_error (ECONNREFUSED > ETIMEDOUT > attempt 0's). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "book.h"
#include "plan.h"
#include "addrkit.h"

/* ---- plan_order ------------------------------------------------------ */

static void test_order_target_first_then_interleave(void **state)
{
    (void)state;
    /* resolver order: A1 A2 A3 B1 B2 (v6 = A, v4 = B), target B2 (v4):
     * B2, then the other family (v6) first: A1 B1 A2, leftovers A3. */
    struct tryall_addr in[] = { doc6(1), doc6(2), doc6(3), doc4(1), doc4(2) };
    struct tryall_list l = addrkit_list("plan.test", in, 5);
    struct tryall_addr t = doc4(2), out[PLAN_MAX];
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    struct tryall_addr want[] = { doc4(2), doc6(1), doc4(1), doc6(2), doc6(3) };
    assert_addrs(out, n, want, 5);
}

static void test_order_target_v6(void **state)
{
    (void)state;
    /* resolver order v4 v6 v4 v6 v4 v4, target doc6(2) */
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2), doc6(2), doc4(3), doc4(4) };
    struct tryall_list l = addrkit_list("plan.test", in, 6);
    struct tryall_addr t = doc6(2), out[PLAN_MAX];
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    struct tryall_addr want[] = { doc6(2), doc4(1), doc6(1), doc4(2), doc4(3), doc4(4) };
    assert_addrs(out, n, want, 6);
}

static void test_order_target_is_first_of_list(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc6(1), doc6(2), doc4(1), doc4(2) };
    struct tryall_list l = addrkit_list("plan.test", in, 4);
    struct tryall_addr t = doc6(1), out[PLAN_MAX];
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    struct tryall_addr want[] = { doc6(1), doc4(1), doc6(2), doc4(2) };
    assert_addrs(out, n, want, 4);
}

static void test_order_single_family(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc4(2), doc4(3), doc4(4) };
    struct tryall_list l = addrkit_list("plan.test", in, 4);
    struct tryall_addr t = doc4(3), out[PLAN_MAX];
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    struct tryall_addr want[] = { doc4(3), doc4(1), doc4(2), doc4(4) };
    assert_addrs(out, n, want, 4);
}

static void test_order_target_not_in_list(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc4(2), doc6(1) };
    struct tryall_list l = addrkit_list("plan.test", in, 3);
    struct tryall_addr t = doc4(99), out[PLAN_MAX];
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    struct tryall_addr want[] = { doc4(99), doc6(1), doc4(1), doc4(2) };
    assert_addrs(out, n, want, 4);
}

static void test_order_only_family(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc6(1), doc4(1), doc6(2), doc4(2), doc6(3) };
    struct tryall_list l = addrkit_list("plan.test", in, 5);
    struct tryall_addr out[PLAN_MAX];

    struct tryall_addr t6 = doc6(2);
    unsigned n = plan_order(&l, &t6, AF_INET6, out, PLAN_MAX);
    struct tryall_addr want6[] = { doc6(2), doc6(1), doc6(3) };
    assert_addrs(out, n, want6, 3);

    struct tryall_addr t4 = doc4(2);
    n = plan_order(&l, &t4, AF_INET, out, PLAN_MAX);
    struct tryall_addr want4[] = { doc4(2), doc4(1) };
    assert_addrs(out, n, want4, 2);
}

static void test_order_max(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc6(1), doc6(2), doc6(3), doc4(1), doc4(2) };
    struct tryall_list l = addrkit_list("plan.test", in, 5);
    struct tryall_addr t = doc4(2), out[8];
    memset(out, 0xab, sizeof out);
    unsigned n = plan_order(&l, &t, 0, out, 3);
    struct tryall_addr want[] = { doc4(2), doc6(1), doc4(1) };
    assert_addrs(out, n, want, 3);
    /* nothing written past max */
    struct tryall_addr canary;
    memset(&canary, 0xab, sizeof canary);
    assert_memory_equal(&out[3], &canary, sizeof canary);

    n = plan_order(&l, &t, 0, out, 1);
    assert_addrs(out, n, want, 1);
}

static void test_order_full_list_plus_foreign_target(void **state)
{
    (void)state;
    /* A full list and a target not in it: never more than max entries. */
    struct tryall_addr in[BOOK_MAX_ADDRS];
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++)
        in[i] = (i % 2) ? doc6((uint8_t)i) : doc4((uint8_t)i);
    struct tryall_list l = addrkit_list("plan.test", in, BOOK_MAX_ADDRS);
    struct tryall_addr t = doc4(200), out[PLAN_MAX + 1];
    memset(out, 0xab, sizeof out);
    unsigned n = plan_order(&l, &t, 0, out, PLAN_MAX);
    assert_int_equal(n, PLAN_MAX);
    assert_true(addr_equal(&out[0], &t));
    struct tryall_addr canary;
    memset(&canary, 0xab, sizeof canary);
    assert_memory_equal(&out[PLAN_MAX], &canary, sizeof canary);
    /* no address twice */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            assert_false(addr_equal(&out[i], &out[j]));
}

/* ---- state machine --------------------------------------------------- */

#define T 100000u

static void expect_start(const struct plan *p, uint64_t now, unsigned idx)
{
    struct plan_step s = plan_next(p, now);
    if (s.verb != PLAN_START || s.index != idx)
        fail_msg("at %llu: got verb %d index %u wait %lld, want START %u",
                 (unsigned long long)now, (int)s.verb, s.index, (long long)s.wait_ms, idx);
}

static void expect_wait(const struct plan *p, uint64_t now, int64_t ms)
{
    struct plan_step s = plan_next(p, now);
    if (s.verb != PLAN_WAIT || s.wait_ms != ms)
        fail_msg("at %llu: got verb %d index %u wait %lld, want WAIT %lld",
                 (unsigned long long)now, (int)s.verb, s.index, (long long)s.wait_ms,
                 (long long)ms);
}

static void expect_failed(const struct plan *p, uint64_t now, int err)
{
    struct plan_step s = plan_next(p, now);
    if (s.verb != PLAN_FAILED || s.error != err)
        fail_msg("at %llu: got verb %d error %d (%s), want FAILED %d (%s)",
                 (unsigned long long)now, (int)s.verb, s.error, strerror(s.error), err,
                 strerror(err));
}

static void init3(struct plan *p, unsigned n, unsigned delay)
{
    struct tryall_addr o[] = { doc4(1), doc6(1), doc4(2), doc6(2) };
    memset(p, 0x5a, sizeof *p);   /* plan_init must set everything */
    plan_init(p, o, n, delay);
}

static void test_init(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 3, 250);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.next, 0);
    assert_int_equal(p.running, 0);
    assert_int_equal(p.winner, -1);
    assert_int_equal(p.delay_ms, 250);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(p.state[i], ATT_IDLE);
    assert_true(addr_equal(&p.order[0], &(struct tryall_addr){ .family = AF_INET, .bytes = { 192, 0, 2, 1 } }));
}

static void test_delay_then_second_attempt(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 3, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    assert_int_equal(p.state[0], ATT_RUNNING);
    assert_int_equal(p.running, 1);

    expect_wait(&p, T, 250);
    expect_wait(&p, T + 1, 249);
    expect_wait(&p, T + 100, 150);
    expect_wait(&p, T + 249, 1);
    expect_start(&p, T + 250, 1);
    plan_started(&p, 1, T + 250);
    /* the earlier attempt keeps running */
    assert_int_equal(p.running, 2);
    assert_int_equal(p.state[0], ATT_RUNNING);
    assert_int_equal(p.state[1], ATT_RUNNING);

    expect_wait(&p, T + 260, 240);
    /* late wake-up: past the delay, start at once */
    expect_start(&p, T + 900, 2);
    plan_started(&p, 2, T + 900);
    assert_int_equal(p.running, 3);
    /* everything started and running: wait for an outcome */
    expect_wait(&p, T + 900, -1);
    expect_wait(&p, T + 100000, -1);
}

static void test_failure_starts_next_at_once(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 3, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    plan_failed(&p, 0, ECONNREFUSED);
    assert_int_equal(p.state[0], ATT_FAILED);
    assert_int_equal(p.running, 0);
    assert_int_equal(p.error[0], ECONNREFUSED);
    expect_start(&p, T + 3, 1);              /* no waiting for the delay */
    plan_started(&p, 1, T + 3);
    expect_wait(&p, T + 4, 249);             /* delay counts from the newest start */

    expect_start(&p, T + 253, 2);
    plan_started(&p, 2, T + 253);
    plan_failed(&p, 1, EHOSTUNREACH);
    plan_failed(&p, 2, ENETUNREACH);
    expect_failed(&p, T + 254, ECONNREFUSED);
}

static void test_failure_while_another_runs_starts_next_at_once(void **state)
{
    (void)state;
    /* Attempt 0 hangs (black hole), attempt 1 fails fast (no route): the
     * next attempt starts at once, not when the delay since attempt 1 ends. */
    struct plan p;
    init3(&p, 4, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    expect_start(&p, T + 250, 1);
    plan_started(&p, 1, T + 250);
    plan_failed(&p, 1, ENETUNREACH);
    assert_int_equal(p.running, 1);
    assert_int_equal(p.state[0], ATT_RUNNING);
    expect_start(&p, T + 260, 2);
}

static void test_single_attempt(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 1, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    expect_wait(&p, T, -1);
    expect_wait(&p, T + 1000, -1);
    plan_failed(&p, 0, ETIMEDOUT);
    expect_failed(&p, T + 1000, ETIMEDOUT);
}

static void test_won(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 3, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    expect_start(&p, T + 250, 1);
    plan_started(&p, 1, T + 250);
    plan_won(&p, 1);
    assert_int_equal(p.winner, 1);
    assert_int_equal(p.state[1], ATT_WON);
    struct plan_step s = plan_next(&p, T + 260);
    assert_int_equal(s.verb, PLAN_WON);
    assert_int_equal(s.index, 1);
    /* still WON later, and attempt 2 is never started */
    s = plan_next(&p, T + 10000);
    assert_int_equal(s.verb, PLAN_WON);
    assert_int_equal(s.index, 1);

    /* the first attempt winning */
    init3(&p, 3, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    plan_won(&p, 0);
    s = plan_next(&p, T + 5);
    assert_int_equal(s.verb, PLAN_WON);
    assert_int_equal(s.index, 0);

    /* a win after earlier attempts failed */
    init3(&p, 3, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    plan_failed(&p, 0, ECONNREFUSED);
    expect_start(&p, T + 1, 1);
    plan_started(&p, 1, T + 1);
    plan_failed(&p, 1, ENETUNREACH);
    expect_start(&p, T + 2, 2);
    plan_started(&p, 2, T + 2);
    plan_won(&p, 2);
    s = plan_next(&p, T + 3);
    assert_int_equal(s.verb, PLAN_WON);
    assert_int_equal(s.index, 2);
}

/* Start every attempt by failing each at once, errors[i] for attempt i. */
static void run_all_fail(struct plan *p, const int *errors, unsigned n)
{
    struct tryall_addr o[PLAN_MAX];
    for (unsigned i = 0; i < n; i++)
        o[i] = (i % 2) ? doc6((uint8_t)i) : doc4((uint8_t)i);
    plan_init(p, o, n, 250);
    uint64_t now = T;
    for (unsigned i = 0; i < n; i++) {
        expect_start(p, now, i);
        plan_started(p, i, now);
        plan_failed(p, i, errors[i]);
        now += 7;
    }
}

static void test_all_failed_errors(void **state)
{
    (void)state;
    struct plan p;
    struct { int e[4]; unsigned n; int want; const char *what; } cases[] = {
        { { ENETUNREACH, ENETUNREACH, ENETUNREACH }, 3, ENETUNREACH, "all unreachable" },
        { { EHOSTUNREACH, ENETUNREACH, ENETUNREACH }, 3, EHOSTUNREACH, "mix: attempt 0's" },
        { { ENETUNREACH, EHOSTUNREACH, EHOSTUNREACH }, 3, ENETUNREACH, "mix: attempt 0's" },
        { { ENETUNREACH, ETIMEDOUT, EHOSTUNREACH }, 3, ETIMEDOUT, "a timeout" },
        { { ETIMEDOUT, ENETUNREACH, ECONNREFUSED }, 3, ECONNREFUSED, "a refusal wins" },
        { { ECONNREFUSED, ETIMEDOUT, ETIMEDOUT, ETIMEDOUT }, 4, ECONNREFUSED, "refused first" },
        { { ECONNREFUSED }, 1, ECONNREFUSED, "single" },
        { { EACCES, EADDRNOTAVAIL }, 2, EACCES, "other errors: attempt 0's" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        run_all_fail(&p, cases[c].e, cases[c].n);
        struct plan_step s = plan_next(&p, T + 100);
        if (s.verb != PLAN_FAILED || s.error != cases[c].want)
            fail_msg("case %zu (%s): verb %d error %d (%s), want FAILED %s", c, cases[c].what,
                     (int)s.verb, s.error, strerror(s.error), strerror(cases[c].want));
        assert_int_equal(plan_choose_error(&p), cases[c].want);
    }
}

static void test_failed_only_when_all_done(void **state)
{
    (void)state;
    struct plan p;
    init3(&p, 2, 250);
    expect_start(&p, T, 0);
    plan_started(&p, 0, T);
    expect_start(&p, T + 250, 1);
    plan_started(&p, 1, T + 250);
    plan_failed(&p, 1, ECONNREFUSED);
    /* attempt 0 still running: not failed yet */
    expect_wait(&p, T + 300, -1);
    plan_failed(&p, 0, ETIMEDOUT);
    expect_failed(&p, T + 400, ECONNREFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_target_first_then_interleave),
        cmocka_unit_test(test_order_target_v6),
        cmocka_unit_test(test_order_target_is_first_of_list),
        cmocka_unit_test(test_order_single_family),
        cmocka_unit_test(test_order_target_not_in_list),
        cmocka_unit_test(test_order_only_family),
        cmocka_unit_test(test_order_max),
        cmocka_unit_test(test_order_full_list_plus_foreign_target),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_delay_then_second_attempt),
        cmocka_unit_test(test_failure_starts_next_at_once),
        cmocka_unit_test(test_failure_while_another_runs_starts_next_at_once),
        cmocka_unit_test(test_single_attempt),
        cmocka_unit_test(test_won),
        cmocka_unit_test(test_all_failed_errors),
        cmocka_unit_test(test_failed_only_when_all_done),
    };
    return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}

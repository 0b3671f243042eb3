/* test_resolve_core.c - unit tests for the stateless side of completion and
 * late answers (the book's side is tests/test_resolve_book.c).
 * Owns: plan_order (target first, then the other family first, alternating);
 * plan_set_pending (no FAILED while pending, every WAIT cut at
 * PLAN_PENDING_POLL_MS, the attempt-delay wait too); plan_add (joins the
 * not-started part, duplicates dropped, families interleaved again from the
 * family the last started attempt lacked, PLAN_MAX, new slots ATT_IDLE,
 * started/failed attempts keep index and state, nothing after a winner);
 * addr_origin_name and addr_equal ignoring .origin. (The settings:
 * tests/test_resolve_config.c.) */
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

#define N(a) ((unsigned)(sizeof (a) / sizeof (a)[0]))

/* ---- plan_order ------------------------------------------------------ */

static void test_order_target_then_other_family(void **state)
{
    (void)state;
    struct tryall_list l;
    memset(&l, 0, sizeof l);
    struct tryall_addr in[] = { doc4(1), doc4(2), doc6(1), doc6(2), doc4(3), doc4(2) };
    l.n = N(in);
    memcpy(l.a, in, sizeof in);
    struct tryall_addr out[PLAN_MAX];

    struct tryall_addr t4 = doc4(2);
    struct tryall_addr want4[] = { doc4(2), doc6(1), doc4(1), doc6(2), doc4(3) };
    assert_addrs(out, plan_order(&l, &t4, 0, out, PLAN_MAX), want4, N(want4));

    struct tryall_addr t6 = doc6(2);
    struct tryall_addr want6[] = { doc6(2), doc4(1), doc6(1), doc4(2), doc4(3) };
    assert_addrs(out, plan_order(&l, &t6, 0, out, PLAN_MAX), want6, N(want6));
}

/* ---- plan_set_pending -------------------------------------------------- */

static void test_pending_no_verdict(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1) };
    struct plan p;
    plan_init(&p, o, 1, 250);
    plan_started(&p, 0, 1000);
    plan_failed(&p, 0, ECONNREFUSED);
    plan_set_pending(&p, 1);
    for (uint64_t t = 1000; t < 1000 + 10 * BOOK_PENDING_MS; t += 997) {
        struct plan_step s = plan_next(&p, t);
        assert_int_equal(s.verb, PLAN_WAIT);
        assert_int_equal(s.wait_ms, PLAN_PENDING_POLL_MS);
    }
    plan_set_pending(&p, 0);
    struct plan_step s = plan_next(&p, 2000);
    assert_int_equal(s.verb, PLAN_FAILED);
    assert_int_equal(s.error, ECONNREFUSED);

    /* nothing planned at all: still no verdict while pending */
    plan_init(&p, o, 0, 250);
    plan_set_pending(&p, 1);
    assert_int_equal(plan_next(&p, 0).verb, PLAN_WAIT);
    plan_set_pending(&p, 0);
    assert_int_equal(plan_next(&p, 0).verb, PLAN_FAILED);
}

static void test_pending_caps_waits(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc6(1) };
    struct plan p;
    plan_init(&p, o, 2, 250);
    plan_started(&p, 0, 1000);

    /* the attempt delay: 250 ms, cut at the poll interval while pending */
    assert_int_equal(plan_next(&p, 1000).wait_ms, 250);
    plan_set_pending(&p, 1);
    struct plan_step s = plan_next(&p, 1000);
    assert_int_equal(s.verb, PLAN_WAIT);
    assert_int_equal(s.wait_ms, PLAN_PENDING_POLL_MS);
    /* a wait already shorter stays as it is, and the start is not delayed */
    assert_int_equal(plan_next(&p, 1240).wait_ms, 10);
    s = plan_next(&p, 1250);
    assert_int_equal(s.verb, PLAN_START);
    assert_int_equal(s.index, 1);

    /* everything running: -1 (until an attempt finishes) becomes the poll */
    plan_started(&p, 1, 1250);
    plan_set_pending(&p, 0);
    assert_int_equal(plan_next(&p, 1300).wait_ms, -1);
    plan_set_pending(&p, 1);
    s = plan_next(&p, 1300);
    assert_int_equal(s.verb, PLAN_WAIT);
    assert_int_equal(s.wait_ms, PLAN_PENDING_POLL_MS);

    /* a winner is a winner, pending or not */
    plan_won(&p, 1);
    s = plan_next(&p, 1400);
    assert_int_equal(s.verb, PLAN_WON);
    assert_int_equal(s.index, 1);
}

/* ---- plan_add ---------------------------------------------------------- */

/* A v4-only answer, the app's attempt 0 started; then the v6 completion. */
static void test_add_interleaves_not_started(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc4(2), doc4(3) };
    struct plan p;
    plan_init(&p, o, 3, 250);
    plan_set_pending(&p, 1);
    plan_started(&p, 0, 1000);
    /* the whole book list, as the race passes it */
    struct tryall_addr add[] = { doc4(1), doc4(2), doc4(3), doc6(1), doc6(2) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 2);
    struct tryall_addr want[] = { doc4(1), doc6(1), doc4(2), doc6(2), doc4(3) };
    assert_addrs(p.order, p.n, want, N(want));
    for (unsigned i = 1; i < p.n; i++)
        assert_int_equal(p.state[i], ATT_IDLE);
    assert_int_equal(p.state[0], ATT_RUNNING);
    assert_int_equal(p.next, 1);
}

/* The first family is the one the last STARTED attempt lacked, not the
 * target's other family. */
static void test_add_first_family_from_last_started(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc6(1) };
    struct plan p;
    plan_init(&p, o, 2, 250);
    plan_started(&p, 0, 1000);
    plan_started(&p, 1, 1250);
    struct tryall_addr add[] = { doc6(2), doc4(2), doc6(3) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 3);
    struct tryall_addr want[] = { doc4(1), doc6(1), doc4(2), doc6(2), doc6(3) };
    assert_addrs(p.order, p.n, want, N(want));
}

/* Duplicates of what is planned, within the family the list starts with,
 * must not break the alternation. */
static void test_add_duplicates_keep_alternation(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc6(1), doc4(2) };
    struct plan p;
    plan_init(&p, o, 3, 250);
    plan_started(&p, 0, 1000);
    plan_started(&p, 1, 1250);
    struct tryall_addr add[] = { doc4(1), doc6(1), doc4(2), doc6(2), doc4(3), doc6(3) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 3);
    struct tryall_addr want[] = { doc4(1), doc6(1), doc4(2), doc6(2), doc4(3), doc6(3) };
    assert_addrs(p.order, p.n, want, N(want));

    /* all of it again, and duplicates within one addition: nothing joins */
    struct tryall_addr again[] = { doc6(3), doc6(3), doc4(1), doc6(2), doc4(2) };
    assert_int_equal(plan_add(&p, again, N(again), 0), 0);
    assert_addrs(p.order, p.n, want, N(want));
    struct tryall_addr twice[] = { doc4(9), doc4(9) };
    assert_int_equal(plan_add(&p, twice, N(twice), 0), 1);
    assert_int_equal(p.n, 7);
}

static void test_add_keeps_started_and_failed(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc4(2), doc4(3) };
    struct plan p;
    plan_init(&p, o, 3, 250);
    plan_set_pending(&p, 1);
    plan_started(&p, 0, 1000);
    plan_failed(&p, 0, ECONNREFUSED);
    plan_started(&p, 1, 1000);
    /* slots past n hold junk: the new ones must come out ATT_IDLE, error 0 */
    for (unsigned i = p.n; i < PLAN_MAX; i++) {
        p.state[i] = ATT_FAILED;
        p.error[i] = 99;
    }
    struct tryall_addr add[] = { doc6(1), doc6(2) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 2);
    /* last started doc4(2): v6 first, then doc4(3), then v6 again */
    struct tryall_addr want[] = { doc4(1), doc4(2), doc6(1), doc4(3), doc6(2) };
    assert_addrs(p.order, p.n, want, N(want));
    assert_int_equal(p.state[0], ATT_FAILED);
    assert_int_equal(p.error[0], ECONNREFUSED);
    assert_int_equal(p.state[1], ATT_RUNNING);
    assert_int_equal(p.running, 1);
    assert_int_equal(p.next, 2);
    for (unsigned i = 2; i < p.n; i++) {
        assert_int_equal(p.state[i], ATT_IDLE);
        assert_int_equal(p.error[i], 0);
    }
    /* and the race goes on with them, the attempt delay after the last start */
    assert_int_equal(plan_next(&p, 1100).verb, PLAN_WAIT);
    struct plan_step s = plan_next(&p, 1250);
    assert_int_equal(s.verb, PLAN_START);
    assert_int_equal(s.index, 2);
}

/* Every attempt failed, more were pending: what comes is tried at once. */
static void test_add_after_all_failed(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1) };
    struct plan p;
    plan_init(&p, o, 1, 250);
    plan_set_pending(&p, 1);
    plan_started(&p, 0, 1000);
    plan_failed(&p, 0, ETIMEDOUT);
    assert_int_equal(plan_next(&p, 1010).verb, PLAN_WAIT);
    struct tryall_addr add[] = { doc4(1), doc6(7) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 1);
    plan_set_pending(&p, 0);
    struct plan_step s = plan_next(&p, 1020);
    assert_int_equal(s.verb, PLAN_START);
    assert_int_equal(s.index, 1);
    assert_true(addr_equal(&p.order[1], &add[1]));
}

static void test_add_only_family(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1) };
    struct plan p;
    plan_init(&p, o, 1, 250);
    plan_started(&p, 0, 1000);
    struct tryall_addr add[] = { doc6(1), doc4(2), doc6(2), doc4(3) };
    assert_int_equal(plan_add(&p, add, N(add), AF_INET), 2);
    struct tryall_addr want[] = { doc4(1), doc4(2), doc4(3) };
    assert_addrs(p.order, p.n, want, N(want));
}

static void test_add_plan_max(void **state)
{
    (void)state;
    /* a full book list (BOOK_MAX_ADDRS) whose first 5 are planned already:
     * every one of the others fits and joins */
    struct tryall_addr all[BOOK_MAX_ADDRS];
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++)
        all[i] = i % 2 ? doc6((uint8_t)i) : doc4((uint8_t)i);
    struct plan p;
    plan_init(&p, all, 5, 250);
    plan_started(&p, 0, 1000);
    assert_int_equal(plan_add(&p, all, BOOK_MAX_ADDRS, 0), BOOK_MAX_ADDRS - 5);
    assert_int_equal(p.n, PLAN_MAX);
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++) {
        unsigned k = 0;
        while (k < p.n && !addr_equal(&p.order[k], &all[i]))
            k++;
        if (k == p.n)
            fail_msg("address %u of the list is not planned", i);
    }

    /* never more than PLAN_MAX: one slot left, three come, one joins */
    plan_init(&p, all, PLAN_MAX - 1, 250);
    plan_started(&p, 0, 1000);
    struct tryall_addr more[] = { doc4(200), doc6(200), doc4(201) };
    assert_int_equal(plan_add(&p, more, N(more), 0), 1);
    assert_int_equal(p.n, PLAN_MAX);
    assert_int_equal(plan_add(&p, more, N(more), 0), 0);
    assert_int_equal(p.n, PLAN_MAX);
}

static void test_add_nothing_after_winner(void **state)
{
    (void)state;
    struct tryall_addr o[] = { doc4(1), doc4(2) };
    struct plan p;
    plan_init(&p, o, 2, 250);
    plan_started(&p, 0, 1000);
    plan_won(&p, 0);
    struct tryall_addr add[] = { doc6(1), doc6(2) };
    assert_int_equal(plan_add(&p, add, N(add), 0), 0);
    assert_int_equal(p.n, 2);
    struct tryall_addr want[] = { doc4(1), doc4(2) };
    assert_addrs(p.order, p.n, want, N(want));
    assert_int_equal(plan_next(&p, 1000).verb, PLAN_WON);
}

/* ---- addr: origin ------------------------------------------------------ */

static void test_addr_origin(void **state)
{
    (void)state;
    assert_string_equal(addr_origin_name(ADDR_FROM_APP), "app");
    assert_string_equal(addr_origin_name(ADDR_FROM_COMPLETION), "completion");
    assert_string_equal(addr_origin_name(ADDR_FROM_LATE), "late answer");
    assert_string_equal(addr_origin_name(ADDR_FROM_NAT64), "NAT64");
    /* anything else still gives one of the named ones, never NULL */
    int odd[] = { -1, 4, 255 };
    for (unsigned i = 0; i < N(odd); i++) {
        const char *s = addr_origin_name(odd[i]);
        assert_non_null(s);
        assert_true(!strcmp(s, "app") || !strcmp(s, "completion") || !strcmp(s, "late answer") ||
                    !strcmp(s, "NAT64"));
    }

    struct tryall_addr a = doc4(1), b = doc4(1), c = doc6(1), d = doc6(1);
    b.origin = ADDR_FROM_LATE;
    d.origin = ADDR_FROM_COMPLETION;
    assert_true(addr_equal(&a, &b));
    assert_true(addr_equal(&c, &d));
    struct tryall_addr e = doc4(2);
    e.origin = ADDR_FROM_LATE;
    assert_false(addr_equal(&b, &e));
    assert_false(addr_equal(&a, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_target_then_other_family),
        cmocka_unit_test(test_pending_no_verdict),
        cmocka_unit_test(test_pending_caps_waits),
        cmocka_unit_test(test_add_interleaves_not_started),
        cmocka_unit_test(test_add_first_family_from_last_started),
        cmocka_unit_test(test_add_duplicates_keep_alternation),
        cmocka_unit_test(test_add_keeps_started_and_failed),
        cmocka_unit_test(test_add_after_all_failed),
        cmocka_unit_test(test_add_only_family),
        cmocka_unit_test(test_add_plan_max),
        cmocka_unit_test(test_add_nothing_after_winner),
        cmocka_unit_test(test_addr_origin),
    };
    return cmocka_run_group_tests_name("resolve_core", tests, NULL, NULL);
}

/* test_race_alias.c - unit tests for race/alias.c through the fake kernel
 * (tests/fake/): the app's copies of a racing descriptor. Covers:
 * race_add_alias (the copy follows the race, one more reference; refused
 * for a number that races already, past RACE_ALIASES, for a decided race,
 * for a race not in the table); race_detach_fd (a copy goes, the race runs
 * on and the winner skips it; the last number goes: the race dead, out of
 * the table, its hidden attempts closed when the last reference is
 * dropped; the race's own number goes while a copy stays: the copy is
 * promoted, with attempt 0, our epoll tags and the racing count moved to
 * it and the old number's registration given back); race_drop_if_stale;
 * race_close_range (a hidden attempt in the range fails with ECONNABORTED
 * and its number is never touched again, the next starts at once; the
 * app's numbers in the range end that race and no other). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"

#include <errno.h>
#include <fcntl.h>

/* A race on a fresh app socket for {v4(1) (target), v6(1), v4(2), v6(2)}
 * with attempts 1 and 2 started and silent. */
static struct race *racing(int *fd)
{
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2), doc6(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 4);
    *fd = kit_socket(AF_INET, 0);
    struct race *r = kit_race(*fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    race_advance(r, T0 + 2 * kit_delay());
    return r;
}

static int copy_of(int fd)
{
    return real()->fcntl(fd, F_DUPFD, 0);
}

/* ---- race_add_alias ------------------------------------------------------------- */

static void test_alias_follows_the_race(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd);
    int c = copy_of(fd);
    assert_int_equal(race_add_alias(r, c), 0);
    assert_ptr_equal(fdt_get(c), r);
    assert_int_equal(r->naliases, 1);
    assert_int_equal(r->refs, 2);
    assert_int_equal(fdt_count, 2);
    assert_true(fdt_peek(c));
}

static void test_alias_refusals(void **state)
{
    (void)state;
    int fd, fd2;
    struct race *r = racing(&fd), *r2 = racing(&fd2);
    assert_int_equal(race_add_alias(r, fd2), -1);  /* races already */
    assert_ptr_equal(fdt_get(fd2), r2);
    for (unsigned k = 0; k < RACE_ALIASES; k++)
        assert_int_equal(race_add_alias(r, copy_of(fd)), 0);
    assert_int_equal(race_add_alias(r, copy_of(fd)), -1);   /* full */
    fake_script(&r2->plan.order[0], OUTCOME_REFUSED);
    fake_script(&r2->plan.order[1], OUTCOME_REFUSED);
    fake_script(&r2->plan.order[2], OUTCOME_REFUSED);
    fake_script(&r2->plan.order[3], OUTCOME_REFUSED);
    race_settle_now(r2, T0 + 600);
    assert_true(race_lost(r2));
    assert_int_equal(race_add_alias(r2, copy_of(fd2)), -1); /* decided */
    race_retire(r2);
    struct tryall_addr t = doc4(7);
    struct tryall_list l = addrkit_list("race.test", &t, 1);
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(&t, KIT_PORT, AF_INET, &ss);
    int fd3 = kit_socket(AF_INET, 0);
    struct race *r3 = race_new(fd3, AF_INET, (struct sockaddr *)&ss, &l, &t, ENETUNREACH, NULL, 0, T0);
    (void)len;
    assert_non_null(r3);
    assert_int_equal(race_add_alias(r3, copy_of(fd3)), -1); /* not in the table */
    race_free(r3);
}

/* ---- race_detach_fd ------------------------------------------------------------- */

static void test_detached_alias_is_skipped_by_the_winner(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd);
    int c = copy_of(fd);
    race_add_alias(r, c);
    race_detach_fd(r, c);
    assert_null(fdt_get(c));
    assert_int_equal(r->naliases, 0);
    assert_int_equal(r->refs, 1);
    assert_true(race_running(r));
    fake_script(&r->plan.order[1], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 600);
    assert_int_equal(r->phase, RACE_WON);
    assert_int_equal(fake_count(FAKE_DUP3, c), 0);
    assert_false(fake_same_file(fd, c));
}

static void test_last_number_gone_ends_the_race(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd);
    int a1 = r->afd[1], a2 = r->afd[2];
    r->refs++;                                     /* a waiter holds it, unlocked */
    fake_log_clear();
    race_detach_fd(r, fd);
    assert_true(r->dead);
    assert_null(fdt_get(fd));
    assert_int_equal(fdt_count, 0);
    assert_null(fdt_races);
    assert_true(fake_open(a1));                    /* the waiter's race lives on */
    race_put(r);                                   /* the waiter lets go */
    assert_false(fake_open(a1));
    assert_false(fake_open(a2));
    assert_int_equal(fake_count(FAKE_ANY, fd), 0); /* the app's number: untouched */
}

static void test_own_number_gone_promotes_a_copy(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), ep2 = fake_epoll_create(), fd = kit_socket(AF_INET, 0);
    kit_ep_add(ep, fd, EPOLLIN, 11);
    struct tryall_addr in[] = { doc4(1), doc6(1) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    int c = copy_of(fd), a1 = r->afd[1];
    race_add_alias(r, c);
    kit_ep_add(ep2, c, EPOLLIN | EPOLLET, 22);     /* the copy, registered as made */
    race_detach_fd(r, fd);
    assert_int_equal(r->fd, c);
    assert_int_equal(r->afd[0], c);
    assert_null(fdt_get(fd));
    assert_ptr_equal(fdt_get(c), r);
    struct epoll_event ev;
    assert_true(fake_ep_get(ep, fd, &ev));         /* the old number: the app's again */
    assert_int_equal(ev.data.u64, 11);
    assert_false(fake_ep_get(ep, a1, NULL));
    assert_false(fdt_peek_epoll(ep));
    int tfd = -1;
    unsigned ti = 99;
    assert_true(fake_ep_get(ep2, c, &ev) && epset_untag(ev.data.u64, &tfd, &ti));
    assert_int_equal(tfd, c);
    assert_true(fake_ep_get(ep2, a1, &ev) && epset_untag(ev.data.u64, &tfd, &ti));
    assert_int_equal(ti, 1);
    assert_true(fdt_peek_epoll(ep2));
    fake_log_clear();
    fake_script(&in[1], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 400);
    assert_int_equal(fake_count(FAKE_DUP3, c), 1);
    assert_int_equal(fake_count(FAKE_ANY, fd), 0);
    assert_true(fake_ep_get(ep2, c, &ev));
    assert_int_equal(ev.data.u64, 22);
}

static void test_drop_if_stale(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd);
    int c = copy_of(fd);
    race_add_alias(r, c);
    assert_int_equal(race_drop_if_stale(r, c), 0);
    assert_int_equal(race_drop_if_stale(r, fd), 0);
    fake_close_quiet(c);
    assert_int_equal(kit_socket(AF_INET, 0), c);   /* reused behind our back */
    assert_int_equal(race_drop_if_stale(r, c), 1);
    assert_null(fdt_get(c));
    assert_true(race_running(r));
    fake_close_quiet(fd);
    assert_int_equal(race_drop_if_stale(r, fd), 1);
    assert_null(fdt_get(fd));
    assert_int_equal(fdt_count, 0);
}

/* ---- race_close_range -------------------------------------------------------------- */

static void test_close_range_takes_a_hidden_attempt(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd);
    int a = r->afd[1];
    race_close_range((unsigned)a, (unsigned)a);
    fake_close_quiet(a);                           /* what close_range then does */
    assert_int_equal(r->afd[1], -1);
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.error[1], ECONNABORTED);
    assert_true(race_running(r));
    int s = kit_socket(AF_INET, 0);                /* the app reuses the number */
    assert_int_equal(real()->fcntl(s, F_DUPFD, a), a);
    fake_log_clear();
    race_advance(r, T0 + 2 * kit_delay() + 1);     /* the next at once */
    assert_int_equal(r->plan.state[3], ATT_RUNNING);
    assert_int_not_equal(r->afd[3], a);
    fake_script(&r->plan.order[2], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 800);
    assert_int_equal(r->plan.winner, 2);
    assert_int_equal(fake_count(FAKE_ANY, a), 0);
}

static void test_close_range_ends_only_the_races_in_it(void **state)
{
    (void)state;
    int fd, other;
    struct race *r = racing(&fd);
    int c = copy_of(fd), a1 = r->afd[1];
    race_add_alias(r, c);
    struct race *r2 = racing(&other);
    assert_true(other > c);
    race_close_range((unsigned)fd, (unsigned)c);
    assert_null(fdt_get(fd));
    assert_null(fdt_get(c));
    assert_false(fake_open(a1));                   /* r is gone, its attempts closed */
    assert_ptr_equal(fdt_get(other), r2);
    assert_ptr_equal(fdt_races, r2);
    assert_null(r2->next_active);
    assert_true(race_running(r2));
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, kit_setup, kit_teardown)
        T(test_alias_follows_the_race),
        T(test_alias_refusals),
        T(test_detached_alias_is_skipped_by_the_winner),
        T(test_last_number_gone_ends_the_race),
        T(test_own_number_gone_promotes_a_copy),
        T(test_drop_if_stale),
        T(test_close_range_takes_a_hidden_attempt),
        T(test_close_range_ends_only_the_races_in_it),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_race_step.c - unit tests for race/step.c and race/life.c driven
 * through the fake kernel (tests/fake/): stepping a race with an injected
 * clock. Covers: race_new (attempt 0 is the app's own connect, the plan is
 * the app's target first then families interleaved; a bound socket races
 * its family only and its attempts bind like the app; an IPV6_V6ONLY socket
 * races IPv4 on IPv4 sockets, a plain IPv6 one v4-mapped);
 * race_advance (attempts start in plan order one delay apart, on hidden
 * non-blocking close-on-exec sockets of the address's family, WAIT says how
 * long; a failure at connect or seen by the peek starts the next at once);
 * race_pollfds/race_absorb/race_settle (a winner is handed over, a stale
 * event changes nothing, a failure starts the next at once); race_settle_now
 * (a race whose answers are all known is decided without time passing); the
 * verdict when all failed (ECONNREFUSED > ETIMEDOUT > the app target's). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "race/fdtable.h"
#include "race/race.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static void assert_addr(struct tryall_addr got, struct tryall_addr want)
{
    char g[64], w[64];
    if (!addr_equal(&got, &want))
        fail_msg("connect to %s, want %s", addr_str(&got, g, sizeof g), addr_str(&want, w, sizeof w));
}

/* A v4 app socket racing {v6(1), v6(2), v4(1), v4(2)} with target v4(1). */
static struct race *four_way(int *fd)
{
    struct tryall_addr in[] = { doc6(1), doc6(2), doc4(1), doc4(2) };
    struct tryall_list l = addrkit_list("race.test", in, 4);
    struct tryall_addr t = doc4(1);
    *fd = kit_socket(AF_INET, 0);
    struct race *r = kit_race(*fd, &t, &l);
    assert_non_null(r);
    return r;
}

/* ---- race_new and race_advance ------------------------------------------------ */

static void test_new_adopts_the_apps_connect(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    assert_int_equal(fake_connects(), 1);          /* only the app's own connect */
    assert_int_equal(fake_connect_fd(0), fd);
    assert_int_equal(r->plan.n, 4);
    assert_int_equal(r->plan.state[0], ATT_RUNNING);
    assert_int_equal(r->afd[0], fd);
    assert_int_equal(r->plan.state[1], ATT_IDLE);
    assert_true(race_running(r));
    assert_ptr_equal(fdt_get(fd), r);
    assert_ptr_equal(fdt_races, r);
    assert_int_equal(r->port, KIT_PORT);
    assert_int_equal(r->protocol, IPPROTO_TCP);
}

static void test_attempts_start_in_plan_order_one_delay_apart(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    unsigned d = kit_delay();
    /* target first, then the other family first: v4(1) v6(1) v4(2) v6(2) */
    struct tryall_addr want[] = { doc4(1), doc6(1), doc4(2), doc6(2) };
    assert_int_equal(race_advance(r, T0), d);
    assert_int_equal(race_advance(r, T0 + d - 1), 1);
    assert_int_equal(fake_connects(), 1);
    for (unsigned k = 1; k < 4; k++) {
        int64_t wait = race_advance(r, T0 + k * d);
        assert_int_equal(wait, k < 3 ? (int64_t)d : -1);   /* -1: all started */
        assert_int_equal(fake_connects(), k + 1);
        assert_addr(fake_connect_addr(k), want[k]);
        assert_int_equal(fake_connect_fd(k), r->afd[k]);
        assert_int_equal(r->plan.state[k], ATT_RUNNING);
        assert_int_equal(r->started_ms[k], T0 + k * d);
    }
    assert_true(race_running(r));
}

static void test_hidden_attempts_nonblocking_cloexec_of_their_family(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    int a = r->afd[1];
    assert_true(a > fd);
    assert_int_equal(fake_family(a), AF_INET6);    /* v6(1) on an AF_INET6 socket */
    assert_int_equal(r->afam[1], AF_INET6);
    assert_true(real()->fcntl(a, F_GETFL) & O_NONBLOCK);
    assert_true(real()->fcntl(a, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(fake_open_count(), 2);        /* app's + one hidden, nothing leaked */
}

static void test_failure_at_connect_starts_next_at_once(void **state)
{
    (void)state;
    struct tryall_addr v61 = doc6(1);
    fake_script(&v61, OUTCOME_UNREACH);
    int fd;
    struct race *r = four_way(&fd);
    unsigned d = kit_delay();
    assert_int_equal(race_advance(r, T0 + d), d);  /* v6(1) failed, v4(2) started */
    assert_int_equal(fake_connects(), 3);
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.error[1], ENETUNREACH);
    assert_int_equal(r->afd[1], -1);
    assert_int_equal(r->plan.state[2], ATT_RUNNING);
    assert_int_equal(r->started_ms[2], T0 + d);
    assert_int_equal(fake_open_count(), 2);        /* the failed socket was closed */
}

static void test_refusal_seen_by_the_peek_starts_next_at_once(void **state)
{
    (void)state;
    struct tryall_addr v61 = doc6(1);
    fake_script(&v61, OUTCOME_REFUSED);
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.error[1], ECONNREFUSED);
    assert_int_equal(r->plan.state[2], ATT_RUNNING);
    assert_int_equal(fake_connects(), 3);
}

static void test_app_target_failing_first_starts_next_at_once(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc4(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    fake_script(&t, OUTCOME_UNREACH);
    int fd = kit_socket(AF_INET, 0);
    struct race *r = kit_race(fd, &t, &l);         /* race_new with ENETUNREACH */
    assert_non_null(r);
    assert_int_equal(r->plan.state[0], ATT_FAILED);
    assert_int_equal(race_advance(r, T0), -1);
    assert_int_equal(r->plan.state[1], ATT_RUNNING);
    assert_int_equal(r->started_ms[1], T0);
}

/* ---- outcomes through race_pollfds / race_absorb / race_settle ------------------ */

static void test_pollfds_list_running_attempts(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    struct pollfd p[PLAN_MAX];
    assert_int_equal(race_pollfds(r, p, PLAN_MAX), 2);
    assert_int_equal(p[0].fd, fd);
    assert_int_equal(p[1].fd, r->afd[1]);
    assert_int_equal(p[0].events, POLLOUT);
    assert_int_equal(race_pollfds(r, p, 1), 1);    /* max is kept */
}

static void test_absorb_hands_over_a_winner(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    int a = r->afd[1];
    unsigned long ino = fake_ino(a);
    struct tryall_addr v61 = doc6(1);
    fake_script(&v61, OUTCOME_CONNECT);
    struct pollfd p[PLAN_MAX];
    unsigned n = race_pollfds(r, p, PLAN_MAX);
    assert_int_equal(real()->poll(p, n, 0), 1);
    race_absorb(r, p, n, T0 + kit_delay() + 5);
    assert_int_equal(r->phase, RACE_WON);
    assert_int_equal(r->plan.winner, 1);
    assert_int_equal(fake_ino(fd), ino);           /* the app's number holds the winner */
    assert_false(fake_open(a));
    assert_int_equal(race_advance(r, T0 + 10 * kit_delay()), -1);
    assert_int_equal(fake_connects(), 2);          /* nothing started after the win */
}

static void test_stale_event_changes_nothing(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    struct pollfd p[PLAN_MAX];
    unsigned n = race_pollfds(r, p, PLAN_MAX);
    for (unsigned k = 0; k < n; k++)
        p[k].revents = POLLOUT;                    /* reported, yet still in SYN_SENT */
    race_absorb(r, p, n, T0 + kit_delay() + 1);
    assert_true(race_running(r));
    assert_int_equal(r->plan.state[0], ATT_RUNNING);
    assert_int_equal(r->plan.state[1], ATT_RUNNING);
    assert_int_equal(r->plan.running, 2);
}

static void test_settle_failure_closes_it_and_kicks_the_next(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    int a = r->afd[1];
    struct tryall_addr v61 = doc6(1);
    fake_script(&v61, OUTCOME_TIMEDOUT);
    race_settle(r, 1, T0 + kit_delay() + 7);
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.error[1], ETIMEDOUT);
    assert_false(fake_open(a));
    assert_int_equal(r->afd[1], -1);
    race_advance(r, T0 + kit_delay() + 7);         /* before the delay is up */
    assert_int_equal(r->plan.state[2], ATT_RUNNING);
    assert_int_equal(r->started_ms[2], T0 + kit_delay() + 7);
}

static void test_app_target_wins_without_dup3(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_advance(r, T0 + kit_delay());
    int a = r->afd[1];
    unsigned long ino = fake_ino(fd);
    struct tryall_addr t = doc4(1);
    fake_script(&t, OUTCOME_CONNECT);
    race_settle_now(r, T0 + kit_delay() + 1);
    assert_int_equal(r->phase, RACE_WON);
    assert_int_equal(r->plan.winner, 0);
    assert_int_equal(fake_ino(fd), ino);
    assert_int_equal(fake_count(FAKE_DUP3, -1), 0);
    assert_false(fake_open(a));                    /* the loser is closed */
    assert_true(race_done(r));
}

/* ---- the verdict ------------------------------------------------------------------ */

/* Every address of four_way() answers as scripted; settle it at T0. */
static struct race *all_answer(const enum fake_outcome o[4])
{
    struct tryall_addr a[] = { doc4(1), doc6(1), doc4(2), doc6(2) };
    for (unsigned k = 0; k < 4; k++)
        fake_script(&a[k], o[k]);
    int fd;
    struct race *r = four_way(&fd);
    race_settle_now(r, T0);
    return r;
}

static void test_all_refused_decided_without_time_passing(void **state)
{
    (void)state;
    enum fake_outcome o[] = { OUTCOME_REFUSED, OUTCOME_REFUSED, OUTCOME_REFUSED, OUTCOME_REFUSED };
    struct race *r = all_answer(o);
    assert_int_equal(r->phase, RACE_LOST);
    assert_int_equal(r->error, ECONNREFUSED);
    assert_int_equal(fake_connects(), 4);
    assert_int_equal(fdt_lost, 1);
    assert_int_equal(fake_open_count(), 1);        /* only the app's own socket */
}

static void test_refused_beats_timed_out(void **state)
{
    (void)state;
    enum fake_outcome o[] = { OUTCOME_TIMEDOUT, OUTCOME_UNREACH, OUTCOME_TIMEDOUT, OUTCOME_REFUSED };
    struct race *r = all_answer(o);
    assert_int_equal(r->phase, RACE_LOST);
    assert_int_equal(r->error, ECONNREFUSED);
}

static void test_timed_out_beats_the_rest(void **state)
{
    (void)state;
    enum fake_outcome o[] = { OUTCOME_UNREACH, OUTCOME_UNREACH, OUTCOME_TIMEDOUT, OUTCOME_UNREACH };
    struct race *r = all_answer(o);
    assert_int_equal(r->phase, RACE_LOST);
    assert_int_equal(r->error, ETIMEDOUT);
}

static void test_else_the_app_targets_error(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc4(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    fake_script(&t, OUTCOME_UNREACH);              /* attempt 0: ENETUNREACH */
    int fd = kit_socket(AF_INET, 0);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    fake_fail(FAKE_SOCKET, EMFILE, 1);             /* attempt 1: EMFILE */
    race_settle_now(r, T0);
    assert_int_equal(r->phase, RACE_LOST);
    assert_int_equal(r->error, ENETUNREACH);
    assert_int_equal(r->plan.error[1], EMFILE);
}

static void test_settle_now_never_waits_for_silence(void **state)
{
    (void)state;
    int fd;
    struct race *r = four_way(&fd);
    race_settle_now(r, T0);
    assert_true(race_running(r));
    assert_int_equal(r->plan.running, 1);          /* the delay still rules */
    assert_int_equal(fake_connects(), 1);
    assert_true(fake_count(FAKE_POLL, fd) >= 1);   /* looked, with timeout 0 (teardown) */
}

/* ---- which families race --------------------------------------------------------- */

static void test_v6only_socket_races_ipv4_on_ipv4_sockets(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc6(1), doc6(2) }, t = doc6(1);
    struct tryall_list l = addrkit_list("race.test", in, 3);
    int fd = kit_socket(AF_INET6, 0), one = 1;
    assert_int_equal(real()->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), 0);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    assert_int_equal(r->plan.n, 3);                /* V6ONLY limits mapping, not families */
    assert_int_equal(kit_index(r, &in[0]), 1);
    race_advance(r, T0 + kit_delay());
    assert_int_equal(fake_family(r->afd[1]), AF_INET);
    assert_int_equal(r->afam[1], AF_INET);
    assert_addr(fake_connect_addr(1), doc4(1));
}

static void test_v6_socket_reaches_ipv4_mapped(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc6(1), doc4(1) }, t = doc6(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    int fd = kit_socket(AF_INET6, 0);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    assert_int_equal(fake_family(r->afd[1]), AF_INET6);
    assert_addr(fake_connect_addr(1), doc4(1));     /* ::ffff:192.0.2.1 */
}

static void test_bound_socket_races_its_family_bound_alike(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc6(1), doc4(1), doc4(2) }, t = doc4(1), me = doc4(200);
    struct tryall_list l = addrkit_list("race.test", in, 3);
    int fd = kit_socket(AF_INET, 0);
    struct race *r = kit_race_bound(fd, &t, &l, &me);
    assert_non_null(r);
    assert_int_equal(r->plan.n, 2);
    assert_int_equal(kit_index(r, &in[0]), -1);
    race_advance(r, T0 + kit_delay());
    assert_int_equal(fake_count(FAKE_BIND, r->afd[1]), 1);
    int fam, unused;
    assert_true(fake_call(FAKE_BIND, r->afd[1], 0, &fam, &unused));
    assert_int_equal(fam, AF_INET);
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, kit_setup, kit_teardown)
        T(test_new_adopts_the_apps_connect),
        T(test_attempts_start_in_plan_order_one_delay_apart),
        T(test_hidden_attempts_nonblocking_cloexec_of_their_family),
        T(test_failure_at_connect_starts_next_at_once),
        T(test_refusal_seen_by_the_peek_starts_next_at_once),
        T(test_app_target_failing_first_starts_next_at_once),
        T(test_pollfds_list_running_attempts),
        T(test_absorb_hands_over_a_winner),
        T(test_stale_event_changes_nothing),
        T(test_settle_failure_closes_it_and_kicks_the_next),
        T(test_app_target_wins_without_dup3),
        T(test_all_refused_decided_without_time_passing),
        T(test_refused_beats_timed_out),
        T(test_timed_out_beats_the_rest),
        T(test_else_the_app_targets_error),
        T(test_settle_now_never_waits_for_silence),
        T(test_v6only_socket_races_ipv4_on_ipv4_sockets),
        T(test_v6_socket_reaches_ipv4_mapped),
        T(test_bound_socket_races_its_family_bound_alike),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

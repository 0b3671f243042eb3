/* test_race_handover.c - unit tests for race/handover.c (and the identity
 * checks of race/attempt.c) through the fake kernel (tests/fake/): what a
 * winner does to the app's descriptor. Covers: a hidden winner is dup3'd
 * onto the app's number with the app's FD_CLOEXEC and file status flags
 * (both ways), its own number closed, the race's identity and family
 * follow it; the losers are closed, never with a lingering close (an app
 * SO_LINGER is carried to the attempts and switched off before each close
 * and before dup3 replaces the app's socket); the app's copies (aliases)
 * get the winner with their own FD_CLOEXEC, a copy reused meanwhile is
 * left alone; a failed dup3 is that attempt's failure (closed), the others
 * run on and the app's socket is as it was; an app number closed and
 * reused behind our back marks the race dead and is never touched again,
 * nor is a hidden number reused behind our back. */
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

/* A race on an app socket of `flags` for {v4(1) (target), v6(1), v4(2)},
 * with attempts 1 and 2 (v6(1), v4(2)) started and silent. */
static struct race *three_running(int flags, int *fd)
{
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 3);
    *fd = kit_socket(AF_INET, flags);
    struct race *r = kit_race(*fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    race_advance(r, T0 + 2 * kit_delay());
    assert_int_equal(r->plan.running, 3);
    return r;
}

/* Attempt i's address answers; the race takes it in. */
static void answer(struct race *r, unsigned i, enum fake_outcome o, uint64_t now)
{
    fake_script(&r->plan.order[i], o);
    race_settle_now(r, now);
}

/* ---- the hand-over ------------------------------------------------------------- */

/* Attempt 1 wins on an app socket made with sock_flags and given setfl. */
static void win_keeps_app_flags(int sock_flags, int setfl)
{
    int fd;
    struct race *r = three_running(sock_flags, &fd);
    if (setfl)
        assert_int_equal(real()->fcntl(fd, F_SETFL, setfl), 0);
    int app_fl = real()->fcntl(fd, F_GETFL), app_fd = real()->fcntl(fd, F_GETFD);
    int a = r->afd[1];
    unsigned long ino = fake_ino(a);
    answer(r, 1, OUTCOME_CONNECT, T0 + 600);
    assert_int_equal(r->phase, RACE_WON);
    int src, flags;
    assert_int_equal(fake_count(FAKE_DUP3, fd), 1);
    assert_true(fake_call(FAKE_DUP3, fd, 0, &src, &flags));
    assert_int_equal(src, a);
    assert_int_equal(flags, (app_fd & FD_CLOEXEC) ? O_CLOEXEC : 0);
    assert_int_equal(fake_ino(fd), ino);
    assert_int_equal(real()->fcntl(fd, F_GETFD), app_fd);
    assert_int_equal(real()->fcntl(fd, F_GETFL), app_fl);
    assert_false(fake_open(a));
    assert_int_equal(r->ino, ino);
    assert_int_equal(r->family, AF_INET6);
    assert_true(fake_connected(fd));
}

static void test_winner_takes_a_blocking_apps_flags(void **state)
{
    (void)state;
    win_keeps_app_flags(0, 0);   /* attempt was O_NONBLOCK + cloexec: both go */
}

static void test_winner_takes_a_nonblocking_cloexec_apps_flags(void **state)
{
    (void)state;
    win_keeps_app_flags(SOCK_NONBLOCK | SOCK_CLOEXEC, O_NONBLOCK | O_APPEND);
}

static void test_losers_closed_never_lingering(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2), doc6(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 4);
    int fd = kit_socket(AF_INET, 0);
    struct linger lg = { 1, 5 }, got = { 0, 0 };
    assert_int_equal(real()->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    for (unsigned k = 1; k < 4; k++)
        race_advance(r, T0 + k * kit_delay());
    int a1 = r->afd[1], a2 = r->afd[2], a3 = r->afd[3];
    assert_true(fake_opt(a3, SOL_SOCKET, SO_LINGER, &got, sizeof got));
    assert_int_equal(got.l_linger, 5);             /* the app's option was carried */
    answer(r, 2, OUTCOME_CONNECT, T0 + 800);
    assert_int_equal(r->plan.winner, 2);
    assert_false(fake_open(a1));
    assert_false(fake_open(a2));                   /* moved onto fd */
    assert_false(fake_open(a3));
    assert_int_equal(fake_open_count(), 1);
    assert_int_equal(fake_breaches.lingering_closes, 0);
}

/* ---- the app's copies ------------------------------------------------------------ */

static void test_aliases_get_the_winner_with_their_cloexec(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    int c1 = real()->fcntl(fd, F_DUPFD_CLOEXEC, 0), c2 = real()->fcntl(fd, F_DUPFD, 0);
    assert_int_equal(race_add_alias(r, c1), 0);
    assert_int_equal(race_add_alias(r, c2), 0);
    answer(r, 2, OUTCOME_CONNECT, T0 + 600);
    assert_int_equal(r->plan.winner, 2);
    assert_true(fake_same_file(fd, c1));
    assert_true(fake_same_file(fd, c2));
    assert_int_equal(real()->fcntl(c1, F_GETFD), FD_CLOEXEC);
    assert_int_equal(real()->fcntl(c2, F_GETFD), 0);
    assert_int_equal(fake_open_count(), 3);        /* fd, c1, c2: old socket gone */
}

static void test_alias_reused_meanwhile_is_left_alone(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    int c = real()->fcntl(fd, F_DUPFD, 0);
    assert_int_equal(race_add_alias(r, c), 0);
    fake_close_quiet(c);                           /* a raw close, then a new file */
    assert_int_equal(kit_socket(AF_INET, 0), c);
    unsigned long other = fake_ino(c);
    answer(r, 1, OUTCOME_CONNECT, T0 + 600);
    assert_int_equal(r->phase, RACE_WON);
    assert_int_equal(fake_count(FAKE_DUP3, c), 0);
    assert_int_equal(fake_ino(c), other);
}

/* ---- a hand-over that cannot be made --------------------------------------------- */

static void test_failed_dup3_is_that_attempts_failure(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    unsigned long ino = fake_ino(fd);
    int a1 = r->afd[1];
    fake_fail(FAKE_DUP3, EBADF, 1);                /* e.g. the app lowered RLIMIT_NOFILE */
    answer(r, 1, OUTCOME_CONNECT, T0 + 600);
    assert_true(race_running(r));
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.error[1], EBADF);
    assert_int_equal(fake_ino(fd), ino);           /* the app's socket stays */
    assert_false(fake_open(a1));                   /* the failed winner is a loser */
    assert_int_equal(r->plan.state[0], ATT_RUNNING);
    assert_int_equal(r->plan.state[2], ATT_RUNNING);
    answer(r, 2, OUTCOME_CONNECT, T0 + 700);       /* the others run on */
    assert_int_equal(r->plan.winner, 2);
    assert_int_equal(fake_count(FAKE_DUP3, fd), 2);
    assert_int_equal(fake_open_count(), 1);
}

static void test_failed_dup3_leaves_the_apps_socket_as_it_was(void **state)
{
    (void)state;
    struct tryall_addr in[] = { doc4(1), doc6(1) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    int fd = kit_socket(AF_INET, 0), ep = fake_epoll_create();
    struct linger lg = { 1, 5 }, got = { 0, 0 };
    assert_int_equal(real()->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    kit_ep_add(ep, fd, EPOLLIN, 42);
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    fake_fail(FAKE_DUP3, EBADF, 1);
    answer(r, 1, OUTCOME_CONNECT, T0 + 600);
    assert_true(race_running(r));
    /* attempt 0 still runs: its tag must still wake the app's epoll_wait */
    struct epoll_event ev;
    int tfd = -1;
    unsigned ti = 99;
    assert_true(fake_ep_get(ep, fd, &ev));
    assert_true(epset_untag(ev.data.u64, &tfd, &ti));
    assert_int_equal(ti, 0);
    assert_true(fake_opt(fd, SOL_SOCKET, SO_LINGER, &got, sizeof got));
    assert_int_equal(got.l_onoff, 1);              /* its linger as the app set it */
    assert_int_equal(got.l_linger, 5);
}

/* ---- numbers that are not ours any more ------------------------------------------- */

/* The app closes fd with a raw system call and a new socket takes the
 * number; from then on the race must not name fd in any call but fstat. */
static unsigned long reuse_app_number(int fd)
{
    fake_close_quiet(fd);
    assert_int_equal(kit_socket(AF_INET, 0), fd);
    struct tryall_addr x = doc4(99);
    fake_script(&x, OUTCOME_REFUSED);
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(&x, 80, AF_INET, &ss);
    real()->connect(fd, (struct sockaddr *)&ss, len);   /* its own error is pending */
    fake_log_clear();
    return fake_ino(fd);
}

static void test_winner_after_app_number_reused_marks_dead(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    unsigned long other = reuse_app_number(fd);
    fake_script(&r->plan.order[1], OUTCOME_CONNECT);
    race_settle(r, 1, T0 + 600);                   /* the winner's hand-over checks */
    assert_true(r->dead);
    assert_true(race_done(r));
    assert_false(race_running(r));
    assert_int_equal(fake_count(FAKE_ANY, fd), 0);
    assert_int_equal(fake_ino(fd), other);
    assert_int_equal(race_advance(r, T0 + 5000), -1);
    race_settle_now(r, T0 + 5000);
    assert_int_equal(fake_count(FAKE_ANY, fd), 0);
    assert_int_equal(fake_count(FAKE_DUP3, -1), 0);
}

static void test_attempt0_event_after_reuse_reads_nothing(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    reuse_app_number(fd);
    race_settle(r, 0, T0 + 600);
    assert_true(r->dead);
    assert_int_equal(fake_count(FAKE_ANY, fd), 0);
    int err = 0;
    socklen_t l = sizeof err;
    assert_int_equal(real()->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l), 0);
    assert_int_equal(err, ECONNREFUSED);           /* the new socket's error, unread */
}

static void test_hidden_number_reused_is_never_read(void **state)
{
    (void)state;
    int fd;
    struct race *r = three_running(0, &fd);
    int a = r->afd[1];
    fake_close_quiet(a);                           /* closed behind our back ... */
    int s = kit_socket(AF_INET, 0);
    assert_int_equal(real()->fcntl(s, F_DUPFD, a), a);   /* ... and reused */
    fake_log_clear();
    race_settle(r, 1, T0 + 600);
    assert_int_equal(fake_count(FAKE_ANY, a), 0);
    assert_int_equal(r->plan.state[1], ATT_RUNNING);
    answer(r, 2, OUTCOME_CONNECT, T0 + 700);       /* the winner closes the losers */
    assert_true(fake_open(a));                     /* but not that one */
    assert_int_equal(fake_count(FAKE_CLOSE, a), 0);
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, kit_setup, kit_teardown)
        T(test_winner_takes_a_blocking_apps_flags),
        T(test_winner_takes_a_nonblocking_cloexec_apps_flags),
        T(test_losers_closed_never_lingering),
        T(test_aliases_get_the_winner_with_their_cloexec),
        T(test_alias_reused_meanwhile_is_left_alone),
        T(test_failed_dup3_is_that_attempts_failure),
        T(test_failed_dup3_leaves_the_apps_socket_as_it_was),
        T(test_winner_after_app_number_reused_marks_dead),
        T(test_attempt0_event_after_reuse_reads_nothing),
        T(test_hidden_number_reused_is_never_read),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

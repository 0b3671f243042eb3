/* test_race_options.c - unit tests for the socket options a race carries
 * (race/sockopt.c, race_mirror_option in race/attempt.c) through the fake
 * kernel (tests/fake/), which keeps buffers doubled as Linux does. Covers:
 * the snapshot of the app's socket reaches each hidden attempt before its
 * connect, only the options that differ from a fresh socket's, IP_TOS as
 * IPV6_TCLASS on an IPv6 attempt, a buffer size reading back as the app's,
 * a fresh socket's values read through the table (no real socket);
 * race_mirror_option (an option the app sets while racing reaches every
 * running attempt and the ones started later, never the app's own socket;
 * an option not carried, an attempt no longer running and a decided race
 * get nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "race/fdtable.h"
#include "race/race.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>

static int opt_of(int fd, int level, int name)
{
    int v = -1;
    if (!fake_opt(fd, level, name, &v, sizeof v))
        return -1;   /* never set */
    return v;
}

static void set_int(int fd, int level, int name, int v)
{
    assert_int_equal(real()->setsockopt(fd, level, name, &v, sizeof v), 0);
}

/* A race on an app socket for {v4(1) (target), v6(1), v4(2), v6(2)}, the
 * app having called prepare(fd) first; attempts 1 and 2 started. */
static struct race *racing(int *fd, void (*prepare)(int fd))
{
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2), doc6(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 4);
    *fd = kit_socket(AF_INET, 0);
    if (prepare)
        prepare(*fd);
    struct race *r = kit_race(*fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    race_advance(r, T0 + 2 * kit_delay());
    return r;
}

/* ---- the snapshot -------------------------------------------------------------------- */

static void app_options(int fd)
{
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    set_int(fd, IPPROTO_IP, IP_TOS, 0x10);
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 1000);      /* reads back 2000 */
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 0);      /* as it comes: not a difference */
}

static void test_snapshot_carries_the_differences(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd, app_options);
    int a6 = r->afd[1], a4 = r->afd[2];            /* v6(1), v4(2) */
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, a6), 4);   /* nothing else */
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, a4), 4);
    for (unsigned k = 1; k <= 2; k++) {
        int a = r->afd[k];
        assert_int_equal(opt_of(a, SOL_SOCKET, SO_KEEPALIVE), 1);
        assert_int_equal(opt_of(a, IPPROTO_TCP, TCP_NODELAY), 1);
        assert_int_equal(opt_of(a, SOL_SOCKET, SO_RCVBUF), opt_of(fd, SOL_SOCKET, SO_RCVBUF));
        assert_int_equal(opt_of(a, SOL_SOCKET, SO_REUSEADDR), -1);
    }
    assert_int_equal(opt_of(a6, IPPROTO_IPV6, IPV6_TCLASS), 0x10);
    assert_int_equal(opt_of(a6, IPPROTO_IP, IP_TOS), -1);
    assert_int_equal(opt_of(a4, IPPROTO_IP, IP_TOS), 0x10);
}

static void test_fresh_app_socket_sets_nothing(void **state)
{
    (void)state;
    int fd;
    struct race *r = racing(&fd, NULL);
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, r->afd[1]), 0);
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, r->afd[2]), 0);
}

static void test_fresh_values_read_through_the_table(void **state)
{
    (void)state;
    /* kit_init let the snapshot read a fresh socket per family: both made
     * by the table's socket() (no real socket), and both closed. */
    assert_int_equal(kit_fresh_sockets, 2);
    assert_int_equal(kit_fresh_left_open, 0);
}

/* ---- race_mirror_option ------------------------------------------------------------ */

static void test_mirror_reaches_running_and_later_attempts(void **state)
{
    (void)state;
    int fd, one = 1, buf = 3000, tos = 0x20;
    struct race *r = racing(&fd, NULL);
    fake_log_clear();
    race_mirror_option(r, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    race_mirror_option(r, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    race_mirror_option(r, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, fd), 0);   /* the app sets its own */
    for (unsigned k = 1; k <= 2; k++) {
        assert_int_equal(opt_of(r->afd[k], IPPROTO_TCP, TCP_NODELAY), 1);
        assert_int_equal(opt_of(r->afd[k], SOL_SOCKET, SO_SNDBUF), 6000);   /* as the app's */
    }
    assert_int_equal(opt_of(r->afd[1], IPPROTO_IPV6, IPV6_TCLASS), 0x20);
    assert_int_equal(opt_of(r->afd[2], IPPROTO_IP, IP_TOS), 0x20);
    race_advance(r, T0 + 3 * kit_delay());         /* v6(2) starts now */
    assert_int_equal(r->plan.state[3], ATT_RUNNING);
    assert_int_equal(opt_of(r->afd[3], IPPROTO_TCP, TCP_NODELAY), 1);
    assert_int_equal(opt_of(r->afd[3], SOL_SOCKET, SO_SNDBUF), 6000);
    assert_int_equal(opt_of(r->afd[3], IPPROTO_IPV6, IPV6_TCLASS), 0x20);
}

static void test_mirror_skips_what_it_must(void **state)
{
    (void)state;
    int fd, one = 1;
    struct race *r = racing(&fd, NULL);
    fake_log_clear();
    race_mirror_option(r, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);   /* not carried */
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, -1), 0);
    fake_script(&r->plan.order[1], OUTCOME_REFUSED);
    race_settle_now(r, T0 + 600);
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_int_equal(r->plan.state[3], ATT_RUNNING);        /* kicked in */
    fake_log_clear();
    race_mirror_option(r, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, -1), 2);   /* attempts 2 and 3 only */
    assert_int_equal(opt_of(r->afd[2], IPPROTO_TCP, TCP_NODELAY), 1);
    assert_int_equal(opt_of(r->afd[3], IPPROTO_TCP, TCP_NODELAY), 1);
    fake_script(&r->plan.order[2], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 700);
    assert_int_equal(r->phase, RACE_WON);
    fake_log_clear();
    race_mirror_option(r, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);   /* decided */
    assert_int_equal(fake_count(FAKE_SETSOCKOPT, -1), 0);
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, kit_setup, kit_teardown)
        T(test_snapshot_carries_the_differences),
        T(test_fresh_app_socket_sets_nothing),
        T(test_fresh_values_read_through_the_table),
        T(test_mirror_reaches_running_and_later_attempts),
        T(test_mirror_skips_what_it_must),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_race_epset.c - unit tests for race/epset.c through the fake kernel
 * (tests/fake/), asserting what the kernel's epoll sets hold. Covers:
 * epset_record (ADD recorded, MOD updates, DEL forgets, MOD of nothing is
 * ignored, an ADD twice is one record) and what it does to fdt_peek_any;
 * the tag layout (epset_tag/epset_untag round trip, app data is never a
 * tag); epset_race_started (the app's entry becomes our tag, EPOLL_CTL_MOD,
 * in every set; the record keeps the app's events and data); attempt tags
 * added as attempts start and gone when they fail; epset_race_over on a
 * win, on a loss and after the app changed its registration mid-race (the
 * app's exact events and 64-bit data back, no tag left; a dead race's
 * number is never touched); an attempt 0 that
 * failed at once is out of the set until the end; the per-set ep_racing
 * count (race_enter, a registration added or forgotten while racing,
 * retire) and fdt_peek_epoll; epset_forget_fd of a descriptor and of a
 * whole epoll set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"

#define APP_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLONESHOT)
#define APP_DATA   UINT64_C(0x8badf00ddeadbeef)

static unsigned racing_in(int epfd)
{
    struct fdslot *s = fdt_slot(epfd, 0);
    return s ? s->ep_racing : 0;
}

/* The kernel's entry for fd in epfd is our tag for attempt i of race_fd. */
static void assert_tag(int epfd, int fd, int race_fd, unsigned i)
{
    struct epoll_event ev;
    int tfd = -1;
    unsigned ti = 99;
    assert_true(fake_ep_get(epfd, fd, &ev));
    assert_int_equal(ev.events, EPOLLOUT);
    assert_true(epset_untag(ev.data.u64, &tfd, &ti));
    assert_int_equal(tfd, race_fd);
    assert_int_equal(ti, i);
}

/* The kernel's entry for fd in epfd is exactly the app's. */
static void assert_app_entry(int epfd, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev;
    assert_true(fake_ep_get(epfd, fd, &ev));
    assert_int_equal(ev.events, events);
    assert_int_equal(ev.data.u64, data);
}

/* An app socket registered in epfd racing {v4(1) (target), v6(1), v4(2)}. */
static struct race *registered_race(int epfd, int *fd)
{
    struct tryall_addr in[] = { doc4(1), doc6(1), doc4(2) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 3);
    *fd = kit_socket(AF_INET, SOCK_NONBLOCK);
    kit_ep_add(epfd, *fd, APP_EVENTS, APP_DATA);
    struct race *r = kit_race(*fd, &t, &l);
    assert_non_null(r);
    return r;
}

/* ---- records ------------------------------------------------------------------- */

static void test_record_add_mod_del(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), fd = kit_socket(AF_INET, 0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
    assert_false(fdt_peek_any(fd));
    epset_record(ep, EPOLL_CTL_ADD, fd, &ev);
    assert_non_null(epset_find(fd, ep));
    assert_int_equal(epset_find(fd, ep)->ev.data.u64, 7);
    assert_true(fdt_peek_any(fd));
    assert_true(fdt_peek_any(ep));                 /* the set holds a record */
    ev.events = EPOLLOUT;
    ev.data.u64 = 8;
    epset_record(ep, EPOLL_CTL_MOD, fd, &ev);
    assert_int_equal(epset_find(fd, ep)->ev.events, EPOLLOUT);
    assert_int_equal(epset_find(fd, ep)->ev.data.u64, 8);
    epset_record(ep, EPOLL_CTL_ADD, fd, &ev);      /* again: still one record */
    assert_null(epset_find(fd, ep)->next);
    epset_record(ep, EPOLL_CTL_DEL, fd, NULL);
    assert_null(epset_find(fd, ep));
    assert_false(fdt_peek_any(fd));
    assert_false(fdt_peek_any(ep));
    epset_record(ep, EPOLL_CTL_MOD, fd, &ev);      /* MOD of nothing: nothing */
    assert_null(epset_find(fd, ep));
}

static void test_tag_round_trip_and_app_data_never_a_tag(void **state)
{
    (void)state;
    const int fds[] = { 0, 5, 4095, (1 << 27) - 1 };
    const unsigned idx[] = { 0, 1, 17, 31 };
    for (unsigned a = 0; a < 4; a++)
        for (unsigned b = 0; b < 4; b++) {
            int fd = -1;
            unsigned i = 99;
            assert_true(epset_untag(epset_tag(fds[a], idx[b]), &fd, &i));
            assert_int_equal(fd, fds[a]);
            assert_int_equal(i, idx[b]);
        }
    const uint64_t app[] = { 0, 42, UINT64_C(0x00007fff12345678), APP_DATA, UINT64_MAX };
    for (unsigned k = 0; k < 5; k++) {
        int fd;
        unsigned i;
        assert_false(epset_untag(app[k], &fd, &i));
    }
}

/* ---- the swap ------------------------------------------------------------------- */

static void test_race_started_swaps_in_our_tag(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), fd;
    struct race *r = registered_race(ep, &fd);
    int mod_op, mod_ep;
    assert_true(fake_call(FAKE_EPOLL_CTL, fd, 1, &mod_op, &mod_ep));   /* 0: the app's ADD */
    assert_int_equal(mod_op, EPOLL_CTL_MOD);
    assert_int_equal(mod_ep, ep);
    assert_tag(ep, fd, fd, 0);
    assert_int_equal(fake_ep_count(ep), 1);
    const struct epoll_event *app = epset_app_event(r, ep);
    assert_non_null(app);
    assert_int_equal(app->events, APP_EVENTS);
    assert_int_equal(app->data.u64, APP_DATA);
    struct epoll_event t = epset_tag_event(r, 2);
    assert_int_equal(t.events, EPOLLOUT);
    assert_int_equal(t.data.u64, epset_tag(fd, 2));
}

static void test_attempt_tags_come_and_go(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), fd;
    struct race *r = registered_race(ep, &fd);
    race_advance(r, T0 + kit_delay());
    race_advance(r, T0 + 2 * kit_delay());
    assert_int_equal(fake_ep_count(ep), 3);
    assert_tag(ep, r->afd[1], fd, 1);
    assert_tag(ep, r->afd[2], fd, 2);
    int a1 = r->afd[1];
    fake_script(&r->plan.order[1], OUTCOME_REFUSED);
    race_settle_now(r, T0 + 600);
    assert_int_equal(r->plan.state[1], ATT_FAILED);
    assert_false(fake_ep_get(ep, a1, NULL));
    assert_int_equal(fake_ep_count(ep), 2);
}

static void test_win_puts_back_the_apps_exact_entry_in_every_set(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), ep2 = fake_epoll_create(), fd;
    int s = kit_socket(AF_INET, 0);
    kit_ep_add(ep2, s, EPOLLIN, 1);                /* someone else in the same set */
    struct tryall_addr in[] = { doc4(1), doc6(1) }, t = doc4(1);
    struct tryall_list l = addrkit_list("race.test", in, 2);
    fd = kit_socket(AF_INET, 0);
    kit_ep_add(ep, fd, APP_EVENTS, APP_DATA);
    kit_ep_add(ep2, fd, EPOLLOUT | EPOLLPRI, UINT64_C(0xfffffffffffffffe));
    struct race *r = kit_race(fd, &t, &l);
    assert_non_null(r);
    race_advance(r, T0 + kit_delay());
    assert_tag(ep2, fd, fd, 0);
    assert_tag(ep2, r->afd[1], fd, 1);
    fake_script(&in[1], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 300);
    assert_int_equal(r->plan.winner, 1);
    assert_app_entry(ep, fd, APP_EVENTS, APP_DATA);
    assert_app_entry(ep2, fd, EPOLLOUT | EPOLLPRI, UINT64_C(0xfffffffffffffffe));
    assert_app_entry(ep2, s, EPOLLIN, 1);
    assert_int_equal(fake_ep_count(ep), 1);        /* no tag left */
    assert_int_equal(fake_ep_count(ep2), 2);
}

static void test_loss_puts_back_the_apps_latest_entry(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), fd;
    struct tryall_addr in[] = { doc4(1), doc6(1) };
    fake_script(&in[0], OUTCOME_REFUSED);          /* attempt 0 fails at once */
    struct race *r = registered_race(ep, &fd);
    assert_int_equal(r->plan.state[0], ATT_FAILED);
    assert_false(fake_ep_get(ep, fd, NULL));       /* a dead attempt 0 is out */
    struct epoll_event now = { .events = EPOLLIN | EPOLLOUT, .data.u64 = 99 };
    epset_record(ep, EPOLL_CTL_MOD, fd, &now);     /* the app changed it meanwhile */
    fake_script(&in[1], OUTCOME_TIMEDOUT);
    fake_script(&r->plan.order[2], OUTCOME_TIMEDOUT);
    race_settle_now(r, T0);
    assert_int_equal(r->phase, RACE_LOST);
    assert_app_entry(ep, fd, EPOLLIN | EPOLLOUT, 99);
    assert_int_equal(fake_ep_count(ep), 1);
}

static void test_dead_race_gives_nothing_back(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), fd;
    struct race *r = registered_race(ep, &fd);
    fake_close_quiet(fd);                          /* closed behind our back, */
    assert_int_equal(kit_socket(AF_INET, 0), fd);  /* the number reused */
    race_settle(r, 0, T0 + 1);
    assert_true(r->dead);
    fake_log_clear();
    epset_race_over(r);
    race_abort(r);
    assert_int_equal(fake_count(FAKE_EPOLL_CTL, -1), 0);
}

/* ---- counts ---------------------------------------------------------------------- */

static void test_racing_count_per_set(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), ep2 = fake_epoll_create(), fd, fd2;
    kit_ep_add(ep2, kit_socket(AF_INET, 0), EPOLLIN, 3);
    struct race *r = registered_race(ep, &fd);
    assert_int_equal(racing_in(ep), 1);
    assert_true(fdt_peek_epoll(ep));
    assert_false(fdt_peek_epoll(ep2));
    struct race *r2 = registered_race(ep, &fd2);
    assert_int_equal(racing_in(ep), 2);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 5 };
    epset_record(ep2, EPOLL_CTL_ADD, fd, &ev);     /* registered while it races */
    assert_int_equal(racing_in(ep2), 1);
    epset_forget(fd, ep2);
    assert_int_equal(racing_in(ep2), 0);
    race_abort(r2);
    assert_int_equal(racing_in(ep), 1);
    fake_script(&r->plan.order[0], OUTCOME_CONNECT);
    race_settle_now(r, T0 + 1);
    race_retire(r);
    assert_int_equal(racing_in(ep), 0);
    assert_false(fdt_peek_epoll(ep));
}

static void test_forget_fd_and_forget_a_set(void **state)
{
    (void)state;
    int ep = fake_epoll_create(), ep2 = fake_epoll_create(), fd;
    int a = kit_socket(AF_INET, 0);
    kit_ep_add(ep, a, EPOLLIN, 1);
    kit_ep_add(ep2, a, EPOLLIN, 2);
    epset_forget_fd(a);                            /* the app closes a */
    fake_close_quiet(a);
    assert_null(epset_find(a, ep));
    assert_null(epset_find(a, ep2));
    assert_false(fdt_peek_any(a));
    assert_false(fdt_peek_any(ep));
    struct race *r = registered_race(ep, &fd);
    a = kit_socket(AF_INET, 0);
    kit_ep_add(ep, a, EPOLLIN, 1);
    kit_ep_add(ep2, a, EPOLLIN, 2);
    assert_true(fdt_peek_epoll(ep));
    epset_forget_fd(ep);                           /* the whole set closed */
    assert_null(epset_find(a, ep));
    assert_null(epset_find(fd, ep));
    assert_non_null(epset_find(a, ep2));
    assert_false(fdt_peek_epoll(ep));
    assert_false(fdt_peek_any(ep));
    assert_null(epset_app_event(r, ep));
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, kit_setup, kit_teardown)
        T(test_record_add_mod_del),
        T(test_tag_round_trip_and_app_data_never_a_tag),
        T(test_race_started_swaps_in_our_tag),
        T(test_attempt_tags_come_and_go),
        T(test_win_puts_back_the_apps_exact_entry_in_every_set),
        T(test_loss_puts_back_the_apps_latest_entry),
        T(test_dead_race_gives_nothing_back),
        T(test_racing_count_per_set),
        T(test_forget_fd_and_forget_a_set),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ready.c - unit tests for src/ready.c (readiness translation and slice
 * arithmetic).
 * Covers: ready_deadline (negative timeout = forever, zero = now, overflow
 * near INT64_MAX = forever, exact boundary still finite); ready_slice
 * (deadline only, next start only, both in either order and equal, both
 * forever, deadline passed/reached = 0, next start in the past/now = 0);
 * ready_expired (forever never, before/at/after); ready_poll_revents and
 * ready_epoll_events (a pending verdict adds ERR always and OUT/WRNORM only
 * where requested, keeps the kernel's bits; no verdict = kernel's bits
 * unchanged, POLLNVAL included); ready_select_events / ready_select_result
 * (Linux fs/select.c: readable = IN|RDNORM|RDBAND|HUP|ERR, writable =
 * OUT|WRNORM|WRBAND|ERR, except = PRI, a bit only for a set the fd was in);
 * ready_ms_ceil (rounds up, -1 stays -1, clamps to INT32_MAX); and a
 * simulated wait cut into slices by an injected clock that never overshoots
 * the deadline, never sees it expired early, and ends exactly at it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "ready.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

/* ---- ready_deadline ---------------------------------------------------- */

static void test_deadline_negative_is_forever(void **state)
{
    (void)state;
    assert_int_equal(ready_deadline(5 * SEC, -1), READY_FOREVER);
    assert_int_equal(ready_deadline(5 * SEC, -1000), READY_FOREVER);
    assert_int_equal(ready_deadline(5 * SEC, INT64_MIN), READY_FOREVER);
    assert_int_equal(ready_deadline(0, -1), READY_FOREVER);
}

static void test_deadline_zero_is_now(void **state)
{
    (void)state;
    assert_int_equal(ready_deadline(5 * SEC, 0), 5 * SEC);
    assert_int_equal(ready_deadline(0, 0), 0);
    /* A zero timeout is already expired and allows no wait at all. */
    int64_t d = ready_deadline(5 * SEC, 0);
    assert_true(ready_expired(5 * SEC, d));
    assert_int_equal(ready_slice(5 * SEC, d, READY_FOREVER), 0);
}

static void test_deadline_finite(void **state)
{
    (void)state;
    assert_int_equal(ready_deadline(5 * SEC, 1000 * MS), 6 * SEC);
    assert_int_equal(ready_deadline(123, 1), 124);
    assert_int_equal(ready_deadline(0, INT64_MAX), INT64_MAX);
    /* Exactly at the limit still fits. */
    assert_int_equal(ready_deadline(10, INT64_MAX - 10), INT64_MAX);
}

static void test_deadline_overflow_is_forever(void **state)
{
    (void)state;
    assert_int_equal(ready_deadline(10, INT64_MAX - 9), READY_FOREVER);
    assert_int_equal(ready_deadline(1, INT64_MAX), READY_FOREVER);
    assert_int_equal(ready_deadline(INT64_C(1) << 62, INT64_C(1) << 62 | INT64_C(1) << 61),
                     READY_FOREVER);
    assert_int_equal(ready_deadline(INT64_MAX - 1, 2), READY_FOREVER);
    assert_int_equal(ready_deadline(INT64_MAX, 1), READY_FOREVER);
    assert_int_equal(ready_deadline(INT64_MAX, INT64_MAX), READY_FOREVER);
}

/* ---- ready_slice ------------------------------------------------------- */

static void test_slice_deadline_only(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(100, 600, READY_FOREVER), 500);
    assert_int_equal(ready_slice(5 * SEC, 6 * SEC, READY_FOREVER), 1000 * MS);
    assert_int_equal(ready_slice(0, INT64_MAX, READY_FOREVER), INT64_MAX);
}

static void test_slice_next_start_only(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(100, READY_FOREVER, 350), 250);
    assert_int_equal(ready_slice(5 * SEC, READY_FOREVER, 5 * SEC + 250 * MS), 250 * MS);
}

static void test_slice_both_deadline_first(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(100, 400, 900), 300);
    assert_int_equal(ready_slice(5 * SEC, 5 * SEC + 100 * MS, 5 * SEC + 250 * MS), 100 * MS);
}

static void test_slice_both_next_start_first(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(100, 900, 250), 150);
    assert_int_equal(ready_slice(5 * SEC, 6 * SEC, 5 * SEC + 250 * MS), 250 * MS);
}

static void test_slice_both_equal(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(100, 500, 500), 400);
}

static void test_slice_both_forever(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(0, READY_FOREVER, READY_FOREVER), READY_FOREVER);
    assert_int_equal(ready_slice(5 * SEC, READY_FOREVER, READY_FOREVER), READY_FOREVER);
}

static void test_slice_deadline_passed(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(1000, 900, READY_FOREVER), 0);
    assert_int_equal(ready_slice(1000, 1000, READY_FOREVER), 0);   /* reached */
    assert_int_equal(ready_slice(1000, 900, 2000), 0);             /* later start */
    assert_int_equal(ready_slice(1000, 900, 950), 0);              /* both past */
    assert_int_equal(ready_slice(1000, 0, READY_FOREVER), 0);
}

static void test_slice_next_start_past(void **state)
{
    (void)state;
    assert_int_equal(ready_slice(1000, READY_FOREVER, 500), 0);
    assert_int_equal(ready_slice(1000, READY_FOREVER, 1000), 0);   /* due now */
    assert_int_equal(ready_slice(1000, 5000, 999), 0);
    assert_int_equal(ready_slice(1000, 5000, 0), 0);
}

/* ---- ready_expired ----------------------------------------------------- */

static void test_expired(void **state)
{
    (void)state;
    assert_false(ready_expired(0, READY_FOREVER));
    assert_false(ready_expired(5 * SEC, READY_FOREVER));
    assert_false(ready_expired(INT64_MAX, READY_FOREVER));
    assert_false(ready_expired(999, 1000));
    assert_true(ready_expired(1000, 1000));
    assert_true(ready_expired(1001, 1000));
    assert_true(ready_expired(0, 0));
    assert_false(ready_expired(INT64_MAX - 1, INT64_MAX));
    assert_true(ready_expired(INT64_MAX, INT64_MAX));
}

/* ---- ready_poll_revents ------------------------------------------------ */

static void test_poll_pending_adds_err_always(void **state)
{
    (void)state;
    assert_int_equal(ready_poll_revents(0, 0, 1), POLLERR);
    assert_int_equal(ready_poll_revents(POLLIN, 0, 1), POLLERR);
    assert_int_equal(ready_poll_revents(POLLIN | POLLPRI | POLLRDHUP, 0, 1), POLLERR);
    /* Only OUT/WRNORM are added, never WRBAND or read bits. */
    assert_int_equal(ready_poll_revents(POLLWRBAND, 0, 1), POLLERR);
    assert_int_equal(ready_poll_revents(POLLERR, POLLERR, 1), POLLERR);
}

static void test_poll_pending_adds_out_when_requested(void **state)
{
    (void)state;
    assert_int_equal(ready_poll_revents(POLLOUT, 0, 1), POLLERR | POLLOUT);
    assert_int_equal(ready_poll_revents(POLLWRNORM, 0, 1), POLLERR | POLLWRNORM);
    assert_int_equal(ready_poll_revents(POLLOUT | POLLWRNORM, 0, 1),
                     POLLERR | POLLOUT | POLLWRNORM);
    assert_int_equal(ready_poll_revents(POLLIN | POLLOUT | POLLWRBAND | POLLPRI, 0, 1),
                     POLLERR | POLLOUT);
}

static void test_poll_pending_keeps_kernel_bits(void **state)
{
    (void)state;
    assert_int_equal(ready_poll_revents(POLLIN, POLLIN | POLLHUP, 1),
                     POLLIN | POLLHUP | POLLERR);
    assert_int_equal(ready_poll_revents(POLLIN | POLLOUT, POLLHUP, 1),
                     POLLHUP | POLLERR | POLLOUT);
    assert_int_equal(ready_poll_revents(POLLOUT, POLLOUT, 1), POLLOUT | POLLERR);
    assert_int_equal(ready_poll_revents(POLLIN, POLLRDHUP | POLLPRI, 1),
                     POLLRDHUP | POLLPRI | POLLERR);
}

static void test_poll_not_pending_unchanged(void **state)
{
    (void)state;
    static const short kernel[] = {
        0, POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLPRI,
        POLLIN | POLLRDNORM, POLLOUT | POLLWRNORM, POLLHUP | POLLERR,
        POLLIN | POLLRDHUP, POLLWRBAND | POLLRDBAND,
    };
    static const short requested[] = {
        0, POLLIN, POLLOUT, POLLIN | POLLOUT, POLLOUT | POLLWRNORM, POLLPRI,
    };
    for (size_t k = 0; k < sizeof kernel / sizeof *kernel; k++)
        for (size_t r = 0; r < sizeof requested / sizeof *requested; r++) {
            short got = ready_poll_revents(requested[r], kernel[k], 0);
            if (got != kernel[k])
                fail_msg("requested %#x kernel %#x: got %#x, want kernel's unchanged",
                         (unsigned)(unsigned short)requested[r],
                         (unsigned)(unsigned short)kernel[k], (unsigned)(unsigned short)got);
        }
    /* POLLNVAL on its own, spelled out. */
    assert_int_equal(ready_poll_revents(POLLIN | POLLOUT, POLLNVAL, 0), POLLNVAL);
}

/* ---- ready_epoll_events ------------------------------------------------ */

static void test_epoll_pending_adds_err_always(void **state)
{
    (void)state;
    assert_int_equal(ready_epoll_events(0, 0, 1), EPOLLERR);
    assert_int_equal(ready_epoll_events(EPOLLIN, 0, 1), EPOLLERR);
    assert_int_equal(ready_epoll_events(EPOLLIN | EPOLLPRI | EPOLLRDHUP, 0, 1), EPOLLERR);
    assert_int_equal(ready_epoll_events(EPOLLWRBAND, 0, 1), EPOLLERR);
    /* Control flags of the registration are never reported as events. */
    assert_int_equal(ready_epoll_events(EPOLLIN | EPOLLET | EPOLLONESHOT, 0, 1), EPOLLERR);
}

static void test_epoll_pending_adds_out_when_requested(void **state)
{
    (void)state;
    assert_int_equal(ready_epoll_events(EPOLLOUT, 0, 1), EPOLLERR | EPOLLOUT);
    assert_int_equal(ready_epoll_events(EPOLLWRNORM, 0, 1), EPOLLERR | EPOLLWRNORM);
    assert_int_equal(ready_epoll_events(EPOLLOUT | EPOLLWRNORM, 0, 1),
                     EPOLLERR | EPOLLOUT | EPOLLWRNORM);
    assert_int_equal(ready_epoll_events(EPOLLIN | EPOLLOUT | EPOLLET, 0, 1),
                     EPOLLERR | EPOLLOUT);
}

static void test_epoll_pending_keeps_kernel_bits(void **state)
{
    (void)state;
    assert_int_equal(ready_epoll_events(EPOLLIN, EPOLLIN | EPOLLHUP, 1),
                     EPOLLIN | EPOLLHUP | EPOLLERR);
    assert_int_equal(ready_epoll_events(EPOLLIN | EPOLLOUT, EPOLLHUP, 1),
                     EPOLLHUP | EPOLLERR | EPOLLOUT);
    assert_int_equal(ready_epoll_events(EPOLLIN, EPOLLRDHUP | EPOLLPRI, 1),
                     EPOLLRDHUP | EPOLLPRI | EPOLLERR);
}

static void test_epoll_not_pending_unchanged(void **state)
{
    (void)state;
    static const uint32_t kernel[] = {
        0, EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLPRI, EPOLLRDHUP,
        EPOLLIN | EPOLLRDNORM, EPOLLOUT | EPOLLWRNORM, EPOLLHUP | EPOLLERR,
        EPOLLWRBAND | EPOLLRDBAND,
    };
    static const uint32_t requested[] = {
        0, EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLOUT | EPOLLWRNORM | EPOLLET,
    };
    for (size_t k = 0; k < sizeof kernel / sizeof *kernel; k++)
        for (size_t r = 0; r < sizeof requested / sizeof *requested; r++) {
            uint32_t got = ready_epoll_events(requested[r], kernel[k], 0);
            if (got != kernel[k])
                fail_msg("requested %#x kernel %#x: got %#x, want kernel's unchanged",
                         requested[r], kernel[k], got);
        }
}

/* ---- select <-> poll --------------------------------------------------- */

/* Linux fs/select.c */
#define SEL_IN_SET  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX_SET  (POLLPRI)

static void test_select_events(void **state)
{
    (void)state;
    const short rd = POLLIN | POLLRDNORM | POLLRDBAND;
    const short wr = POLLOUT | POLLWRNORM | POLLWRBAND;
    assert_int_equal(ready_select_events(0, 0, 0), 0);
    assert_int_equal(ready_select_events(1, 0, 0), rd);
    assert_int_equal(ready_select_events(0, 1, 0), wr);
    assert_int_equal(ready_select_events(0, 0, 1), POLLPRI);
    assert_int_equal(ready_select_events(1, 1, 0), rd | wr);
    assert_int_equal(ready_select_events(1, 0, 1), rd | POLLPRI);
    assert_int_equal(ready_select_events(0, 1, 1), wr | POLLPRI);
    assert_int_equal(ready_select_events(1, 1, 1), rd | wr | POLLPRI);
    /* Any non-zero int means "in the set" (FD_ISSET may return any). */
    assert_int_equal(ready_select_events(4, 0, 0), rd);
}

static void select_result(short revents, int r, int w, int e, int *ir, int *iw, int *ie)
{
    *ir = *iw = *ie = 42;   /* the outputs must always be written */
    ready_select_result(revents, r, w, e, ir, iw, ie);
}

static void test_select_result_explicit(void **state)
{
    (void)state;
    int ir, iw, ie;
    /* Error: readable and writable, not exceptional. */
    select_result(POLLERR, 1, 1, 1, &ir, &iw, &ie);
    assert_true(ir); assert_true(iw); assert_false(ie);
    /* Hang-up: readable only. */
    select_result(POLLHUP, 1, 1, 1, &ir, &iw, &ie);
    assert_true(ir); assert_false(iw); assert_false(ie);
    select_result(POLLHUP, 0, 1, 0, &ir, &iw, &ie);
    assert_false(ir); assert_false(iw); assert_false(ie);
    /* Priority data: exceptional only. */
    select_result(POLLPRI, 1, 1, 1, &ir, &iw, &ie);
    assert_false(ir); assert_false(iw); assert_true(ie);
    select_result(POLLPRI, 1, 1, 0, &ir, &iw, &ie);
    assert_false(ir); assert_false(iw); assert_false(ie);
    /* Writable but only in the read set: nothing. */
    select_result(POLLOUT | POLLWRNORM, 1, 0, 0, &ir, &iw, &ie);
    assert_false(ir); assert_false(iw); assert_false(ie);
    /* A lost race seen through select: POLLERR|POLLOUT -> writable. */
    select_result(ready_poll_revents(ready_select_events(0, 1, 0), 0, 1), 0, 1, 0, &ir, &iw, &ie);
    assert_false(ir); assert_true(iw); assert_false(ie);
    /* ... and readable when it was in the read set too. */
    select_result(ready_poll_revents(ready_select_events(1, 0, 0), 0, 1), 1, 0, 0, &ir, &iw, &ie);
    assert_true(ir); assert_false(iw); assert_false(ie);
    /* Nothing happened. */
    select_result(0, 1, 1, 1, &ir, &iw, &ie);
    assert_false(ir); assert_false(iw); assert_false(ie);
}

static void test_select_result_exhaustive(void **state)
{
    (void)state;
    static const short bits[] = {
        POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL,
        POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLRDHUP,
    };
    const size_t nb = sizeof bits / sizeof *bits;
    /* Every single bit, and every pair of bits, against every set membership. */
    for (size_t a = 0; a < nb; a++)
        for (size_t b = a; b < nb; b++) {
            short rev = (short)(bits[a] | bits[b]);
            for (int m = 0; m < 8; m++) {
                int r = m & 1, w = (m >> 1) & 1, e = (m >> 2) & 1;
                int ir, iw, ie;
                select_result(rev, r, w, e, &ir, &iw, &ie);
                int wr = r && (rev & SEL_IN_SET);
                int ww = w && (rev & SEL_OUT_SET);
                int we = e && (rev & SEL_EX_SET);
                if (!!ir != wr || !!iw != ww || !!ie != we)
                    fail_msg("revents %#x sets r%d w%d e%d: got %d%d%d, want %d%d%d",
                             (unsigned)(unsigned short)rev, r, w, e,
                             !!ir, !!iw, !!ie, wr, ww, we);
            }
        }
}

/* ---- ready_ms_ceil ----------------------------------------------------- */

static void test_ms_ceil(void **state)
{
    (void)state;
    assert_int_equal(ready_ms_ceil(0), 0);
    assert_int_equal(ready_ms_ceil(1), 1);
    assert_int_equal(ready_ms_ceil(MS - 1), 1);
    assert_int_equal(ready_ms_ceil(MS), 1);
    assert_int_equal(ready_ms_ceil(MS + 1), 2);
    assert_int_equal(ready_ms_ceil(2 * MS), 2);
    assert_int_equal(ready_ms_ceil(1500 * MS), 1500);
    assert_int_equal(ready_ms_ceil(1500 * MS + 1), 1501);
}

static void test_ms_ceil_forever(void **state)
{
    (void)state;
    assert_int_equal(ready_ms_ceil(READY_FOREVER), -1);
}

static void test_ms_ceil_huge(void **state)
{
    (void)state;
    assert_int_equal(ready_ms_ceil((int64_t)(INT32_MAX - 1) * MS), INT32_MAX - 1);
    assert_int_equal(ready_ms_ceil((int64_t)(INT32_MAX - 1) * MS + 1), INT32_MAX);
    assert_int_equal(ready_ms_ceil((int64_t)INT32_MAX * MS), INT32_MAX);
    assert_int_equal(ready_ms_ceil((int64_t)INT32_MAX * MS + 1), INT32_MAX);
    assert_int_equal(ready_ms_ceil((int64_t)INT32_MAX * MS * 2), INT32_MAX);
    assert_int_equal(ready_ms_ceil(((int64_t)1 << 32) * MS), INT32_MAX);  /* no wrap */
    assert_int_equal(ready_ms_ceil(INT64_MAX - 1), INT32_MAX);
    assert_int_equal(ready_ms_ceil(INT64_MAX), INT32_MAX);
}

/* ---- simulated wait ---------------------------------------------------- */

/* Walk a wait of 1000 ms cut at planned starts +250 and +500 ms with an
 * injected clock. Each kernel wait sleeps for wake(slice) ns (the whole slice,
 * or less for an early wake-up). Checks: a slice is never forever and never
 * overshoots the deadline; the deadline is not seen expired before it is
 * reached (the app never gets 0 early); the walk ends exactly at it. Returns
 * the number of slices taken and stores the slice lengths in out[]. */
static int64_t wake_full(int64_t slice) { return slice; }
static int64_t wake_half(int64_t slice) { return slice > 1 ? slice / 2 : slice; }

static unsigned simulate(int64_t t0, int64_t (*wake)(int64_t), int64_t *out, unsigned max)
{
    const int64_t starts[] = { t0 + 250 * MS, t0 + 500 * MS };
    const unsigned nstarts = 2;
    unsigned next_i = 0, n = 0;
    int64_t now = t0;
    int64_t deadline = ready_deadline(now, 1000 * MS);
    assert_int_equal(deadline, t0 + 1000 * MS);

    for (;;) {
        /* The planner starts every attempt that is due. */
        while (next_i < nstarts && starts[next_i] <= now)
            next_i++;
        int64_t next = next_i < nstarts ? starts[next_i] : READY_FOREVER;

        if (ready_expired(now, deadline))
            break;
        assert_true(now < deadline);

        int64_t slice = ready_slice(now, deadline, next);
        assert_int_not_equal(slice, READY_FOREVER);
        assert_true(slice > 0);                    /* not expired: something to wait */
        assert_true(now + slice <= deadline);      /* never past the deadline */
        if (next != READY_FOREVER)
            assert_true(now + slice <= next);      /* never past the next start */
        /* A wait in whole ms (poll/epoll) ends no earlier than the slice. */
        assert_true((int64_t)ready_ms_ceil(slice) * MS >= slice);

        assert_true(n < max);
        out[n++] = slice;
        now += wake(slice);
        assert_true(now <= deadline);
    }
    assert_int_equal(now, deadline);               /* ends exactly at it */
    assert_int_equal(next_i, nstarts);             /* both starts were reached */
    return n;
}

static void test_simulated_wait_exact(void **state)
{
    (void)state;
    int64_t s[16];
    unsigned n = simulate(5 * SEC, wake_full, s, 16);
    assert_int_equal(n, 3);
    assert_int_equal(s[0], 250 * MS);   /* to the first start */
    assert_int_equal(s[1], 250 * MS);   /* to the second start */
    assert_int_equal(s[2], 500 * MS);   /* to the deadline */

    /* An odd, non-ms-aligned origin changes nothing. */
    n = simulate(5 * SEC + 123457, wake_full, s, 16);
    assert_int_equal(n, 3);
    assert_int_equal(s[0], 250 * MS);
    assert_int_equal(s[1], 250 * MS);
    assert_int_equal(s[2], 500 * MS);
}

static void test_simulated_wait_early_wakeups(void **state)
{
    (void)state;
    int64_t s[256];
    /* Waking early every time still never overshoots and lands on the deadline. */
    unsigned n = simulate(7 * SEC + 1, wake_half, s, 256);
    assert_true(n > 3);
    for (unsigned i = 1; i < n; i++)
        assert_true(s[i] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_negative_is_forever),
        cmocka_unit_test(test_deadline_zero_is_now),
        cmocka_unit_test(test_deadline_finite),
        cmocka_unit_test(test_deadline_overflow_is_forever),
        cmocka_unit_test(test_slice_deadline_only),
        cmocka_unit_test(test_slice_next_start_only),
        cmocka_unit_test(test_slice_both_deadline_first),
        cmocka_unit_test(test_slice_both_next_start_first),
        cmocka_unit_test(test_slice_both_equal),
        cmocka_unit_test(test_slice_both_forever),
        cmocka_unit_test(test_slice_deadline_passed),
        cmocka_unit_test(test_slice_next_start_past),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_poll_pending_adds_err_always),
        cmocka_unit_test(test_poll_pending_adds_out_when_requested),
        cmocka_unit_test(test_poll_pending_keeps_kernel_bits),
        cmocka_unit_test(test_poll_not_pending_unchanged),
        cmocka_unit_test(test_epoll_pending_adds_err_always),
        cmocka_unit_test(test_epoll_pending_adds_out_when_requested),
        cmocka_unit_test(test_epoll_pending_keeps_kernel_bits),
        cmocka_unit_test(test_epoll_not_pending_unchanged),
        cmocka_unit_test(test_select_events),
        cmocka_unit_test(test_select_result_explicit),
        cmocka_unit_test(test_select_result_exhaustive),
        cmocka_unit_test(test_ms_ceil),
        cmocka_unit_test(test_ms_ceil_forever),
        cmocka_unit_test(test_ms_ceil_huge),
        cmocka_unit_test(test_simulated_wait_exact),
        cmocka_unit_test(test_simulated_wait_early_wakeups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

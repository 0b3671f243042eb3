/* fuzz_ready.c - owns fuzzing the readiness translation and the wait
 * arithmetic (src/core/ready.c) with any values the calls can hand it: a
 * clock reading (0..2^62 ns), any app timeout (negative: forever; huge),
 * a next planned start (never, or any time, past ones included), any
 * requested and kernel poll/epoll bits with or without a verdict pending,
 * any select set membership.
 * Invariants: a deadline is now + timeout or forever (never wraps); a slice
 * ends at the earlier of the deadline and the next start, never before now,
 * forever only when both are; expired exactly when the deadline passed;
 * ms rounded up so a wait never ends early, and by less than 1 ms; poll and
 * epoll events keep every kernel bit, add POLLERR/EPOLLERR and the asked
 * writable bits when a verdict is pending and nothing else, and are the
 * kernel's untouched otherwise; select asks and reports only for the sets
 * the descriptor is in, readable on IN/HUP/ERR, writable on OUT/ERR. */
#include "fuzz.h"

#include "core/ready.h"

#include <poll.h>
#include <sys/epoll.h>

static void check_time(int64_t now, int64_t timeout, int64_t next)
{
    int64_t d = ready_deadline(now, timeout);
    if (timeout < 0)
        FZ_CHECK(d == READY_FOREVER, "deadline %lld for timeout %lld", (long long)d, (long long)timeout);
    else
        FZ_CHECK(d == READY_FOREVER || (d >= now && d - now == timeout),
                 "deadline %lld for now %lld timeout %lld", (long long)d, (long long)now,
                 (long long)timeout);
    FZ_CHECK(ready_expired(now, d) == (d != READY_FOREVER && now >= d), "expired wrong");

    int64_t s = ready_slice(now, d, next);
    if (d == READY_FOREVER && next == READY_FOREVER) {
        FZ_CHECK(s == READY_FOREVER, "slice %lld with no end", (long long)s);
    } else {
        int64_t end = d == READY_FOREVER ? next : next == READY_FOREVER ? d : d < next ? d : next;
        FZ_CHECK(s >= 0 && s == (end > now ? end - now : 0), "slice %lld for now %lld end %lld",
                 (long long)s, (long long)now, (long long)end);
    }

    int ms = ready_ms_ceil(s);
    if (s < 0) {
        FZ_CHECK(ms == -1, "ms %d for forever", ms);
    } else if ((int64_t)ms == INT32_MAX) {
        FZ_CHECK(s > (int64_t)(INT32_MAX - 1) * 1000000, "clamped %lld ns", (long long)s);
    } else {
        FZ_CHECK(ms >= 0 && (int64_t)ms * 1000000 >= s, "%d ms ends a %lld ns wait early", ms,
                 (long long)s);
        FZ_CHECK(ms == 0 || (int64_t)(ms - 1) * 1000000 < s, "%d ms for %lld ns", ms, (long long)s);
    }
}

static void check_poll(short req, short kern, int pending)
{
    short r = ready_poll_revents(req, kern, pending);
    if (!pending) {
        FZ_CHECK(r == kern, "revents changed without a verdict");
        return;
    }
    short want = POLLERR | (req & (POLLOUT | POLLWRNORM));
    FZ_CHECK((r & kern) == kern && (r & want) == want, "revents %#x lost a bit", (unsigned)r);
    FZ_CHECK((r & ~(kern | want)) == 0, "revents %#x has a bit nobody gave", (unsigned)r);
}

static void check_epoll(uint32_t req, uint32_t kern, int pending)
{
    uint32_t r = ready_epoll_events(req, kern, pending);
    if (!pending) {
        FZ_CHECK(r == kern, "events changed without a verdict");
        return;
    }
    uint32_t want = EPOLLERR | (req & (EPOLLOUT | EPOLLWRNORM));
    FZ_CHECK((r & kern) == kern && (r & want) == want, "events %#x lost a bit", r);
    FZ_CHECK((r & ~(kern | want)) == 0, "events %#x has a bit nobody gave", r);
}

static void check_select(int rd, int wr, int ex, short kern, int pending)
{
    short ev = ready_select_events(rd, wr, ex);
    FZ_CHECK(!!(ev & POLLIN) == rd && !!(ev & POLLOUT) == wr && !!(ev & POLLPRI) == ex,
             "events %#x for sets %d%d%d", (unsigned)ev, rd, wr, ex);
    FZ_CHECK((ev & ~(POLLIN | POLLRDNORM | POLLRDBAND | POLLOUT | POLLWRNORM | POLLWRBAND | POLLPRI)) == 0,
             "events %#x", (unsigned)ev);
    short r = ready_poll_revents(ev, kern, pending);
    int ir, iw, ie;
    ready_select_result(r, rd, wr, ex, &ir, &iw, &ie);
    FZ_CHECK((!ir || rd) && (!iw || wr) && (!ie || ex), "reported for a set not asked");
    FZ_CHECK(ir == (rd && (r & (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR))), "readable");
    FZ_CHECK(iw == (wr && (r & (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR))), "writable");
    FZ_CHECK(ie == (ex && (r & POLLPRI)), "exceptional");
    if (pending)
        FZ_CHECK((!rd || ir) && (!wr || iw), "a lost race is not readable and writable");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = fz_of(data, size);
    while (!fz_done(&f)) {
        uint8_t k = fz_u8(&f);
        int64_t now = (int64_t)(fz_u64(&f) >> 2);
        int64_t timeout = (int64_t)fz_u64(&f);
        if (k & 1)
            timeout = (int64_t)fz_u32(&f) * (k & 2 ? 1000000 : 1);   /* ms or ns scale */
        int64_t next = READY_FOREVER;
        if (k & 4)
            next = k & 8 ? (int64_t)(fz_u64(&f) >> 1) : now - 5000000 + (int64_t)fz_u32(&f);
        if (next < 0)
            next = 0;
        check_time(now, timeout, next);
        short req = (short)fz_u16(&f), kern = (short)fz_u16(&f);
        check_poll(req, kern, k >> 4 & 1);
        check_epoll(fz_u32(&f), fz_u32(&f), k >> 4 & 1);
        check_select(k >> 5 & 1, k >> 6 & 1, k >> 7 & 1, kern, k >> 4 & 1);
    }
    return 0;
}

/* connect.c - owns tryall_connect(): deciding whether a connect() races,
 * starting it, and for a blocking socket waiting for the verdict (bounded by
 * SO_SNDTIMEO, interrupted by signals as the kernel would be).
 * Must never keep the fdtable lock across a wait, never change what the app
 * sees for a connect it does not race (same return value, same errno). */
#include "book.h"
#include "clock.h"
#include "config.h"
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/time.h>

int tryall_disabled(void)
{
    return tryall_config()->disabled;
}

/* Would the kernel restart a blocking connect interrupted by a signal?
 * Only when no SO_SNDTIMEO is set and the handler had SA_RESTART. We cannot
 * tell which signal arrived, so restart only if every caught signal has it. */
static int restart_after_signal(int has_sndtimeo)
{
    if (has_sndtimeo)
        return 0;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0)
            continue;
        if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN && !(sa.sa_flags & SA_RESTART))
            return 0;
    }
    return 1;
}

static void restore_blocking(int fd, int forced)
{
    if (forced) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
}

/* Under the lock: report a lost race once, and drop it. */
static int take_verdict(int fd, struct race *r)
{
    int e = r->error_reported ? ECONNABORTED : r->error;
    fdt_take(fd);
    /* Leave the app's socket unconnected, as a failed connect leaves it. */
    struct sockaddr sa = { .sa_family = AF_UNSPEC };
    if (!r->dead)
        real()->connect(fd, &sa, sizeof sa);
    if (--r->refs == 0)
        race_free(r);
    errno = e;
    return -1;
}

/* Wait for the race on fd (blocking connect). Called with the lock held and a
 * reference on r; returns with the lock released and the reference dropped. */
static int wait_for_verdict(int fd, struct race *r, sigset_t *saved)
{
    struct timeval tv = { 0, 0 };
    socklen_t tl = sizeof tv;
    real()->getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl);
    uint64_t limit = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
    uint64_t deadline = limit ? tryall_now_ms() + limit : 0;
    int rc = -1, err = 0;

    for (;;) {
        uint64_t now = tryall_now_ms();
        int64_t wait = race_advance(r, now);
        if (r->dead) {
            err = EBADF;
            break;
        }
        if (r->phase == RACE_WON) {
            fdt_take(fd);
            r->refs--;
            /* Settle the socket as a finished blocking connect leaves it. */
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            if (real()->getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
                real()->connect(fd, (struct sockaddr *)&ss, sl);
            rc = 0;
            break;
        }
        if (r->phase == RACE_LOST) {
            restore_blocking(fd, r->forced_nonblock);
            rc = take_verdict(fd, r);
            err = errno;
            break;
        }
        if (deadline && now >= deadline) {
            restore_blocking(fd, r->forced_nonblock);
            r->forced_nonblock = 0;
            err = EINPROGRESS;
            break;
        }
        if (deadline && (wait < 0 || now + (uint64_t)wait > deadline))
            wait = (int64_t)(deadline - now);
        struct pollfd p[PLAN_MAX];
        unsigned n = race_pollfds(r, p, PLAN_MAX);
        fdt_unlock(saved);
        int prc = real()->poll(p, n, wait > INT32_MAX ? INT32_MAX : (int)wait);
        int perr = errno;
        fdt_lock(saved);
        if (prc < 0 && perr == EINTR && !r->dead && !restart_after_signal(limit != 0)) {
            restore_blocking(fd, r->forced_nonblock);
            r->forced_nonblock = 0;
            err = EINTR;
            break;
        }
        if (prc > 0 && !r->dead)
            race_absorb(r, p, n, tryall_now_ms());
    }
    if (r) {
        if (r->dead || r->phase != RACE_RUNNING) {
            if (--r->refs == 0)
                race_free(r);
        } else {
            r->refs--;   /* the table keeps it; waits and later calls go on */
        }
    }
    fdt_unlock(saved);
    if (rc != 0)
        errno = err;
    return rc;
}

/* A connect() on a descriptor that already has a race. */
static int connect_again(int fd, struct race *r, sigset_t *saved)
{
    uint64_t now = tryall_now_ms();
    if (r->phase == RACE_RUNNING) {
        race_check(r, now);
        race_advance(r, now);
    }
    if (r->phase == RACE_LOST) {
        int rc = take_verdict(fd, r);
        int e = errno;
        fdt_unlock(saved);
        errno = e;
        return rc;
    }
    if (r->phase == RACE_WON) {
        fdt_take(fd);
        if (--r->refs == 0)
            race_free(r);
        fdt_unlock(saved);
        return 1;   /* the winner is on fd: the kernel answers from here */
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        r->refs++;
        if (!r->forced_nonblock) {
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
            r->forced_nonblock = 1;
        }
        return wait_for_verdict(fd, r, saved);
    }
    fdt_unlock(saved);
    errno = EALREADY;
    return -1;
}

int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    const struct tryall_real *rl = real();
    sigset_t saved;

    if (fdt_active()) {
        fdt_lock(&saved);
        struct race *r = fdt_get(fd);
        if (r) {
            int rc = connect_again(fd, r, &saved);
            if (rc != 1)
                return rc;
        } else {
            fdt_unlock(&saved);
        }
    }

    struct tryall_addr target;
    if (!sa || addr_from_sockaddr(sa, len, &target) != 0 || !book_maybe_has(&target))
        return rl->connect(fd, sa, len);
    uint64_t now = tryall_now_ms();
    struct tryall_list list;
    if (!book_lookup(&target, now, &list))
        return rl->connect(fd, sa, len);

    int type = 0, domain = 0, proto = 0;
    socklen_t l1 = sizeof type, l2 = sizeof domain, l3 = sizeof proto;
    if (rl->getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) != 0 || type != SOCK_STREAM ||
        rl->getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l2) != 0 || domain != sa->sa_family ||
        rl->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l3) != 0 ||
        (proto != IPPROTO_TCP && proto != 0))
        return rl->connect(fd, sa, len);

    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return rl->connect(fd, sa, len);
    int forced = !(fl & O_NONBLOCK);
    if (!forced)
        return rl->connect(fd, sa, len);   /* non-blocking races: part 2 */
    if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return rl->connect(fd, sa, len);

    int rc = rl->connect(fd, sa, len);
    int e = errno;
    if (rc == 0 || (e != EINPROGRESS && !race_is_address_error(e))) {
        fcntl(fd, F_SETFL, fl);
        errno = e;
        return rc;
    }

    fdt_lock(&saved);
    struct race *r = race_new(fd, domain, sa, &list, &target, e, forced, now);
    if (!r || fdt_put(fd, r) != 0) {
        if (r)
            race_free(r);
        fdt_unlock(&saved);
        /* Out of memory: degrade to the app's own single attempt. */
        fcntl(fd, F_SETFL, fl);
        if (e != EINPROGRESS) {
            errno = e;
            return -1;
        }
        return rl->connect(fd, sa, len);   /* a blocking connect waits for it */
    }
    r->refs++;
    return wait_for_verdict(fd, r, &saved);
}

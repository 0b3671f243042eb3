/* connect.c - owns tryall_connect(): deciding whether a connect() races,
 * starting it, and driving a race to its verdict for a blocking caller
 * (bounded by SO_SNDTIMEO, interrupted by signals as the kernel would be);
 * plus the TIP 427 answers a racing socket gives (SO_ERROR, I/O).
 * Must never hold the fdtable lock across a wait, and never change what the
 * app sees for a connect it does not race (same return value, same errno). */
#include "book.h"
#include "clock.h"
#include "config.h"
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "real.h"
#include "usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/time.h>

int tryall_disabled(void)
{
    return tryall_config()->disabled;
}

/* Would the kernel restart the blocking call a signal interrupted? Only with
 * no socket timeout and a handler with SA_RESTART. We cannot tell which signal
 * came, so restart only when every caught signal has SA_RESTART. */
static int restart_after_signal(int has_timeo)
{
    if (has_timeo)
        return 0;
    int saved = errno, restart = 1;
    for (int sig = 1; sig < NSIG && restart; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0)
            continue;   /* glibc's own signals (32, 33) answer EINVAL */
        if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN && !(sa.sa_flags & SA_RESTART))
            restart = 0;
    }
    errno = saved;
    return restart;
}

static uint64_t timeo_ms(int fd, int opt)
{
    struct timeval tv = { 0, 0 };
    socklen_t tl = sizeof tv;
    if (real()->getsockopt(fd, SOL_SOCKET, opt, &tv, &tl) != 0)
        return 0;
    return (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;
}

/* pthread_cancel in the middle of a wait: give back the waiter's reference
 * (the race stays in the table, as the kernel's connect would go on). */
static void drop_on_cancel(void *arg)
{
    fdt_lock();
    race_put(arg);
    fdt_unlock();
}

/* The unlocked wait of drive(), a cancellation point. */
static int poll_attempts(struct race *r, struct pollfd *p, unsigned n, int ms, int *err)
{
    int rc;
    pthread_cleanup_push(drop_on_cancel, r);
    rc = real()->poll(p, n, ms);
    *err = errno;
    pthread_cleanup_pop(0);
    return rc;
}

/* Drive r until it is decided, `limit` ms pass (0: no limit) or a signal
 * interrupts. Lock held on entry and exit, with a reference on r.
 * Returns 0 (decided, or the app closed fd), EAGAIN (time up) or EINTR. */
static int drive(struct race *r, uint64_t limit)
{
    uint64_t deadline = limit ? tryall_now_ms() + limit : 0;
    for (;;) {
        uint64_t now = tryall_now_ms();
        int64_t wait = race_advance(r, now);
        if (r->dead || r->phase != RACE_RUNNING)
            return 0;
        if (deadline && now >= deadline)
            return EAGAIN;
        if (deadline && (wait < 0 || now + (uint64_t)wait > deadline))
            wait = (int64_t)(deadline - now);
        struct pollfd p[PLAN_MAX];
        unsigned n = race_pollfds(r, p, PLAN_MAX);
        fdt_unlock();
        int perr;
        int prc = poll_attempts(r, p, n, wait > INT32_MAX ? INT32_MAX : (int)wait, &perr);
        fdt_lock();
        if (prc < 0 && perr == EINTR && !restart_after_signal(limit != 0))
            return EINTR;
        if (prc > 0 && !r->dead && r->phase == RACE_RUNNING)
            race_absorb(r, p, n, tryall_now_ms());
    }
}

/* Leave the app's socket unconnected, as a failed connect leaves it. */
static void disconnect(int fd)
{
    struct sockaddr sa = { .sa_family = AF_UNSPEC };
    real()->connect(fd, &sa, sizeof sa);
}

/* A blocking connect waits for the verdict. Lock held, reference on r;
 * returns unlocked with the reference dropped. */
static int connect_blocking(int fd, struct race *r, int timeout_errno)
{
    int why = drive(r, timeo_ms(fd, SO_SNDTIMEO));
    int rc = -1, err = why == EAGAIN ? timeout_errno : why;
    if (r->dead) {
        err = EBADF;
    } else if (why == 0 && r->phase == RACE_WON) {
        /* Settle the socket as a finished blocking connect leaves it. */
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (real()->getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
            real()->connect(fd, (struct sockaddr *)&ss, sl);
        race_retire(r);
        rc = 0;
    } else if (why == 0 && r->phase == RACE_LOST) {
        err = r->error;
        disconnect(fd);
        race_retire(r);
    }
    race_put(r);
    fdt_unlock();
    if (rc != 0)
        errno = err;
    return rc;
}

/* A connect() on a descriptor that already has a race (lock held).
 * Returns 1 when the kernel should answer (after unlocking), else the result. */
static int connect_again(int fd, struct race *r)
{
    if (r->phase == RACE_RUNNING)
        race_settle_now(r, tryall_now_ms());
    if (r->phase == RACE_WON) {
        race_retire(r);
        fdt_unlock();
        return 1;   /* the winner is on fd: the kernel answers from here */
    }
    if (r->phase == RACE_LOST) {
        int e = r->error;
        disconnect(fd);
        race_retire(r);
        fdt_unlock();
        errno = e;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        r->refs++;
        return connect_blocking(fd, r, EALREADY);
    }
    fdt_unlock();
    errno = EALREADY;
    return -1;
}

/* No race could be made: wait for the app's own attempt as its blocking
 * connect would have (SO_SNDTIMEO, signals), then let the kernel say how it
 * ended. */
static int connect_alone(int fd, const struct sockaddr *sa, socklen_t len)
{
    uint64_t limit = timeo_ms(fd, SO_SNDTIMEO);
    uint64_t deadline = limit ? tryall_now_ms() + limit : 0;
    for (;;) {
        uint64_t now = tryall_now_ms();
        if (deadline && now >= deadline) {
            errno = EINPROGRESS;
            return -1;
        }
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int ms = deadline ? (int)(deadline - now) : -1;
        int rc = real()->poll(&p, 1, ms);
        if (rc < 0 && errno == EINTR) {
            if (restart_after_signal(limit != 0))
                continue;
            return -1;
        }
        if (rc > 0)
            return real()->connect(fd, sa, len);   /* established: 0; failed: its error */
    }
}

/* Is this connect one we race? Fills list, target and the socket's family. */
/* Is this connect one we race? The app's address is read only when the book
 * holds something, and then through usermem (the kernel, not us, answers
 * EFAULT for an unreadable one); the copy goes to *copy. */
static int eligible(int fd, const struct sockaddr *sa, socklen_t len, uint64_t now,
                    struct sockaddr_storage *copy, struct tryall_addr *target,
                    struct tryall_list *list, int *domain)
{
    if (!book_nonempty() || !sa || len < sizeof(sa_family_t) || len > sizeof *copy ||
        usermem_copy(copy, sa, len) != 0)
        return 0;
    const struct sockaddr *c = (const struct sockaddr *)copy;
    if (addr_from_sockaddr(c, len, target) != 0 || !book_maybe_has(target) ||
        !book_lookup(target, now, list))
        return 0;
    int type = 0, proto = 0, v6only = 0;
    socklen_t l1 = sizeof type, l2 = sizeof *domain, l3 = sizeof proto, l4 = sizeof v6only;
    const struct tryall_real *rl = real();
    if (rl->getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) != 0 || type != SOCK_STREAM ||
        rl->getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &l2) != 0 || *domain != c->sa_family ||
        rl->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l3) != 0 ||
        (proto != IPPROTO_TCP && proto != 0))
        return 0;
    /* A v4-mapped target on an IPV6_V6ONLY socket cannot work: libc's error. */
    if (*domain == AF_INET6 && target->family == AF_INET &&
        (rl->getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l4) != 0 || v6only))
        return 0;
    return 1;
}

/* What the kernel checks of connect's address before it looks at the
 * socket's state, in its order: -1 with errno (EINVAL, EFAULT), else 0 with
 * *family set. */
static int connect_args(const struct sockaddr *sa, socklen_t len, sa_family_t *family)
{
    struct sockaddr_storage ss;
    if ((int)len < 0 || len > sizeof ss) {
        errno = EINVAL;
        return -1;
    }
    if (len > 0 && usermem_copy(&ss, sa, len) != 0) {
        errno = EFAULT;
        return -1;
    }
    if (len < sizeof *family) {
        errno = EINVAL;
        return -1;
    }
    *family = ss.ss_family;
    return 0;
}

int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    const struct tryall_real *rl = real();

    if (fdt_peek(fd)) {
        sa_family_t family;
        if (connect_args(sa, len, &family) != 0)
            return -1;
        if (fdt_lock() == 0) {
            struct race *r = fdt_get(fd);
            if (r && race_drop_if_stale(r, fd))
                r = NULL;   /* closed behind our back: a new socket starts clean */
            if (r && family == AF_UNSPEC) {
                /* The app disconnects: a running race ends here; a lost one
                 * keeps its error for SO_ERROR, as the kernel keeps sk_err. */
                if (r->phase != RACE_LOST)
                    race_abort(r);
                fdt_unlock();
                return rl->connect(fd, sa, len);
            }
            if (r) {
                int rc = connect_again(fd, r);
                if (rc != 1)
                    return rc;
            } else {
                fdt_unlock();
            }
        }
    }

    struct sockaddr_storage copy;
    struct tryall_addr target;
    struct tryall_list list;
    int domain = 0;
    uint64_t now = tryall_now_ms();
    if (!eligible(fd, sa, len, now, &copy, &target, &list, &domain))
        return rl->connect(fd, sa, len);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return rl->connect(fd, sa, len);
    int blocking = !(fl & O_NONBLOCK);
    struct sockaddr_storage local;
    socklen_t local_len = sizeof local;
    int bound = getsockname(fd, (struct sockaddr *)&local, &local_len) == 0 &&
                race_is_bound(&local, local_len);

    /* Attempt 1: the app's own connect, never waiting in the kernel. */
    if (blocking && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return rl->connect(fd, sa, len);
    int rc = rl->connect(fd, sa, len);
    int e = errno;
    if (blocking)
        fcntl(fd, F_SETFL, fl);
    if (rc == 0 || (e != EINPROGRESS && !race_is_address_error(e))) {
        errno = e;
        return rc;
    }

    struct race *r = NULL;
    if (fdt_lock() == 0) {
        r = race_new(fd, domain, (struct sockaddr *)&copy, &list, &target, e,
                     bound ? &local : NULL, local_len, now);
        if (r && race_enter(r) != 0) {
            race_free(r);
            r = NULL;
        }
        if (!r)
            fdt_unlock();
    }
    if (!r) {
        /* Out of memory (or inside a signal handler): the app's own attempt only. */
        if (blocking && e == EINPROGRESS)
            return connect_alone(fd, sa, len);
        errno = e;
        return -1;
    }
    if (blocking) {
        r->refs++;
        return connect_blocking(fd, r, EINPROGRESS);
    }
    race_advance(r, now);
    if (r->phase == RACE_WON) {
        /* Won already (loopback is that fast): the winner is on fd, and the
         * app hears EINPROGRESS as the kernel would say for any TCP connect. */
        race_retire(r);
        fdt_unlock();
        errno = EINPROGRESS;
        return -1;
    }
    if (r->phase == RACE_LOST && e != EINPROGRESS) {
        /* Every address failed at once, the app's own included: say so now. */
        e = r->error;
        race_retire(r);
        fdt_unlock();
        errno = e;
        return -1;
    }
    /* Running, or lost after the app's own connect said EINPROGRESS: the
     * verdict comes as the kernel would give it, through poll and SO_ERROR. */
    fdt_unlock();
    errno = EINPROGRESS;
    return -1;
}

/* Under the lock: the race on fd brought up to date without waiting, or
 * NULL when fd has none any more (won and retired, or closed behind our
 * back). The race returned is running or lost, and in the table. */
static struct race *current(int fd)
{
    struct race *r = fdt_get(fd);
    if (!r || race_drop_if_stale(r, fd))
        return NULL;
    if (r->phase == RACE_RUNNING && !r->dead)
        race_settle_now(r, tryall_now_ms());
    if (r->phase == RACE_WON || r->dead) {
        race_retire(r);
        return NULL;
    }
    return r;
}

int tryall_io_gate(int fd, int timeo_opt, int *err)
{
    if (fdt_lock() != 0)
        return 0;
    int answer = 0;
    struct race *r = current(fd);
    if (r && r->phase == RACE_RUNNING) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK)) {
            *err = EAGAIN;
            answer = 1;
        } else {
            r->refs++;
            int why = drive(r, timeo_ms(fd, timeo_opt));
            if (why == EINTR || why == EAGAIN) {
                *err = why;   /* a signal, or the socket's own timeout passed */
                answer = 1;
            }
            race_put(r);
            r = answer ? NULL : current(fd);
        }
    }
    if (r && r->phase == RACE_LOST) {
        *err = r->error;
        answer = 1;
        race_retire(r);
    }
    fdt_unlock();
    return answer;
}

int tryall_so_error(int fd, int *value)
{
    if (fdt_lock() != 0)
        return 0;
    int decided = 0;
    struct race *r = current(fd);
    if (r && r->phase == RACE_RUNNING) {
        *value = 0;
        decided = 1;
    } else if (r && r->phase == RACE_LOST) {
        *value = r->error;
        decided = 1;
        race_retire(r);
    }
    fdt_unlock();
    return decided;
}

void tryall_touch(int fd)
{
    if (fdt_lock() != 0)
        return;
    current(fd);
    fdt_unlock();
}

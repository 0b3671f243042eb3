/* drive.c - owns the blocking caller's wait for a race: polling the running
 * attempts with the lock released, each wait cut at the next planned start
 * and at the socket's own timeout, interrupted by signals as the kernel's
 * connect would be; and the settling of a finished blocking connect.
 * Must never hold the fdtable lock across a wait. */
#include "calls/drive.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "sys/clock.h"
#include "sys/real.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

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

uint64_t drive_timeo_ms(int fd, int opt)
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

int drive(struct race *r, uint64_t limit)
{
    FDT_ASSERT_HELD();
    uint64_t deadline = limit ? tryall_now_ms() + limit : 0;
    for (;;) {
        uint64_t now = tryall_now_ms();
        int64_t wait = race_advance(r, now);
        if (race_settled(r))
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
        if (prc > 0 && race_running(r))
            race_absorb(r, p, n, tryall_now_ms());
    }
}

void drive_disconnect(int fd)
{
    struct sockaddr sa = { .sa_family = AF_UNSPEC };
    real()->connect(fd, &sa, sizeof sa);
}

int drive_connect(int fd, struct race *r, int timeout_errno)
{
    int why = drive(r, drive_timeo_ms(fd, SO_SNDTIMEO));
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
    } else if (why == 0 && race_lost(r)) {
        err = r->error;
        drive_disconnect(fd);
        race_retire(r);
    }
    race_put(r);
    fdt_unlock();
    if (rc != 0)
        errno = err;
    return rc;
}

int drive_alone(int fd, const struct sockaddr *sa, socklen_t len)
{
    uint64_t limit = drive_timeo_ms(fd, SO_SNDTIMEO);
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

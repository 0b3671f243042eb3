/* wait.h - owns what the wait paths share: the poll slow path itself (which
 * select.c builds on) and the time arithmetic: the monotonic clock in ns,
 * the app's timeouts copied and converted, and one race's next planned start
 * folded into a wait's slice. Internal to calls/.
 * Must never be included from another floor, never read app memory directly. */
#ifndef TRYALL_CALLS_WAIT_H
#define TRYALL_CALLS_WAIT_H

#include <stdint.h>
#include <time.h>
#include "core/ready.h"
#include "race/race.h"
#include "sys/usermem.h"

#include <poll.h>
#include <signal.h>

/* Arrays up to this size are copied on the stack (a handler may run on a
 * small alternate stack: keep it so), larger ones into mmap'd scratch. */
#define SMALL_FDS 16

/* The poll slow path (calls/wait.c): the app's array, a timeout (NULL =
 * forever), a signal mask; WAIT_LIBC when libc should answer. */
int wait_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask);

static inline int64_t wait_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A timespec in ns; NULL (or beyond ~292 years) is forever. (sec: a
 * 32-bit time_t compared with that bound makes compilers warn.) */
static inline int64_t wait_ts_ns(const struct timespec *t)
{
    if (!t)
        return READY_FOREVER;
    int64_t sec = t->tv_sec;
    if (sec >= INT64_MAX / 1000000000 - 1)
        return READY_FOREVER;
    return sec * 1000000000 + t->tv_nsec;
}

static inline struct timespec *wait_ns_ts(int64_t ns, struct timespec *out)
{
    if (ns == READY_FOREVER)
        return NULL;
    out->tv_sec = ns / 1000000000;
    out->tv_nsec = ns % 1000000000;
    return out;
}

/* A poll-style ms timeout as a timespec (negative: NULL, forever). */
static inline const struct timespec *wait_ms_ts(int ms, struct timespec *out)
{
    if (ms < 0)
        return NULL;
    out->tv_sec = ms / 1000;
    out->tv_nsec = (long)(ms % 1000) * 1000000;
    return out;
}

/* The app's timespec, copied (NULL = forever): 0 fine, -1 for the kernel to
 * reject (unreadable, or out of range). */
static inline int wait_copy_ts(const struct timespec *tmo, struct timespec *out,
                               const struct timespec **use)
{
    *use = NULL;
    if (!tmo)
        return 0;
    if (usermem_copy(out, tmo, sizeof *out) != 0 || out->tv_sec < 0 || out->tv_nsec < 0 ||
        out->tv_nsec >= 1000000000)
        return -1;
    *use = out;
    return 0;
}

/* Advance r (lock held); fold its next planned start into *next (ns). The
 * outcomes themselves come from the wait, which watches the attempts. */
static inline void wait_advance(struct race *r, int64_t now, int64_t *next)
{
    if (!race_running(r))
        return;
    int64_t ms = race_advance(r, (uint64_t)(now / 1000000));
    if (ms >= 0 && r->phase == RACE_RUNNING) {
        int64_t at = now + ms * 1000000;
        if (*next == READY_FOREVER || at < *next)
            *next = at;
    }
}

#endif

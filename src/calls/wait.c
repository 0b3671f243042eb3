/* wait.c - owns the slow path of poll and ppoll (and, through select.c, of
 * select and pselect), taken only when some descriptor races. A racing
 * descriptor is hidden from the kernel wait and its running attempts are
 * watched instead; each round is cut at the next planned attempt start or
 * the app's deadline, whichever comes first; the app returns only with events
 * of its own (a won race shows its real readiness, a lost one adds POLLERR)
 * or at its own deadline, never later.
 * Must never hold the fdtable lock across a wait, nor report an attempt's
 * events to the app, nor return 0 before the app's deadline. */
#include "calls/calls.h"
#include "calls/wait.h"
#include "core/ready.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "sys/pool.h"
#include "sys/real.h"
#include "sys/usermem.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

struct watch {
    struct race *r;      /* racing: hidden from the kernel, attempts watched */
    unsigned first, count;
    int pending;         /* lost, verdict unread */
};

/* Scratch memory of one slow poll: on the stack when small, else from mmap. */
#define STACK_BYTES 2048

struct poll_job {
    struct pollfd *app;      /* the app's array, copied */
    size_t app_bytes;        /* 0 when app is on the stack */
    char *mem;               /* ext + watches */
    size_t mem_bytes;        /* 0 when mem is on the stack */
    struct watch *w;
    nfds_t nfds;
};

static void job_free(struct poll_job *job)
{
    pool_big_free(job->app, job->app_bytes);
    pool_big_free(job->mem, job->mem_bytes);
}

/* pthread_cancel inside the unlocked wait: give back the references the
 * rounds hold and the scratch memory. */
static void drop_watches(void *arg)
{
    struct poll_job *job = arg;
    fdt_lock();
    for (nfds_t i = 0; i < job->nfds; i++)
        if (job->w[i].r)
            race_put(job->w[i].r);
    fdt_unlock();
    job_free(job);
}

/* Under the lock: build the kernel's array for one round. A racing
 * descriptor is hidden (fd -1) and its running attempts appended; a lost
 * one is marked pending. Returns the array's length; *next gets the
 * earliest planned start. */
static nfds_t round_prepare(struct poll_job *job, struct pollfd *ext, int64_t now, int64_t *next)
{
    struct pollfd *app = job->app;
    struct watch *w = job->w;
    nfds_t n = job->nfds;
    for (nfds_t i = 0; i < job->nfds; i++) {
        ext[i] = app[i];
        ext[i].revents = 0;
        w[i].r = NULL;
        w[i].pending = 0;
        struct race *r = fdt_peek(app[i].fd) ? fdt_get(app[i].fd) : NULL;
        if (r && race_drop_if_stale(r, app[i].fd))
            r = fdt_get(app[i].fd);   /* closed behind our back: no longer a race */
        if (!r)
            continue;
        wait_advance(r, now, next);
        if (race_done(r)) {
            race_retire(r);
        } else if (race_lost(r)) {
            w[i].pending = 1;
        } else {
            ext[i].fd = -1;   /* the kernel ignores it: no events while racing */
            r->refs++;
            w[i].r = r;
            w[i].first = (unsigned)n;
            w[i].count = race_pollfds(r, ext + n, PLAN_MAX);
            n += w[i].count;
        }
    }
    return n;
}

/* Under the lock: take in what the round's poll (rc) saw of the attempts,
 * drop the round's references. 1 when some race was decided. */
static int round_absorb(struct poll_job *job, const struct pollfd *ext, int rc, int64_t *next)
{
    int changed = 0;
    int64_t now = wait_now_ns();
    for (nfds_t i = 0; i < job->nfds; i++) {
        struct race *r = job->w[i].r;
        if (!r)
            continue;
        if (rc > 0 && race_running(r))
            race_absorb(r, ext + job->w[i].first, job->w[i].count, (uint64_t)(now / 1000000));
        wait_advance(r, now, next);
        changed |= race_settled(r);
        race_put(r);
    }
    return changed;
}

/* The app's own events of a round (a lost race adds POLLERR); the count. */
static int round_events(struct poll_job *job, const struct pollfd *ext)
{
    int count = 0;
    for (nfds_t i = 0; i < job->nfds; i++) {
        struct pollfd *a = &job->app[i];
        a->revents = job->w[i].r ? 0 : ready_poll_revents(a->events, ext[i].revents, job->w[i].pending);
        count += a->revents != 0;
    }
    return count;
}

/* One round's unlocked wait, a cancellation point. */
static int round_wait(struct poll_job *job, struct pollfd *ext, nfds_t n, int64_t slice_ns,
                      const sigset_t *mask, int *err)
{
    struct timespec slice;
    int rc;
    pthread_cleanup_push(drop_watches, job);
    rc = real()->ppoll(ext, n, wait_ns_ts(slice_ns, &slice), mask);
    *err = errno;
    pthread_cleanup_pop(0);
    return rc;
}

static int poll_rounds(struct pollfd *fds, struct poll_job *job, struct pollfd *ext,
                       const struct timespec *timeout, const sigset_t *mask)
{
    int64_t deadline = ready_deadline(wait_now_ns(), wait_ts_ns(timeout));
    for (;;) {
        int64_t now = wait_now_ns(), next = READY_FOREVER;
        if (fdt_lock() != 0)
            return WAIT_LIBC;
        nfds_t n = round_prepare(job, ext, now, &next);
        fdt_unlock();
        int err, rc = round_wait(job, ext, n, ready_slice(now, deadline, next), mask, &err);
        fdt_lock();
        int changed = round_absorb(job, ext, rc, &next);
        fdt_unlock();
        if (rc < 0) {
            errno = err;
            return -1;
        }
        if (changed)
            continue;   /* poll again at once: a decided race shows with the rest */
        int count = round_events(job, ext);
        if (count || ready_expired(wait_now_ns(), deadline)) {
            for (nfds_t i = 0; i < job->nfds; i++)
                fds[i].revents = job->app[i].revents;
            return count;
        }
    }
}

int wait_poll_racing(struct pollfd *fds, nfds_t nfds)
{
    if (nfds == 0 || nfds > (1u << 20) || !usermem_readable(fds, nfds * sizeof *fds))
        return 0;   /* unreadable: the kernel's EFAULT, from libc */
    for (nfds_t i = 0; i < nfds; i++)
        if (fdt_peek(fds[i].fd))
            return 1;
    return 0;
}

int wait_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask)
{
    /* Arguments the kernel rejects (too many, unreadable) are libc's to answer. */
    if (nfds == 0 || nfds > (1u << 20))
        return WAIT_LIBC;
    /* Look at a copy; when, as usually, none of the app's descriptors races,
     * that is all (no allocation for small sets). */
    struct pollfd small[SMALL_FDS];
    struct poll_job job = { .nfds = nfds };
    job.app = small;
    if (nfds > SMALL_FDS) {
        job.app_bytes = nfds * sizeof *job.app;
        job.app = pool_big(job.app_bytes);
    }
    nfds_t racing = 0;
    if (job.app && usermem_copy(job.app, fds, nfds * sizeof *job.app) == 0)
        for (nfds_t i = 0; i < nfds; i++)
            racing += (nfds_t)fdt_peek(job.app[i].fd);
    int result = WAIT_LIBC;
    if (racing) {
        _Alignas(16) char stack[STACK_BYTES];
        size_t ext_bytes = (nfds + racing * PLAN_MAX) * sizeof(struct pollfd);
        size_t need = ext_bytes + nfds * sizeof(struct watch);
        job.mem = stack;
        if (need > sizeof stack) {
            job.mem_bytes = need;
            job.mem = pool_big(need);
        }
        if (job.mem) {
            job.w = (struct watch *)(job.mem + ext_bytes);
            memset(job.w, 0, nfds * sizeof *job.w);
            result = poll_rounds(fds, &job, (struct pollfd *)job.mem, timeout, mask);
        }
    }
    job_free(&job);
    return result;
}


int wait_poll_ms(struct pollfd *fds, nfds_t nfds, int timeout)
{
    struct timespec ts;
    return wait_poll(fds, nfds, wait_ms_ts(timeout, &ts), NULL);
}

int wait_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask)
{
    struct timespec ts;
    const struct timespec *t;
    if (wait_copy_ts(tmo, &ts, &t) != 0)
        return WAIT_LIBC;
    return wait_poll(fds, nfds, t, mask);
}

/* wait.c - owns the slow path of the app's waits (poll, ppoll, select,
 * pselect, epoll_*), taken only when some descriptor races. A racing
 * descriptor is hidden from the kernel wait and its running attempts are
 * watched instead; each round is cut at the next planned attempt start or
 * the app's deadline, whichever comes first; the app returns only with events
 * of its own (a won race shows its real readiness, a lost one adds POLLERR)
 * or at its own deadline, never later.
 * Must never hold the fdtable lock across a wait, nor report an attempt's
 * events to the app, nor return 0 before the app's deadline. */
#include "clock.h"
#include "epollset.h"
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "ready.h"
#include "pool.h"
#include "real.h"
#include "usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *t)
{
    if (!t || t->tv_sec >= INT64_MAX / 1000000000 - 1)
        return READY_FOREVER;   /* beyond ~292 years: as good as forever */
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static struct timespec *ns_ts(int64_t ns, struct timespec *out)
{
    if (ns == READY_FOREVER)
        return NULL;
    out->tv_sec = ns / 1000000000;
    out->tv_nsec = ns % 1000000000;
    return out;
}

/* Advance r (lock held); fold its next planned start into *next (ns). The
 * outcomes themselves come from the wait, which watches the attempts. */
static void advance(struct race *r, int64_t now, int64_t *next)
{
    if (r->phase != RACE_RUNNING || r->dead)
        return;
    int64_t ms = race_advance(r, (uint64_t)(now / 1000000));
    if (ms >= 0 && r->phase == RACE_RUNNING) {
        int64_t at = now + ms * 1000000;
        if (*next == READY_FOREVER || at < *next)
            *next = at;
    }
}

struct watch {
    struct race *r;      /* racing: hidden from the kernel, attempts watched */
    unsigned first, count;
    int pending;         /* lost, verdict unread */
};

/* Scratch memory of one slow poll: on the stack when small (a handler may
 * run on a small alternate stack: keep it so), else from mmap. */
#define SMALL_FDS 16
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

static int poll_rounds(struct pollfd *fds, struct poll_job *job, struct pollfd *ext,
                       const struct timespec *timeout, const sigset_t *mask)
{
    const struct tryall_real *rl = real();
    struct pollfd *app = job->app;
    struct watch *w = job->w;
    nfds_t nfds = job->nfds;
    int64_t deadline = ready_deadline(now_ns(), ts_ns(timeout));
    int result;
    for (;;) {
        int64_t now = now_ns(), next = READY_FOREVER;
        nfds_t n = nfds;
        if (fdt_lock() != 0) {
            result = WAIT_LIBC;
            break;
        }
        for (nfds_t i = 0; i < nfds; i++) {
            ext[i] = app[i];
            ext[i].revents = 0;
            w[i].r = NULL;
            w[i].pending = 0;
            struct race *r = fdt_peek(app[i].fd) ? fdt_get(app[i].fd) : NULL;
            if (r && race_drop_if_stale(r, app[i].fd))
                r = fdt_get(app[i].fd);   /* closed behind our back: no longer a race */
            if (!r)
                continue;
            advance(r, now, &next);
            if (r->phase == RACE_WON || r->dead) {
                race_retire(r);
            } else if (r->phase == RACE_LOST) {
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
        fdt_unlock();

        struct timespec slice;
        int rc, err;
        pthread_cleanup_push(drop_watches, job);
        rc = rl->ppoll(ext, n, ns_ts(ready_slice(now, deadline, next), &slice), mask);
        err = errno;
        pthread_cleanup_pop(0);

        int changed = 0;
        fdt_lock();
        now = now_ns();
        for (nfds_t i = 0; i < nfds; i++) {
            struct race *r = w[i].r;
            if (!r)
                continue;
            if (rc > 0 && !r->dead && r->phase == RACE_RUNNING)
                race_absorb(r, ext + w[i].first, w[i].count, (uint64_t)(now / 1000000));
            advance(r, now, &next);
            changed |= r->phase != RACE_RUNNING || r->dead;
            race_put(r);
        }
        fdt_unlock();
        if (rc < 0) {
            errno = err;
            result = -1;
            break;
        }
        if (changed)
            continue;   /* poll again at once: a decided race shows with the rest */
        int count = 0;
        for (nfds_t i = 0; i < nfds; i++) {
            app[i].revents = w[i].r ? 0 : ready_poll_revents(app[i].events, ext[i].revents, w[i].pending);
            count += app[i].revents != 0;
        }
        if (count || ready_expired(now_ns(), deadline)) {
            for (nfds_t i = 0; i < nfds; i++)
                fds[i].revents = app[i].revents;
            result = count;
            break;
        }
    }
    return result;
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

int wait_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
                const sigset_t *mask, struct timespec *left)
{
    struct pollfd small[SMALL_FDS];
    size_t bytes = nfds <= SMALL_FDS ? 0 : (size_t)nfds * sizeof(struct pollfd);
    struct pollfd *p = bytes ? pool_big(bytes) : small;
    if (!p)
        return WAIT_LIBC;
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        int r = rd && FD_ISSET(fd, rd), w = wr && FD_ISSET(fd, wr), e = ex && FD_ISSET(fd, ex);
        if (!r && !w && !e)
            continue;
        if (fcntl(fd, F_GETFD) < 0) {
            pool_big_free(p, bytes);
            errno = EBADF;
            return -1;
        }
        p[n].fd = fd;
        p[n].events = ready_select_events(r, w, e);
        p[n].revents = 0;
        n++;
    }
    int64_t deadline = ready_deadline(now_ns(), ts_ns(timeout));
    int rc = wait_poll(p, n, timeout, mask);
    if (rc == WAIT_LIBC) {
        pool_big_free(p, bytes);
        return WAIT_LIBC;
    }
    if (left && deadline != READY_FOREVER) {
        int64_t rest = deadline - now_ns();
        ns_ts(rest > 0 ? rest : 0, left);
    }
    if (rc < 0) {
        int e = errno;
        pool_big_free(p, bytes);
        errno = e;
        return -1;
    }
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        int fd = p[i].fd;
        int r = rd && FD_ISSET(fd, rd), w = wr && FD_ISSET(fd, wr), e = ex && FD_ISSET(fd, ex);
        int ir, iw, ie;
        ready_select_result(p[i].revents, r, w, e, &ir, &iw, &ie);
        if (r && !ir)
            FD_CLR(fd, rd);
        if (w && !iw)
            FD_CLR(fd, wr);
        if (e && !ie)
            FD_CLR(fd, ex);
        count += ir + iw + ie;
    }
    pool_big_free(p, bytes);
    return count;
}

int wait_epoll(int epfd, struct epoll_event *events, int maxevents, const struct timespec *timeout,
               const sigset_t *mask)
{
    const struct tryall_real *rl = real();
    int64_t deadline = ready_deadline(now_ns(), ts_ns(timeout));
    int total = 0;   /* app events gathered so far, at the front of events */
    for (;;) {
        int64_t now = now_ns(), next = READY_FOREVER;
        if (fdt_lock() != 0)
            return total ? total : WAIT_LIBC;
        for (struct race *r = race_active, *nx; r; r = nx) {
            nx = r->next_active;
            if (!epset_in(r, epfd))
                continue;
            advance(r, now, &next);
            if (r->phase == RACE_WON || r->dead)
                race_retire(r);
        }
        fdt_unlock();

        int64_t slice = total ? 0 : ready_slice(now, deadline, next);
        struct epoll_event *ev = events + total;
        int rc = rl->epoll_pwait(epfd, ev, maxevents - total, ready_ms_ceil(slice), mask);
        if (rc < 0)
            return total ? total : rc;

        int out = 0, changed = 0;
        fdt_lock();
        now = now_ns();
        for (int k = 0; k < rc; k++) {
            int fd;
            unsigned idx;
            if (epset_untag(ev[k].data.u64, &fd, &idx)) {
                struct race *r = fdt_get(fd);
                if (r && r->phase == RACE_RUNNING && !r->dead && idx < r->plan.n &&
                    r->plan.state[idx] == ATT_RUNNING) {
                    race_settle(r, idx, (uint64_t)(now / 1000000));
                    advance(r, now, &next);
                    changed |= r->phase != RACE_RUNNING;
                }
                continue;   /* our attempt's event, never the app's */
            }
            if (race_lost_count)
                for (struct race *r = race_active; r; r = r->next_active) {
                    const struct epoll_event *app = r->phase == RACE_LOST ? epset_app_event(r, epfd) : NULL;
                    if (app && app->data.u64 == ev[k].data.u64) {
                        ev[k].events = ready_epoll_events(app->events, ev[k].events, 1);
                        break;
                    }
                }
            ev[out++] = ev[k];
        }
        fdt_unlock();
        total += out;
        /* A race decided now shows its descriptor at once: collect it too. */
        if (changed && total < maxevents)
            continue;
        if (total)
            return total;
        if (ready_expired(now_ns(), deadline))
            return 0;
    }
}

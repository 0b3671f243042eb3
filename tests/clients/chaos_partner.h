/* chaos_partner.h - owns the saboteur of the chaos client (chaos.c): one
 * partner thread per worker that, armed with a descriptor, waits a given
 * time and then closes it (close, or close_range over it alone), dup2()s a
 * spare socket over it, or copies it (dup, fcntl F_DUPFD_CLOEXEC) and
 * closes the copy - while the worker is still connecting on it - unless
 * the worker disarmed it first. The act happens entirely before or not at
 * all after partner_disarm() returns, so the partner never touches a number
 * the worker has given up (it may be another thread's by then).
 * Header-only (static inline): chaos.c stays one translation unit.
 * Must never act twice for one arming, nor after a disarm. */
#ifndef CHAOS_PARTNER_H
#define CHAOS_PARTNER_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

enum { P_NONE, P_CLOSE, P_DUP2, P_DUP, P_CLOSE_RANGE, P_FDUP, P_N };

/* Does the act leave the number closed (no longer the worker's)? */
static inline int partner_closes(int action)
{
    return action == P_CLOSE || action == P_CLOSE_RANGE;
}

struct partner {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int armed, cancelled, acted, quit;
    int fd, action, spare;
    long delay_ms;
};

static inline void partner_act(struct partner *p)
{
    if (p->action == P_CLOSE) {
        close(p->fd);
    } else if (p->action == P_CLOSE_RANGE) {
        close_range((unsigned)p->fd, (unsigned)p->fd, 0);
    } else if (p->action == P_DUP2) {
        dup2(p->spare, p->fd);
    } else {
        /* a copy follows the race; then it goes */
        int c = p->action == P_DUP ? dup(p->fd) : fcntl(p->fd, F_DUPFD_CLOEXEC, 0);
        if (c >= 0)
            close(c);
    }
}

static void *partner_main(void *arg)
{
    struct partner *p = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);   /* the workers take the SIGCONTs */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->armed && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->quit)
            break;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += p->delay_ms / 1000;
        until.tv_nsec += (p->delay_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!p->cancelled && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
            ;
        if (!p->cancelled) {
            partner_act(p);
            __atomic_store_n(&p->acted, 1, __ATOMIC_RELEASE);
        }
        p->armed = 0;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static inline int partner_start(struct partner *p)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    return pthread_create(&p->th, NULL, partner_main, p);
}

static inline void partner_arm(struct partner *p, int fd, int action, int spare, long delay_ms)
{
    pthread_mutex_lock(&p->mu);
    p->fd = fd;
    p->action = action;
    p->spare = spare;
    p->delay_ms = delay_ms;
    p->cancelled = 0;
    __atomic_store_n(&p->acted, 0, __ATOMIC_RELEASE);
    p->armed = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Has the partner acted on this arming (cheap, for wait loops)? */
static inline int partner_acted(struct partner *p)
{
    return __atomic_load_n(&p->acted, __ATOMIC_ACQUIRE);
}

/* No act after this; returns whether the partner acted since it was armed
 * (0 when it was not armed, and for a second disarm). */
static inline int partner_disarm(struct partner *p)
{
    pthread_mutex_lock(&p->mu);
    p->cancelled = 1;
    pthread_cond_broadcast(&p->cv);
    while (p->armed)
        pthread_cond_wait(&p->cv, &p->mu);
    int acted = p->acted;
    __atomic_store_n(&p->acted, 0, __ATOMIC_RELEASE);   /* told once: the next op starts clean */
    pthread_mutex_unlock(&p->mu);
    return acted;
}

static inline void partner_stop(struct partner *p)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
}

#endif

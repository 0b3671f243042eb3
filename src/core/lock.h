/* lock.h - owns the one way libtryall takes a mutex: refused (-1) when the
 * calling thread already holds it. That happens only when a signal handler
 * interrupted the holder and re-entered one of our hooks; the hook then skips
 * its own work (goes straight to libc), so a handler never deadlocks.
 * Each lock comes with its own thread-local "held" flag, declared with
 * TLOCK_HELD(name) next to the mutex.
 * Cancellation is disabled while a lock is held.
 * Must never block signals or allocate. */
#ifndef TRYALL_LOCK_H
#define TRYALL_LOCK_H

#include <pthread.h>

#define TLOCK_HELD(name) static __thread int name __attribute__((tls_model("initial-exec")))

/* *held is 0 when free, else 1 + the thread's cancel state before: no
 * thread is ever cancelled while it holds one of our locks (the calls made
 * under them include cancellation points: poll, connect, close, open). */
static inline int tlock_take(pthread_mutex_t *m, int *held)
{
    if (*held)
        return -1;
    int old;
    *held = 1;   /* before the lock: a handler arriving now passes through */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_mutex_lock(m);
    *held = 1 + old;
    return 0;
}

static inline void tlock_drop(pthread_mutex_t *m, int *held)
{
    int old = *held - 1;
    pthread_mutex_unlock(m);
    *held = 0;
    pthread_setcancelstate(old, NULL);
}

/* fork() support: take the lock before fork (returns whether it was taken),
 * release it in the parent, re-initialise it in the child. */
enum tlock_fork_phase { TLOCK_FORK_PREPARE, TLOCK_FORK_PARENT, TLOCK_FORK_CHILD };

static inline void tlock_fork(pthread_mutex_t *m, int *held, int *took, int phase)
{
    if (phase == TLOCK_FORK_PREPARE) {
        *took = tlock_take(m, held) == 0;
    } else if (phase == TLOCK_FORK_PARENT) {
        if (*took)
            tlock_drop(m, held);
    } else {
        pthread_mutex_init(m, NULL);
        if (*took)
            pthread_setcancelstate(*held - 1, NULL);   /* as it was before PREPARE */
        *held = 0;
    }
}

#endif

/* worker.c - owns the background threads (worker.h): a fixed queue of jobs
 * under one leaf lock (never held while a job runs or while taking another
 * of our locks), threads made with every signal blocked and a small stack,
 * ended when idle; the child of a fork starts with none.
 * Each thread first gives itself a file descriptor table of its own
 * (unshare(CLONE_FILES)) and empties it: what a job opens (the resolver's
 * sockets, /etc/hosts) never takes a number the app would get, never shows
 * in /proc/self/fd, and no descriptor of the app's is kept open by us. A
 * system that refuses that (a seccomp filter) gets no worker at all.
 * Must never block a signal on an app thread, never run a job while holding
 * the lock, never run a job in the app's descriptor table, never allocate. */
#include "sys/worker.h"
#include "core/lock.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
TLOCK_HELD(held);
TLOCK_HELD(took_for_fork);
static struct worker_job queue[WORKER_QUEUE];
static unsigned head, queued;
static unsigned nthreads, nidle;
static pthread_cond_t started = PTHREAD_COND_INITIALIZER;
static int starting;          /* a new thread has not said yet whether it can serve */
static int unusable;          /* a thread could not leave the app's descriptor table */

static void *loop(void *unused);

/* One more thread, every signal blocked from its first instruction. */
static int spawn(void)
{
    pthread_attr_t at;
    sigset_t all;
    pthread_t t;
    if (pthread_attr_init(&at) != 0)
        return -1;
    sigfillset(&all);
    int rc = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) |
             pthread_attr_setstacksize(&at, 512 * 1024) | pthread_attr_setsigmask_np(&at, &all);
    if (rc == 0)
        rc = pthread_create(&t, &at, loop, NULL);
    pthread_attr_destroy(&at);
    if (rc != 0)
        return -1;
    /* Wait for it to say whether it could leave the app's descriptor table. */
    starting = 1;
    while (starting)
        pthread_cond_wait(&started, &lock);
    if (unusable)
        return -1;
    nthreads++;
    return 0;
}

/* A table of this thread's own, empty (raw system calls: they act on this
 * thread only and are not for the app's descriptors). 0, or -1. */
static int own_table(void)
{
    if (unshare(CLONE_FILES) != 0)
        return -1;
    return syscall(SYS_close_range, 0u, ~0u, 0u) == 0 ? 0 : -1;
}

/* Lock held: the next job, waiting up to WORKER_IDLE_MS for one. */
static int next_job(struct worker_job *j)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WORKER_IDLE_MS / 1000;
    while (!queued) {
        nidle++;
        int rc = pthread_cond_timedwait(&work, &lock, &until);
        nidle--;
        if (rc == ETIMEDOUT && !queued)
            return 0;
    }
    *j = queue[head];
    head = (head + 1) % WORKER_QUEUE;
    queued--;
    return 1;
}

static void *loop(void *unused)
{
    (void)unused;
    pthread_setname_np(pthread_self(), "tryall-worker");
    int ok = own_table() == 0;
    tlock_take(&lock, &held);
    unusable |= !ok;
    starting = 0;
    pthread_cond_broadcast(&started);
    if (!ok) {
        tlock_drop(&lock, &held);
        return NULL;
    }
    struct worker_job j;
    while (next_job(&j)) {
        tlock_drop(&lock, &held);
        j.fn(j.arg);
        tlock_take(&lock, &held);
    }
    nthreads--;
    tlock_drop(&lock, &held);
    return NULL;
}

int worker_submit(const struct worker_job *jobs, unsigned n, int now)
{
    if (n == 0 || tlock_take(&lock, &held) != 0)
        return -1;
    int rc = -1;
    if (unusable) {
        tlock_drop(&lock, &held);
        return -1;
    }
    unsigned want = queued + n;   /* jobs that need a thread */
    if (want <= WORKER_QUEUE && (!now || want <= nidle + (WORKER_MAX - nthreads))) {
        /* A new thread for each job the idle ones cannot take. */
        unsigned ready = nidle;
        while (ready < want && nthreads < WORKER_MAX && spawn() == 0)
            ready++;
        if (nthreads > 0 && (!now || ready >= want)) {
            for (unsigned i = 0; i < n; i++)
                queue[(head + queued + i) % WORKER_QUEUE] = jobs[i];
            queued += n;
            pthread_cond_broadcast(&work);
            rc = 0;
        }
    }
    tlock_drop(&lock, &held);
    return rc;
}

void worker_fork(int phase)
{
    tlock_fork(&lock, &held, &took_for_fork, phase);
    if (phase == TLOCK_FORK_CHILD) {
        pthread_cond_init(&work, NULL);
        pthread_cond_init(&started, NULL);
        starting = 0;
        head = queued = 0;
        nthreads = nidle = 0;
    }
}

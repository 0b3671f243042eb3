/* worker.h - owns libtryall's background threads: jobs (a function and its
 * argument) run off the app's threads, for the lookups libtryall makes
 * itself (calls/lookup.c). Threads are made on demand, up to WORKER_MAX,
 * with every signal blocked (the app's signals stay the app's threads'),
 * and end after WORKER_IDLE_MS without work.
 * Must never run a job on the caller's thread, never let a queued job wait
 * behind a full pool when the caller asked for an immediate start. */
#ifndef TRYALL_WORKER_H
#define TRYALL_WORKER_H

#define WORKER_MAX     16
#define WORKER_QUEUE   64
#define WORKER_IDLE_MS 5000

struct worker_job {
    void (*fn)(void *arg);
    void *arg;
};

/* Queue the n jobs, all or none. now = 1: only if each can start at once
 * (an idle thread, or room for a new one); else they may wait their turn.
 * 0, or -1 when they were not queued (the caller then does without). */
int worker_submit(const struct worker_job *jobs, unsigned n, int now);

/* fork() support (core/lock.h phases): the child has no worker thread and
 * no queued job (their owners, in the parent, are not in the child). */
void worker_fork(int phase);

#endif

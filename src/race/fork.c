/* fork.c - owns what libtryall does around fork(): every lock is taken
 * before (in the one order they nest: fdtable, then book, then log; the
 * worker queue's lock is a leaf, taken last), so the child never inherits
 * one mid-change; the parent releases them; the child re-initialises them
 * and drops every race, closing its copies of the hidden attempts (they
 * belong to the parent's races; the app's own descriptors stay as they
 * are); the background lookups are gone with their threads (no worker, no
 * queued job, no pending mark in the book); in both, a race reads every
 * option of a socket made before the fork (either may have set some). glibc runs no atfork handlers
 * for vfork or posix_spawn: their children exec, and every descriptor of
 * ours is close-on-exec.
 * Must never touch the app's descriptors. */
#include "core/book.h"
#include "race/fdtable.h"
#include "core/lock.h"
#include "sys/log.h"
#include "race/prefix.h"
#include "race/race.h"
#include "sys/usermem.h"
#include "sys/worker.h"

#include <pthread.h>

static void prepare(void)
{
    fdt_fork(TLOCK_FORK_PREPARE);
    book_fork(TLOCK_FORK_PREPARE);
    log_fork(TLOCK_FORK_PREPARE);
    prefix_fork(TLOCK_FORK_PREPARE);
    worker_fork(TLOCK_FORK_PREPARE);
}

static void parent(void)
{
    fdt_opt_unknown_all();
    worker_fork(TLOCK_FORK_PARENT);
    prefix_fork(TLOCK_FORK_PARENT);
    log_fork(TLOCK_FORK_PARENT);
    book_fork(TLOCK_FORK_PARENT);
    fdt_fork(TLOCK_FORK_PARENT);
}

static void child(void)
{
    usermem_init();   /* one thread in the child: written before any other can read */
    worker_fork(TLOCK_FORK_CHILD);
    prefix_fork(TLOCK_FORK_CHILD);
    log_fork(TLOCK_FORK_CHILD);
    book_fork(TLOCK_FORK_CHILD);
    fdt_fork(TLOCK_FORK_CHILD);
    fdt_opt_unknown_all();
    if (fdt_lock() == 0) {
        race_forget_all();
        fdt_unlock();
    }
}

__attribute__((constructor)) static void fork_init(void)
{
    pthread_atfork(prepare, parent, child);
}

/* fdtable.h - owns the per-descriptor state: which app descriptors have a
 * race (running, or lost with its error not yet reported), and THE locking rule.
 *
 * LOCKING RULE (the only one in libtryall besides the book's and the log's
 * private leaf locks): one process-wide mutex guards this table and every
 * race object reachable from it. Take it with fdt_lock(), which first blocks
 * all signals on the calling thread, so a signal handler that enters one of
 * our hooks can never find its own thread holding the lock. While holding it,
 * make only non-blocking calls (socket, non-blocking connect, getsockopt,
 * setsockopt, fcntl, dup3, close, poll with timeout 0); never wait.
 * Races whose owner waits unlocked hold a reference (race.refs).
 *
 * Must never be read without the lock, except fdt_active() for fast paths. */
#ifndef TRYALL_FDTABLE_H
#define TRYALL_FDTABLE_H

#include <signal.h>

struct race;

void fdt_lock(sigset_t *saved);
void fdt_unlock(const sigset_t *saved);

/* Under the lock. */
struct race *fdt_get(int fd);
int fdt_put(int fd, struct race *r);     /* 0, or -1 when the table cannot grow */
struct race *fdt_take(int fd);           /* remove and return (NULL if none) */

/* Number of descriptors with an entry; lock-free, for fast paths. */
static inline int fdt_active(void)
{
    extern int fdt_count;
    return __atomic_load_n(&fdt_count, __ATOMIC_RELAXED);
}

#endif

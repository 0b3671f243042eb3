/* fdtable.c - owns the descriptor-indexed table of races and the one lock
 * (the rule is written in fdtable.h). The table grows on demand up to any
 * descriptor number the process can have; it never shrinks.
 * Must never call back into a hook or wait while the lock is held. */
#include "fdtable.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int fdt_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct race **slots;
static size_t cap;

void fdt_lock(sigset_t *saved)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, saved);
    pthread_mutex_lock(&lock);
}

void fdt_unlock(const sigset_t *saved)
{
    pthread_mutex_unlock(&lock);
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

struct race *fdt_get(int fd)
{
    if (fd < 0 || (size_t)fd >= cap)
        return NULL;
    return slots[fd];
}

int fdt_put(int fd, struct race *r)
{
    if (fd < 0)
        return -1;
    if ((size_t)fd >= cap) {
        size_t ncap = cap ? cap : 64;
        while (ncap <= (size_t)fd)
            ncap *= 2;
        struct race **n = realloc(slots, ncap * sizeof *n);
        if (!n)
            return -1;
        memset(n + cap, 0, (ncap - cap) * sizeof *n);
        slots = n;
        cap = ncap;
    }
    if (!slots[fd])
        __atomic_add_fetch(&fdt_count, 1, __ATOMIC_RELAXED);
    slots[fd] = r;
    return 0;
}

struct race *fdt_take(int fd)
{
    struct race *r = fdt_get(fd);
    if (r) {
        slots[fd] = NULL;
        __atomic_sub_fetch(&fdt_count, 1, __ATOMIC_RELAXED);
    }
    return r;
}

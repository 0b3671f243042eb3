/* fdtable.c - owns the descriptor-indexed slots and the one lock (the rule is
 * written in fdtable.h). Slots live in chunks of FDT_CHUNK, allocated on first
 * use and never freed, so lock-free peeks are always safe; descriptors up to
 * FDT_CHUNKS * FDT_CHUNK are covered, higher ones are never raced.
 * Must never call back into a hook or wait while the lock is held. */
#include "fdtable.h"

#include <pthread.h>
#include <stdlib.h>

#define FDT_CHUNK  1024
#define FDT_CHUNKS 4096

int fdt_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int holding __attribute__((tls_model("initial-exec")));
static struct fdslot *chunks[FDT_CHUNKS];

int fdt_lock(void)
{
    if (holding)
        return -1;
    holding = 1;
    pthread_mutex_lock(&lock);
    return 0;
}

void fdt_unlock(void)
{
    pthread_mutex_unlock(&lock);
    holding = 0;
}

/* fork(): hold the lock across it so the child never inherits it mid-change
 * (unless fork comes from a handler that interrupted the holder). */
static __thread int held_for_fork __attribute__((tls_model("initial-exec")));

static void before_fork(void)
{
    held_for_fork = fdt_lock() == 0;
}

static void after_fork_parent(void)
{
    if (held_for_fork)
        fdt_unlock();
}

static void after_fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    holding = 0;
}

__attribute__((constructor)) static void fdt_init(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

struct fdslot *fdt_slot(int fd, int create)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return NULL;
    struct fdslot **c = &chunks[fd / FDT_CHUNK];
    struct fdslot *chunk = __atomic_load_n(c, __ATOMIC_ACQUIRE);
    if (!chunk) {
        if (!create || !(chunk = calloc(FDT_CHUNK, sizeof *chunk)))
            return NULL;
        __atomic_store_n(c, chunk, __ATOMIC_RELEASE);
    }
    return &chunk[fd % FDT_CHUNK];
}

struct race *fdt_get(int fd)
{
    struct fdslot *s = fdt_slot(fd, 0);
    return s ? s->race : NULL;
}

int fdt_put(int fd, struct race *r)
{
    struct fdslot *s = fdt_slot(fd, 1);
    if (!s)
        return -1;
    if (!s->race)
        __atomic_add_fetch(&fdt_count, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&s->race, r, __ATOMIC_RELEASE);
    return 0;
}

struct race *fdt_take(int fd)
{
    struct fdslot *s = fdt_slot(fd, 0);
    struct race *r = s ? s->race : NULL;
    if (r) {
        __atomic_store_n(&s->race, NULL, __ATOMIC_RELEASE);
        __atomic_sub_fetch(&fdt_count, 1, __ATOMIC_RELAXED);
    }
    return r;
}

void fdt_each(void (*fn)(int fd, struct fdslot *s, void *arg), void *arg)
{
    for (unsigned c = 0; c < FDT_CHUNKS; c++)
        if (chunks[c])
            for (unsigned i = 0; i < FDT_CHUNK; i++)
                fn((int)(c * FDT_CHUNK + i), &chunks[c][i], arg);
}

int fdt_peek_any(int fd)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&chunks[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    if (!chunk)
        return 0;
    struct fdslot *s = &chunk[fd % FDT_CHUNK];
    return __atomic_load_n(&s->race, __ATOMIC_ACQUIRE) || __atomic_load_n(&s->regs, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&s->ep_regs, __ATOMIC_ACQUIRE);
}

int fdt_peek(int fd)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&chunks[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    return chunk && __atomic_load_n(&chunk[fd % FDT_CHUNK].race, __ATOMIC_ACQUIRE) != NULL;
}

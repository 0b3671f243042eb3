/* fdtable.c - owns the descriptor-indexed slots and the one lock (the rule is
 * written in fdtable.h). Slots live in chunks of FDT_CHUNK, allocated on first
 * use and never freed, so lock-free peeks are always safe; descriptors up to
 * FDT_CHUNKS * FDT_CHUNK are covered, higher ones are never raced.
 * Must never call back into a hook or wait while the lock is held. */
#include "race/fdtable.h"

#include "core/lock.h"
#include "sys/pool.h"

#include "race/race.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int fdt_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
TLOCK_HELD(holding);
struct fdslot *fdt_chunks[FDT_CHUNKS];

int fdt_lock(void)
{
    return tlock_take(&lock, &holding);
}

/* Per thread: a handler runs on the thread it interrupted. */
#define DEFERRED 16
static __thread int deferred[DEFERRED] __attribute__((tls_model("initial-exec")));
static __thread unsigned ndeferred __attribute__((tls_model("initial-exec")));
static void (*deferred_fn)(int fd);

void fdt_defer_close(int fd)
{
    if (ndeferred < DEFERRED)
        deferred[ndeferred++] = fd;
}

void fdt_on_deferred_close(void (*fn)(int fd))
{
    deferred_fn = fn;
}

void fdt_unlock(void)
{
    for (;;) {
        while (ndeferred && deferred_fn)
            deferred_fn(deferred[--ndeferred]);
        tlock_drop(&lock, &holding);
        /* A handler may have come between the last look and the drop. */
        if (!ndeferred || !deferred_fn || tlock_take(&lock, &holding) != 0)
            return;
    }
}

TLOCK_HELD(took_for_fork);

void fdt_fork(int phase)
{
    tlock_fork(&lock, &holding, &took_for_fork, phase);
}

/* Made with or without the lock (the option hooks make slots lock-free):
 * the first chunk published wins, a loser's is given back. */
struct fdslot *fdt_slot(int fd, int create)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return NULL;
    struct fdslot **c = &fdt_chunks[fd / FDT_CHUNK];
    struct fdslot *chunk = __atomic_load_n(c, __ATOMIC_ACQUIRE);
    if (!chunk) {
        struct fdslot *none = NULL, *mine;
        if (!create || !(mine = pool_big(FDT_CHUNK * sizeof *mine)))
            return NULL;   /* chunks are never given back */
        if (__atomic_compare_exchange_n(c, &none, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            chunk = mine;
        } else {
            pool_big_free(mine, FDT_CHUNK * sizeof *mine);
            chunk = none;
        }
    }
    return &chunk[fd % FDT_CHUNK];
}

void fdt_opt_born(int fd)
{
    struct fdslot *s = fdt_slot(fd, 1);
    if (s)
        __atomic_store_n(&s->optset, FDT_OPT_BORN, __ATOMIC_RELAXED);
}

void fdt_opt_set(int fd, unsigned bits)
{
    struct fdslot *s = fdt_slot(fd, 1);
    if (s)
        __atomic_fetch_or(&s->optset, bits & FDT_OPT_BITS, __ATOMIC_RELAXED);
}

void fdt_opt_clear(int fd)
{
    struct fdslot *s = fdt_slot(fd, 0);
    if (s && __atomic_load_n(&s->optset, __ATOMIC_RELAXED))
        __atomic_store_n(&s->optset, 0, __ATOMIC_RELAXED);
}

void fdt_opt_unknown(int fd)
{
    struct fdslot *s = fdt_slot(fd, 1);
    if (s)
        __atomic_fetch_or(&s->optset, FDT_OPT_UNKNOWN, __ATOMIC_RELAXED);
}

void fdt_opt_unknown_all(void)
{
    for (unsigned c = 0; c < FDT_CHUNKS; c++) {
        struct fdslot *chunk = __atomic_load_n(&fdt_chunks[c], __ATOMIC_ACQUIRE);
        for (unsigned i = 0; chunk && i < FDT_CHUNK; i++)
            if (__atomic_load_n(&chunk[i].optset, __ATOMIC_RELAXED) & FDT_OPT_BORN)
                __atomic_fetch_or(&chunk[i].optset, FDT_OPT_UNKNOWN, __ATOMIC_RELAXED);
    }
}

unsigned fdt_opt(int fd)
{
    struct fdslot *s = fdt_slot(fd, 0);
    return s ? __atomic_load_n(&s->optset, __ATOMIC_RELAXED) : 0;
}

int fdt_held(void)
{
    return holding != 0;
}

#ifdef TRYALL_CHECKS
void fdt_assert_held(const char *where)
{
    if (holding)
        return;
    /* Raw write: the app's stderr, once, just before we stop the process. */
    char msg[160] = "libtryall: locking rule broken: ";
    strncat(msg, where, sizeof msg - strlen(msg) - 40);
    strcat(msg, " runs without the fdtable lock\n");
    syscall(SYS_write, 2, msg, strlen(msg));
    abort();
}
#endif

struct race *fdt_races;
int fdt_lost;

void fdt_link(struct race *r)
{
    FDT_ASSERT_HELD();
    r->next_active = fdt_races;
    if (fdt_races)
        fdt_races->prev_active = &r->next_active;
    r->prev_active = &fdt_races;
    fdt_races = r;
}

/* O(1): races retire in about the order they started, oldest last in the
 * list, so a walk from the head would make N retirements cost N^2. */
void fdt_unlink(struct race *r)
{
    FDT_ASSERT_HELD();
    if (!r->prev_active)
        return;
    *r->prev_active = r->next_active;
    if (r->next_active)
        r->next_active->prev_active = r->prev_active;
    r->next_active = NULL;
    r->prev_active = NULL;
}

struct race *fdt_lost_races;

void fdt_lost_link(struct race *r)
{
    FDT_ASSERT_HELD();
    if (r->prev_lost)
        return;
    r->next_lost = fdt_lost_races;
    if (fdt_lost_races)
        fdt_lost_races->prev_lost = &r->next_lost;
    r->prev_lost = &fdt_lost_races;
    fdt_lost_races = r;
}

void fdt_lost_unlink(struct race *r)
{
    FDT_ASSERT_HELD();
    if (!r->prev_lost)
        return;
    *r->prev_lost = r->next_lost;
    if (r->next_lost)
        r->next_lost->prev_lost = r->prev_lost;
    r->next_lost = NULL;
    r->prev_lost = NULL;
}

struct race *fdt_get(int fd)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    return s ? s->race : NULL;
}

int fdt_put(int fd, struct race *r)
{
    FDT_ASSERT_HELD();
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
    FDT_ASSERT_HELD();
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
    FDT_ASSERT_HELD();
    for (unsigned c = 0; c < FDT_CHUNKS; c++)
        if (fdt_chunks[c])
            for (unsigned i = 0; i < FDT_CHUNK; i++)
                fn((int)(c * FDT_CHUNK + i), &fdt_chunks[c][i], arg);
}

int fdt_peek_any(int fd)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&fdt_chunks[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    if (!chunk)
        return 0;
    struct fdslot *s = &chunk[fd % FDT_CHUNK];
    return __atomic_load_n(&s->race, __ATOMIC_ACQUIRE) || __atomic_load_n(&s->regs, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&s->ep_regs, __ATOMIC_ACQUIRE) || __atomic_load_n(&s->xlat, __ATOMIC_ACQUIRE);
}

int fdt_peek_epoll(int epfd)
{
    if (epfd < 0 || (unsigned)epfd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&fdt_chunks[epfd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    return chunk && __atomic_load_n(&chunk[epfd % FDT_CHUNK].ep_racing, __ATOMIC_ACQUIRE) != 0;
}


/* fdtable.h - owns the per-descriptor state (the race on a descriptor, and the
 * app's epoll registrations of it) and THE locking rule.
 *
 * LOCKING RULE (the only lock besides the book's and the log's private leaf
 * locks): one process-wide mutex guards this table, every race object and
 * every registration reachable from it. Take it with fdt_lock(); it refuses
 * (returns -1) when the calling thread already holds it, which happens only
 * when a signal handler interrupted the holder and entered a hook: that hook
 * then goes straight to libc, so a handler can never deadlock. While holding
 * the lock make only non-blocking calls (socket, non-blocking connect,
 * getsockopt, setsockopt, fcntl, dup3, epoll_ctl, poll with timeout 0,
 * close of our own hidden sockets); never wait. Races whose owner waits
 * unlocked hold a reference (race.refs).
 *
 * Lock-free reads: fdt_active() and fdt_peek() are safe without the lock
 * (slots live in chunks that are never freed); their answer is a hint that
 * must be confirmed under the lock. The one lock-free write: a slot's
 * optset (the options the app set, FDT_OPT_*), by the socket, setsockopt,
 * close and dup hooks, with atomics; for it a chunk may be made without the
 * lock (the first one published wins). */
#ifndef TRYALL_FDTABLE_H
#define TRYALL_FDTABLE_H

#include <stdint.h>
#include <sys/epoll.h>

struct race;

#define FDT_MAX (4096 * 1024)   /* descriptors above are never raced */

/* One epoll registration of an app descriptor, as the app made it. */
struct epreg {
    int epfd;
    struct epoll_event ev;      /* the app's events and data */
    struct epreg *next;
};

struct xlat;

struct fdslot {
    struct race *race;
    struct epreg *regs;         /* this descriptor's registrations */
    struct xlat *xlat;          /* a NAT64 winner: the IPv4 view the app gets (race/xlat.c) */
    unsigned ep_regs;           /* registrations held by this descriptor as an epoll set */
    unsigned ep_racing;         /* races in the table with a registration in this set */
    unsigned optset;            /* what the app did to the socket's options: FDT_OPT_* */
};

/* fdslot.optset, kept lock-free by the hooks (socket, setsockopt, close,
 * dup*, fork): the app made this number's socket with socket() here
 * (BORN) and set the options of race/sockopt.c's table whose bits are
 * below; UNKNOWN: the socket may carry options set elsewhere (a copy made
 * with dup, a fork). Only a BORN, not UNKNOWN number spares a race reading
 * every option of the table. */
#define FDT_OPT_BORN    (1u << 31)
#define FDT_OPT_UNKNOWN (1u << 30)
#define FDT_OPT_BITS    ((1u << 30) - 1)

/* Lock-free, from the hooks (the slot is made if need be): fd is a new
 * socket of the app's / the app set options `bits` on fd / fd was closed /
 * fd's socket may carry options we did not see. */
void fdt_opt_born(int fd);
void fdt_opt_set(int fd, unsigned bits);
void fdt_opt_clear(int fd);
void fdt_opt_unknown(int fd);
/* After a fork: both processes hold every socket made before and either may
 * set options the other does not see (lock-free). */
void fdt_opt_unknown_all(void);
/* fd's optset (0 when it has no slot). */
unsigned fdt_opt(int fd);

/* Call fn for every slot that exists (under the lock). */
void fdt_each(void (*fn)(int fd, struct fdslot *s, void *arg), void *arg);

int fdt_lock(void);             /* 0 held, -1 re-entered from a signal handler */
void fdt_unlock(void);

/* A signal handler closed fd while this thread held the lock (so fdt_lock
 * refused it): the holder calls the registered function for it, under the
 * lock, just before it lets go. */
void fdt_defer_close(int fd);
void fdt_on_deferred_close(void (*fn)(int fd));
void fdt_fork(int phase);       /* see lock.h, tlock_fork(); called by fork.c */

/* Under the lock. NULL/-1 for descriptors out of range or out of memory. */
struct fdslot *fdt_slot(int fd, int create);
struct race *fdt_get(int fd);
int fdt_put(int fd, struct race *r);
struct race *fdt_take(int fd);

extern int fdt_count;

/* Races in the table, newest first (race_enter links, race_retire unlinks),
 * and how many of them are lost with an unread verdict. Under the lock. */
extern struct race *fdt_races;
extern int fdt_lost;
void fdt_link(struct race *r);
void fdt_unlink(struct race *r);

/* The lost races in the table (verdict unread), so the epoll path looks at
 * those only. Linking twice or unlinking an unlinked race does nothing. */
extern struct race *fdt_lost_races;
void fdt_lost_link(struct race *r);
void fdt_lost_unlink(struct race *r);

/* Does this thread hold the lock? (For the checks below and for tests.) */
int fdt_held(void);

/* Debug and sanitizer builds (-DTRYALL_CHECKS) check the locking rule where
 * a function's contract says "lock held": a breach aborts with its name. */
#ifdef TRYALL_CHECKS
void fdt_assert_held(const char *where);
#define FDT_ASSERT_HELD() fdt_assert_held(__func__)
#else
#define FDT_ASSERT_HELD() ((void)0)
#endif

/* Number of descriptors with a race; lock-free, for fast paths. */
static inline int fdt_active(void)
{
    return __atomic_load_n(&fdt_count, __ATOMIC_RELAXED);
}

/* Lock-free hints: may fd have a race? any state at all? */
int fdt_peek_any(int fd);
int fdt_peek_epoll(int epfd);   /* may epfd hold a racing descriptor? */

/* Lock-free hint: does fd carry a NAT64 winner's IPv4 view? */
static inline int fdt_peek_xlat(int fd);

#define FDT_CHUNK  1024
#define FDT_CHUNKS (FDT_MAX / FDT_CHUNK)
extern struct fdslot *fdt_chunks[FDT_CHUNKS];

/* Lock-free hint: may fd have a race? Inline: the wait hooks ask it for
 * every descriptor of the app's array. */
static inline int fdt_peek(int fd)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&fdt_chunks[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    return chunk && __atomic_load_n(&chunk[fd % FDT_CHUNK].race, __ATOMIC_ACQUIRE) != 0;
}

static inline int fdt_peek_xlat(int fd)
{
    if (fd < 0 || (unsigned)fd >= (unsigned)FDT_CHUNKS * FDT_CHUNK)
        return 0;
    struct fdslot *chunk = __atomic_load_n(&fdt_chunks[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
    return chunk && __atomic_load_n(&chunk[fd % FDT_CHUNK].xlat, __ATOMIC_ACQUIRE) != 0;
}

#endif

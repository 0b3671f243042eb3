/* book.c - owns the address book: a fixed table of remembered resolver lists.
 * Locking rule: one mutex guards the whole table; it is held only for memory
 * copies, never across a call into libc that can block or re-enter us; a
 * signal handler re-entering on the holding thread is refused (lock.h) and
 * finds nothing / remembers nothing.
 * Must never allocate, resolve names or touch sockets. */
#include "core/book.h"

#include "core/lock.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

struct entry {
    int used;
    uint64_t stamp_ms;     /* when remembered */
    uint64_t seq;          /* insertion order: newest wins, oldest evicted */
    struct tryall_list list;
};

static struct entry table[BOOK_CAPACITY];
/* A bitmap of address hashes, rebuilt on every change: lets connect() skip
 * the lock for the common case of a target that was never resolved here. */
#define FILTER_BITS 8192u
static uint8_t filter[FILTER_BITS / 8];
static int filter_any;
static uint64_t next_seq = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
TLOCK_HELD(held);
TLOCK_HELD(took_for_fork);

static int expired(const struct entry *e, uint64_t now_ms)
{
    return now_ms >= e->stamp_ms + BOOK_TTL_MS;
}

static unsigned hash(const struct tryall_addr *a)
{
    uint32_t h = 2166136261u ^ a->family;
    for (unsigned i = 0; i < (a->family == AF_INET ? 4u : 16u); i++)
        h = (h ^ a->bytes[i]) * 16777619u;
    return h % FILTER_BITS;
}

static void filter_rebuild(void)
{
    uint8_t f[sizeof filter];
    memset(f, 0, sizeof f);
    for (unsigned i = 0; i < BOOK_CAPACITY; i++)
        for (unsigned j = 0; table[i].used && j < table[i].list.n; j++) {
            unsigned h = hash(&table[i].list.a[j]);
            f[h / 8] |= (uint8_t)(1u << (h % 8));
        }
    int any = 0;
    for (unsigned i = 0; i < sizeof f; i++) {
        __atomic_store_n(&filter[i], f[i], __ATOMIC_RELAXED);
        any |= f[i];
    }
    __atomic_store_n(&filter_any, any != 0, __ATOMIC_RELEASE);
}

int book_nonempty(void)
{
    return __atomic_load_n(&filter_any, __ATOMIC_ACQUIRE);
}

int book_maybe_has(const struct tryall_addr *target)
{
    unsigned h = hash(target);
    return (__atomic_load_n(&filter[h / 8], __ATOMIC_RELAXED) >> (h % 8)) & 1u;
}

static int list_has(const struct tryall_list *l, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < l->n; i++)
        if (addr_equal(&l->a[i], a))
            return 1;
    return 0;
}

/* Room in l for an address of family: a full list gives up its last
 * address of the other family while family has fewer than half (so each
 * family keeps min(its count, BOOK_MAX_ADDRS / 2): a completion or a late
 * answer is never shut out by a long answer of one family). */
static int room_for(struct tryall_list *l, int family)
{
    unsigned mine = 0;
    for (unsigned i = 0; i < l->n; i++)
        mine += l->a[i].family == family;
    if (l->n < BOOK_MAX_ADDRS)
        return 1;
    if (mine >= BOOK_MAX_ADDRS / 2)
        return 0;
    unsigned j = l->n;
    while (l->a[--j].family == family)
        ;
    memmove(&l->a[j], &l->a[j + 1], (l->n - j - 1) * sizeof l->a[0]);
    l->n--;
    return 1;
}

/* Append the usable addresses of addrs not in l yet (origin set on them). */
static void add(struct tryall_list *l, const struct tryall_addr *addrs, unsigned n, int origin)
{
    for (unsigned i = 0; i < n; i++) {
        if ((addrs[i].family == AF_INET || addrs[i].family == AF_INET6) && !list_has(l, &addrs[i]) &&
            room_for(l, addrs[i].family)) {
            l->a[l->n] = addrs[i];
            l->a[l->n++].origin = (uint8_t)origin;
        }
    }
}

static void fill(struct tryall_list *l, const char *name, const struct tryall_addr *addrs, unsigned n)
{
    memset(l, 0, sizeof *l);
    if (name) {
        strncpy(l->name, name, sizeof l->name - 1);
        l->name[sizeof l->name - 1] = '\0';
    }
    add(l, addrs, n, ADDR_FROM_APP);
}

unsigned book_list(const char *name, const struct tryall_addr *addrs, unsigned n,
                   struct tryall_list *out)
{
    fill(out, name, addrs, n);
    return out->n;
}

/* Put l in the table (lock held): refreshed in place when the same list is
 * there, else in a free or expired slot, else over the oldest. */
static void store(const struct tryall_list *l, uint64_t now_ms)
{
    struct entry *slot = NULL;
    /* The same list again (same name, same addresses): refresh it in place. */
    for (unsigned i = 0; i < BOOK_CAPACITY && !slot; i++)
        if (table[i].used && table[i].list.n == l->n &&
            memcmp(&table[i].list, l, offsetof(struct tryall_list, pending)) == 0)
            slot = &table[i];
    for (unsigned i = 0; i < BOOK_CAPACITY && !slot; i++)
        if (!table[i].used || expired(&table[i], now_ms))
            slot = &table[i];
    if (!slot) {
        slot = &table[0];
        for (unsigned i = 1; i < BOOK_CAPACITY; i++)
            if (table[i].seq < slot->seq)
                slot = &table[i];
    }
    slot->used = 1;
    slot->stamp_ms = now_ms;
    slot->seq = next_seq++;
    slot->list = *l;
    filter_rebuild();
}

int book_remember(const char *name, const struct tryall_addr *addrs, unsigned n, uint64_t now_ms)
{
    struct tryall_list l;
    fill(&l, name, addrs, n);
    if (l.n < 2 || tlock_take(&lock, &held) != 0)
        return 0;
    store(&l, now_ms);
    tlock_drop(&lock, &held);
    return 1;
}

static struct entry *by_name(const char *name, uint64_t now_ms);

/* Does l hold every address of sub? */
static int holds_all(const struct tryall_list *l, const struct tryall_list *sub)
{
    for (unsigned i = 0; i < sub->n; i++)
        if (!list_has(l, &sub->a[i]))
            return 0;
    return 1;
}

int book_remember_partial(const char *name, const struct tryall_addr *addrs, unsigned n,
                          uint64_t now_ms)
{
    struct tryall_list l;
    fill(&l, name, addrs, n);
    if (l.n < 1 || tlock_take(&lock, &held) != 0)
        return 0;
    struct entry *e = by_name(l.name, now_ms);
    int fresh = !e || !holds_all(&e->list, &l) ||
                (e->list.pending && now_ms >= e->list.pending_until_ms);
    if (fresh) {
        l.pending = 1;
        l.pending_until_ms = now_ms + BOOK_PENDING_MS;
        store(&l, now_ms);
    }
    tlock_drop(&lock, &held);
    return fresh;
}

/* The newest unexpired entry of that name (lock held), or NULL. */
static struct entry *by_name(const char *name, uint64_t now_ms)
{
    char key[BOOK_NAME_MAX];
    strncpy(key, name, sizeof key - 1);
    key[sizeof key - 1] = '\0';
    struct entry *best = NULL;
    for (unsigned i = 0; i < BOOK_CAPACITY; i++) {
        struct entry *e = &table[i];
        if (e->used && !expired(e, now_ms) && (!best || e->seq > best->seq) &&
            strcmp(e->list.name, key) == 0)
            best = e;
    }
    return best;
}

void book_merge(const char *name, const struct tryall_addr *addrs, unsigned n, int origin,
                int final, uint64_t now_ms)
{
    if (!name || tlock_take(&lock, &held) != 0)
        return;
    struct entry *e = by_name(name, now_ms);
    if (e) {
        /* The newest list of the name, and every list of it still waiting
         * (two one-family answers of one name made two): the answer is the
         * name's, and none may wait for it once it came. */
        for (unsigned i = 0; i < BOOK_CAPACITY; i++) {
            struct entry *x = &table[i];
            if (x != e && !(x->used && x->list.pending && !expired(x, now_ms) &&
                            strcmp(x->list.name, e->list.name) == 0))
                continue;
            add(&x->list, addrs, n, origin);
            if (final)
                x->list.pending = 0;
        }
        filter_rebuild();
    } else {
        struct tryall_list l;
        fill(&l, name, NULL, 0);
        add(&l, addrs, n, origin);
        if (l.n >= 2)
            store(&l, now_ms);
    }
    tlock_drop(&lock, &held);
}

int book_lookup(const struct tryall_addr *target, uint64_t now_ms, struct tryall_list *out)
{
    int found = 0;
    if (tlock_take(&lock, &held) != 0)
        return 0;
    const struct entry *best = NULL;
    for (unsigned i = 0; i < BOOK_CAPACITY; i++) {
        const struct entry *e = &table[i];
        if (!e->used || expired(e, now_ms) || (best && e->seq < best->seq))
            continue;
        if (list_has(&e->list, target))
            best = e;
    }
    if (best) {
        *out = best->list;
        out->pending = out->pending && now_ms < out->pending_until_ms;
        found = 1;
    }
    tlock_drop(&lock, &held);
    return found;
}

unsigned book_count(uint64_t now_ms)
{
    unsigned n = 0;
    if (tlock_take(&lock, &held) != 0)
        return 0;
    for (unsigned i = 0; i < BOOK_CAPACITY; i++)
        if (table[i].used && !expired(&table[i], now_ms))
            n++;
    tlock_drop(&lock, &held);
    return n;
}

void book_fork(int phase)
{
    tlock_fork(&lock, &held, &took_for_fork, phase);
    /* The child has no lookup under way: a pending list is no longer
     * waited for, and the next one-family answer for it looks again. */
    if (phase == TLOCK_FORK_CHILD)
        for (unsigned i = 0; i < BOOK_CAPACITY; i++)
            table[i].list.pending_until_ms = 0;
}

void book_clear(void)
{
    if (tlock_take(&lock, &held) != 0)
        return;
    memset(table, 0, sizeof table);
    next_seq = 1;
    filter_rebuild();
    tlock_drop(&lock, &held);
}

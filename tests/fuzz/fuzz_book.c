/* fuzz_book.c - owns fuzzing the address book (src/core/book.c) with random
 * resolver answers: answers of 0 to 299 addresses, duplicates, both
 * families and families the book must refuse, short names, no name, names
 * of up to 400 bytes (the book keeps 255) that collide once cut; remembered
 * whole (book_remember), as one family (book_remember_partial), completed
 * or late (book_merge, final or not, nothing at all); looked up by any
 * address; the clock moving by little or past the 10-minute expiry; a fork
 * child's clean slate (book_fork).
 * Invariants: a list found is well-formed (1..32 distinct addresses of
 * AF_INET/AF_INET6, the one looked up among them, a terminated name) and
 * the lock-free filter never denies it; an answer with two distinct usable
 * addresses or more is remembered, exactly (first 32, resolver order,
 * duplicates dropped) and is what a lookup of any of them finds, and one
 * with fewer is not; a partial answer is remembered (pending) unless its
 * name's newest list holds it already, and is findable either way; while
 * fewer than 128 lists are live and the clock stands still nothing findable
 * is lost; pending ends 15 s
 * after the last partial answer at the latest (a race waits for nothing
 * longer), at once in a fork child; no more than 128 lists; nothing is
 * found 10 minutes after the last change; an address never offered is
 * never found. Must never keep book state from one input to the next. */
#include "fuzz.h"

#include "core/book.h"
#include "core/lock.h"

/* Addresses: 64 of each family, so that duplicates are frequent; the top
 * two bits of the byte choose AF_INET, AF_INET6 or a family to refuse. */
static struct tryall_addr addr_of(uint8_t b)
{
    static const sa_family_t odd[] = { 0, AF_UNIX, AF_PACKET, 255 };
    struct tryall_addr a;
    memset(&a, 0, sizeof a);
    unsigned k = b >> 6, v = b & 0x3f;
    a.family = k == 1 ? AF_INET6 : k == 3 ? odd[v & 3] : AF_INET;
    a.bytes[0] = a.family == AF_INET6 ? 0xfd : 10;
    a.bytes[3] = (uint8_t)v;
    a.bytes[15] = (uint8_t)v;
    a.origin = (uint8_t)(v % 3);
    return a;
}

static int usable(const struct tryall_addr *a)
{
    return a->family == AF_INET || a->family == AF_INET6;
}

static int in(const struct tryall_addr *v, unsigned n, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (addr_equal(&v[i], a))
            return 1;
    return 0;
}

struct state {
    uint64_t now, last_change, last_partial;
    struct tryall_addr found[16];   /* addresses found lately: must stay findable */
    unsigned nfound;
    char name[512], cut[BOOK_NAME_MAX];
    const char *namep;
    struct tryall_addr in[300], distinct[BOOK_MAX_ADDRS];
    unsigned n, ndistinct;
};

/* A name: one of four short ones, none, or up to 400 bytes of the input. */
static void take_name(struct state *s, struct fz *f)
{
    uint8_t k = fz_u8(f);
    if (k < 200) {
        snprintf(s->name, sizeof s->name, "%c.test", 'a' + k % 4);
    } else if (k < 210) {
        s->namep = NULL;
        s->cut[0] = '\0';
        return;
    } else {
        size_t len = fz_u16(f) % 400, got = fz_bytes(f, s->name, len);
        for (size_t i = 0; i < got; i++)
            s->name[i] = s->name[i] ? s->name[i] : 'x';
        s->name[got] = '\0';
    }
    s->namep = s->name;
    snprintf(s->cut, sizeof s->cut, "%s", s->name);
}

/* An answer: its addresses, and what the book should keep of them. */
static void take_answer(struct state *s, struct fz *f)
{
    s->n = fz_u16(f) % 300;
    s->ndistinct = 0;
    for (unsigned i = 0; i < s->n; i++) {
        s->in[i] = addr_of(fz_u8(f));
        if (usable(&s->in[i]) && s->ndistinct < BOOK_MAX_ADDRS &&
            !in(s->distinct, s->ndistinct, &s->in[i]))
            s->distinct[s->ndistinct++] = s->in[i];
    }
}

static void remember_found(struct state *s, const struct tryall_addr *a)
{
    if (!in(s->found, s->nfound, a))
        s->found[s->nfound++ % 16] = *a;
    if (s->nfound > 16)
        s->nfound = 16;
}

/* Look a up; checks what is found. Returns found, with the list in *out. */
static int look(struct state *s, const struct tryall_addr *a, struct tryall_list *out)
{
    if (!book_lookup(a, s->now, out))
        return 0;
    FZ_CHECK(book_nonempty() && book_maybe_has(a), "the filter denies a listed address");
    FZ_CHECK(out->n >= 1 && out->n <= BOOK_MAX_ADDRS, "a list of %u", out->n);
    FZ_CHECK(memchr(out->name, '\0', sizeof out->name) != NULL, "name not terminated");
    FZ_CHECK(in(out->a, out->n, a), "the list found lacks the address looked up");
    for (unsigned i = 0; i < out->n; i++) {
        FZ_CHECK(usable(&out->a[i]), "family %d in a list", out->a[i].family);
        FZ_CHECK(!in(out->a, i, &out->a[i]), "address %u twice in a list", i);
    }
    FZ_CHECK(!out->pending || s->now < s->last_partial + BOOK_PENDING_MS,
             "pending %llu ms after the last partial answer",
             (unsigned long long)(s->now - s->last_partial));
    FZ_CHECK(s->now < s->last_change + BOOK_TTL_MS, "found 10 minutes after the last change");
    remember_found(s, a);
    return 1;
}

/* The answer just stored must be what a lookup of its addresses finds
 * (the first, second, middle and last: every one would cost too much). */
static void check_stored(struct state *s, int pending)
{
    unsigned nd = s->ndistinct, pick[4] = { 0, 1, nd / 2, nd - 1 };
    for (unsigned k = 0; k < 4 && nd; k++) {
        unsigned i = pick[k] < nd ? pick[k] : 0;
        struct tryall_list l;
        FZ_CHECK(look(s, &s->distinct[i], &l), "remembered address %u not found", i);
        FZ_CHECK(strcmp(l.name, s->cut) == 0, "found the list of another name");
        FZ_CHECK(l.n == s->ndistinct, "%u addresses kept of %u", l.n, s->ndistinct);
        for (unsigned j = 0; j < l.n; j++)
            FZ_CHECK(addr_equal(&l.a[j], &s->distinct[j]), "address %u changed or moved", j);
        FZ_CHECK(l.pending == pending, "pending %d, want %d", l.pending, pending);
    }
}

static void check_kept(struct state *s, int live_before)
{
    struct tryall_list l;
    if (live_before < BOOK_CAPACITY)
        for (unsigned i = 0; i < s->nfound; i++)
            FZ_CHECK(look(s, &s->found[i], &l), "a findable address was lost");
    FZ_CHECK(book_count(s->now) <= BOOK_CAPACITY, "more than %d lists", BOOK_CAPACITY);
}

static void op_store(struct state *s, struct fz *f, int kind)
{
    take_name(s, f);
    take_answer(s, f);
    int live = (int)book_count(s->now);
    if (kind == 0) {
        int r = book_remember(s->namep, s->in, s->n, s->now);
        FZ_CHECK(r == (s->ndistinct >= 2), "remember said %d for %u distinct", r, s->ndistinct);
        if (r) {
            s->last_change = s->now;
            check_stored(s, 0);
        }
    } else if (kind == 1) {
        int r = book_remember_partial(s->namep, s->in, s->n, s->now);
        FZ_CHECK(!r || s->ndistinct >= 1, "a partial answer of nothing remembered");
        if (r) {
            s->last_change = s->last_partial = s->now;
            check_stored(s, 1);
        } else {
            struct tryall_list l;
            for (unsigned i = 0; i < s->ndistinct; i++)
                FZ_CHECK(look(s, &s->distinct[i], &l), "partial answer %u neither kept nor known", i);
        }
    } else {
        book_merge(s->namep, s->in, s->n, fz_u8(f) % 3, fz_u8(f) & 1, s->now);
        if (s->namep)
            s->last_change = s->now;
    }
    check_kept(s, live);
}

static void op_fork_child(struct state *s)
{
    book_fork(TLOCK_FORK_PREPARE);
    book_fork(TLOCK_FORK_CHILD);
    s->last_partial = 0;   /* nothing may be pending in the child */
    struct tryall_list l;
    for (unsigned i = 0; i < s->nfound; i++)
        look(s, &s->found[i], &l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct state s;
    memset(&s, 0, sizeof s);
    book_clear();
    struct fz f = fz_of(data, size);
    s.now = fz_u32(&f);
    s.last_partial = 0;
    while (!fz_done(&f)) {
        struct tryall_list l;
        struct tryall_addr a, never;
        switch (fz_u8(&f) % 9) {
        case 0: case 1: case 2: op_store(&s, &f, fz_u8(&f) % 3); break;
        case 3: a = addr_of(fz_u8(&f)); look(&s, &a, &l); break;
        /* Time passes: what was findable may expire now. */
        case 4: s.now += fz_u16(&f); s.nfound = 0; break;
        case 5: s.now += fz_u32(&f) % (2 * BOOK_TTL_MS); s.nfound = 0; break;
        case 6:
            never = addr_of(0);
            never.bytes[3] = never.bytes[15] = 0xee;
            FZ_CHECK(!book_lookup(&never, s.now, &l), "an address never offered was found");
            break;
        case 7: op_fork_child(&s); break;
        case 8:
            if (s.now >= s.last_change + BOOK_TTL_MS)
                FZ_CHECK(book_count(s.now) == 0, "lists live 10 minutes after the last change");
            break;
        }
    }
    return 0;
}

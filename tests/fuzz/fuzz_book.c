/* fuzz_book.c - owns fuzzing the address book (src/core/book.c) with random
 * resolver answers: answers of 0 to 299 addresses, duplicates, both
 * families and families the book must refuse, short names, no name, names
 * of up to 400 bytes (the book keeps 255) that collide once cut; remembered
 * whole (book_remember), as one family (book_remember_partial), completed
 * or late (book_merge, final or not, nothing at all; right after a partial
 * answer, with the other family); looked up by any address; the clock
 * moving by little or past the 10-minute expiry; a fork child's clean
 * slate (book_fork).
 * Invariants: a list found is well-formed (1..32 distinct addresses of
 * AF_INET/AF_INET6, the one looked up among them, a terminated name) and
 * the lock-free filter never denies it; an answer with two distinct usable
 * addresses or more is remembered and one with fewer is not; what is kept
 * of an answer is min(32, its distinct usable addresses), in its order,
 * each family with at least min(its count, 16), and is what a lookup of
 * them finds; a completion merged into a partial answer keeps at least
 * min(its count, 16) and the first of them; a partial answer is
 * remembered (pending) unless its name's newest list holds it already, and
 * is findable either way; while fewer than 128 lists are live and the
 * clock stands still no answer loses anything findable (a merge may: the
 * last addresses of a crowded family make room for the other); pending ends 15 s after the
 * last partial answer at the latest (a race waits for nothing longer), at
 * once in a fork child, and no list of a name is pending after the name's
 * final answer (unless a partial answer came since); no more than 128 lists; nothing is found 10
 * minutes after the last change; an address never offered is never found.
 * Must never keep book state from one input to the next. */
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
    uint64_t seq, partial_seq[4], final_seq[4];   /* per short name: ops that set and clear pending */
    struct tryall_addr found[16];   /* addresses found lately: must stay findable */
    unsigned nfound;
    char name[512], cut[BOOK_NAME_MAX];
    const char *namep;
    struct tryall_addr in[300], distinct[300];
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
    size_t cut = strnlen(s->name, sizeof s->cut - 1);   /* what the book keeps */
    memcpy(s->cut, s->name, cut);
    s->cut[cut] = '\0';
}

/* An answer: its addresses, and what the book should keep of them. */
static void take_answer(struct state *s, struct fz *f)
{
    s->n = fz_u16(f) % 300;
    s->ndistinct = 0;
    for (unsigned i = 0; i < s->n; i++) {
        s->in[i] = addr_of(fz_u8(f));
        if (usable(&s->in[i]) && !in(s->distinct, s->ndistinct, &s->in[i]))
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

/* Which of the four short names ("a.test".."d.test") name is, or -1. */
static int short_id(const char *name)
{
    return name && strlen(name) == 6 && !strcmp(name + 1, ".test") && name[0] >= 'a' &&
                   name[0] <= 'd' ? name[0] - 'a' : -1;
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
    int id = short_id(out->name);
    FZ_CHECK(!out->pending || id < 0 || s->partial_seq[id] > s->final_seq[id],
             "a list of %s still pending after the name's final answer", out->name);
    FZ_CHECK(s->now < s->last_change + BOOK_TTL_MS, "found 10 minutes after the last change");
    remember_found(s, a);
    return 1;
}

static unsigned count(const struct tryall_addr *v, unsigned n, int family)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        k += v[i].family == family;
    return k;
}

/* What the book keeps of distinct[0..nd): min(32) of them, in order, each
 * family with at least min(its count, half). */
static void check_kept_of(const struct tryall_list *l, const struct tryall_addr *d, unsigned nd)
{
    unsigned want = nd < BOOK_MAX_ADDRS ? nd : BOOK_MAX_ADDRS, j = 0;
    FZ_CHECK(l->n == want, "%u addresses kept of %u", l->n, nd);
    for (unsigned i = 0; i < nd && j < l->n; i++)
        j += addr_equal(&d[i], &l->a[j]);
    FZ_CHECK(j == l->n, "the list is not the answer's addresses in its order");
    for (int f = AF_INET; f <= AF_INET6; f += AF_INET6 - AF_INET) {
        unsigned have = count(d, nd, f), half = BOOK_MAX_ADDRS / 2;
        FZ_CHECK(count(l->a, l->n, f) >= (have < half ? have : half),
                 "family %d: %u kept of %u", f, count(l->a, l->n, f), have);
    }
}

/* The answer just stored must be what a lookup of its addresses finds (its
 * first address, always kept; then the first, middle and last kept). */
static void check_stored(struct state *s, int pending)
{
    struct tryall_list l, m;
    if (!s->ndistinct)
        return;
    FZ_CHECK(look(s, &s->distinct[0], &l), "the first address remembered is not found");
    FZ_CHECK(strcmp(l.name, s->cut) == 0, "found the list of another name");
    FZ_CHECK(l.pending == pending, "pending %d, want %d", l.pending, pending);
    check_kept_of(&l, s->distinct, s->ndistinct);
    unsigned pick[3] = { 0, l.n / 2, l.n - 1 };
    for (unsigned k = 0; k < 3; k++) {
        FZ_CHECK(look(s, &l.a[pick[k]], &m), "kept address %u not found", pick[k]);
        FZ_CHECK(m.n == l.n && !memcmp(m.a, l.a, l.n * sizeof l.a[0]), "another list found");
    }
}

/* A completion right after a partial answer: the other family's addresses
 * taken from the input join the list just stored. */
static void check_completion(struct state *s, struct fz *f)
{
    struct tryall_addr more[300], d[300];
    unsigned n = fz_u16(f) % 300, nd = 0;
    int other = s->distinct[0].family == AF_INET ? AF_INET6 : AF_INET;
    for (unsigned i = 0; i < n; i++) {
        more[i] = addr_of(fz_u8(f));
        more[i].family = (sa_family_t)other;
        if (!in(d, nd, &more[i]))
            d[nd++] = more[i];
    }
    struct tryall_list l0, l;
    FZ_CHECK(look(s, &s->distinct[0], &l0), "a partial answer was lost");
    book_merge(s->namep, more, n, ADDR_FROM_COMPLETION, 1, s->now);
    s->nfound = 0;   /* a merge promises no address (check_kept) */
    if (short_id(s->cut) >= 0)
        s->final_seq[short_id(s->cut)] = ++s->seq;
    FZ_CHECK(look(s, &s->distinct[0], &l), "a completed list was lost");
    FZ_CHECK(!l.pending, "still pending after the completion");
    unsigned half = BOOK_MAX_ADDRS / 2, want = nd < half ? nd : half;
    FZ_CHECK(count(l.a, l.n, other) >= want, "completion: %u kept of %u", count(l.a, l.n, other), nd);
    /* (a partial answer holding half of that family already may be full) */
    FZ_CHECK(!nd || in(l.a, l.n, &d[0]) || count(l0.a, l0.n, other) >= half,
             "the completion's first address was shut out");
}

/* live_before < 0: a merge, which may drop the last addresses of a
 * crowded family to make room for the other: no address is promised. */
static void check_kept(struct state *s, int live_before)
{
    struct tryall_list l;
    if (live_before >= 0 && live_before < BOOK_CAPACITY)
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
            if (short_id(s->cut) >= 0)
                s->partial_seq[short_id(s->cut)] = ++s->seq;
            check_stored(s, 1);
            if (fz_u8(f) & 1 && s->namep)   /* (a completion always has a name) */
                check_completion(s, f);
        } else {
            /* known: the name's list holds what the book keeps of the
             * answer, which begins with the first of each family */
            struct tryall_list l;
            int seen4 = 0, seen6 = 0;
            for (unsigned i = 0; i < s->ndistinct; i++) {
                int *seen = s->distinct[i].family == AF_INET ? &seen4 : &seen6;
                if (!*seen)
                    FZ_CHECK(look(s, &s->distinct[i], &l), "partial answer %u neither kept nor known", i);
                *seen = 1;
            }
        }
    } else {
        int origin = fz_u8(f) % 3, final = fz_u8(f) & 1;
        book_merge(s->namep, s->in, s->n, origin, final, s->now);
        if (s->namep)
            s->last_change = s->now;
        if (s->namep && final && short_id(s->cut) >= 0)
            s->final_seq[short_id(s->cut)] = ++s->seq;
        live = -1;
        s->nfound = 0;
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

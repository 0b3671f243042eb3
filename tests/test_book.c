/* test_book.c - unit tests for src/book.c (the address book).
 * Covers: remember + lookup by an IPv4 and by an IPv6 member (whole list, in
 * resolver order, with the name); lists with fewer than two distinct
 * addresses are not remembered; duplicates dropped keeping the first
 * occurrence; truncation at BOOK_MAX_ADDRS; eviction of the oldest list at
 * BOOK_CAPACITY; expiry after BOOK_TTL_MS; the newest list wins when an
 * address is in two; long names truncated and NUL-terminated; book_count;
 * book_clear; book_maybe_has (never 0 for a remembered address, mostly 0
 * for others); concurrent remember/lookup/maybe_has from several threads.
 * Time is injected (now_ms), never read from a clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "addr.h"
#include "book.h"

/* 192.0.2.x / 10.t.h.l style IPv4, 2001:db8::x style IPv6 */
static struct tryall_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct tryall_addr r;
    memset(&r, 0, sizeof r);
    r.family = AF_INET;
    r.bytes[0] = a; r.bytes[1] = b; r.bytes[2] = c; r.bytes[3] = d;
    return r;
}

static struct tryall_addr v6(uint16_t hi, uint16_t lo)
{
    struct tryall_addr r;
    memset(&r, 0, sizeof r);
    r.family = AF_INET6;
    r.bytes[0] = 0x20; r.bytes[1] = 0x01; r.bytes[2] = 0x0d; r.bytes[3] = 0xb8;
    r.bytes[12] = (uint8_t)(hi >> 8); r.bytes[13] = (uint8_t)hi;
    r.bytes[14] = (uint8_t)(lo >> 8); r.bytes[15] = (uint8_t)lo;
    return r;
}

static int setup(void **state)
{
    (void)state;
    book_clear();
    return 0;
}

static void assert_list(const struct tryall_list *l, const char *name,
                        const struct tryall_addr *want, unsigned n)
{
    assert_string_equal(l->name, name);
    assert_int_equal(l->n, n);
    for (unsigned i = 0; i < n; i++) {
        if (!addr_equal(&l->a[i], &want[i]))
            fail_msg("address %u of the list differs", i);
    }
}

#define T0 1000000u

static void mk_pair(unsigned k, struct tryall_addr out[2])
{
    out[0] = v4(10, 1, (uint8_t)(k >> 8), (uint8_t)k);
    out[1] = v6(1, (uint16_t)k);
}

static void test_remember_lookup_v4_v6(void **state)
{
    (void)state;
    struct tryall_addr in[] = { v6(1, 1), v4(192, 0, 2, 1), v6(1, 2), v4(192, 0, 2, 2) };
    assert_int_equal(book_remember("example.test", in, 4, T0), 1);
    assert_int_equal(book_count(T0), 1);

    for (unsigned i = 0; i < 4; i++) {
        struct tryall_list l;
        memset(&l, 0xcc, sizeof l);
        assert_int_equal(book_lookup(&in[i], T0 + 5, &l), 1);
        assert_list(&l, "example.test", in, 4);
    }

    /* an address in no list */
    struct tryall_addr other4 = v4(192, 0, 2, 3), other6 = v6(1, 3);
    struct tryall_list l;
    assert_int_equal(book_lookup(&other4, T0, &l), 0);
    assert_int_equal(book_lookup(&other6, T0, &l), 0);
    /* same 4 bytes but the other family is a different address */
    struct tryall_addr fake = in[1];
    fake.family = AF_INET6;
    assert_int_equal(book_lookup(&fake, T0, &l), 0);
}

static void test_single_address_not_remembered(void **state)
{
    (void)state;
    struct tryall_addr one[] = { v4(192, 0, 2, 1) };
    struct tryall_list l;
    assert_int_equal(book_remember("one.test", one, 1, T0), 0);
    assert_int_equal(book_lookup(&one[0], T0, &l), 0);
    assert_int_equal(book_remember("zero.test", one, 0, T0), 0);
    assert_int_equal(book_count(T0), 0);

    /* duplicates collapsing to one distinct address */
    struct tryall_addr dup[] = { v6(9, 9), v6(9, 9), v6(9, 9) };
    assert_int_equal(book_remember("dup.test", dup, 3, T0), 0);
    assert_int_equal(book_lookup(&dup[0], T0, &l), 0);
    assert_int_equal(book_count(T0), 0);
}

static void test_duplicates_removed_first_kept(void **state)
{
    (void)state;
    struct tryall_addr a = v4(10, 0, 0, 1), b = v6(0, 2), c = v4(10, 0, 0, 3);
    struct tryall_addr in[] = { a, b, a, c, b, c, a };
    assert_int_equal(book_remember("dups.test", in, 7, T0), 1);
    struct tryall_addr want[] = { a, b, c };
    struct tryall_list l;
    assert_int_equal(book_lookup(&c, T0, &l), 1);
    assert_list(&l, "dups.test", want, 3);

    /* two copies of the same two addresses: remembered, n == 2 */
    struct tryall_addr in2[] = { v4(10, 9, 9, 9), v4(10, 9, 9, 9), v6(9, 0), v6(9, 0) };
    assert_int_equal(book_remember("two.test", in2, 4, T0), 1);
    struct tryall_addr want2[] = { v4(10, 9, 9, 9), v6(9, 0) };
    assert_int_equal(book_lookup(&in2[0], T0, &l), 1);
    assert_list(&l, "two.test", want2, 2);
}

static void test_truncated_at_max_addrs(void **state)
{
    (void)state;
    enum { N = BOOK_MAX_ADDRS + 8 };
    struct tryall_addr in[N];
    for (unsigned i = 0; i < N; i++)
        in[i] = (i % 2) ? v6(7, (uint16_t)i) : v4(10, 7, 0, (uint8_t)i);
    assert_int_equal(book_remember("many.test", in, N, T0), 1);

    struct tryall_list l;
    assert_int_equal(book_lookup(&in[0], T0, &l), 1);
    assert_list(&l, "many.test", in, BOOK_MAX_ADDRS);
    assert_int_equal(book_lookup(&in[BOOK_MAX_ADDRS - 1], T0, &l), 1);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    /* the ignored ones do not find the list */
    assert_int_equal(book_lookup(&in[BOOK_MAX_ADDRS], T0, &l), 0);
    assert_int_equal(book_lookup(&in[N - 1], T0, &l), 0);
}

static void test_capacity_evicts_oldest(void **state)
{
    (void)state;
    char name[32];
    struct tryall_addr p[2];
    for (unsigned k = 0; k <= BOOK_CAPACITY; k++) {
        mk_pair(k, p);
        snprintf(name, sizeof name, "host%u.test", k);
        assert_int_equal(book_remember(name, p, 2, T0 + k), 1);
    }
    uint64_t now = T0 + BOOK_CAPACITY + 1;
    assert_int_equal(book_count(now), BOOK_CAPACITY);

    struct tryall_list l;
    mk_pair(0, p);
    assert_int_equal(book_lookup(&p[0], now, &l), 0);   /* the oldest went */
    assert_int_equal(book_lookup(&p[1], now, &l), 0);
    for (unsigned k = 1; k <= BOOK_CAPACITY; k++) {
        mk_pair(k, p);
        snprintf(name, sizeof name, "host%u.test", k);
        if (book_lookup(&p[1], now, &l) != 1)
            fail_msg("list %u was lost", k);
        assert_list(&l, name, p, 2);
    }

    /* one more: now host1 goes, host2 stays */
    mk_pair(1000, p);
    assert_int_equal(book_remember("host1000.test", p, 2, now), 1);
    mk_pair(1, p);
    assert_int_equal(book_lookup(&p[0], now, &l), 0);
    mk_pair(2, p);
    assert_int_equal(book_lookup(&p[0], now, &l), 1);
    mk_pair(1000, p);
    assert_int_equal(book_lookup(&p[0], now, &l), 1);
}

static void test_expiry(void **state)
{
    (void)state;
    struct tryall_addr in[] = { v4(10, 2, 0, 1), v6(2, 1) };
    assert_int_equal(book_remember("ttl.test", in, 2, T0), 1);
    struct tryall_list l;
    assert_int_equal(book_lookup(&in[0], T0 + BOOK_TTL_MS - 1, &l), 1);
    assert_int_equal(book_count(T0 + BOOK_TTL_MS - 1), 1);
    assert_int_equal(book_lookup(&in[0], T0 + BOOK_TTL_MS + 1, &l), 0);
    assert_int_equal(book_lookup(&in[1], T0 + BOOK_TTL_MS + 1, &l), 0);
    assert_int_equal(book_count(T0 + BOOK_TTL_MS + 1), 0);

    /* remembering it again makes it live again */
    assert_int_equal(book_remember("ttl.test", in, 2, T0 + BOOK_TTL_MS + 2), 1);
    assert_int_equal(book_lookup(&in[1], T0 + BOOK_TTL_MS + 3, &l), 1);
    assert_list(&l, "ttl.test", in, 2);
}

static void test_expired_entries_make_room_first(void **state)
{
    (void)state;
    /* Fill the book at T0, let everything expire, then fill it again:
     * nothing of the new generation may be lost. */
    struct tryall_addr p[2];
    for (unsigned k = 0; k < BOOK_CAPACITY; k++) {
        mk_pair(k, p);
        assert_int_equal(book_remember("old.test", p, 2, T0), 1);
    }
    uint64_t t1 = T0 + BOOK_TTL_MS + 10;
    for (unsigned k = 0; k < BOOK_CAPACITY; k++) {
        mk_pair(k + 500, p);
        assert_int_equal(book_remember("new.test", p, 2, t1 + k), 1);
    }
    uint64_t now = t1 + BOOK_CAPACITY;
    assert_int_equal(book_count(now), BOOK_CAPACITY);
    struct tryall_list l;
    for (unsigned k = 0; k < BOOK_CAPACITY; k++) {
        mk_pair(k + 500, p);
        if (book_lookup(&p[0], now, &l) != 1)
            fail_msg("new list %u was lost", k);
    }
}

static void test_newer_list_wins(void **state)
{
    (void)state;
    struct tryall_addr a = v4(10, 3, 0, 1), b = v6(3, 2), c = v4(10, 3, 0, 3);
    struct tryall_addr old[] = { a, b };
    struct tryall_addr new_[] = { b, c };
    assert_int_equal(book_remember("old.test", old, 2, T0), 1);
    assert_int_equal(book_remember("new.test", new_, 2, T0 + 10), 1);
    struct tryall_list l;
    assert_int_equal(book_lookup(&b, T0 + 20, &l), 1);
    assert_list(&l, "new.test", new_, 2);
    assert_int_equal(book_lookup(&a, T0 + 20, &l), 1);
    assert_list(&l, "old.test", old, 2);
    assert_int_equal(book_lookup(&c, T0 + 20, &l), 1);
    assert_list(&l, "new.test", new_, 2);

    /* and the other way round: the newer one is remembered with an earlier
     * slot index (after a clear) - order of insertion, not slot, decides */
    book_clear();
    assert_int_equal(book_remember("first.test", new_, 2, T0), 1);
    assert_int_equal(book_remember("second.test", old, 2, T0 + 1), 1);
    assert_int_equal(book_lookup(&b, T0 + 2, &l), 1);
    assert_list(&l, "second.test", old, 2);

    /* the newer list may sit anywhere in the table, e.g. in the place of an
     * evicted one before the older list: it still wins */
    book_clear();
    struct tryall_addr p[2];
    struct tryall_addr shared = v6(0xaaaa, 1);
    for (unsigned k = 0; k < BOOK_CAPACITY; k++) {
        mk_pair(k, p);
        if (k == BOOK_CAPACITY / 2)
            p[1] = shared;                     /* an older list holding shared */
        assert_int_equal(book_remember("filler.test", p, 2, T0 + k), 1);
    }
    struct tryall_addr newest[] = { v4(10, 3, 9, 9), shared };
    assert_int_equal(book_remember("newest.test", newest, 2, T0 + BOOK_CAPACITY), 1);
    assert_int_equal(book_lookup(&shared, T0 + BOOK_CAPACITY + 1, &l), 1);
    assert_list(&l, "newest.test", newest, 2);
}

static void test_long_name_truncated(void **state)
{
    (void)state;
    char name[BOOK_NAME_MAX * 2];
    for (size_t i = 0; i < sizeof name - 1; i++)
        name[i] = (char)('a' + i % 26);
    name[sizeof name - 1] = '\0';
    struct tryall_addr in[] = { v4(10, 4, 0, 1), v6(4, 1) };
    assert_int_equal(book_remember(name, in, 2, T0), 1);
    struct tryall_list l;
    memset(&l, 'Z', sizeof l);
    assert_int_equal(book_lookup(&in[0], T0, &l), 1);
    assert_int_equal(l.name[BOOK_NAME_MAX - 1], '\0');
    assert_int_equal(strlen(l.name), BOOK_NAME_MAX - 1);
    assert_memory_equal(l.name, name, BOOK_NAME_MAX - 1);
    assert_int_equal(l.n, 2);

    /* a name of exactly BOOK_NAME_MAX-1 characters survives whole */
    name[BOOK_NAME_MAX - 1] = '\0';
    struct tryall_addr in2[] = { v4(10, 4, 0, 2), v6(4, 2) };
    assert_int_equal(book_remember(name, in2, 2, T0), 1);
    assert_int_equal(book_lookup(&in2[1], T0, &l), 1);
    assert_string_equal(l.name, name);
}

static void test_clear(void **state)
{
    (void)state;
    struct tryall_addr in[] = { v4(10, 5, 0, 1), v6(5, 1) };
    assert_int_equal(book_remember("clear.test", in, 2, T0), 1);
    assert_int_equal(book_count(T0), 1);
    book_clear();
    assert_int_equal(book_count(T0), 0);
    struct tryall_list l;
    assert_int_equal(book_lookup(&in[0], T0, &l), 0);
    assert_int_equal(book_lookup(&in[1], T0, &l), 0);
    /* usable again after a clear */
    assert_int_equal(book_remember("clear.test", in, 2, T0 + 1), 1);
    assert_int_equal(book_lookup(&in[1], T0 + 1, &l), 1);
    assert_list(&l, "clear.test", in, 2);
}

static void test_same_list_again_does_not_push_others_out(void **state)
{
    (void)state;
    /* An app resolving one name in a loop must not evict everybody else's
     * lists: remembering an identical list again refreshes it. */
    struct tryall_addr x[] = { v4(10, 6, 0, 1), v6(6, 1) };
    struct tryall_addr y[] = { v4(10, 6, 0, 2), v6(6, 2), v4(10, 6, 0, 3) };
    assert_int_equal(book_remember("x.test", x, 2, T0), 1);
    for (unsigned i = 0; i < 3 * BOOK_CAPACITY; i++)
        assert_int_equal(book_remember("y.test", y, 3, T0 + 1 + i), 1);
    uint64_t now = T0 + 3 * BOOK_CAPACITY + 1;
    struct tryall_list l;
    assert_int_equal(book_lookup(&x[1], now, &l), 1);
    assert_list(&l, "x.test", x, 2);
    assert_int_equal(book_count(now), 2);
    /* and the refresh restarts its TTL */
    assert_int_equal(book_lookup(&y[2], T0 + 3 * BOOK_CAPACITY + BOOK_TTL_MS - 1, &l), 1);
    assert_int_equal(book_lookup(&x[0], T0 + 3 * BOOK_CAPACITY + BOOK_TTL_MS - 1, &l), 0);
}

static void test_clock_skew_between_threads(void **state)
{
    (void)state;
    /* Threads read the clock before taking the book's lock, so a call can
     * arrive with a now_ms a little earlier than the newest entry's stamp.
     * Such an entry is not expired (it is younger than BOOK_TTL_MS), and it
     * must certainly not be overwritten while the book has free room
     * ("the oldest entry makes room when full"). */
    struct tryall_addr x[] = { v4(10, 8, 0, 1), v6(8, 1) };
    struct tryall_addr y[] = { v4(10, 8, 0, 2), v6(8, 2) };
    assert_int_equal(book_remember("x.test", x, 2, T0 + 5), 1);
    assert_int_equal(book_remember("y.test", y, 2, T0 + 4), 1);   /* earlier clock read */
    struct tryall_list l;
    if (book_lookup(&x[0], T0 + 6, &l) != 1)
        fail_msg("x.test (stamped T0+5) was overwritten by a remember() at T0+4 "
                 "although the book had %u free slots", BOOK_CAPACITY - 1);
    assert_list(&l, "x.test", x, 2);
    assert_int_equal(book_lookup(&y[0], T0 + 6, &l), 1);
    assert_list(&l, "y.test", y, 2);
    assert_int_equal(book_count(T0 + 6), 2);
    /* a lookup whose clock read is 1 ms behind the entry's stamp finds it */
    if (book_lookup(&x[1], T0 + 4, &l) != 1)
        fail_msg("x.test (stamped T0+5) not found by a lookup at T0+4");
}

static void test_maybe_has(void **state)
{
    (void)state;
    /* "0 means target is certainly not in the book": never 0 for a member */
    struct tryall_addr in[BOOK_MAX_ADDRS];
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++)
        in[i] = (i % 2) ? v6(0x77, (uint16_t)i) : v4(10, 77, 0, (uint8_t)i);
    assert_int_equal(book_remember("maybe.test", in, BOOK_MAX_ADDRS, T0), 1);
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++)
        if (!book_maybe_has(&in[i]))
            fail_msg("book_maybe_has() is 0 for member %u", i);

    /* an AF_INET member with junk past its 4 bytes is the same address */
    struct tryall_addr junk = in[0];
    memset(junk.bytes + 4, 0xee, 12);
    assert_true(book_maybe_has(&junk));

    /* many lists: every member of every one */
    struct tryall_addr p[2];
    for (unsigned k = 0; k < BOOK_CAPACITY - 1; k++) {
        mk_pair(k, p);
        assert_int_equal(book_remember("many.test", p, 2, T0 + k), 1);
    }
    for (unsigned k = 0; k < BOOK_CAPACITY - 1; k++) {
        mk_pair(k, p);
        assert_true(book_maybe_has(&p[0]));
        assert_true(book_maybe_has(&p[1]));
    }

    /* it is a useful pre-check: with one small list, most strangers get 0 */
    book_clear();
    struct tryall_addr two[] = { v4(10, 78, 0, 1), v6(0x78, 1) };
    assert_int_equal(book_remember("two.test", two, 2, T0), 1);
    unsigned zero = 0;
    for (unsigned i = 0; i < 1000; i++) {
        struct tryall_addr s = (i % 2) ? v6(0x99, (uint16_t)i) : v4(172, 16, (uint8_t)(i >> 8), (uint8_t)i);
        zero += !book_maybe_has(&s);
    }
    assert_true(zero >= 900);
    /* and after a clear, the former members are not claimed forever */
    book_clear();
    assert_false(book_maybe_has(&two[0]) && book_maybe_has(&two[1]));
}

/* ---- concurrency ---------------------------------------------------- */

enum { NTHREADS = 8, ITERS = 4000, LISTS_PER_THREAD = 40 };

/* List (t, k) has 2 + (k % 5) addresses, all derived from (t, k), and the
 * name "t<t>-k<k>". A reader can check a found list is whole and not torn. */
static unsigned mk_tlist(unsigned t, unsigned k, struct tryall_addr *out, char *name, size_t nlen)
{
    unsigned n = 2 + k % 5;
    for (unsigned i = 0; i < n; i++)
        out[i] = (i % 2) ? v6((uint16_t)(0x100 + t), (uint16_t)(k * 16 + i))
                         : v4(10, (uint8_t)(100 + t), (uint8_t)k, (uint8_t)i);
    snprintf(name, nlen, "t%u-k%u", t, k);
    return n;
}

struct worker { unsigned t; int bad; unsigned found; };

static void *worker(void *arg)
{
    struct worker *w = arg;
    struct tryall_addr in[8], want[8];
    char name[32], wname[32];
    unsigned seed = w->t * 7919u + 1;
    for (unsigned it = 0; it < ITERS; it++) {
        unsigned k = it % LISTS_PER_THREAD;
        unsigned n = mk_tlist(w->t, k, in, name, sizeof name);
        book_remember(name, in, n, T0 + it);

        /* look up a random member of a random thread's random list */
        seed = seed * 1103515245u + 12345u;
        unsigned ot = (seed >> 8) % NTHREADS;
        unsigned ok = (seed >> 16) % LISTS_PER_THREAD;
        unsigned on = mk_tlist(ot, ok, want, wname, sizeof wname);
        unsigned oi = (seed >> 24) % on;
        struct tryall_list l;
        if (book_lookup(&want[oi], T0 + it, &l)) {
            w->found++;
            int good = l.n == on && strcmp(l.name, wname) == 0;
            for (unsigned i = 0; good && i < on; i++)
                good = addr_equal(&l.a[i], &want[i]);
            if (!good)
                w->bad++;
        }
        /* Only this thread remembers its own lists, so for one of them
         * "maybe_has == 0" followed by "found" would be a false negative. */
        unsigned mk = (seed >> 4) % LISTS_PER_THREAD;
        unsigned mn = mk_tlist(w->t, mk, want, wname, sizeof wname);
        unsigned mi = (seed >> 12) % mn;
        int maybe = book_maybe_has(&want[mi]);
        if (book_lookup(&want[mi], T0 + it, &l) && !maybe)
            w->bad++;
        if (it % 97 == 0)
            (void)book_count(T0 + it);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    for (unsigned t = 0; t < NTHREADS; t++) {
        w[t] = (struct worker){ .t = t };
        assert_int_equal(pthread_create(&th[t], NULL, worker, &w[t]), 0);
    }
    unsigned found = 0;
    int bad = 0;
    for (unsigned t = 0; t < NTHREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        found += w[t].found;
        bad += w[t].bad;
    }
    assert_int_equal(bad, 0);
    assert_true(found > 0);   /* the test did exercise lookups that hit */
    assert_true(book_count(T0 + ITERS) <= BOOK_CAPACITY);

    /* after the storm, a fresh list is found whole */
    struct tryall_addr in[8];
    char name[32];
    unsigned n = mk_tlist(99, 1, in, name, sizeof name);
    assert_int_equal(book_remember(name, in, n, T0 + ITERS), 1);
    struct tryall_list l;
    assert_int_equal(book_lookup(&in[n - 1], T0 + ITERS, &l), 1);
    assert_list(&l, name, in, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_remember_lookup_v4_v6, setup),
        cmocka_unit_test_setup(test_single_address_not_remembered, setup),
        cmocka_unit_test_setup(test_duplicates_removed_first_kept, setup),
        cmocka_unit_test_setup(test_truncated_at_max_addrs, setup),
        cmocka_unit_test_setup(test_capacity_evicts_oldest, setup),
        cmocka_unit_test_setup(test_expiry, setup),
        cmocka_unit_test_setup(test_expired_entries_make_room_first, setup),
        cmocka_unit_test_setup(test_newer_list_wins, setup),
        cmocka_unit_test_setup(test_long_name_truncated, setup),
        cmocka_unit_test_setup(test_clear, setup),
        cmocka_unit_test_setup(test_same_list_again_does_not_push_others_out, setup),
        cmocka_unit_test_setup(test_clock_skew_between_threads, setup),
        cmocka_unit_test_setup(test_maybe_has, setup),
        cmocka_unit_test_setup(test_concurrent, setup),
    };
    return cmocka_run_group_tests_name("book", tests, NULL, NULL);
}

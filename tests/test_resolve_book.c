/* test_resolve_book.c - unit tests for the address book's side of completion
 * and late answers (the planner, origins and settings are in
 * tests/test_resolve_core.c).
 * Owns: book_remember_partial (one address kept, marked pending until
 * BOOK_PENDING_MS, its return value: look up or not); book_lookup's pending
 * window; book_merge (appends to the newest list of that name, duplicates
 * dropped, .origin of the new ones, final clears pending even with n == 0,
 * with no list of the name: a list of its own from two addresses,
 * BOOK_MAX_ADDRS); book_fork clearing pending marks in the child only;
 * book_maybe_has finding merged addresses. Time is injected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "book.h"
#include "lock.h"
#include "addrkit.h"

#define T0 1000000u
#define N(a) ((unsigned)(sizeof (a) / sizeof (a)[0]))

static int setup(void **state)
{
    (void)state;
    book_clear();
    return 0;
}

static void assert_list(const struct tryall_list *l, const struct tryall_addr *want,
                        const int *origin, unsigned n)
{
    char g[64], w[64];
    if (l->n != n)
        fail_msg("list has %u addresses, want %u", l->n, n);
    for (unsigned i = 0; i < n; i++) {
        if (!addr_equal(&l->a[i], &want[i]))
            fail_msg("address %u is %s, want %s", i, addr_str(&l->a[i], g, sizeof g),
                     addr_str(&want[i], w, sizeof w));
        if (origin && l->a[i].origin != origin[i])
            fail_msg("address %u comes from %s, want %s", i, addr_origin_name(l->a[i].origin),
                     addr_origin_name(origin[i]));
    }
}

/* The list holding a is want[0..n). */
static void assert_found(const struct tryall_addr *a, uint64_t now_ms,
                         const struct tryall_addr *want, const int *origin, unsigned n)
{
    struct tryall_list l = book_find(a, now_ms);
    assert_list(&l, want, origin, n);
}

static void test_partial_single_address_pending(void **state)
{
    (void)state;
    struct tryall_addr a = net4(1, 1);
    assert_int_equal(book_remember_partial("one.test", &a, 1, T0), 1);
    assert_int_equal(book_count(T0), 1);
    struct tryall_list l = book_find(&a, T0);
    assert_string_equal(l.name, "one.test");
    assert_list(&l, &a, NULL, 1);
    assert_int_equal(l.pending, 1);
    assert_int_equal(l.pending_until_ms, T0 + BOOK_PENDING_MS);

    /* pending only until then; the list itself stays */
    assert_int_equal(book_find(&a, T0 + BOOK_PENDING_MS - 1).pending, 1);
    assert_int_equal(book_find(&a, T0 + BOOK_PENDING_MS).pending, 0);
    assert_int_equal(book_find(&a, T0 + BOOK_PENDING_MS + 60000).n, 1);

    /* nothing usable: nothing remembered, nothing to look up */
    assert_int_equal(book_remember_partial("none.test", &a, 0, T0), 0);
    struct tryall_addr junk = a;
    junk.family = AF_UNIX;
    assert_int_equal(book_remember_partial("junk.test", &junk, 1, T0), 0);
    assert_int_equal(book_count(T0), 1);
}

static void test_partial_return_value(void **state)
{
    (void)state;
    struct tryall_addr ab[] = { net4(2, 1), net4(2, 2) };
    assert_int_equal(book_remember_partial("ret.test", ab, 2, T0), 1);
    /* a lookup is under way for these: 0, for all or some of them */
    assert_int_equal(book_remember_partial("ret.test", ab, 2, T0 + 10), 0);
    assert_int_equal(book_remember_partial("ret.test", &ab[1], 1, T0 + 10), 0);
    assert_int_equal(book_count(T0 + 10), 1);
    /* other addresses under that name: look up */
    struct tryall_addr c = net4(2, 3);
    assert_int_equal(book_remember_partial("ret.test", &c, 1, T0 + 20), 1);
    assert_int_equal(book_find(&c, T0 + 20).pending, 1);

    /* the lookup never answered: after BOOK_PENDING_MS, look up again */
    uint64_t later = T0 + 20 + BOOK_PENDING_MS;
    assert_int_equal(book_find(&c, later).pending, 0);
    assert_int_equal(book_remember_partial("ret.test", &c, 1, later), 1);
    struct tryall_list l = book_find(&c, later);
    assert_int_equal(l.pending, 1);
    assert_int_equal(l.pending_until_ms, later + BOOK_PENDING_MS);

    /* completed: reused, no new lookup */
    book_merge("ret.test", NULL, 0, ADDR_FROM_COMPLETION, 1, later + 1);
    assert_int_equal(book_find(&c, later + 1).pending, 0);
    assert_int_equal(book_remember_partial("ret.test", &c, 1, later + 2), 0);
    assert_int_equal(book_remember_partial("ret.test", &c, 1, later + 2 * BOOK_PENDING_MS), 0);
}

static void test_merge_appends_dedupes_origin(void **state)
{
    (void)state;
    struct tryall_addr app[] = { net4(3, 1), net4(3, 2) };
    assert_int_equal(book_remember_partial("merge.test", app, 2, T0), 1);

    struct tryall_addr comp[] = { net4(3, 2), net6(3, 1), net6(3, 1), net6(3, 2) };
    book_merge("merge.test", comp, N(comp), ADDR_FROM_COMPLETION, 0, T0 + 5);
    struct tryall_addr want[] = { net4(3, 1), net4(3, 2), net6(3, 1), net6(3, 2) };
    int from[] = { ADDR_FROM_APP, ADDR_FROM_APP, ADDR_FROM_COMPLETION, ADDR_FROM_COMPLETION };
    struct tryall_list l = book_find(&app[0], T0 + 5);
    assert_list(&l, want, from, 4);
    assert_int_equal(l.pending, 1);   /* not final: more may come */
    assert_int_equal(book_count(T0 + 5), 1);
    /* found by a merged address too, the same list */
    assert_found(&want[3], T0 + 5, want, from, 4);

    struct tryall_addr late[] = { net6(3, 1), net4(3, 9) };
    book_merge("merge.test", late, N(late), ADDR_FROM_LATE, 1, T0 + 6);
    struct tryall_addr want2[] = { net4(3, 1), net4(3, 2), net6(3, 1), net6(3, 2), net4(3, 9) };
    int from2[] = { ADDR_FROM_APP, ADDR_FROM_APP, ADDR_FROM_COMPLETION, ADDR_FROM_COMPLETION,
                    ADDR_FROM_LATE };
    l = book_find(&late[1], T0 + 6);
    assert_list(&l, want2, from2, 5);
    assert_int_equal(l.pending, 0);
}

static void test_merge_final_empty(void **state)
{
    (void)state;
    struct tryall_addr a = net6(4, 1);
    assert_int_equal(book_remember_partial("final.test", &a, 1, T0), 1);
    book_merge("final.test", NULL, 0, ADDR_FROM_COMPLETION, 0, T0 + 1);
    assert_int_equal(book_find(&a, T0 + 1).pending, 1);   /* not final: still pending */
    book_merge("final.test", NULL, 0, ADDR_FROM_COMPLETION, 1, T0 + 2);
    struct tryall_list l = book_find(&a, T0 + 2);
    assert_int_equal(l.pending, 0);
    assert_list(&l, &a, NULL, 1);
}

static void test_merge_newest_list_of_name(void **state)
{
    (void)state;
    struct tryall_addr old[] = { net4(5, 1), net4(5, 2) };
    struct tryall_addr other[] = { net4(5, 7), net4(5, 8) };
    assert_int_equal(book_remember("newest.test", old, 2, T0), 1);
    assert_int_equal(book_remember("other.test", other, 2, T0 + 1), 1);
    struct tryall_addr c = net4(5, 3);
    assert_int_equal(book_remember_partial("newest.test", &c, 1, T0 + 2), 1);
    assert_int_equal(book_remember("other.test", other, 2, T0 + 3), 1);   /* newest of all */

    struct tryall_addr d = net6(5, 4);
    book_merge("newest.test", &d, 1, ADDR_FROM_COMPLETION, 1, T0 + 4);
    struct tryall_addr want[] = { net4(5, 3), net6(5, 4) };
    struct tryall_list l = book_find(&d, T0 + 4);
    assert_list(&l, want, NULL, 2);
    assert_string_equal(l.name, "newest.test");
    assert_int_equal(l.pending, 0);
    assert_found(&old[0], T0 + 4, old, NULL, 2);
    assert_found(&other[0], T0 + 4, other, NULL, 2);

    /* a long name (truncated when stored) still finds its list */
    char longname[BOOK_NAME_MAX + 40];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    struct tryall_addr e = net4(5, 5), f = net6(5, 5);
    assert_int_equal(book_remember_partial(longname, &e, 1, T0 + 5), 1);
    book_merge(longname, &f, 1, ADDR_FROM_LATE, 1, T0 + 6);
    l = book_find(&e, T0 + 6);
    assert_int_equal(l.n, 2);
    assert_true(addr_equal(&l.a[1], &f));
    assert_int_equal(l.pending, 0);
}

static void test_merge_without_list(void **state)
{
    (void)state;
    /* two or more: a list of their own, with their origin */
    struct tryall_addr ab[] = { net4(6, 1), net6(6, 1) };
    book_merge("alone.test", ab, 2, ADDR_FROM_LATE, 0, T0);
    int from[] = { ADDR_FROM_LATE, ADDR_FROM_LATE };
    struct tryall_list l = book_find(&ab[1], T0);
    assert_string_equal(l.name, "alone.test");
    assert_list(&l, ab, from, 2);
    assert_int_equal(book_count(T0), 1);

    /* one (or one twice): nothing */
    struct tryall_addr c[] = { net4(6, 3), net4(6, 3) };
    book_merge("single.test", c, 1, ADDR_FROM_LATE, 1, T0);
    book_merge("twice.test", c, 2, ADDR_FROM_LATE, 1, T0);
    struct tryall_list none;
    assert_int_equal(book_lookup(&c[0], T0, &none), 0);
    assert_int_equal(book_count(T0), 1);

    /* an expired list of the name is not appended to */
    struct tryall_addr d = net4(6, 4);
    assert_int_equal(book_remember_partial("gone.test", &d, 1, T0), 1);
    struct tryall_addr ef[] = { net4(6, 5), net4(6, 6) };
    book_merge("gone.test", ef, 2, ADDR_FROM_COMPLETION, 1, T0 + BOOK_TTL_MS);
    assert_found(&ef[0], T0 + BOOK_TTL_MS, ef, NULL, 2);
}

static void test_merge_max_addrs(void **state)
{
    (void)state;
    struct tryall_addr a = net4(7, 0);
    assert_int_equal(book_remember_partial("big.test", &a, 1, T0), 1);
    struct tryall_addr many[BOOK_MAX_ADDRS + 8];
    for (unsigned i = 0; i < N(many); i++)
        many[i] = net6(7, (uint8_t)i);
    book_merge("big.test", many, N(many), ADDR_FROM_COMPLETION, 1, T0 + 1);
    struct tryall_list l = book_find(&a, T0 + 1);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    assert_true(addr_equal(&l.a[BOOK_MAX_ADDRS - 1], &many[BOOK_MAX_ADDRS - 2]));
    struct tryall_list none;
    assert_int_equal(book_lookup(&many[BOOK_MAX_ADDRS - 1], T0 + 1, &none), 0);
}

static void test_fork_clears_pending(void **state)
{
    (void)state;
    struct tryall_addr a = net4(8, 1), b = net6(8, 1);
    assert_int_equal(book_remember_partial("fork-a.test", &a, 1, T0), 1);
    assert_int_equal(book_remember_partial("fork-b.test", &b, 1, T0), 1);

    /* the parent's lookups are still under way */
    book_fork(TLOCK_FORK_PREPARE);
    book_fork(TLOCK_FORK_PARENT);
    assert_int_equal(book_find(&a, T0 + 1).pending, 1);
    assert_int_equal(book_find(&b, T0 + 1).pending, 1);

    /* the child has none: every mark goes, the lists stay, the book works */
    book_fork(TLOCK_FORK_PREPARE);
    book_fork(TLOCK_FORK_CHILD);
    assert_int_equal(book_find(&a, T0 + 1).pending, 0);
    assert_int_equal(book_find(&b, T0 + 1).pending, 0);
    assert_int_equal(book_count(T0 + 1), 2);
    struct tryall_addr c = net4(8, 3);
    assert_int_equal(book_remember_partial("fork-c.test", &c, 1, T0 + 2), 1);
    assert_int_equal(book_find(&c, T0 + 2).pending, 1);
}

static void test_maybe_has_merged(void **state)
{
    (void)state;
    struct tryall_addr a = net4(9, 1);
    struct tryall_addr more[] = { net6(9, 2), net4(9, 3) };
    assert_int_equal(book_remember_partial("filter.test", &a, 1, T0), 1);
    assert_true(book_nonempty());
    assert_true(book_maybe_has(&a));
    /* with one address in the book, these two are not claimed (checked:
     * no hash collision with a) */
    assert_false(book_maybe_has(&more[0]));
    assert_false(book_maybe_has(&more[1]));
    book_merge("filter.test", more, 2, ADDR_FROM_LATE, 0, T0 + 1);
    assert_true(book_maybe_has(&more[0]));
    assert_true(book_maybe_has(&more[1]));
    assert_true(book_maybe_has(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_partial_single_address_pending, setup),
        cmocka_unit_test_setup(test_partial_return_value, setup),
        cmocka_unit_test_setup(test_merge_appends_dedupes_origin, setup),
        cmocka_unit_test_setup(test_merge_final_empty, setup),
        cmocka_unit_test_setup(test_merge_newest_list_of_name, setup),
        cmocka_unit_test_setup(test_merge_without_list, setup),
        cmocka_unit_test_setup(test_merge_max_addrs, setup),
        cmocka_unit_test_setup(test_fork_clears_pending, setup),
        cmocka_unit_test_setup(test_maybe_has_merged, setup),
    };
    return cmocka_run_group_tests_name("resolve_book", tests, NULL, NULL);
}

/* test_book_families.c - unit tests for a full list and the other family
 * (src/core/book.c): found by the chaos scenario (bats/chaos.bats), where a
 * name with 36 IPv4 addresses, asked with AF_INET hints, was completed with
 * its one working IPv6 address and yet failed: the completion was merged
 * into a list already full of IPv4 addresses and dropped. Owns: a list
 * keeps at most BOOK_MAX_ADDRS addresses, in resolver order, but each
 * family keeps at least min(its count, BOOK_MAX_ADDRS / 2): a full list of
 * one family takes a completion (book_merge), a late answer, and the other
 * family of a long answer (book_remember, book_remember_partial), the last
 * addresses of the crowded family making room; a list with both families
 * at half or more is left as it is; the addresses that made room are no
 * longer found. Time is injected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "book.h"
#include "addrkit.h"

#define T0 1000000u
#define HALF (BOOK_MAX_ADDRS / 2)

static int setup(void **state)
{
    (void)state;
    book_clear();
    return 0;
}

static unsigned count(const struct tryall_list *l, int family)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        n += l->a[i].family == family;
    return n;
}

/* The chaos case: 36 IPv4 addresses (AF_INET hints), then the completion. */
static void test_completion_into_full_list(void **state)
{
    (void)state;
    struct tryall_addr four[36], six[3] = { net6(1, 1), net6(1, 2), net6(1, 3) };
    for (unsigned i = 0; i < 36; i++)
        four[i] = net4(1, (uint8_t)i);
    assert_int_equal(book_remember_partial("wide.test", four, 36, T0), 1);
    struct tryall_list l = book_find(&four[0], T0);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    book_merge("wide.test", six, 3, ADDR_FROM_COMPLETION, 1, T0 + 1);
    l = book_find(&six[0], T0 + 1);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    assert_int_equal(count(&l, AF_INET6), 3);
    assert_int_equal(count(&l, AF_INET), BOOK_MAX_ADDRS - 3);
    for (unsigned i = 0; i < 3; i++)
        assert_true(list_holds(&l, &six[i]));
    /* resolver order kept: the first IPv4 ones stay, in order, first */
    for (unsigned i = 0; i < BOOK_MAX_ADDRS - 3; i++)
        assert_true(addr_equal(&l.a[i], &four[i]));
    assert_int_equal(l.pending, 0);
    /* the one that made room is not found any more; the app's target is */
    struct tryall_list none;
    assert_int_equal(book_lookup(&four[BOOK_MAX_ADDRS - 1], T0 + 1, &none), 0);
    l = book_find(&four[0], T0 + 1);
    assert_true(list_holds(&l, &six[0]));
}

/* A late answer of many: the other family gets half, no more. */
static void test_late_answer_gets_half(void **state)
{
    (void)state;
    struct tryall_addr four[40], six[40];
    for (unsigned i = 0; i < 40; i++) {
        four[i] = net4(2, (uint8_t)i);
        six[i] = net6(2, (uint8_t)i);
    }
    assert_int_equal(book_remember_partial("late.test", four, 40, T0), 1);
    book_merge("late.test", six, 40, ADDR_FROM_LATE, 1, T0 + 1);
    struct tryall_list l = book_find(&four[0], T0 + 1);
    assert_int_equal(count(&l, AF_INET), HALF);
    assert_int_equal(count(&l, AF_INET6), HALF);
    for (unsigned i = 0; i < HALF; i++)
        assert_true(list_holds(&l, &four[i]) && list_holds(&l, &six[i]));
}

/* One long answer (AF_UNSPEC, IPv4 sorted first): the IPv6 addresses at its
 * end are not cut off. */
static void test_long_answer_keeps_both(void **state)
{
    (void)state;
    struct tryall_addr in[45];
    for (unsigned i = 0; i < 40; i++)
        in[i] = net4(3, (uint8_t)i);
    for (unsigned i = 40; i < 45; i++)
        in[i] = net6(3, (uint8_t)i);
    assert_int_equal(book_remember("long.test", in, 45, T0), 1);
    struct tryall_list l = book_find(&in[0], T0);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    assert_int_equal(count(&l, AF_INET6), 5);
    for (unsigned i = 40; i < 45; i++)
        assert_true(list_holds(&l, &in[i]));
}

/* Both families at half or more: nothing moves (the first 32 in order). */
static void test_balanced_list_unchanged(void **state)
{
    (void)state;
    struct tryall_addr in[BOOK_MAX_ADDRS + 4];
    for (unsigned i = 0; i < BOOK_MAX_ADDRS + 4; i++)
        in[i] = i % 2 ? net6(4, (uint8_t)i) : net4(4, (uint8_t)i);
    assert_int_equal(book_remember("even.test", in, BOOK_MAX_ADDRS, T0), 1);
    book_merge("even.test", in + BOOK_MAX_ADDRS, 4, ADDR_FROM_LATE, 1, T0 + 1);
    struct tryall_list l = book_find(&in[0], T0 + 1);
    assert_int_equal(l.n, BOOK_MAX_ADDRS);
    for (unsigned i = 0; i < BOOK_MAX_ADDRS; i++)
        assert_true(addr_equal(&l.a[i], &in[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_completion_into_full_list, setup),
        cmocka_unit_test_setup(test_late_answer_gets_half, setup),
        cmocka_unit_test_setup(test_long_answer_keeps_both, setup),
        cmocka_unit_test_setup(test_balanced_list_unchanged, setup),
    };
    return cmocka_run_group_tests_name("book_families", tests, NULL, NULL);
}

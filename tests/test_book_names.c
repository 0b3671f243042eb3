/* test_book_names.c - unit tests for the answer to a name's lookup
 * (src/core/book.c book_merge) when the name has several lists: two
 * one-family answers of one name with different addresses (a round-robin
 * DNS answer, a subset each time) each make a pending list and a lookup;
 * the first lookup's answer used to go to the newest list only, and the
 * older list stayed pending, without the addresses, for the whole 15 s:
 * a race on it that had nothing left to try waited 15 s for a lookup that
 * had answered. Owns: an answer joins the newest list of the name and
 * every list of it still pending, and a final one clears those marks; a
 * list of the name that waits for nothing (complete) is left as it is;
 * lists of other names too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "book.h"
#include "addrkit.h"

#define T0 1000000u

static int setup(void **state)
{
    (void)state;
    book_clear();
    return 0;
}

static void test_answer_reaches_every_waiting_list(void **state)
{
    (void)state;
    struct tryall_addr a1 = net4(0, 1), a2 = net4(0, 2), c = net6(0, 9);
    assert_int_equal(book_remember_partial("rr.test", &a1, 1, T0), 1);
    assert_int_equal(book_remember_partial("rr.test", &a2, 1, T0 + 1), 1);   /* another subset */
    book_merge("rr.test", &c, 1, ADDR_FROM_COMPLETION, 1, T0 + 2);
    struct tryall_list l1 = book_find(&a1, T0 + 3), l2 = book_find(&a2, T0 + 3);
    assert_int_equal(l1.pending, 0);
    assert_int_equal(l2.pending, 0);
    assert_true(list_holds(&l1, &c));
    assert_true(list_holds(&l2, &c));
    /* anything after that goes to the newest list (none waits any more),
     * and no pending mark comes back */
    struct tryall_addr d = net6(0, 10);
    book_merge("rr.test", &d, 1, ADDR_FROM_LATE, 0, T0 + 4);
    l2 = book_find(&a2, T0 + 5);
    l1 = book_find(&a1, T0 + 5);
    assert_true(list_holds(&l2, &d) && !list_holds(&l1, &d));
    assert_int_equal(l1.pending, 0);
    assert_int_equal(l2.pending, 0);
}

static void test_complete_and_other_lists_untouched(void **state)
{
    (void)state;
    struct tryall_addr whole[] = { net4(0, 3), net4(0, 4) }, other[] = { net4(0, 5), net4(0, 6) };
    struct tryall_addr a = net4(0, 7), c = net6(0, 11);
    assert_int_equal(book_remember("rr.test", whole, 2, T0), 1);
    assert_int_equal(book_remember("other.test", other, 2, T0), 1);
    assert_int_equal(book_remember_partial("rr.test", &a, 1, T0 + 1), 1);
    book_merge("rr.test", &c, 1, ADDR_FROM_COMPLETION, 1, T0 + 2);
    struct tryall_list l = book_find(&whole[0], T0 + 3);
    assert_int_equal(l.n, 2);
    l = book_find(&other[0], T0 + 3);
    assert_int_equal(l.n, 2);
    l = book_find(&a, T0 + 3);
    assert_true(list_holds(&l, &c));
    assert_int_equal(l.pending, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_answer_reaches_every_waiting_list, setup),
        cmocka_unit_test_setup(test_complete_and_other_lists_untouched, setup),
    };
    return cmocka_run_group_tests_name("book_names", tests, NULL, NULL);
}

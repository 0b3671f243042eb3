/* test_history.c - unit tests for the history decisions (src/core/history.c):
 * the header and slot checks (a flipped byte, a foreign version or size, a
 * writer's odd sequence are never trusted), recording (RFC 6298 smoothing,
 * failures in a row), the verdicts and how long a failure is trusted
 * (30 s, doubling, at most 10 minutes; from the future: unknown), the order
 * (target first, good before unknown before bad within each family, the
 * families interleaved), the adaptive delay and its clamp. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "history.h"
#include "addrkit.h"

static void test_header(void **state)
{
    (void)state;
    struct hist_header h;
    hist_header_init(&h, 42);
    assert_true(hist_header_valid(&h, HIST_FILE_SIZE));
    assert_false(hist_header_valid(&h, HIST_FILE_SIZE - 1));
    struct hist_header bad = h;
    bad.version = HIST_VERSION + 1;   /* a foreign version */
    assert_false(hist_header_valid(&bad, HIST_FILE_SIZE));
    bad = h;
    bad.network ^= 1;   /* a changed field without its checksum */
    assert_false(hist_header_valid(&bad, HIST_FILE_SIZE));
}

static void test_record_and_check(void **state)
{
    (void)state;
    struct hist_slot s;
    struct tryall_addr a = doc4(1);
    memset(&s, 0, sizeof s);
    hist_record(&s, &a, 80, HIST_CONNECTED, 8000, 1000);
    assert_true(hist_slot_valid(&s));
    assert_true(hist_slot_is(&s, &a, 80));
    assert_false(hist_slot_is(&s, &a, 81));
    assert_int_equal(s.srtt_us, 8000);
    hist_record(&s, &a, 80, HIST_CONNECTED, 16000, 2000);
    assert_int_equal(s.srtt_us, 8000 - 1000 + 2000);   /* 7/8 old + 1/8 new */
    hist_record(&s, &a, 80, HIST_REFUSED, 0, 3000);
    hist_record(&s, &a, 80, HIST_TIMEDOUT, 0, 4000);
    assert_int_equal(s.fails, 2);
    struct hist_slot t = s;
    t.addr[0] ^= 0xff;   /* one flipped byte */
    assert_false(hist_slot_valid(&t));
    t = s;
    t.seq = 3;           /* a writer in it */
    assert_false(hist_slot_valid(&t));
    t = s;
    t.outcome = 9;
    t.check = hist_slot_check(&t);
    assert_false(hist_slot_valid(&t));
    /* another destination in the slot starts clean */
    struct tryall_addr b = doc6(2);
    hist_record(&s, &b, 80, HIST_CONNECTED, 500, 5000);
    assert_true(hist_slot_is(&s, &b, 80));
    assert_int_equal(s.fails, 0);
    assert_int_equal(s.srtt_us, 500);
}

static void test_judge_ttls(void **state)
{
    (void)state;
    struct hist_slot s;
    struct tryall_addr a = doc4(1);
    uint64_t t = 10000000;
    memset(&s, 0, sizeof s);
    assert_int_equal(hist_judge(&s, t), HIST_UNKNOWN);
    hist_record(&s, &a, 80, HIST_UNREACHABLE, 0, t);
    assert_int_equal(hist_judge(&s, t + 29999), HIST_BAD);
    assert_int_equal(hist_judge(&s, t + 30000), HIST_UNKNOWN);   /* tried again */
    hist_record(&s, &a, 80, HIST_UNREACHABLE, 0, t);             /* two in a row */
    assert_int_equal(hist_judge(&s, t + 59999), HIST_BAD);
    assert_int_equal(hist_judge(&s, t + 60000), HIST_UNKNOWN);
    for (int i = 0; i < 20; i++)
        hist_record(&s, &a, 80, HIST_UNREACHABLE, 0, t);
    assert_int_equal(hist_judge(&s, t + HIST_FAIL_TTL_MS - 1), HIST_BAD);
    assert_int_equal(hist_judge(&s, t + HIST_FAIL_TTL_MS), HIST_UNKNOWN);
    hist_record(&s, &a, 80, HIST_CONNECTED, 100, t);
    assert_int_equal(hist_judge(&s, t + 1000), HIST_GOOD);
    assert_int_equal(hist_judge(&s, t + HIST_GOOD_TTL_MS), HIST_UNKNOWN);
    assert_int_equal(hist_judge(&s, t - 120000), HIST_UNKNOWN);   /* from the future */
}

static void test_sort(void **state)
{
    (void)state;
    /* target 6:1, then 4:1 6:2 4:2 6:3 4:3 */
    struct tryall_addr o[7] = { doc6(1), doc4(1), doc6(2), doc4(2), doc6(3), doc4(3), doc6(4) };
    enum hist_verdict v[7] = { HIST_BAD, HIST_BAD, HIST_UNKNOWN, HIST_GOOD, HIST_BAD, HIST_UNKNOWN,
                               HIST_GOOD };
    hist_sort(o, v, 7);
    struct tryall_addr want[7] = { doc6(1), doc4(2), doc6(4), doc4(3), doc6(2), doc4(1), doc6(3) };
    for (int i = 0; i < 7; i++)
        assert_true(addr_equal(&o[i], &want[i]));
}

static void test_delay(void **state)
{
    (void)state;
    assert_int_equal(hist_delay(0, 250, 10, 250), 250);       /* nothing measured */
    assert_int_equal(hist_delay(1000, 250, 10, 250), 12);     /* 2 x 1 ms + 10 */
    assert_int_equal(hist_delay(100, 250, 10, 250), 10);      /* the floor */
    assert_int_equal(hist_delay(40000, 250, 10, 250), 90);
    assert_int_equal(hist_delay(400000, 250, 10, 250), 250);  /* the ceiling */
    assert_int_equal(hist_delay(1000, 250, 100, 2000), 100);
}

static void test_outcomes(void **state)
{
    (void)state;
    assert_int_equal(hist_outcome_of(ECONNREFUSED), HIST_REFUSED);
    assert_int_equal(hist_outcome_of(ETIMEDOUT), HIST_TIMEDOUT);
    assert_int_equal(hist_outcome_of(ENETUNREACH), HIST_UNREACHABLE);
    assert_string_equal(hist_outcome_name(HIST_ABANDONED), "abandoned");
    assert_string_equal(hist_outcome_name(77), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_record_and_check),
        cmocka_unit_test(test_judge_ttls),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_outcomes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

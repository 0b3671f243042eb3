/* test_tool_show.c - unit tests for tools/show.c (tryall-tool's words and
 * columns). Covers: ages at each unit's edges and from the future; handshake
 * times at each precision's edges; destinations of both families; the
 * verdict reasons (good, bad with one and several failures, unknown: too
 * old, from the future, no slot, a slot whose check is broken); the attempt
 * delay in its four modes; the four probe outcomes; a listing line and its
 * column heads at the width of the slots listed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "show.h"
#include "addrkit.h"

#define NOW 10000000000ull   /* a wall clock, ms */

/* A slot as the library would leave it after outcomes at when_ms. */
static struct hist_slot slot(struct tryall_addr a, uint16_t port, int outcome, unsigned times,
                             uint32_t rtt_us, uint64_t when_ms)
{
    struct hist_slot s;
    memset(&s, 0, sizeof s);
    for (unsigned i = 0; i < times; i++)
        hist_record(&s, &a, port, outcome, rtt_us, when_ms);
    return s;
}

static void test_age(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(show_age(b, sizeof b, NOW, NOW), "0 s");
    assert_string_equal(show_age(b, sizeof b, NOW - 999, NOW), "0 s");
    assert_string_equal(show_age(b, sizeof b, NOW - 59999, NOW), "59 s");
    assert_string_equal(show_age(b, sizeof b, NOW - 119999, NOW), "119 s");
    assert_string_equal(show_age(b, sizeof b, NOW - 120000, NOW), "2 min");
    assert_string_equal(show_age(b, sizeof b, NOW - (7200000 - 1), NOW), "119 min");
    assert_string_equal(show_age(b, sizeof b, NOW - 7200000, NOW), "2 h");
    assert_string_equal(show_age(b, sizeof b, NOW - (48ull * 3600000 - 1), NOW), "47 h");
    assert_string_equal(show_age(b, sizeof b, NOW - 48ull * 3600000, NOW), "2 d");
    assert_string_equal(show_age(b, sizeof b, NOW + 1, NOW), "in the future");
}

static void test_us(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(show_us(b, sizeof b, 0), "-");
    assert_string_equal(show_us(b, sizeof b, 52), "0.052 ms");
    assert_string_equal(show_us(b, sizeof b, 9999), "9.999 ms");
    assert_string_equal(show_us(b, sizeof b, 10000), "10.0 ms");
    assert_string_equal(show_us(b, sizeof b, 12345), "12.3 ms");
    assert_string_equal(show_us(b, sizeof b, 999999), "999.9 ms");
    assert_string_equal(show_us(b, sizeof b, 1234567), "1234 ms");
}

static void test_dest(void **state)
{
    (void)state;
    char b[80];
    struct tryall_addr a = doc4(7), c = doc6(1);
    assert_string_equal(show_dest(b, sizeof b, a.family, a.bytes, 80), "192.0.2.7:80");
    assert_string_equal(show_dest(b, sizeof b, c.family, c.bytes, 8080), "[2001:db8::1]:8080");
    assert_string_equal(show_family(AF_INET), "IPv4");
    assert_string_equal(show_family(AF_INET6), "IPv6");
    assert_string_equal(show_verdict_name(HIST_GOOD), "good");
    assert_string_equal(show_verdict_name(HIST_BAD), "bad");
    assert_string_equal(show_verdict_name(HIST_UNKNOWN), "unknown");
}

static void test_reason(void **state)
{
    (void)state;
    char b[200];
    struct hist_slot good = slot(doc4(1), 80, HIST_CONNECTED, 1, 52, NOW - 3000);
    assert_string_equal(show_reason(b, sizeof b, &good, hist_judge(&good, NOW), NOW),
                        "good: srtt 0.052 ms, connected 3 s ago");
    struct hist_slot bad = slot(doc6(1), 80, HIST_REFUSED, 1, 0, NOW - 5000);
    assert_string_equal(show_reason(b, sizeof b, &bad, hist_judge(&bad, NOW), NOW),
                        "bad: refused 5 s ago, 1 failure in a row");
    struct hist_slot bad3 = slot(doc6(2), 80, HIST_TIMEDOUT, 3, 0, NOW - 70000);
    assert_string_equal(show_reason(b, sizeof b, &bad3, hist_judge(&bad3, NOW), NOW),
                        "bad: timed out 70 s ago, 3 failures in a row");
    struct hist_slot old = slot(doc6(1), 80, HIST_UNREACHABLE, 1, 0, NOW - 20 * 60000);
    assert_string_equal(show_reason(b, sizeof b, &old, hist_judge(&old, NOW), NOW),
                        "unknown: unreachable 20 min ago, too long ago to count");
    struct hist_slot future = slot(doc4(1), 80, HIST_CONNECTED, 1, 52, NOW + 3600000);
    assert_string_equal(show_reason(b, sizeof b, &future, hist_judge(&future, NOW), NOW),
                        "unknown: connected in the future, not trusted");
    struct hist_slot none;
    memset(&none, 0, sizeof none);
    assert_string_equal(show_reason(b, sizeof b, &none, HIST_UNKNOWN, NOW), "unknown: no history");
    good.rtt_us ^= 1;   /* the check no longer matches: not ours to trust */
    assert_string_equal(show_reason(b, sizeof b, &good, HIST_UNKNOWN, NOW), "unknown: no history");
}

static void test_delay(void **state)
{
    (void)state;
    char b[200];
    struct explain_cfg c = { .delay_ms = 250, .delay_min_ms = 10, .delay_max_ms = 250 };
    struct explain e = { .delay_ms = 250, .delay_how = EXPLAIN_DELAY_NO_HISTORY };
    assert_string_equal(show_delay(b, sizeof b, &e, &c), "250 ms (the default; no history to adapt it)");
    c.delay_fixed = 1;
    e.delay_ms = 300;
    assert_string_equal(show_delay(b, sizeof b, &e, &c), "300 ms (TRYALL_DELAY_MS; no history to adapt it)");
    e.delay_how = EXPLAIN_DELAY_FIXED;
    assert_string_equal(show_delay(b, sizeof b, &e, &c), "300 ms (fixed by TRYALL_DELAY_MS)");
    c.delay_fixed = 0;
    e.delay_ms = 250;
    e.delay_how = EXPLAIN_DELAY_UNMEASURED;
    assert_string_equal(show_delay(b, sizeof b, &e, &c),
                        "250 ms (adaptive; no handshake measured to a good address: the default)");
    e.delay_ms = 90;
    e.srtt_us = 40000;
    e.delay_how = EXPLAIN_DELAY_ADAPTIVE;
    assert_string_equal(show_delay(b, sizeof b, &e, &c),
                        "90 ms (adaptive: 2 x srtt 40.0 ms + 10 ms, within 10..250 ms)");
}

static void test_probe(void **state)
{
    (void)state;
    char b[80];
    struct probe p = { PROBE_CONNECTED, 0, 3 };
    assert_string_equal(show_probe(b, sizeof b, &p), "connected in 3 ms");
    p = (struct probe){ PROBE_REFUSED, ECONNREFUSED, 0 };
    assert_string_equal(show_probe(b, sizeof b, &p), "refused");
    p = (struct probe){ PROBE_UNREACHABLE, EHOSTUNREACH, 0 };
    assert_string_equal(show_probe(b, sizeof b, &p), "unreachable (EHOSTUNREACH)");
    p = (struct probe){ PROBE_NO_ANSWER, 0, 250 };
    assert_string_equal(show_probe(b, sizeof b, &p), "no answer in 250 ms");
}

static void test_listing(void **state)
{
    (void)state;
    char b[256];
    struct hist_slot s[2] = { slot(doc4(1), 80, HIST_CONNECTED, 2, 1500, NOW - 3000),
                              slot(doc6(1), 8080, HIST_REFUSED, 2, 0, NOW - 40000) };
    unsigned w = show_slot_width(s, 2);
    assert_int_equal(w, strlen("[2001:db8::1]:8080"));
    assert_int_equal(show_slot_width(s, 1), strlen("192.0.2.1:80"));
    assert_int_equal(show_slot_width(s, 0), strlen("destination"));
    assert_string_equal(show_slot_head(b, sizeof b, w),
                        "destination         outcome     age     rtt        srtt       fails  verdict now");
    assert_string_equal(show_slot_line(b, sizeof b, &s[0], NOW, w),
                        "192.0.2.1:80        connected   3 s     1.500 ms   1.500 ms       0  good");
    assert_string_equal(show_slot_line(b, sizeof b, &s[1], NOW, w),
                        "[2001:db8::1]:8080  refused     40 s    -          -              2  bad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age),     cmocka_unit_test(test_us),    cmocka_unit_test(test_dest),
        cmocka_unit_test(test_reason),  cmocka_unit_test(test_delay), cmocka_unit_test(test_probe),
        cmocka_unit_test(test_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

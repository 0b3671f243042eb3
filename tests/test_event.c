/* test_event.c - unit tests for the JSON form of log events (src/core/event.c).
 * Covers: a whole "failed" event, byte for byte; keys left out when unset;
 * "lost", "joined" and "warning" events; string escaping per RFC 8259
 * (quote, backslash, the short escapes, other control characters and DEL as
 * \u00XX), UTF-8 of 2, 3 and 4 bytes as \u escapes (surrogate pairs above
 * U+FFFF), invalid UTF-8 (stray continuation bytes, overlong forms, UTF-16
 * surrogates, code points above U+10FFFF, cut sequences) as U+FFFD, every
 * byte 1..255; the output is printable ASCII only; long strings cut at a
 * whole escape with the closing quote kept; a buffer too small gives 0 and
 * "" and nothing written past it; event_time against gmtime_r over a sweep
 * of instants (negative ones, leap days, the year 2100). The bats test
 * bats/logging.bats parses real lines with python3's json module. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "event.h"

static void expect_json(const char *in, const char *want)
{
    char out[2048];
    size_t n = event_json_string(out, sizeof out - 1, in);
    if (strcmp(out, want) != 0)
        fail_msg("event_json_string(\"%s\") gave %s, want %s", in, out, want);
    assert_int_equal(n, strlen(want));
}

static void test_full_event(void **state)
{
    (void)state;
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "failed";
    e.fd = 3;
    e.host = "www.example";
    e.address = "2001:db8::1";
    e.port = 80;
    e.attempt = 1;
    e.error = ECONNREFUSED;
    e.ms = 0;
    char buf[4096];
    size_t n = event_json(buf, sizeof buf, &e, 1714564800123LL, 4242, "curl");
    const char *want = "{\"time\":\"2024-05-01T12:00:00.123Z\",\"pid\":4242,\"program\":\"curl\","
                       "\"event\":\"failed\",\"fd\":3,\"host\":\"www.example\","
                       "\"address\":\"2001:db8::1\",\"port\":80,\"attempt\":1,"
                       "\"errno\":\"ECONNREFUSED\",\"error\":\"Connection refused\",\"ms\":0}\n";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_other_events(void **state)
{
    (void)state;
    char buf[4096];
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "lost";
    e.fd = 0;
    e.host = "h";
    e.port = 0;
    e.addresses = 4;
    e.error = ETIMEDOUT;
    e.ms = 130000;
    event_json(buf, sizeof buf, &e, 0, 1, "p");
    assert_string_equal(buf, "{\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":1,\"program\":\"p\","
                             "\"event\":\"lost\",\"fd\":0,\"host\":\"h\",\"port\":0,\"addresses\":4,"
                             "\"errno\":\"ETIMEDOUT\",\"error\":\"Connection timed out\","
                             "\"ms\":130000}\n");

    struct tryall_event j = TRYALL_EVENT_NONE;
    j.event = "joined";
    j.fd = 7;
    j.host = "h";
    j.port = 443;
    j.addresses = 1;
    j.origin = "late answer";
    j.ms = 12;
    event_json(buf, sizeof buf, &j, 0, 1, "p");
    assert_non_null(strstr(buf, "\"event\":\"joined\",\"fd\":7,\"host\":\"h\",\"origin\":\"late answer\","
                                "\"port\":443,\"addresses\":1,\"ms\":12}\n"));

    struct tryall_event w = TRYALL_EVENT_NONE;
    w.event = "warning";
    w.message = "/etc/libtryall.conf:3: unknown setting: x; line ignored";
    event_json(buf, sizeof buf, &w, 0, 1, "p");
    assert_string_equal(buf, "{\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":1,\"program\":\"p\","
                             "\"event\":\"warning\",\"message\":\"/etc/libtryall.conf:3: unknown "
                             "setting: x; line ignored\"}\n");
    /* nothing set but the event: no fd, no port, no ms */
    struct tryall_event none = TRYALL_EVENT_NONE;
    none.event = "x";
    event_json(buf, sizeof buf, &none, 0, 1, NULL);
    assert_string_equal(buf, "{\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":1,\"program\":\"\","
                             "\"event\":\"x\"}\n");
}

static void test_escapes(void **state)
{
    (void)state;
    expect_json("", "\"\"");
    expect_json("plain.example", "\"plain.example\"");
    expect_json("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    expect_json("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    expect_json("\x01\x1b\x1f\x7f", "\"\\u0001\\u001b\\u001f\\u007f\"");
    expect_json("caf\xc3\xa9", "\"caf\\u00e9\"");                 /* 2 bytes */
    expect_json("\xe2\x80\xae" "x", "\"\\u202ex\"");               /* RLO, 3 bytes */
    expect_json("\xef\xbb\xbf", "\"\\ufeff\"");
    expect_json("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");         /* 4 bytes: a pair */
    expect_json("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"");         /* U+10FFFF */
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_json("\x80", "\"\\ufffd\"");                 /* stray continuation */
    expect_json("a\xbf" "b", "\"a\\ufffdb\"");
    expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");      /* overlong '/' */
    expect_json("\xc1\xbf", "\"\\ufffd\\ufffd\"");
    expect_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");   /* a UTF-16 surrogate */
    expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");   /* > U+10FFFF */
    expect_json("\xf5\x80", "\"\\ufffd\\ufffd\"");
    expect_json("\xff\xfe", "\"\\ufffd\\ufffd\"");
    expect_json("\xc3", "\"\\ufffd\"");                  /* cut at the end */
    expect_json("\xe2\x80", "\"\\ufffd\\ufffd\"");
    expect_json("\xe2\x80x", "\"\\ufffd\\ufffdx\"");
}

static void test_every_byte_ascii_out(void **state)
{
    (void)state;
    char in[256], out[256 * 12 + 8];
    for (int b = 1; b < 256; b++)
        in[b - 1] = (char)b;
    in[255] = '\0';
    size_t n = event_json_string(out, sizeof out - 1, in);
    assert_int_equal(n, strlen(out));
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
            fail_msg("byte %02x at %zu is not printable ASCII", (unsigned char)out[i], i);
    /* every quote inside is escaped: the string ends at the last byte only */
    for (size_t i = 1; i + 1 < n; i++)
        if (out[i] == '"' && out[i - 1] != '\\')
            fail_msg("an unescaped quote at %zu", i);
}

static void test_cut_strings(void **state)
{
    (void)state;
    char out[64];
    /* room for 10 bytes: a quote, 8 of text, a quote */
    memset(out, '#', sizeof out);
    size_t n = event_json_string(out, 10, "abcdefghijkl");
    assert_string_equal(out, "\"abcdefgh\"");
    assert_int_equal(n, 10);
    /* an escape that does not fit is left out whole */
    n = event_json_string(out, 10, "abcdef\x01");
    assert_string_equal(out, "\"abcdef\"");
    n = event_json_string(out, 16, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    assert_string_equal(out, "\"\\ud83d\\ude00\"");
    assert_int_equal(out[n + 1], '#');
    /* the minimum */
    n = event_json_string(out, 2, "abc");
    assert_string_equal(out, "\"\"");

    /* a host name of 8000 bytes of ESC: still one valid line, cut */
    static char big[8001];
    memset(big, 0x1b, 8000);
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "started";
    e.host = big;
    e.fd = 1;
    char buf[4096];
    n = event_json(buf, sizeof buf, &e, 0, 1, "p");
    assert_true(n > 1000 && n < sizeof buf);
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(buf[n - 2], '}');
    assert_non_null(strstr(buf, "\"fd\":1,\"host\":\"\\u001b"));
    assert_non_null(strstr(buf, "\\u001b\"}\n"));
}

static void test_too_small(void **state)
{
    (void)state;
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "failed";
    e.host = "www.example";
    e.error = ECONNREFUSED;
    char whole[512];
    size_t need = event_json(whole, sizeof whole, &e, 0, 1, "p");
    assert_true(need > 0);
    for (size_t cap = 0; cap <= need + 1; cap++) {
        char buf[600];
        memset(buf, '#', sizeof buf);
        size_t n = event_json(buf, cap, &e, 0, 1, "p");
        for (size_t i = cap; i < sizeof buf; i++)
            if (buf[i] != '#')
                fail_msg("cap %zu: byte %zu written", cap, i);
        if (cap > need) {
            assert_int_equal(n, need);
            assert_string_equal(buf, whole);
        } else {
            assert_int_equal(n, 0);
            if (cap)
                assert_int_equal(buf[0], '\0');
        }
    }
}

static void test_time(void **state)
{
    (void)state;
    char out[64];
    event_time(out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    event_time(out, -1);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    event_time(out, 951782400000LL);   /* 2000-02-29 */
    assert_string_equal(out, "2000-02-29T00:00:00.000Z");
    event_time(out, 4107542399999LL);
    assert_string_equal(out, "2100-02-28T23:59:59.999Z");

    /* against gmtime_r: every 7 hours 13 minutes for 400 years from 1900 */
    for (long long s = -2208988800LL; s < 10413792000LL; s += 25980 + 7) {
        struct tm tm;
        time_t t = (time_t)s;
        assert_non_null(gmtime_r(&t, &tm));
        char want[64];
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(s % 1000 + 1000) % 1000);
        event_time(out, s * 1000 + (s % 1000 + 1000) % 1000);
        if (strcmp(out, want) != 0)
            fail_msg("%lld s: %s, want %s", s, out, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_event),
        cmocka_unit_test(test_other_events),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_every_byte_ascii_out),
        cmocka_unit_test(test_cut_strings),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_time),
    };
    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}

/* test_nat64.c - unit tests for the NAT64 arithmetic (src/core/nat64.c):
 * RFC 6052 section 2.4's own examples for every prefix length and the
 * well-known prefix, both ways; RFC 7050 discovery from ipv4only.arpa's
 * AAAA at every length; the u octet; the addresses never synthesized. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <string.h>
#include <cmocka.h>

#include "nat64.h"

static struct nat64_prefix prefix(const char *text, unsigned len)
{
    struct nat64_prefix p;
    memset(&p, 0, sizeof p);
    assert_int_equal(inet_pton(AF_INET6, text, p.bytes), 1);
    p.len = len;
    return p;
}

static void v6(const char *text, uint8_t out[16])
{
    assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

/* RFC 6052 section 2.4, table: 192.0.2.33 under each prefix. */
static const struct { const char *prefix; unsigned len; const char *synth; } rfc6052[] = {
    { "2001:db8::", 32, "2001:db8:c000:221::" },
    { "2001:db8:100::", 40, "2001:db8:1c0:2:21::" },
    { "2001:db8:122::", 48, "2001:db8:122:c000:2:2100::" },
    { "2001:db8:122:300::", 56, "2001:db8:122:3c0:0:221::" },
    { "2001:db8:122:344::", 64, "2001:db8:122:344:c0:2:2100:0" },
    { "2001:db8:122:344::", 96, "2001:db8:122:344::192.0.2.33" },
    { "64:ff9b::", 96, "64:ff9b::192.0.2.33" },
};
static const uint8_t v4_33[4] = { 192, 0, 2, 33 };

static void test_synth_rfc6052_table(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof rfc6052 / sizeof rfc6052[0]; i++) {
        struct nat64_prefix p = prefix(rfc6052[i].prefix, rfc6052[i].len);
        uint8_t got[16], want[16];
        v6(rfc6052[i].synth, want);
        assert_int_equal(nat64_synth(&p, v4_33, got), 0);
        assert_memory_equal(got, want, 16);
    }
}

static void test_extract_rfc6052_table(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof rfc6052 / sizeof rfc6052[0]; i++) {
        uint8_t a[16], v4[4];
        struct nat64_prefix p, want = prefix(rfc6052[i].prefix, rfc6052[i].len);
        v6(rfc6052[i].synth, a);
        assert_int_equal(nat64_extract(a, rfc6052[i].len, v4, &p), 0);
        assert_memory_equal(v4, v4_33, 4);
        assert_int_equal(p.len, want.len);
        assert_memory_equal(p.bytes, want.bytes, 16);
    }
}

static void test_bad_lengths_and_u_octet(void **state)
{
    (void)state;
    struct nat64_prefix p = prefix("2001:db8::", 33), q;
    uint8_t out[16], v4[4];
    assert_int_equal(nat64_synth(&p, v4_33, out), -1);
    v6("2001:db8:122:344:c0:2:2100:0", out);
    assert_int_equal(nat64_extract(out, 72, v4, &q), -1);
    out[8] = 1;   /* the u octet must be zero */
    assert_int_equal(nat64_extract(out, 64, v4, &q), -1);
}

static void test_wka_every_length(void **state)
{
    (void)state;
    static const uint8_t wka[2][4] = { { 192, 0, 0, 170 }, { 192, 0, 0, 171 } };
    for (unsigned i = 0; i < sizeof rfc6052 / sizeof rfc6052[0]; i++)
        for (int k = 0; k < 2; k++) {
            struct nat64_prefix p = prefix(rfc6052[i].prefix, rfc6052[i].len), got;
            uint8_t a[16];
            assert_int_equal(nat64_synth(&p, wka[k], a), 0);
            assert_int_equal(nat64_from_wka(a, &got), 0);
            assert_int_equal(got.len, p.len);
            assert_memory_equal(got.bytes, p.bytes, 16);
        }
}

static void test_wka_absent(void **state)
{
    (void)state;
    struct nat64_prefix got;
    uint8_t a[16];
    v6("2001:db8::1", a);
    assert_int_equal(nat64_from_wka(a, &got), -1);
    v6("64:ff9b::192.0.2.33", a);   /* a NAT64 address, but not of the WKA */
    assert_int_equal(nat64_from_wka(a, &got), -1);
}

static void test_allowed(void **state)
{
    (void)state;
    struct nat64_prefix nsp = prefix("2001:db8:64::", 96);
    static const uint8_t never[][4] = {
        { 0, 1, 2, 3 }, { 127, 0, 0, 1 }, { 169, 254, 1, 1 }, { 224, 0, 0, 1 },
        { 239, 255, 255, 250 }, { 240, 0, 0, 1 }, { 255, 255, 255, 255 },
    };
    static const uint8_t private_[][4] = {
        { 10, 1, 2, 3 }, { 100, 64, 0, 1 }, { 172, 16, 0, 1 }, { 172, 31, 255, 1 },
        { 192, 0, 0, 9 }, { 192, 0, 2, 33 }, { 192, 168, 1, 1 }, { 198, 18, 0, 1 },
        { 198, 19, 0, 1 }, { 198, 51, 100, 7 }, { 203, 0, 113, 9 },
    };
    static const uint8_t global[][4] = { { 8, 8, 8, 8 }, { 172, 32, 0, 1 }, { 198, 20, 0, 1 } };
    for (unsigned i = 0; i < sizeof never / sizeof never[0]; i++) {
        assert_false(nat64_allowed(&nsp, never[i]));
        assert_false(nat64_allowed(&nat64_wkp, never[i]));
    }
    for (unsigned i = 0; i < sizeof private_ / sizeof private_[0]; i++) {
        assert_true(nat64_allowed(&nsp, private_[i]));      /* a network-specific prefix may */
        assert_false(nat64_allowed(&nat64_wkp, private_[i])); /* the well-known one must not */
    }
    for (unsigned i = 0; i < sizeof global / sizeof global[0]; i++)
        assert_true(nat64_allowed(&nat64_wkp, global[i]));
}

static void test_prefix_str(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(nat64_prefix_str(&nat64_wkp, b, sizeof b), "64:ff9b::/96");
    struct nat64_prefix p = prefix("2001:db8:100::", 40);
    assert_string_equal(nat64_prefix_str(&p, b, sizeof b), "2001:db8:100::/40");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_rfc6052_table),
        cmocka_unit_test(test_extract_rfc6052_table),
        cmocka_unit_test(test_bad_lengths_and_u_octet),
        cmocka_unit_test(test_wka_every_length),
        cmocka_unit_test(test_wka_absent),
        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_prefix_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

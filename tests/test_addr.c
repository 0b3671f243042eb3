/* test_addr.c - unit tests for src/addr.c (the compact address form).
 * Covers: addr_from_sockaddr for AF_INET, AF_INET6 and v4-mapped IPv6
 * (which must become AF_INET), rejection of other families and of short
 * lengths; addr_port; addr_to_sockaddr round trips with the port, AF_INET
 * addresses into AF_INET6 sockets (v4-mapped), AF_INET6 addresses into
 * AF_INET sockets (0 = cannot be expressed); addr_equal; addr_str. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <cmocka.h>

#include "addr.h"

static struct sockaddr_in mk_sin(const char *ip, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    assert_int_equal(inet_pton(AF_INET, ip, &s.sin_addr), 1);
    return s;
}

static struct sockaddr_in6 mk_sin6(const char *ip, uint16_t port)
{
    struct sockaddr_in6 s;
    memset(&s, 0, sizeof s);
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
    return s;
}

static void test_from_v4(void **state)
{
    (void)state;
    struct sockaddr_in s = mk_sin("192.0.2.7", 443);
    struct tryall_addr a;
    memset(&a, 0x5a, sizeof a);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
    assert_int_equal(a.family, AF_INET);
    const uint8_t want[4] = { 192, 0, 2, 7 };
    assert_memory_equal(a.bytes, want, 4);
}

static void test_from_v6(void **state)
{
    (void)state;
    struct sockaddr_in6 s = mk_sin6("2001:db8::1:2", 80);
    struct tryall_addr a;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_memory_equal(a.bytes, &s.sin6_addr, 16);
}

static void test_from_v4mapped_becomes_v4(void **state)
{
    (void)state;
    struct sockaddr_in6 s = mk_sin6("::ffff:198.51.100.9", 8080);
    struct tryall_addr a;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
    assert_int_equal(a.family, AF_INET);
    const uint8_t want[4] = { 198, 51, 100, 9 };
    assert_memory_equal(a.bytes, want, 4);

    /* ...and it is the same address as the plain AF_INET form. */
    struct sockaddr_in s4 = mk_sin("198.51.100.9", 1);
    struct tryall_addr b;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, sizeof s4, &b), 0);
    assert_true(addr_equal(&a, &b));
}

static void test_from_v4compat_is_not_mapped(void **state)
{
    (void)state;
    /* ::192.0.2.1 (deprecated v4-compatible) and 64:ff9b::/96 are real IPv6
     * addresses: only ::ffff:0:0/96 is v4-mapped. */
    const char *ips[] = { "::c000:201", "64:ff9b::c000:201", "::1", "ffff::c000:201" };
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
        struct sockaddr_in6 s = mk_sin6(ips[i], 1);
        struct tryall_addr a;
        assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_memory_equal(a.bytes, &s.sin6_addr, 16);
    }
}

static void test_from_bad_family(void **state)
{
    (void)state;
    struct tryall_addr a;
    struct sockaddr_un su;
    memset(&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    strcpy(su.sun_path, "/tmp/sock");
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&su, sizeof su, &a), -1);

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNSPEC;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&ss, sizeof ss, &a), -1);
}

static void test_from_short_length(void **state)
{
    (void)state;
    struct tryall_addr a;
    struct sockaddr_in s4 = mk_sin("192.0.2.1", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, sizeof s4 - 1, &a), -1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, sizeof(sa_family_t), &a), -1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, 0, &a), -1);

    struct sockaddr_in6 s6 = mk_sin6("2001:db8::1", 1);
    /* A sockaddr_in6 cut to the size of a sockaddr_in is not usable. */
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s6, sizeof(struct sockaddr_in), &a), -1);
    /* Cut just before the end of sin6_addr. */
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s6,
                                        offsetof(struct sockaddr_in6, sin6_addr) + 15, &a), -1);
    /* A v4-mapped address is still an AF_INET6 sockaddr: a short one is bad too. */
    struct sockaddr_in6 m = mk_sin6("::ffff:192.0.2.1", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&m, sizeof(struct sockaddr_in), &a), -1);
}

static void test_from_longer_length_ok(void **state)
{
    (void)state;
    /* connect() callers often pass sizeof(struct sockaddr_storage). */
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in s4 = mk_sin("203.0.113.5", 1);
    memcpy(&ss, &s4, sizeof s4);
    struct tryall_addr a;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&ss, sizeof ss, &a), 0);
    assert_int_equal(a.family, AF_INET);
}

static void test_port(void **state)
{
    (void)state;
    struct sockaddr_in s4 = mk_sin("192.0.2.1", 443);
    struct sockaddr_in6 s6 = mk_sin6("2001:db8::1", 65535);
    assert_int_equal(addr_port((struct sockaddr *)&s4), 443);
    assert_int_equal(addr_port((struct sockaddr *)&s6), 65535);
    struct sockaddr_un su;
    memset(&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    assert_int_equal(addr_port((struct sockaddr *)&su), 0);
}

static void test_to_sockaddr_v4_round_trip(void **state)
{
    (void)state;
    struct sockaddr_in s = mk_sin("192.0.2.44", 8443);
    struct tryall_addr a, b;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);

    struct sockaddr_storage out;
    memset(&out, 0xee, sizeof out);
    socklen_t len = addr_to_sockaddr(&a, 8443, AF_INET, &out);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    const struct sockaddr_in *o = (const struct sockaddr_in *)&out;
    assert_int_equal(o->sin_family, AF_INET);
    assert_int_equal(ntohs(o->sin_port), 8443);
    assert_memory_equal(&o->sin_addr, &s.sin_addr, 4);
    /* sin_zero must be cleared, not left as garbage. */
    const char zero[sizeof o->sin_zero] = { 0 };
    assert_memory_equal(o->sin_zero, zero, sizeof zero);

    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&out, len, &b), 0);
    assert_true(addr_equal(&a, &b));
    assert_int_equal(addr_port((struct sockaddr *)&out), 8443);
}

static void test_to_sockaddr_v6_round_trip(void **state)
{
    (void)state;
    struct sockaddr_in6 s = mk_sin6("2001:db8:aa::bb", 22);
    struct tryall_addr a, b;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);

    struct sockaddr_storage out;
    memset(&out, 0xee, sizeof out);
    socklen_t len = addr_to_sockaddr(&a, 22, AF_INET6, &out);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *o = (const struct sockaddr_in6 *)&out;
    assert_int_equal(o->sin6_family, AF_INET6);
    assert_int_equal(ntohs(o->sin6_port), 22);
    assert_memory_equal(&o->sin6_addr, &s.sin6_addr, 16);
    assert_int_equal(o->sin6_flowinfo, 0);
    assert_int_equal(o->sin6_scope_id, 0);

    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&out, len, &b), 0);
    assert_true(addr_equal(&a, &b));
}

static void test_to_sockaddr_v4_into_v6_socket_is_mapped(void **state)
{
    (void)state;
    struct sockaddr_in s = mk_sin("198.51.100.200", 993);
    struct tryall_addr a, b;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);

    struct sockaddr_storage out;
    memset(&out, 0xee, sizeof out);
    socklen_t len = addr_to_sockaddr(&a, 993, AF_INET6, &out);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *o = (const struct sockaddr_in6 *)&out;
    assert_int_equal(o->sin6_family, AF_INET6);
    assert_int_equal(ntohs(o->sin6_port), 993);
    struct in6_addr want;
    assert_int_equal(inet_pton(AF_INET6, "::ffff:198.51.100.200", &want), 1);
    assert_memory_equal(&o->sin6_addr, &want, 16);
    assert_true(IN6_IS_ADDR_V4MAPPED(&o->sin6_addr));
    assert_int_equal(o->sin6_flowinfo, 0);
    assert_int_equal(o->sin6_scope_id, 0);

    /* and back: the mapped form is the same compact AF_INET address */
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&out, len, &b), 0);
    assert_int_equal(b.family, AF_INET);
    assert_true(addr_equal(&a, &b));
}

static void test_to_sockaddr_v6_into_v4_socket_fails(void **state)
{
    (void)state;
    struct sockaddr_in6 s = mk_sin6("2001:db8::5", 80);
    struct tryall_addr a;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
    struct sockaddr_storage out;
    assert_int_equal(addr_to_sockaddr(&a, 80, AF_INET, &out), 0);
}

static void test_to_sockaddr_bad_socket_family(void **state)
{
    (void)state;
    struct sockaddr_in s = mk_sin("192.0.2.1", 80);
    struct tryall_addr a;
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s, sizeof s, &a), 0);
    struct sockaddr_storage out;
    assert_int_equal(addr_to_sockaddr(&a, 80, AF_UNIX, &out), 0);
    assert_int_equal(addr_to_sockaddr(&a, 80, AF_UNSPEC, &out), 0);
}

static void test_equal(void **state)
{
    (void)state;
    struct tryall_addr a, b, c, d;
    struct sockaddr_in s1 = mk_sin("192.0.2.1", 1), s2 = mk_sin("192.0.2.2", 1);
    struct sockaddr_in6 s3 = mk_sin6("::c000:201", 1); /* same 4 bytes, in the last 4 */
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s1, sizeof s1, &a), 0);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s2, sizeof s2, &b), 0);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s3, sizeof s3, &c), 0);
    assert_true(addr_equal(&a, &a));
    assert_false(addr_equal(&a, &b));
    assert_false(addr_equal(&a, &c));
    assert_false(addr_equal(&c, &a));

    /* AF_INET uses only the first 4 bytes: the rest must not matter. */
    memset(&d, 0, sizeof d);
    d.family = AF_INET;
    memcpy(d.bytes, a.bytes, 4);
    memset(d.bytes + 4, 0x77, 12);
    assert_true(addr_equal(&a, &d));

    /* An AF_INET6 address whose first 4 bytes equal an AF_INET one is different. */
    struct tryall_addr e;
    memset(&e, 0, sizeof e);
    e.family = AF_INET6;
    memcpy(e.bytes, a.bytes, 4);
    struct tryall_addr f;
    memset(&f, 0, sizeof f);
    f.family = AF_INET;
    memcpy(f.bytes, a.bytes, 4);
    assert_false(addr_equal(&e, &f));
}

static void test_str(void **state)
{
    (void)state;
    char buf[46];
    struct tryall_addr a;
    struct sockaddr_in s4 = mk_sin("192.0.2.1", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, sizeof s4, &a), 0);
    assert_string_equal(addr_str(&a, buf, sizeof buf), "192.0.2.1");

    struct sockaddr_in6 s6 = mk_sin6("2001:0db8:0000:0000:0000:0000:0000:0001", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s6, sizeof s6, &a), 0);
    const char *r = addr_str(&a, buf, sizeof buf);
    assert_non_null(r);
    assert_string_equal(r, "2001:db8::1");

    /* mapped input prints as plain IPv4 */
    struct sockaddr_in6 m = mk_sin6("::ffff:10.1.2.3", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&m, sizeof m, &a), 0);
    assert_string_equal(addr_str(&a, buf, sizeof buf), "10.1.2.3");

    /* the longest IPv6 text form fits in 46 bytes */
    struct sockaddr_in6 l = mk_sin6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 1);
    assert_int_equal(addr_from_sockaddr((struct sockaddr *)&l, sizeof l, &a), 0);
    r = addr_str(&a, buf, sizeof buf);
    assert_non_null(r);
    struct in6_addr back;
    assert_int_equal(inet_pton(AF_INET6, r, &back), 1);
    assert_memory_equal(&back, &l.sin6_addr, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_v4),
        cmocka_unit_test(test_from_v6),
        cmocka_unit_test(test_from_v4mapped_becomes_v4),
        cmocka_unit_test(test_from_v4compat_is_not_mapped),
        cmocka_unit_test(test_from_bad_family),
        cmocka_unit_test(test_from_short_length),
        cmocka_unit_test(test_from_longer_length_ok),
        cmocka_unit_test(test_port),
        cmocka_unit_test(test_to_sockaddr_v4_round_trip),
        cmocka_unit_test(test_to_sockaddr_v6_round_trip),
        cmocka_unit_test(test_to_sockaddr_v4_into_v6_socket_is_mapped),
        cmocka_unit_test(test_to_sockaddr_v6_into_v4_socket_fails),
        cmocka_unit_test(test_to_sockaddr_bad_socket_family),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_str),
    };
    return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}

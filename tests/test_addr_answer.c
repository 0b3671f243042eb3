/* test_addr_answer.c - unit tests for addr_from_answer (src/core/addr.c):
 * the addresses of a getaddrinfo answer the book is given. Found by the
 * chaos scenario (bats/chaos.bats): the answer was read entry by entry up
 * to BOOK_MAX_ADDRS, so with no socktype in the hints (one entry per
 * socktype: three per address, netcat's way) only the first 11 addresses
 * were seen, and a long answer of one family cut off the other family at
 * its end: a working address of the name was never raced. Owns: the
 * distinct addresses in answer order; entries repeated per socktype count
 * once; each family read up to ADDR_ANSWER_PER_FAMILY, so the other family
 * of a long answer is still there; v4-mapped IPv6 as IPv4; entries with no
 * or an unusable address skipped; an empty answer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"

enum { MAXE = 200 };
static struct addrinfo ai[MAXE];
static struct sockaddr_storage ss[MAXE];
static unsigned nai;

/* Append an entry for the literal address txt (socktype st) to the answer. */
static void entry(const char *txt, int st)
{
    struct addrinfo *e = &ai[nai];
    memset(e, 0, sizeof *e);
    e->ai_socktype = st;
    if (strchr(txt, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss[nai];
        memset(s6, 0, sizeof *s6);
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, txt, &s6->sin6_addr);
        e->ai_family = AF_INET6;
        e->ai_addrlen = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss[nai];
        memset(s4, 0, sizeof *s4);
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, txt, &s4->sin_addr);
        e->ai_family = AF_INET;
        e->ai_addrlen = sizeof *s4;
    }
    e->ai_addr = (struct sockaddr *)&ss[nai];
    if (nai > 0)
        ai[nai - 1].ai_next = e;
    nai++;
}

static int setup(void **state)
{
    (void)state;
    nai = 0;
    memset(ai, 0, sizeof ai);
    return 0;
}

static void assert_addr(const struct tryall_addr *a, const char *want)
{
    char buf[64];
    addr_str(a, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("got %s, want %s", buf, want);
}

static void test_socktypes_count_once(void **state)
{
    (void)state;
    char txt[32];
    for (unsigned i = 1; i <= 12; i++) {
        snprintf(txt, sizeof txt, "192.0.2.%u", i);
        entry(txt, SOCK_STREAM);
        entry(txt, SOCK_DGRAM);
        entry(txt, SOCK_RAW);
    }
    for (int st = 1; st <= 3; st++)
        entry("2001:db8::1", st);
    struct tryall_addr a[ADDR_ANSWER_MAX];
    unsigned n = addr_from_answer(&ai[0], a);
    assert_int_equal(n, 13);
    assert_addr(&a[0], "192.0.2.1");
    assert_addr(&a[11], "192.0.2.12");
    assert_addr(&a[12], "2001:db8::1");
}

static void test_long_answer_keeps_other_family(void **state)
{
    (void)state;
    char txt[32];
    for (unsigned i = 1; i <= 60; i++) {
        snprintf(txt, sizeof txt, "198.51.100.%u", i);
        entry(txt, SOCK_STREAM);
    }
    entry("2001:db8::7", SOCK_STREAM);
    entry("2001:db8::8", SOCK_STREAM);
    struct tryall_addr a[ADDR_ANSWER_MAX];
    unsigned n = addr_from_answer(&ai[0], a);
    assert_int_equal(n, ADDR_ANSWER_PER_FAMILY + 2);
    assert_addr(&a[0], "198.51.100.1");
    assert_addr(&a[ADDR_ANSWER_PER_FAMILY - 1], "198.51.100.32");
    assert_addr(&a[ADDR_ANSWER_PER_FAMILY], "2001:db8::7");
    assert_addr(&a[ADDR_ANSWER_PER_FAMILY + 1], "2001:db8::8");
}

static void test_mapped_and_unusable(void **state)
{
    (void)state;
    entry("::ffff:192.0.2.9", SOCK_STREAM);
    entry("192.0.2.9", SOCK_DGRAM);          /* the same address */
    entry("2001:db8::9", SOCK_STREAM);
    ai[nai - 1].ai_addr = NULL;              /* no address at all */
    entry("2001:db8::a", SOCK_STREAM);
    ai[nai - 1].ai_addrlen = 4;              /* too short to be one */
    entry("2001:db8::b", SOCK_STREAM);
    struct tryall_addr a[ADDR_ANSWER_MAX];
    unsigned n = addr_from_answer(&ai[0], a);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].family, AF_INET);
    assert_addr(&a[0], "192.0.2.9");
    assert_addr(&a[1], "2001:db8::b");
    assert_int_equal(addr_from_answer(NULL, a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_socktypes_count_once, setup),
        cmocka_unit_test_setup(test_long_answer_keeps_other_family, setup),
        cmocka_unit_test_setup(test_mapped_and_unusable, setup),
    };
    return cmocka_run_group_tests_name("addr_answer", tests, NULL, NULL);
}

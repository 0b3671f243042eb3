/* test_resolve_config.c - unit tests for the settings of issue 11:
 * TRYALL_COMPLETE (0/1, default 1) and TRYALL_RESOLVE_DELAY_MS (0..10000,
 * default 50), parsed by config_parse with an injected getenv: accepted
 * values, and for bad ones the default kept with one warning naming the
 * variable (and its range). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "conftest.h"   /* fake_env, fake_get, warn, count_lines */

#define N(a) ((unsigned)(sizeof (a) / sizeof (a)[0]))

/* ---- config: TRYALL_COMPLETE, TRYALL_RESOLVE_DELAY_MS ------------------ */

static void parse1(struct tryall_config *c, const char *var)
{
    const char *env[] = { var, NULL };
    fake_env = var ? env : NULL;
    memset(c, 0xa5, sizeof *c);
    memset(warn, 'W', sizeof warn);
    config_parse(c, fake_get, warn, sizeof warn);
    fake_env = NULL;
    assert_non_null(memchr(warn, '\0', sizeof warn));
}

/* s names the variable as a whole word (not inside a longer name) */
static int names(const char *s, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(s, name); p; p = strstr(p + 1, name)) {
        char before = p == s ? ' ' : p[-1], after = p[len];
        if (!(before == '_' || (before >= 'A' && before <= 'Z')) &&
            !(after == '_' || (after >= 'A' && after <= 'Z')))
            return 1;
    }
    return 0;
}

static void test_config_defaults(void **state)
{
    (void)state;
    struct tryall_config c;
    parse1(&c, NULL);
    assert_int_equal(c.complete, 1);
    assert_int_equal(c.resolve_delay_ms, 50);
    assert_string_equal(warn, "");
}

static void test_config_complete(void **state)
{
    (void)state;
    struct tryall_config c;
    parse1(&c, "TRYALL_COMPLETE=0");
    assert_int_equal(c.complete, 0);
    assert_string_equal(warn, "");
    parse1(&c, "TRYALL_COMPLETE=1");
    assert_int_equal(c.complete, 1);
    assert_string_equal(warn, "");
    parse1(&c, "TRYALL_COMPLETE=");   /* empty: unset, silently (as TRYALL_DISABLE) */
    assert_int_equal(c.complete, 1);
    assert_string_equal(warn, "");

    const char *bad[] = { "2", "yes", "no", "true", "00", "10", "-1", "1x" };
    char buf[64];
    for (unsigned i = 0; i < N(bad); i++) {
        snprintf(buf, sizeof buf, "TRYALL_COMPLETE=%s", bad[i]);
        parse1(&c, buf);
        if (c.complete != 1)
            fail_msg("TRYALL_COMPLETE=%s gave %d, want the default 1", bad[i], c.complete);
        if (!names(warn, "TRYALL_COMPLETE") || count_lines(warn) != 1)
            fail_msg("TRYALL_COMPLETE=%s: want one warning naming it, got '%s'", bad[i], warn);
        assert_int_equal(c.resolve_delay_ms, 50);
    }
}

static void test_config_resolve_delay(void **state)
{
    (void)state;
    struct tryall_config c;
    struct { const char *v; unsigned want; } ok[] = {
        { "0", 0 }, { "1", 1 }, { "50", 50 }, { "250", 250 }, { "10000", 10000 },
    };
    char buf[64];
    for (unsigned i = 0; i < N(ok); i++) {
        snprintf(buf, sizeof buf, "TRYALL_RESOLVE_DELAY_MS=%s", ok[i].v);
        parse1(&c, buf);
        if (c.resolve_delay_ms != ok[i].want || warn[0])
            fail_msg("%s gave %u (warn '%s'), want %u", buf, c.resolve_delay_ms, warn, ok[i].want);
        assert_int_equal(c.delay_ms, TRYALL_DELAY_DEFAULT);   /* not the race's delay */
    }

    const char *bad[] = { "10001", "-1", "abc", "50ms", "1.5", "", "99999999999999999999" };
    for (unsigned i = 0; i < N(bad); i++) {
        snprintf(buf, sizeof buf, "TRYALL_RESOLVE_DELAY_MS=%s", bad[i]);
        parse1(&c, buf);
        if (c.resolve_delay_ms != 50)
            fail_msg("%s gave %u, want the default 50", buf, c.resolve_delay_ms);
        if (!names(warn, "TRYALL_RESOLVE_DELAY_MS") || !strstr(warn, "0..10000") ||
            count_lines(warn) != 1)
            fail_msg("%s: want one warning naming it and 0..10000, got '%s'", buf, warn);
        if (names(warn, "TRYALL_DELAY_MS"))
            fail_msg("%s: the warning names TRYALL_DELAY_MS: '%s'", buf, warn);
        assert_int_equal(c.delay_ms, TRYALL_DELAY_DEFAULT);
        assert_int_equal(c.complete, 1);
    }

    /* a bad TRYALL_DELAY_MS is not blamed on (nor changes) the resolve delay */
    parse1(&c, "TRYALL_DELAY_MS=5");
    assert_int_equal(c.resolve_delay_ms, 50);
    assert_true(names(warn, "TRYALL_DELAY_MS"));
    assert_false(names(warn, "TRYALL_RESOLVE_DELAY_MS"));
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_complete),
        cmocka_unit_test(test_config_resolve_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

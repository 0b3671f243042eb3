/* test_config.c - unit tests for src/config.c (settings from the environment).
 * Covers: config_parse with an injected getter: defaults (delay 250, quiet,
 * not disabled, stderr) with no warning; TRYALL_DELAY_MS valid values and
 * bounds, and below 10, above 60000, non-numeric, trailing junk, negative,
 * overflowing and empty values (default + a warning line naming the
 * variable); TRYALL_LOG=fail/trace/quiet/garbage; TRYALL_LOG_FILE (and one
 * too long for TRYALL_PATH_MAX); TRYALL_DISABLE=1/0/empty/other; several
 * warnings appended as separate lines; warn truncated but NUL-terminated and
 * never overrun; errno untouched; tryall_config() reading the real
 * environment once only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "conftest.h"   /* fake_env, fake_get, warn, count_lines */

static void parse(struct tryall_config *c, const char *const *env)
{
    fake_env = env;
    memset(c, 0xa5, sizeof *c);          /* config_parse must set every field */
    memset(warn, 'W', sizeof warn);
    config_parse(c, fake_get, warn, sizeof warn);
    assert_non_null(memchr(warn, '\0', sizeof warn));
}

/* Does s mention the variable name (not as a prefix of a longer name)? */
static int mentions(const char *s, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(s, name); p; p = strstr(p + 1, name)) {
        char after = p[len];
        if (!((after >= 'A' && after <= 'Z') || after == '_'))
            return 1;
    }
    return 0;
}

static void assert_defaults(const struct tryall_config *c)
{
    assert_int_equal(c->disabled, 0);
    assert_int_equal(c->delay_ms, TRYALL_DELAY_DEFAULT);
    assert_int_equal(c->log_level, TRYALL_LOG_QUIET);
    assert_string_equal(c->log_file, "");
}

static void test_defaults(void **state)
{
    (void)state;
    struct tryall_config c;
    parse(&c, NULL);
    assert_defaults(&c);
    assert_int_equal(c.delay_ms, 250);
    assert_string_equal(warn, "");

    /* unrelated variables change nothing */
    const char *env[] = { "PATH=/bin", "TRYALL=1", "TRYALL_DELAY=5", NULL };
    parse(&c, env);
    assert_defaults(&c);
    assert_string_equal(warn, "");
}

static void test_delay_valid(void **state)
{
    (void)state;
    struct { const char *v; unsigned want; } ok[] = {
        { "100", 100 }, { "10", 10 }, { "60000", 60000 }, { "250", 250 }, { "0300", 300 },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        snprintf(buf, sizeof buf, "TRYALL_DELAY_MS=%s", ok[i].v);
        const char *env[] = { buf, NULL };
        struct tryall_config c;
        parse(&c, env);
        if (c.delay_ms != ok[i].want)
            fail_msg("TRYALL_DELAY_MS=%s gave %u, want %u", ok[i].v, c.delay_ms, ok[i].want);
        if (warn[0])
            fail_msg("TRYALL_DELAY_MS=%s warned: %s", ok[i].v, warn);
    }
}

static void test_delay_bad(void **state)
{
    (void)state;
    const char *bad[] = {
        "9", "0", "60001", "1000000", "-5", "-250", "abc", "100ms", "25x0", "1.5",
        "", "99999999999999999999999", "0x20",
    };
    char buf[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, "TRYALL_DELAY_MS=%s", bad[i]);
        const char *env[] = { buf, NULL };
        struct tryall_config c;
        parse(&c, env);
        if (c.delay_ms != TRYALL_DELAY_DEFAULT)
            fail_msg("TRYALL_DELAY_MS='%s' gave %u, want the default", bad[i], c.delay_ms);
        if (!strstr(warn, "TRYALL_DELAY_MS"))
            fail_msg("TRYALL_DELAY_MS='%s': no warning naming the variable (warn='%s')",
                     bad[i], warn);
        assert_int_equal(count_lines(warn), 1);
        /* the rest is untouched */
        assert_int_equal(c.disabled, 0);
        assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
        assert_string_equal(c.log_file, "");
    }
}

static void test_log_level(void **state)
{
    (void)state;
    struct tryall_config c;
    const char *fail_[] = { "TRYALL_LOG=fail", NULL };
    parse(&c, fail_);
    assert_int_equal(c.log_level, TRYALL_LOG_FAIL);
    assert_string_equal(warn, "");

    const char *trace[] = { "TRYALL_LOG=trace", NULL };
    parse(&c, trace);
    assert_int_equal(c.log_level, TRYALL_LOG_TRACE);
    assert_string_equal(warn, "");

    const char *quiet[] = { "TRYALL_LOG=quiet", NULL };   /* accepted by config.c */
    parse(&c, quiet);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_string_equal(warn, "");

    const char *garbage[] = { "TRYALL_LOG=verbose", NULL };
    parse(&c, garbage);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_non_null(strstr(warn, "TRYALL_LOG"));
    assert_int_equal(count_lines(warn), 1);

    const char *prefix[] = { "TRYALL_LOG=failure", NULL };
    parse(&c, prefix);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_non_null(strstr(warn, "TRYALL_LOG"));
}

static void test_log_file(void **state)
{
    (void)state;
    struct tryall_config c;
    const char *env[] = { "TRYALL_LOG_FILE=/var/tmp/tryall.log", "TRYALL_LOG=trace", NULL };
    parse(&c, env);
    assert_string_equal(c.log_file, "/var/tmp/tryall.log");
    assert_int_equal(c.log_level, TRYALL_LOG_TRACE);
    assert_string_equal(warn, "");

    const char *empty[] = { "TRYALL_LOG_FILE=", NULL };
    parse(&c, empty);
    assert_string_equal(c.log_file, "");

    /* longest that fits, and one byte too long */
    static char fits[TRYALL_PATH_MAX + 32], toolong[TRYALL_PATH_MAX + 32];
    strcpy(fits, "TRYALL_LOG_FILE=");
    size_t pre = strlen(fits);
    memset(fits + pre, 'f', TRYALL_PATH_MAX - 1);
    fits[pre + TRYALL_PATH_MAX - 1] = '\0';
    const char *e1[] = { fits, NULL };
    parse(&c, e1);
    assert_int_equal(strlen(c.log_file), TRYALL_PATH_MAX - 1);
    assert_string_equal(warn, "");

    strcpy(toolong, fits);
    strcat(toolong, "g");
    const char *e2[] = { toolong, NULL };
    parse(&c, e2);
    /* never a truncated (= different) path: stderr and a warning */
    assert_string_equal(c.log_file, "");
    assert_non_null(strstr(warn, "TRYALL_LOG_FILE"));
}

static void test_disable(void **state)
{
    (void)state;
    struct tryall_config c;
    const char *one[] = { "TRYALL_DISABLE=1", NULL };
    parse(&c, one);
    assert_int_equal(c.disabled, 1);
    assert_string_equal(warn, "");

    /* config.c: "0" and "" mean not disabled, silently */
    const char *zero[] = { "TRYALL_DISABLE=0", NULL };
    parse(&c, zero);
    assert_int_equal(c.disabled, 0);
    assert_string_equal(warn, "");
    const char *empty[] = { "TRYALL_DISABLE=", NULL };
    parse(&c, empty);
    assert_int_equal(c.disabled, 0);
    assert_string_equal(warn, "");

    /* config.c: anything else is not disabled, with a warning */
    const char *other[] = { "yes", "true", "2", "1 ", "01" };
    char buf[64];
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        snprintf(buf, sizeof buf, "TRYALL_DISABLE=%s", other[i]);
        const char *env[] = { buf, NULL };
        parse(&c, env);
        if (c.disabled != 0)
            fail_msg("TRYALL_DISABLE='%s' disabled libtryall", other[i]);
        if (!strstr(warn, "TRYALL_DISABLE"))
            fail_msg("TRYALL_DISABLE='%s': no warning (warn='%s')", other[i], warn);
    }
}

static void test_several_warnings(void **state)
{
    (void)state;
    struct tryall_config c;
    const char *env[] = { "TRYALL_DELAY_MS=fast", "TRYALL_LOG=loud", "TRYALL_DISABLE=maybe",
                          "TRYALL_LOG_FILE=/tmp/x.log", NULL };
    parse(&c, env);
    assert_int_equal(c.delay_ms, TRYALL_DELAY_DEFAULT);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_int_equal(c.disabled, 0);
    assert_string_equal(c.log_file, "/tmp/x.log");
    assert_true(mentions(warn, "TRYALL_DELAY_MS"));
    assert_true(mentions(warn, "TRYALL_LOG"));
    assert_true(mentions(warn, "TRYALL_DISABLE"));
    assert_false(mentions(warn, "TRYALL_LOG_FILE"));
    assert_int_equal(count_lines(warn), 3);
    assert_int_equal(warn[strlen(warn) - 1], '\n');
}

static void test_warn_truncated(void **state)
{
    (void)state;
    const char *env[] = { "TRYALL_DELAY_MS=fast", "TRYALL_LOG=loud", NULL };
    char whole[1024];
    fake_env = env;
    struct tryall_config c0;
    config_parse(&c0, fake_get, whole, sizeof whole);
    size_t wlen = strlen(whole);
    assert_int_equal(count_lines(whole), 2);
    for (size_t len = 1; len < 400; len++) {
        char buf[512];
        memset(buf, '#', sizeof buf);
        struct tryall_config c;
        fake_env = env;
        config_parse(&c, fake_get, buf, len);
        if (!memchr(buf, '\0', len))
            fail_msg("warnlen %zu: not NUL-terminated", len);
        for (size_t i = len; i < sizeof buf; i++)
            if (buf[i] != '#')
                fail_msg("warnlen %zu: byte %zu written past the end", len, i);
        assert_int_equal(c.delay_ms, TRYALL_DELAY_DEFAULT);
        assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
        if (len > wlen)
            assert_string_equal(buf, whole);     /* room enough: nothing lost */
        else
            assert_true(strncmp(buf, whole, strlen(buf)) == 0);
    }
    /* warnlen 0: nothing written at all */
    char one = '#';
    struct tryall_config c;
    config_parse(&c, fake_get, &one, 0);
    assert_int_equal(one, '#');
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
}

static void test_errno_untouched(void **state)
{
    (void)state;
    /* "Pure": parsing must not leave the app's errno changed, whether a
     * number parses, overflows or is absent. */
    const char *envs[][2] = {
        { "TRYALL_DELAY_MS=100", NULL },
        { "TRYALL_DELAY_MS=99999999999999999999999", NULL },
        { NULL, NULL },
    };
    for (size_t i = 0; i < 3; i++) {
        struct tryall_config c;
        fake_env = envs[i];
        errno = EINPROGRESS;
        config_parse(&c, fake_get, warn, sizeof warn);
        if (errno != EINPROGRESS)
            fail_msg("case %zu (%s): errno became %d (%s)", i,
                     envs[i][0] ? envs[i][0] : "empty env", errno, strerror(errno));
    }
}

static void test_process_config_read_once(void **state)
{
    (void)state;
    /* tryall_config() parses the real environment on first use, then never
     * again (this is the first call in this process). */
    setenv("TRYALL_DELAY_MS", "123", 1);
    setenv("TRYALL_LOG", "trace", 1);
    unsetenv("TRYALL_DISABLE");
    unsetenv("TRYALL_LOG_FILE");
    const struct tryall_config *c = tryall_config();
    assert_non_null(c);
    assert_int_equal(c->delay_ms, 123);
    assert_int_equal(c->log_level, TRYALL_LOG_TRACE);
    assert_int_equal(c->disabled, 0);
    assert_string_equal(tryall_config_warnings(), "");

    setenv("TRYALL_DELAY_MS", "456", 1);
    setenv("TRYALL_DISABLE", "1", 1);
    const struct tryall_config *c2 = tryall_config();
    assert_ptr_equal(c, c2);
    assert_int_equal(c2->delay_ms, 123);
    assert_int_equal(c2->disabled, 0);
    unsetenv("TRYALL_DELAY_MS");
    unsetenv("TRYALL_DISABLE");
    unsetenv("TRYALL_LOG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_delay_valid),
        cmocka_unit_test(test_delay_bad),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_log_file),
        cmocka_unit_test(test_disable),
        cmocka_unit_test(test_several_warnings),
        cmocka_unit_test(test_warn_truncated),
        cmocka_unit_test(test_errno_untouched),
        cmocka_unit_test(test_process_config_read_once),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

/* test_conflayers.c - unit tests for the table of settings and the order
 * of the layers (config_build in src/core/config.c).
 * Covers: every row of the settings table is reachable both as TRYALL_X in
 * the environment and as x in the file, with the same result (a row without
 * a sample value here fails the test: add one with the row); no file and an
 * empty file give the defaults; the layers: defaults < file < matching
 * rules < environment, a bad or empty variable keeping the file's value,
 * and a set-uid process (no getter) reading only the file; TRYALL_LOG_TO
 * and TRYALL_LOG_FILE together; errno kept; the warning buffer never
 * overrun. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "conftest.h"

/* ---- every setting, from both sources ------------------------------- */

/* A valid value for each row of the table, not its default. */
static const struct { const char *env, *value; } samples[] = {
    { "TRYALL_DISABLE", "1" },
    { "TRYALL_DELAY_MS", "1234" },
    { "TRYALL_LOG", "trace" },
    { "TRYALL_LOG_FILE", "/var/log/tryall.log" },
    { "TRYALL_LOG_TO", "syslog" },
    { "TRYALL_LOG_FORMAT", "json" },
    { "TRYALL_COMPLETE", "0" },
    { "TRYALL_RESOLVE_DELAY_MS", "0" },
    { "TRYALL_DELAY_MIN_MS", "20" },
    { "TRYALL_DELAY_MAX_MS", "500" },
    { "TRYALL_NAT64", "0" },
    { "TRYALL_HISTORY", "off" },
};

static void test_every_setting_both_sources(void **state)
{
    (void)state;
    for (unsigned i = 0; i < config_nsettings; i++) {
        const struct config_setting *s = &config_settings[i];
        const char *value = NULL;
        for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++)
            if (strcmp(samples[k].env, s->env) == 0)
                value = samples[k].value;
        if (!value)
            fail_msg("%s has no sample value in test_conffile.c: add one", s->env);
        assert_int_equal(strncmp(s->env, "TRYALL_", 7), 0);

        char envline[256], fileline[256], key[64];
        size_t k;
        for (k = 0; s->env[7 + k]; k++)
            key[k] = (char)tolower((unsigned char)s->env[7 + k]);
        key[k] = '\0';
        assert_ptr_equal(config_setting_by_key(key), s);
        snprintf(envline, sizeof envline, "%s=%s", s->env, value);
        snprintf(fileline, sizeof fileline, "%s = %s\n", key, value);

        struct tryall_config dflt, from_env, from_file;
        file(&dflt, NULL, NULL);
        const char *env[] = { envline, NULL };
        build(&from_env, NULL, NULL, env, 0);
        assert_no_warning();
        file(&from_file, fileline, NULL);
        assert_no_warning();
        if (memcmp(&from_env, &from_file, sizeof from_env) != 0)
            fail_msg("%s: the file's '%s' and the environment's '%s' differ", s->env, key, envline);
        if (memcmp(&from_env, &dflt, sizeof dflt) == 0)
            fail_msg("%s=%s changed nothing", s->env, value);
    }
}

static void test_defaults_without_file(void **state)
{
    (void)state;
    struct tryall_config c, d;
    file(&c, NULL, "/usr/bin/curl");
    assert_no_warning();
    config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);
    assert_int_equal(c.delay_ms, 250);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_STDERR);
    assert_int_equal(c.log_format, TRYALL_LOG_TEXT);
    assert_int_equal(c.complete, 1);

    file(&c, "", "/usr/bin/curl");   /* an empty file: the same */
    assert_memory_equal(&c, &d, sizeof c);
    file(&c, "\n\n   \n\t\n# only comments\n   # indented\n", NULL);
    assert_no_warning();
    assert_memory_equal(&c, &d, sizeof c);
}

/* ---- the layers ----------------------------------------------------- */

static void test_environment_over_file(void **state)
{
    (void)state;
    const char *text = "delay_ms = 300\nlog = fail\n[program curl]\noff\nlog_to = syslog\n";
    const char *env[] = { "TRYALL_DELAY_MS=400", "TRYALL_DISABLE=0", NULL };
    struct tryall_config c;
    build(&c, text, "/usr/bin/curl", env, 0);
    assert_no_warning();
    assert_int_equal(c.delay_ms, 400);                   /* environment over file */
    assert_int_equal(c.disabled, 0);                     /* ... and over a rule */
    assert_int_equal(c.log_level, TRYALL_LOG_FAIL);      /* the file where the env is silent */
    assert_int_equal(c.log_to, TRYALL_LOG_TO_SYSLOG);

    /* a bad environment value keeps the file's value, with a warning */
    const char *bad[] = { "TRYALL_DELAY_MS=5", "TRYALL_LOG_TO=journal", NULL };
    build(&c, text, "/usr/bin/curl", bad, 0);
    assert_int_equal(c.delay_ms, 300);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_SYSLOG);
    assert_int_equal(count_lines(warn), 2);
    assert_non_null(strstr(warn, "TRYALL_DELAY_MS=5"));
    assert_non_null(strstr(warn, "TRYALL_LOG_TO=journal"));

    /* an empty variable is unset: the file's value stays */
    const char *empty[] = { "TRYALL_LOG=", "TRYALL_LOG_TO=", NULL };
    build(&c, text, "/usr/bin/curl", empty, 0);
    assert_no_warning();
    assert_int_equal(c.log_level, TRYALL_LOG_FAIL);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_SYSLOG);
}

static void test_secure_reads_only_the_file(void **state)
{
    (void)state;
    const char *env[] = { "TRYALL_DELAY_MS=400", "TRYALL_LOG=trace", "TRYALL_DISABLE=1",
                          "TRYALL_LOG_FILE=/tmp/evil", NULL };
    struct tryall_config c, d;
    build(&c, "delay_ms = 300\n", "/usr/bin/su", env, 1);
    assert_no_warning();
    assert_int_equal(c.delay_ms, 300);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_int_equal(c.disabled, 0);
    assert_string_equal(c.log_file, "");
    build(&c, NULL, "/usr/bin/su", env, 1);   /* no file: the defaults */
    config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_log_to_and_log_file(void **state)
{
    (void)state;
    struct tryall_config c;
    const char *both[] = { "TRYALL_LOG_FILE=/a.log", "TRYALL_LOG_TO=syslog", NULL };
    build(&c, NULL, NULL, both, 0);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_SYSLOG);   /* TRYALL_LOG_TO wins */
    assert_string_equal(c.log_file, "");
    const char *file_only[] = { "TRYALL_LOG_FILE=/a.log", NULL };
    build(&c, "log_to = syslog\n", NULL, file_only, 0);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_FILE);     /* the env's alias over the file */
    assert_string_equal(c.log_file, "/a.log");
    const char *to_file[] = { "TRYALL_LOG_TO=file:/b.log", NULL };
    build(&c, "log_to = syslog\n", NULL, to_file, 0);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_FILE);
    assert_string_equal(c.log_file, "/b.log");
    const char *to_err[] = { "TRYALL_LOG_TO=stderr", NULL };
    build(&c, "log_file = /c.log\n", NULL, to_err, 0);
    assert_int_equal(c.log_to, TRYALL_LOG_TO_STDERR);
    assert_string_equal(c.log_file, "");
}

/* ---- robustness ----------------------------------------------------- */

static void test_errno_and_warn_bounds(void **state)
{
    (void)state;
    const char *text = "x = 1\ny = 2\nz = 3\ndelay_ms = 99999999999999999999\nlog = trace\n";
    char whole[1024] = "";
    struct tryall_config c;
    errno = EINPROGRESS;
    config_build(&c, text, strlen(text), CONF, NULL, NULL, whole, sizeof whole);
    assert_int_equal(errno, EINPROGRESS);
    assert_int_equal(count_lines(whole), 4);
    assert_int_equal(c.log_level, TRYALL_LOG_TRACE);
    for (size_t len = 1; len < strlen(whole) + 4; len++) {
        char buf[1100];
        memset(buf, '#', sizeof buf);
        buf[0] = '\0';
        config_build(&c, text, strlen(text), CONF, NULL, NULL, buf, len);
        if (!memchr(buf, '\0', len))
            fail_msg("warnlen %zu: not NUL-terminated", len);
        for (size_t i = len; i < sizeof buf; i++)
            if (buf[i] != '#')
                fail_msg("warnlen %zu: byte %zu written", len, i);
        assert_true(strncmp(buf, whole, strlen(buf)) == 0);
        assert_int_equal(c.log_level, TRYALL_LOG_TRACE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_setting_both_sources),
        cmocka_unit_test(test_defaults_without_file),
        cmocka_unit_test(test_environment_over_file),
        cmocka_unit_test(test_secure_reads_only_the_file),
        cmocka_unit_test(test_log_to_and_log_file),
        cmocka_unit_test(test_errno_and_warn_bounds),
    };
    return cmocka_run_group_tests_name("conflayers", tests, NULL, NULL);
}

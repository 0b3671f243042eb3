/* test_conffile.c - unit tests for the config file's syntax and rules
 * (src/core/conffile.c).
 * Covers: comments, blank lines, spaces, tabs, CRLF, a last line without a
 * newline, case of keys; "off"; each kind of bad line (no '=', unknown key,
 * empty value, bad value, too long, a NUL byte, bad sections) ignored with
 * exactly one warning naming the file and line while the rest applies;
 * [program] rules: base-name and path globs ('*' not crossing '/'), several
 * matching rules in file order, rules not matching, no program path; bad
 * lines in rules that do not match still warned once; a bad section's lines
 * skipped; config_file_has_rules; 3000 random files keep every setting in
 * range. The layers and the table: tests/test_conflayers.c. */
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
#include "conftest.h"

/* ---- syntax ---------------------------------------------------------- */

static void test_syntax_accepted(void **state)
{
    (void)state;
    struct tryall_config c;
    file(&c, "delay_ms=300\n"
             "  log   =\ttrace   \n"
             "LOG_FORMAT = json\r\n"
             "resolve_delay_ms = 20", NULL);   /* no newline at the end */
    assert_no_warning();
    assert_int_equal(c.delay_ms, 300);
    assert_int_equal(c.log_level, TRYALL_LOG_TRACE);
    assert_int_equal(c.log_format, TRYALL_LOG_JSON);
    assert_int_equal(c.resolve_delay_ms, 20);

    /* the later line wins; "off" means disable = 1 */
    file(&c, "delay_ms = 300\ndelay_ms = 400\n  off  \n", NULL);
    assert_no_warning();
    assert_int_equal(c.delay_ms, 400);
    assert_int_equal(c.disabled, 1);
    file(&c, "disable = 1\ndisable = 0\n", NULL);
    assert_int_equal(c.disabled, 0);

    /* a value keeps its inner spaces and '#' characters */
    file(&c, "log_to = file:/var/log/try all#1.log\n", NULL);
    assert_no_warning();
    assert_int_equal(c.log_to, TRYALL_LOG_TO_FILE);
    assert_string_equal(c.log_file, "/var/log/try all#1.log");
}

static void test_bad_lines(void **state)
{
    (void)state;
    static const struct { const char *line, *says; } bad[] = {
        { "delay_ms 300", "not key = value" },
        { "delay = 300", "unknown setting" },
        { "TRYALL_DELAY_MS = 300", "unknown setting" },   /* the file's keys have no prefix */
        { "= 300", "unknown setting" },
        { "delay_ms =", "no value" },
        { "delay_ms = 5", "10..60000" },
        { "delay_ms = 300ms", "10..60000" },
        { "disable = yes", "0 or 1" },
        { "log = loud", "quiet, fail or trace" },
        { "log_to = file:", "stderr, syslog or file:PATH" },
        { "log_to = journal", "stderr, syslog or file:PATH" },
        { "log_format = xml", "text or json" },
        { "off = 1", "unknown setting" },
        { "offline", "not key = value" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "delay_ms = 700\n%s\nlog = fail\n", bad[i].line);
        struct tryall_config c;
        file(&c, text, NULL);
        assert_one_warning(2);
        if (!strstr(warn, bad[i].says))
            fail_msg("'%s': warning '%s' does not say '%s'", bad[i].line, warn, bad[i].says);
        if (!strstr(warn, "ignored"))
            fail_msg("'%s': warning '%s' does not say the line is ignored", bad[i].line, warn);
        /* the rest applies, the bad line changed nothing */
        assert_int_equal(c.delay_ms, 700);
        assert_int_equal(c.log_level, TRYALL_LOG_FAIL);
        assert_int_equal(c.disabled, 0);
        assert_int_equal(c.log_to, TRYALL_LOG_TO_STDERR);
        assert_int_equal(c.log_format, TRYALL_LOG_TEXT);
    }
}

static void test_long_and_nul_lines(void **state)
{
    (void)state;
    static char text[3 * TRYALL_PATH_MAX];
    /* the longest path that fits, then one line far too long */
    size_t n = (size_t)sprintf(text, "log_to = file:/");
    memset(text + n, 'a', TRYALL_PATH_MAX - 2);
    n += TRYALL_PATH_MAX - 2;
    n += (size_t)sprintf(text + n, "\ndelay_ms = 900\nlog_file = /");
    memset(text + n, 'b', TRYALL_PATH_MAX + 200);
    n += TRYALL_PATH_MAX + 200;
    n += (size_t)sprintf(text + n, "\nlog = trace\n");
    struct tryall_config c;
    build(&c, NULL, NULL, NULL, 0);
    memset(warn, 0, sizeof warn);
    config_build(&c, text, n, CONF, NULL, NULL, warn, sizeof warn);
    assert_one_warning(3);
    assert_non_null(strstr(warn, "too long"));
    assert_int_equal(strlen(c.log_file), TRYALL_PATH_MAX - 1);
    assert_int_equal(c.log_file[TRYALL_PATH_MAX - 2], 'a');
    assert_int_equal(c.delay_ms, 900);
    assert_int_equal(c.log_level, TRYALL_LOG_TRACE);

    /* a path one byte too long for the field: refused, not cut */
    n = (size_t)sprintf(text, "log_file = /");
    memset(text + n, 'c', TRYALL_PATH_MAX - 1);
    n += TRYALL_PATH_MAX - 1;
    text[n++] = '\n';
    memset(warn, 0, sizeof warn);
    config_build(&c, text, n, CONF, NULL, NULL, warn, sizeof warn);
    assert_one_warning(1);
    assert_string_equal(c.log_file, "");
    assert_int_equal(c.log_to, TRYALL_LOG_TO_STDERR);

    /* a NUL byte inside a line */
    static const char nul[] = "delay_ms = 300\nlog = tr\0ace\nlog_format = json\n";
    memset(warn, 0, sizeof warn);
    config_build(&c, nul, sizeof nul - 1, CONF, NULL, NULL, warn, sizeof warn);
    assert_one_warning(2);
    assert_non_null(strstr(warn, "NUL"));
    assert_int_equal(c.delay_ms, 300);
    assert_int_equal(c.log_level, TRYALL_LOG_QUIET);
    assert_int_equal(c.log_format, TRYALL_LOG_JSON);
}

static void test_every_bad_line_warned_once(void **state)
{
    (void)state;
    struct tryall_config c;
    file(&c, "a = 1\n"                     /* 1 */
             "delay_ms = 400\n"            /* 2 */
             "b\n"                         /* 3 */
             "[program nomatch]\n"         /* 4 */
             "delay_ms = fast\n"           /* 5: in a rule that does not match */
             "[program curl]\n"            /* 6 */
             "log = nope\n"                /* 7: in a rule that matches */
             "log = fail\n",               /* 8 */
         "/usr/bin/curl");
    assert_int_equal(count_lines(warn), 4);
    assert_non_null(strstr(warn, CONF ":1: "));
    assert_non_null(strstr(warn, CONF ":3: "));
    assert_non_null(strstr(warn, CONF ":5: "));
    assert_non_null(strstr(warn, CONF ":7: "));
    assert_int_equal(c.delay_ms, 400);
    assert_int_equal(c.log_level, TRYALL_LOG_FAIL);
}

/* ---- program rules --------------------------------------------------- */

static const char rules[] =
    "delay_ms = 300\n"
    "[program curl]\n"
    "delay_ms = 100\n"
    "[program /opt/legacy/*]\n"
    "off\n"
    "[program python3*]\n"
    "log = trace\n"
    "[program /usr/*/wget]\n"
    "complete = 0\n";

static void test_rules_match(void **state)
{
    (void)state;
    static const struct {
        const char *exe;
        unsigned delay;
        int disabled, log, complete;
    } cases[] = {
        { "/usr/bin/curl", 100, 0, 0, 1 },
        { "/home/u/curl", 100, 0, 0, 1 },          /* a name pattern: any directory */
        { "/usr/bin/curl2", 300, 0, 0, 1 },        /* whole base name only */
        { "/usr/bin/xcurl", 300, 0, 0, 1 },
        { "/opt/legacy/app", 300, 1, 0, 1 },
        { "/opt/legacy/sub/app", 300, 0, 0, 1 },   /* '*' does not cross '/' */
        { "/opt/legacy2/app", 300, 0, 0, 1 },
        { "/usr/bin/python3.11", 300, 0, 2, 1 },
        { "/usr/bin/python3", 300, 0, 2, 1 },
        { "/usr/bin/python", 300, 0, 0, 1 },
        { "/usr/bin/wget", 300, 0, 0, 0 },
        { "/usr/local/bin/wget", 300, 0, 0, 1 },   /* one directory level only */
        { "wget", 300, 0, 0, 1 },                  /* path pattern, no path */
        { "", 300, 0, 0, 1 },                      /* unknown program: no rule */
        { NULL, 300, 0, 0, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tryall_config c;
        file(&c, rules, cases[i].exe);
        assert_no_warning();
        if (c.delay_ms != cases[i].delay || c.disabled != cases[i].disabled ||
            c.log_level != cases[i].log || c.complete != cases[i].complete)
            fail_msg("%s: delay %u disabled %d log %d complete %d", cases[i].exe ? cases[i].exe : "(null)",
                     c.delay_ms, c.disabled, c.log_level, c.complete);
    }
}

static void test_rules_order(void **state)
{
    (void)state;
    struct tryall_config c;
    /* every matching rule applies, in file order (a line after a [program]
     * line belongs to that rule: the global lines are those before any) */
    file(&c, "[program *]\n"
             "delay_ms = 111\n"
             "log = fail\n"
             "[program curl]\n"
             "delay_ms = 222\n"
             "[program c*]\n"
             "delay_ms = 333\n"
             "[program nomatch]\n"
             "delay_ms = 444\n",
         "/usr/bin/curl");
    assert_no_warning();
    assert_int_equal(c.delay_ms, 333);
    assert_int_equal(c.log_level, TRYALL_LOG_FAIL);

    /* a rule wins over the global lines; a rule not matching changes nothing */
    file(&c, "delay_ms = 50\n[program curl]\ndelay_ms = 222\n", "/usr/bin/curl");
    assert_int_equal(c.delay_ms, 222);
    file(&c, "delay_ms = 50\n[program curl]\noff\n", "/bin/true");
    assert_int_equal(c.delay_ms, 50);
    assert_int_equal(c.disabled, 0);
}

static void test_bad_sections(void **state)
{
    (void)state;
    static const char *const heads[] = {
        "[program]", "[program ]", "[programcurl]", "[global]", "[program curl", "[]", "[",
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "delay_ms = 300\n%s\ndelay_ms = 500\noff\n"
                                    "[program curl]\nlog = fail\n", heads[i]);
        struct tryall_config c;
        file(&c, text, "/usr/bin/curl");
        assert_one_warning(2);
        /* the bad section's lines are not applied (not even as global ones) */
        if (c.delay_ms != 300 || c.disabled)
            fail_msg("'%s': its lines applied (delay %u, disabled %d)", heads[i], c.delay_ms,
                     c.disabled);
        /* the next good section is back to normal */
        assert_int_equal(c.log_level, TRYALL_LOG_FAIL);
    }
    /* spaces inside the brackets are fine */
    struct tryall_config c;
    file(&c, "[  program\t curl  ]\ndelay_ms = 500\n", "/usr/bin/curl");
    assert_no_warning();
    assert_int_equal(c.delay_ms, 500);
    /* a glob class with a ']' of its own */
    file(&c, "[program python[23]]\ndelay_ms = 600\n", "/usr/bin/python3");
    assert_no_warning();
    assert_int_equal(c.delay_ms, 600);
}

static void test_has_rules(void **state)
{
    (void)state;
    assert_false(config_file_has_rules("", 0));
    const char *none = "delay_ms = 1\n# [program x]\nlog_to = file:/a[b]\n";
    assert_false(config_file_has_rules(none, strlen(none)));
    const char *t = "delay_ms = 1\n  [program x]\n";
    assert_true(config_file_has_rules(t, strlen(t)));
    assert_true(config_file_has_rules("[", 1));
}

/* Random files made of the syntax's own pieces and random bytes: whatever
 * the file holds, every setting stays within its range and the warnings a
 * NUL-terminated string of whole lines (ASan/UBSan builds check the rest). */
static void test_random_files(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "delay_ms", "log", "log_to", "log_format", "disable", "complete", "resolve_delay_ms",
        "log_file", " = ", "=", "\n", "\r\n", "[program ", "]", "[", "off", "#", "*", "/",
        "file:/x", "syslog", "stderr", "json", "trace", "fail", "0", "1", "250", "99999", "-1",
        " ", "\t", "curl", "/usr/bin/*", "?", "[a-z]",
    };
    static char text[8192];
    unsigned seed = 2024;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < sizeof text - 64) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 8;
            if (r % 11 == 0) {
                text[n++] = (char)(r >> 8);   /* any byte, NUL included */
            } else {
                const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
                memcpy(text + n, p, strlen(p));
                n += strlen(p);
            }
            if (r % 97 == 0)
                break;
        }
        struct tryall_config c;
        char w[512];
        memset(w, 'W', sizeof w);
        w[0] = '\0';
        config_build(&c, text, n, CONF, round % 2 ? "/usr/bin/curl" : NULL, NULL, w, sizeof w);
        assert_non_null(memchr(w, '\0', sizeof w));
        assert_true(c.delay_ms >= TRYALL_DELAY_MIN && c.delay_ms <= TRYALL_DELAY_MAX);
        assert_true(c.resolve_delay_ms <= TRYALL_RESOLVE_DELAY_MAX);
        assert_true(c.log_level >= TRYALL_LOG_QUIET && c.log_level <= TRYALL_LOG_TRACE);
        assert_true(c.log_to >= TRYALL_LOG_TO_STDERR && c.log_to <= TRYALL_LOG_TO_SYSLOG);
        assert_true(c.log_format == TRYALL_LOG_TEXT || c.log_format == TRYALL_LOG_JSON);
        assert_true(c.disabled == 0 || c.disabled == 1);
        assert_true(c.complete == 0 || c.complete == 1);
        assert_non_null(memchr(c.log_file, '\0', sizeof c.log_file));
        assert_true((c.log_to == TRYALL_LOG_TO_FILE) == (c.log_file[0] != '\0'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_accepted),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_long_and_nul_lines),
        cmocka_unit_test(test_every_bad_line_warned_once),
        cmocka_unit_test(test_rules_match),
        cmocka_unit_test(test_rules_order),
        cmocka_unit_test(test_bad_sections),
        cmocka_unit_test(test_has_rules),
        cmocka_unit_test(test_random_files),
    };
    return cmocka_run_group_tests_name("conffile", tests, NULL, NULL);
}

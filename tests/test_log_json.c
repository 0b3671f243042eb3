/* test_log_json.c - unit tests for the log in JSON format (src/sys/log.c
 * with TRYALL_LOG_FORMAT=json, to a file through TRYALL_LOG_TO=file:PATH).
 * Covers: the settings' warnings come first, once, as "warning" events; an
 * event is one JSON line (time, pid, program = this test's base name, the
 * event's keys) written with one write; log_line in JSON format gives a
 * "message" event, never a text line; levels below the setting write
 * nothing; errno kept. main() sets the environment before anything reads
 * the settings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "log.h"

static char tmpdir[] = "/tmp/tryall-test-logjson.XXXXXX";
static char logpath[PATH_MAX];
static off_t seen;

/* The bytes appended to the log since the last call (malloc'd). */
static char *new_bytes(void)
{
    int fd = open(logpath, O_RDONLY);
    if (fd < 0)
        return strdup("");
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    size_t n = st.st_size > seen ? (size_t)(st.st_size - seen) : 0;
    char *b = calloc(1, n + 1);
    assert_int_equal(pread(fd, b, n, seen), (ssize_t)n);
    close(fd);
    seen += (off_t)n;
    return b;
}

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_event_line(void **state)
{
    (void)state;
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "failed";
    e.fd = 5;
    e.host = "two.example";
    e.address = "fd00::10";
    e.port = 8080;
    e.attempt = 1;
    e.error = ECONNREFUSED;
    e.ms = 3;
    errno = EINPROGRESS;
    log_event(TRYALL_LOG_FAIL, &e, "text %s", "never");
    assert_int_equal(errno, EINPROGRESS);
    char *b = new_bytes();
    /* first the warning about TRYALL_DELAY_MS=fast, then the event */
    assert_int_equal(lines(b), 2);
    char want[128];
    snprintf(want, sizeof want, "\"pid\":%d,\"program\":\"test_log_json\",\"event\":\"warning\",",
             (int)getpid());
    assert_non_null(strstr(b, want));
    assert_non_null(strstr(b, "\"message\":\"TRYALL_DELAY_MS=fast is not a whole number"));
    char *second = strchr(b, '\n') + 1;
    assert_true(strncmp(second, "{\"time\":\"", 9) == 0);
    assert_non_null(strstr(second, "\"program\":\"test_log_json\",\"event\":\"failed\",\"fd\":5,"
                                   "\"host\":\"two.example\",\"address\":\"fd00::10\",\"port\":8080,"
                                   "\"attempt\":1,\"errno\":\"ECONNREFUSED\",\"error\":\"Connection "
                                   "refused\",\"ms\":3}\n"));
    assert_null(strstr(b, "never"));
    free(b);

    log_event(TRYALL_LOG_FAIL, &e, "again");
    b = new_bytes();
    assert_int_equal(lines(b), 1);   /* the warning only once */
    assert_null(strstr(b, "warning"));
    free(b);
}

static void test_log_line_is_a_message(void **state)
{
    (void)state;
    log_line(TRYALL_LOG_FAIL, "a \"quoted\"\n%s", "line");
    char *b = new_bytes();
    assert_int_equal(lines(b), 1);
    assert_non_null(strstr(b, "\"event\":\"message\",\"message\":\"a \\\"quoted\\\"\\nline\"}\n"));
    free(b);
}

static void test_below_level(void **state)
{
    (void)state;
    struct tryall_event e = TRYALL_EVENT_NONE;
    e.event = "started";
    log_event(TRYALL_LOG_TRACE, &e, "x");
    log_line(TRYALL_LOG_TRACE, "y");
    char *b = new_bytes();
    assert_string_equal(b, "");
    free(b);
}

static int cleanup(void **state)
{
    (void)state;
    unlink(logpath);
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(logpath, sizeof logpath, "%s/log.json", tmpdir);
    char to[PATH_MAX + 8];
    snprintf(to, sizeof to, "file:%s", logpath);
    setenv("TRYALL_LOG", "fail", 1);
    setenv("TRYALL_LOG_TO", to, 1);
    setenv("TRYALL_LOG_FORMAT", "json", 1);
    setenv("TRYALL_DELAY_MS", "fast", 1);   /* one warning */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_line),   /* must stay first: the warning */
        cmocka_unit_test(test_log_line_is_a_message),
        cmocka_unit_test(test_below_level),
    };
    return cmocka_run_group_tests_name("log_json", tests, NULL, cleanup);
}

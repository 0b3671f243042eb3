/* test_log.c - unit tests for src/log.c (the opt-in log).
 * Covers: log_escape - newline, tab, ESC (0x1b), other control bytes, 0x7f
 * and high bytes, backslash, empty input, truncation at every dstlen (always
 * NUL-terminated, never past dstlen: checked with a canary, the result a
 * prefix of the full escape made of whole escapes, return == strlen), dstlen
 * 0, a 4 KB input; log_on levels; log_line to a TRYALL_LOG_FILE: one escaped
 * line per call ending in a newline, nothing below the level, config warnings
 * printed once, errno untouched (also by the first log_on, which parses the
 * environment), and no write to a descriptor the app has reused.
 * main() sets TRYALL_LOG=fail and TRYALL_LOG_FILE to a temporary file before
 * anything reads the configuration; the tests run in the listed order. */
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

static char tmpdir[] = "/tmp/tryall-test-log.XXXXXX";
static char logpath[PATH_MAX];
static char datapath[PATH_MAX];

/* ---- an independent reference escaper ------------------------------- */

static size_t ref_escape(char *dst, const unsigned char *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = src[i];
        if (c == '\n')      { dst[o++] = '\\'; dst[o++] = 'n'; }
        else if (c == '\t') { dst[o++] = '\\'; dst[o++] = 't'; }
        else if (c == 0x1b) { dst[o++] = '\\'; dst[o++] = 'e'; }
        else if (c == '\\') { dst[o++] = '\\'; dst[o++] = '\\'; }
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)sprintf(dst + o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return o;
}

/* Lower-case the hex digits of \xHH escapes (the case is not specified). */
static void norm(char *s)
{
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\' || !s[i + 1])
            continue;
        if (s[i + 1] == 'x') {
            for (size_t k = i + 2; k < i + 4 && s[k]; k++)
                if (s[k] >= 'A' && s[k] <= 'F')
                    s[k] = (char)(s[k] - 'A' + 'a');
            i += 3;
        } else {
            i++;
        }
    }
}

static void expect_escape(const char *src, const char *want)
{
    char out[256];
    memset(out, '#', sizeof out);
    size_t n = log_escape(out, sizeof out, src);
    assert_true(n < sizeof out);
    norm(out);
    if (strcmp(out, want) != 0)
        fail_msg("log_escape gave \"%s\", want \"%s\"", out, want);
    assert_int_equal(n, strlen(want));
}

/* ---- log_on / errno (must run first: it triggers the config parse) --- */

static void test_first_log_on_keeps_errno(void **state)
{
    (void)state;
    /* log_on() is what hooks call before formatting anything; its first
     * call parses the environment. The app's errno must survive it. */
    errno = EINPROGRESS;
    int on = log_on(TRYALL_LOG_FAIL);
    int e = errno;
    assert_true(on);
    if (e != EINPROGRESS)
        fail_msg("first log_on() changed errno from EINPROGRESS to %d (%s)", e, strerror(e));
}

static void test_log_on_levels(void **state)
{
    (void)state;
    assert_true(log_on(TRYALL_LOG_FAIL));
    assert_false(log_on(TRYALL_LOG_TRACE));
}

/* ---- log_escape ------------------------------------------------------ */

static void test_escape_plain(void **state)
{
    (void)state;
    expect_escape("", "");
    expect_escape("connect 192.0.2.1:443 ok", "connect 192.0.2.1:443 ok");
    expect_escape(" ~!\"#$%&'()*+,-./:;<=>?@[]^_`{|}", " ~!\"#$%&'()*+,-./:;<=>?@[]^_`{|}");
}

static void test_escape_specials(void **state)
{
    (void)state;
    expect_escape("a\nb", "a\\nb");
    expect_escape("\n\n", "\\n\\n");
    expect_escape("a\tb", "a\\tb");
    expect_escape("\x1b[31mred\x1b[0m", "\\e[31mred\\e[0m");
    expect_escape("C:\\dir\\f", "C:\\\\dir\\\\f");
    expect_escape("\\n", "\\\\n");     /* a literal backslash-n stays distinguishable */
}

static void test_escape_other_controls(void **state)
{
    (void)state;
    expect_escape("\x01", "\\x01");
    expect_escape("a\x07" "b", "a\\x07b");     /* BEL */
    expect_escape("\x08", "\\x08");            /* backspace */
    expect_escape("\x0b\x0c", "\\x0b\\x0c");
    expect_escape("\x1f", "\\x1f");
    expect_escape("\x7f", "\\x7f");            /* DEL */

    /* CR: the header lists \n, \t, \e and \xHH; src/log.c writes \r.
     * Either way it must not pass through raw. */
    char out[16];
    log_escape(out, sizeof out, "a\rb");
    norm(out);
    if (strcmp(out, "a\\x0db") != 0 && strcmp(out, "a\\rb") != 0)
        fail_msg("CR escaped as \"%s\"", out);
}

static void test_escape_high_bytes(void **state)
{
    (void)state;
    expect_escape("\x80", "\\x80");
    expect_escape("\xff", "\\xff");
    expect_escape("caf\xc3\xa9", "caf\\xc3\\xa9");                /* UTF-8 is bytes */
    expect_escape("\xe2\x80\xae" "txt", "\\xe2\\x80\\xaetxt");    /* RLO override */
    expect_escape("\xc2\x9b" "2J", "\\xc2\\x9b2J");               /* C1 CSI */
}

static void test_escape_all_bytes(void **state)
{
    (void)state;
    /* every byte 1..255 except CR (see above) */
    unsigned char src[256];
    size_t n = 0;
    for (unsigned c = 1; c < 256; c++)
        if (c != '\r')
            src[n++] = (unsigned char)c;
    src[n] = 0;
    char want[256 * 4 + 1], got[256 * 4 + 1];
    size_t wn = ref_escape(want, src, n);
    size_t gn = log_escape(got, sizeof got, (const char *)src);
    norm(got);
    assert_string_equal(got, want);
    assert_int_equal(gn, wn);
    /* nothing printable as a control survives */
    for (size_t i = 0; got[i]; i++)
        assert_true((unsigned char)got[i] >= 0x20 && (unsigned char)got[i] < 0x7f);
}

/* Is out (NUL-terminated) made of whole escapes of src, i.e. a prefix of the
 * full escape that ends on an escape boundary? */
static int whole_escape_prefix(const char *out, const char *full)
{
    size_t n = strlen(out);
    if (strncmp(out, full, n) != 0)
        return 0;
    /* walk full escapes until we reach n exactly */
    size_t i = 0;
    while (i < n) {
        if (full[i] != '\\')
            i += 1;
        else if (full[i + 1] == 'x')
            i += 4;
        else
            i += 2;
    }
    return i == n;
}

static void check_truncations(const char *src)
{
    size_t slen = strlen(src);
    char *full = malloc(slen * 4 + 1);
    char *buf = malloc(slen * 4 + 64);
    assert_non_null(full);
    assert_non_null(buf);
    size_t fn = ref_escape(full, (const unsigned char *)src, slen);

    for (size_t len = 1; len <= fn + 3; len++) {
        memset(buf, 'C', len + 32);                  /* canary after dstlen */
        size_t r = log_escape(buf, len, src);
        for (size_t i = len; i < len + 32; i++)
            if (buf[i] != 'C')
                fail_msg("dstlen %zu: byte %zu overwritten", len, i);
        if (!memchr(buf, '\0', len))
            fail_msg("dstlen %zu: not NUL-terminated", len);
        if (r != strlen(buf))
            fail_msg("dstlen %zu: returned %zu, strlen %zu", len, r, strlen(buf));
        norm(buf);
        if (!whole_escape_prefix(buf, full))
            fail_msg("dstlen %zu: \"%s\" is not whole escapes of \"%s\"", len, buf, full);
        /* truncation only when it did not fit */
        if (len > fn) {
            assert_int_equal(r, fn);
        } else {
            /* filled up to the last whole escape that fits */
            size_t k = full[r] != '\\' ? 1 : full[r + 1] == 'x' ? 4 : 2;
            if (r + k < len)
                fail_msg("dstlen %zu: stopped at %zu although the next %zu bytes fit", len, r, k);
        }
    }
    free(full);
    free(buf);
}

static void test_escape_truncation(void **state)
{
    (void)state;
    check_truncations("ab\ncd\x1b" "ef\\gh\x01\xff" "ij\tk");
    check_truncations("\xff\xfe\xfd");
    check_truncations("plain text only");

    /* dstlen 0: nothing written, 0 returned */
    char c = '#';
    assert_int_equal(log_escape(&c, 0, "abc"), 0);
    assert_int_equal(c, '#');
    /* dstlen 1: just the NUL */
    char two[2] = { '#', '#' };
    assert_int_equal(log_escape(two, 1, "\n"), 0);
    assert_int_equal(two[0], '\0');
    assert_int_equal(two[1], '#');
}

static void test_escape_4k(void **state)
{
    (void)state;
    enum { N = 4096 };
    static char src[N + 1];
    unsigned seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned char ch = (unsigned char)(seed >> 16);
        if (ch == 0 || ch == '\r')
            ch = 'x';
        src[i] = (char)ch;
    }
    src[N] = '\0';
    static char want[N * 4 + 1], got[N * 4 + 1 + 16];
    size_t wn = ref_escape(want, (const unsigned char *)src, N);

    memset(got, 'C', sizeof got);
    size_t gn = log_escape(got, N * 4 + 1, src);
    assert_int_equal(gn, wn);
    for (size_t i = N * 4 + 1; i < sizeof got; i++)
        assert_int_equal(got[i], 'C');
    norm(got);
    assert_string_equal(got, want);

    /* the same into a line-sized buffer */
    memset(got, 'C', sizeof got);
    gn = log_escape(got, 1000, src);
    assert_true(gn < 1000);
    assert_int_equal(gn, strlen(got));
    for (size_t i = 1000; i < sizeof got; i++)
        assert_int_equal(got[i], 'C');
    norm(got);
    assert_true(whole_escape_prefix(got, want));
    assert_true(gn > 1000 - 5);   /* filled up to the last escape that fits */

    check_truncations(src + N - 300);
}

/* ---- log_line into the log file ---------------------------------------- */

static off_t seen;   /* bytes of the log file already looked at */

/* The bytes appended to the log file since the last call (malloc'd). */
static char *new_log_bytes(size_t *len)
{
    int fd = open(logpath, O_RDONLY);
    if (fd < 0) {
        *len = 0;
        return strdup("");
    }
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    size_t n = st.st_size > seen ? (size_t)(st.st_size - seen) : 0;
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, n, seen), (ssize_t)n);
    buf[n] = '\0';
    close(fd);
    seen += (off_t)n;
    *len = n;
    return buf;
}

static unsigned count_nl(const char *s, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

static void test_log_line_warnings_once(void **state)
{
    (void)state;
    /* main() set TRYALL_DISABLE=maybe: the first line logged also carries
     * the configuration warning, and only the first. */
    size_t n;
    free(new_log_bytes(&n));
    log_line(TRYALL_LOG_FAIL, "first %d", 1);
    char *b = new_log_bytes(&n);
    assert_non_null(strstr(b, "TRYALL_DISABLE"));
    assert_non_null(strstr(b, "first 1\n"));
    assert_int_equal(count_nl(b, n), 2);
    free(b);

    log_line(TRYALL_LOG_FAIL, "second %d", 2);
    b = new_log_bytes(&n);
    assert_null(strstr(b, "TRYALL_DISABLE"));
    assert_int_equal(count_nl(b, n), 1);
    free(b);
}

static void test_log_line_escaped_one_line(void **state)
{
    (void)state;
    size_t n;
    free(new_log_bytes(&n));
    log_line(TRYALL_LOG_FAIL, "connect %s: %s", "evil\nname\x1b[2J\xff", "refused");
    char *b = new_log_bytes(&n);
    assert_true(n > 0);
    assert_int_equal(count_nl(b, n), 1);
    assert_int_equal(b[n - 1], '\n');
    norm(b);
    if (!strstr(b, "connect evil\\nname\\e[2J\\xff: refused\n"))
        fail_msg("logged: \"%s\"", b);
    for (size_t i = 0; i + 1 < n; i++)
        assert_true((unsigned char)b[i] >= 0x20 && (unsigned char)b[i] < 0x7f);
    free(b);

    /* a huge argument: still exactly one line */
    static char big[8192];
    memset(big, 'A', sizeof big - 1);
    log_line(TRYALL_LOG_FAIL, "big %s end", big);
    b = new_log_bytes(&n);
    assert_true(n > 100);
    assert_int_equal(count_nl(b, n), 1);
    assert_int_equal(b[n - 1], '\n');
    free(b);
}

static void test_log_line_below_level_silent(void **state)
{
    (void)state;
    size_t n;
    free(new_log_bytes(&n));
    log_line(TRYALL_LOG_TRACE, "trace %s", "detail");
    char *b = new_log_bytes(&n);
    assert_int_equal(n, 0);
    free(b);
}

static void test_log_line_keeps_errno(void **state)
{
    (void)state;
    const int errs[] = { ECONNREFUSED, EINPROGRESS, ETIMEDOUT, 0 };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        errno = errs[i];
        log_line(TRYALL_LOG_FAIL, "errno test %zu", i);
        assert_int_equal(errno, errs[i]);
        errno = errs[i];
        log_line(TRYALL_LOG_TRACE, "errno test %zu", i);
        assert_int_equal(errno, errs[i]);
    }
    size_t n;
    free(new_log_bytes(&n));
}

/* The descriptor number the library holds open on the log file, or -1. */
static int find_log_fd(void)
{
    struct stat want;
    if (stat(logpath, &want) != 0)
        return -1;
    for (int fd = 3; fd < 65536; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
            return fd;
    }
    return -1;
}

static void test_log_never_writes_to_reused_fd(void **state)
{
    (void)state;
    /* The app closes every descriptor it does not know (as daemons do) and
     * its next open() gets the log's old number. The log must not land in
     * the app's data file. */
    log_line(TRYALL_LOG_FAIL, "before");
    int lfd = find_log_fd();
    assert_true(lfd >= 0);
    /* The log lives high, not at the number the app's next open() gets. */
    int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(probe >= 0 && probe < lfd);
    close(probe);
    assert_int_equal(close(lfd), 0);

    int dfd = open(datapath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(dfd >= 0);
    if (dfd != lfd) {
        assert_int_equal(dup2(dfd, lfd), lfd);
        close(dfd);
        dfd = lfd;
    }
    size_t n;
    free(new_log_bytes(&n));
    log_line(TRYALL_LOG_FAIL, "after %s", "reuse");

    struct stat st;
    assert_int_equal(fstat(dfd, &st), 0);
    if (st.st_size != 0)
        fail_msg("the log line went into the app's data file (%lld bytes)", (long long)st.st_size);
    char *b = new_log_bytes(&n);
    assert_non_null(strstr(b, "after reuse\n"));
    free(b);
    close(dfd);
}

static int cleanup(void **state)
{
    (void)state;
    unlink(logpath);
    unlink(datapath);
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(logpath, sizeof logpath, "%s/log", tmpdir);
    snprintf(datapath, sizeof datapath, "%s/data", tmpdir);
    setenv("TRYALL_LOG", "fail", 1);
    setenv("TRYALL_LOG_FILE", logpath, 1);
    setenv("TRYALL_DELAY_MS", "100", 1);      /* valid: no warning */
    setenv("TRYALL_DISABLE", "maybe", 1);     /* invalid: one warning */

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_log_on_keeps_errno),   /* must stay first */
        cmocka_unit_test(test_log_on_levels),
        cmocka_unit_test(test_escape_plain),
        cmocka_unit_test(test_escape_specials),
        cmocka_unit_test(test_escape_other_controls),
        cmocka_unit_test(test_escape_high_bytes),
        cmocka_unit_test(test_escape_all_bytes),
        cmocka_unit_test(test_escape_truncation),
        cmocka_unit_test(test_escape_4k),
        cmocka_unit_test(test_log_line_warnings_once),     /* first log_line */
        cmocka_unit_test(test_log_line_escaped_one_line),
        cmocka_unit_test(test_log_line_below_level_silent),
        cmocka_unit_test(test_log_line_keeps_errno),
        cmocka_unit_test(test_log_never_writes_to_reused_fd),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, cleanup);
}

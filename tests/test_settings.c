/* test_settings.c - unit tests for reading the config file's bytes
 * (settings_read_file in src/sys/settings.c).
 * Covers: a good file read whole (and one of exactly the bound less one
 * byte); no file (ENOENT, ENOTDIR) silently nothing; a file refused with
 * one warning naming it: group- or world-writable, not owned by root (run as
 * root, the test chowns a copy to another user; run as another user every
 * file is such a one), a symbolic link (even to a good file), a directory,
 * a FIFO (without blocking), a file of the bound or more; no descriptor
 * left open; errno as the caller had it is not promised here (the loader
 * keeps it, tests/test_config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "settings.h"

static char dir[] = "/tmp/tryall-test-settings.XXXXXX";
static char buf[TRYALL_CONF_MAX];
static char warn[1024];

static char *path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text, size_t len, mode_t mode)
{
    int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(path(name), mode), 0);
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static int rd(const char *name, size_t *len)
{
    warn[0] = '\0';
    *len = 12345;
    return settings_read_file(path(name), buf, sizeof buf, len, warn, sizeof warn);
}

/* Refused, with one warning naming the file and saying why. */
static void assert_refused(const char *name, const char *why)
{
    size_t len;
    int before = open_fds();
    int r = rd(name, &len);
    if (r != 0)
        fail_msg("%s was read (%zu bytes)", name, len);
    if (!strstr(warn, path(name)) || !strstr(warn, why) || !strstr(warn, "ignored"))
        fail_msg("%s: warning '%s' does not name it and say '%s'", name, warn, why);
    assert_int_equal(strchr(warn, '\n') - warn + 1, (long)strlen(warn));   /* one line */
    assert_int_equal(open_fds(), before);
}

static void test_good_file(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();   /* only root owns what it writes: see test_not_root_owned */
    const char *text = "delay_ms = 300\n[program curl]\noff\n";
    write_file("good", text, strlen(text), 0644);
    size_t len;
    int before = open_fds();
    assert_int_equal(rd("good", &len), 1);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
    assert_string_equal(warn, "");
    assert_int_equal(open_fds(), before);

    /* read-only for everyone is fine too; so is the largest allowed size */
    static char big[TRYALL_CONF_MAX];
    memset(big, '#', sizeof big);
    write_file("big-ok", big, sizeof big - 1, 0400);
    assert_int_equal(rd("big-ok", &len), 1);
    assert_int_equal(len, sizeof big - 1);
    write_file("big", big, sizeof big, 0644);
    assert_refused("big", "too large");
    write_file("bigger", big, sizeof big, 0644);
    int fd = open(path("bigger"), O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, big, 100), 100);
    close(fd);
    assert_refused("bigger", "too large");
}

static void test_missing(void **state)
{
    (void)state;
    size_t len;
    assert_int_equal(rd("nothing-here", &len), 0);
    assert_string_equal(warn, "");
    write_file("plain", "x", 1, 0644);
    assert_int_equal(rd("plain/under-a-file", &len), 0);   /* ENOTDIR */
    assert_string_equal(warn, "");
}

static void test_writable_by_others(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    write_file("g+w", "delay_ms = 300\n", 15, 0664);
    assert_refused("g+w", "writable by group or others");
    write_file("o+w", "delay_ms = 300\n", 15, 0646);
    assert_refused("o+w", "writable by group or others");
}

static void test_not_root_owned(void **state)
{
    (void)state;
    write_file("theirs", "delay_ms = 300\n", 15, 0644);
    if (geteuid() == 0 && chown(path("theirs"), 65534, 65534) != 0)
        skip();
    assert_refused("theirs", "not owned by root");
}

static void test_symlink_dir_fifo(void **state)
{
    (void)state;
    write_file("target", "delay_ms = 300\n", 15, 0644);
    assert_int_equal(symlink(path("target"), path("link")), 0);
    assert_refused("link", "symbolic link");
    assert_int_equal(mkdir(path("adir"), 0755), 0);
    assert_refused("adir", "not a regular file");
    assert_int_equal(mkfifo(path("fifo"), 0644), 0);
    assert_refused("fifo", "not a regular file");   /* and did not block opening it */
}

static int cleanup(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_writable_by_others),
        cmocka_unit_test(test_not_root_owned),
        cmocka_unit_test(test_symlink_dir_fifo),
    };
    return cmocka_run_group_tests_name("settings", tests, NULL, cleanup);
}

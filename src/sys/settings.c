/* settings.c - owns the process's settings: read once, at load time (or at
 * the first use, if a hook runs before libtryall's constructor), from the
 * config file (TRYALL_CONF_PATH) and, unless the process is set-uid,
 * set-gid or has file capabilities (AT_SECURE), the environment; the
 * program's executable path for the file's [program] rules and the logs.
 * The parsing is core/config.c's and core/conffile.c's; this file only
 * fetches the bytes.
 * Must never read a source twice, block (the file is opened O_NONBLOCK),
 * follow a symbolic link to the file, leave a descriptor open, or change
 * errno. */
#include "sys/settings.h"
#include "core/config.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

static struct tryall_config the_config;
static char the_warnings[2048];
static char the_exe[TRYALL_PATH_MAX];
static char the_name[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

int settings_read_file(const char *path, char *buf, size_t cap, size_t *len, char *warn,
                       size_t warnlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            config_warn(warn, warnlen, "%s: %s; ignored\n", path,
                        errno == ELOOP ? "a symbolic link" : strerrordesc_np(errno));
        return 0;
    }
    struct stat st;
    const char *why = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0)
        why = "cannot be examined";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != 0)
        why = "not owned by root";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "writable by group or others";
    while (!why && n < cap) {
        ssize_t r = real()->read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            why = "cannot be read";
        else if (r == 0)
            break;
        else
            n += (size_t)r;
    }
    if (!why && n == cap)
        why = "too large (64 KiB at most)";
    real()->close(fd);
    if (why) {
        config_warn(warn, warnlen, "%s: %s; ignored\n", path, why);
        return 0;
    }
    *len = n;
    return 1;
}

static const char *env_get(const char *name)
{
    return secure_getenv(name);
}

static void read_exe(void)
{
    ssize_t n = readlink("/proc/self/exe", the_exe, sizeof the_exe - 1);
    the_exe[n > 0 ? n : 0] = '\0';
    const char *base = strrchr(the_exe, '/');
    const char *name = base ? base + 1 : program_invocation_short_name;
    strncpy(the_name, name ? name : "", sizeof the_name - 1);
}

static void load(void)
{
    static char text[TRYALL_CONF_MAX];
    int saved = errno;
    size_t len = 0;
    int secure = getauxval(AT_SECURE) != 0;
    int have = settings_read_file(TRYALL_CONF_PATH, text, sizeof text, &len, the_warnings,
                                  sizeof the_warnings);
    if (have && config_file_has_rules(text, len))
        read_exe();
    config_build(&the_config, have ? text : NULL, len, TRYALL_CONF_PATH, the_exe,
                 secure ? NULL : env_get, the_warnings, sizeof the_warnings);
    if (the_config.log_level > TRYALL_LOG_QUIET && !the_exe[0])
        read_exe();
    errno = saved;
}

const struct tryall_config *tryall_config(void)
{
    pthread_once(&once, load);
    return &the_config;
}

const char *tryall_config_warnings(void)
{
    pthread_once(&once, load);
    return the_warnings;
}

const char *tryall_program_path(void)
{
    pthread_once(&once, load);
    return the_exe;
}

const char *tryall_program_name(void)
{
    pthread_once(&once, load);
    return the_name;
}

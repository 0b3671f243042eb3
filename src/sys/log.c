/* log.c - owns the opt-in log: TRYALL_LOG=fail|trace, to TRYALL_LOG_FILE or stderr.
 * A line is formatted into a stack buffer, escaped, and written with one
 * write(2) system call. The write and the close are raw system calls, not
 * the real-symbol table: a log line must get out even while a unit test
 * puts a fake kernel behind the table, and before the table is bound.
 * Must never allocate, never write to a descriptor that is not the log file
 * it opened (it re-checks the file's identity before each write) or stderr,
 * and never change the errno the app sees. */
#include "sys/log.h"
#include "core/config.h"
#include "sys/highfd.h"
#include "core/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048

size_t log_escape(char *dst, size_t dstlen, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (dstlen == 0)
        return 0;
    for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
        char tmp[4];
        size_t k = 0;
        switch (*s) {
        case '\n': tmp[k++] = '\\'; tmp[k++] = 'n'; break;
        case '\t': tmp[k++] = '\\'; tmp[k++] = 't'; break;
        case '\r': tmp[k++] = '\\'; tmp[k++] = 'r'; break;
        case 0x1b: tmp[k++] = '\\'; tmp[k++] = 'e'; break;
        case '\\': tmp[k++] = '\\'; tmp[k++] = '\\'; break;
        default:
            if (*s < 0x20 || *s >= 0x7f) {
                tmp[k++] = '\\'; tmp[k++] = 'x';
                tmp[k++] = hex[*s >> 4]; tmp[k++] = hex[*s & 15];
            } else {
                tmp[k++] = (char)*s;
            }
        }
        if (o + k >= dstlen)
            break;
        memcpy(dst + o, tmp, k);
        o += k;
    }
    dst[o] = '\0';
    return o;
}

int log_on(int level)
{
    return tryall_config()->log_level >= level;
}

/* The log descriptor and the identity of the file behind it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
TLOCK_HELD(held);
TLOCK_HELD(took_for_fork);
static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;
static int warned;

void log_fork(int phase)
{
    tlock_fork(&lock, &held, &took_for_fork, phase);
}

static int still_ours(void)
{
    struct stat st;
    return log_fd >= 0 && fstat(log_fd, &st) == 0 && st.st_dev == log_dev && st.st_ino == log_ino;
}

static int open_log(const char *path)
{
    if (still_ours())
        return log_fd;
    int fd = highfd_park(open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644));
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            syscall(SYS_close, fd);
        return 2;
    }
    log_fd = fd;
    log_dev = st.st_dev;
    log_ino = st.st_ino;
    return fd;
}

static void emit(const char *line, size_t len)
{
    const char *path = tryall_config()->log_to == TRYALL_LOG_TO_FILE ? tryall_config()->log_file : "";
    if (tlock_take(&lock, &held) != 0)
        return;   /* a handler interrupted a log write on this thread: drop the line */
    int fd = path[0] ? open_log(path) : 2;
    syscall(SYS_write, fd, line, len);
    tlock_drop(&lock, &held);
}

static void vline(const char *fmt, va_list ap)
{
    char raw[LINE_MAX_BYTES], line[LINE_MAX_BYTES];
    int n = snprintf(raw, sizeof raw, "tryall[%d]: ", (int)getpid());
    if (n < 0)
        return;
    vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
    size_t len = log_escape(line, sizeof line - 1, raw);
    line[len++] = '\n';
    emit(line, len);
}

static void line_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

void log_line(int level, const char *fmt, ...)
{
    if (!log_on(level))
        return;
    int saved = errno;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_ACQ_REL)) {
        const char *w = tryall_config_warnings();
        while (*w) {
            const char *nl = strchr(w, '\n');
            int len = nl ? (int)(nl - w) : (int)strlen(w);
            line_fmt("warning: %.*s", len, w);
            w += len + (nl ? 1 : 0);
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
    errno = saved;
}

/* logout.c - owns the log's destinations (TRYALL_LOG_TO): stderr, a file,
 * or syslog through a datagram socket to /dev/log (never through the app's
 * openlog/syslog state, which it may use itself). Each line is one system
 * call: write(2), or sendto(2) without waiting (a busy syslog daemon loses
 * the line rather than stall the app).
 * Our descriptors (the file, the socket) are close-on-exec, parked high and
 * checked by identity (device, inode) before each use: a program that
 * closed them (daemons close everything) gets them re-opened, never its own
 * descriptor written to. stderr is used only while descriptor 2 is still
 * the file it was at load time. The write, sendto and close are raw system
 * calls (a line must get out before the real-symbol table is bound and
 * while a unit test fakes it).
 * Must never allocate, block on the file or the socket, or change errno
 * (the caller keeps it). */
#include "sys/logout.h"
#include "sys/real.h"
#include "core/config.h"
#include "core/lock.h"
#include "sys/highfd.h"

#include <fcntl.h>
#include <paths.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
TLOCK_HELD(held);
TLOCK_HELD(took_for_fork);

/* One descriptor of ours and the identity of what is behind it. */
struct ours {
    int fd;
    dev_t dev;
    ino_t ino;
};

static struct ours file = { -1, 0, 0 }, sock = { -1, 0, 0 };
static struct ours err2 = { -1, 0, 0 };   /* fd 2 at load time; fd -1: it was closed */
static int err2_known;

void log_out_fork(int phase)
{
    tlock_fork(&lock, &held, &took_for_fork, phase);
}

static int same(const struct ours *o)
{
    struct stat st;
    return o->fd >= 0 && fstat(o->fd, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino;
}

/* Remember fd (ours, or -1) as o; closes it when it cannot be examined. */
static int adopt(struct ours *o, int fd)
{
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) != 0) {
        syscall(SYS_close, fd);
        fd = -1;
    }
    o->fd = fd;
    if (fd >= 0) {
        o->dev = st.st_dev;
        o->ino = st.st_ino;
    }
    return fd;
}

/* Lock held. */
static void note_stderr(void)
{
    struct stat st;
    if (err2_known)
        return;
    if (fstat(2, &st) == 0)
        err2 = (struct ours){ 2, st.st_dev, st.st_ino };
    err2_known = 1;
}

void log_out_init(void)
{
    if (tlock_take(&lock, &held) != 0)
        return;
    note_stderr();
    tlock_drop(&lock, &held);
}

/* The log file, opened O_APPEND|O_NOFOLLOW (and never created by a set-uid
 * or set-gid program: it only appends to a file that exists). */
static int file_fd(const char *path)
{
    if (same(&file))
        return file.fd;
    int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    if (!getauxval(AT_SECURE))
        flags |= O_CREAT;
    return adopt(&file, highfd_park(open(path, flags, 0644)));
}

static int sock_fd(void)
{
    if (same(&sock))
        return sock.fd;
    return adopt(&sock, highfd_park(real()->socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)));
}

static void to_syslog(char *line, size_t len, int severity, int json)
{
    static const struct sockaddr_un dev_log = { AF_UNIX, _PATH_LOG };
    char head[LOG_OUT_HEAD];
    int n = json ? snprintf(head, sizeof head, "<%d>tryall[%d]: ", LOG_USER | severity, (int)getpid())
                 : snprintf(head, sizeof head, "<%d>", LOG_USER | severity);
    if (n <= 0 || n >= LOG_OUT_HEAD)
        return;
    memcpy(line - n, head, (size_t)n);
    int fd = sock_fd();
    if (fd >= 0)
        syscall(SYS_sendto, fd, line - n, len - 1 + (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
                &dev_log, (socklen_t)sizeof dev_log);
}

void log_out(char *line, size_t len, int severity, int json)
{
    const struct tryall_config *c = tryall_config();
    if (tlock_take(&lock, &held) != 0)
        return;   /* a handler interrupted a log write on this thread: drop the line */
    note_stderr();   /* normally done at load time (log_out_init) */
    if (c->log_to == TRYALL_LOG_TO_SYSLOG) {
        to_syslog(line, len, severity, json);
    } else {
        int fd = c->log_to == TRYALL_LOG_TO_FILE ? file_fd(c->log_file) : same(&err2) ? 2 : -1;
        if (fd >= 0)
            syscall(SYS_write, fd, line, len);
    }
    tlock_drop(&lock, &held);
}

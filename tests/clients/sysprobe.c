/* sysprobe.c - a program as system-wide mode meets it, reporting what it
 * sees into a file (its stdout and stderr may be closed).
 * usage: sysprobe [-d] [-i] REPORT HOST PORT
 *   -d  daemonize first, the classic way: fork, setsid, fork; the daemon
 *       closes every descriptor (close_range 0..~0) and opens /dev/null as
 *       0, 1 and 2; the first process exits 0 at once
 *   -i  report AT_SECURE, the real and effective uid, and whether the
 *       environment has any TRYALL_* or LD_PRELOAD variable
 * Then: opens REPORT.tmp (the lowest free number), resolves HOST (AF_UNSPEC,
 * SOCK_STREAM) and connect()s a blocking socket to the first address only,
 * writes to it, and reports the outcome, the numbers of its descriptors and
 * every open descriptor's kind (from /proc/self/fd: path, "socket",
 * "pipe", "anon_inode:..."); renames REPORT.tmp to REPORT when done (a
 * caller waits for REPORT). Exit status 0 when connected, else 1. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

static char report[8192];
static size_t used;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(report + used, sizeof report - used, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof report - used)
        used += (size_t)n;
}

static void daemonize(void)
{
    pid_t p = fork();
    if (p < 0)
        exit(3);
    if (p > 0)
        exit(0);
    setsid();
    p = fork();
    if (p < 0)
        exit(3);
    if (p > 0)
        exit(0);
    close_range(0, ~0U, 0);
    for (int i = 0; i < 3; i++)
        if (open("/dev/null", O_RDWR) != i)
            exit(4);
}

static void list_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        say("no /proc\n");
        return;
    }
    int skip = dirfd(d);
    struct dirent *e;
    char seen[64][160];
    int n = 0;
    while ((e = readdir(d)) && n < 64) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd == skip)
            continue;
        char link[64], target[128] = "";
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t l = readlink(link, target, sizeof target - 1);
        target[l > 0 ? l : 0] = '\0';
        if (strncmp(target, "socket:", 7) == 0)
            strcpy(target, "socket");
        else if (strncmp(target, "pipe:", 5) == 0)
            strcpy(target, "pipe");
        else if (strncmp(target, "/dev/pts/", 9) == 0)
            strcpy(target, "/dev/pts");
        snprintf(seen[n++], sizeof seen[0], "fd %d %s\n", fd, target);
    }
    closedir(d);
    /* readdir order is the kernel's: sort for a stable report */
    qsort(seen, (size_t)n, sizeof seen[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++)
        say("%s", seen[i]);
}

int main(int argc, char **argv)
{
    int daemon = 0, ident = 0, c;
    while ((c = getopt(argc, argv, "di")) != -1) {
        if (c == 'd')
            daemon = 1;
        else if (c == 'i')
            ident = 1;
        else
            return 2;
    }
    if (argc - optind != 3)
        return fprintf(stderr, "usage: sysprobe [-d] [-i] REPORT HOST PORT\n"), 2;
    const char *path = argv[optind], *host = argv[optind + 1], *port = argv[optind + 2];
    if (daemon)
        daemonize();
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (rfd < 0)
        return 5;
    say("report fd %d\n", rfd);
    if (ident) {
        int env = 0;
        for (char **e = environ; *e; e++)
            env += strncmp(*e, "TRYALL_", 7) == 0 || strncmp(*e, "LD_PRELOAD=", 11) == 0;
        say("secure %lu uid %d euid %d tryall-env %d\n", getauxval(AT_SECURE), (int)getuid(),
            (int)geteuid(), env);
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res), ok = 0;
    if (rc != 0) {
        say("getaddrinfo: %s\n", gai_strerror(rc));
    } else {
        int s = socket(res->ai_family, SOCK_STREAM, 0);
        say("socket fd %d\n", s);
        if (connect(s, res->ai_addr, res->ai_addrlen) == 0) {
            ok = send(s, "hello\n", 6, MSG_NOSIGNAL) == 6;
            say("connect ok, send %s\n", ok ? "ok" : strerrorname_np(errno));
        } else {
            say("connect %s\n", strerrorname_np(errno));
        }
        freeaddrinfo(res);
    }
    list_fds();
    if (write(rfd, report, used) != (ssize_t)used || close(rfd) != 0 || rename(tmp, path) != 0)
        return 6;
    return ok ? 0 : 1;
}

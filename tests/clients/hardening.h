/* hardening.h - shared helpers of the hardening clients (stress.c, forky.c,
 * sigs.c): an in-process TCP echo server (one epoll thread), descriptor and
 * socket counts from /proc/self/fd, RSS and context-switch readings, a
 * token round trip that proves a descriptor talks to the right connection,
 * a "peer is one of the name's addresses" check, and a stall watchdog that
 * prints every worker's state (plus a gdb backtrace of all threads when gdb
 * is installed and HARD_GDB is not 0) and exits 99.
 * Header-only (static inline) so each client stays one translation unit; the
 * Makefile makes the three clients depend on it.
 * The echo server binds only the namespace addresses of bats/lib/netns.bash
 * (127.0.0.2, 127.0.0.3, fd00:7e57::2, fd00:7e57::3) or what the caller says. */
#ifndef HARDENING_H
#define HARDENING_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrstr.h"

static inline int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void h_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline const char *h_ename(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "?";
}

/* ---- descriptors, memory, wakeups ---- */

/* Open descriptors of this process (the directory's own one excluded);
 * with sockets != NULL also how many of them are sockets. */
static inline int h_count_fds(int *sockets)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0, s = 0, self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd == self)
            continue;
        n++;
        if (sockets) {
            char p[64], t[64];
            snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
            ssize_t l = readlink(p, t, sizeof t - 1);
            s += l > 7 && !strncmp(t, "socket:", 7);
        }
    }
    closedir(d);
    if (sockets)
        *sockets = s;
    return n;
}

/* One "key: value kB" line of /proc/self/status, or -1. */
static inline long h_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = atol(line + kl + 1);
            break;
        }
    fclose(f);
    return v;
}

/* Voluntary context switches (= wakeups from a wait) of the whole process
 * (RUSAGE_SELF) or the calling thread (RUSAGE_THREAD). */
static inline long h_vcsw(int who)
{
    struct rusage ru;
    return getrusage(who, &ru) == 0 ? ru.ru_nvcsw : -1;
}

/* ---- addresses ---- */

/* Address (v4-mapped IPv6 folded to IPv4) and port of sa, as 16+2 bytes. */
static inline int h_addr_key(const struct sockaddr *sa, uint8_t out[16], int *fam, uint16_t *port)
{
    memset(out, 0, 16);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(out, &s4->sin_addr, 4);
        *fam = AF_INET;
        *port = ntohs(s4->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        *port = ntohs(s6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            memcpy(out, (const uint8_t *)&s6->sin6_addr + 12, 4);
            *fam = AF_INET;
        } else {
            memcpy(out, &s6->sin6_addr, 16);
            *fam = AF_INET6;
        }
        return 0;
    }
    return -1;
}

/* Is fd's peer (address and port) one of the addresses of res? 1 yes,
 * 0 no (peer written to buf), -1 getpeername failed (errno). */
static inline int h_peer_in(int fd, const struct addrinfo *res, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    uint8_t pk[16], ak[16];
    int pf, af;
    uint16_t pp, ap;
    if (h_addr_key((struct sockaddr *)&ss, pk, &pf, &pp) != 0)
        return 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (h_addr_key(ai->ai_addr, ak, &af, &ap) == 0 && af == pf && ap == pp &&
            !memcmp(ak, pk, 16))
            return 1;
    addr_str((struct sockaddr *)&ss, buf, len);
    return 0;
}

/* ---- token round trip ---- */

/* Send tok, read back exactly as many bytes (within ms), compare.
 * 0 ok, else -1 with why[] filled. Works on blocking and non-blocking fds. */
static inline int h_roundtrip(int fd, const char *tok, int ms, char *why, size_t wl)
{
    size_t n = strlen(tok), done = 0;
    int64_t end = h_now_ms() + ms;
    while (done < n) {
        ssize_t w = send(fd, tok + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR && h_now_ms() < end)
            continue;   /* (a socket timeout is not restarted: EINTR; ms still bounds it) */
        if (w < 0 && errno == EAGAIN && h_now_ms() < end) {
            struct pollfd p = { fd, POLLOUT, 0 };
            poll(&p, 1, 100);
            continue;
        }
        snprintf(why, wl, "send: %s", h_ename(errno));
        return -1;
    }
    char buf[256];
    size_t got = 0;
    while (got < n && got < sizeof buf) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r == 0) {
            snprintf(why, wl, "recv: EOF after %zu of %zu bytes", got, n);
            return -1;
        }
        if (errno == EINTR && h_now_ms() < end)
            continue;
        if (errno == EAGAIN && h_now_ms() < end) {
            struct pollfd p = { fd, POLLIN, 0 };
            poll(&p, 1, 100);
            continue;
        }
        snprintf(why, wl, "recv: %s after %zu of %zu bytes", h_ename(errno), got, n);
        return -1;
    }
    if (got != n || memcmp(buf, tok, n) != 0) {
        snprintf(why, wl, "echo mismatch: sent '%.*s' got '%.*s'", (int)n - 1, tok, (int)got, buf);
        return -1;
    }
    return 0;
}

/* ---- echo server ---- */

static int h_echo_open;            /* accepted connections not yet closed */
static int h_echo_ep = -1;

static inline void h_echo_close(int fd)
{
    epoll_ctl(h_echo_ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    __atomic_sub_fetch(&h_echo_open, 1, __ATOMIC_SEQ_CST);
}

static void *h_echo_loop(void *arg)
{
    (void)arg;
    /* Never interrupted by the clients' timer signals. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(h_echo_ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = (int)(evs[i].data.u64 & 0xffffffffu);
            if (evs[i].data.u64 >> 32) {   /* a listener */
                for (;;) {
                    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0)
                        break;
                    __atomic_add_fetch(&h_echo_open, 1, __ATOMIC_SEQ_CST);
                    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)c };
                    if (epoll_ctl(h_echo_ep, EPOLL_CTL_ADD, c, &ev) != 0)
                        h_echo_close(c);
                }
                continue;
            }
            char buf[4096];
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                size_t off = 0;
                while (off < (size_t)r) {
                    ssize_t w = send(fd, buf + off, (size_t)r - off, MSG_NOSIGNAL);
                    if (w > 0) {
                        off += (size_t)w;
                    } else if (w < 0 && errno == EAGAIN) {
                        struct pollfd p = { fd, POLLOUT, 0 };
                        poll(&p, 1, 100);
                    } else {
                        break;
                    }
                }
            } else if (r == 0 || errno != EAGAIN) {
                h_echo_close(fd);
            }
        }
    }
    return NULL;
}

static const char *const h_echo_default[] = { "127.0.0.2", "127.0.0.3", "fd00:7e57::2", "fd00:7e57::3", NULL };

/* Listen on port at each address (NULL: the namespace's good ones) and
 * start the server thread. 0 ok, -1 with a message on stderr. */
static inline int h_echo_start(int port, const char *const *addrs)
{
    if (!addrs)
        addrs = h_echo_default;
    h_echo_ep = epoll_create1(EPOLL_CLOEXEC);
    if (h_echo_ep < 0)
        return -1;
    for (int i = 0; addrs[i]; i++) {
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *res;
        char ps[16];
        snprintf(ps, sizeof ps, "%d", port);
        if (getaddrinfo(addrs[i], ps, &hints, &res) != 0) {
            fprintf(stderr, "echo server: bad address %s\n", addrs[i]);
            return -1;
        }
        int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (s < 0 || bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, 4096) != 0) {
            fprintf(stderr, "echo server: cannot listen on [%s]:%d: %s (run in a bats/lib/netns.bash namespace)\n",
                    addrs[i], port, strerror(errno));
            freeaddrinfo(res);
            return -1;
        }
        freeaddrinfo(res);
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (1ULL << 32) | (uint64_t)s };
        epoll_ctl(h_echo_ep, EPOLL_CTL_ADD, s, &ev);
    }
    pthread_t t;
    if (pthread_create(&t, NULL, h_echo_loop, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}

/* Wait until the server closed every connection (the clients closed theirs). */
static inline int h_echo_quiesce(int ms)
{
    int64_t end = h_now_ms() + ms;
    while (__atomic_load_n(&h_echo_open, __ATOMIC_SEQ_CST) > 0) {
        if (h_now_ms() > end)
            return -1;
        h_sleep_ms(5);
    }
    return 0;
}

/* ---- watchdog ---- */

static long h_progress;                    /* bumped by workers on every step */
static int h_watch_stall_s = 20;
static void (*h_watch_report)(void);       /* prints the workers' states */
static int h_watch_stop;                  /* set with h_watch_end() */

static inline void h_tick(void)
{
    __atomic_add_fetch(&h_progress, 1, __ATOMIC_RELAXED);
}

/* Print a backtrace of every thread of process pid with gdb, if present. */
static inline void h_gdb_dump(pid_t pid)
{
    const char *g = getenv("HARD_GDB");
    if ((g && !strcmp(g, "0")) || access("/usr/bin/gdb", X_OK) != 0)
        return;
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "env -u LD_PRELOAD /usr/bin/gdb -p %d -batch -nx -ex 'thread apply all bt' </dev/null 2>&1 | "
             "grep -v -e '^\\[New LWP' -e '^warning:' >&2", (int)pid);
    if (system(cmd) != 0)
        fprintf(stderr, "(gdb backtrace failed)\n");
}

static void *h_watch_loop(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    long last = -1;
    int64_t since = h_now_ms();
    while (!__atomic_load_n(&h_watch_stop, __ATOMIC_RELAXED)) {
        h_sleep_ms(250);
        long p = __atomic_load_n(&h_progress, __ATOMIC_RELAXED);
        if (p != last) {
            last = p;
            since = h_now_ms();
        } else if (h_now_ms() - since > (int64_t)h_watch_stall_s * 1000 &&
                   !__atomic_load_n(&h_watch_stop, __ATOMIC_RELAXED)) {
            fprintf(stderr, "WATCHDOG: no progress for %d s (deadlock or hang)\n", h_watch_stall_s);
            if (h_watch_report)
                h_watch_report();
            fflush(NULL);
            h_gdb_dump(getpid());
            printf("WATCHDOG: no progress for %d s\n", h_watch_stall_s);
            fflush(NULL);
            _exit(99);
        }
    }
    return NULL;
}

static inline void h_watch_end(void)
{
    __atomic_store_n(&h_watch_stop, 1, __ATOMIC_RELAXED);
}

static inline void h_watchdog_start(int stall_s, void (*report)(void))
{
    h_watch_stall_s = stall_s;
    h_watch_report = report;
    pthread_t t;
    if (pthread_create(&t, NULL, h_watch_loop, NULL) == 0)
        pthread_detach(t);
}

/* ---- failures ---- */

static int h_failures;

static inline void h_fail(const char *fmt, ...)
{
    int n = __atomic_add_fetch(&h_failures, 1, __ATOMIC_SEQ_CST);
    if (n > 30)
        return;   /* enough to see the pattern */
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("FAIL %s\n", line);
}

#endif

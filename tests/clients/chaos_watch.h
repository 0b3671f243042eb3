/* chaos_watch.h - owns what the chaos client (chaos.c) looks at: one slice
 * of a wait for a connecting descriptor by poll, select or epoll (checking
 * that epoll hands back only the app's data), a token's round trip that
 * cannot hang whatever the descriptor holds, the list of the process's
 * open descriptors with what each is, and the idle wait after the report
 * (the test counts /proc/PID/fd then).
 * Header-only (static inline): chaos.c stays one translation unit.
 * Must never count the log file or its own directory handle. */
#ifndef CHAOS_WATCH_H
#define CHAOS_WATCH_H

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One slice (100 ms) of a wait for fd to be writable: how 0 poll, 1 select,
 * 2 epoll on ep (data must come back as registered). Returns 1 ready, 0
 * nothing yet (EINTR too), -errno, or -3 for foreign epoll data. */
static inline int chaos_wait_once(int fd, int how, int ep, uint64_t data)
{
    int r;
    if (how == 2) {
        struct epoll_event ev[4];
        r = epoll_wait(ep, ev, 4, 100);
        for (int i = 0; i < r; i++)
            if (ev[i].data.u64 != data)
                return -3;
    } else if (how == 1 && fd < FD_SETSIZE) {
        fd_set wr;
        FD_ZERO(&wr);
        FD_SET(fd, &wr);
        struct timeval tv = { 0, 100000 };
        r = select(fd + 1, NULL, &wr, NULL, &tv);
    } else {
        struct pollfd p = { fd, POLLOUT, 0 };
        r = poll(&p, 1, 100);
        if (r > 0 && (p.revents & POLLNVAL))
            return -EBADF;
    }
    if (r < 0)
        return errno == EINTR ? 0 : -errno;
    return r > 0;
}

/* Send tok on fd and read it back within ms, never blocking in the kernel
 * (poll, then MSG_DONTWAIT): 0 ok, 1 wrong bytes back, -1 an error or the
 * time ran out (errno). */
static inline int chaos_roundtrip(int fd, const char *tok, int ms)
{
    size_t n = strlen(tok), sent = 0, got = 0;
    char buf[128];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (got < n && got < sizeof buf) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = { fd, (short)(sent < n ? POLLOUT : POLLIN), 0 };
        if (left <= 0)
            return errno = ETIMEDOUT, -1;
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            return -1;
        ssize_t r = sent < n ? send(fd, tok + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL)
                             : recv(fd, buf + got, n - got, MSG_DONTWAIT);
        if (r == 0)
            return errno = ECONNRESET, -1;   /* EOF before the echo */
        if (r < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (r > 0 && sent < n)
            sent += (size_t)r;
        else if (r > 0)
            got += (size_t)r;
    }
    return memcmp(buf, tok, n) != 0;
}

/* The open descriptors (number and what they are), TRYALL_LOG_FILE's and
 * the directory's own left out, as one line into buf; returns the count. */
static inline int chaos_fd_list(char *buf, size_t len)
{
    const char *log = getenv("TRYALL_LOG_FILE");
    DIR *d = opendir("/proc/self/fd");
    size_t o = 0;
    int n = 0;
    buf[0] = '\0';
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[64], t[256];
        int fd = atoi(e->d_name);
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        ssize_t l = readlink(p, t, sizeof t - 1);
        if (e->d_name[0] == '.' || fd == dirfd(d) || l < 0)
            continue;
        t[l] = '\0';
        if (log && !strcmp(t, log))
            continue;
        n++;
        if (o < len)
            o += (size_t)snprintf(buf + o, len - o, "%d:%s ", fd, t);
    }
    if (d)
        closedir(d);
    return n;
}

/* After the report: "idle", then wait (at most 60 s) for SIGTERM. */
static inline void chaos_idle(void)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL);
    printf("idle\n");
    fflush(stdout);
    struct timespec ts = { 60, 0 };
    sigtimedwait(&term, NULL, &ts);
}

#endif

/* nb_client.c - the non-blocking victim: getaddrinfo(HOST, PORT) (AF_UNSPEC,
 * SOCK_STREAM), socket, O_NONBLOCK, connect() to the FIRST result only, then
 * wait for writability in one of the app's own ways and report what the
 * socket says. Under libtryall the race runs inside that wait.
 *
 * usage: nb_client [-m MODE] [-T MS] [-r N] [-B] [-E] [-a] [-w] [-p] [-b] [-g] HOST PORT
 *   -m MODE  how to wait (default poll):
 *              poll ppoll select pselect poll_chk (only in nb_fortify, the
 *              same source built with _FORTIFY_SOURCE=3: poll is __poll_chk)
 *              epoll-lt epoll-et epoll-oneshot epoll-pwait epoll-pwait2
 *              epoll-two-sets (the fd in two sets with different data; both
 *                              must report it, each with its own data)
 *              epoll-shared   (one set, two threads in epoll_wait on it)
 *   -T MS    the app's wait timeout (default -1: forever); a wait that
 *            returns 0 prints "timeout after N ms" (N = that wait alone)
 *   -r N     after a wait timed out, wait again, up to N more times (an
 *            event loop with a short timer: the race goes on across waits)
 *   -B       bind the socket to the wildcard address, port 0, before
 *            connect() (as Tcl 8.6 does for every client socket)
 *   -E       register the fd in the epoll set(s) before connect() (default:
 *            after connect() returned EINPROGRESS, as most apps do)
 *   -a       connect() again while pending ("again pending: ...", EALREADY
 *            expected) and once writable ("again done: ...": 0 when
 *            connected, the error when failed; when connected, once more:
 *            "again done2: -1 EISCONN")
 *   -w       write() one byte while pending ("write pending: ...": EAGAIN)
 *   -L       set TCP_NODELAY, SO_KEEPALIVE and TCP_KEEPIDLE=77 while pending;
 *            once connected print "late options ok" (or LOST)
 *   -p       print SO_ERROR and getpeername while pending ("pending:
 *            SO_ERROR=0 getpeername=ENOTCONN" on a connecting socket)
 *   -b       right after connect(), switch to blocking and send an HTTP GET
 *            and read the answer without waiting first (the kernel waits
 *            for the connection; so must a race); no writability wait
 *   -g       once connected, send an HTTP GET and print the body's first line
 *            ("body ok") - proves the descriptor talks to the real server
 * Prints "target ADDR", "fd before N", "connect: ...", then
 * "connected PEER" + "fd after N" + "O_NONBLOCK 1" (+ "data=0x... ok" for
 * epoll) and exits 0, or "failed: STRERROR (NAME)" and exits 1; a wait
 * timeout exits 3, bad usage 2. "elapsed N ms" is connect() to verdict. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrstr.h"

#ifndef NB_PROG
#define NB_PROG "nb_client"
#endif

#define DATA1 0x1122334455667788ULL
#define DATA2 0x99aabbccddeeff00ULL

static const char *mode = "poll";
static int timeout_ms = -1, repeat = 0, wildcard = 0, before = 0, again = 0, wr = 0, pend = 0, blockio = 0, get = 0, late = 0;
static int fd = -1;

/* The fortified poll: a buffer of known size and a count the compiler cannot
 * see, so glibc's poll wrapper calls __poll_chk (_FORTIFY_SOURCE=3). */
static struct pollfd pfds[4];
static volatile nfds_t one = 1;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ename(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "?";
}

/* "0" or "-1 NAME" for a call's result. */
static void say(const char *what, int rc, int e)
{
    if (rc < 0)
        printf("%s: -1 %s\n", what, ename(e));
    else
        printf("%s: %d\n", what, rc);
}

static void events_str(unsigned ev, char *buf, size_t len)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
        { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDHUP, "RDHUP" },
    };
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ev & names[i].bit) {
            if (buf[0])
                strncat(buf, "|", len - strlen(buf) - 1);
            strncat(buf, names[i].name, len - strlen(buf) - 1);
        }
    if (!buf[0])
        snprintf(buf, len, "0");
}

static void print_events(const char *who, unsigned ev)
{
    char b[64];
    events_str(ev, b, sizeof b);
    printf("%sevents %s\n", who, b);
}

static void timed_out(int64_t t0)
{
    printf("timeout after %lld ms\n", (long long)(now_ms() - t0));
}

/* ---- epoll ---- */

static int ep_add(int ep, uint32_t events, uint64_t data)
{
    struct epoll_event ev = { .events = events, .data.u64 = data };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        printf("epoll_ctl ADD: -1 %s\n", ename(errno));
        return -1;
    }
    return 0;
}

/* Wait on ep with the app's timeout; 1 = an event for fd (checked: data), 0
 * timeout, -1 error. Prints what it saw, prefixed with who. */
static int ep_wait(int ep, const char *fn, int tmo, uint64_t want, const char *who)
{
    struct epoll_event evs[8];
    int64_t t0 = now_ms();
    int n;
    if (!strcmp(fn, "pwait")) {
        sigset_t m;
        sigemptyset(&m);
        n = epoll_pwait(ep, evs, 8, tmo, &m);
    } else if (!strcmp(fn, "pwait2")) {
        struct timespec ts = { tmo / 1000, (long)(tmo % 1000) * 1000000 };
        n = epoll_pwait2(ep, evs, 8, tmo < 0 ? NULL : &ts, NULL);
    } else {
        n = epoll_wait(ep, evs, 8, tmo);
    }
    if (n < 0) {
        printf("%sepoll_%s: -1 %s\n", who, fn, ename(errno));
        return -1;
    }
    if (n == 0) {
        if (tmo != 0)
            timed_out(t0);
        return 0;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        printf("%sdata=0x%016llx %s\n", who, (unsigned long long)evs[i].data.u64,
               evs[i].data.u64 == want ? "ok" : "MISMATCH");
        print_events(who, evs[i].events);
        bad |= evs[i].data.u64 != want;
    }
    if (n != 1) {
        printf("%sepoll: %d events, expected 1\n", who, n);
        bad = 1;
    }
    return bad ? -1 : 1;
}

struct shared { int ep; int got; char who[16]; };

static void *shared_waiter(void *arg)
{
    struct shared *s = arg;
    s->got = ep_wait(s->ep, "wait", timeout_ms, DATA1, s->who);
    return NULL;
}

/* Returns 1 writable, 0 timeout, -1 error (printed). */
static int wait_epoll_mode(int *ep, int *ep2)
{
    const char *fn = !strcmp(mode, "epoll-pwait") ? "pwait" : !strcmp(mode, "epoll-pwait2") ? "pwait2" : "wait";
    if (!strcmp(mode, "epoll-two-sets")) {
        int a = ep_wait(*ep, fn, timeout_ms, DATA1, "set1 ");
        if (a <= 0)
            return a;
        /* The second set must report it too, at once, with its own data. */
        int b = ep_wait(*ep2, fn, timeout_ms, DATA2, "set2 ");
        return b < 0 ? -1 : b == 0 ? (printf("set2 missed the event\n"), -1) : 1;
    }
    if (!strcmp(mode, "epoll-shared")) {
        struct shared s[2] = { { *ep, 0, "thread1 " }, { *ep, 0, "thread2 " } };
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, shared_waiter, &s[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        if (s[0].got < 0 || s[1].got < 0)
            return -1;
        if (s[0].got == 0 && s[1].got == 0)
            return 0;
        if (s[0].got != 1 || s[1].got != 1)
            printf("shared: only one thread saw the event\n");
        return 1;
    }
    int rc = ep_wait(*ep, fn, timeout_ms, DATA1, "");
    if (rc != 1)
        return rc;
    /* Triggering semantics must be the app's: LT reports again, ET and
     * ONESHOT do not; ONESHOT reports again once re-armed. */
    int again_rc = ep_wait(*ep, fn, 0, DATA1, "again ");
    printf("second wait: %d\n", again_rc);
    if (!strcmp(mode, "epoll-oneshot")) {
        struct epoll_event ev = { .events = EPOLLOUT | EPOLLONESHOT, .data.u64 = DATA1 };
        if (epoll_ctl(*ep, EPOLL_CTL_MOD, fd, &ev) < 0)
            printf("epoll_ctl MOD: -1 %s\n", ename(errno));
        printf("rearmed wait: %d\n", ep_wait(*ep, fn, 0, DATA1, "rearmed "));
    }
    return 1;
}

static int epoll_setup(int *ep, int *ep2)
{
    uint32_t ev = EPOLLOUT;
    if (!strcmp(mode, "epoll-et"))
        ev |= EPOLLET;
    if (!strcmp(mode, "epoll-oneshot"))
        ev |= EPOLLONESHOT;
    *ep = epoll_create1(EPOLL_CLOEXEC);
    if (*ep < 0 || ep_add(*ep, ev, DATA1) < 0)
        return -1;
    if (!strcmp(mode, "epoll-two-sets")) {
        *ep2 = epoll_create1(EPOLL_CLOEXEC);
        if (*ep2 < 0 || ep_add(*ep2, ev, DATA2) < 0)
            return -1;
    }
    return 0;
}

/* ---- poll, select ---- */

static int wait_poll_mode(void)
{
    int64_t t0 = now_ms();
    int n;
    unsigned rev = 0;
    if (!strcmp(mode, "select") || !strcmp(mode, "pselect")) {
        fd_set w;
        FD_ZERO(&w);
        FD_SET(fd, &w);
        if (!strcmp(mode, "select")) {
            struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
            n = select(fd + 1, NULL, &w, NULL, timeout_ms < 0 ? NULL : &tv);
        } else {
            struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
            sigset_t m;
            sigemptyset(&m);
            n = pselect(fd + 1, NULL, &w, NULL, timeout_ms < 0 ? NULL : &ts, &m);
        }
        if (n > 0 && !FD_ISSET(fd, &w)) {
            printf("select: %d but fd not in the write set\n", n);
            return -1;
        }
        rev = n > 0 ? POLLOUT : 0;
    } else {
        pfds[0] = (struct pollfd){ .fd = fd, .events = POLLOUT };
        if (!strcmp(mode, "ppoll")) {
            struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
            n = ppoll(pfds, one, timeout_ms < 0 ? NULL : &ts, NULL);
        } else {
            n = poll(pfds, one, timeout_ms);
        }
        rev = (unsigned)pfds[0].revents;
    }
    if (n < 0) {
        printf("%s: -1 %s\n", mode, ename(errno));
        return -1;
    }
    if (n == 0) {
        timed_out(t0);
        return 0;
    }
    print_events("", rev);
    if (!(rev & (POLLOUT | POLLERR | POLLHUP))) {
        printf("%s: %d but not writable\n", mode, n);
        return -1;
    }
    return 1;
}

/* ---- I/O ---- */

static int http_get(void)
{
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[512];
    size_t got = 0;
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        printf("write: -1 %s\n", ename(errno));
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            poll(&p, 1, 3000);
            continue;
        }
        if (n < 0) {
            printf("read: -1 %s\n", ename(errno));
            return -1;
        }
        if (n == 0 || (got += (size_t)n) == sizeof buf - 1)
            break;
    }
    buf[got] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    if (!body) {
        printf("no HTTP answer (%zu bytes)\n", got);
        return -1;
    }
    body += 4;
    body[strcspn(body, "\r\n")] = 0;
    printf("body %s\n", body);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: " NB_PROG " [-m MODE] [-T MS] [-r N] [-B] [-E] [-a] [-w] [-p] [-b] [-g] HOST PORT\n");
    return 2;
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "m:T:r:BEawpbgL")) != -1) {
        switch (c) {
        case 'm': mode = optarg; break;
        case 'T': timeout_ms = atoi(optarg); break;
        case 'r': repeat = atoi(optarg); break;
        case 'B': wildcard = 1; break;
        case 'E': before = 1; break;
        case 'a': again = 1; break;
        case 'w': wr = 1; break;
        case 'p': pend = 1; break;
        case 'b': blockio = 1; break;
        case 'g': get = 1; break;
        case 'L': late = 1; break;
        default: return usage();
        }
    }
    if (argc - optind != 2)
        return usage();
    static const char *const modes[] = {
        "poll", "ppoll", "select", "pselect", "poll_chk", "epoll-lt", "epoll-et",
        "epoll-oneshot", "epoll-pwait", "epoll-pwait2", "epoll-two-sets", "epoll-shared",
    };
    int known = 0;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        known |= !strcmp(mode, modes[i]);
    if (!known)
        return usage();
#ifndef NB_FORTIFY
    if (!strcmp(mode, "poll_chk")) {
        fprintf(stderr, "nb_client: -m poll_chk needs nb_fortify\n");
        return 2;
    }
#endif
    int is_epoll = !strncmp(mode, "epoll", 5);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (e) {
        printf("getaddrinfo: %s\n", gai_strerror(e));
        return 1;
    }
    char buf[INET6_ADDRSTRLEN];
    printf("target %s\n", addr_str(res->ai_addr, buf, sizeof buf));
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || fd >= FD_SETSIZE) {
        printf("socket: %s\n", strerror(errno));
        return 1;
    }
    printf("fd before %d\n", fd);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (wildcard) {
        struct sockaddr_storage any = { .ss_family = (sa_family_t)res->ai_family };
        socklen_t al = res->ai_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        if (bind(fd, (struct sockaddr *)&any, al) < 0) {
            printf("bind: -1 %s\n", ename(errno));
            return 1;
        }
    }

    int ep = -1, ep2 = -1;
    if (is_epoll && before && epoll_setup(&ep, &ep2) < 0)
        return 1;

    int64_t t0 = now_ms();
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    e = errno;
    say("connect", rc, e);
    int err = 0, waited = 0;
    if (rc < 0 && e != EINPROGRESS) {
        err = e;   /* failed at once: no wait */
    } else if (rc < 0) {
        if (pend) {
            int so = -1;
            socklen_t l = sizeof so;
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            int g = getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);
            int p = getpeername(fd, (struct sockaddr *)&ss, &sl);
            int pe = errno;
            printf("pending: SO_ERROR=%s getpeername=%s\n", g < 0 ? "?" : ename(so),
                   p == 0 ? addr_str((struct sockaddr *)&ss, buf, sizeof buf) : ename(pe));
        }
        if (again) {
            int r2 = connect(fd, res->ai_addr, res->ai_addrlen);
            int e2 = errno;
            say("again pending", r2, e2);
            if (r2 < 0 && e2 != EALREADY && e2 != EISCONN && e2 != EINPROGRESS)
                err = e2;   /* already failed: this was the verdict */
        }
        if (late) {
            /* Options set after connect() said EINPROGRESS, as many event
             * loops do: they must be on whatever socket wins. */
            int one = 1, idle = 77;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        }
        if (wr) {
            ssize_t w = write(fd, "X", 1);
            say("write pending", (int)w, errno);
        }
        if (err)
            goto verdict;
        if (blockio) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            int g = http_get();
            printf("elapsed %lld ms\n", (long long)(now_ms() - t0));
            printf("fd after %d\n", fd);
            return g == 0 ? 0 : 1;
        }
        if (is_epoll && !before && epoll_setup(&ep, &ep2) < 0)
            return 1;
        int w = 0;
        for (int i = 0; i <= repeat && w == 0; i++)
            w = is_epoll ? wait_epoll_mode(&ep, &ep2) : wait_poll_mode();
        if (w < 0)
            return 1;
        if (w == 0) {
            printf("elapsed %lld ms\n", (long long)(now_ms() - t0));
            printf("fd after %d\n", fd);
            return 3;
        }
        waited = 1;
    }
    if (waited && again) {
        int r2 = connect(fd, res->ai_addr, res->ai_addrlen);
        int e2 = errno;
        say("again done", r2, e2);
        if (r2 < 0 && e2 != EISCONN) {
            err = e2;
        } else {
            r2 = connect(fd, res->ai_addr, res->ai_addrlen);
            say("again done2", r2, errno);
        }
    }
    if (!err && waited) {
        int so = 0;
        socklen_t l = sizeof so;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l) < 0)
            so = errno;
        printf("SO_ERROR %s\n", ename(so));
        err = so;
        if (so) {   /* reported once */
            l = sizeof so;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);
            printf("SO_ERROR again %s\n", ename(so));
        }
    }
    if (!err) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
            err = errno;
        else
            printf("connected %s\n", addr_str((struct sockaddr *)&peer, buf, sizeof buf));
        if (!err && late) {
                int nd = 0, ka = 0, idle = 0;
                socklen_t l1 = sizeof nd, l2 = sizeof ka, l3 = sizeof idle;
                getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nd, &l1);
                getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, &l2);
                getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &l3);
                printf("late options %s\n", nd && ka && idle == 77 ? "ok" : "LOST");
        }
    }
verdict:
    printf("elapsed %lld ms\n", (long long)(now_ms() - t0));
    if (err)
        printf("failed: %s (%s)\n", strerror(err), ename(err));
    printf("fd after %d\n", fd);
    printf("O_NONBLOCK %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    if (!err && get && http_get() < 0)
        return 1;
    freeaddrinfo(res);
    close(fd);
    return err ? 1 : 0;
}

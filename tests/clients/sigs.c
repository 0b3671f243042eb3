/* sigs.c - signals and cancellation against racing connects. Run it in a
 * bats/lib/netns.bash namespace of a v6first scenario (e.g. refused6).
 *
 * usage: sigs storm [-t THREADS] [-n OPS] [-u USEC]   (TRYALL_DELAY_MS=10)
 *   SIGALRM every USEC (default 1000) microseconds (setitimer), handler with
 *   SA_RESTART. Worker threads race connects (blocking and non-blocking;
 *   v6refused, v4refused, bh6, bh2) to an in-process echo server (port
 *   9090); the handler, on whichever worker it lands, polls (timeout 0),
 *   reads SO_ERROR and getpeername of, connects again (non-blocking ones,
 *   once the worker's own connect() returned) and now and then closes that
 *   worker's racing descriptor while the worker waits in poll(). Blocking connects must connect (every handler has
 *   SA_RESTART: the kernel would restart them); everything not closed by
 *   the handler must connect, echo its token and have a peer of its name;
 *   the descriptor count must not change; no deadlock (watchdog: 20 s
 *   without progress -> backtraces, exit 99). Prints "storm ops N ok N
 *   closed-by-handler N signals N", "fds before N after N", "sigs ok".
 *
 * usage: sigs handlerclose [-n ROUNDS]   (TRYALL_DELAY_MS=10)
 *   ROUNDS times: a non-blocking race on allbh; a one-shot SIGALRM 1-50 us
 *   later whose handler closes the racing descriptor while the thread loops
 *   on getsockopt(SO_ERROR) and poll(0) of it (hooks that take libtryall's
 *   lock). Then a new socket must get the number back and start clean: a
 *   connect to a literal (127.0.0.3:9191, a listener of ours) must not say
 *   EALREADY and epoll must report it. Prints "handler closes N: number
 *   taken back by the race N, fresh socket on the number: connect EALREADY
 *   N, epoll silent N", "fds before N after N", "sigs ok".
 *
 * usage: sigs eintr MODE HOST PORT
 *   One blocking connect() to HOST's first address, called up to 3 times
 *   while it says EINTR/EINPROGRESS/EALREADY; prints "calls: R1 R2 R3"
 *   (0 or the errno name of each call) and "fds before N after N". Run it
 *   plainly on one black-holed literal (the kernel's answer) and under the
 *   shim on an all-black-holed name: the lines must match. MODE:
 *     norestart      SIGALRM every 1 ms, handler without SA_RESTART
 *     restart        SIGALRM every 1 ms, SA_RESTART; TCP_SYNCNT 1 ends it
 *     timeo          SO_SNDTIMEO 300 ms, no signal
 *     timeo-restart  SO_SNDTIMEO 300 ms + SIGALRM every 1 ms with SA_RESTART
 *
 * usage: sigs cancel [-n ROUNDS] PORT   (TRYALL_DELAY_MS=10)
 *   ROUNDS times: a thread resolves allbh, bh2 or allrefused (in turn;
 *   cancellation disabled meanwhile), then connects, blocking or
 *   non-blocking + poll(-1) (alternating), with a cleanup handler that
 *   closes its socket - allrefused in a loop, so that the cancel lands
 *   anywhere inside the race; the main thread cancels it 0-40 ms in. A
 *   thread that does not end within 5 s is a hang (backtraces printed).
 *   Then the descriptor count must be what it was and a racing connect
 *   (v6refused PORT) must still work. Prints "cancel rounds N fds before N
 *   after N", "after cancel: connected", "sigs ok".
 * SIGS_DEBUG=1: descriptor counts per cancel round; ls/ss after a storm leak.
 * Exit 0 ok, 1 failures, 2 usage/setup, 99 watchdog. */
#include "hardening.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/time.h>

static const char *port = "9090";

static struct addrinfo *resolve(const char *name, const char *p)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int e;
    while ((e = getaddrinfo(name, p, &hints, &res)) == EAI_SYSTEM && errno == EINTR)
        ;
    if (e) {
        h_fail("getaddrinfo(%s): %s", name, gai_strerror(e));
        return NULL;
    }
    return res;
}

static void start_timer(long usec)
{
    struct itimerval it = { { usec / 1000000, usec % 1000000 }, { usec / 1000000, usec % 1000000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_timer(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void block_alarm(int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    pthread_sigmask(how, &s, NULL);
}

/* ---- storm ---- */

struct tstate {
    volatile sig_atomic_t fd;          /* the racing descriptor, or -1 */
    volatile sig_atomic_t nonblock;
    volatile sig_atomic_t closable;    /* the worker is in poll(): the handler may close */
    volatile sig_atomic_t closed;      /* the handler closed it */
    volatile sig_atomic_t again;       /* the worker's own connect returned: connect again ok */
    struct sockaddr_storage addr;
    socklen_t len;
    unsigned calls;
};
static __thread struct tstate ts __attribute__((tls_model("initial-exec")));
static long signals;

static void on_alarm_storm(int sig)
{
    (void)sig;
    int saved = errno;
    __atomic_add_fetch(&signals, 1, __ATOMIC_RELAXED);
    int fd = ts.fd;
    if (fd >= 0) {
        struct pollfd p = { fd, POLLOUT, 0 };
        poll(&p, 1, 0);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getpeername(fd, (struct sockaddr *)&ss, &sl);
        if (ts.nonblock && ts.again) {
            int so;
            socklen_t l = sizeof so;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);
            connect(fd, (struct sockaddr *)&ts.addr, ts.len);
        }
        if (ts.closable && ++ts.calls % 16 == 0) {
            ts.fd = -1;
            close(fd);
            ts.closed = 1;
        }
    }
    errno = saved;
}

struct sworker {
    pthread_t th;
    int id, nops;
    long ok, closed;
    const char *volatile step;
};
static struct sworker *sworkers;
static int nsworkers;

static void storm_report(void)
{
    for (int i = 0; i < nsworkers; i++)
        if (sworkers[i].step)
            fprintf(stderr, "  worker %d: in '%s'\n", i, sworkers[i].step);
}

/* One op; 0 ok, 1 closed by the handler, -1 failed. */
static int storm_op(struct sworker *w, int i)
{
    static const char *const names[] = { "v6refused", "v4refused", "bh6", "bh2" };
    const char *name = names[(w->id + i) % 4];
    int nb = ((w->id + i) / 4) & 1, rc = -1;
    w->step = "getaddrinfo";
    struct addrinfo *res = resolve(name, port);
    if (!res)
        return -1;
    w->step = "socket";
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) {
        h_fail("worker %d: socket: %s", w->id, h_ename(errno));
        freeaddrinfo(res);
        return -1;
    }
    memcpy(&ts.addr, res->ai_addr, res->ai_addrlen);
    ts.len = res->ai_addrlen;
    ts.nonblock = nb;
    ts.closed = 0;
    ts.closable = 0;
    ts.again = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    ts.fd = fd;
    w->step = nb ? "connect (non-blocking)" : "connect (blocking)";
    int c = connect(fd, res->ai_addr, res->ai_addrlen), e = errno;
    ts.again = 1;
    if (c != 0 && !nb) {
        h_fail("worker %d %s blocking: connect: %s (every handler has SA_RESTART: expected 0)", w->id, name, h_ename(e));
        goto done;
    }
    if (c != 0 && e != EINPROGRESS) {
        h_fail("worker %d %s non-blocking: connect: %s", w->id, name, h_ename(e));
        goto done;
    }
    if (c != 0) {
        int64_t end = h_now_ms() + 10000;
        w->step = "poll";
        for (;;) {
            struct pollfd p = { fd, POLLOUT, 0 };
            ts.closable = 1;
            __atomic_signal_fence(__ATOMIC_SEQ_CST);
            int r = poll(&p, 1, 1000);
            int pe = errno;
            block_alarm(SIG_BLOCK);
            ts.closable = 0;
            if (ts.closed) {   /* the handler closed fd: the number is not ours any more */
                block_alarm(SIG_UNBLOCK);
                freeaddrinfo(res);
                return 1;
            }
            block_alarm(SIG_UNBLOCK);
            if (r < 0 && pe == EINTR) {
                if (h_now_ms() > end)
                    break;
                continue;
            }
            if (r < 0) {
                h_fail("worker %d %s: poll: %s", w->id, name, h_ename(pe));
                goto done;
            }
            if (r == 1 && (p.revents & POLLNVAL)) {
                h_fail("worker %d %s: poll: POLLNVAL", w->id, name);
                goto done;
            }
            if (r == 1)
                break;
            if (h_now_ms() > end)
                break;
        }
        if (h_now_ms() > end) {
            h_fail("worker %d %s: not connected within 10 s", w->id, name);
            goto done;
        }
        int so = -1;
        socklen_t l = sizeof so;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l) != 0 || so != 0) {
            h_fail("worker %d %s: SO_ERROR %s after POLLOUT", w->id, name, h_ename(so));
            goto done;
        }
    }
    char peer[64], tok[64], why[256];
    w->step = "verify";
    if (h_peer_in(fd, res, peer, sizeof peer) != 1) {
        h_fail("worker %d %s: peer %s is not an address of the name", w->id, name, peer);
        goto done;
    }
    snprintf(tok, sizeof tok, "s%d-%d-fd%d\n", w->id, i, fd);
    w->step = "echo";
    if (h_roundtrip(fd, tok, 10000, why, sizeof why) != 0) {
        h_fail("worker %d %s: %s", w->id, name, why);
        goto done;
    }
    rc = 0;
done:
    w->step = "close";
    block_alarm(SIG_BLOCK);
    ts.fd = -1;
    if (close(fd) != 0)
        h_fail("worker %d: close(%d): %s", w->id, fd, h_ename(errno));
    block_alarm(SIG_UNBLOCK);
    freeaddrinfo(res);
    return rc;
}

static void *storm_worker(void *arg)
{
    struct sworker *w = arg;
    ts.fd = -1;
    block_alarm(SIG_UNBLOCK);
    for (int i = 0; i < w->nops; i++) {
        int r = storm_op(w, i);
        w->ok += r == 0;
        w->closed += r == 1;
        h_tick();
    }
    w->step = NULL;
    return NULL;
}

static int run_storm(int threads, int ops, long usec)
{
    block_alarm(SIG_BLOCK);   /* main, echo server, watchdog: never interrupted */
    if (h_echo_start(atoi(port), NULL) != 0)
        return 2;
    sworkers = calloc((size_t)threads, sizeof *sworkers);
    nsworkers = threads;
    h_watchdog_start(20, storm_report);
    struct sigaction sa = { .sa_handler = on_alarm_storm, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    /* Warm up (no signal yet): the log file, if any, is open from here on. */
    struct sworker warm = { .id = 0 };
    for (int i = 0; i < 8; i++)
        storm_op(&warm, i);
    block_alarm(SIG_BLOCK);   /* storm_op unblocked it */
    h_echo_quiesce(10000);
    int before = h_count_fds(NULL);
    start_timer(usec);
    for (int i = 0; i < threads; i++) {
        sworkers[i].id = i;
        sworkers[i].nops = ops;
        pthread_create(&sworkers[i].th, NULL, storm_worker, &sworkers[i]);
    }
    long ok = 0, closed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(sworkers[i].th, NULL);
        ok += sworkers[i].ok;
        closed += sworkers[i].closed;
    }
    stop_timer();
    h_watch_end();
    h_echo_quiesce(10000);
    int after = h_count_fds(NULL);
    printf("storm ops %d ok %ld closed-by-handler %ld signals %ld\n", threads * ops, ok, closed, signals);
    printf("fds before %d after %d\n", before, after);
    if (after != before) {
        h_fail("descriptor count changed: %d -> %d", before, after);
        if (getenv("SIGS_DEBUG"))
            system("ls -l /proc/$PPID/fd; ss -tan");
    }
    if (ok + closed != (long)threads * ops)
        h_fail("%ld ops failed", (long)threads * ops - ok - closed);
    if (signals < 100)
        h_fail("only %ld signals arrived: the storm did not happen", signals);
    return 0;
}

/* ---- handlerclose ---- */

static volatile sig_atomic_t hc_victim = -1, hc_fired;

static void on_alarm_close(int sig)
{
    (void)sig;
    int saved = errno;
    if (hc_victim >= 0) {
        close(hc_victim);
        hc_victim = -1;
    }
    hc_fired = 1;
    errno = saved;
}

/* A handler closes a racing descriptor while the thread is inside hooks
 * that take libtryall's lock (getsockopt SO_ERROR, poll): the race must end
 * with it (no hidden socket left, nothing left on the number). */
static int run_handlerclose(int rounds)
{
    struct addrinfo *res = resolve("allbh", port);
    if (!res)
        return 1;
    struct sockaddr_in good = { .sin_family = AF_INET, .sin_port = htons(9191) };
    inet_pton(AF_INET, "127.0.0.3", &good.sin_addr);   /* a literal in no list: never races */
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&good, sizeof good) != 0 || listen(ls, 4096) != 0) {
        fprintf(stderr, "handlerclose: cannot listen on 127.0.0.3:9191: %s\n", strerror(errno));
        return 2;
    }
    struct sigaction sa = { .sa_handler = on_alarm_close };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    h_watchdog_start(20, NULL);
    int before = h_count_fds(NULL), taken = 0, stale_connect = 0, stale_epoll = 0;
    for (int i = 0; i < rounds; i++) {
        int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(fd, res->ai_addr, res->ai_addrlen);   /* EINPROGRESS: races */
        hc_fired = 0;
        hc_victim = fd;
        struct itimerval it = { { 0, 0 }, { 0, 1 + i % 50 } };
        setitimer(ITIMER_REAL, &it, NULL);
        while (!hc_fired) {
            int e;
            socklen_t l = sizeof e;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
            struct pollfd p = { fd, POLLOUT, 0 };
            poll(&p, 1, 0);
        }
        h_tick();
        /* fd is closed: the next socket gets its number, and must start clean */
        int s2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s2 != fd) {
            taken++;   /* the race went on and one of its attempts took the number */
            close(s2);
            continue;
        }
        if (connect(s2, (struct sockaddr *)&good, sizeof good) != 0 && errno == EALREADY)
            stale_connect++;
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 7 }, out;
        epoll_ctl(ep, EPOLL_CTL_ADD, s2, &ev);
        if (epoll_wait(ep, &out, 1, 2000) != 1)
            stale_epoll++;
        close(ep);
        close(s2);
        int a;
        while ((a = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) >= 0)
            close(a);
    }
    close(ls);
    freeaddrinfo(res);
    int after = h_count_fds(NULL) + 1;   /* + the listener, counted in before */
    printf("handler closes %d: number taken back by the race %d, fresh socket on the number: "
           "connect EALREADY %d, epoll silent %d\n", rounds, taken, stale_connect, stale_epoll);
    printf("fds before %d after %d\n", before, after);
    if (taken || stale_connect || stale_epoll)
        h_fail("a close() from a signal handler left the race running or its state on the number");
    if (after != before)
        h_fail("descriptor count changed: %d -> %d", before, after);
    h_watch_end();
    return 0;
}

/* ---- eintr ---- */

static void on_alarm_plain(int sig)
{
    (void)sig;
}

static int run_eintr(const char *mode, const char *host, const char *p)
{
    int restart, timeo, sig;
    if (!strcmp(mode, "norestart"))
        restart = 0, timeo = 0, sig = 1;
    else if (!strcmp(mode, "restart"))
        restart = 1, timeo = 0, sig = 1;
    else if (!strcmp(mode, "timeo"))
        restart = 0, timeo = 1, sig = 0;
    else if (!strcmp(mode, "timeo-restart"))
        restart = 1, timeo = 1, sig = 1;
    else
        return 2;
    struct addrinfo *res = resolve(host, p);
    if (!res)
        return 1;
    int before = h_count_fds(NULL);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof one);   /* a black hole fails in ~3 s */
    if (timeo) {
        struct timeval tv = { 0, 300000 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (sig) {
        struct sigaction sa = { .sa_handler = on_alarm_plain, .sa_flags = restart ? SA_RESTART : 0 };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        start_timer(1000);
    }
    char calls[256] = "";
    int64_t t0 = h_now_ms();
    for (int i = 0; i < 3; i++) {
        int c = connect(fd, res->ai_addr, res->ai_addrlen), e = errno;
        snprintf(calls + strlen(calls), sizeof calls - strlen(calls), " %s", c == 0 ? "0" : h_ename(e));
        if (c == 0 || (e != EINTR && e != EINPROGRESS && e != EALREADY))
            break;
    }
    int64_t dt = h_now_ms() - t0;
    stop_timer();
    close(fd);
    freeaddrinfo(res);
    int after = h_count_fds(NULL);
    printf("calls:%s\n", calls);
    printf("elapsed %lld ms\n", (long long)dt);
    printf("fds before %d after %d\n", before, after);
    if (after != before)
        h_fail("descriptor count changed: %d -> %d", before, after);
    return 0;
}

/* ---- cancel ---- */

struct cjob {
    const char *name;
    int nonblock, loop;
    int fd;
    volatile int started;
    struct addrinfo *res;
};

static void cleanup_close(void *arg)
{
    struct cjob *j = arg;
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}

static void cleanup_free(void *arg)
{
    struct cjob *j = arg;
    if (j->res)
        freeaddrinfo(j->res);
    j->res = NULL;
}

static void *cancel_victim(void *arg)
{
    struct cjob *j = arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    j->res = resolve(j->name, port);
    pthread_cleanup_push(cleanup_free, j);
    pthread_cleanup_push(cleanup_close, j);
    j->started = 1;
    for (int k = 0; j->res; k++) {
        j->fd = socket(j->res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (j->nonblock ? SOCK_NONBLOCK : 0), 0);
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        int c = connect(j->fd, j->res->ai_addr, j->res->ai_addrlen);
        if (c != 0 && j->nonblock && errno == EINPROGRESS) {
            struct pollfd p = { j->fd, POLLOUT, 0 };
            poll(&p, 1, -1);
        }
        if (!j->loop)
            for (;;)
                pause();   /* bh2 may win before the cancel: wait here, cancellably */
        /* the all-refused loop: most of the time is spent inside the race */
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        close(j->fd);
        j->fd = -1;
    }
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static int run_cancel(int rounds)
{
    unsigned seed = 3;
    h_watchdog_start(30, NULL);
    /* Warm up: resolve both names once (glibc loads its resolver modules). */
    static const char *const warm[3] = { "allbh", "bh2", "allrefused" };
    for (int i = 0; i < 3; i++) {
        struct addrinfo *w = resolve(warm[i], port);
        if (w)
            freeaddrinfo(w);
    }
    int before = h_count_fds(NULL);
    int hung = 0;
    for (int i = 0; i < rounds && !hung; i++) {
        static const char *const names[3] = { "allbh", "bh2", "allrefused" };
        struct cjob j = { .name = names[(i / 2) % 3], .nonblock = i & 1, .loop = (i / 2) % 3 == 2, .fd = -1 };
        pthread_t t;
        pthread_create(&t, NULL, cancel_victim, &j);
        while (!j.started)
            h_sleep_ms(1);
        h_sleep_ms((long)(rand_r(&seed) % 41));
        pthread_cancel(t);
        struct timespec ts_;
        clock_gettime(CLOCK_REALTIME, &ts_);
        ts_.tv_sec += 5;
        int e = pthread_timedjoin_np(t, NULL, &ts_);
        if (e) {
            h_fail("round %d (%s, %s): the cancelled thread did not end within 5 s (%s)", i, j.name,
                   j.nonblock ? "non-blocking" : "blocking", h_ename(e));
            fflush(NULL);
            h_gdb_dump(getpid());
            hung = 1;
        }
        h_tick();
        if (getenv("SIGS_DEBUG")) {
            int sk = 0, nfd = h_count_fds(&sk);
            printf("round %d (%s, %s): fds %d sockets %d\n", i, j.name, j.nonblock ? "non-blocking" : "blocking", nfd, sk);
        }
    }
    int after = h_count_fds(NULL);
    printf("cancel rounds %d fds before %d after %d\n", rounds, before, after);
    if (after != before)
        h_fail("descriptor count changed over %d cancelled connects: %d -> %d", rounds, before, after);
    if (hung)
        return 0;
    /* The shim must still work: nothing left locked by a cancelled thread. */
    struct addrinfo *res = resolve("v6refused", port);
    if (res) {
        int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char peer[64];
        if (connect(fd, res->ai_addr, res->ai_addrlen) != 0)
            h_fail("after cancel: connect v6refused: %s", h_ename(errno));
        else if (h_peer_in(fd, res, peer, sizeof peer) != 1)
            h_fail("after cancel: peer %s not of v6refused", peer);
        else
            printf("after cancel: connected\n");
        close(fd);
        freeaddrinfo(res);
    }
    h_watch_end();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        goto usage;
    const char *mode = argv[1];
    int threads = 4, n = -1, c;
    long usec = 1000;
    optind = 2;
    while ((c = getopt(argc, argv, "t:n:u:")) != -1) {
        switch (c) {
        case 't': threads = atoi(optarg); break;
        case 'n': n = atoi(optarg); break;
        case 'u': usec = atol(optarg); break;
        default: goto usage;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    int rc;
    if (!strcmp(mode, "storm") && optind == argc && threads > 0 && usec > 0) {
        rc = run_storm(threads, n < 0 ? 200 : n, usec);
    } else if (!strcmp(mode, "eintr") && argc - optind == 3) {
        rc = run_eintr(argv[optind], argv[optind + 1], argv[optind + 2]);
    } else if (!strcmp(mode, "handlerclose") && optind == argc) {
        rc = run_handlerclose(n < 0 ? 300 : n);
    } else if (!strcmp(mode, "cancel") && argc - optind == 1) {
        port = argv[optind];
        rc = run_cancel(n < 0 ? 40 : n);
    } else {
        goto usage;
    }
    if (rc == 2)
        goto usage;
    if (rc || h_failures) {
        printf("sigs FAILED (%d failures)\n", h_failures);
        return 1;
    }
    printf("sigs ok\n");
    return 0;
usage:
    fprintf(stderr, "usage: sigs storm [-t THREADS] [-n OPS] [-u USEC] | handlerclose [-n ROUNDS] | eintr MODE HOST PORT | cancel [-n ROUNDS] PORT\n");
    return 2;
}

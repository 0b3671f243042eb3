/* stress.c - hardening stress: many threads resolving, connecting (blocking
 * and non-blocking; racing names whose first address is refused or
 * black-holed, and literal IPs that never race), waiting (poll, select,
 * epoll, two races in one poll), talking and closing at once - some races
 * closed while still racing - against an in-process echo server
 * (hardening.h). Run it in a bats/lib/netns.bash namespace of a v6first
 * scenario (e.g. refused6) with TRYALL_DELAY_MS=10.
 *
 * Checks: no crash; no deadlock (watchdog: no progress for -w s -> exit 99
 * with every worker's state and a gdb backtrace); every connection that
 * must connect does, its getpeername is an address of the name it resolved
 * and its own token comes back from the echo (no lost or mixed-up
 * descriptor); a wait never returns 0 early; the descriptor count is the
 * same before and after the run and before and after -f races that all
 * fail (the all-refused name, blocking and non-blocking, 8 threads).
 *
 * usage: stress [-t THREADS] [-n ITERS | -D SECONDS] [-f FAILS] [-p PORT] [-w STALL_S] [-i IDLE_MS]
 *   -t 64     worker threads
 *   -n 60     iterations per worker (ops cycle through every kind)
 *   -D SEC    soak: loop until SEC seconds passed instead of -n (a "soak"
 *             line every 10 s: ops, RSS, descriptors)
 *   -f 10000  failed races (all-refused name) for the descriptor-count check
 *   -p 9090   echo server port (on 127.0.0.2/3, fd00:7e57::2/3)
 *   -w 20     watchdog: seconds without progress before giving up
 *   -i 1000   ms of one idle race (allbh) in poll() to count its wakeups (0: skip)
 * Prints "ops N ok N in N ms", "fds start N end N", "failed races N ...
 * fds before N after N", "idle wakeups/s N", "rss_kb start N end N",
 * "descriptors N", "wakeups/s N", then "stress ok" (exit 0) or "FAIL ..."
 * lines and "stress FAILED" (exit 1); exit 2 on usage or setup errors. */
#include "hardening.h"

#include <sys/select.h>

/* The names (bats/lib/netns.bash, v6first scenarios such as refused6): no
 * two of them share a first address, so the address book (newest list
 * holding the target wins) always picks the list of the name just resolved.
 * The all-refused and all-black-holed names overlap them: they are used only
 * in the later phases, alone. */
enum op {
    OP_BLK_REFUSED,     /* blocking, v6refused: fd00:7e57::10 refused, fd00:7e57::2 wins */
    OP_NB_POLL,         /* non-blocking + poll, v4refused: 127.0.0.10 refused, 127.0.0.2 wins */
    OP_BLK_BH,          /* blocking, bh6: fd00:7e57::20 black-holed, 127.0.0.2 after the delay */
    OP_NB_EPOLL,        /* non-blocking + epoll, bh2: two black holes then 127.0.0.2 */
    OP_LITERAL,         /* blocking, literal IP in no list: never races */
    OP_NB_SELECT,       /* non-blocking + select, bh6 */
    OP_ABANDON,         /* non-blocking bh2, a poll of 0-30 ms, then close (won or not) */
    OP_BLK_V4,          /* blocking, v4refused */
    OP_TWO,             /* two non-blocking races (v6refused, bh6) in one poll() */
    OP_LITERAL_NB,      /* non-blocking literal fd00:7e57::3 + poll: never races */
    NOPS
};
static const char *const op_name[NOPS + 1] = {
    "blocking v6refused", "nonblocking poll v4refused", "blocking bh6", "nonblocking epoll bh2",
    "blocking literal", "nonblocking select bh6", "abandon bh2", "blocking v4refused",
    "two races in one poll", "nonblocking literal", "all-refused races",
};

struct worker {
    pthread_t th;
    int id;
    unsigned seed;
    int op;               /* op, step, since, ops: written with relaxed atomics, */
    const char *step;     /* read so by the watchdog's report() */
    int64_t since;
    long ops, ok;
};

static int nthreads = 64, iters = 60, fails = 10000, stall_s = 20, idle_ms = 1000;
static double soak_s;
static char port[16] = "9090";
static int64_t soak_end;
static struct worker *workers;

static void step(struct worker *w, const char *what)
{
    /* relaxed atomics: the watchdog's report() reads them from its thread */
    __atomic_store_n(&w->since, h_now_ms(), __ATOMIC_RELAXED);
    __atomic_store_n(&w->step, what, __ATOMIC_RELAXED);
    h_tick();
}

static void report(void)
{
    int64_t now = h_now_ms();
    for (int i = 0; i < nthreads; i++) {
        struct worker *w = &workers[i];
        const char *in = __atomic_load_n(&w->step, __ATOMIC_RELAXED);
        if (in)
            fprintf(stderr, "  worker %d: op '%s', in '%s' for %lld ms, %ld ops done\n", i,
                    op_name[__atomic_load_n(&w->op, __ATOMIC_RELAXED)], in,
                    (long long)(now - __atomic_load_n(&w->since, __ATOMIC_RELAXED)),
                    __atomic_load_n(&w->ops, __ATOMIC_RELAXED));
    }
}

static struct addrinfo *resolve(struct worker *w, const char *name)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    step(w, "getaddrinfo");
    int e = getaddrinfo(name, port, &hints, &res);
    if (e) {
        h_fail("worker %d %s: getaddrinfo(%s): %s", w->id, op_name[w->op], name, gai_strerror(e));
        return NULL;
    }
    return res;
}

/* Non-blocking connect to res's first address; fd in *out. 1 = in progress
 * or connected (wait next), 0 = failed at once (errno). */
static int nb_start(struct worker *w, const struct addrinfo *res, int *out)
{
    step(w, "socket");
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    *out = fd;
    if (fd < 0) {
        h_fail("worker %d %s: socket: %s", w->id, op_name[w->op], h_ename(errno));
        return 0;
    }
    step(w, "connect (non-blocking)");
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 || errno == EINPROGRESS)
        return 1;
    return 0;
}

/* poll() one or more descriptors for POLLOUT until each reported (10 s cap). */
static int wait_poll(struct worker *w, int *fds, int n)
{
    struct pollfd p[4];
    int left = n;
    for (int i = 0; i < n; i++)
        p[i] = (struct pollfd){ fds[i], POLLOUT, 0 };
    int64_t end = h_now_ms() + 10000;
    step(w, "poll");
    while (left > 0) {
        int64_t rest = end - h_now_ms();
        if (rest <= 0)
            return 0;
        int r = poll(p, (nfds_t)n, (int)rest);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            h_fail("worker %d %s: poll: %s", w->id, op_name[w->op], h_ename(errno));
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (p[i].fd >= 0 && p[i].revents) {
                if (p[i].revents & POLLNVAL) {
                    h_fail("worker %d %s: poll: POLLNVAL on fd %d", w->id, op_name[w->op], p[i].fd);
                    return -1;
                }
                p[i].fd = -1;
                left--;
            }
    }
    return 1;
}

static int wait_select(struct worker *w, int fd)
{
    if (fd >= FD_SETSIZE)
        return wait_poll(w, &fd, 1);
    step(w, "select");
    int64_t end = h_now_ms() + 10000;
    for (;;) {
        int64_t rest = end - h_now_ms();
        if (rest <= 0)
            return 0;
        fd_set wr;
        FD_ZERO(&wr);
        FD_SET(fd, &wr);
        struct timeval tv = { rest / 1000, (rest % 1000) * 1000 };
        int r = select(fd + 1, NULL, &wr, NULL, &tv);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            h_fail("worker %d %s: select: %s", w->id, op_name[w->op], h_ename(errno));
            return -1;
        }
        if (r > 0 && !FD_ISSET(fd, &wr)) {
            h_fail("worker %d %s: select %d but fd not set", w->id, op_name[w->op], r);
            return -1;
        }
        if (r > 0)
            return 1;
    }
}

static int wait_epoll(struct worker *w, int fd, uint64_t data)
{
    step(w, "epoll_create1");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        h_fail("worker %d: epoll_create1: %s", w->id, h_ename(errno));
        return -1;
    }
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = data };
    step(w, "epoll_ctl");
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        h_fail("worker %d: epoll_ctl ADD: %s", w->id, h_ename(errno));
        close(ep);
        return -1;
    }
    int64_t end = h_now_ms() + 10000;
    int rc = 0;
    step(w, "epoll_wait");
    for (;;) {
        int64_t rest = end - h_now_ms();
        if (rest <= 0)
            break;
        struct epoll_event out[4];
        int r = epoll_wait(ep, out, 4, (int)rest);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            h_fail("worker %d: epoll_wait: %s", w->id, h_ename(errno));
            rc = -1;
            break;
        }
        if (r == 0)
            continue;
        if (r != 1 || out[0].data.u64 != data) {
            h_fail("worker %d: epoll_wait: %d events, data %#llx, expected 1 with %#llx", w->id, r,
                   (unsigned long long)out[0].data.u64, (unsigned long long)data);
            rc = -1;
        } else {
            rc = 1;
        }
        break;
    }
    step(w, "close epoll");
    close(ep);
    return rc;
}

/* A connected descriptor: no pending error, the peer is an address of the
 * name, our own token comes back. */
static int verify(struct worker *w, int fd, const struct addrinfo *res, const char *name, int nonblock)
{
    char why[256], peer[64];
    int so = -1;
    socklen_t l = sizeof so;
    step(w, "verify");
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l) != 0 || so != 0) {
        h_fail("worker %d %s (%s): SO_ERROR %s after the wait", w->id, op_name[w->op], name, h_ename(so));
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || !!(fl & O_NONBLOCK) != nonblock) {
        h_fail("worker %d %s (%s): file status flags %#x changed", w->id, op_name[w->op], name, fl);
        return -1;
    }
    int in = h_peer_in(fd, res, peer, sizeof peer);
    if (in != 1) {
        h_fail("worker %d %s (%s): peer %s is not an address of the name", w->id, op_name[w->op],
               name, in < 0 ? h_ename(errno) : peer);
        return -1;
    }
    char tok[64];
    snprintf(tok, sizeof tok, "t%d-i%ld-r%08x-fd%d\n", w->id, w->ops, rand_r(&w->seed), fd);
    step(w, "echo");
    if (h_roundtrip(fd, tok, 10000, why, sizeof why) != 0) {
        h_fail("worker %d %s (%s): %s", w->id, op_name[w->op], name, why);
        return -1;
    }
    return 0;
}

static int close_checked(struct worker *w, int fd)
{
    step(w, "close");
    if (close(fd) != 0) {
        h_fail("worker %d %s: close(%d): %s", w->id, op_name[w->op], fd, h_ename(errno));
        return -1;
    }
    return 0;
}

/* Blocking connect to name's first address; expect success (want 0) or want. */
static int op_blocking(struct worker *w, const char *name, int want)
{
    struct addrinfo *res = resolve(w, name);
    if (!res)
        return -1;
    int rc = -1;
    step(w, "socket");
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        h_fail("worker %d: socket: %s", w->id, h_ename(errno));
        goto out;
    }
    step(w, "connect (blocking)");
    int c = connect(fd, res->ai_addr, res->ai_addrlen);
    int e = c == 0 ? 0 : errno;
    if (e != want)
        h_fail("worker %d %s (%s): connect gave %s, expected %s", w->id, op_name[w->op], name,
               h_ename(e), h_ename(want));
    else
        rc = want ? 0 : verify(w, fd, res, name, 0);
    if (close_checked(w, fd) != 0)
        rc = -1;
out:
    freeaddrinfo(res);
    return rc;
}

enum waitkind { W_POLL, W_SELECT, W_EPOLL };

static int op_nonblocking(struct worker *w, const char *name, enum waitkind how)
{
    struct addrinfo *res = resolve(w, name);
    if (!res)
        return -1;
    int fd, rc = -1;
    if (!nb_start(w, res, &fd)) {
        if (fd >= 0) {
            h_fail("worker %d %s (%s): connect: %s", w->id, op_name[w->op], name, h_ename(errno));
            close(fd);
        }
        goto out;
    }
    uint64_t data = ((uint64_t)w->id << 32) | (uint64_t)w->ops;
    int r = how == W_POLL ? wait_poll(w, &fd, 1) : how == W_SELECT ? wait_select(w, fd) : wait_epoll(w, fd, data);
    if (r == 0)
        h_fail("worker %d %s (%s): no event within 10 s", w->id, op_name[w->op], name);
    else if (r > 0)
        rc = verify(w, fd, res, name, 1);
    if (close_checked(w, fd) != 0)
        rc = -1;
out:
    freeaddrinfo(res);
    return rc;
}

/* Two races in one poll: both must connect, each to its own name. */
static int op_two(struct worker *w)
{
    const char *names[2] = { "v6refused", "bh6" };
    struct addrinfo *res[2] = { resolve(w, names[0]), resolve(w, names[1]) };
    int fds[2] = { -1, -1 }, rc = -1;
    if (!res[0] || !res[1])
        goto out;
    for (int i = 0; i < 2; i++)
        if (!nb_start(w, res[i], &fds[i])) {
            h_fail("worker %d %s (%s): connect: %s", w->id, op_name[w->op], names[i], h_ename(errno));
            goto out;
        }
    int r = wait_poll(w, fds, 2);
    if (r == 0)
        h_fail("worker %d %s: no event within 10 s", w->id, op_name[w->op]);
    if (r > 0 && verify(w, fds[0], res[0], names[0], 1) == 0 && verify(w, fds[1], res[1], names[1], 1) == 0)
        rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (fds[i] >= 0 && close_checked(w, fds[i]) != 0)
            rc = -1;
        if (res[i])
            freeaddrinfo(res[i]);
    }
    return rc;
}

/* A race given up after a short poll (0-30 ms: it may have won by then, or
 * not): a winner must be right; then close, racing or not. */
static int op_abandon(struct worker *w)
{
    struct addrinfo *res = resolve(w, "bh2");
    if (!res)
        return -1;
    int fd, rc = -1;
    if (!nb_start(w, res, &fd)) {
        h_fail("worker %d %s: connect: %s", w->id, op_name[w->op], h_ename(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    int ms = rand_r(&w->seed) % 31;
    struct pollfd p = { fd, POLLOUT, 0 };
    step(w, "poll (abandon)");
    int64_t t0 = h_now_ms();
    int r;
    while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
        ;
    if (r < 0 || (r == 1 && !(p.revents & POLLOUT)) || r > 1)
        h_fail("worker %d %s: poll(%d ms) gave %d revents %#x", w->id, op_name[w->op], ms, r, p.revents);
    else if (r == 0 && h_now_ms() - t0 < ms - 1)
        h_fail("worker %d %s: poll(%d ms) returned 0 after %lld ms", w->id, op_name[w->op], ms,
               (long long)(h_now_ms() - t0));
    else if (r == 1)
        rc = verify(w, fd, res, "bh2", 1);
    else
        rc = 0;
    if (close_checked(w, fd) != 0)
        rc = -1;
out:
    freeaddrinfo(res);
    return rc;
}

static int run_op(struct worker *w, int op)
{
    __atomic_store_n(&w->op, op, __ATOMIC_RELAXED);
    switch (op) {
    case OP_BLK_REFUSED: return op_blocking(w, "v6refused", 0);
    case OP_NB_POLL:     return op_nonblocking(w, "v4refused", W_POLL);
    case OP_BLK_BH:      return op_blocking(w, "bh6", 0);
    case OP_NB_EPOLL:    return op_nonblocking(w, "bh2", W_EPOLL);
    case OP_LITERAL:     return op_blocking(w, w->ops & 1 ? "127.0.0.3" : "fd00:7e57::3", 0);
    case OP_NB_SELECT:   return op_nonblocking(w, "bh6", W_SELECT);
    case OP_ABANDON:     return op_abandon(w);
    case OP_BLK_V4:      return op_blocking(w, "v4refused", 0);
    case OP_TWO:         return op_two(w);
    case OP_LITERAL_NB:  return op_nonblocking(w, "fd00:7e57::3", W_POLL);
    }
    return -1;
}

static pthread_barrier_t start_bar;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(&start_bar);
    for (long i = 0; soak_s > 0 ? h_now_ms() < soak_end : i < iters; i++) {
        int op = (int)((w->id + i) % NOPS);
        if (run_op(w, op) == 0)
            w->ok++;
        __atomic_store_n(&w->ops, w->ops + 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&w->step, NULL, __ATOMIC_RELAXED);
    return NULL;
}

/* ---- the descriptor-count check: races that all fail ---- */

struct failer {
    pthread_t th;
    struct worker *w;
    long n;
};

static void *failer_main(void *arg)
{
    struct failer *f = arg;
    struct worker *w = f->w;
    struct addrinfo *res = NULL;
    for (long i = 0; i < f->n; i++) {
        __atomic_store_n(&w->op, NOPS, __ATOMIC_RELAXED);
        if (i % 16 == 0) {   /* resolve now and then: keeps the name remembered */
            if (res)
                freeaddrinfo(res);
            if (!(res = resolve(w, "allrefused")))
                return NULL;
        }
        int nb = i & 1;
        step(w, "socket");
        int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0) {
            h_fail("failer %d: socket: %s", w->id, h_ename(errno));
            break;
        }
        step(w, nb ? "connect (non-blocking, all refused)" : "connect (blocking, all refused)");
        int e = connect(fd, res->ai_addr, res->ai_addrlen) == 0 ? 0 : errno;
        if (nb && e == EINPROGRESS) {
            struct pollfd p = { fd, POLLOUT, 0 };
            step(w, "poll (all refused)");
            int r;
            while ((r = poll(&p, 1, 10000)) < 0 && errno == EINTR)
                ;
            int so = 0;
            socklen_t l = sizeof so;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);
            e = r == 1 ? so : r == 0 ? ETIME : errno;
        }
        if (e != ECONNREFUSED)
            h_fail("failer %d race %ld (%s): %s, expected ECONNREFUSED", w->id, i,
                   nb ? "non-blocking" : "blocking", h_ename(e));
        else
            w->ok++;
        __atomic_store_n(&w->ops, w->ops + 1, __ATOMIC_RELAXED);
        step(w, "close");
        if (close(fd) != 0)
            h_fail("failer %d: close(%d): %s", w->id, fd, h_ename(errno));
    }
    if (res)
        freeaddrinfo(res);
    __atomic_store_n(&w->step, NULL, __ATOMIC_RELAXED);
    return NULL;
}

static int failed_races(int total)
{
    int nf = nthreads < 8 ? nthreads : 8;
    struct failer *f = calloc((size_t)nf, sizeof *f);
    struct worker *saved = workers;
    int saved_n = nthreads;
    struct worker *ws = calloc((size_t)nf, sizeof *ws);
    if (!f || !ws)
        return -1;
    int before = h_count_fds(NULL);
    long rss0 = h_status_kb("VmRSS");
    for (int i = 0; i < nf; i++) {
        ws[i].id = i;
        f[i].w = &ws[i];
        f[i].n = total / nf + (i < total % nf);
    }
    workers = ws;   /* the watchdog reports these now */
    nthreads = nf;
    for (int i = 0; i < nf; i++)
        pthread_create(&f[i].th, NULL, failer_main, &f[i]);
    long ok = 0;
    for (int i = 0; i < nf; i++) {
        pthread_join(f[i].th, NULL);
        ok += ws[i].ok;
    }
    int after = h_count_fds(NULL);
    printf("failed races %d (ECONNREFUSED %ld) fds before %d after %d rss_kb before %ld after %ld\n",
           total, ok, before, after, rss0, h_status_kb("VmRSS"));
    if (after != before)
        h_fail("descriptor count changed over %d failed races: %d -> %d", total, before, after);
    workers = saved;
    nthreads = saved_n;
    free(f);
    free(ws);
    return 0;
}

/* One race that stays pending (allbh) inside poll() for ms: how often does
 * the waiting thread wake up? A few planned starts, not a busy loop. */
static void idle_wakeups(int ms)
{
    struct worker w = { .id = -1 };
    struct addrinfo *res = resolve(&w, "allbh");
    int fd;
    if (!res)
        return;
    if (!nb_start(&w, res, &fd)) {
        h_fail("idle: connect: %s", h_ename(errno));
    } else {
        struct pollfd p = { fd, POLLOUT, 0 };
        long v0 = h_vcsw(RUSAGE_THREAD);
        int64_t t0 = h_now_ms();
        int r = poll(&p, 1, ms);
        int64_t t1 = h_now_ms();
        long v1 = h_vcsw(RUSAGE_THREAD);
        if (r != 0)
            h_fail("idle: poll gave %d (revents %#x), expected a timeout", r, p.revents);
        printf("idle wakeups/s %.1f (%ld in %lld ms)\n", (double)(v1 - v0) * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
               v1 - v0, (long long)(t1 - t0));
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "t:n:D:f:p:w:i:")) != -1) {
        switch (c) {
        case 't': nthreads = atoi(optarg); break;
        case 'n': iters = atoi(optarg); break;
        case 'D': soak_s = atof(optarg); break;
        case 'f': fails = atoi(optarg); break;
        case 'p': snprintf(port, sizeof port, "%s", optarg); break;
        case 'w': stall_s = atoi(optarg); break;
        case 'i': idle_ms = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (optind != argc || nthreads < 1 || nthreads > 1024 || iters < 0 || fails < 0 || stall_s < 1) {
usage:
        fprintf(stderr, "usage: stress [-t THREADS] [-n ITERS | -D SECONDS] [-f FAILS] [-p PORT] [-w STALL_S] [-i IDLE_MS]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (h_echo_start(atoi(port), NULL) != 0)
        return 2;
    workers = calloc((size_t)nthreads, sizeof *workers);
    if (!workers)
        return 2;
    h_watchdog_start(stall_s, report);

    /* Warm up (each kind once): the log file, if any, is open from here on. */
    struct worker warm = { .id = -1, .seed = 1 };
    for (int op = 0; op < NOPS; op++)
        run_op(&warm, op);
    h_echo_quiesce(10000);
    int fd0 = h_count_fds(NULL);
    long rss0 = h_status_kb("VmRSS");
    long cs0 = h_vcsw(RUSAGE_SELF);
    int64_t t0 = h_now_ms();
    if (soak_s > 0)
        soak_end = t0 + (int64_t)(soak_s * 1000);
    pthread_barrier_init(&start_bar, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        workers[i].id = i;
        workers[i].seed = (unsigned)(i * 7919 + 1);
        if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    /* Soak: a line every 10 s (RSS and descriptors must stay flat). */
    for (int64_t next = t0 + 10000; soak_s > 0 && next < soak_end; next += 10000) {
        while (h_now_ms() < next)
            h_sleep_ms(100);
        long done = 0;
        for (int i = 0; i < nthreads; i++)
            done += workers[i].ops;
        printf("soak %lld s: ops %ld rss_kb %ld fds %d\n", (long long)((next - t0) / 1000), done,
               h_status_kb("VmRSS"), h_count_fds(NULL));
    }
    long ops = 0, ok = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(workers[i].th, NULL);
        ops += workers[i].ops;
        ok += workers[i].ok;
    }
    int64_t t1 = h_now_ms();
    long cs1 = h_vcsw(RUSAGE_SELF);
    printf("ops %ld ok %ld in %lld ms (%d threads)\n", ops, ok, (long long)(t1 - t0), nthreads);
    if (h_echo_quiesce(10000) != 0)
        h_fail("the echo server still has %d connections open 10 s after the run", h_echo_open);
    int fd1 = h_count_fds(NULL);
    printf("fds start %d end %d\n", fd0, fd1);
    if (fd1 != fd0)
        h_fail("descriptor count changed over the run: %d -> %d", fd0, fd1);

    if (fails > 0)
        failed_races(fails);
    if (idle_ms > 0)
        idle_wakeups(idle_ms);
    h_watch_end();

    int sk;
    int fdn = h_count_fds(&sk);
    printf("rss_kb start %ld end %ld\n", rss0, h_status_kb("VmRSS"));
    printf("descriptors %d (sockets %d)\n", fdn, sk);
    printf("wakeups/s %.0f (voluntary context switches under load)\n",
           (double)(cs1 - cs0) * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1));
    if (ok != ops)
        h_fail("%ld of %ld ops failed", ops - ok, ops);
    if (h_failures) {
        printf("stress FAILED (%d failures)\n", h_failures);
        return 1;
    }
    printf("stress ok\n");
    return 0;
}

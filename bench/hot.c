/* hot.c - hot-path micro-benchmark: the cost of one call that libtryall
 * interposes but must leave alone (no descriptor races, nothing resolved to
 * several addresses). Run it with and without LD_PRELOAD; bench/run.sh
 * alternates the two and compares medians.
 *
 * usage: hot [-r HOST PORT] OP [CALLS_PER_BATCH [BATCHES]]
 *   -r   first start one non-blocking connect() to the first address of
 *        HOST (a name whose addresses are all black-holed, in the benchmark
 *        namespace): under libtryall it races for the whole run, so every
 *        measured call takes the "something races in this process" path,
 *        although none of the measured descriptors is racing
 *   OP: poll      poll() on 8 descriptors, timeout 0
 *       ppoll     ppoll() on the same 8, timeout {0,0}, no mask
 *       select    select() on the same 8 (sets rebuilt each call), timeout 0
 *       epoll     epoll_wait() on a set holding the same 8, timeout 0
 *       connect   socket + connect to 127.0.0.1 (a literal loopback address;
 *                 blocking) + accept + close both (client closes with RST, so
 *                 no TIME_WAIT piles up)
 *       gai       getaddrinfo("127.0.0.1", "80") + freeaddrinfo
 * The 8 descriptors are 4 pipes: the read ends asked for input (idle), the
 * write ends for output (ready), so every wait returns 4 at once.
 * Prints "OP median_ns min_ns" per call: the median and the minimum over
 * BATCHES timed batches (one untimed warm-up batch first).
 * Traffic: loopback only (127.0.0.1, an ephemeral port of our own listener). */
#include "bench.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#define NFD 8

static int fds[NFD];
static struct pollfd pfd[NFD];
static int ep = -1, lsock = -1;
static struct sockaddr_in laddr;

static void die(const char *what)
{
    fprintf(stderr, "hot: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void setup_fds(void)
{
    for (int i = 0; i < NFD / 2; i++) {
        int p[2];
        if (pipe(p) != 0)
            die("pipe");
        fds[2 * i] = p[0];
        fds[2 * i + 1] = p[1];
    }
    for (int i = 0; i < NFD; i++) {
        pfd[i].fd = fds[i];
        pfd[i].events = i % 2 ? POLLOUT : POLLIN;
    }
}

static void setup_epoll(void)
{
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    for (int i = 0; i < NFD; i++) {
        struct epoll_event ev = { .events = i % 2 ? EPOLLOUT : EPOLLIN, .data.u64 = (uint64_t)i };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0)
            die("epoll_ctl");
    }
}

static void setup_listener(void)
{
    lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lsock < 0)
        die("socket");
    laddr.sin_family = AF_INET;
    laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    laddr.sin_port = 0;
    socklen_t l = sizeof laddr;
    if (bind(lsock, (struct sockaddr *)&laddr, sizeof laddr) != 0 || listen(lsock, 64) != 0 ||
        getsockname(lsock, (struct sockaddr *)&laddr, &l) != 0)
        die("listener");
}

static volatile int sink;

static void op_poll(long n)
{
    for (long i = 0; i < n; i++)
        sink += poll(pfd, NFD, 0);
}

static void op_ppoll(long n)
{
    const struct timespec zero = { 0, 0 };
    for (long i = 0; i < n; i++)
        sink += ppoll(pfd, NFD, &zero, NULL);
}

static void op_select(long n)
{
    int maxfd = 0;
    for (int i = 0; i < NFD; i++)
        if (fds[i] > maxfd)
            maxfd = fds[i];
    for (long i = 0; i < n; i++) {
        fd_set rd, wr;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        for (int k = 0; k < NFD; k++)
            FD_SET(fds[k], k % 2 ? &wr : &rd);
        struct timeval tv = { 0, 0 };
        sink += select(maxfd + 1, &rd, &wr, NULL, &tv);
    }
}

static void op_epoll(long n)
{
    struct epoll_event ev[16];
    for (long i = 0; i < n; i++)
        sink += epoll_wait(ep, ev, 16, 0);
}

static void op_connect(long n)
{
    static const struct linger rst = { 1, 0 };
    for (long i = 0; i < n; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0)
            die("socket");
        if (connect(s, (struct sockaddr *)&laddr, sizeof laddr) != 0)
            die("connect 127.0.0.1");
        int a = accept(lsock, NULL, NULL);
        if (a < 0)
            die("accept");
        setsockopt(s, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
        close(s);
        close(a);
    }
}

static void op_gai(long n)
{
    const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    for (long i = 0; i < n; i++) {
        struct addrinfo *res;
        int e = getaddrinfo("127.0.0.1", "80", &hints, &res);
        if (e != 0) {
            fprintf(stderr, "hot: getaddrinfo: %s\n", gai_strerror(e));
            exit(1);
        }
        freeaddrinfo(res);
    }
}

/* One connect that stays pending (and races, under the shim). */
static void start_racer(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(host, port, &hints, &res);
    if (e != 0) {
        fprintf(stderr, "hot: getaddrinfo %s: %s\n", host, gai_strerror(e));
        exit(2);
    }
    int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0 || (connect(s, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS))
        die("racing connect");
    freeaddrinfo(res);
}

int main(int argc, char **argv)
{
    if (argc > 3 && !strcmp(argv[1], "-r")) {
        start_racer(argv[2], argv[3]);
        argc -= 3;
        argv += 3;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: hot [-r HOST PORT] poll|ppoll|select|epoll|connect|gai [CALLS [BATCHES]]\n");
        return 2;
    }
    const char *op = argv[1];
    long calls = argc > 2 ? atol(argv[2]) : 20000;
    int batches = argc > 3 ? atoi(argv[3]) : 15;
    if (calls < 1 || batches < 1 || batches > 1000)
        return 2;

    void (*fn)(long);
    setup_fds();
    if (!strcmp(op, "poll"))
        fn = op_poll;
    else if (!strcmp(op, "ppoll"))
        fn = op_ppoll;
    else if (!strcmp(op, "select"))
        fn = op_select;
    else if (!strcmp(op, "epoll"))
        setup_epoll(), fn = op_epoll;
    else if (!strcmp(op, "connect"))
        setup_listener(), fn = op_connect;
    else if (!strcmp(op, "gai"))
        fn = op_gai;
    else
        return 2;

    fn(calls);   /* warm-up: lazy binding, caches, the shim's first use */
    double *ns = calloc((size_t)batches, sizeof *ns);
    for (int b = 0; b < batches; b++) {
        int64_t t0 = bench_now_ns();
        fn(calls);
        ns[b] = (double)(bench_now_ns() - t0) / (double)calls;
    }
    double med = bench_median(ns, (size_t)batches);
    printf("%s %.1f %.1f\n", op, med, ns[0]);
    return 0;
}

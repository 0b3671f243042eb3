/* storm.c - N non-blocking connects at once in one epoll loop, all to the
 * FIRST address getaddrinfo(HOST, PORT) returns (resolved once), as an event
 * loop opening a pool of connections does. Timed from the first socket() to
 * the last connection reported writable with SO_ERROR 0.
 *
 * usage: storm [-n N] [-e MAXEVENTS] [-c CAP_MS] [-l NOFILE] [-g] HOST PORT
 *   -l  set RLIMIT_NOFILE (soft and hard) to exactly NOFILE first (default:
 *       raise it as far as allowed)
 *   -g  the server greets (bench/listen -g): a connection counts once its
 *       greeting was read, so the winner is proven to carry data
 * Prints one line:
 *   "storm N first ADDR issue_us U p50_us A p99_us B all_us C connected K failed F hwm_kb H
 *    nofile L cpu_us T errors E"
 *   issue_us: time to issue the N connect() calls; p50/p99/all: when half,
 *   99 % and all of them were connected (all_us = -1 when not all were within
 *   CAP_MS); hwm_kb: the process's peak RSS; cpu_us: its CPU time (user +
 *   system) for the whole run; errors: how the failed ones
 *   failed, NAME:COUNT,... ("-" when none).
 * Each socket is removed from the set once it reported; at the end every
 * socket is closed with a reset (SO_LINGER 0), leaving no TIME_WAIT behind.
 * Runs only inside the benchmark's network namespace (bench/ns_inner.sh). */
#include "bench.h"

#include <errno.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <unistd.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = 1000, maxev = 256, greet = 0, c;
    long cap = 5000, nofile = 0;
    while ((c = getopt(argc, argv, "n:e:c:l:g")) != -1) {
        if (c == 'n')
            n = atoi(optarg);
        else if (c == 'e')
            maxev = atoi(optarg);
        else if (c == 'c')
            cap = atol(optarg);
        else if (c == 'l')
            nofile = atol(optarg);
        else if (c == 'g')
            greet = 1;
        else
            return 2;
    }
    if (argc - optind != 2 || n < 1 || n > 100000 || maxev < 1 || maxev > 4096) {
        fprintf(stderr, "usage: storm [-n N] [-e MAXEVENTS] [-c CAP_MS] [-l NOFILE] [-g] HOST PORT\n");
        return 2;
    }
    long lim;
    if (nofile > 0) {
        struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };
        lim = setrlimit(RLIMIT_NOFILE, &rl) == 0 ? nofile : -1;
    } else {
        lim = bench_raise_nofile(65536);
    }
    if (lim < n + 64L) {
        printf("setup: RLIMIT_NOFILE %ld is too low for %d connects\n", lim, n);
        return 2;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (e) {
        printf("setup getaddrinfo: %s\n", gai_strerror(e));
        return 2;
    }
    char first[INET6_ADDRSTRLEN];
    bench_addr_str(res->ai_addr, first, sizeof first);

    int *fds = calloc((size_t)n, sizeof *fds);
    int64_t *done = calloc((size_t)n, sizeof *done);
    char *greeting = calloc((size_t)n, 1);   /* connected, waiting for the greeting */
    struct epoll_event *evs = calloc((size_t)maxev, sizeof *evs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int errs[256] = { 0 };

    int64_t t0 = bench_now_ns();
    for (int i = 0; i < n; i++) {
        fds[i] = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fds[i] < 0) {
            printf("setup socket %d: %s\n", i, strerror(errno));
            return 2;
        }
        if (connect(fds[i], res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
            errs[errno & 255]++;
            done[i] = -1;   /* failed at once */
            continue;
        }
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    int64_t issued = bench_now_ns() - t0;

    int connected = 0, failed = 0;
    for (int i = 0; i < n; i++)
        failed += done[i] < 0;
    while (connected + failed < n) {
        int64_t left = cap - (bench_now_ns() - t0) / 1000000;
        if (left <= 0)
            break;
        int k = epoll_wait(ep, evs, maxev, (int)left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        int64_t now = bench_now_ns() - t0;
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u64;
            if (i < 0 || i >= n || done[i])
                continue;
            int err = 0;
            if (greeting[i]) {
                char buf[64];
                ssize_t got = read(fds[i], buf, sizeof buf);
                if (got < 0 && errno == EAGAIN)
                    continue;
                err = got > 0 ? 0 : got == 0 ? ECONNRESET : errno;
            } else {
                socklen_t l = sizeof err;
                getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &l);
                if (err == 0 && greet) {
                    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)i };
                    epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
                    greeting[i] = 1;
                    continue;
                }
            }
            epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
            if (err == 0) {
                done[i] = now;
                connected++;
            } else {
                errs[err & 255]++;
                done[i] = -1;
                failed++;
            }
        }
    }

    int64_t *ok = calloc((size_t)n + 1, sizeof *ok);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (done[i] > 0)
            ok[m++] = done[i];
    qsort(ok, (size_t)m, sizeof *ok, cmp_i64);
    long long p50 = m ? (long long)ok[(m - 1) / 2] / 1000 : -1;
    long long p99 = m ? (long long)ok[(m * 99 + 99) / 100 - 1] / 1000 : -1;
    long long all = connected == n ? (long long)ok[m - 1] / 1000 : -1;
    long hwm = bench_status_kb("VmHWM");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;

    static const struct linger rst = { 1, 0 };
    for (int i = 0; i < n; i++) {
        setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
        close(fds[i]);
    }
    char errlist[512] = "-";
    size_t el = 0;
    for (int e = 1; e < 256 && el < sizeof errlist - 40; e++)
        if (errs[e])
            el += (size_t)snprintf(errlist + el, sizeof errlist - el, "%s%s:%d", el ? "," : "",
                                   strerrorname_np(e) ? strerrorname_np(e) : "?", errs[e]);
    printf("storm %d first %s issue_us %lld p50_us %lld p99_us %lld all_us %lld connected %d failed %d hwm_kb %ld"
           " nofile %ld cpu_us %lld errors %s\n",
           n, first, (long long)issued / 1000, p50, p99, all, connected, failed, hwm, lim, cpu, errlist);
    return connected == n ? 0 : 1;
}

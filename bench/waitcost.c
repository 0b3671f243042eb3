/* waitcost.c - the cost of one epoll_wait(timeout 0) call as a function of
 * the descriptors racing (R) and the idle descriptors (M) in the set.
 *
 * R sockets connect (non-blocking) to the FIRST address of HOST - a name
 * whose every address is black-holed, so under libtryall each of them races
 * for as long as the benchmark runs - and are registered for EPOLLOUT in set
 * A. Then for each M in the list (ascending), eventfds that never become
 * readable are added (EPOLLIN) to set A and to a set B that holds nothing
 * else, and the cost of one epoll_wait(A, ..., 0) and one epoll_wait(B, ...,
 * 0) is measured: median over BATCHES batches of ns per call.
 * Before measuring, the set is driven with epoll_wait(A, 10 ms) for SETTLE_MS
 * so every race has started all its attempts (run with a short
 * TRYALL_DELAY_MS) and nothing changes during the measurement.
 *
 * usage: waitcost [-r R] [-i M,M,...] [-s SETTLE_MS] [-b BATCHES] HOST PORT
 * Prints per M: "racing R idle M set_ns X other_ns Y events E"
 *   set_ns: set A (R racing + M idle), other_ns: set B (M idle only, while R
 *   race in A), events: what the last wait on A returned (0 expected).
 * Runs only inside the benchmark's network namespace (bench/ns_inner.sh). */
#include "bench.h"

#include <errno.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct epoll_event evs[64];
static volatile int last;

static double per_call(int ep, int batches)
{
    /* Calibrate: about 2 ms per batch, at least 5 calls. */
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < 10; i++)
        last = epoll_wait(ep, evs, 64, 0);
    double one = (double)(bench_now_ns() - t0) / 10;
    long calls = (long)(2e6 / (one > 1 ? one : 1));
    if (calls < 5)
        calls = 5;
    if (calls > 20000)
        calls = 20000;
    double *v = calloc((size_t)batches, sizeof *v);
    for (int b = 0; b < batches; b++) {
        t0 = bench_now_ns();
        for (long i = 0; i < calls; i++)
            last = epoll_wait(ep, evs, 64, 0);
        v[b] = (double)(bench_now_ns() - t0) / (double)calls;
    }
    double m = bench_median(v, (size_t)batches);
    free(v);
    return m;
}

int main(int argc, char **argv)
{
    int racing = 10, settle = 150, batches = 9, c;
    const char *idle_list = "0,10,100,1000";
    while ((c = getopt(argc, argv, "r:i:s:b:")) != -1) {
        if (c == 'r')
            racing = atoi(optarg);
        else if (c == 'i')
            idle_list = optarg;
        else if (c == 's')
            settle = atoi(optarg);
        else if (c == 'b')
            batches = atoi(optarg);
        else
            return 2;
    }
    if (argc - optind != 2 || racing < 0 || racing > 10000 || batches < 1) {
        fprintf(stderr, "usage: waitcost [-r R] [-i M,M,...] [-s SETTLE_MS] [-b BATCHES] HOST PORT\n");
        return 2;
    }
    long lim = bench_raise_nofile(65536);
    if (lim < 5L * racing + 2500) {   /* app + 3 hidden per race, idle x1 */
        printf("setup: RLIMIT_NOFILE %ld is too low\n", lim);
        return 2;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (e) {
        printf("setup getaddrinfo: %s\n", gai_strerror(e));
        return 2;
    }
    int a = epoll_create1(EPOLL_CLOEXEC), b = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < racing; i++) {
        int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (s < 0 || (connect(s, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS)) {
            printf("setup connect %d: %s\n", i, strerror(errno));
            return 2;
        }
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)s };
        epoll_ctl(a, EPOLL_CTL_ADD, s, &ev);
    }
    int64_t end = bench_now_ns() + (int64_t)settle * 1000000;
    while (bench_now_ns() < end)
        if (epoll_wait(a, evs, 64, 10) > 0) {
            printf("setup: a black-holed connect reported an event\n");
            return 2;
        }

    int have = 0;
    for (const char *p = idle_list; *p;) {
        int want = atoi(p);
        for (; have < want; have++) {
            int f = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)f };
            if (f < 0 || epoll_ctl(a, EPOLL_CTL_ADD, f, &ev) != 0 || epoll_ctl(b, EPOLL_CTL_ADD, f, &ev) != 0) {
                printf("setup eventfd %d: %s\n", have, strerror(errno));
                return 2;
            }
        }
        double in_set = per_call(a, batches);
        int ev_a = last;
        double other = per_call(b, batches);
        printf("racing %d idle %d set_ns %.0f other_ns %.0f events %d\n", racing, have, in_set, other, ev_a);
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return 0;
}

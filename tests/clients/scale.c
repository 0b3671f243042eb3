/* scale.c - many non-blocking connects at once in one epoll loop, near the
 * descriptor limit: every connect must end (connected, or failed with the
 * error libc gives), and the app's own socket()/accept()/open() must keep
 * working while hidden attempts hold descriptors.
 *
 * usage: scale -n N -l NOFILE [-s SYNCNT] [-c CAP_MS] [-p AT_MS -m COUNT] HOST PORT
 *   -n N       connects, all to the FIRST address of HOST (resolved once)
 *   -l NOFILE  RLIMIT_NOFILE (soft and hard) set before anything is opened
 *   -s SYNCNT  TCP_SYNCNT on each socket (a black hole then times out in
 *              seconds, not minutes)
 *   -c CAP_MS  give up waiting after this long (default 20000)
 *   -p AT_MS -m COUNT  the probe: AT_MS after the last connect was issued,
 *              outside the event loop, open("/dev/null") up to COUNT + 1
 *              times; then, keeping those, PROBE_MORE socket() and
 *              PROBE_MORE accept() (of connections made to a listener of its
 *              own before the connects); then close them all. Skipped (and
 *              said so) when AT_MS has passed before the loop got there.
 * Prints:
 *   "probe open K of M then ERRNO_NAME|none; socket S of X then ...; accept A of X then ..."
 *   "connects N connected K failed F errors NAME:COUNT,...|- ms T"
 * Exit 0 when every connect ended within CAP_MS, 1 otherwise, 2 on setup
 * failure. Runs only inside a test namespace (bats/lib/netns.bash). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listener on 127.0.0.1 with `count` connections waiting in its backlog
 * (their client ends kept open), for the probe's accept(). */
static int listener_with_backlog(int count, int *clients)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, al) != 0 || listen(l, count + 8) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    for (int i = 0; i < count; i++) {
        clients[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (clients[i] < 0 || connect(clients[i], (struct sockaddr *)&a, al) != 0)
            return -1;
    }
    return l;
}

#define PROBE_MORE 30

/* Up to want descriptors of one kind (0 open, 1 socket, 2 accept) into
 * got[*n...]; their count, *err the first failure (0: none). */
static int open_some(int kind, int lis, int want, int *got, int *n, int *err)
{
    int k = 0;
    *err = 0;
    for (; k < want; k++) {
        int fd = kind == 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC)
               : kind == 1 ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
                           : accept4(lis, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            *err = errno;
            break;
        }
        got[(*n)++] = fd;
    }
    return k;
}

static void probe(int lis, int want)
{
    int *got = calloc((size_t)want + 2 * PROBE_MORE, sizeof *got), n = 0, e0, e1, e2;
    int o = open_some(0, lis, want, got, &n, &e0);
    int s = open_some(1, lis, PROBE_MORE, got, &n, &e1);
    int a = open_some(2, lis, PROBE_MORE, got, &n, &e2);
    printf("probe open %d of %d then %s; socket %d of %d then %s; accept %d of %d then %s\n", o,
           want, e0 ? strerrorname_np(e0) : "none", s, PROBE_MORE, e1 ? strerrorname_np(e1) : "none",
           a, PROBE_MORE, e2 ? strerrorname_np(e2) : "none");
    while (n--)
        close(got[n]);
    free(got);
}

struct run {
    int n, *fds, ep, connected, failed, errs[256];
    int64_t *done;
};

/* One batch of events: SO_ERROR of each reporting socket. */
static void take(struct run *r, struct epoll_event *evs, int k)
{
    for (int j = 0; j < k; j++) {
        int i = (int)evs[j].data.u64, err = 0;
        if (i < 0 || i >= r->n || r->done[i])
            continue;
        socklen_t l = sizeof err;
        getsockopt(r->fds[i], SOL_SOCKET, SO_ERROR, &err, &l);
        epoll_ctl(r->ep, EPOLL_CTL_DEL, r->fds[i], NULL);
        r->done[i] = 1;
        if (err == 0) {
            r->connected++;
        } else {
            r->errs[err & 255]++;
            r->failed++;
        }
    }
}

static int issue(struct run *r, const struct addrinfo *res, int syncnt)
{
    for (int i = 0; i < r->n; i++) {
        r->fds[i] = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->fds[i] < 0) {
            printf("setup socket %d: %s\n", i, strerror(errno));
            return -1;
        }
        if (syncnt > 0)
            setsockopt(r->fds[i], IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt);
        if (connect(r->fds[i], res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
            r->errs[errno & 255]++;
            r->failed++;
            r->done[i] = 1;
            continue;
        }
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)i };
        epoll_ctl(r->ep, EPOLL_CTL_ADD, r->fds[i], &ev);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int n = 0, syncnt = 0, want = -1, c;
    long nofile = 0, cap = 20000, probe_at = -1;
    while ((c = getopt(argc, argv, "n:l:s:c:p:m:")) != -1) {
        switch (c) {
        case 'n': n = atoi(optarg); break;
        case 'l': nofile = atol(optarg); break;
        case 's': syncnt = atoi(optarg); break;
        case 'c': cap = atol(optarg); break;
        case 'p': probe_at = atol(optarg); break;
        case 'm': want = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (argc - optind != 2 || n < 1 || nofile < 8 || (probe_at >= 0) != (want >= 0)) {
usage:
        fprintf(stderr, "usage: scale -n N -l NOFILE [-s SYNCNT] [-c CAP_MS] [-p AT_MS -m COUNT] HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return printf("setup setrlimit: %s\n", strerror(errno)), 2;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (e)
        return printf("setup getaddrinfo: %s\n", gai_strerror(e)), 2;
    int lis = -1, pending[PROBE_MORE];
    if (probe_at >= 0 && (lis = listener_with_backlog(PROBE_MORE, pending)) < 0)
        return printf("setup listener: %s\n", strerror(errno)), 2;

    struct run r = { .n = n, .fds = calloc((size_t)n, sizeof(int)), .ep = epoll_create1(EPOLL_CLOEXEC),
                     .done = calloc((size_t)n, sizeof(int64_t)) };
    int64_t t0 = now_ms();
    if (issue(&r, res, syncnt) != 0)
        return 2;
    int64_t probe_ms = probe_at >= 0 ? now_ms() + probe_at : -1;
    struct epoll_event evs[256];
    while (r.connected + r.failed < n) {
        int64_t t = now_ms(), left = t0 + cap - t;
        if (left <= 0)
            break;
        if (probe_ms >= 0 && t >= probe_ms) {
            if (t > probe_ms + 50)
                printf("probe skipped: %lld ms late\n", (long long)(t - probe_ms));
            else
                probe(lis, want + 1);
            probe_ms = -1;
        }
        int wait = (int)(probe_ms >= 0 && probe_ms - t < left ? probe_ms - t : left);
        int k = epoll_wait(r.ep, evs, 256, wait);
        if (k < 0 && errno != EINTR)
            break;
        if (k > 0)
            take(&r, evs, k);
    }
    char list[512] = "-";
    size_t len = 0;
    for (int i = 1; i < 256 && len < sizeof list - 40; i++)
        if (r.errs[i])
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s:%d", len ? "," : "",
                                    strerrorname_np(i) ? strerrorname_np(i) : "?", r.errs[i]);
    printf("connects %d connected %d failed %d errors %s ms %lld\n", n, r.connected, r.failed, list,
           (long long)(now_ms() - t0));
    return r.connected + r.failed == n ? 0 : 1;
}

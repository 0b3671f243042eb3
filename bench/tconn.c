/* tconn.c - time to connect for a naive client: getaddrinfo(HOST, PORT)
 * (AF_UNSPEC, SOCK_STREAM), one socket, connect() to the FIRST result only,
 * as old programs do. Timed from just before getaddrinfo to connected.
 *
 * usage: tconn [-m block|epoll] [-c CAP_MS] HOST PORT
 *   block  blocking connect(), bounded by SO_SNDTIMEO = CAP_MS
 *   epoll  O_NONBLOCK connect(), then epoll_wait(EPOLLOUT) until writable
 *          (at most CAP_MS), then SO_ERROR - an event-loop client
 * Prints one line:
 *   "ok US first ADDR peer ADDR"       connected after US microseconds
 *   "fail US first ADDR ERRNAME"       connect failed
 *   "timeout US first ADDR"            nothing within CAP_MS (a hang)
 * Exit 0, 1 (fail), 3 (timeout), 2 (usage/setup).
 * Runs only inside the benchmark's network namespace (bench/ns_inner.sh). */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *mode = "block";
    long cap = 2000;
    int c;
    while ((c = getopt(argc, argv, "m:c:")) != -1) {
        if (c == 'm')
            mode = optarg;
        else if (c == 'c')
            cap = atol(optarg);
        else
            return 2;
    }
    if (argc - optind != 2 || cap <= 0 || (strcmp(mode, "block") && strcmp(mode, "epoll"))) {
        fprintf(stderr, "usage: tconn [-m block|epoll] [-c CAP_MS] HOST PORT\n");
        return 2;
    }
    const char *host = argv[optind], *port = argv[optind + 1];
    char first[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN] = "?";

    int64_t t0 = bench_now_ns();
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(host, port, &hints, &res);
    if (e) {
        printf("setup getaddrinfo: %s\n", gai_strerror(e));
        return 2;
    }
    bench_addr_str(res->ai_addr, first, sizeof first);
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        printf("setup socket: %s\n", strerror(errno));
        return 2;
    }
    int rc, err = 0;
    if (!strcmp(mode, "block")) {
        struct timeval tv = { cap / 1000, (cap % 1000) * 1000 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        rc = connect(fd, res->ai_addr, res->ai_addrlen);
        err = rc ? errno : 0;
        if (err == EINPROGRESS || err == EAGAIN)
            err = ETIMEDOUT + 10000;   /* SO_SNDTIMEO expired: a hang */
    } else {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        rc = connect(fd, res->ai_addr, res->ai_addrlen);
        err = rc ? errno : 0;
        if (err == EINPROGRESS) {
            int ep = epoll_create1(EPOLL_CLOEXEC);
            struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 42 };
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            err = ETIMEDOUT + 10000;
            for (;;) {
                int64_t left = cap - (bench_now_ns() - t0) / 1000000;
                if (left <= 0)
                    break;
                int n = epoll_wait(ep, &ev, 1, (int)left);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                socklen_t l = sizeof err;
                err = 0;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
                break;
            }
        }
    }
    int64_t us = (bench_now_ns() - t0) / 1000;
    if (err == 0) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
            bench_addr_str((struct sockaddr *)&ss, peer, sizeof peer);
        printf("ok %lld first %s peer %s\n", (long long)us, first, peer);
        return 0;
    }
    if (err == ETIMEDOUT + 10000) {
        printf("timeout %lld first %s\n", (long long)us, first);
        return 3;
    }
    const char *name = strerrorname_np(err);
    printf("fail %lld first %s %s\n", (long long)us, first, name ? name : "?");
    return 1;
}

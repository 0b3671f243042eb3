/* listen.c - the scale benchmark's listener: listens on PORT at each ADDR
 * given (backlog 65535, as far as net.core.somaxconn allows; IPv6 sockets
 * V6ONLY), accepts everything and keeps
 * each connection open until the peer closes it (so a client never sees a
 * reset before it looked at its socket). Runs until killed; the benchmark
 * namespace kills it when it goes away. Touches its own addresses only.
 *
 * With -g it greets: each accepted connection is sent one line ("hi\n") at
 * once, so a client can prove its connection carries data.
 *
 * usage: listen [-g] READYFILE PORT ADDR...   (READYFILE is created once listening) */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int greet = argc > 1 && !strcmp(argv[1], "-g");
    if (greet) {
        argv++;
        argc--;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: listen [-g] READYFILE PORT ADDR...\n");
        return 2;
    }
    bench_raise_nofile(65536);
    int port = atoi(argv[2]);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 3; i < argc; i++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t len;
        int fam = strchr(argv[i], ':') ? AF_INET6 : AF_INET;
        if (fam == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)port);
            inet_pton(AF_INET6, argv[i], &s6->sin6_addr);
            len = sizeof *s6;
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)port);
            inet_pton(AF_INET, argv[i], &s4->sin_addr);
            len = sizeof *s4;
        }
        int s = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fam == AF_INET6)
            setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (s < 0 || bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, 65535) != 0) {
            fprintf(stderr, "listen %s port %d: %s\n", argv[i], port, strerror(errno));
            return 1;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)s | (1ull << 40) };
        epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    }
    int r = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (r >= 0)
        close(r);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int k = 0; k < n; k++) {
            int fd = (int)(evs[k].data.u64 & 0xffffffffu);
            if (evs[k].data.u64 >> 40) {
                int c;
                while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    if (greet && write(c, "hi\n", 3) != 3) {
                        close(c);
                        continue;
                    }
                    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                }
            } else {
                char buf[512];
                ssize_t got = read(fd, buf, sizeof buf);
                if (got == 0 || (got < 0 && errno != EAGAIN)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                }
            }
        }
    }
}

/* epoll_edges.c - epoll data the app registered must be all it ever sees,
 * also on the edges of a race. Usage: epoll_edges stale|unspec HOST PORT
 *   stale   a racing socket is closed behind libtryall's back (raw close
 *           system call); a new socket takes the number and is registered
 *           with data 0xabc: every event must carry 0xabc
 *   unspec  a racing socket registered with data 0x1234 is disconnected
 *           with connect(AF_UNSPEC): every event must carry 0x1234
 * Prints each event ("events=X data=Y") and "ok" or "FAIL ...". */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int check(int ep, unsigned long long want)
{
    int bad = 0;
    for (int round = 0; round < 2; round++) {
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 600);
        for (int i = 0; i < n; i++) {
            printf("events=%x data=%llx\n", out[i].events, (unsigned long long)out[i].data.u64);
            bad |= out[i].data.u64 != want;
        }
    }
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: epoll_edges stale|unspec HOST PORT\n"), 2;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(argv[2], argv[3], &hints, &res) != 0)
        return fprintf(stderr, "getaddrinfo failed\n"), 2;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int ep = epoll_create1(EPOLL_CLOEXEC), bad;
    if (!strcmp(argv[1], "stale")) {
        connect(fd, res->ai_addr, res->ai_addrlen);
        syscall(SYS_close, fd);   /* behind libtryall's back */
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        printf("new fd %s the old number\n", sv[0] == fd ? "reuses" : "does not reuse");
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 0xabc };
        epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
        bad = check(ep, 0xabc);
    } else {
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 0x1234 };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        connect(fd, res->ai_addr, res->ai_addrlen);
        struct sockaddr sa = { .sa_family = AF_UNSPEC };
        printf("disconnect %d\n", connect(fd, &sa, sizeof sa));
        bad = check(ep, 0x1234);
    }
    puts(bad ? "FAIL: an event carried data the app never registered" : "ok");
    freeaddrinfo(res);
    return bad;
}

/* io_timeo.c - a blocking read on a socket whose connect is still under way
 * waits at most its SO_RCVTIMEO, with or without libtryall.
 * Usage: io_timeo HOST PORT  (every address of HOST black-holed)
 * Non-blocking connect, SO_RCVTIMEO 500 ms, back to blocking, read():
 * prints "read -1 ERRNO_NAME" and whether it returned within 450..1500 ms. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: io_timeo HOST PORT\n"), 2;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0)
        return fprintf(stderr, "getaddrinfo failed\n"), 2;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fd, res->ai_addr, res->ai_addrlen);
    struct timeval tv = { 0, 500000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    long long t0 = now_ms();
    char c;
    ssize_t n = read(fd, &c, 1);
    int e = errno;
    long long dt = now_ms() - t0;
    printf("read %zd %s\n", n, n < 0 ? strerrorname_np(e) : "");
    printf("in time %s\n", dt >= 450 && dt <= 1500 ? "yes" : "no");
    freeaddrinfo(res);
    return 0;
}

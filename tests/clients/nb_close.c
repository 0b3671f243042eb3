/* nb_close.c - close()/dup2()/dup3() over a racing descriptor.
 * Usage: nb_close close|dup2|dup3 HOST PORT LITERAL
 * Starts a non-blocking connect to HOST's first address (a name whose
 * addresses all hang, so the race keeps running), lets the race start its
 * hidden attempts, then closes (or dup2/dup3s /dev/null over) the descriptor.
 * Prints the open descriptor count before, during and after, then opens a new
 * socket (which reuses the number after close) and connects it, blocking, to
 * the literal address LITERAL:PORT: that socket must start clean. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdcount.h"

int main(int argc, char **argv)
{
    if (argc != 5)
        return fprintf(stderr, "usage: nb_close close|dup2|dup3 HOST PORT LITERAL\n"), 2;
    const char *mode = argv[1];
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int rc = getaddrinfo(argv[2], argv[3], &hints, &res);
    if (rc)
        return fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)), 2;
    printf("base %d\n", count_fds());
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    rc = connect(fd, res->ai_addr, res->ai_addrlen);
    printf("connect %d %s\n", rc, rc ? strerrorname_np(errno) : "0");
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    printf("poll %d\n", poll(&p, 1, 600));   /* the race starts its other attempts */
    printf("during %d\n", count_fds());

    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (strcmp(mode, "close") == 0)
        close(fd);
    else if (strcmp(mode, "dup2") == 0)
        dup2(devnull, fd);
    else
        dup3(devnull, fd, O_CLOEXEC);
    close(devnull);
    if (strcmp(mode, "close") != 0) {
        printf("replaced %s\n", fcntl(fd, F_GETFL) >= 0 ? "yes" : "no");
        close(fd);
    }
    printf("after %d\n", count_fds());

    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("reused %s\n", s == fd ? "yes" : "no");
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
    inet_pton(AF_INET, argv[4], &sin.sin_addr);
    rc = connect(s, (struct sockaddr *)&sin, sizeof sin);
    int err = -1;
    socklen_t l = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
    printf("new socket connect %d %s, SO_ERROR %d\n", rc, rc ? strerrorname_np(errno) : "0", err);
    close(s);
    printf("end %d\n", count_fds());
    freeaddrinfo(res);
    return rc == 0 ? 0 : 1;
}

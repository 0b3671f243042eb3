/* log_reuse.c - the log never writes through a descriptor number the app has
 * since reused. Usage: log_reuse HOST PORT DATAFILE
 * Connects (blocking) to HOST twice. Between the two, it closes every
 * descriptor from 3 up (closefrom, as daemons do) and opens DATAFILE, which
 * takes the lowest free number - the one the log had. Prints the descriptor
 * numbers and both outcomes; DATAFILE must stay empty (the caller checks). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_once(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    printf("connect %s\n", rc == 0 ? "ok" : strerrorname_np(errno));
    close(fd);
    freeaddrinfo(res);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: log_reuse HOST PORT DATAFILE\n"), 2;
    int a = connect_once(argv[1], argv[2]);
    closefrom(3);
    int data = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    printf("data fd %d\n", data);
    int b = connect_once(argv[1], argv[2]);
    close(data);
    return a == 0 && b == 0 ? 0 : 1;
}

/* loop_gai.c - the well-behaved classic client: walks the getaddrinfo(HOST,
 * PORT) list (AF_UNSPEC, SOCK_STREAM) with one blocking connect() per
 * address until one succeeds. Must keep working (and be no slower) under
 * the shim.
 *
 * usage: loop_gai HOST PORT
 * Prints "failed ADDR: STRERROR" per failed address, then
 * "connected PEER on attempt N" and exit 0, or
 * "all failed: STRERROR (errno N NAME)" (the last error) and exit 1. */
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrstr.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: loop_gai HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
    int e = getaddrinfo(argv[1], argv[2], &hints, &res), n = 0;
    if (e) {
        printf("getaddrinfo: %s\n", gai_strerror(e));
        return 1;
    }
    char buf[INET6_ADDRSTRLEN];
    for (ai = res; ai; ai = ai->ai_next) {
        n++;
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            struct sockaddr_storage peer;
            socklen_t pl = sizeof peer;
            getpeername(fd, (struct sockaddr *)&peer, &pl);
            printf("connected %s on attempt %d\n", addr_str((struct sockaddr *)&peer, buf, sizeof buf), n);
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
        e = errno;
        printf("failed %s: %s\n", addr_str(ai->ai_addr, buf, sizeof buf), strerror(e));
        close(fd);
    }
    printf("all failed: %s (errno %d %s)\n", strerror(e), e, strerrorname_np(e));
    freeaddrinfo(res);
    return 1;
}

/* exhaust.c - libtryall at the limits: the program must see what libc gives.
 * Usage: exhaust nofile|as|fanout HOST PORT
 *   nofile  RLIMIT_NOFILE lowered so that only the app's own socket fits:
 *           no attempt socket can be made; the connect's outcome must be
 *           libc's own (the race degrades to the app's single attempt)
 *   as      RLIMIT_AS lowered to what is mapped now: no new memory for a race
 *   fanout  a name with very many addresses: count our descriptors while
 *           the race runs (bounded fan-out), then the outcome
 * A blocking connect bounded by SO_SNDTIMEO (1 s); prints "connect OK" or
 * "connect -1 ERRNO_NAME", and for fanout "peak fds N" (over the start). */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fdcount.h"

static volatile int peak, stop;

static void *watch(void *arg)
{
    (void)arg;
    while (!stop) {
        int n = count_fds();
        if (n > peak)
            peak = n;
        usleep(5000);
    }
    return NULL;
}

static long mapped_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: exhaust nofile|as|fanout HOST PORT\n"), 2;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int rc = getaddrinfo(argv[2], argv[3], &hints, &res);
    if (rc)
        return fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)), 2;
    int n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        n++;
    printf("addresses %d\n", n);
    int base = count_fds();
    pthread_t t;
    if (!strcmp(argv[1], "fanout"))
        pthread_create(&t, NULL, watch, NULL);
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (!strcmp(argv[1], "nofile")) {
        struct rlimit lim = { (rlim_t)fd + 1, (rlim_t)fd + 1 };
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
            return perror("setrlimit"), 2;
    } else if (!strcmp(argv[1], "as")) {
        struct rlimit lim = { (rlim_t)mapped_bytes() + 4096, RLIM_INFINITY };
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            return perror("setrlimit"), 2;
    }
    rc = connect(fd, res->ai_addr, res->ai_addrlen);
    if (rc == 0)
        printf("connect OK\n");
    else
        printf("connect -1 %s\n", strerrorname_np(errno));
    if (!strcmp(argv[1], "fanout")) {
        stop = 1;
        pthread_join(t, NULL);
        printf("peak fds %d\n", peak - base);
    }
    return 0;
}

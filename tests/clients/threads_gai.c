/* threads_gai.c - N threads (default 32), released together by a barrier,
 * each doing its own naive getaddrinfo(HOST, PORT) + one blocking connect()
 * to the first result. Stresses the shim's shared state.
 *
 * usage: threads_gai [-n N] [-t SEC] HOST PORT   (-t: SO_SNDTIMEO per socket)
 * Prints "connected K/N", then "errno NAME xCOUNT" per distinct failure;
 * exit 0 if all N connected, else 1. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAXT 1024

static const char *host, *port;
static double sndtimeo;
static pthread_barrier_t bar;
static int result[MAXT];   /* 0 = connected, else errno (or -1 resolver) */

static void *worker(void *arg)
{
    int *r = arg;
    pthread_barrier_wait(&bar);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(host, port, &hints, &res)) {
        *r = -1;
        return NULL;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        *r = errno;
    } else {
        if (sndtimeo > 0) {
            struct timeval tv = { (time_t)sndtimeo, (suseconds_t)((sndtimeo - (time_t)sndtimeo) * 1e6) };
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        }
        *r = connect(fd, res->ai_addr, res->ai_addrlen) == 0 ? 0 : errno;
        close(fd);
    }
    freeaddrinfo(res);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = 32, c;
    while ((c = getopt(argc, argv, "n:t:")) != -1) {
        if (c == 'n')
            n = atoi(optarg);
        else if (c == 't')
            sndtimeo = atof(optarg);
        else
            goto usage;
    }
    if (argc - optind != 2 || n < 1 || n > MAXT) {
usage:
        fprintf(stderr, "usage: threads_gai [-n N] [-t SEC] HOST PORT\n");
        return 2;
    }
    host = argv[optind];
    port = argv[optind + 1];
    pthread_t th[MAXT];
    pthread_barrier_init(&bar, NULL, n);
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, worker, &result[i])) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += result[i] == 0;
    }
    printf("connected %d/%d\n", ok, n);
    for (int i = 0; i < n; i++) {   /* tally each distinct error once */
        int e = result[i], cnt = 0, seen = 0;
        if (!e)
            continue;
        for (int j = 0; j < n; j++) {
            seen |= j < i && result[j] == e;
            cnt += result[j] == e;
        }
        if (!seen)
            printf("errno %s x%d\n", e < 0 ? "resolver" : strerrorname_np(e), cnt);
    }
    return ok == n ? 0 : 1;
}

/* naive_ghbn.c - the issue-3 victim, old-API flavour: gethostbyname(HOST)
 * (AF_INET), then one blocking connect() to h_addr_list[0] only.
 *
 * usage: naive_ghbn [-2] [-r] [-t SEC] [-a SEC] HOST PORT
 *   -2      gethostbyname2(HOST, AF_INET6) instead
 *   -r      the reentrant variant (gethostbyname_r / gethostbyname2_r)
 *   -t SEC  set SO_SNDTIMEO;  -a SEC  alarm(SEC), handler without SA_RESTART
 * Prints "target ADDR", then "connected PEER" (getpeername) and exit 0, or
 * "connect: STRERROR (errno N NAME)" and exit 1. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

int main(int argc, char **argv)
{
    int v6 = 0, reent = 0, c;
    double sndtimeo = 0;
    unsigned alarm_s = 0;
    while ((c = getopt(argc, argv, "2rt:a:")) != -1) {
        switch (c) {
        case '2': v6 = 1; break;
        case 'r': reent = 1; break;
        case 't': sndtimeo = atof(optarg); break;
        case 'a': alarm_s = (unsigned)atoi(optarg); break;
        default: goto usage;
        }
    }
    if (argc - optind != 2) {
usage:
        fprintf(stderr, "usage: naive_ghbn [-2] [-r] [-t SEC] [-a SEC] HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = argv[optind];
    int port = atoi(argv[optind + 1]), family = v6 ? AF_INET6 : AF_INET;

    struct hostent *h = NULL, hb;
    static char tmp[8192];
    int herr = 0;
    if (reent) {
        if (v6)
            gethostbyname2_r(host, AF_INET6, &hb, tmp, sizeof tmp, &h, &herr);
        else
            gethostbyname_r(host, &hb, tmp, sizeof tmp, &h, &herr);
    } else {
        h = v6 ? gethostbyname2(host, AF_INET6) : gethostbyname(host);
        herr = h_errno;
    }
    if (!h || !h->h_addr_list[0]) {
        printf("gethostbyname: %s\n", hstrerror(herr));
        return 1;
    }

    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, h->h_addr_list[0], 16);
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, h->h_addr_list[0], 4);
        sl = sizeof *s4;
    }
    char buf[INET6_ADDRSTRLEN];
    printf("target %s\n", inet_ntop(family, h->h_addr_list[0], buf, sizeof buf));

    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) {
        printf("socket: %s\n", strerror(errno));
        return 1;
    }
    if (sndtimeo > 0) {
        struct timeval tv = { (time_t)sndtimeo, (suseconds_t)((sndtimeo - (time_t)sndtimeo) * 1e6) };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (alarm_s) {
        struct sigaction sa = { .sa_handler = on_alarm };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        alarm(alarm_s);
    }
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        int e = errno;
        printf("connect: %s (errno %d %s)\n", strerror(e), e, strerrorname_np(e));
        return 1;
    }
    sl = sizeof ss;
    getpeername(fd, (struct sockaddr *)&ss, &sl);
    const void *pa = ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                              : (void *)&((struct sockaddr_in *)&ss)->sin_addr;
    printf("connected %s\n", inet_ntop(ss.ss_family, pa, buf, sizeof buf));
    close(fd);
    return 0;
}

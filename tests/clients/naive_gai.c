/* naive_gai.c - the issue-3 victim: getaddrinfo(HOST, PORT) (AF_UNSPEC,
 * SOCK_STREAM), then one blocking connect() to the FIRST result only.
 *
 * usage: naive_gai [-t SEC] [-a SEC [-r]] [-o [-O dup|fork]] HOST PORT
 *   -t SEC  set SO_SNDTIMEO (bounds the blocking connect: EINPROGRESS)
 *   -a SEC  SIGALRM after SEC (alarm(), setitimer() if fractional) with a
 *           handler installed without SA_RESTART (connect fails EINTR) ...
 *   -r      ... or with SA_RESTART (the kernel keeps waiting)
 *   -o      set socket options and fd flags before connect and check after
 *           it, on the same descriptor number, that they are all still set
 *   -O WAY  ... the socket options set through another number of the same
 *           socket (dup, then closed) or by a forked child (fork): options
 *           libtryall saw set on no number of its own
 * Prints "target ADDR", "fd before N", then "connected PEER" (getpeername on
 * the app's descriptor) + "fd after N" and exit 0, or
 * "connect: STRERROR (errno N NAME)" and exit 1. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addrstr.h"

static void on_alarm(int sig) { (void)sig; }

/* The options -o sets; the family-specific TOS one follows the socket's
 * current domain (the winner may be of the other family). */
struct opt { const char *name; int level, opt, val; };
static struct opt opts[] = {
    { "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 1 },
    { "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, 1 },
    { "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 65536 },
    { "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 65536 },
    { "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 1 },
    { "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, 5000 },
    { "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 77 },
    { "TOS", 0, 0, 0x20 },
};
#define NOPTS (sizeof opts / sizeof opts[0])

struct snap { int v[NOPTS]; struct linger lg; int fdflags, flflags, domain; };

static void tos_opt(int fd, struct opt *o)
{
    int dom = 0;
    socklen_t l = sizeof dom;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l);
    o->level = dom == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    o->opt = dom == AF_INET6 ? IPV6_TCLASS : IP_TOS;
}

static void snapshot(int fd, struct snap *s)
{
    memset(s, -1, sizeof *s);
    tos_opt(fd, &opts[NOPTS - 1]);
    for (size_t i = 0; i < NOPTS; i++) {
        socklen_t l = sizeof s->v[i];
        if (getsockopt(fd, opts[i].level, opts[i].opt, &s->v[i], &l) < 0)
            s->v[i] = -errno - 1000;
    }
    socklen_t l = sizeof s->lg;
    getsockopt(fd, SOL_SOCKET, SO_LINGER, &s->lg, &l);
    l = sizeof s->domain;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &s->domain, &l);
    s->fdflags = fcntl(fd, F_GETFD);
    s->flflags = fcntl(fd, F_GETFL);
}

static void set_sockopts(int fd)
{
    tos_opt(fd, &opts[NOPTS - 1]);
    for (size_t i = 0; i < NOPTS; i++)
        if (setsockopt(fd, opts[i].level, opts[i].opt, &opts[i].val, sizeof(int)) < 0)
            printf("setsockopt %s: %s\n", opts[i].name, strerror(errno));
    struct linger lg = { 1, 5 };
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
        printf("setsockopt SO_LINGER: %s\n", strerror(errno));
}

static void set_opts(int fd, const char *way)
{
    if (!way) {
        set_sockopts(fd);
    } else if (!strcmp(way, "dup")) {
        int copy = dup(fd);
        set_sockopts(copy);
        close(copy);
    } else {
        pid_t pid = fork();
        if (pid == 0) {
            set_sockopts(fd);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND) < 0)
        printf("fcntl: %s\n", strerror(errno));
}

static int compare(const struct snap *b, const struct snap *a)
{
    int bad = 0;
    if (a->domain != b->domain)   /* informational: the winner's family */
        printf("domain %s -> %s\n", b->domain == AF_INET6 ? "AF_INET6" : "AF_INET",
               a->domain == AF_INET6 ? "AF_INET6" : "AF_INET");
    for (size_t i = 0; i < NOPTS; i++)
        if (a->v[i] != b->v[i] && !(i == NOPTS - 1 && a->domain != b->domain && a->v[i] == opts[i].val))
            bad = printf("option %s: before %d after %d\n", opts[i].name, b->v[i], a->v[i]);
    if (a->lg.l_onoff != b->lg.l_onoff || a->lg.l_linger != b->lg.l_linger)
        bad = printf("option SO_LINGER: before {%d,%d} after {%d,%d}\n", b->lg.l_onoff,
                     b->lg.l_linger, a->lg.l_onoff, a->lg.l_linger);
    if (a->fdflags != b->fdflags)
        bad = printf("fd flags: before %#x after %#x\n", b->fdflags, a->fdflags);
    if (a->flflags != b->flflags)
        bad = printf("status flags: before %#x after %#x\n", b->flflags, a->flflags);
    printf(bad ? "options differ\n" : "options ok\n");
    return bad != 0;
}

int main(int argc, char **argv)
{
    double sndtimeo = 0, alarm_s = 0;
    int restart = 0, setopts = 0, c;
    const char *way = NULL;
    while ((c = getopt(argc, argv, "t:a:roO:")) != -1) {
        switch (c) {
        case 't': sndtimeo = atof(optarg); break;
        case 'a': alarm_s = atof(optarg); break;
        case 'r': restart = 1; break;
        case 'o': setopts = 1; break;
        case 'O': way = optarg; break;
        default: goto usage;
        }
    }
    if (argc - optind != 2) {
usage:
        fprintf(stderr, "usage: naive_gai [-t SEC] [-a SEC [-r]] [-o [-O dup|fork]] HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (e) {
        printf("getaddrinfo: %s\n", gai_strerror(e));
        return 1;
    }
    char buf[INET6_ADDRSTRLEN];
    printf("target %s\n", addr_str(res->ai_addr, buf, sizeof buf));

    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        printf("socket: %s\n", strerror(errno));
        return 1;
    }
    printf("fd before %d\n", fd);
    if (sndtimeo > 0) {
        struct timeval tv = { (time_t)sndtimeo, (suseconds_t)((sndtimeo - (time_t)sndtimeo) * 1e6) };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    struct snap before, after;
    if (setopts) {
        set_opts(fd, way);
        snapshot(fd, &before);
    }
    if (alarm_s > 0) {
        struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        if (alarm_s == (unsigned)alarm_s) {
            alarm((unsigned)alarm_s);
        } else {
            struct itimerval it = { { 0, 0 }, { (time_t)alarm_s, (suseconds_t)((alarm_s - (time_t)alarm_s) * 1e6) } };
            setitimer(ITIMER_REAL, &it, NULL);
        }
    }

    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
        e = errno;
        printf("connect: %s (errno %d %s)\n", strerror(e), e, strerrorname_np(e));
        return 1;
    }
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0) {
        printf("getpeername: %s\n", strerror(errno));
        return 1;
    }
    printf("connected %s\n", addr_str((struct sockaddr *)&peer, buf, sizeof buf));
    printf("fd after %d\n", fd);
    if (setopts) {
        snapshot(fd, &after);
        if (compare(&before, &after))
            return 1;
    }
    freeaddrinfo(res);
    close(fd);
    return 0;
}

/* res_client.c - the resolver victims of issue 11: one program that
 * resolves HOST the way a given class of legacy program does, then connects
 * a TCP socket to the FIRST address it got, blocking or non-blocking.
 *
 * usage: res_client -r RESOLVER [-w WAIT] [-6] HOST PORT
 *   -r RESOLVER  how HOST is resolved:
 *      gai          getaddrinfo, AF_UNSPEC, SOCK_STREAM hints
 *      gai4 gai6    getaddrinfo with AF_INET / AF_INET6 hints (SOCK_STREAM)
 *      gai-dgram    getaddrinfo with SOCK_DGRAM hints (netcat's way), then
 *                   a TCP socket anyway
 *      gai-proto    getaddrinfo with ai_protocol IPPROTO_TCP, socktype 0
 *      gai-null     getaddrinfo with no hints at all (every socktype)
 *      ghbn         gethostbyname            ghbn-r   gethostbyname_r
 *      ghbn2-4      gethostbyname2 AF_INET   ghbn2-6  gethostbyname2 AF_INET6
 *      ghbn2-r6     gethostbyname2_r AF_INET6
 *   -w WAIT      block (default: a blocking connect), poll or epoll (a
 *                non-blocking connect, then that wait for writability)
 *   -6           an AF_INET6 socket with IPV6_V6ONLY set (Ruby's way), for
 *                an IPv6 first address
 *   -P           resolve in a child process and pass the first address to
 *                the parent over a pipe (a well-known text browser does
 *                so): the parent, which never resolved, connects
 *   -F           fork right after resolving (libtryall's background lookup
 *                still under way): the child resolves again and connects,
 *                the parent waits for it ("child exit N") and then connects
 * Prints "resolved N ms ADDR..." (every address the resolver gave, in its
 * order), "target ADDR", then "connected PEER" and exit 0, or
 * "failed: STRERROR (NAME)" and exit 1; resolver failure exits 2.
 * "elapsed N ms" is from connect() to the verdict. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addrstr.h"

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The first address the resolver gave, as a sockaddr with PORT. */
struct target {
    struct sockaddr_storage ss;
    socklen_t len;
};

static void print_sa(const struct sockaddr *sa, const char *sep)
{
    char b[64];
    printf("%s%s", sep, addr_str(sa, b, sizeof b));
}

static int by_gai(const char *how, const char *host, const char *port, struct target *t)
{
    struct addrinfo h = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
    if (!strcmp(how, "gai4"))
        h.ai_family = AF_INET;
    else if (!strcmp(how, "gai6"))
        h.ai_family = AF_INET6;
    else if (!strcmp(how, "gai-dgram"))
        h.ai_socktype = SOCK_DGRAM;
    else if (!strcmp(how, "gai-proto"))
        h.ai_socktype = 0, h.ai_protocol = IPPROTO_TCP;
    int e = getaddrinfo(host, port, strcmp(how, "gai-null") ? &h : NULL, &res);
    if (e) {
        printf("getaddrinfo: %s\n", gai_strerror(e));
        return -1;
    }
    printf("resolved");
    for (ai = res; ai; ai = ai->ai_next)
        print_sa(ai->ai_addr, " ");
    printf("\n");
    memcpy(&t->ss, res->ai_addr, res->ai_addrlen);
    t->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int by_ghbn(const char *how, const char *host, int port, struct target *t)
{
    struct hostent hb, *he = NULL;
    static char buf[8192];
    int herr = 0;
    if (!strcmp(how, "ghbn"))
        he = gethostbyname(host);
    else if (!strcmp(how, "ghbn-r"))
        gethostbyname_r(host, &hb, buf, sizeof buf, &he, &herr);
    else if (!strcmp(how, "ghbn2-4") || !strcmp(how, "ghbn2-6"))
        he = gethostbyname2(host, how[6] == '4' ? AF_INET : AF_INET6);
    else if (!strcmp(how, "ghbn2-r6"))
        gethostbyname2_r(host, AF_INET6, &hb, buf, sizeof buf, &he, &herr);
    else
        return -2;
    if (!he || !he->h_addr_list[0]) {
        printf("gethostbyname: no address\n");
        return -1;
    }
    memset(&t->ss, 0, sizeof t->ss);
    if (he->h_addrtype == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&t->ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((uint16_t)port);
        memcpy(&s->sin_addr, he->h_addr_list[0], 4);
        t->len = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&t->ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((uint16_t)port);
        memcpy(&s->sin6_addr, he->h_addr_list[0], 16);
        t->len = sizeof *s;
    }
    printf("resolved");
    for (char **p = he->h_addr_list; *p; p++) {
        struct sockaddr_storage one = t->ss;
        memcpy(he->h_addrtype == AF_INET ? (void *)&((struct sockaddr_in *)&one)->sin_addr
                                         : (void *)&((struct sockaddr_in6 *)&one)->sin6_addr,
               *p, (size_t)he->h_length);
        print_sa((struct sockaddr *)&one, " ");
    }
    printf("\n");
    return 0;
}

/* Wait for the non-blocking connect on fd: 0 when it ended (see SO_ERROR). */
static int wait_writable(int fd, const char *how)
{
    if (!strcmp(how, "poll")) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        return poll(&p, 1, -1) == 1 ? 0 : -1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 0x5eed }, out;
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -1;
    int n = epoll_wait(ep, &out, 1, -1);
    close(ep);
    return n == 1 && out.data.u64 == 0x5eed ? 0 : -1;
}

static int do_connect(const struct target *t, const char *wait, int v6only)
{
    int fd = socket(t->ss.ss_family, SOCK_STREAM, 0);
    int one = 1, nb = strcmp(wait, "block") != 0;
    if (fd < 0)
        return errno;
    if (v6only && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
        return errno;
    if (nb)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int rc = connect(fd, (const struct sockaddr *)&t->ss, t->len), e = errno;
    if (rc != 0 && nb && e == EINPROGRESS) {
        socklen_t l = sizeof e;
        if (wait_writable(fd, wait) != 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) != 0)
            return EIO;
        rc = e ? -1 : 0;
    }
    if (rc != 0)
        return e;
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        return errno;
    print_sa((struct sockaddr *)&peer, "connected ");
    printf("\n");
    return 0;
}

static int resolve(const char *how, const char *host, const char *port, struct target *t);

/* -P: the child resolves and writes the target to the pipe. */
static int resolve_in_child(const char *how, const char *host, const char *port, struct target *t)
{
    int p[2], st = 0;
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        int rc = resolve(how, host, port, t);
        fflush(stdout);
        _exit(rc == 0 && write(p[1], t, sizeof *t) == (ssize_t)sizeof *t ? 0 : 2);
    }
    close(p[1]);
    ssize_t n = read(p[0], t, sizeof *t);
    close(p[0]);
    waitpid(pid, &st, 0);
    return n == (ssize_t)sizeof *t ? 0 : -1;
}

static int resolve(const char *how, const char *host, const char *port, struct target *t)
{
    long t0 = now_ms();
    int rc = strncmp(how, "gai", 3) == 0 ? by_gai(how, host, port, t)
                                          : by_ghbn(how, host, atoi(port), t);
    printf("resolve took %ld ms\n", now_ms() - t0);
    return rc;
}

int main(int argc, char **argv)
{
    const char *how = "gai", *wait = "block";
    int c, v6only = 0, forks = 0, child = 0;
    while ((c = getopt(argc, argv, "r:w:6FP")) != -1) {
        if (c == 'r')
            how = optarg;
        else if (c == 'w')
            wait = optarg;
        else if (c == '6')
            v6only = 1;
        else if (c == 'F')
            forks = 1;
        else if (c == 'P')
            child = 1;
        else
            return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: res_client -r RESOLVER [-w block|poll|epoll] [-6] [-F] HOST PORT\n");
        return 2;
    }
    struct target t;
    if ((child ? resolve_in_child : resolve)(how, argv[optind], argv[optind + 1], &t) != 0)
        return 2;
    fflush(stdout);
    if (forks) {
        pid_t pid = fork();
        if (pid == 0 && resolve(how, argv[optind], argv[optind + 1], &t) != 0)
            _exit(2);
        if (pid > 0) {
            int st = 0;
            waitpid(pid, &st, 0);
            printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
    }
    print_sa((struct sockaddr *)&t.ss, "target ");
    printf("\n");
    fflush(stdout);
    long t0 = now_ms();
    int e = do_connect(&t, wait, v6only);
    printf("elapsed %ld ms\n", now_ms() - t0);
    if (e) {
        const char *name = strerrorname_np(e);
        printf("failed: %s (%s)\n", strerror(e), name ? name : "?");
    }
    fflush(stdout);
    return e ? 1 : 0;
}

/* diff_inputs.c - issue 5 item 1: the differential bad-input program. It calls
 * every function libtryall interposes with bad and edge arguments and prints
 * one deterministic line per call (call, return value, errno name, the
 * relevant out-parameters, h_errno, revents). bats/differential.bats runs it
 * without and with LD_PRELOAD=libtryall.so and requires identical output:
 * "a program that works without it must behave identically with it".
 *
 * usage: diff_inputs [-H] [NAME PORT]
 *   -H         the resolver is hermetic (hosts: files only, as in the bats
 *              namespaces): also look up names of family AF_INET6 and a
 *              missing ordinary name. Without -H only lookups that never
 *              leave the host are made (localhost AF_UNSPEC/AF_INET,
 *              literals, names the resolver rejects before any query).
 *   NAME PORT  also the multi-address section: resolve NAME (so libtryall
 *              remembers its list) and make the connect-related bad calls on
 *              each of its addresses, port PORT; valid connects only to
 *              addresses that connect, or to all when every one refuses
 *              (probed with raw syscalls, which libtryall cannot see).
 *
 * Sections: connect, other socket types (UDP, unix stream and seqpacket,
 * raw), close/dup2/dup3, I/O, getsockopt/getpeername, poll/ppoll/select/
 * pselect/epoll, large descriptor sets (2000 entries, numbers >= FD_SETSIZE),
 * then the resolver (last, so that a multi-address localhost does not turn
 * the loopback connects above into races), then NAME's section: per address
 * the bad connects (short/huge length, wrong family, v4-mapped on a V6ONLY
 * socket, UDP/unix/raw sockets, connected and listening sockets, AF_UNSPEC,
 * TCP_FASTOPEN_CONNECT) and, on fresh non-blocking sockets whose connect is
 * under way (racing, under libtryall), bad calls of every other hook.
 *
 * Determinism rules: no pointer values, ports (other than PORT), pids or
 * times are printed; ports are our own (bound to loopback port 0 and never
 * printed). Only loopback addresses (and NAME's) are ever contacted. Calls
 * that may crash the caller (bad pointers the kernel would reject with
 * EFAULT) run in a child made with the raw fork system call (see
 * child_start); the parent prints how the child ended. Descriptor numbers
 * are printed: they must be the same in both runs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bad arguments are the point here: silence the compiler about them. */
#pragma GCC diagnostic ignored "-Wnonnull"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

/* The fortified entry points, called directly (their prototypes come from
 * the headers only under _FORTIFY_SOURCE). */
extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
extern ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
extern ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                              struct sockaddr *sa, socklen_t *len);
extern int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
extern int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
                       const sigset_t *mask, size_t fdslen);

/* A descriptor number this program never opens. */
#define CLOSED_FD 900

static int hermetic;
static void *noaccess;           /* a PROT_NONE page: the kernel answers EFAULT */
static volatile sig_atomic_t sigpipes;
static char longname[128];       /* a label of 70 characters: rejected before any query */

static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

/* ------------------------------------------------------------------ output */

static const char *en(int e)
{
    static char buf[32];
    const char *s = e ? strerrorname_np(e) : "0";
    if (s)
        return s;
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void section(const char *name)
{
    say("== %s", name);
}

/* "DESC = RC" or "DESC = -1 ENAME", then optional extras. */
static void res(const char *desc, long rc, int e, const char *extra)
{
    if (rc < 0)
        printf("%s = %ld %s", desc, rc, en(e));
    else
        printf("%s = %ld", desc, rc);
    if (extra && *extra)
        printf(" %s", extra);
    putchar('\n');
}

#define T(desc, expr) \
    do { errno = 0; long rc_ = (long)(expr); int e_ = errno; res((desc), rc_, e_, NULL); } while (0)
/* The same, keeping the result in rcv/errv for extras. */
#define TX(rcv, errv, expr) \
    do { errno = 0; rcv = (long)(expr); errv = errno; } while (0)

static const char *famname(int f)
{
    static char buf[16];
    switch (f) {
    case AF_UNSPEC: return "AF_UNSPEC";
    case AF_INET: return "AF_INET";
    case AF_INET6: return "AF_INET6";
    case AF_UNIX: return "AF_UNIX";
    default: snprintf(buf, sizeof buf, "af%d", f); return buf;
    }
}

static const char *typename(int t)
{
    static char buf[16];
    switch (t) {
    case 0: return "0";
    case SOCK_STREAM: return "STREAM";
    case SOCK_DGRAM: return "DGRAM";
    case SOCK_RAW: return "RAW";
    case SOCK_SEQPACKET: return "SEQPACKET";
    default: snprintf(buf, sizeof buf, "type%d", t); return buf;
    }
}

/* Family and address of sa (port only when with_port: ours are random). */
static const char *sastr(const struct sockaddr *sa, socklen_t len, int with_port)
{
    static char buf[2][160];
    static int k;
    char *b = buf[k++ & 1], a[INET6_ADDRSTRLEN];
    if (len < sizeof(sa_family_t)) {
        snprintf(b, 160, "(len %u)", (unsigned)len);
        return b;
    }
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
        if (with_port)
            snprintf(b, 160, "AF_INET %s port %u", a, ntohs(in->sin_port));
        else
            snprintf(b, 160, "AF_INET %s", a);
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
        if (with_port)
            snprintf(b, 160, "AF_INET6 %s port %u", a, ntohs(in6->sin6_port));
        else
            snprintf(b, 160, "AF_INET6 %s", a);
    } else if (sa->sa_family == AF_UNIX) {
        snprintf(b, 160, "AF_UNIX len %u", (unsigned)len);
    } else {
        snprintf(b, 160, "%s len %u", famname(sa->sa_family), (unsigned)len);
    }
    return b;
}

static const char *revstr(int rev)
{
    static char buf[2][128];
    static int k;
    char *b = buf[k++ & 1];
    static const struct { int bit; const char *name; } names[] = {
        { POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
        { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDNORM, "RDNORM" },
        { POLLRDBAND, "RDBAND" }, { POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
        { POLLRDHUP, "RDHUP" },
    };
    b[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (rev & names[i].bit) {
            if (b[0])
                strcat(b, "|");
            strcat(b, names[i].name);
            rev &= ~names[i].bit;
        }
    if (rev)
        snprintf(b + strlen(b), 128 - strlen(b), "%s0x%x", b[0] ? "|" : "", (unsigned)rev);
    if (!b[0])
        strcpy(b, "0");
    return b;
}

static const char *evstr(uint32_t ev)
{
    static char buf[128];
    static const struct { uint32_t bit; const char *name; } names[] = {
        { EPOLLIN, "IN" }, { EPOLLPRI, "PRI" }, { EPOLLOUT, "OUT" }, { EPOLLERR, "ERR" },
        { EPOLLHUP, "HUP" }, { EPOLLRDNORM, "RDNORM" }, { EPOLLWRNORM, "WRNORM" },
        { EPOLLRDHUP, "RDHUP" },
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ev & names[i].bit) {
            if (buf[0])
                strcat(buf, "|");
            strcat(buf, names[i].name);
            ev &= ~names[i].bit;
        }
    if (ev)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s0x%x", buf[0] ? "|" : "", ev);
    if (!buf[0])
        strcpy(buf, "0");
    return buf;
}

/* Children, for calls that may crash the caller: a bad pointer the kernel
 * would answer with EFAULT may crash libtryall (and some crash libc itself:
 * then both runs must show the same crash). */
static pid_t child_start(void)
{
    fflush(stdout);
    fflush(stderr);
    /* The raw system call, not fork(): glibc's fork runs the atfork handlers,
     * and libtryall's drop every race in the child - the call under test
     * would then never meet a racing descriptor. (Single-threaded, no lock
     * held here: the child may use stdio.) The parent must not look at a
     * racing descriptor again after such a child: the child may have moved
     * the race on the sockets they share. */
    return (pid_t)syscall(SYS_fork);
}

static void child_wait(const char *desc, pid_t pid)
{
    int st = 0;
    if (pid < 0) {
        say("%s: fork failed %s", desc, en(errno));
        return;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st))
        say("%s: child killed by SIG%s", desc, sigabbrev_np(WTERMSIG(st)));
    else
        say("%s: child exit %d", desc, WEXITSTATUS(st));
}

/* T in a child. */
#define TC(desc, expr) \
    do { pid_t pid_ = child_start(); \
         if (pid_ == 0) { T((desc), (expr)); fflush(stdout); _exit(0); } \
         child_wait((desc), pid_); } while (0)

/* Run fn(arg) in a child (it prints its own result line); say how it ended. */
static void in_child(const char *desc, void (*fn)(void *), void *arg)
{
    pid_t pid = child_start();
    if (pid == 0) {
        fn(arg);
        fflush(stdout);
        _exit(0);
    }
    child_wait(desc, pid);
}

/* --------------------------------------------------------------- helpers */

static socklen_t loop_addr(int af, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (af == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof *in;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    return sizeof *in6;
}

/* A socket of type on af's loopback, port 0; listening when backlog >= 0.
 * Its address (with the port the kernel chose) goes to ss. */
static int bound(int af, int type, int backlog, struct sockaddr_storage *ss, socklen_t *len)
{
    int s = socket(af, type | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (af == AF_INET6)
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    *len = loop_addr(af, ss);
    if (bind(s, (struct sockaddr *)ss, *len) != 0 || (backlog >= 0 && listen(s, backlog) != 0) ||
        getsockname(s, (struct sockaddr *)ss, len) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static void set_nonblock(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Our own listeners and refused ports (bound, not listening), v4 and v6. */
static struct sockaddr_storage lis4, lis6, ref4, ref6;
static socklen_t lis4len, lis6len, ref4len, ref6len;
static int lis4fd = -1, lis6fd = -1, ref4fd = -1, ref6fd = -1;

static const struct sockaddr *LIS4(void) { return (const struct sockaddr *)&lis4; }
static const struct sockaddr *LIS6(void) { return (const struct sockaddr *)&lis6; }
static const struct sockaddr *REF4(void) { return (const struct sockaddr *)&ref4; }
static const struct sockaddr *REF6(void) { return (const struct sockaddr *)&ref6; }

/* Accept and close whatever is pending on a listener (non-blocking). */
static void drain(int l)
{
    set_nonblock(l, 1);
    int c;
    while ((c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0)
        close(c);
}

static int so_error(int fd)
{
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l) != 0)
        return -errno;
    return v;
}

static void show_so_error(const char *what, int fd)
{
    int v = so_error(fd);
    if (v < 0)
        say("%s getsockopt(SO_ERROR) = -1 %s", what, en(-v));
    else
        say("%s getsockopt(SO_ERROR) = 0 value %s", what, en(v));
}

static void show_peer(const char *what, int fd)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    errno = 0;
    int rc = getpeername(fd, (struct sockaddr *)&ss, &l);
    if (rc < 0)
        say("%s getpeername = -1 %s", what, en(errno));
    else
        say("%s getpeername = 0 len %u %s", what, (unsigned)l, sastr((struct sockaddr *)&ss, l, 0));
}

static void show_poll1(const char *what, int fd, short events, int timeout)
{
    struct pollfd p = { fd, events, 0 };
    errno = 0;
    int rc = poll(&p, 1, timeout);
    if (rc < 0)
        say("%s poll(%s, %d) = -1 %s", what, revstr(events), timeout, en(errno));
    else
        say("%s poll(%s, %d) = %d revents %s", what, revstr(events), timeout, rc, revstr(p.revents));
}

/* ------------------------------------------------------------- resolver */

static void print_ai(const struct addrinfo *ai, int with_port)
{
    for (; ai; ai = ai->ai_next)
        say("  ai %s %s proto %d %s%s%s", famname(ai->ai_family), typename(ai->ai_socktype),
            ai->ai_protocol, ai->ai_addr ? sastr(ai->ai_addr, ai->ai_addrlen, with_port) : "(no addr)",
            ai->ai_canonname ? " canon " : "", ai->ai_canonname ? ai->ai_canonname : "");
}

static const char *eainame(int rc)
{
    static char buf[16];
    switch (rc) {
    case 0: return "0";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    case EAI_OVERFLOW: return "EAI_OVERFLOW";
    case EAI_NODATA: return "EAI_NODATA";
    case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
    default: snprintf(buf, sizeof buf, "eai%d", rc); return buf;
    }
}

/* getaddrinfo; the list printed (ports only for our fixed service). */
static void gai(const char *node, const char *service, int use_hints, int family, int socktype,
                int protocol, int flags)
{
    struct addrinfo h, *res = (struct addrinfo *)0, **resp = &res;
    memset(&h, 0, sizeof h);
    h.ai_family = family;
    h.ai_socktype = socktype;
    h.ai_protocol = protocol;
    h.ai_flags = flags;
    errno = 0;
    int rc = getaddrinfo(node, service, use_hints ? &h : NULL, resp);
    int e = errno;
    char hints[96] = "NULL";
    if (use_hints)
        snprintf(hints, sizeof hints, "{%s,%s,%d,0x%x}", famname(family), typename(socktype),
                 protocol, (unsigned)flags);
    printf("getaddrinfo(%s%s%s, %s%s%s, %s) = %d %s \"%s\" errno %s\n", node ? "\"" : "",
           node ? node : "NULL", node ? "\"" : "", service ? "\"" : "", service ? service : "NULL",
           service ? "\"" : "", hints, rc, eainame(rc), gai_strerror(rc), en(e));
    if (rc == 0) {
        print_ai(res, 1);
        freeaddrinfo(res);
    }
}

static void print_hostent(const struct hostent *he)
{
    say("  h_name \"%s\" h_addrtype %s h_length %d", he->h_name ? he->h_name : "(null)",
        famname(he->h_addrtype), he->h_length);
    for (char **a = he->h_aliases; a && *a; a++)
        say("  alias \"%s\"", *a);
    for (char **p = he->h_addr_list; p && *p; p++) {
        char buf[INET6_ADDRSTRLEN];
        if ((he->h_addrtype == AF_INET && he->h_length == 4) ||
            (he->h_addrtype == AF_INET6 && he->h_length == 16))
            say("  addr %s", inet_ntop(he->h_addrtype, *p, buf, sizeof buf));
        else
            say("  addr (length %d)", he->h_length);
    }
}

static void ghbn(const char *name, int af)   /* af < 0: gethostbyname */
{
    h_errno = -7;
    errno = 0;
    struct hostent *he = af < 0 ? gethostbyname(name) : gethostbyname2(name, af);
    int e = errno, he_ = h_errno;
    if (af < 0)
        say("gethostbyname(\"%s\") = %s h_errno %d errno %s", name, he ? "hostent" : "NULL",
            he ? 0 : he_, he ? "-" : en(e));
    else
        say("gethostbyname2(\"%s\", %s) = %s h_errno %d errno %s", name, famname(af),
            he ? "hostent" : "NULL", he ? 0 : he_, he ? "-" : en(e));
    if (he)
        print_hostent(he);
}

static void ghbn_r(const char *name, int af, size_t buflen)
{
    static char big[65536];
    char *buf = buflen <= sizeof big ? big : NULL;
    struct hostent hb, *result = (struct hostent *)&hb;
    int herr = -7;
    errno = 0;
    int rc = af < 0 ? gethostbyname_r(name, &hb, buf, buflen, &result, &herr)
                    : gethostbyname2_r(name, af, &hb, buf, buflen, &result, &herr);
    int e = errno;
    if (af < 0)
        say("gethostbyname_r(\"%s\", buflen %zu) = %d %s result %s h_errno %d errno %s", name, buflen,
            rc, rc ? en(rc) : "", result ? "hostent" : "NULL", herr, en(e));
    else
        say("gethostbyname2_r(\"%s\", %s, buflen %zu) = %d %s result %s h_errno %d errno %s", name,
            famname(af), buflen, rc, rc ? en(rc) : "", result ? "hostent" : "NULL", herr, en(e));
    if (rc == 0 && result)
        print_hostent(result);
}

static void sec_resolver(void)
{
    section("getaddrinfo");
    gai(NULL, NULL, 0, 0, 0, 0, 0);
    gai(NULL, NULL, 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai(NULL, "80", 0, 0, 0, 0, 0);
    gai(NULL, "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE);
    gai(NULL, "80", 1, AF_INET, SOCK_DGRAM, 0, AI_PASSIVE);
    gai(NULL, "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_CANONNAME);
    gai("localhost", NULL, 0, 0, 0, 0, 0);
    gai("localhost", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai("localhost", "80", 1, AF_INET, 0, 0, AI_CANONNAME);
    gai("localhost", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_ADDRCONFIG);
    gai("localhost", "http", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai("localhost", "http", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICSERV);
    gai("localhost", "no-such-service-x", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai("localhost", "70000", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai("localhost", "80", 1, 12345, SOCK_STREAM, 0, 0);
    gai("localhost", "80", 1, AF_UNSPEC, 12345, 0, 0);
    gai("localhost", "80", 1, AF_INET, SOCK_DGRAM, IPPROTO_TCP, 0);
    gai("localhost", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0x40000000);
    gai("localhost", "80", 1, AF_UNIX, SOCK_STREAM, 0, 0);
    gai("localhost", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai("127.0.0.1", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai("::1", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai("127.0.0.1", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, AI_ADDRCONFIG);
    gai("::1", "80", 1, AF_INET, SOCK_STREAM, 0, 0);
    gai("127.0.0.1", "80", 1, AF_INET6, SOCK_STREAM, 0, 0);
    gai("127.0.0.1", "80", 1, AF_INET6, SOCK_STREAM, 0, AI_V4MAPPED);
    gai("1.2.3", "80", 1, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai("999.1.1.1", "80", 1, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai("::1%lo", "80", 1, AF_INET6, SOCK_STREAM, 0, AI_NUMERICHOST);
    gai(longname, "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    gai("a..b.invalid", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    if (hermetic) {
        gai("localhost", "80", 1, AF_INET6, SOCK_STREAM, 0, 0);
        gai("nonexistent.invalid", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
        gai("", "80", 1, AF_UNSPEC, SOCK_STREAM, 0, 0);
    }

    section("gai_strerror");
    static const int codes[] = { 0, EAI_BADFLAGS, EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_FAMILY,
                                 EAI_SOCKTYPE, EAI_SERVICE, EAI_MEMORY, EAI_SYSTEM, EAI_OVERFLOW,
                                 EAI_NODATA, EAI_ADDRFAMILY, 12345, -12345 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        say("gai_strerror(%d) = \"%s\"", codes[i], gai_strerror(codes[i]));

    section("gethostbyname");
    ghbn("127.0.0.1", -1);
    ghbn("localhost", -1);
    ghbn(longname, -1);
    ghbn("a..b.invalid", -1);
    ghbn("1.2.3.400", -1);
    ghbn("127.0.0.1", AF_INET);
    ghbn("localhost", AF_INET);
    ghbn("::1", AF_INET6);
    ghbn("::ffff:127.0.0.1", AF_INET6);
    ghbn("127.0.0.1", AF_INET6);
    ghbn("localhost", 12345);
    ghbn("localhost", AF_UNIX);
    ghbn(longname, AF_INET);
    if (hermetic) {
        ghbn("localhost", AF_INET6);
        ghbn("nonexistent.invalid", -1);
        ghbn("nonexistent.invalid", AF_INET6);
    }
    section("gethostbyname_r");
    ghbn_r("127.0.0.1", -1, 0);
    ghbn_r("127.0.0.1", -1, 8);
    ghbn_r("127.0.0.1", -1, 65536);
    ghbn_r("localhost", -1, 8);
    ghbn_r("localhost", -1, 40);
    ghbn_r("localhost", -1, 65536);
    ghbn_r(longname, -1, 8);
    ghbn_r(longname, -1, 65536);
    ghbn_r("::1", AF_INET6, 8);
    ghbn_r("::1", AF_INET6, 65536);
    ghbn_r("localhost", AF_INET, 8);
    ghbn_r("localhost", AF_INET, 65536);
    ghbn_r("localhost", 12345, 65536);
    if (hermetic) {
        ghbn_r("localhost", AF_INET6, 16);
        ghbn_r("localhost", AF_INET6, 65536);
        ghbn_r("nonexistent.invalid", -1, 65536);
        ghbn_r("nonexistent.invalid", AF_INET6, 65536);
    }
}

/* --------------------------------------------------------------- connect */

static void child_connect_noaccess(void *arg)
{
    int s = *(int *)arg;
    T("connect(tcp4, <PROT_NONE page>, 16)", connect(s, noaccess, 16));
}

static void child_connect_bad_fd_noaccess(void *arg)
{
    (void)arg;
    T("connect(-1, <PROT_NONE page>, 16)", connect(-1, noaccess, 16));
}

static void child_connect_noaccess_tail(void *arg)
{
    /* family readable, the rest of the sockaddr_in not */
    int s = *(int *)arg;
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    mprotect(p + 4096, 4096, PROT_NONE);
    struct sockaddr_in *in = (struct sockaddr_in *)(p + 4096 - 4);
    in->sin_family = AF_INET;
    in->sin_port = ((struct sockaddr_in *)&ref4)->sin_port;
    T("connect(tcp4, <sockaddr_in crossing into a PROT_NONE page>, 16)", connect(s, (void *)in, 16));
}

static void sec_connect(void)
{
    char d[200];
    section("connect: bad descriptors");
    int p[2];
    pipe2(p, O_CLOEXEC);
    int mf = memfd_create("diff_inputs", MFD_CLOEXEC);
    int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
    int closed = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("pipe = %d %d memfd = %d /dev/null = %d closed socket = %d", p[0], p[1], mf, dn, closed);
    close(closed);
    T("connect(-1, listener4)", connect(-1, LIS4(), lis4len));
    T("connect(closed, listener4)", connect(closed, LIS4(), lis4len));
    T("connect(1<<30, listener4)", connect(1 << 30, LIS4(), lis4len));
    T("connect(INT_MAX, listener4)", connect(INT_MAX, LIS4(), lis4len));
    T("connect(pipe, listener4)", connect(p[0], LIS4(), lis4len));
    T("connect(memfd, listener4)", connect(mf, LIS4(), lis4len));
    T("connect(/dev/null, listener4)", connect(dn, LIS4(), lis4len));
    T("connect(pipe, refused4)", connect(p[1], REF4(), ref4len));

    section("connect: address lengths");
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("socket(AF_INET, SOCK_STREAM) = %d", s);
    T("connect(tcp4, NULL, 0)", connect(s, NULL, 0));
    T("connect(tcp4, NULL, 16)", connect(s, NULL, 16));
    static const socklen_t lens[] = { 0, 1, 2, 8, 15, 129, 1024, 1u << 30, (socklen_t)-1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        snprintf(d, sizeof d, "connect(tcp4, refused4, %u)", (unsigned)lens[i]);
        T(d, connect(s, REF4(), lens[i]));
    }
    T("connect(tcp4, refused4, 128)", connect(s, REF4(), 128));   /* = sizeof storage: valid */
    in_child("connect(-1, <PROT_NONE page>, 16)", child_connect_bad_fd_noaccess, NULL);
    in_child("connect(tcp4, <PROT_NONE page>, 16)", child_connect_noaccess, &s);
    in_child("connect(tcp4, <sockaddr_in crossing into PROT_NONE>, 16)", child_connect_noaccess_tail, &s);
    {
        struct sockaddr_in zero = { .sin_family = AF_INET };   /* 0.0.0.0 port 0 */
        T("connect(tcp4, 0.0.0.0 port 0)", connect(s, (struct sockaddr *)&zero, sizeof zero));
    }
    close(s);

    section("connect: wrong family");
    int s4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp4 = %d tcp6 = %d", s4, s6);
    T("connect(tcp4, listener6 (sockaddr_in6), 28)", connect(s4, LIS6(), lis6len));
    T("connect(tcp4, listener6 (sockaddr_in6), 16)", connect(s4, LIS6(), 16));
    T("connect(tcp6, listener4 (sockaddr_in), 16)", connect(s6, LIS4(), lis4len));
    {
        struct sockaddr_storage pad;
        memcpy(&pad, &lis4, sizeof(struct sockaddr_in));
        T("connect(tcp6, listener4 (sockaddr_in), 28)", connect(s6, (struct sockaddr *)&pad, 28));
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        strcpy(un.sun_path, "/nonexistent/diff_inputs");
        T("connect(tcp4, sockaddr_un)", connect(s4, (struct sockaddr *)&un, sizeof un));
        struct sockaddr_storage odd;
        memcpy(&odd, &ref4, sizeof(struct sockaddr_in));
        odd.ss_family = 12345;
        T("connect(tcp4, family 12345)", connect(s4, (struct sockaddr *)&odd, 16));
    }
    close(s4);
    close(s6);

    section("connect: AF_UNSPEC");
    {
        struct sockaddr unspec = { .sa_family = AF_UNSPEC };
        s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("tcp4 = %d", s);
        T("connect(fresh tcp4, AF_UNSPEC, 16)", connect(s, &unspec, sizeof unspec));
        T("connect(fresh tcp4, AF_UNSPEC, 1)", connect(s, &unspec, 1));
        T("connect(fresh tcp4, AF_UNSPEC, 2)", connect(s, &unspec, 2));
        T("connect(tcp4, listener4)", connect(s, LIS4(), lis4len));
        T("connect(connected tcp4, listener4) again", connect(s, LIS4(), lis4len));
        T("connect(connected tcp4, refused4)", connect(s, REF4(), ref4len));
        T("connect(connected tcp4, listener6 wrong family)", connect(s, LIS6(), lis6len));
        T("connect(connected tcp4, refused4, 8)", connect(s, REF4(), 8));
        T("connect(connected tcp4, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
        show_peer("after AF_UNSPEC:", s);
        T("connect(disconnected tcp4, listener4)", connect(s, LIS4(), lis4len));
        show_peer("reconnected:", s);
        close(s);
        int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        say("udp4 = %d", u);
        T("connect(udp4, listener4)", connect(u, LIS4(), lis4len));
        T("connect(udp4, AF_UNSPEC)", connect(u, &unspec, sizeof unspec));
        show_peer("udp after AF_UNSPEC:", u);
        T("connect(udp4, AF_UNSPEC) again", connect(u, &unspec, sizeof unspec));
        close(u);
        T("connect(listener4 itself, listener4)", connect(lis4fd, LIS4(), lis4len));
        T("connect(listener4, refused4)", connect(lis4fd, REF4(), ref4len));
        drain(lis4fd);
    }

    section("connect: refused, blocking");
    s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp4 = %d", s);
    T("connect(tcp4, refused4)", connect(s, REF4(), ref4len));
    T("connect(tcp4, refused4) again", connect(s, REF4(), ref4len));
    show_so_error("after refused:", s);
    show_peer("after refused:", s);
    T("connect(tcp4, listener4) after refused", connect(s, LIS4(), lis4len));
    close(s);
    s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp6 = %d", s);
    T("connect(tcp6, refused6)", connect(s, REF6(), ref6len));
    close(s);

    section("connect: refused, non-blocking");
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nonblock = %d", s);
    T("connect(tcp4 nb, refused4)", connect(s, REF4(), ref4len));
    show_poll1("refused nb:", s, POLLOUT, 1000);
    show_poll1("refused nb:", s, POLLIN | POLLOUT | POLLRDHUP, 0);
    show_so_error("refused nb:", s);
    show_so_error("refused nb (again):", s);
    show_peer("refused nb:", s);
    T("connect(tcp4 nb, refused4) after SO_ERROR", connect(s, REF4(), ref4len));
    close(s);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nonblock = %d", s);
    T("connect(tcp4 nb, refused4)", connect(s, REF4(), ref4len));
    T("connect(tcp4 nb, refused4) again at once", connect(s, REF4(), ref4len));
    T("connect(tcp4 nb, refused4) third", connect(s, REF4(), ref4len));
    show_so_error("refused nb after connects:", s);
    close(s);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nonblock = %d", s);
    T("connect(tcp4 nb, refused4)", connect(s, REF4(), ref4len));
    {
        char b[4];
        T("read(refused nb)", read(s, b, sizeof b));
        T("read(refused nb) again", read(s, b, sizeof b));
        T("send(refused nb, MSG_NOSIGNAL)", send(s, "x", 1, MSG_NOSIGNAL));
    }
    close(s);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nonblock = %d", s);
    T("connect(tcp4 nb, refused4)", connect(s, REF4(), ref4len));
    {
        struct sockaddr unspec = { .sa_family = AF_UNSPEC };
        T("connect(refused nb, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
    }
    show_so_error("refused nb after AF_UNSPEC:", s);
    show_poll1("refused nb after AF_UNSPEC:", s, POLLOUT, 0);
    close(s);
    s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp6 nonblock = %d", s);
    T("connect(tcp6 nb, refused6)", connect(s, REF6(), ref6len));
    show_poll1("refused6 nb:", s, POLLOUT, 1000);
    show_so_error("refused6 nb:", s);
    close(s);

    section("connect: non-blocking to a listener");
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nonblock = %d", s);
    T("connect(tcp4 nb, listener4)", connect(s, LIS4(), lis4len));
    show_poll1("listener nb:", s, POLLOUT, 1000);
    show_so_error("listener nb:", s);
    T("connect(tcp4 nb, listener4) again", connect(s, LIS4(), lis4len));
    T("connect(tcp4 nb, listener4) third", connect(s, LIS4(), lis4len));
    show_peer("listener nb:", s);
    close(s);
    drain(lis4fd);

    section("connect: v4-mapped");
    s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp6 = %d", s);
    {
        struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
        m.sin6_port = ((struct sockaddr_in *)&lis4)->sin_port;
        inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
        T("connect(tcp6, ::ffff:127.0.0.1 listener4)", connect(s, (struct sockaddr *)&m, sizeof m));
        show_peer("mapped:", s);
        close(s);
        int one = 1;
        s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        say("tcp6 v6only = %d", s);
        T("connect(tcp6 v6only, ::ffff:127.0.0.1 listener4)", connect(s, (struct sockaddr *)&m, sizeof m));
        m.sin6_port = ((struct sockaddr_in *)&ref4)->sin_port;
        T("connect(tcp6 v6only, ::ffff:127.0.0.1 refused4)", connect(s, (struct sockaddr *)&m, sizeof m));
        close(s);
        s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("tcp6 = %d", s);
        T("connect(tcp6, ::ffff:127.0.0.1 refused4)", connect(s, (struct sockaddr *)&m, sizeof m));
        close(s);
    }
    drain(lis4fd);

    section("connect: TCP_FASTOPEN_CONNECT");
    {
        int one = 1;
        s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("tcp4 = %d", s);
        T("setsockopt(TCP_FASTOPEN_CONNECT, 1)", setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one));
        T("connect(tcp4 fastopen, listener4)", connect(s, LIS4(), lis4len));
        show_so_error("fastopen:", s);
        T("connect(tcp4 fastopen, listener4) again", connect(s, LIS4(), lis4len));
        T("write(tcp4 fastopen, \"hello\")", write(s, "hello", 5));
        show_peer("fastopen:", s);
        T("connect(tcp4 fastopen, listener4) after write", connect(s, LIS4(), lis4len));
        set_nonblock(lis4fd, 0);
        int c = accept4(lis4fd, NULL, NULL, SOCK_CLOEXEC);
        char b[16] = "";
        errno = 0;
        ssize_t n = c >= 0 ? read(c, b, sizeof b) : -1;
        say("accepted %d: read = %zd \"%.*s\"", c, n, n > 0 ? (int)n : 0, b);
        if (c >= 0)
            close(c);
        close(s);
        s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("tcp4 = %d", s);
        setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one);
        T("connect(tcp4 fastopen, refused4)", connect(s, REF4(), ref4len));
        T("write(tcp4 fastopen refused, \"hello\")", write(s, "hello", 5));
        T("write(tcp4 fastopen refused, \"hello\") again", write(s, "hello", 5));
        say("sigpipes %d", (int)sigpipes);
        close(s);
        s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        say("tcp4 nonblock = %d", s);
        setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one);
        T("connect(tcp4 nb fastopen, listener4)", connect(s, LIS4(), lis4len));
        T("send(tcp4 nb fastopen, \"x\")", send(s, "x", 1, MSG_NOSIGNAL));
        show_poll1("nb fastopen:", s, POLLOUT, 1000);
        T("send(tcp4 nb fastopen, \"x\") after poll", send(s, "x", 1, MSG_NOSIGNAL));
        close(s);
        drain(lis4fd);
    }
    close(p[0]);
    close(p[1]);
    close(mf);
    close(dn);
}

/* ------------------------------------------------------ other socket types */

static void sec_sockets(void)
{
    char b[64];
    struct sockaddr_storage ss;
    socklen_t sl;

    section("udp");
    {
        int srv = bound(AF_INET, SOCK_DGRAM, -1, &ss, &sl);
        int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        say("udp server = %d udp = %d", srv, u);
        T("send(unconnected udp)", send(u, "x", 1, MSG_NOSIGNAL));
        T("write(unconnected udp)", write(u, "x", 1));
        T("recv(unconnected udp, MSG_DONTWAIT)", recv(u, b, sizeof b, MSG_DONTWAIT));
        T("connect(udp, udp server)", connect(u, (struct sockaddr *)&ss, sl));
        show_peer("udp:", u);
        T("send(udp, \"abcdef\")", send(u, "abcdef", 6, 0));
        T("sendto(udp, \"gh\", server addr)", sendto(u, "gh", 2, 0, (struct sockaddr *)&ss, sl));
        T("sendto(udp, \"ij\", NULL, 0)", sendto(u, "ij", 2, 0, NULL, 0));
        T("sendto(udp, \"kl\", addr, 3)", sendto(u, "kl", 2, 0, (struct sockaddr *)&ss, 3));
        show_poll1("udp server:", srv, POLLIN, 1000);
        T("recv(udp server, 3, MSG_TRUNC)", recv(srv, b, 3, MSG_TRUNC));
        {
            struct sockaddr_storage from;
            socklen_t fl = 4;
            long rc;
            int e;
            TX(rc, e, recvfrom(srv, b, sizeof b, 0, (struct sockaddr *)&from, &fl));
            snprintf(b + 32, 32, "fromlen %u", (unsigned)fl);
            res("recvfrom(udp server, fromlen 4)", rc, e, b + 32);
        }
        T("recvfrom(udp server, NULL, NULL)", recvfrom(srv, b, sizeof b, 0, NULL, NULL));
        T("recv(udp server, MSG_DONTWAIT) empty", recv(srv, b, sizeof b, MSG_DONTWAIT));
        T("read(udp server, 0 bytes, nonblock)", (set_nonblock(srv, 1), read(srv, b, 0)));
        close(srv);
        /* now nothing listens there: the next datagram draws an ICMP error */
        T("send(udp, \"x\") to a closed port", send(u, "x", 1, 0));
        show_poll1("udp closed port:", u, POLLIN, 1000);
        T("recv(udp) after ICMP", recv(u, b, sizeof b, MSG_DONTWAIT));
        T("recv(udp) again", recv(u, b, sizeof b, MSG_DONTWAIT));
        T("connect(udp, refused4 (tcp port))", connect(u, REF4(), ref4len));
        T("connect(udp, listener6 wrong family)", connect(u, LIS6(), lis6len));
        T("connect(udp, refused4, 8)", connect(u, REF4(), 8));
        close(u);
        u = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        say("udp6 = %d", u);
        T("connect(udp6, refused6)", connect(u, REF6(), ref6len));
        T("send(udp6, \"x\")", send(u, "x", 1, 0));
        show_poll1("udp6:", u, POLLIN, 1000);
        T("recv(udp6) after ICMP", recv(u, b, sizeof b, MSG_DONTWAIT));
        close(u);
    }

    section("unix stream");
    {
        struct sockaddr_un un;
        socklen_t ul;
        int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        un.sun_family = AF_UNIX;
        T("bind(unix listener, autobind)", bind(l, (struct sockaddr *)&un, sizeof(sa_family_t)));
        listen(l, 8);
        ul = sizeof un;
        getsockname(l, (struct sockaddr *)&un, &ul);
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("unix listener = %d client = %d", l, c);
        T("send(unconnected unix, MSG_NOSIGNAL)", send(c, "x", 1, MSG_NOSIGNAL));
        T("read(unconnected unix)", read(c, b, 1));
        T("connect(unix, listener, 1)", connect(c, (struct sockaddr *)&un, 1));
        T("connect(unix, AF_INET address)", connect(c, LIS4(), lis4len));
        struct sockaddr_un missing = { .sun_family = AF_UNIX };
        strcpy(missing.sun_path, "/nonexistent-dir/diff_inputs.sock");
        T("connect(unix, missing path)", connect(c, (struct sockaddr *)&missing, sizeof missing));
        T("connect(unix, listener)", connect(c, (struct sockaddr *)&un, ul));
        T("connect(unix, listener) again", connect(c, (struct sockaddr *)&un, ul));
        show_peer("unix:", c);
        int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        say("accepted = %d", a);
        T("write(unix, \"hello\")", write(c, "hello", 5));
        T("recv(unix peer, 2, MSG_PEEK)", recv(a, b, 2, MSG_PEEK));
        T("read(unix peer, 16)", read(a, b, 16));
        close(a);
        T("read(unix, peer closed)", read(c, b, 16));
        T("write(unix, peer closed)", write(c, "x", 1));
        say("sigpipes %d", (int)sigpipes);
        T("send(unix, peer closed, MSG_NOSIGNAL)", send(c, "x", 1, MSG_NOSIGNAL));
        say("sigpipes %d", (int)sigpipes);
        close(c);
        /* bound but not listening: refused */
        int nl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un nu = { .sun_family = AF_UNIX };
        bind(nl, (struct sockaddr *)&nu, sizeof(sa_family_t));
        socklen_t nul = sizeof nu;
        getsockname(nl, (struct sockaddr *)&nu, &nul);
        c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        say("unix not listening = %d client = %d", nl, c);
        T("connect(unix, not listening)", connect(c, (struct sockaddr *)&nu, nul));
        set_nonblock(c, 1);
        T("connect(unix nb, not listening)", connect(c, (struct sockaddr *)&nu, nul));
        close(c);
        close(nl);
        close(l);
    }

    section("unix seqpacket");
    {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        socklen_t ul;
        int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        bind(l, (struct sockaddr *)&un, sizeof(sa_family_t));
        T("listen(seqpacket)", listen(l, 8));
        ul = sizeof un;
        getsockname(l, (struct sockaddr *)&un, &ul);
        int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        say("seqpacket listener = %d client = %d", l, c);
        T("send(unconnected seqpacket)", send(c, "x", 1, MSG_NOSIGNAL));
        T("connect(seqpacket, listener)", connect(c, (struct sockaddr *)&un, ul));
        T("connect(seqpacket, listener) again", connect(c, (struct sockaddr *)&un, ul));
        int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        say("accepted = %d", a);
        T("send(seqpacket, \"abcdef\")", send(c, "abcdef", 6, 0));
        T("send(seqpacket, \"gh\")", send(c, "gh", 2, 0));
        {
            struct iovec iov = { b, 3 };
            struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
            long rc;
            int e;
            TX(rc, e, recvmsg(a, &m, 0));
            char x[64];
            snprintf(x, sizeof x, "msg_flags%s \"%.3s\"", (m.msg_flags & MSG_TRUNC) ? " MSG_TRUNC" : " 0", b);
            res("recvmsg(seqpacket peer, 3 bytes)", rc, e, x);
        }
        T("recv(seqpacket peer, 16)", recv(a, b, 16, 0));
        T("recv(seqpacket peer, MSG_DONTWAIT) empty", recv(a, b, 16, MSG_DONTWAIT));
        show_poll1("seqpacket peer:", a, POLLIN | POLLOUT, 0);
        close(c);
        show_poll1("seqpacket peer (client closed):", a, POLLIN | POLLOUT | POLLRDHUP, 0);
        T("recv(seqpacket peer, client closed)", recv(a, b, 16, 0));
        T("send(seqpacket peer, client closed)", send(a, "x", 1, 0));
        say("sigpipes %d", (int)sigpipes);
        close(a);
        close(l);
    }

    section("raw");
    {
        int r = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 253);
        if (r < 0) {
            say("socket(AF_INET, SOCK_RAW, 253) = -1 %s: raw sockets skipped", en(errno));
        } else {
            say("raw4 = %d", r);
            T("send(unconnected raw4)", send(r, "x", 1, MSG_NOSIGNAL));
            T("connect(raw4, listener4)", connect(r, LIS4(), lis4len));
            T("connect(raw4, listener4, 8)", connect(r, LIS4(), 8));
            show_peer("raw4:", r);
            T("send(raw4, \"abc\")", send(r, "abc", 3, 0));
            show_poll1("raw4:", r, POLLIN, 1000);
            unsigned char pkt[128];
            long rc;
            int e;
            TX(rc, e, recv(r, pkt, sizeof pkt, 0));
            char x[64] = "";
            if (rc >= 20)
                snprintf(x, sizeof x, "ip proto %u payload \"%.*s\"", pkt[9], (int)(rc - 20), pkt + 20);
            res("recv(raw4)", rc, e, x);
            T("connect(raw4, AF_UNSPEC)", connect(r, &(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr)));
            T("send(raw4 after AF_UNSPEC)", send(r, "x", 1, MSG_NOSIGNAL));
            close(r);
            r = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, 253);
            say("raw6 = %d", r);
            if (r >= 0) {
                T("connect(raw6, listener6)", connect(r, LIS6(), lis6len));
                T("send(raw6, \"abc\")", send(r, "abc", 3, 0));
                show_poll1("raw6:", r, POLLIN, 1000);
                TX(rc, e, recv(r, pkt, sizeof pkt, 0));
                snprintf(x, sizeof x, "payload \"%.*s\"", rc > 0 ? (int)rc : 0, pkt);
                res("recv(raw6)", rc, e, x);
                T("connect(raw6, listener4 wrong family)", connect(r, LIS4(), lis4len));
                close(r);
            }
        }
    }
}

/* ------------------------------------------------------------ close / dup */

static void sec_fds(void)
{
    section("close");
    int p[2];
    pipe2(p, O_CLOEXEC);
    say("pipe = %d %d", p[0], p[1]);
    T("close(-1)", close(-1));
    T("close(1<<30)", close(1 << 30));
    T("close(INT_MAX)", close(INT_MAX));
    int x = dup(p[0]);
    say("dup = %d", x);
    T("close(dup)", close(x));
    T("close(dup) twice", close(x));

    section("dup2 / dup3");
    T("dup2(-1, 50)", dup2(-1, 50));
    T("dup2(pipe0, -1)", dup2(p[0], -1));
    T("dup2(pipe0, 1<<30)", dup2(p[0], 1 << 30));
    T("dup2(pipe0, INT_MAX)", dup2(p[0], INT_MAX));
    T("dup2(pipe0, pipe0)", dup2(p[0], p[0]));
    T("dup2(closed, closed)", dup2(x, x));
    T("dup2(closed, 50)", dup2(x, 50));
    T("dup2(pipe0, 50)", dup2(p[0], 50));
    say("fcntl(50, F_GETFD) = %d", fcntl(50, F_GETFD));
    T("dup2(pipe1, 50) over an open one", dup2(p[1], 50));
    T("close(50)", close(50));
    T("dup3(pipe0, pipe0, 0)", dup3(p[0], p[0], 0));
    T("dup3(pipe0, pipe0, O_CLOEXEC)", dup3(p[0], p[0], O_CLOEXEC));
    T("dup3(closed, closed, 0)", dup3(x, x, 0));
    T("dup3(-1, 51, 0)", dup3(-1, 51, 0));
    T("dup3(pipe0, -1, 0)", dup3(p[0], -1, 0));
    T("dup3(pipe0, 51, 0x1234)", dup3(p[0], 51, 0x1234));
    T("dup3(pipe0, 51, O_NONBLOCK)", dup3(p[0], 51, O_NONBLOCK));
    T("dup3(pipe0, 1<<30, 0)", dup3(p[0], 1 << 30, 0));
    T("dup3(pipe0, 51, O_CLOEXEC)", dup3(p[0], 51, O_CLOEXEC));
    say("fcntl(51, F_GETFD) = %d", fcntl(51, F_GETFD));
    T("dup3(pipe1, 51, 0) over an open one", dup3(p[1], 51, 0));
    say("fcntl(51, F_GETFD) = %d", fcntl(51, F_GETFD));
    /* a socket replaced by dup2: the socket is closed, the number reused */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nb = %d", s);
    T("connect(tcp4 nb, listener4)", connect(s, LIS4(), lis4len));
    T("dup2(pipe0, tcp4 nb)", dup2(p[0], s));
    T("connect(pipe now at that number, listener4)", connect(s, LIS4(), lis4len));
    T("close(51)", close(51));
    T("close(that number)", close(s));
    drain(lis4fd);
    close(p[0]);
    close(p[1]);
}

/* --------------------------------------------------------------------- I/O */

static void child_read_chk(void *arg)
{
    int fd = *(int *)arg;
    char b[8];
    T("__read_chk(pipe, n 16 > buflen 8)", __read_chk(fd, b, 16, sizeof b));
}

static void child_recv_chk(void *arg)
{
    int fd = *(int *)arg;
    char b[8];
    T("__recv_chk(sock, n 16 > buflen 8)", __recv_chk(fd, b, 16, sizeof b, 0));
}

static void child_recvfrom_chk(void *arg)
{
    int fd = *(int *)arg;
    char b[8];
    T("__recvfrom_chk(sock, n 16 > buflen 8)", __recvfrom_chk(fd, b, 16, sizeof b, 0, NULL, NULL));
}

static void io_bad_fd(const char *what, int fd)
{
    char b[8], d[96];
    struct iovec iov = { b, sizeof b };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    socklen_t sl = 16;
    struct sockaddr_storage ss;
#define IOT(name, expr) do { snprintf(d, sizeof d, "%s(%s)", name, what); T(d, expr); } while (0)
    IOT("read", read(fd, b, sizeof b));
    IOT("write", write(fd, "x", 1));
    IOT("readv", readv(fd, &iov, 1));
    IOT("writev", writev(fd, &iov, 1));
    IOT("recv", recv(fd, b, sizeof b, 0));
    IOT("recvfrom", recvfrom(fd, b, sizeof b, 0, (struct sockaddr *)&ss, &sl));
    IOT("recvmsg", recvmsg(fd, &m, 0));
    IOT("send", send(fd, "x", 1, MSG_NOSIGNAL));
    IOT("sendto", sendto(fd, "x", 1, MSG_NOSIGNAL, LIS4(), lis4len));
    IOT("sendmsg", sendmsg(fd, &m, MSG_NOSIGNAL));
    IOT("__read_chk", __read_chk(fd, b, sizeof b, sizeof b));
    IOT("__recv_chk", __recv_chk(fd, b, sizeof b, sizeof b, 0));
    IOT("__recvfrom_chk", __recvfrom_chk(fd, b, sizeof b, sizeof b, 0, NULL, NULL));
#undef IOT
}

static void sec_io(void)
{
    char b[64];
    section("I/O: bad descriptors");
    int closed = CLOSED_FD;
    io_bad_fd("-1", -1);
    io_bad_fd("closed", closed);
    io_bad_fd("1<<30", 1 << 30);

    section("I/O: pipes and files");
    int p[2];
    pipe2(p, O_CLOEXEC);
    int mf = memfd_create("diff_inputs", MFD_CLOEXEC);
    say("pipe = %d %d memfd = %d", p[0], p[1], mf);
    T("read(pipe write end)", read(p[1], b, 1));
    T("write(pipe read end)", write(p[0], "x", 1));
    T("recv(pipe)", recv(p[0], b, 1, MSG_DONTWAIT));
    T("send(pipe)", send(p[1], "x", 1, MSG_NOSIGNAL));
    T("recvfrom(pipe)", recvfrom(p[0], b, 1, MSG_DONTWAIT, NULL, NULL));
    T("sendto(pipe)", sendto(p[1], "x", 1, MSG_NOSIGNAL, NULL, 0));
    T("write(pipe, \"abc\")", write(p[1], "abc", 3));
    T("read(pipe, 0 bytes)", read(p[0], b, 0));
    T("read(pipe, NULL, 1)", read(p[0], NULL, 1));
    T("read(pipe, <PROT_NONE>, 1)", read(p[0], noaccess, 1));
    T("write(pipe, <PROT_NONE>, 1)", write(p[1], noaccess, 1));
    {
        struct iovec iov[2] = { { b, 1 }, { b + 1, 1 } };
        T("readv(pipe, iovcnt -1)", readv(p[0], iov, -1));
        T("readv(pipe, iovcnt 0)", readv(p[0], iov, 0));
        T("readv(pipe, iovcnt IOV_MAX+1)", readv(p[0], iov, IOV_MAX + 1));
        T("writev(pipe, iovcnt -1)", writev(p[1], iov, -1));
        T("writev(pipe, iovcnt IOV_MAX+1)", writev(p[1], iov, IOV_MAX + 1));
        T("readv(pipe, NULL, 1)", readv(p[0], NULL, 1));
        T("readv(pipe, 2 x 1)", readv(p[0], iov, 2));
        say("  got \"%.2s\"", b);
    }
    T("__read_chk(pipe, 1, buflen 8)", __read_chk(p[0], b, 1, 8));
    say("  got \"%.1s\"", b);
    set_nonblock(p[0], 1);
    T("read(empty nb pipe)", read(p[0], b, 1));
    T("__read_chk(empty nb pipe)", __read_chk(p[0], b, 1, 8));
    in_child("__read_chk(pipe, n 16 > buflen 8)", child_read_chk, &p[0]);
    T("read(memfd)", read(mf, b, 8));
    T("write(memfd, \"abc\")", write(mf, "abc", 3));
    T("recv(memfd)", recv(mf, b, 8, 0));
    {
        int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        T("read(directory)", read(dir, b, 8));
        close(dir);
    }
    close(p[1]);
    T("read(pipe, writer closed)", read(p[0], b, 8));
    close(p[0]);
    pipe2(p, O_CLOEXEC);
    close(p[0]);
    T("write(pipe, reader closed)", write(p[1], "x", 1));
    say("sigpipes %d", (int)sigpipes);
    close(p[1]);
    close(mf);

    section("I/O: unconnected TCP");
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp4 = %d", s);
    {
        struct iovec iov = { b, 8 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        T("read(unconnected tcp)", read(s, b, 8));
        T("readv(unconnected tcp)", readv(s, &iov, 1));
        T("recv(unconnected tcp)", recv(s, b, 8, 0));
        T("recvfrom(unconnected tcp)", recvfrom(s, b, 8, 0, NULL, NULL));
        T("recvmsg(unconnected tcp)", recvmsg(s, &m, 0));
        T("__read_chk(unconnected tcp)", __read_chk(s, b, 8, 8));
        T("__recv_chk(unconnected tcp)", __recv_chk(s, b, 8, 8, 0));
        T("__recvfrom_chk(unconnected tcp)", __recvfrom_chk(s, b, 8, 8, 0, NULL, NULL));
        say("sigpipes %d", (int)sigpipes);
        T("send(unconnected tcp, MSG_NOSIGNAL)", send(s, "x", 1, MSG_NOSIGNAL));
        say("sigpipes %d", (int)sigpipes);
        T("write(unconnected tcp)", write(s, "x", 1));
        say("sigpipes %d", (int)sigpipes);
        T("writev(unconnected tcp)", writev(s, &iov, 1));
        say("sigpipes %d", (int)sigpipes);
        T("send(unconnected tcp, 0)", send(s, "x", 1, 0));
        say("sigpipes %d", (int)sigpipes);
        T("sendto(unconnected tcp, listener4)", sendto(s, "x", 1, 0, LIS4(), lis4len));
        say("sigpipes %d", (int)sigpipes);
        T("sendmsg(unconnected tcp)", sendmsg(s, &m, 0));
        say("sigpipes %d", (int)sigpipes);
        T("sendmsg(unconnected tcp, MSG_NOSIGNAL)", sendmsg(s, &m, MSG_NOSIGNAL));
        say("sigpipes %d", (int)sigpipes);
        T("recvmsg(tcp, NULL msg)", recvmsg(s, NULL, 0));
        T("sendmsg(tcp, NULL msg)", sendmsg(s, NULL, MSG_NOSIGNAL));
        m.msg_iovlen = (size_t)IOV_MAX + 1;
        T("sendmsg(tcp, iovlen IOV_MAX+1)", sendmsg(s, &m, MSG_NOSIGNAL));
        T("recvmsg(tcp, iovlen IOV_MAX+1)", recvmsg(s, &m, 0));
    }
    close(s);

    section("I/O: connected TCP");
    s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    T("connect(tcp4, listener4)", connect(s, LIS4(), lis4len));
    set_nonblock(lis4fd, 0);
    int a = accept4(lis4fd, NULL, NULL, SOCK_CLOEXEC);
    say("tcp4 = %d accepted = %d", s, a);
    T("recv(connected tcp, MSG_DONTWAIT) empty", recv(s, b, 8, MSG_DONTWAIT));
    set_nonblock(s, 1);
    T("read(connected tcp nb) empty", read(s, b, 8));
    T("__recv_chk(connected tcp nb) empty", __recv_chk(s, b, 8, 8, 0));
    T("__recvfrom_chk(connected tcp nb) empty", __recvfrom_chk(s, b, 8, 8, 0, NULL, NULL));
    set_nonblock(s, 0);
    T("write(accepted, \"hello world\")", write(a, "hello world", 11));
    T("recv(tcp, 5, MSG_PEEK)", recv(s, b, 5, MSG_PEEK));
    T("__recv_chk(tcp, 5, buflen 8)", __recv_chk(s, b, 5, 8, 0));
    {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        long rc;
        int e;
        char x[48];
        TX(rc, e, __recvfrom_chk(s, b, 3, 8, 0, (struct sockaddr *)&from, &fl));
        snprintf(x, sizeof x, "fromlen %u", (unsigned)fl);
        res("__recvfrom_chk(tcp, 3, buflen 8, from)", rc, e, x);
    }
    T("read(tcp, <PROT_NONE>, 1)", read(s, noaccess, 1));
    T("recv(tcp, NULL, 1)", recv(s, NULL, 1, 0));
    T("read(tcp, rest)", read(s, b, 8));
    in_child("__recv_chk(tcp, n 16 > buflen 8)", child_recv_chk, &s);
    in_child("__recvfrom_chk(tcp, n 16 > buflen 8)", child_recvfrom_chk, &s);
    T("send(tcp, \"x\", 0x40000000 flag)", send(s, "x", 1, 0x40000000 | MSG_NOSIGNAL));
    T("send(tcp, \"x\", MSG_OOB)", send(s, "x", 1, MSG_OOB | MSG_NOSIGNAL));
    T("recv(tcp, MSG_OOB) none", recv(s, b, 1, MSG_OOB | MSG_DONTWAIT));
    T("write(tcp, <PROT_NONE>, 1)", write(s, noaccess, 1));
    T("shutdown(tcp, SHUT_WR)", shutdown(s, SHUT_WR));
    T("write(tcp after SHUT_WR)", write(s, "x", 1));
    say("sigpipes %d", (int)sigpipes);
    T("send(tcp after SHUT_WR, MSG_NOSIGNAL)", send(s, "x", 1, MSG_NOSIGNAL));
    say("sigpipes %d", (int)sigpipes);
    close(a);
    T("read(tcp, peer closed)", read(s, b, 8));
    close(s);
    drain(lis4fd);
}

/* ------------------------------------------------ getsockopt / getpeername */

static void gso(const char *desc, int fd, int level, int name, void *val, socklen_t *len)
{
    unsigned char *v = val;
    if (v && v != noaccess)
        memset(v, 0xaa, 8);
    errno = 0;
    int rc = getsockopt(fd, level, name, val, len);
    int e = errno;
    char x[96] = "";
    if (rc == 0 && len && v && v != noaccess) {
        int n = snprintf(x, sizeof x, "len %d bytes", (int)*len);
        for (int i = 0; i < 8 && n < (int)sizeof x - 4; i++)
            n += snprintf(x + n, sizeof x - (size_t)n, " %02x", v[i]);
    } else if (rc == 0 && len) {
        snprintf(x, sizeof x, "len %d", (int)*len);
    }
    res(desc, rc, e, x);
}

static void gpn(const char *desc, int fd, int use_sa, socklen_t len, int use_len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0xaa, sizeof ss);
    socklen_t l = len;
    errno = 0;
    int rc = getpeername(fd, use_sa ? (struct sockaddr *)&ss : NULL, use_len ? &l : NULL);
    int e = errno;
    char x[160] = "";
    if (rc == 0)
        snprintf(x, sizeof x, "len %u family %s", (unsigned)l,
                 l >= sizeof(sa_family_t) || len >= sizeof(sa_family_t) ? famname(ss.ss_family) : "(untouched)");
    res(desc, rc, e, x);
}

static void sec_sockopt(void)
{
    section("getsockopt");
    int closed = CLOSED_FD;
    int p[2];
    pipe2(p, O_CLOEXEC);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("pipe = %d %d tcp4 = %d", p[0], p[1], s);
    unsigned char v[16];
    socklen_t l;
    l = 4; gso("getsockopt(-1, SO_ERROR, 4)", -1, SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(closed, SO_ERROR, 4)", closed, SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(pipe, SO_ERROR, 4)", p[0], SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(tcp, SO_ERROR, 4)", s, SOL_SOCKET, SO_ERROR, v, &l);
    l = 2; gso("getsockopt(tcp, SO_ERROR, 2)", s, SOL_SOCKET, SO_ERROR, v, &l);
    l = 0; gso("getsockopt(tcp, SO_ERROR, 0)", s, SOL_SOCKET, SO_ERROR, v, &l);
    l = 16; gso("getsockopt(tcp, SO_ERROR, 16)", s, SOL_SOCKET, SO_ERROR, v, &l);
    l = (socklen_t)-1; gso("getsockopt(tcp, SO_ERROR, -1)", s, SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(tcp, SO_ERROR, NULL value, 4)", s, SOL_SOCKET, SO_ERROR, NULL, &l);
    l = 0; gso("getsockopt(tcp, SO_ERROR, NULL value, 0)", s, SOL_SOCKET, SO_ERROR, NULL, &l);
    gso("getsockopt(tcp, SO_ERROR, NULL len)", s, SOL_SOCKET, SO_ERROR, v, NULL);
    l = 4; gso("getsockopt(tcp, SO_ERROR, <PROT_NONE>, 4)", s, SOL_SOCKET, SO_ERROR, noaccess, &l);
    gso("getsockopt(tcp, SO_ERROR, len <PROT_NONE>)", s, SOL_SOCKET, SO_ERROR, v, noaccess);
    l = 4; gso("getsockopt(tcp, level 12345, SO_ERROR)", s, 12345, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(tcp, SOL_SOCKET, 12345)", s, SOL_SOCKET, 12345, v, &l);
    l = 4; gso("getsockopt(tcp, IPPROTO_TCP, SO_ERROR)", s, IPPROTO_TCP, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(tcp, SOL_SOCKET, SO_TYPE)", s, SOL_SOCKET, SO_TYPE, v, &l);
    /* a refused socket: the pending error, in 2 bytes, then 0 */
    int r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nb = %d", r);
    T("connect(tcp4 nb, refused4)", connect(r, REF4(), ref4len));
    show_poll1("refused:", r, POLLOUT, 1000);
    l = 2; gso("getsockopt(refused, SO_ERROR, 2)", r, SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(refused, SO_ERROR, 4) again", r, SOL_SOCKET, SO_ERROR, v, &l);
    close(r);
    r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nb = %d", r);
    T("connect(tcp4 nb, refused4)", connect(r, REF4(), ref4len));
    show_poll1("refused:", r, POLLOUT, 1000);
    gso("getsockopt(refused, SO_ERROR, NULL len)", r, SOL_SOCKET, SO_ERROR, v, NULL);
    l = 4; gso("getsockopt(refused, SO_ERROR, NULL value, 4)", r, SOL_SOCKET, SO_ERROR, NULL, &l);
    l = 4; gso("getsockopt(refused, SO_ERROR, 4) after EFAULT", r, SOL_SOCKET, SO_ERROR, v, &l);
    close(r);
    r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("tcp4 nb = %d", r);
    T("connect(tcp4 nb, refused4)", connect(r, REF4(), ref4len));
    show_poll1("refused:", r, POLLOUT, 1000);
    l = 0; gso("getsockopt(refused, SO_ERROR, 0)", r, SOL_SOCKET, SO_ERROR, v, &l);
    l = 4; gso("getsockopt(refused, SO_ERROR, 4) after len 0", r, SOL_SOCKET, SO_ERROR, v, &l);
    close(r);

    section("getpeername");
    gpn("getpeername(-1)", -1, 1, 128, 1);
    gpn("getpeername(closed)", closed, 1, 128, 1);
    gpn("getpeername(pipe)", p[0], 1, 128, 1);
    gpn("getpeername(unconnected tcp)", s, 1, 128, 1);
    T("connect(tcp4, listener4)", connect(s, LIS4(), lis4len));
    gpn("getpeername(tcp, 128)", s, 1, 128, 1);
    gpn("getpeername(tcp, 4)", s, 1, 4, 1);
    gpn("getpeername(tcp, 1)", s, 1, 1, 1);
    gpn("getpeername(tcp, 0)", s, 1, 0, 1);
    gpn("getpeername(tcp, -1)", s, 1, (socklen_t)-1, 1);
    gpn("getpeername(tcp, NULL addr, 128)", s, 0, 128, 1);
    gpn("getpeername(tcp, NULL addr, 0)", s, 0, 0, 1);
    gpn("getpeername(tcp, NULL len)", s, 1, 128, 0);
    {
        long rc;
        int e;
        socklen_t ll = 16;
        TX(rc, e, getpeername(s, noaccess, &ll));
        res("getpeername(tcp, <PROT_NONE>, 16)", rc, e, NULL);
        TX(rc, e, getpeername(s, noaccess, noaccess));
        res("getpeername(tcp, <PROT_NONE>, <PROT_NONE>)", rc, e, NULL);
    }
    close(s);
    drain(lis4fd);
    close(p[0]);
    close(p[1]);
}

/* ------------------------------------------------------ poll / select / epoll */

static void show_pollset(const char *desc, struct pollfd *pf, nfds_t n, long rc, int e)
{
    char x[400] = "";
    int k = 0;
    for (nfds_t i = 0; i < n && k < (int)sizeof x - 40; i++)
        k += snprintf(x + k, sizeof x - (size_t)k, "%s[%d]%s", i ? " " : "", pf[i].fd, revstr(pf[i].revents));
    res(desc, rc, e, rc >= 0 ? x : NULL);
}

static void child_poll_chk(void *arg)
{
    struct pollfd *pf = arg;
    T("__poll_chk(fds, 2, 0, fdslen 1 entry)", __poll_chk(pf, 2, 0, sizeof *pf));
}

static void child_ppoll_chk(void *arg)
{
    struct pollfd *pf = arg;
    struct timespec z = { 0, 0 };
    T("__ppoll_chk(fds, 2, 0, fdslen 1 entry)", __ppoll_chk(pf, 2, &z, NULL, sizeof *pf));
}

static void sec_poll(void)
{
    section("poll / ppoll");
    int p[2];
    pipe2(p, O_CLOEXEC);
    int closed = CLOSED_FD;
    say("pipe = %d %d closed = %d", p[0], p[1], closed);
    struct pollfd pf[6];
    long rc;
    int e;
    struct timespec z = { 0, 0 }, ms1 = { 0, 1000000 }, bad1 = { 0, 1000000000 }, bad2 = { -1, 0 },
                    bad3 = { 0, -1 };
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);

    T("poll(NULL, 0, 0)", poll(NULL, 0, 0));
    T("poll(NULL, 0, 1)", poll(NULL, 0, 1));
    T("poll(pf, 0, 0)", poll(pf, 0, 0));
    T("poll(NULL, 1, 0)", poll(NULL, 1, 0));
    TC("poll(<PROT_NONE>, 1, 0)", poll(noaccess, 1, 0));
    T("poll(pf, 1<<20, 0)", poll(pf, 1u << 20, 0));
    T("poll(NULL, 1<<20, 0)", poll(NULL, 1u << 20, 0));
    T("poll(pf, (nfds_t)-1, 0)", poll(pf, (nfds_t)-1, 0));
    T("ppoll(NULL, 0, {0,0}, NULL)", ppoll(NULL, 0, &z, NULL));
    T("ppoll(NULL, 0, {0,1ms}, mask)", ppoll(NULL, 0, &ms1, &mask));
    T("ppoll(NULL, 0, {0,1e9}, NULL)", ppoll(NULL, 0, &bad1, NULL));
    T("ppoll(NULL, 0, {-1,0}, NULL)", ppoll(NULL, 0, &bad2, NULL));
    T("ppoll(NULL, 0, {0,-1}, NULL)", ppoll(NULL, 0, &bad3, NULL));
    TC("ppoll(NULL, 0, <PROT_NONE>, NULL)", ppoll(NULL, 0, noaccess, NULL));
    T("ppoll(NULL, 1, {0,0}, NULL)", ppoll(NULL, 1, &z, NULL));
    TC("ppoll(NULL, 0, {0,0}, <PROT_NONE> mask)", ppoll(NULL, 0, &z, noaccess));
    T("ppoll(pf, 1<<20, {0,0}, NULL)", ppoll(pf, 1u << 20, &z, NULL));

    pf[0] = (struct pollfd){ -1, POLLIN, 0x55 };
    pf[1] = (struct pollfd){ -5, POLLOUT, 0 };
    pf[2] = (struct pollfd){ closed, POLLIN, 0 };
    pf[3] = (struct pollfd){ p[0], POLLIN, 0 };
    pf[4] = (struct pollfd){ p[1], POLLOUT | POLLIN, 0 };
    pf[5] = (struct pollfd){ 1 << 30, POLLIN, 0 };
    TX(rc, e, poll(pf, 6, 0));
    show_pollset("poll(negative, negative, closed, pipe r, pipe w, 1<<30; 0)", pf, 6, rc, e);
    write(p[1], "x", 1);
    TX(rc, e, poll(pf, 6, -1));
    show_pollset("poll(same, pipe readable; -1)", pf, 6, rc, e);
    TX(rc, e, ppoll(pf, 6, &z, &mask));
    show_pollset("ppoll(same; {0,0}, mask)", pf, 6, rc, e);
    TX(rc, e, ppoll(pf, 6, NULL, NULL));
    show_pollset("ppoll(same; NULL, NULL)", pf, 6, rc, e);
    TX(rc, e, ppoll(pf, 6, &bad1, NULL));
    show_pollset("ppoll(same; {0,1e9})", pf, 6, rc, e);
    pf[3].events = 0;
    pf[4].events = 0;
    TX(rc, e, poll(pf, 6, 0));
    show_pollset("poll(same, events 0; 0)", pf, 6, rc, e);
    pf[3].events = POLLIN;
    pf[4].events = POLLOUT;
    TX(rc, e, __poll_chk(pf, 6, 0, sizeof pf));
    show_pollset("__poll_chk(same; 0)", pf, 6, rc, e);
    TX(rc, e, __ppoll_chk(pf, 6, &z, NULL, sizeof pf));
    show_pollset("__ppoll_chk(same; {0,0})", pf, 6, rc, e);
    T("__poll_chk(NULL, 0, 0, 0)", __poll_chk(NULL, 0, 0, 0));
    T("__ppoll_chk(NULL, 0, {0,-1}, NULL, 0)", __ppoll_chk(NULL, 0, &bad3, NULL, 0));
    in_child("__poll_chk(fds, 2, 0, fdslen 1 entry)", child_poll_chk, pf);
    in_child("__ppoll_chk(fds, 2, 0, fdslen 1 entry)", child_ppoll_chk, pf);
    /* the same descriptor twice, and a socket that never connected */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp4 = %d", s);
    struct pollfd q[3] = { { p[0], POLLIN, 0 }, { p[0], POLLIN | POLLOUT, 0 }, { s, POLLIN | POLLOUT | POLLRDHUP, 0 } };
    TX(rc, e, poll(q, 3, 0));
    show_pollset("poll(pipe twice, fresh tcp; 0)", q, 3, rc, e);
    close(s);
    char b[4];
    read(p[0], b, 1);

    section("select / pselect");
    fd_set rd, wr, ex;
    struct timeval tv;
#define ZERO3() do { FD_ZERO(&rd); FD_ZERO(&wr); FD_ZERO(&ex); } while (0)
    tv = (struct timeval){ 0, 0 };
    T("select(-1, NULL, NULL, NULL, {0,0})", select(-1, NULL, NULL, NULL, &tv));
    T("select(INT_MIN, NULL, NULL, NULL, {0,0})", select(INT_MIN, NULL, NULL, NULL, &tv));
    tv = (struct timeval){ 0, 1000 };
    TX(rc, e, select(0, NULL, NULL, NULL, &tv));
    res("select(0, NULL, NULL, NULL, {0,1000})", rc, e, tv.tv_sec == 0 && tv.tv_usec == 0 ? "tv zero" : "tv nonzero");
    tv = (struct timeval){ 0, 1500000 };
    TX(rc, e, select(0, NULL, NULL, NULL, &tv));
    res("select(0, NULL, NULL, NULL, {0,1500000})", rc, e, NULL);
    tv = (struct timeval){ 0, -1 };
    T("select(0, NULL, NULL, NULL, {0,-1})", select(0, NULL, NULL, NULL, &tv));
    tv = (struct timeval){ -1, 0 };
    T("select(0, NULL, NULL, NULL, {-1,0})", select(0, NULL, NULL, NULL, &tv));
    TC("select(0, NULL, NULL, NULL, <PROT_NONE>)", select(0, NULL, NULL, NULL, noaccess));
    ZERO3();
    FD_SET(closed, &rd);
    tv = (struct timeval){ 0, 0 };
    T("select(closed+1, {closed}, , , {0,0})", select(closed + 1, &rd, NULL, NULL, &tv));
    ZERO3();
    FD_SET(closed, &ex);
    T("select(closed+1, , , {closed}, {0,0})", select(closed + 1, NULL, NULL, &ex, &tv));
    ZERO3();
    FD_SET(p[0], &rd);
    TC("select(p0+1, <PROT_NONE>, , , {0,0})", select(p[0] + 1, noaccess, NULL, NULL, &tv));
    ZERO3();
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    FD_SET(p[0], &ex);
    tv = (struct timeval){ 0, 0 };
    TX(rc, e, select(p[1] + 1, &rd, &wr, &ex, &tv));
    {
        char x[64];
        snprintf(x, sizeof x, "rd %d wr %d ex %d", FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr), FD_ISSET(p[0], &ex));
        res("select(pipe r/w/ex, {0,0})", rc, e, x);
    }
    ZERO3();
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    TX(rc, e, select(INT_MAX, &rd, &wr, NULL, NULL));
    res("select(INT_MAX, pipe r, pipe w, NULL, NULL)", rc, e, NULL);
    ZERO3();
    FD_SET(p[1], &wr);
    TX(rc, e, select(FD_SETSIZE, &rd, &wr, &ex, NULL));
    res("select(FD_SETSIZE, {}, {pipe w}, {}, NULL)", rc, e, NULL);
    TX(rc, e, pselect(0, NULL, NULL, NULL, &z, &mask));
    res("pselect(0, , , , {0,0}, mask)", rc, e, NULL);
    T("pselect(-1, , , , {0,0}, NULL)", pselect(-1, NULL, NULL, NULL, &z, NULL));
    T("pselect(0, , , , {0,1e9}, NULL)", pselect(0, NULL, NULL, NULL, &bad1, NULL));
    T("pselect(0, , , , {0,-1}, NULL)", pselect(0, NULL, NULL, NULL, &bad3, NULL));
    TC("pselect(0, , , , <PROT_NONE>, NULL)", pselect(0, NULL, NULL, NULL, noaccess, NULL));
    ZERO3();
    FD_SET(closed, &wr);
    T("pselect(closed+1, , {closed}, , {0,0})", pselect(closed + 1, NULL, &wr, NULL, &z, NULL));
    ZERO3();
    FD_SET(p[1], &wr);
    TX(rc, e, pselect(p[1] + 1, &rd, &wr, &ex, &ms1, &mask));
    res("pselect(pipe w, {0,1ms}, mask)", rc, e, FD_ISSET(p[1], &wr) ? "wr set" : "wr clear");
#undef ZERO3

    section("epoll");
    int ep = epoll_create1(EPOLL_CLOEXEC), ep2 = epoll_create1(EPOLL_CLOEXEC);
    int mf = memfd_create("diff_inputs", MFD_CLOEXEC);
    say("epoll = %d %d memfd = %d", ep, ep2, mf);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1111 }, evs[8];
    T("epoll_ctl(ep, ADD, pipe r)", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    T("epoll_ctl(ep, ADD, pipe r) twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    T("epoll_ctl(ep, MOD, pipe w) unknown", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    T("epoll_ctl(ep, DEL, pipe w) unknown", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    T("epoll_ctl(ep, ADD, ep)", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    T("epoll_ctl(ep, MOD, ep)", epoll_ctl(ep, EPOLL_CTL_MOD, ep, &ev));
    T("epoll_ctl(-1, ADD, pipe w)", epoll_ctl(-1, EPOLL_CTL_ADD, p[1], &ev));
    T("epoll_ctl(closed, ADD, pipe w)", epoll_ctl(closed, EPOLL_CTL_ADD, p[1], &ev));
    T("epoll_ctl(pipe r, ADD, pipe w)", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    T("epoll_ctl(pipe r, MOD, pipe w)", epoll_ctl(p[0], EPOLL_CTL_MOD, p[1], &ev));
    T("epoll_ctl(ep, ADD, -1)", epoll_ctl(ep, EPOLL_CTL_ADD, -1, &ev));
    T("epoll_ctl(ep, ADD, closed)", epoll_ctl(ep, EPOLL_CTL_ADD, closed, &ev));
    T("epoll_ctl(ep, ADD, memfd)", epoll_ctl(ep, EPOLL_CTL_ADD, mf, &ev));
    T("epoll_ctl(ep, ADD, pipe w, NULL)", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], NULL));
    T("epoll_ctl(ep, ADD, pipe w, <PROT_NONE>)", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], noaccess));
    T("epoll_ctl(ep, MOD, pipe r, NULL)", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], NULL));
    T("epoll_ctl(ep, MOD, pipe r, <PROT_NONE>)", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], noaccess));
    T("epoll_ctl(ep, 99, pipe r)", epoll_ctl(ep, 99, p[0], &ev));
    T("epoll_ctl(ep, 0, pipe r)", epoll_ctl(ep, 0, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    T("epoll_ctl(ep2, ADD, pipe r, EXCLUSIVE|ONESHOT)", epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    T("epoll_ctl(ep, MOD, pipe r, EXCLUSIVE)", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    T("epoll_ctl(ep2, ADD, pipe r, EXCLUSIVE)", epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev));
    T("epoll_ctl(ep2, MOD, pipe r, EXCLUSIVE)", epoll_ctl(ep2, EPOLL_CTL_MOD, p[0], &ev));
    ev.events = EPOLLIN;
    T("epoll_ctl(ep2, MOD, pipe r)", epoll_ctl(ep2, EPOLL_CTL_MOD, p[0], &ev));
    T("epoll_ctl(ep2, DEL, pipe r, <PROT_NONE>)", epoll_ctl(ep2, EPOLL_CTL_DEL, p[0], noaccess));
    T("epoll_ctl(ep, ADD, ep2)", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
    T("epoll_ctl(ep2, ADD, ep) loop", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
    T("epoll_ctl(ep, DEL, ep2)", epoll_ctl(ep, EPOLL_CTL_DEL, ep2, NULL));

    T("epoll_wait(ep, evs, 0, 0)", epoll_wait(ep, evs, 0, 0));
    T("epoll_wait(ep, evs, -1, 0)", epoll_wait(ep, evs, -1, 0));
    T("epoll_wait(ep, evs, INT_MAX, 0)", epoll_wait(ep, evs, INT_MAX, 0));
    T("epoll_wait(-1, evs, 8, 0)", epoll_wait(-1, evs, 8, 0));
    T("epoll_wait(closed, evs, 8, 0)", epoll_wait(closed, evs, 8, 0));
    T("epoll_wait(pipe r, evs, 8, 0)", epoll_wait(p[0], evs, 8, 0));
    T("epoll_wait(ep, NULL, 8, 0) nothing ready", epoll_wait(ep, NULL, 8, 0));
    T("epoll_wait(ep, evs, 8, 0) nothing ready", epoll_wait(ep, evs, 8, 0));
    T("epoll_wait(ep, evs, 8, 1) nothing ready", epoll_wait(ep, evs, 8, 1));
    write(p[1], "x", 1);
    T("epoll_wait(ep, NULL, 8, 0) ready", epoll_wait(ep, NULL, 8, 0));
    T("epoll_wait(ep, <PROT_NONE>, 8, 0) ready", epoll_wait(ep, noaccess, 8, 0));
    memset(evs, 0, sizeof evs);
    TX(rc, e, epoll_wait(ep, evs, 8, -1));
    {
        char x[64];
        snprintf(x, sizeof x, "ev %s data 0x%llx", evstr(evs[0].events), (unsigned long long)evs[0].data.u64);
        res("epoll_wait(ep, evs, 8, -1) ready", rc, e, x);
    }
    T("epoll_pwait(ep, evs, 8, 0, mask)", epoll_pwait(ep, evs, 8, 0, &mask));
    T("epoll_pwait(ep, evs, 0, 0, mask)", epoll_pwait(ep, evs, 0, 0, &mask));
    T("epoll_pwait(-1, evs, 8, 0, NULL)", epoll_pwait(-1, evs, 8, 0, NULL));
    TC("epoll_pwait(ep, evs, 8, 0, <PROT_NONE>)", epoll_pwait(ep, evs, 8, 0, noaccess));
    T("epoll_pwait2(ep, evs, 8, {0,0}, NULL)", epoll_pwait2(ep, evs, 8, &z, NULL));
    T("epoll_pwait2(ep, evs, 8, NULL, NULL)", epoll_pwait2(ep, evs, 8, NULL, NULL));
    T("epoll_pwait2(ep, evs, 0, {0,0}, NULL)", epoll_pwait2(ep, evs, 0, &z, NULL));
    T("epoll_pwait2(ep, evs, -1, {0,0}, NULL)", epoll_pwait2(ep, evs, -1, &z, NULL));
    T("epoll_pwait2(ep, evs, 8, {0,1e9}, NULL)", epoll_pwait2(ep, evs, 8, &bad1, NULL));
    T("epoll_pwait2(ep, evs, 8, {-1,0}, NULL)", epoll_pwait2(ep, evs, 8, &bad2, NULL));
    TC("epoll_pwait2(ep, evs, 8, <PROT_NONE>, NULL)", epoll_pwait2(ep, evs, 8, noaccess, NULL));
    T("epoll_pwait2(-1, evs, 8, {0,0}, NULL)", epoll_pwait2(-1, evs, 8, &z, NULL));
    T("epoll_pwait2(pipe r, evs, 8, {0,0}, NULL)", epoll_pwait2(p[0], evs, 8, &z, NULL));
    T("epoll_pwait2(ep2, evs, 8, {0,1ms}, mask) empty", epoll_pwait2(ep2, evs, 8, &ms1, &mask));
    read(p[0], b, 1);
    /* a registered descriptor closed while its dup lives on */
    int d = dup(p[0]);
    say("dup = %d", d);
    T("epoll_ctl(ep, ADD, dup)", epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev));
    T("close(dup)", close(d));
    T("epoll_ctl(ep, DEL, closed dup)", epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
    write(p[1], "y", 1);
    memset(evs, 0, sizeof evs);
    TX(rc, e, epoll_wait(ep, evs, 8, 0));
    res("epoll_wait(ep) after closing a dup", rc, e, NULL);
    T("close(pipe r) registered", close(p[0]));
    TX(rc, e, epoll_wait(ep, evs, 8, 0));
    res("epoll_wait(ep) after closing a registered fd", rc, e, NULL);
    T("epoll_ctl(ep, DEL, closed pipe r)", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    T("close(ep)", close(ep));
    T("epoll_wait(closed ep)", epoll_wait(ep, evs, 8, 0));
    T("epoll_ctl(closed ep, ADD, pipe w)", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    close(ep2);
    close(mf);
    close(p[1]);
}

/* ------------------------------------------------- large descriptor sets */

static void sec_large(void)
{
    section("large sets");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t want = 4096;
    if (rl.rlim_cur < want) {
        struct rlimit n = rl;
        n.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &n);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    int base = FD_SETSIZE;   /* 1024: every descriptor here is beyond select's reach */
    int count = 2000;
    if ((rlim_t)(base + count + 8) > rl.rlim_cur)
        count = rl.rlim_cur > (rlim_t)base + 64 ? (int)rl.rlim_cur - base - 8 : 0;
    say("RLIMIT_NOFILE >= %d: %s; set of %d", base + 2008, (rlim_t)(base + 2008) <= rl.rlim_cur ? "yes" : "no", count);
    if (count <= 0)
        return;
    int p[2];
    pipe2(p, O_CLOEXEC);
    say("pipe = %d %d", p[0], p[1]);
    int ok = 0;
    for (int i = 0; i < count; i++)
        ok += dup2(i % 2 ? p[1] : p[0], base + i) == base + i;
    say("dup2 to %d..%d: %d ok", base, base + count - 1, ok);
    struct pollfd *pf = calloc((size_t)count + 4, sizeof *pf);
    for (int i = 0; i < count; i++)
        pf[i] = (struct pollfd){ base + i, i % 2 ? POLLOUT : POLLIN, 0 };
    pf[7].fd = -1;
    pf[8].fd = -8;
    close(base + 9);   /* POLLNVAL */
    close(base + 10);
    pf[count] = (struct pollfd){ p[0], POLLIN, 0 };
    long rc;
    int e;
    int hist[6];
    struct timespec z = { 0, 0 };
#define HIST() do { memset(hist, 0, sizeof hist); \
        for (int i_ = 0; i_ <= count; i_++) { short r_ = pf[i_].revents; \
            hist[r_ == 0 ? 0 : r_ == POLLIN ? 1 : r_ == POLLOUT ? 2 : r_ == POLLNVAL ? 3 : 4]++; } } while (0)
    TX(rc, e, poll(pf, (nfds_t)count + 1, 0));
    HIST();
    say("poll(%d entries, 0) = %ld %s revents: none %d IN %d OUT %d NVAL %d other %d", count + 1, rc,
        rc < 0 ? en(e) : "", hist[0], hist[1], hist[2], hist[3], hist[4]);
    write(p[1], "x", 1);
    TX(rc, e, ppoll(pf, (nfds_t)count + 1, &z, NULL));
    HIST();
    say("ppoll(%d entries, {0,0}) = %ld %s revents: none %d IN %d OUT %d NVAL %d other %d", count + 1, rc,
        rc < 0 ? en(e) : "", hist[0], hist[1], hist[2], hist[3], hist[4]);
    TX(rc, e, __poll_chk(pf, (nfds_t)count + 1, 0, ((size_t)count + 4) * sizeof *pf));
    HIST();
    say("__poll_chk(%d entries, 0) = %ld %s revents: none %d IN %d OUT %d NVAL %d other %d", count + 1,
        rc, rc < 0 ? en(e) : "", hist[0], hist[1], hist[2], hist[3], hist[4]);
    T("poll(entries, RLIMIT_NOFILE+1, 0)", poll(pf, (nfds_t)rl.rlim_cur + 1, 0));
#undef HIST
    /* select beyond FD_SETSIZE with sets big enough for the kernel */
    size_t words = (size_t)(base + count + 64) / (8 * sizeof(unsigned long)) + 1;
    unsigned long *rd = calloc(words, sizeof *rd), *wr = calloc(words, sizeof *wr);
    int hi_r = base + 100, hi_w = base + 101;
    rd[hi_r / (8 * sizeof *rd)] |= 1ul << (hi_r % (8 * sizeof *rd));
    wr[hi_w / (8 * sizeof *wr)] |= 1ul << (hi_w % (8 * sizeof *wr));
    struct timeval tv = { 0, 0 };
    TX(rc, e, select(hi_w + 1, (fd_set *)rd, (fd_set *)wr, NULL, &tv));
    say("select(%d, {%d}, {%d}, NULL, {0,0}) = %ld %s rd %d wr %d", hi_w + 1, hi_r, hi_w, rc, rc < 0 ? en(e) : "",
        (int)((rd[hi_r / 64] >> (hi_r % 64)) & 1), (int)((wr[hi_w / 64] >> (hi_w % 64)) & 1));
    memset(rd, 0, words * sizeof *rd);
    rd[(base + 9) / 64] |= 1ul << ((base + 9) % 64);
    TX(rc, e, select(base + 10, (fd_set *)rd, NULL, NULL, &tv));
    res("select(beyond FD_SETSIZE, {closed})", rc, e, NULL);
    TX(rc, e, pselect(hi_w + 1, NULL, (fd_set *)wr, NULL, &z, NULL));
    res("pselect(beyond FD_SETSIZE, {pipe w})", rc, e, NULL);
    free(rd);
    free(wr);
    /* epoll with a high descriptor */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x2222 }, evs[4];
    T("epoll_ctl(ep, ADD, high pipe r)", epoll_ctl(ep, EPOLL_CTL_ADD, base + 100, &ev));
    T("epoll_wait(ep, high pipe r)", epoll_wait(ep, evs, 4, 0));
    close(ep);
    int closed_ok = 0;
    for (int i = 0; i < count; i++)
        closed_ok += close(base + i) == 0;
    say("closed %d high descriptors", closed_ok);
    close(p[0]);
    close(p[1]);
    free(pf);
}

/* ----------------------------------------------------- multi-address name */

#define MAXA 8
static struct sockaddr_storage maddr[MAXA];
static socklen_t mlen[MAXA];
static int mgood[MAXA];
static int mn;

struct rctx {
    int fd, ep, ep2, pipe_r;
    int idx;
};

static void child_poll_huge(void *arg)
{
    struct rctx *c = arg;
    struct pollfd p = { c->fd, POLLOUT, 0 };
    T("poll(&racing, 1<<20, 0)", poll(&p, 1u << 20, 0));
}

static void child_poll_noaccess(void *arg)
{
    (void)arg;
    T("poll(<PROT_NONE>, 1, 0) while racing", poll(noaccess, 1, 0));
}

static void child_ppoll_noaccess_ts(void *arg)
{
    struct rctx *c = arg;
    struct pollfd p = { c->fd, POLLOUT, 0 };
    T("ppoll(&racing, 1, <PROT_NONE> timeout)", ppoll(&p, 1, noaccess, NULL));
}

static void child_select_noaccess(void *arg)
{
    struct rctx *c = arg;
    struct timeval tv = { 0, 0 };
    T("select(racing+1, <PROT_NONE>, NULL, NULL, {0,0})", select(c->fd + 1, noaccess, NULL, NULL, &tv));
}

static void child_select_noaccess_tv(void *arg)
{
    struct rctx *c = arg;
    fd_set wr;
    FD_ZERO(&wr);
    FD_SET(c->fd, &wr);
    T("select(racing+1, NULL, {racing}, NULL, <PROT_NONE> tv)", select(c->fd + 1, NULL, &wr, NULL, noaccess));
}

static void child_pselect_noaccess_ts(void *arg)
{
    struct rctx *c = arg;
    fd_set wr;
    FD_ZERO(&wr);
    FD_SET(c->fd, &wr);
    T("pselect(racing+1, NULL, {racing}, NULL, <PROT_NONE> ts)", pselect(c->fd + 1, NULL, &wr, NULL, noaccess, NULL));
}

static void child_epoll_pwait2_noaccess(void *arg)
{
    struct rctx *c = arg;
    struct epoll_event evs[2];
    T("epoll_pwait2(ep, evs, 2, <PROT_NONE> ts)", epoll_pwait2(c->ep, evs, 2, noaccess, NULL));
}

static void child_epoll_add_noaccess(void *arg)
{
    struct rctx *c = arg;
    T("epoll_ctl(ep, ADD, racing, <PROT_NONE>)", epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, noaccess));
}

static void child_epoll_mod_noaccess(void *arg)
{
    struct rctx *c = arg;
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 0x77 };
    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, &ev);
    T("epoll_ctl(ep, MOD, racing, <PROT_NONE>)", epoll_ctl(c->ep, EPOLL_CTL_MOD, c->fd, noaccess));
}

static void child_connect_noaccess_racing(void *arg)
{
    struct rctx *c = arg;
    T("connect(racing, <PROT_NONE>, 16)", connect(c->fd, noaccess, 16));
}

/* A fresh non-blocking TCP socket with a connect to maddr[i] under way
 * (racing, under libtryall). */
static int racing(int i, const char *why)
{
    int s = socket(maddr[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    errno = 0;
    int rc = connect(s, (struct sockaddr *)&maddr[i], mlen[i]);
    say("-- %s: socket %d connect(nb, %s) = %d %s", why, s, sastr((struct sockaddr *)&maddr[i], mlen[i], 1), rc,
        rc ? en(errno) : "");
    return s;
}

static void finish(const char *what, int s)
{
    show_poll1(what, s, POLLOUT, 2000);
    show_so_error(what, s);
    show_peer(what, s);
    close(s);
}

static void multi_one(int i, int allbad)
{
    const struct sockaddr *A = (const struct sockaddr *)&maddr[i];
    socklen_t L = mlen[i];
    int af = A->sa_family, other = af == AF_INET ? AF_INET6 : AF_INET;
    char d[200];
    const char *as = sastr(A, L, 1);
    say("= address %s (%s)", as, mgood[i] ? "connects" : "refused");

    int s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp = %d", s);
    static const socklen_t lens[] = { 0, 1, 2, 8, 15, 27, 129, 1u << 30, (socklen_t)-1 };
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        if (lens[k] >= L && lens[k] <= sizeof(struct sockaddr_storage))
            continue;   /* a valid length */
        snprintf(d, sizeof d, "connect(tcp, A, %u)", (unsigned)lens[k]);
        T(d, connect(s, A, lens[k]));
    }
    close(s);

    s = socket(other, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp other family = %d", s);
    T("connect(tcp other family, A, len)", connect(s, A, L));
    T("connect(tcp other family, A, 28)", connect(s, A, 28));
    close(s);
    if (af == AF_INET) {
        struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = ((const struct sockaddr_in *)A)->sin_port };
        m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&m.sin6_addr.s6_addr[12], &((const struct sockaddr_in *)A)->sin_addr, 4);
        int one = 1;
        s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        say("tcp6 v6only = %d", s);
        T("connect(tcp6 v6only, ::ffff:A)", connect(s, (struct sockaddr *)&m, sizeof m));
        T("connect(tcp6 v6only, ::ffff:A) again", connect(s, (struct sockaddr *)&m, sizeof m));
        close(s);
        s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        say("tcp6 v6only nb = %d", s);
        T("connect(tcp6 v6only nb, ::ffff:A)", connect(s, (struct sockaddr *)&m, sizeof m));
        finish("v6only nb:", s);
    }

    s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    say("udp = %d", s);
    T("connect(udp, A)", connect(s, A, L));
    show_peer("udp:", s);
    T("send(udp, \"x\")", send(s, "x", 1, 0));
    show_poll1("udp:", s, POLLIN, 2000);
    T("recv(udp, MSG_DONTWAIT)", recv(s, d, 8, MSG_DONTWAIT));
    T("connect(udp, A, 8)", connect(s, A, 8));
    close(s);
    s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    say("udp nb = %d", s);
    T("connect(udp nb, A)", connect(s, A, L));
    close(s);

    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("unix stream = %d", s);
    T("connect(unix stream, A)", connect(s, A, L));
    close(s);
    s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    say("unix seqpacket = %d", s);
    T("connect(unix seqpacket, A)", connect(s, A, L));
    close(s);
    s = socket(af, SOCK_RAW | SOCK_CLOEXEC, 253);
    if (s < 0) {
        say("raw: socket = -1 %s: skipped", en(errno));
    } else {
        say("raw = %d", s);
        T("connect(raw, A)", connect(s, A, L));
        close(s);
    }
    s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
    if (s >= 0) {
        say("mptcp = %d (not raced: protocol is not TCP)", s);
        close(s);
    }

    /* a connected socket: EISCONN, then AF_UNSPEC */
    int lfd = af == AF_INET ? lis4fd : lis6fd;
    s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    T("connect(tcp, own listener)", connect(s, af == AF_INET ? LIS4() : LIS6(), af == AF_INET ? lis4len : lis6len));
    say("connected tcp = %d", s);
    T("connect(connected tcp, A)", connect(s, A, L));
    T("connect(connected tcp, A, 8)", connect(s, A, 8));
    set_nonblock(s, 1);
    T("connect(connected tcp nb, A)", connect(s, A, L));
    set_nonblock(s, 0);
    struct sockaddr unspec = { .sa_family = AF_UNSPEC };
    T("connect(connected tcp, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
    show_peer("after AF_UNSPEC:", s);
    T("connect(disconnected tcp, AF_UNSPEC) again", connect(s, &unspec, sizeof unspec));
    close(s);
    T("connect(own listener socket, A)", connect(lfd, A, L));
    drain(lfd);
    s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp = %d", s);
    T("connect(fresh tcp, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
    {
        /* AF_UNSPEC with A's address bytes behind it */
        struct sockaddr_storage u = maddr[i];
        u.ss_family = AF_UNSPEC;
        T("connect(fresh tcp, A with family AF_UNSPEC)", connect(s, (struct sockaddr *)&u, L));
    }
    shutdown(s, SHUT_RDWR);
    close(s);

    if (!mgood[i] && !allbad) {
        /* A valid connect to A fails without libtryall and connects with it
         * (its purpose), so only the disconnect request is compared: after
         * connect(AF_UNSPEC) the socket must stay unconnected. */
        s = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        errno = 0;
        long r1 = connect(s, A, L);
        say("-- AF_UNSPEC on a refused address: socket %d connect(nb, A) = %ld %s", s, r1, r1 ? en(errno) : "");
        T("connect(tcp nb, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
        show_poll1("after AF_UNSPEC:", s, POLLOUT, 1000);
        show_peer("after AF_UNSPEC:", s);
        close(s);
        say("(other valid connects to A skipped: another address of the name connects)");
        return;
    }

    /* TCP_FASTOPEN_CONNECT: connect() returns at once, the SYN waits for data */
    {
        int one = 1;
        s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one);
        say("tcp fastopen = %d", s);
        T("connect(tcp fastopen, A)", connect(s, A, L));
        T("write(tcp fastopen, \"x\")", write(s, "x", 1));
        say("sigpipes %d", (int)sigpipes);
        show_peer("fastopen:", s);
        close(s);
    }


    /* Valid connects whose outcome libtryall must not change. */
    s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("tcp = %d", s);
    T("connect(tcp, A) blocking", connect(s, A, L));
    show_so_error("blocking:", s);
    show_peer("blocking:", s);
    T("connect(tcp, A) blocking again", connect(s, A, L));
    close(s);

    /* The same, non-blocking, and bad calls while it is (for libtryall)
     * still racing. Each on its own socket. */
    struct rctx c = { .idx = i };
    c.ep = epoll_create1(EPOLL_CLOEXEC);
    c.ep2 = epoll_create1(EPOLL_CLOEXEC);
    int pp[2];
    pipe2(pp, O_CLOEXEC);
    c.pipe_r = pp[0];
    say("epoll = %d %d pipe = %d %d", c.ep, c.ep2, pp[0], pp[1]);
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 0x5151 }, evs[4];
    long rc;
    int e;

    s = racing(i, "plain");
    finish("plain:", s);

    s = racing(i, "connect again, bad lengths");
    T("connect(racing, NULL, 0)", connect(s, NULL, 0));
    T("connect(racing, A, 1)", connect(s, A, 1));
    T("connect(racing, A, 129)", connect(s, A, 129));
    T("connect(racing, NULL, 16)", connect(s, NULL, 16));
    finish("bad lengths:", s);

    s = racing(i, "connect again, bad pointer");
    c.fd = s;
    in_child("connect(racing, <PROT_NONE>, 16)", child_connect_noaccess_racing, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "AF_UNSPEC while connecting");
    T("connect(racing, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
    finish("after AF_UNSPEC:", s);

    s = racing(i, "connect to another address while connecting");
    T("connect(racing, own listener)", connect(s, af == AF_INET ? LIS4() : LIS6(), af == AF_INET ? lis4len : lis6len));
    finish("other address:", s);
    drain(lfd);

    s = racing(i, "SO_ERROR with NULL length");
    {
        int v = 0;
        T("getsockopt(racing, SO_ERROR, NULL len)", getsockopt(s, SOL_SOCKET, SO_ERROR, &v, NULL));
        socklen_t l4 = 4;
        T("getsockopt(racing, SO_ERROR, NULL value, 4)", getsockopt(s, SOL_SOCKET, SO_ERROR, NULL, &l4));
    }
    finish("SO_ERROR bad args:", s);

    s = racing(i, "SO_ERROR short");
    show_poll1("short:", s, POLLOUT, 2000);
    {
        unsigned char v[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
        socklen_t l2 = 2;
        TX(rc, e, getsockopt(s, SOL_SOCKET, SO_ERROR, v, &l2));
        snprintf(d, sizeof d, "len %u bytes %02x %02x %02x %02x", (unsigned)l2, v[0], v[1], v[2], v[3]);
        res("getsockopt(racing, SO_ERROR, 2)", rc, e, d);
        socklen_t l0 = 0;
        T("getsockopt(racing, SO_ERROR, 0)", getsockopt(s, SOL_SOCKET, SO_ERROR, v, &l0));
    }
    finish("SO_ERROR short:", s);

    s = racing(i, "getpeername bad args");
    {
        socklen_t l1 = 1;
        struct sockaddr_storage ss;
        T("getpeername(racing, NULL len)", getpeername(s, (struct sockaddr *)&ss, NULL));
        T("getpeername(racing, len 1)", getpeername(s, (struct sockaddr *)&ss, &l1));
    }
    finish("getpeername bad args:", s);

    s = racing(i, "poll with odd entries");
    {
        int closed = CLOSED_FD;
        struct pollfd q[5] = { { s, POLLOUT, 0 }, { -1, POLLOUT, 0 }, { closed, POLLIN, 0 },
                               { s, POLLIN, 0 }, { pp[1], POLLOUT, 0 } };
        TX(rc, e, poll(q, 5, 2000));
        show_pollset("poll(racing, -1, closed, racing again, pipe w; 2000)", q, 5, rc, e);
    }
    finish("odd poll:", s);

    s = racing(i, "poll with a closed descriptor");
    {
        struct pollfd q[2] = { { s, POLLOUT, 0 }, { CLOSED_FD, POLLIN, 0 } };
        TX(rc, e, poll(q, 2, 2000));
        show_pollset("poll(racing, closed; 2000)", q, 2, rc, e);
    }
    finish("poll with closed:", s);

    s = racing(i, "poll with a negative descriptor");
    {
        struct pollfd q[2] = { { -1, POLLOUT, 0 }, { s, POLLOUT, 0 } };
        TX(rc, e, poll(q, 2, 2000));
        show_pollset("poll(-1, racing; 2000)", q, 2, rc, e);
    }
    finish("poll with negative:", s);

    s = racing(i, "poll with a writable pipe");
    {
        struct pollfd q[2] = { { s, POLLOUT, 0 }, { pp[1], POLLOUT, 0 } };
        TX(rc, e, poll(q, 2, 2000));
        show_pollset("poll(racing, pipe w; 2000)", q, 2, rc, e);
    }
    finish("poll with pipe:", s);

    s = racing(i, "ppoll/pselect/select/epoll_pwait2 with invalid timeouts");
    {
        struct pollfd q = { s, POLLOUT, 0 };
        struct timespec b1 = { 0, 1000000000 }, b2 = { -1, 0 };
        T("ppoll(&racing, 1, {0,1e9})", ppoll(&q, 1, &b1, NULL));
        T("ppoll(&racing, 1, {-1,0})", ppoll(&q, 1, &b2, NULL));
        fd_set wr;
        FD_ZERO(&wr);
        FD_SET(s, &wr);
        T("pselect(racing, {0,1e9})", pselect(s + 1, NULL, &wr, NULL, &b1, NULL));
        struct timeval tv = { 0, -1 };
        FD_ZERO(&wr);
        FD_SET(s, &wr);
        T("select(racing, {0,-1})", select(s + 1, NULL, &wr, NULL, &tv));
        FD_ZERO(&wr);
        FD_SET(s, &wr);
        T("select(-1, {racing})", select(-1, NULL, &wr, NULL, &tv));
        int closed = CLOSED_FD;
        fd_set rd;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_SET(s, &wr);
        FD_SET(closed, &rd);
        tv = (struct timeval){ 0, 0 };
        T("select(racing + closed)", select((s > closed ? s : closed) + 1, &rd, &wr, NULL, &tv));
        T("epoll_pwait2(ep, evs, 4, {0,1e9})", epoll_pwait2(c.ep, evs, 4, &b1, NULL));
        T("epoll_wait(ep, evs, 0, 0)", epoll_wait(c.ep, evs, 0, 0));
    }
    finish("invalid timeouts:", s);

    s = racing(i, "poll(&racing, 1<<20)");
    c.fd = s;
    in_child("poll(&racing, 1<<20, 0)", child_poll_huge, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "poll(<PROT_NONE>)");
    c.fd = s;
    in_child("poll(<PROT_NONE>, 1, 0) while racing", child_poll_noaccess, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "ppoll(<PROT_NONE> timeout)");
    c.fd = s;
    in_child("ppoll(&racing, 1, <PROT_NONE> timeout)", child_ppoll_noaccess_ts, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "select(<PROT_NONE> set)");
    c.fd = s;
    in_child("select(racing+1, <PROT_NONE>, ...)", child_select_noaccess, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "select(<PROT_NONE> timeval)");
    c.fd = s;
    in_child("select(racing+1, ..., <PROT_NONE> tv)", child_select_noaccess_tv, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "pselect(<PROT_NONE> timespec)");
    c.fd = s;
    in_child("pselect(racing+1, ..., <PROT_NONE> ts)", child_pselect_noaccess_ts, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "epoll_pwait2(<PROT_NONE> timespec)");
    c.fd = s;
    in_child("epoll_pwait2(ep, ..., <PROT_NONE> ts)", child_epoll_pwait2_noaccess, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "epoll_ctl(ADD, <PROT_NONE>)");
    c.fd = s;
    in_child("epoll_ctl(ep, ADD, racing, <PROT_NONE>)", child_epoll_add_noaccess, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "epoll_ctl(MOD, <PROT_NONE>)");
    c.fd = s;
    in_child("epoll_ctl(ep, MOD, racing, <PROT_NONE>)", child_epoll_mod_noaccess, &c);
    close(s);   /* not looked at again: the child shared it */

    s = racing(i, "epoll_ctl bad calls");
    T("epoll_ctl(ep, ADD, racing)", epoll_ctl(c.ep, EPOLL_CTL_ADD, s, &ev));
    T("epoll_ctl(ep, ADD, racing) twice", epoll_ctl(c.ep, EPOLL_CTL_ADD, s, &ev));
    T("epoll_ctl(ep2, MOD, racing) not in ep2", epoll_ctl(c.ep2, EPOLL_CTL_MOD, s, &ev));
    T("epoll_ctl(ep2, DEL, racing) not in ep2", epoll_ctl(c.ep2, EPOLL_CTL_DEL, s, NULL));
    T("epoll_ctl(-1, MOD, racing)", epoll_ctl(-1, EPOLL_CTL_MOD, s, &ev));
    T("epoll_ctl(-1, DEL, racing)", epoll_ctl(-1, EPOLL_CTL_DEL, s, NULL));
    T("epoll_ctl(-1, ADD, racing)", epoll_ctl(-1, EPOLL_CTL_ADD, s, &ev));
    T("epoll_ctl(pipe r, MOD, racing)", epoll_ctl(pp[0], EPOLL_CTL_MOD, s, &ev));
    T("epoll_ctl(pipe r, ADD, racing)", epoll_ctl(pp[0], EPOLL_CTL_ADD, s, &ev));
    T("epoll_ctl(racing, MOD, racing)", epoll_ctl(s, EPOLL_CTL_MOD, s, &ev));
    T("epoll_ctl(racing, ADD, racing)", epoll_ctl(s, EPOLL_CTL_ADD, s, &ev));
    T("epoll_ctl(ep, MOD, racing, NULL)", epoll_ctl(c.ep, EPOLL_CTL_MOD, s, NULL));
    ev.events = EPOLLOUT | EPOLLEXCLUSIVE;
    T("epoll_ctl(ep, MOD, racing, EXCLUSIVE)", epoll_ctl(c.ep, EPOLL_CTL_MOD, s, &ev));
    ev.events = EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT;
    T("epoll_ctl(ep2, ADD, racing, EXCLUSIVE|ONESHOT)", epoll_ctl(c.ep2, EPOLL_CTL_ADD, s, &ev));
    ev.events = EPOLLOUT;
    T("epoll_ctl(ep, 99, racing)", epoll_ctl(c.ep, 99, s, &ev));
    memset(evs, 0, sizeof evs);
    TX(rc, e, epoll_wait(c.ep, evs, 4, 2000));
    snprintf(d, sizeof d, "ev %s data 0x%llx", rc > 0 ? evstr(evs[0].events) : "-",
             rc > 0 ? (unsigned long long)evs[0].data.u64 : 0ull);
    res("epoll_wait(ep, 4, 2000)", rc, e, d);
    TX(rc, e, epoll_wait(c.ep2, evs, 4, 0));
    res("epoll_wait(ep2, 4, 0)", rc, e, NULL);
    T("epoll_ctl(ep, DEL, racing)", epoll_ctl(c.ep, EPOLL_CTL_DEL, s, NULL));
    epoll_ctl(c.ep2, EPOLL_CTL_DEL, s, NULL);
    finish("epoll bad calls:", s);

    s = racing(i, "dup2/dup3 onto itself, close twice");
    T("dup2(racing, racing)", dup2(s, s));
    T("dup3(racing, racing, 0)", dup3(s, s, 0));
    T("dup3(racing, racing, O_CLOEXEC)", dup3(s, s, O_CLOEXEC));
    T("dup2(-1, racing)", dup2(-1, s));
    T("dup3(racing, -1, 0)", dup3(s, -1, 0));
    show_poll1("dup onto itself:", s, POLLOUT, 2000);
    T("close(racing)", close(s));
    T("close(racing) twice", close(s));

    s = racing(i, "I/O bad args");
    {
        struct iovec iov = { d, 4 };
        T("readv(racing, iovcnt -1)", readv(s, &iov, -1));
        T("recvmsg(racing, NULL msg)", recvmsg(s, NULL, 0));
        T("sendmsg(racing, NULL msg)", sendmsg(s, NULL, MSG_NOSIGNAL));
        T("send(racing, <PROT_NONE>, 1)", send(s, noaccess, 1, MSG_NOSIGNAL));
    }
    finish("I/O bad args:", s);

    if (!mgood[i]) {
        s = racing(i, "refused: AF_UNSPEC after the failure");
        show_poll1("refused:", s, POLLOUT, 2000);
        T("connect(refused, AF_UNSPEC)", connect(s, &unspec, sizeof unspec));
        show_so_error("refused after AF_UNSPEC:", s);
        close(s);
        s = racing(i, "refused: connect(NULL, 0) after the failure");
        show_poll1("refused:", s, POLLOUT, 2000);
        T("connect(refused, NULL, 0)", connect(s, NULL, 0));
        show_so_error("refused after connect(NULL, 0):", s);
        close(s);
        s = racing(i, "refused: SO_ERROR NULL len after the failure");
        show_poll1("refused:", s, POLLOUT, 2000);
        {
            int v = 0;
            T("getsockopt(refused, SO_ERROR, NULL len)", getsockopt(s, SOL_SOCKET, SO_ERROR, &v, NULL));
        }
        show_so_error("refused after EFAULT:", s);
        close(s);
        s = racing(i, "refused: I/O after the failure");
        show_poll1("refused:", s, POLLOUT, 2000);
        T("send(refused, MSG_NOSIGNAL)", send(s, "x", 1, MSG_NOSIGNAL));
        T("send(refused, MSG_NOSIGNAL) again", send(s, "x", 1, MSG_NOSIGNAL));
        T("read(refused)", read(s, d, 4));
        close(s);
    }

    close(c.ep);
    close(c.ep2);
    close(pp[0]);
    close(pp[1]);
    drain(lfd);
}

static void sec_multi(const char *name, const char *port)
{
    section("multi-address name");
    say("name %s port %s", name, port);
    struct addrinfo h = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    errno = 0;
    int rc = getaddrinfo(name, port, &h, &res);
    say("getaddrinfo(\"%s\", \"%s\", {AF_UNSPEC,STREAM}) = %d %s", name, port, rc, eainame(rc));
    if (rc != 0)
        return;
    print_ai(res, 1);
    for (struct addrinfo *ai = res; ai && mn < MAXA; ai = ai->ai_next) {
        memcpy(&maddr[mn], ai->ai_addr, ai->ai_addrlen);
        mlen[mn] = ai->ai_addrlen;
        mn++;
    }
    freeaddrinfo(res);
    /* the old APIs remember it too */
    ghbn(name, -1);
    ghbn(name, AF_INET6);
    ghbn_r(name, AF_INET, 8);
    ghbn_r(name, AF_INET, 65536);
    ghbn_r(name, AF_INET6, 65536);
    if (hermetic) {
        gai(name, port, 1, AF_UNSPEC, 0, 0, 0);
        gai(name, port, 1, AF_INET6, SOCK_STREAM, 0, AI_V4MAPPED | AI_ALL);
    }

    /* Which addresses connect: raw syscalls, invisible to libtryall. */
    int anygood = 0;
    for (int i = 0; i < mn; i++) {
        int s = (int)syscall(SYS_socket, maddr[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        long r = syscall(SYS_connect, s, &maddr[i], mlen[i]);
        int e = errno;
        mgood[i] = r == 0;
        anygood |= mgood[i];
        say("probe %s: %s", sastr((struct sockaddr *)&maddr[i], mlen[i], 1), r == 0 ? "connects" : en(e));
        syscall(SYS_close, s);
    }
    for (int i = 0; i < mn; i++)
        multi_one(i, !anygood);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "H")) != -1) {
        if (c == 'H')
            hermetic = 1;
        else
            goto usage;
    }
    if (argc - optind != 0 && argc - optind != 2) {
usage:
        fprintf(stderr, "usage: diff_inputs [-H] [NAME PORT]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit nocore = { 0, 0 };
    setrlimit(RLIMIT_CORE, &nocore);   /* the crash children leave no core files */
    struct sigaction sa = { .sa_handler = on_sigpipe };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(longname, 'x', 70);
    strcpy(longname + 70, ".invalid");

    lis4fd = bound(AF_INET, SOCK_STREAM, 128, &lis4, &lis4len);
    lis6fd = bound(AF_INET6, SOCK_STREAM, 128, &lis6, &lis6len);
    ref4fd = bound(AF_INET, SOCK_STREAM, -1, &ref4, &ref4len);
    ref6fd = bound(AF_INET6, SOCK_STREAM, -1, &ref6, &ref6len);
    section("setup");
    say("listener4 = %d listener6 = %d refused4 = %d refused6 = %d", lis4fd, lis6fd, ref4fd, ref6fd);
    if (lis4fd < 0 || lis6fd < 0 || ref4fd < 0 || ref6fd < 0) {
        say("cannot bind loopback sockets: %s", en(errno));
        return 1;
    }

    sec_connect();
    sec_sockets();
    sec_fds();
    sec_io();
    sec_sockopt();
    sec_poll();
    sec_large();
    /* Resolve only now: a multi-address localhost (::1 and 127.0.0.1, as in
     * the bats namespaces) is then remembered, and the connects above to our
     * own loopback ports are not raced - valid connects to a remembered name
     * that refuses are the multi-address section's business, where only the
     * ones libtryall must not change are made. */
    sec_resolver();
    if (argc - optind == 2)
        sec_multi(argv[optind], argv[optind + 1]);
    section("end");
    say("sigpipes %d", (int)sigpipes);
    return 0;
}

/* chaos.c - the client (and echo server) of the chaos scenario
 * (bats/chaos.bats, bats/lib/chaos.bash): threads resolve names whose
 * addresses sit behind a network that loses, duplicates, delays, reorders
 * and resets packets (AF_UNSPEC, AF_INET or AF_INET6; SOCK_STREAM, any or
 * SOCK_DGRAM hints, as netcat asks), connect a TCP socket to the first
 * answer (blocking, or non-blocking and then poll, select or epoll), while
 * a partner thread of each sometimes closes (close, close_range), dup2()s
 * over or copies (dup, F_DUPFD_CLOEXEC) the racing descriptor, and the test
 * stops and continues the whole process (SIGSTOP/SIGCONT; a SIGCONT handler
 * with SA_RESTART counts them).
 *
 * Checks: every connect ends (a success, or an error a network gives:
 * ECONNREFUSED ETIMEDOUT EHOSTUNREACH ENETUNREACH ECONNRESET ECONNABORTED;
 * never EINTR: every handler has SA_RESTART) within 20 s, or the watchdog
 * exits 99 with every worker's state; a success is a socket connected to
 * an address of its name that echoes its own token (a reset or a timeout
 * on the way is an I/O error, a wrong echo a failure) and is still the
 * same socket after that; epoll hands back
 * only the data the app registered; a bystander socket each op opens is
 * the same socket at the end of the op (no hidden socket ever lands on a
 * number the app holds); no descriptor the app gets is in the hidden range;
 * the open descriptors at the end are exactly those at the start.
 *
 * usage: chaos serve PORT ADDR...   echo server; "ready", runs until killed
 *        chaos run [-t THREADS] [-D SECONDS] [-p PORT] [-w STALL_S] [-W] NAME=ADDR,ADDR...
 *   -t 8, -D 20 (new ops for that long, then the ones running end), -p 9000,
 *   -w 30 (a worker stuck that long: exit 99), -W: after the report print
 *   "idle" and wait for SIGTERM (the test counts /proc/PID/fd then).
 * A name asked for a family it has not (no answer) is counted, nothing more.
 * Prints "ops started N ended N ok N ioerr N error N sabotaged N noanswer N",
 * "errors ...", "continued N", "fds start N end N", then "chaos ok" (exit 0)
 * or FAIL lines and "chaos FAILED" (exit 1); 2 on usage or setup errors. */
#include "hardening.h"
#include "chaos_partner.h"
#include "chaos_watch.h"

#include <ctype.h>
#include <sys/select.h>
#include <sys/stat.h>

enum kind { K_BLOCK, K_POLL, K_SELECT, K_EPOLL, NKIND };
enum result { RES_OK, RES_IOERR, RES_ERROR, RES_SABOTAGED, RES_N };
static const char *const kind_name[NKIND] = { "blocking", "poll", "select", "epoll" };

struct name {
    const char *name;
    struct addrinfo *all;   /* its addresses, for the peer check */
};

struct worker {
    pthread_t th;
    int id;
    unsigned seed;
    const char *volatile step;
    volatile int64_t since;
    struct partner pa;
    long started, ended, res[RES_N], errs[256], noanswer;
};

static struct name names[16];
static int nnames, nthreads = 8, stall_s = 30, idle_wait, hidden_floor;
static char port[16] = "9000";
static int64_t end_ms;
static struct worker *workers;
static long continued;   /* SIGCONTs seen (atomic: any thread takes them) */

static void step(struct worker *w, const char *what)
{
    w->step = what;
    w->since = h_now_ms();
    h_tick();
}

/* ---- one connect -------------------------------------------------------- */

static int allowed_error(int e)
{
    return e == ECONNREFUSED || e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH ||
           e == ECONNRESET || e == ECONNABORTED;
}

/* Wait for a non-blocking connect in slices; 1 connected, 0 failed (*err),
 * -2 the partner acted, -1 a failure reported. */
static int wait_nb(struct worker *w, int fd, enum kind k, int *err)
{
    int ep = -1, rc = -1;
    uint64_t data = (uint64_t)w->id << 32 | (uint64_t)w->started;
    if (k == K_EPOLL) {
        struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = data };
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            k = K_POLL;   /* the partner closed it already, or no epoll: poll shows it */
    }
    for (int64_t end = h_now_ms() + 20000; h_now_ms() < end;) {
        step(w, kind_name[k]);
        int r = chaos_wait_once(fd, k == K_POLL ? 0 : k == K_SELECT ? 1 : 2, ep, data);
        if (r == -3) {
            h_fail("worker %d: epoll handed back data that is not the app's", w->id);
            break;
        }
        if (partner_acted(&w->pa)) {
            rc = -2;
            break;
        }
        if (r < 0) {
            h_fail("worker %d %s: wait failed: %s", w->id, kind_name[k], h_ename(-r));
            break;
        }
        if (r > 0) {
            socklen_t l = sizeof *err;
            *err = 0;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &l);
            rc = *err == 0;
            break;
        }
    }
    if (rc == -1 && !__atomic_load_n(&h_failures, __ATOMIC_RELAXED))
        h_fail("worker %d %s: connect did not end in 20 s", w->id, kind_name[k]);
    if (ep >= 0)
        close(ep);
    return rc;
}

/* A connected socket: peer of the name, own token back. */
static enum result verify(struct worker *w, int fd, const struct name *n)
{
    char peer[64], tok[64];
    struct stat st0, st1;
    step(w, "verify");
    fstat(fd, &st0);
    int in = h_peer_in(fd, n->all, peer, sizeof peer);
    if (in < 0 && errno == ENOTCONN)
        return RES_IOERR;   /* reset right after the handshake (the rst-ack rule) */
    if (in != 1) {
        h_fail("worker %d %s: peer %s is not an address of the name", w->id, n->name,
               in < 0 ? h_ename(errno) : peer);
        return RES_ERROR;
    }
    snprintf(tok, sizeof tok, "w%d-op%ld-%08x-fd%d\n", w->id, w->started, rand_r(&w->seed), fd);
    step(w, "echo");
    int rt = chaos_roundtrip(fd, tok, 8000);
    if (fstat(fd, &st1) != 0 || st1.st_ino != st0.st_ino) {
        in = h_peer_in(fd, n->all, peer, sizeof peer);
        h_fail("worker %d %s: the socket on fd %d was replaced after its connect ended "
               "(now %s, peer %s)", w->id, n->name, fd, in < 0 ? h_ename(errno) : "connected",
               in < 0 ? "-" : peer);
    }
    if (rt > 0)
        h_fail("worker %d %s: echo mismatch for %s", w->id, n->name, tok);
    return rt == 0 ? RES_OK : RES_IOERR;
}

/* The socket of a bystander descriptor, to see it never changes. */
static int ident(int fd, struct stat *st)
{
    int type = 0;
    socklen_t l = sizeof type;
    return fstat(fd, st) == 0 && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0 &&
           type == SOCK_DGRAM;
}

static void check_number(struct worker *w, int fd, const char *what)
{
    if (fd >= hidden_floor)
        h_fail("worker %d: %s got descriptor %d, in the hidden range (from %d)", w->id, what, fd,
               hidden_floor);
}

/* Connect fd (of kind k) to ai; the partner may act meanwhile. */
static enum result attempt(struct worker *w, int fd, enum kind k, const struct addrinfo *ai,
                           const struct name *n)
{
    step(w, k == K_BLOCK ? "connect (blocking)" : "connect");
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen), e = rc == 0 ? 0 : errno, ok = rc == 0;
    int failed = 0;
    if (k != K_BLOCK && rc != 0 && e == EINPROGRESS) {
        int r = wait_nb(w, fd, k, &e);
        failed = r == -1;
        ok = r == 1;
    }
    if (partner_disarm(&w->pa))
        return RES_SABOTAGED;
    if (failed)
        return RES_ERROR;
    if (ok)
        return verify(w, fd, n);
    w->errs[e & 255]++;
    if (!allowed_error(e))
        h_fail("worker %d %s %s: connect gave %s", w->id, kind_name[k], n->name, h_ename(e));
    return RES_ERROR;
}

/* Has the name an address of family (AF_UNSPEC: any)? */
static int has_family(const struct name *n, int family)
{
    for (const struct addrinfo *ai = n->all; ai; ai = ai->ai_next)
        if (family == AF_UNSPEC || ai->ai_family == family)
            return 1;
    return 0;
}

static void one_op(struct worker *w)
{
    static const int fams[] = { AF_UNSPEC, AF_UNSPEC, AF_UNSPEC, AF_INET, AF_INET6 };
    const struct name *n = &names[rand_r(&w->seed) % nnames];
    static const int types[] = { SOCK_STREAM, SOCK_STREAM, 0, SOCK_DGRAM };
    struct addrinfo hints = { .ai_family = fams[rand_r(&w->seed) % 5],
                              .ai_socktype = types[rand_r(&w->seed) % 4] }, *res;
    if (!has_family(n, AF_INET6) && rand_r(&w->seed) % 2)
        hints.ai_family = AF_INET6;   /* half the time, what it has not */
    /* Half the time partly re-cased: the same DNS name, but a name the
     * book has no list of yet (it reuses one for 10 minutes), so late
     * answers and completions keep joining running races all along. */
    char spelled[256];
    snprintf(spelled, sizeof spelled, "%s", n->name);
    for (char *c = spelled; *c && rand_r(&w->seed) % 2; c++)   /* a random prefix... */
        *c = rand_r(&w->seed) % 2 ? (char)toupper((unsigned char)*c) : *c;   /* ...re-cased */
    step(w, "getaddrinfo");
    int g = getaddrinfo(spelled, port, &hints, &res);
    if (g) {
        if (!has_family(n, hints.ai_family) && (g == EAI_NODATA || g == EAI_NONAME))
            w->noanswer++;   /* a family the name does not have: nothing to connect */
        else
            h_fail("worker %d: getaddrinfo(%s): %s", w->id, spelled, gai_strerror(g));
        return;
    }
    enum kind k = (enum kind)(rand_r(&w->seed) % NKIND);
    int sab = rand_r(&w->seed) % 100 < 25 ? 1 + rand_r(&w->seed) % (P_N - 1) : 0;
    step(w, "sockets");
    int by = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (k == K_BLOCK ? 0 : SOCK_NONBLOCK), 0);
    int spare = sab == P_DUP2 ? socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
    struct stat st0, st1;
    if (by < 0 || fd < 0 || !ident(by, &st0)) {
        h_fail("worker %d: socket: %s", w->id, h_ename(errno));
        goto out;
    }
    check_number(w, fd, "socket()");
    w->started++;
    if (sab)
        partner_arm(&w->pa, fd, sab, spare, rand_r(&w->seed) % 400);
    enum result r = attempt(w, fd, k, res, n);
    w->res[r]++;
    w->ended++;
    if (r == RES_SABOTAGED && partner_closes(sab))
        fd = -1;   /* closed by the partner: the number may be another thread's now */
    if (!ident(by, &st1) || st1.st_ino != st0.st_ino || st1.st_dev != st0.st_dev)
        h_fail("worker %d: the bystander descriptor %d is another file now", w->id, by);
out:
    partner_disarm(&w->pa);
    step(w, "close");
    if (fd >= 0)
        close(fd);
    if (spare >= 0)
        close(spare);
    if (by >= 0)
        close(by);
    freeaddrinfo(res);
}

/* ---- the run ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (h_now_ms() < end_ms && !__atomic_load_n(&h_failures, __ATOMIC_RELAXED))
        one_op(w);
    w->step = NULL;
    return NULL;
}

static void report(void)
{
    int64_t now = h_now_ms();
    for (int i = 0; i < nthreads; i++)
        if (workers[i].step)
            fprintf(stderr, "  worker %d: in '%s' for %lld ms, op %ld\n", i, workers[i].step,
                    (long long)(now - workers[i].since), workers[i].started);
}

static void on_cont(int sig)
{
    (void)sig;
    __atomic_add_fetch(&continued, 1, __ATOMIC_RELAXED);
}

/* "NAME=ADDR,ADDR..." into names[]. */
static int add_name(char *arg)
{
    char *eq = strchr(arg, '='), *save = NULL;
    if (!eq || nnames >= 16)
        return -1;
    *eq = '\0';
    names[nnames].name = arg;
    struct addrinfo **tail = &names[nnames].all, h = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
    for (char *a = strtok_r(eq + 1, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        if (getaddrinfo(a, port, &h, tail) != 0)
            return -1;
        tail = &(*tail)->ai_next;
    }
    return names[nnames++].all ? 0 : -1;
}

static int parse(int argc, char **argv, double *secs)
{
    int c;
    while ((c = getopt(argc, argv, "t:D:p:w:W")) != -1) {
        if (c == 't') nthreads = atoi(optarg);
        else if (c == 'D') *secs = atof(optarg);
        else if (c == 'p') snprintf(port, sizeof port, "%s", optarg);
        else if (c == 'w') stall_s = atoi(optarg);
        else if (c == 'W') idle_wait = 1;
        else return -1;
    }
    for (int i = optind; i < argc; i++)
        if (add_name(argv[i]) != 0)
            return -1;
    return nthreads > 0 && nthreads <= 64 && nnames > 0 ? 0 : -1;
}

static void summary(const char *fds0, const char *fds1, int n0, int n1)
{
    long t[RES_N] = { 0 }, started = 0, ended = 0, errs[256] = { 0 }, noanswer = 0;
    for (int i = 0; i < nthreads; i++) {
        started += workers[i].started;
        noanswer += workers[i].noanswer;
        ended += workers[i].ended;
        for (int r = 0; r < RES_N; r++)
            t[r] += workers[i].res[r];
        for (int e = 0; e < 256; e++)
            errs[e] += workers[i].errs[e];
    }
    printf("ops started %ld ended %ld ok %ld ioerr %ld error %ld sabotaged %ld noanswer %ld\n",
           started, ended, t[RES_OK], t[RES_IOERR], t[RES_ERROR], t[RES_SABOTAGED], noanswer);
    printf("errors");
    for (int e = 0; e < 256; e++)
        if (errs[e])
            printf(" %s %ld", h_ename(e), errs[e]);
    printf("\ncontinued %ld\nfds start %d end %d\n", __atomic_load_n(&continued, __ATOMIC_RELAXED), n0, n1);
    if (started != ended)
        h_fail("%ld connects never ended", started - ended);
    if (strcmp(fds0, fds1) != 0)
        h_fail("descriptors at the start: %s; at the end: %s", fds0, fds1);
}

static int run(int argc, char **argv)
{
    double secs = 20;
    if (parse(argc, argv, &secs) != 0)
        return fprintf(stderr, "usage: chaos run [-t N] [-D S] [-p PORT] [-w S] [-W] NAME=ADDR,...\n"), 2;
    struct sigaction sa = { .sa_handler = on_cont, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCONT, &sa, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    hidden_floor = rl.rlim_cur > 4096 ? 3072 : (int)(rl.rlim_cur * 3 / 4);
    static char fds0[4096], fds1[4096];
    int n0 = chaos_fd_list(fds0, sizeof fds0);
    workers = calloc((size_t)nthreads, sizeof *workers);
    end_ms = h_now_ms() + (int64_t)(secs * 1000);
    h_watchdog_start(stall_s, report);
    for (int i = 0; i < nthreads; i++) {
        workers[i].id = i;
        workers[i].seed = (unsigned)(i * 7919 + getpid());
        if (partner_start(&workers[i].pa) != 0 ||
            pthread_create(&workers[i].th, NULL, worker_main, &workers[i]) != 0)
            return fprintf(stderr, "cannot start threads\n"), 2;
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_join(workers[i].th, NULL);
        partner_stop(&workers[i].pa);
    }
    h_watch_end();
    int n1 = chaos_fd_list(fds1, sizeof fds1);
    summary(fds0, fds1, n0, n1);
    printf("%s\n", h_failures ? "chaos FAILED" : "chaos ok");
    fflush(stdout);
    if (idle_wait)
        chaos_idle();
    return h_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "serve")) {
        if (h_echo_start(atoi(argv[2]), (const char *const *)argv + 3) != 0)
            return 2;
        printf("ready\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    if (argc >= 2 && !strcmp(argv[1], "run"))
        return run(argc - 1, argv + 1);
    fprintf(stderr, "usage: chaos serve PORT ADDR... | chaos run [OPTION...] NAME=ADDR,...\n");
    return 2;
}

/* forky.c - fork and exec while connects race. Run it in a bats/lib/netns.bash
 * namespace of a v6first scenario (e.g. refused6); an in-process echo server
 * (hardening.h, port 9090) answers the connections, the children's too.
 * Children never call getaddrinfo (glibc's own locks, e.g. __check_pf's,
 * are not reset at fork): they use addresses the parent resolved.
 *
 * usage: forky midrace [-n ROUNDS]   (TRYALL_DELAY_MS=100)
 *   A thread connects to bh2 (two black holes, then 127.0.0.2), blocking or
 *   non-blocking + poll (alternating); the main thread forks while that race
 *   runs (110-180 ms in: a hidden attempt is pending). The child counts the
 *   sockets it inherited beyond the app's own ("child hidden sockets N":
 *   must be 0), polls (200 ms), reads SO_ERROR and getpeername of, connects
 *   again (non-blocking) and closes the racing descriptor, then makes a
 *   racing connect of its own (v6refused) and echoes a token, and exits. The
 *   parent's race must still connect and echo. Prints per round "parent
 *   hidden sockets N", "child hidden sockets N" and "round N (MODE, fork at
 *   N ms): parent ok child ok" or FAIL lines; then "forky ok".
 *
 * usage: forky hammer [-t THREADS] [-n FORKS]   (TRYALL_DELAY_MS=10)
 *   Threads hammer racing connects (blocking and non-blocking, v6refused,
 *   v4refused, bh6, bh2) while the main thread forks FORKS times: each child
 *   makes a racing connect, echoes, polls, closes and exits; a child that
 *   does not exit within 10 s is a hang (its backtrace is printed). Set
 *   TRYALL_LOG=trace + TRYALL_LOG_FILE to take the log's lock too. Prints
 *   "forks N ok N", "forky ok".
 *
 * usage: forky exec   (TRYALL_DELAY_MS=10; TRYALL_LOG=trace + TRYALL_LOG_FILE)
 *   Nothing of libtryall's (socket, log) may be open before main. Starts a
 *   non-blocking race on allbh (all black-holed: hidden attempts stay open),
 *   checks that every descriptor opened since the start is FD_CLOEXEC, then
 *   runs `/bin/sh -c 'ls -l /proc/$$/fd; :'` by fork+exec, vfork+exec and
 *   posix_spawn, and this program's own "listfds" by posix_spawn: the exec'd
 *   program must see only 0-2 and what this process inherited open and
 *   non-CLOEXEC - no hidden socket, no log descriptor. A plain fork() child
 *   must see no hidden socket either. Prints "parent sockets N", "log fd
 *   open yes", "METHOD: fds ok" or "METHOD: extra fd N -> TARGET", "fork
 *   child hidden sockets N", "forky ok".
 *
 * usage: forky listfds   prints "fd N -> TARGET" per open descriptor.
 * Exit 0 ok, 1 failures, 2 usage/setup, 99 watchdog (no progress for 30 s). */
#include "hardening.h"

#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static const char *port = "9090";

/* ---- helpers ---- */

static struct addrinfo *resolve(const char *name)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int e = getaddrinfo(name, port, &hints, &res);
    if (e) {
        h_fail("getaddrinfo(%s): %s", name, gai_strerror(e));
        return NULL;
    }
    return res;
}

/* A racing connect to name (blocking, or non-blocking + poll), checked:
 * peer is the name's, token echoed. 0 ok, -1 failed (reported as who).
 * With given != NULL, use that resolution (a child after fork must not call
 * getaddrinfo: glibc's own locks, e.g. __check_pf's, are not reset at fork). */
static int connect_check_res(const char *who, const char *name, int nonblock, const char *tok,
                             const struct addrinfo *given)
{
    struct addrinfo *res = given ? (struct addrinfo *)given : resolve(name);
    if (!res)
        return -1;
    int rc = -1, fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    char why[256], peer[64];
    if (fd < 0) {
        h_fail("%s: socket: %s", who, h_ename(errno));
        goto out;
    }
    int c = connect(fd, res->ai_addr, res->ai_addrlen), e = errno;
    if (c != 0 && nonblock && e == EINPROGRESS) {
        struct pollfd p = { fd, POLLOUT, 0 };
        int64_t end = h_now_ms() + 10000;
        int r;
        while ((r = poll(&p, 1, (int)(end - h_now_ms() > 0 ? end - h_now_ms() : 0))) < 0 && errno == EINTR)
            ;
        socklen_t l = sizeof e;
        if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
            c = 0;
        else if (r == 0)
            e = ETIME;
    }
    if (c != 0) {
        h_fail("%s: connect %s (%s): %s", who, name, nonblock ? "non-blocking" : "blocking", h_ename(e));
    } else if (h_peer_in(fd, res, peer, sizeof peer) != 1) {
        h_fail("%s: connect %s: peer %s not an address of the name", who, name, peer);
    } else if (h_roundtrip(fd, tok, 10000, why, sizeof why) != 0) {
        h_fail("%s: connect %s: %s", who, name, why);
    } else {
        rc = 0;
    }
    close(fd);
out:
    if (!given)
        freeaddrinfo(res);
    return rc;
}

static int connect_check(const char *who, const char *name, int nonblock, const char *tok)
{
    return connect_check_res(who, name, nonblock, tok, NULL);
}

/* Resolved in the parent, before any fork: what the children use. */
static struct addrinfo *pre_v6refused, *pre_v4refused, *pre_bh6, *pre_bh2;

static void preresolve(void)
{
    pre_v6refused = resolve("v6refused");
    pre_v4refused = resolve("v4refused");
    pre_bh6 = resolve("bh6");
    pre_bh2 = resolve("bh2");
}

/* Wait for child pid for up to ms; a hang gets its backtrace and SIGKILL.
 * Returns its exit status (0-255), or -1 hung / killed by a signal. */
static int wait_child(pid_t pid, int ms, const char *what)
{
    int st;
    int64_t end = h_now_ms() + ms;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            h_fail("%s: waitpid: %s", what, h_ename(errno));
            return -1;
        }
        if (h_now_ms() > end) {
            h_fail("%s: child %d still running after %d ms (hang)", what, (int)pid, ms);
            fflush(NULL);
            h_gdb_dump(pid);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        h_sleep_ms(2);
    }
    if (WIFSIGNALED(st)) {
        h_fail("%s: child killed by signal %d (%s)", what, WTERMSIG(st), strsignal(WTERMSIG(st)));
        return -1;
    }
    return WEXITSTATUS(st);
}

/* ---- midrace ---- */

static volatile int race_fd = -1, race_nonblock, race_in, race_done;
static int race_rc;

static void *racer(void *arg)
{
    (void)arg;
    char tok[64];
    snprintf(tok, sizeof tok, "parent-%d-%s\n", (int)getpid(), race_nonblock ? "nb" : "blk");
    struct addrinfo *res = resolve("bh2");
    race_rc = -1;
    if (!res) {
        race_done = 1;
        return NULL;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (race_nonblock ? SOCK_NONBLOCK : 0), 0);
    race_fd = fd;
    __atomic_store_n(&race_in, 1, __ATOMIC_SEQ_CST);
    int c = connect(fd, res->ai_addr, res->ai_addrlen), e = errno;
    if (c != 0 && race_nonblock && e == EINPROGRESS) {
        struct pollfd p = { fd, POLLOUT, 0 };
        int r;
        while ((r = poll(&p, 1, 10000)) < 0 && errno == EINTR)
            ;
        socklen_t l = sizeof e;
        if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
            c = 0;
        else if (r == 0)
            e = ETIME;
    }
    char why[256], peer[64];
    if (c != 0)
        h_fail("parent race: connect bh2: %s", h_ename(e));
    else if (h_peer_in(fd, res, peer, sizeof peer) != 1)
        h_fail("parent race: peer %s not an address of bh2", peer);
    else if (h_roundtrip(fd, tok, 10000, why, sizeof why) != 0)
        h_fail("parent race: %s", why);
    else
        race_rc = 0;
    freeaddrinfo(res);
    __atomic_store_n(&race_in, 0, __ATOMIC_SEQ_CST);
    close(fd);
    race_done = 1;
    return NULL;
}

/* In the child: the racing descriptor inherited mid-race. */
static int child_midrace(int fd, int nonblock, int known_sockets)
{
    int bad = 0, socks = 0;
    h_count_fds(&socks);
    printf("child hidden sockets %d\n", socks - known_sockets);
    if (socks != known_sockets)
        bad = 1;   /* the race's hidden attempts belong to the parent */
    struct pollfd p = { fd, POLLOUT, 0 };
    int64_t t0 = h_now_ms();
    int r = poll(&p, 1, 200);
    int64_t dt = h_now_ms() - t0;
    if (r < 0 || dt > 2000) {
        printf("child: poll on the racing fd: %d %s after %lld ms\n", r, h_ename(r < 0 ? errno : 0), (long long)dt);
        bad = 1;
    }
    int so = 0;
    socklen_t l = sizeof so;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getpeername(fd, (struct sockaddr *)&ss, &sl);
    if (nonblock && pre_bh2) {
        t0 = h_now_ms();
        connect(fd, pre_bh2->ai_addr, pre_bh2->ai_addrlen);
        if (h_now_ms() - t0 > 2000) {
            printf("child: non-blocking connect again took %lld ms\n", (long long)(h_now_ms() - t0));
            bad = 1;
        }
    }
    if (close(fd) != 0) {
        printf("child: close(%d): %s\n", fd, h_ename(errno));
        bad = 1;
    }
    char tok[64];
    snprintf(tok, sizeof tok, "child-%d\n", (int)getpid());
    if (connect_check_res("child", "v6refused", nonblock, tok, pre_v6refused) != 0)
        bad = 1;
    return bad || h_failures;
}

static int run_midrace(int rounds)
{
    unsigned seed = 42;
    for (int i = 0; i < rounds; i++) {
        race_nonblock = i & 1;
        race_fd = -1;
        race_done = 0;
        int socks0 = 0;
        h_count_fds(&socks0);   /* the echo server's listeners */
        pthread_t t;
        pthread_create(&t, NULL, racer, NULL);
        while (!__atomic_load_n(&race_in, __ATOMIC_SEQ_CST) && !race_done)
            h_sleep_ms(1);
        /* bh2 with a delay of 100 ms: attempt 2 (black-holed too) starts at
         * 100 ms, attempt 3 wins at 200 ms: fork while 1 and 2 are pending. */
        int delay = 110 + (int)(rand_r(&seed) % 70);
        h_sleep_ms(delay);
        h_tick();
        int fd = race_fd, inrace = __atomic_load_n(&race_in, __ATOMIC_SEQ_CST), psocks = 0;
        h_count_fds(&psocks);
        printf("parent hidden sockets %d\n", psocks - socks0 - 1);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            /* known: the listeners plus the app's racing socket */
            int rc = child_midrace(fd, race_nonblock, socks0 + 1);
            fflush(NULL);
            _exit(rc);
        }
        int crc = pid < 0 ? -1 : wait_child(pid, 10000, "midrace child");
        pthread_join(t, NULL);
        h_tick();
        if (!inrace)
            printf("round %d: the race was over before fork (fork at %d ms)\n", i, delay);
        if (crc != 0)
            h_fail("round %d (%s): child exit status %d", i, race_nonblock ? "non-blocking" : "blocking", crc);
        if (race_rc != 0)
            h_fail("round %d (%s): the parent's race did not complete", i, race_nonblock ? "non-blocking" : "blocking");
        if (crc == 0 && race_rc == 0)
            printf("round %d (%s, fork at %d ms): parent ok child ok\n", i,
                   race_nonblock ? "non-blocking" : "blocking", delay);
        h_echo_quiesce(5000);
    }
    return 0;
}

/* ---- hammer ---- */

static int hammer_stop;

static void *hammer(void *arg)
{
    long id = (long)arg;
    static const char *const names[] = { "v6refused", "v4refused", "bh6", "bh2" };
    char tok[64], who[32];
    snprintf(who, sizeof who, "hammer %ld", id);
    for (long i = 0; !__atomic_load_n(&hammer_stop, __ATOMIC_RELAXED); i++) {
        snprintf(tok, sizeof tok, "h%ld-%ld\n", id, i);
        connect_check(who, names[(id + i) % 4], (int)((id + i / 4) & 1), tok);
        h_tick();
    }
    return NULL;
}

static int run_hammer(int threads, int forks)
{
    pthread_t th[64];
    if (threads > 64)
        threads = 64;
    for (long i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, hammer, (void *)i);
    unsigned seed = 7;
    int ok = 0;
    for (int i = 0; i < forks; i++) {
        h_sleep_ms((long)(rand_r(&seed) % 5));
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            char tok[64];
            snprintf(tok, sizeof tok, "child-%d\n", (int)getpid());
            int bad = connect_check_res("hammer child", i & 1 ? "v4refused" : "bh6", i & 2, tok,
                                        i & 1 ? pre_v4refused : pre_bh6) != 0;
            struct pollfd p = { 0, POLLIN, 0 };
            poll(&p, 1, 0);
            fflush(NULL);
            _exit(bad);
        }
        if (pid < 0) {
            h_fail("fork: %s", h_ename(errno));
            break;
        }
        char what[32];
        snprintf(what, sizeof what, "hammer child %d", i);
        int rc = wait_child(pid, 10000, what);
        if (rc == 0)
            ok++;
        else
            h_fail("hammer child %d: exit status %d", i, rc);
        h_tick();
    }
    __atomic_store_n(&hammer_stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    printf("forks %d ok %d\n", forks, ok);
    return 0;
}

/* ---- exec ---- */

/* The descriptors open at the start (any number: libtryall parks its own
 * high), and whether each passes exec (not CLOEXEC). */
static int start_fds[256], start_n;

static int fds_now(int *out, int max)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && n < max)
            out[n++] = atoi(e->d_name);
    if (d)
        closedir(d);
    return n;
}

static int at_start(int fd)
{
    for (int i = 0; i < start_n; i++)
        if (start_fds[i] == fd)
            return 1;
    return 0;
}

/* Open at the start and not CLOEXEC (0-2 always count). */
static int inherited(int fd)
{
    if (fd >= 0 && fd <= 2)
        return 1;
    int f = fcntl(fd, F_GETFD);
    return at_start(fd) && f >= 0 && !(f & FD_CLOEXEC);
}

static void note_inherited(void)
{
    start_n = fds_now(start_fds, 256);
}

/* Parse "... N -> TARGET" (ls -l) or "fd N -> TARGET" (listfds) lines. */
static int check_listing(const char *method, const char *out)
{
    int bad = 0, lines = 0;
    for (const char *l = out; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), l);
        char *arrow = strstr(line, " -> ");
        if (arrow) {
            char *num = arrow;
            while (num > line && num[-1] != ' ')
                num--;
            int fd = atoi(num);
            lines++;
            if (!inherited(fd)) {
                printf("%s: extra fd %d -> %s\n", method, fd, arrow + 4);
                bad = 1;
            }
        }
        l += len + (nl != NULL);
    }
    if (lines < 3) {
        printf("%s: no listing (%d lines): %s\n", method, lines, out);
        return 1;
    }
    if (!bad)
        printf("%s: fds ok\n", method);
    return bad;
}

static char self_exe[4096];

static int run_exec(void)
{
    /* Nothing of libtryall's may be open before main (its constructors). */
    const char *logp = getenv("TRYALL_LOG_FILE");
    for (int k = 0; k < start_n; k++) {
        char path[64], target[512] = "";
        snprintf(path, sizeof path, "/proc/self/fd/%d", start_fds[k]);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0)
            target[n] = 0;
        if (!strncmp(target, "socket:", 7) || (logp && !strcmp(target, logp)))
            h_fail("fd %d -> %s is open before main", start_fds[k], target);
    }

    /* Keep a race running with hidden attempts: allbh never connects. */
    struct addrinfo *res = resolve("allbh");
    if (!res)
        return 1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 || errno != EINPROGRESS)
        h_fail("connect allbh: %s (expected EINPROGRESS)", h_ename(errno));
    struct pollfd p = { fd, POLLOUT, 0 };
    poll(&p, 1, 100);   /* the race starts its hidden attempts (delay 10 ms) */
    int socks = 0;
    h_count_fds(&socks);
    printf("parent sockets %d\n", socks);

    /* Every descriptor that was not there at the start must be CLOEXEC. */
    const char *log = getenv("TRYALL_LOG_FILE");
    int log_open = 0;
    int now[1024], nn = fds_now(now, 1024);
    for (int k = 0; k < nn; k++) {
        int i = now[k], f = fcntl(i, F_GETFD);
        if (f < 0 || at_start(i))
            continue;
        char path[64], target[512] = "";
        snprintf(path, sizeof path, "/proc/self/fd/%d", i);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0)
            target[n] = 0;
        if (log && !strcmp(target, log))
            log_open = 1;
        if (!(f & FD_CLOEXEC))
            h_fail("fd %d -> %s is not FD_CLOEXEC", i, target);
    }
    if (log)
        printf("log fd open %s\n", log_open ? "yes" : "no");

    static const char *const sh_argv[] = { "/bin/sh", "-c", "ls -l /proc/$$/fd; :", NULL };
    const char *const self_argv[] = { self_exe, "listfds", NULL };
    static const char *const methods[] = { "fork+exec", "vfork+exec", "posix_spawn", "posix_spawn self" };
    for (int m = 0; m < 4; m++) {
        const char *const *argv = m == 3 ? self_argv : sh_argv;
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) != 0)
            return 1;
        pid_t pid = -1;
        fflush(NULL);
        if (m == 0 || m == 1) {
            pid = m == 0 ? fork() : vfork();
            if (pid == 0) {
                dup2(pp[1], 1);
                execve(argv[0], (char *const *)argv, environ);
                _exit(127);
            }
        } else {
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, pp[1], 1);
            if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) != 0)
                pid = -1;
            posix_spawn_file_actions_destroy(&fa);
        }
        close(pp[1]);
        char out[16384];
        size_t got = 0;
        ssize_t r;
        while (got < sizeof out - 1 && ((r = read(pp[0], out + got, sizeof out - 1 - got)) > 0 || (r < 0 && errno == EINTR)))
            if (r > 0)
                got += (size_t)r;
        out[got] = 0;
        close(pp[0]);
        int st = pid < 0 ? -1 : wait_child(pid, 10000, methods[m]);
        if (st != 0)
            h_fail("%s: status %d", methods[m], st);
        check_listing(methods[m], out);
    }

    /* A plain fork() child: what did it inherit of the race? */
    int known = 1;   /* the app's racing socket */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int s = 0;
        h_count_fds(&s);
        printf("fork child hidden sockets %d\n", s - known);
        fflush(NULL);
        _exit(s != known);
    }
    if (wait_child(pid, 10000, "fork child") != 0)
        h_fail("fork child: hidden sockets inherited");
    close(fd);
    freeaddrinfo(res);
    h_count_fds(&socks);
    if (socks != 0)
        h_fail("%d sockets left open after close of the racing socket", socks);
    return 0;
}

static int listfds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
            continue;
        char p[300], t[512];
        snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(p, t, sizeof t - 1);
        t[n > 0 ? n : 0] = 0;
        printf("fd %s -> %s\n", e->d_name, t);
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        goto usage;
    const char *mode = argv[1];
    int rounds = -1, threads = 16, c;
    optind = 2;
    while ((c = getopt(argc, argv, "n:t:")) != -1) {
        if (c == 'n')
            rounds = atoi(optarg);
        else if (c == 't')
            threads = atoi(optarg);
        else
            goto usage;
    }
    if (optind != argc)
        goto usage;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(mode, "listfds"))
        return listfds();
    note_inherited();
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe[n > 0 ? n : 0] = 0;
    h_watchdog_start(30, NULL);
    if (!strcmp(mode, "exec")) {
        run_exec();
    } else if (!strcmp(mode, "midrace") || !strcmp(mode, "hammer")) {
        if (h_echo_start(atoi(port), NULL) != 0)
            return 2;
        preresolve();
        if (!strcmp(mode, "midrace"))
            run_midrace(rounds < 0 ? 10 : rounds);
        else
            run_hammer(threads, rounds < 0 ? 100 : rounds);
    } else {
        goto usage;
    }
    h_watch_end();
    if (h_failures) {
        printf("forky FAILED (%d failures)\n", h_failures);
        return 1;
    }
    printf("forky ok\n");
    return 0;
usage:
    fprintf(stderr, "usage: forky midrace [-n ROUNDS] | hammer [-t THREADS] [-n FORKS] | exec | listfds\n");
    return 2;
}

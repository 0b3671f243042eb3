/* race.c - owns the attempt sockets of one race and the winner's hand-over.
 * Attempt 0 is the app's own socket; attempt k > 0 is a hidden non-blocking,
 * close-on-exec socket with the app's options copied onto it. The winner is
 * moved onto the app's descriptor number with dup3, keeping the app's file
 * status flags and FD_CLOEXEC; the losers are closed.
 * Must never block, never write data to an attempt, and never act on the
 * app's descriptor number once it no longer holds the socket the race began on. */
#include "race.h"
#include "config.h"
#include "epollset.h"
#include "fdtable.h"
#include "highfd.h"
#include "pool.h"
#include "log.h"
#include "real.h"
#include "sockopt.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int race_is_address_error(int e)
{
    switch (e) {
    case ECONNREFUSED: case ENETUNREACH: case EHOSTUNREACH: case EADDRNOTAVAIL:
    case ETIMEDOUT: case ECONNRESET: case ECONNABORTED: case EHOSTDOWN: case ENETDOWN:
    case ENETRESET: case EPROTO:
        return 1;
    default:
        return 0;
    }
}

static const char *ename(int e)
{
    const char *s = strerrorname_np(e);
    return s ? s : "?";
}

static void log_attempt(const struct race *r, int level, unsigned i, const char *what,
                        int err, uint64_t now_ms)
{
    if (!log_on(level))
        return;
    char a[64];
    addr_str(&r->plan.order[i], a, sizeof a);
    if (err)
        log_line(level, "fd %d %s %s port %u attempt %u %s: %s (%s) after %llu ms", r->fd, r->name,
                 a, r->port, i + 1, what, strerror(err), ename(err),
                 (unsigned long long)(now_ms - r->started_ms[i]));
    else
        log_line(level, "fd %d %s %s port %u attempt %u %s at %llu ms", r->fd, r->name, a,
                 r->port, i + 1, what, (unsigned long long)(now_ms - r->t0_ms));
}

static int identity(int fd, dev_t *dev, ino_t *ino)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

static int still_app_socket(const struct race *r)
{
    dev_t d;
    ino_t i;
    return !r->dead && identity(r->fd, &d, &i) == 0 && d == r->dev && i == r->ino;
}

int race_is_bound(const struct sockaddr_storage *local, socklen_t len)
{
    /* Bound to a wildcard address (as Tcl and others do, port 0 or not) is
     * not bound to an address: every family may be raced. */
    struct tryall_addr la;
    if (addr_from_sockaddr((const struct sockaddr *)local, len, &la) != 0)
        return 0;
    static const uint8_t any[16];
    return memcmp(la.bytes, any, la.family == AF_INET ? 4 : 16) != 0;
}

static void peek_attempt(struct race *r, unsigned i, uint64_t now_ms);

/* Race objects come from a pool (no malloc: hooks may run in signal handlers). */
static struct pool races = POOL_OF(struct race);

struct race *race_new(int fd, int family, const struct sockaddr *target,
                      const struct tryall_list *list, const struct tryall_addr *target_addr,
                      int first_errno, const struct sockaddr_storage *bound_to,
                      socklen_t bound_len, uint64_t now_ms)
{
    struct race *r = pool_get(&races);
    if (!r)
        return NULL;
    r->fd = fd;
    if (identity(fd, &r->dev, &r->ino) != 0) {
        pool_put(&races, r);
        return NULL;
    }
    r->refs = 1;
    r->phase = RACE_RUNNING;
    r->family = family;
    socklen_t pl = sizeof r->protocol;
    if (real()->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &r->protocol, &pl) != 0)
        r->protocol = 0;
    r->port = addr_port(target);
    r->t0_ms = now_ms;
    memcpy(r->name, list->name, sizeof r->name);
    for (unsigned i = 0; i < PLAN_MAX; i++)
        r->afd[i] = -1;

    /* A socket the app bound keeps its local address: race its family only. */
    if (bound_to) {
        r->bound = 1;
        r->local = *bound_to;
        r->local_len = bound_len;
    }

    struct tryall_addr order[PLAN_MAX];
    int only = r->bound ? target_addr->family : 0, v6only = 0;
    socklen_t vl = sizeof v6only;
    if (family == AF_INET6 && real()->getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &vl) == 0 &&
        v6only)
        only = AF_INET6;   /* the app asked for IPv6 only */
    unsigned n = plan_order(list, target_addr, only, order, PLAN_MAX);
    plan_init(&r->plan, order, n, tryall_config()->delay_ms);
    r->opts_family = family;
    sockopt_snapshot(fd, family, &r->opts);
    plan_started(&r->plan, 0, now_ms);
    r->started_ms[0] = now_ms;
    r->afd[0] = fd;
    log_attempt(r, TRYALL_LOG_TRACE, 0, "started", 0, now_ms);
    if (first_errno != EINPROGRESS) {
        plan_failed(&r->plan, 0, first_errno);
        log_attempt(r, TRYALL_LOG_FAIL, 0, "failed", first_errno, now_ms);
    }
    epset_race_started(r);
    if (first_errno == EINPROGRESS)
        peek_attempt(r, 0, now_ms);
    return r;
}

/* Start attempt i on a hidden socket. Returns 0 running, 1 connected, or -errno. */
static int start_hidden(struct race *r, unsigned i)
{
    const struct tryall_addr *a = &r->plan.order[i];
    /* An AF_INET6 app socket gets AF_INET6 attempts (v4-mapped for IPv4)
     * unless it is IPV6_V6ONLY; an AF_INET one gets each address's family. */
    int fam = a->family;
    if (r->family == AF_INET6 && a->family == AF_INET) {
        int v6only = 0;
        socklen_t l = sizeof v6only;
        if (real()->getsockopt(r->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) == 0 && !v6only)
            fam = AF_INET6;
    }
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(a, r->port, fam, &ss);
    if (len == 0)
        return -EAFNOSUPPORT;
    int s = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, r->protocol);
    if (s < 0)
        return -errno;
    s = highfd_park(s);
    sockopt_apply(&r->opts, r->opts_family, s, fam);
    r->afam[i] = fam;
    if (r->bound) {
        struct sockaddr_storage l = r->local;
        if (l.ss_family == AF_INET)
            ((struct sockaddr_in *)&l)->sin_port = 0;
        else
            ((struct sockaddr_in6 *)&l)->sin6_port = 0;
        if (l.ss_family != fam || bind(s, (struct sockaddr *)&l, r->local_len) != 0) {
            int e = errno;
            real()->close(s);
            return -(l.ss_family != fam ? EAFNOSUPPORT : e);
        }
    }
    r->afd[i] = s;
    identity(s, &r->adev[i], &r->aino[i]);
    if (real()->connect(s, (struct sockaddr *)&ss, len) == 0)
        return 1;
    if (errno == EINPROGRESS) {
        epset_attempt_started(r, i);
        return 0;
    }
    int e = errno;
    real()->close(s);
    r->afd[i] = -1;
    return -e;
}

/* Is afd[i] still our hidden socket (not closed and reused behind our back)? */
static int attempt_ours(const struct race *r, unsigned i)
{
    dev_t d;
    ino_t ino;
    return i > 0 && r->afd[i] >= 0 && identity(r->afd[i], &d, &ino) == 0 && d == r->adev[i] &&
           ino == r->aino[i];
}

/* Close one of our sockets without ever waiting (we hold the lock): a
 * SO_LINGER carried from the app would make close block. */
static void close_now(int s)
{
    struct linger off = { 0, 0 };
    real()->setsockopt(s, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    real()->close(s);
}

static void close_attempt(struct race *r, unsigned i)
{
    if (attempt_ours(r, i))
        close_now(r->afd[i]);
    if (i > 0)
        r->afd[i] = -1;
}

/* Put the winner on the app's number: flags, FD_CLOEXEC, late options. */
static int hand_over(struct race *r, unsigned w)
{
    if (!still_app_socket(r)) {
        r->dead = 1;
        return -1;
    }
    int fl = fcntl(r->fd, F_GETFL);
    int fdfl = fcntl(r->fd, F_GETFD);
    if (w > 0 && !attempt_ours(r, w)) {
        errno = EBADF;
        return -1;
    }
    if (w > 0) {
        int wfam = r->afam[w];
        epset_attempt_closing(r, w);
        /* The app's own attempt is replaced: out of the epoll sets first (its
         * file may live on elsewhere, a fork child say), and never a
         * lingering close inside dup3. */
        epset_attempt_closing(r, 0);
        struct linger off = { 0, 0 };
        real()->setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
        if (real()->dup3(r->afd[w], r->fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
            return -1;
        real()->close(r->afd[w]);
        r->afd[w] = -1;
        r->afd[0] = r->fd;
        /* The app's copies of the descriptor get the winner too. */
        for (unsigned k = 0; k < r->naliases; k++) {
            dev_t d;
            ino_t ino;
            int a = r->alias[k], afl = fcntl(a, F_GETFD);
            if (identity(a, &d, &ino) == 0 && d == r->dev && ino == r->ino && afl >= 0)
                real()->dup3(r->fd, a, (afl & FD_CLOEXEC) ? O_CLOEXEC : 0);
        }
        identity(r->fd, &r->dev, &r->ino);
        r->family = wfam;
    }
    if (w > 0)
        fcntl(r->fd, F_SETFL, fl);
    return 0;
}

static void finish_won(struct race *r, unsigned w, uint64_t now_ms)
{
    plan_won(&r->plan, w);
    if (hand_over(r, w) != 0 && !r->dead) {
        /* dup3 failed (descriptor limit, or w is not ours any more): a failure
         * of w; the others run on. */
        r->plan.winner = -1;
        r->plan.state[w] = ATT_FAILED;
        r->plan.error[w] = errno;
        r->plan.kick = 1;
        return;
    }
    for (unsigned i = 1; i < r->plan.n; i++)
        if (i != w)
            close_attempt(r, i);
    r->phase = RACE_WON;
    epset_race_over(r);
    /* The outcome is news (level fail) when the app's own target did not win. */
    log_attempt(r, w == 0 ? TRYALL_LOG_TRACE : TRYALL_LOG_FAIL, w, "won", 0, now_ms);
}

/* A connect that said EINPROGRESS may be decided already (loopback answers
 * at once): look once, without waiting, so such a result counts now. */
static void peek_attempt(struct race *r, unsigned i, uint64_t now_ms)
{
    struct pollfd p = { .fd = r->afd[i], .events = POLLOUT };
    if (real()->poll(&p, 1, 0) > 0)
        race_settle(r, i, now_ms);
}

int64_t race_advance(struct race *r, uint64_t now_ms)
{
    while (r->phase == RACE_RUNNING && !r->dead) {
        struct plan_step s = plan_next(&r->plan, now_ms);
        switch (s.verb) {
        case PLAN_WAIT:
            return s.wait_ms;
        case PLAN_WON:
            finish_won(r, s.index, now_ms);
            break;
        case PLAN_FAILED:
            r->phase = RACE_LOST;
            r->error = s.error;
            if (r->in_table)
                race_lost_count++;
            epset_race_over(r);
            if (log_on(TRYALL_LOG_FAIL))
                log_line(TRYALL_LOG_FAIL, "fd %d %s port %u: all %u addresses failed after %llu ms: %s",
                         r->fd, r->name, r->port, r->plan.n,
                         (unsigned long long)(now_ms - r->t0_ms), strerror(s.error));
            break;
        case PLAN_START: {
            unsigned i = s.index;
            plan_started(&r->plan, i, now_ms);
            r->started_ms[i] = now_ms;
            log_attempt(r, TRYALL_LOG_TRACE, i, "started", 0, now_ms);
            int rc = start_hidden(r, i);
            if (rc == 1) {
                finish_won(r, i, now_ms);
            } else if (rc < 0) {
                plan_failed(&r->plan, i, -rc);
                log_attempt(r, TRYALL_LOG_FAIL, i, "failed", -rc, now_ms);
            } else {
                peek_attempt(r, i, now_ms);
            }
            break;
        }
        }
    }
    return -1;
}

unsigned race_pollfds(const struct race *r, struct pollfd *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->plan.n && n < max; i++)
        if (r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0) {
            out[n].fd = r->afd[i];
            out[n].events = POLLOUT;
            out[n].revents = 0;
            n++;
        }
    return n;
}

/* Is attempt i's socket still in the handshake (an event seen for it was
 * stale: the number was closed and reused by a newer attempt since)? */
static int still_connecting(int s)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    return real()->getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 &&
           (ti.tcpi_state == TCP_SYN_SENT || ti.tcpi_state == TCP_SYN_RECV);
}

void race_settle(struct race *r, unsigned i, uint64_t now_ms)
{
    /* Never read (and clear) the error of a socket that is not this
     * attempt's. The app's own gone: the race is over (retired by whoever
     * next looks at it; r stays valid for our caller). */
    if (i > 0 && !attempt_ours(r, i))
        return;
    if (i == 0 && !still_app_socket(r)) {
        r->dead = 1;
        return;
    }
    int err = 0;
    socklen_t l = sizeof err;
    if (real()->getsockopt(r->afd[i], SOL_SOCKET, SO_ERROR, &err, &l) != 0)
        err = errno;
    if (err == 0) {
        /* Writable with no error: connected, unless the kernel says otherwise. */
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (real()->getpeername(r->afd[i], (struct sockaddr *)&ss, &sl) != 0) {
            if (errno == ENOTCONN && still_connecting(r->afd[i]))
                return;   /* a stale event: this attempt is still trying */
            err = errno == ENOTCONN ? ECONNREFUSED : errno;
        }
    }
    if (err == 0) {
        finish_won(r, i, now_ms);
        return;
    }
    plan_failed(&r->plan, i, err);
    log_attempt(r, TRYALL_LOG_FAIL, i, "failed", err, now_ms);
    if (i == 0)
        epset_attempt_closing(r, 0);
    close_attempt(r, i);
}

void race_absorb(struct race *r, const struct pollfd *pfds, unsigned n, uint64_t now_ms)
{
    for (unsigned k = 0; k < n && r->phase == RACE_RUNNING && !r->dead; k++) {
        if (!pfds[k].revents)
            continue;
        for (unsigned i = 0; i < r->plan.n; i++)
            if (r->afd[i] == pfds[k].fd && r->plan.state[i] == ATT_RUNNING) {
                race_settle(r, i, now_ms);
                break;
            }
    }
}

void race_settle_now(struct race *r, uint64_t now_ms)
{
    for (unsigned k = 0; k <= PLAN_MAX && r->phase == RACE_RUNNING && !r->dead; k++) {
        unsigned running = r->plan.running, next = r->plan.next;
        race_check(r, now_ms);
        race_advance(r, now_ms);
        if (r->plan.running == running && r->plan.next == next)
            break;
    }
}

void race_check(struct race *r, uint64_t now_ms)
{
    struct pollfd p[PLAN_MAX];
    unsigned n = race_pollfds(r, p, PLAN_MAX);
    if (n && real()->poll(p, n, 0) > 0)
        race_absorb(r, p, n, now_ms);
}

struct race *race_active;
int race_lost_count;

void race_link(struct race *r)
{
    r->next_active = race_active;
    race_active = r;
}

void race_unlink(struct race *r)
{
    for (struct race **p = &race_active; *p; p = &(*p)->next_active)
        if (*p == r) {
            *p = r->next_active;
            break;
        }
    r->next_active = NULL;
}

int race_enter(struct race *r)
{
    if (fdt_put(r->fd, r) != 0)
        return -1;
    r->in_table = 1;
    race_link(r);
    epset_count(r, +1);
    return 0;
}

void race_put(struct race *r)
{
    if (--r->refs == 0)
        race_free(r);
}

/* Take one descriptor of r out of the table (its reference is the caller's). */
static int untable(struct race *r, int fd)
{
    if (fdt_get(fd) != r)
        return 0;
    fdt_take(fd);
    return 1;
}

void race_retire(struct race *r)
{
    if (!r->in_table)
        return;
    epset_count(r, -1);
    r->in_table = 0;
    race_unlink(r);
    if (r->phase == RACE_LOST)
        race_lost_count--;
    unsigned drops = (unsigned)untable(r, r->fd);
    for (unsigned k = 0; k < r->naliases; k++)
        drops += (unsigned)untable(r, r->alias[k]);
    r->naliases = 0;
    while (drops--)
        race_put(r);
}

void race_abort(struct race *r)
{
    if (r->phase == RACE_RUNNING && !r->dead) {
        epset_race_over(r);
        for (unsigned i = 1; i < r->plan.n; i++)
            if (r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0)
                epset_attempt_closing(r, i);
    }
    r->dead = 1;
    race_retire(r);
}

int race_drop_if_stale(struct race *r, int fd)
{
    dev_t d;
    ino_t ino;
    if (r->dead || (identity(fd, &d, &ino) == 0 && d == r->dev && ino == r->ino))
        return 0;
    race_detach_fd(r, fd);
    return 1;
}

int race_add_alias(struct race *r, int newfd)
{
    if (!r->in_table || r->phase != RACE_RUNNING || r->naliases == RACE_ALIASES ||
        fdt_get(newfd) || fdt_put(newfd, r) != 0)
        return -1;
    r->alias[r->naliases++] = newfd;
    r->refs++;
    return 0;
}

void race_detach_fd(struct race *r, int fd)
{
    for (unsigned k = 0; k < r->naliases; k++)
        if (r->alias[k] == fd) {
            r->alias[k] = r->alias[--r->naliases];
            if (untable(r, fd))
                race_put(r);
            return;
        }
    if (fd != r->fd)
        return;
    if (r->naliases == 0) {
        r->dead = 1;
        race_retire(r);
        return;
    }
    /* Another copy carries on: it becomes the race's descriptor. The old
     * number gets the app's epoll registrations back and loses our tags;
     * the new one gets tags for whatever the app registered on it. */
    epset_race_over(r);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0)
            epset_attempt_closing(r, i);
    epset_count(r, -1);
    r->fd = r->alias[--r->naliases];
    if (r->afd[0] == fd)
        r->afd[0] = r->fd;
    epset_count(r, +1);
    epset_race_started(r);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0)
            epset_attempt_started(r, i);
    if (untable(r, fd))
        race_put(r);
}

void race_close_range(unsigned first, unsigned last)
{
    for (struct race *r = race_active, *nx; r; r = nx) {
        nx = r->next_active;
        for (unsigned i = 1; i < r->plan.n; i++)
            if (r->afd[i] >= 0 && (unsigned)r->afd[i] >= first && (unsigned)r->afd[i] <= last) {
                r->afd[i] = -1;   /* closed for us: never touch that number again */
                if (r->plan.state[i] == ATT_RUNNING)
                    plan_failed(&r->plan, i, ECONNABORTED);
            }
        for (unsigned k = r->naliases; k-- > 0;)
            if ((unsigned)r->alias[k] >= first && (unsigned)r->alias[k] <= last)
                race_detach_fd(r, r->alias[k]);
        if ((unsigned)r->fd >= first && (unsigned)r->fd <= last)
            race_detach_fd(r, r->fd);
    }
}

void race_mirror_option(struct race *r, int level, int name, const void *val, socklen_t len)
{
    if (r->phase != RACE_RUNNING || !sockopt_note(&r->opts, r->opts_family, level, name, val, len))
        return;
    for (unsigned i = 1; i < r->plan.n; i++)
        if (r->plan.state[i] == ATT_RUNNING && attempt_ours(r, i))
            sockopt_apply_one(level, name, val, len, r->opts_family, r->afd[i], r->afam[i]);
}

void race_forget_all(void)
{
    for (struct race *r = race_active, *nx; r; r = nx) {
        nx = r->next_active;
        epset_count(r, -1);
        fdt_take(r->fd);
        for (unsigned k = 0; k < r->naliases; k++)
            fdt_take(r->alias[k]);
        race_free(r);
    }
    race_active = NULL;
    race_lost_count = 0;
}

void race_free(struct race *r)
{
    for (unsigned i = 1; i < PLAN_MAX; i++)
        close_attempt(r, i);
    pool_put(&races, r);
}

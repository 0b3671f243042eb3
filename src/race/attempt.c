/* attempt.c - owns the hidden attempt sockets: made non-blocking and
 * close-on-exec, parked high, given the app's options (and its local
 * address when the app bound), connected without waiting; their identity
 * checks against reuse; their closing; the log line about one.
 * Must never block (no lingering close), never write data to an attempt,
 * never close a descriptor that is not ours. */
#include "race/attempt.h"
#include "race/epset.h"
#include "race/room.h"
#include "core/config.h"
#include "sys/log.h"
#include "sys/real.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int attempt_identity(int fd, dev_t *dev, ino_t *ino)
{
    struct stat st;
    if (real()->fstat(fd, &st) != 0)
        return -1;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

int attempt_app_current(const struct race *r)
{
    dev_t d;
    ino_t i;
    return !r->dead && attempt_identity(r->fd, &d, &i) == 0 && d == r->dev && i == r->ino;
}

int attempt_ours(const struct race *r, unsigned i)
{
    dev_t d;
    ino_t ino;
    return i > 0 && r->afd[i] >= 0 && attempt_identity(r->afd[i], &d, &ino) == 0 &&
           d == r->adev[i] && ino == r->aino[i];
}

static const char *ename(int e)
{
    const char *s = strerrorname_np(e);
    return s ? s : "?";
}

void attempt_log(const struct race *r, int level, unsigned i, const char *what, int err,
                 uint64_t now_ms)
{
    if (!log_on(level))
        return;
    char a[96], text[160], p[64];
    const struct tryall_addr *ad = &r->plan.order[i];
    addr_str(ad, a, sizeof a);
    if (ad->origin == ADDR_FROM_NAT64)
        snprintf(text, sizeof text, "%s (via NAT64 prefix %s)", a,
                 nat64_prefix_str(&r->pfx, p, sizeof p));
    else if (ad->origin != ADDR_FROM_APP)   /* where an address the app never saw came from */
        snprintf(text, sizeof text, "%s (%s)", a, addr_origin_name(ad->origin));
    else
        snprintf(text, sizeof text, "%s", a);
    struct tryall_event ev = TRYALL_EVENT_NONE;
    ev.event = what;
    ev.fd = r->fd;
    ev.host = r->name;
    ev.address = a;
    ev.port = r->port;
    ev.attempt = i + 1;
    ev.error = err;
    if (ad->origin != ADDR_FROM_APP)
        ev.origin = addr_origin_name(ad->origin);
    if (err) {
        ev.ms = (long long)(now_ms - r->started_ms[i]);
        log_event(level, &ev, "fd %d %s %s port %u attempt %u %s: %s (%s) after %llu ms", r->fd,
                  r->name, text, r->port, i + 1, what, strerror(err), ename(err),
                  (unsigned long long)ev.ms);
    } else {
        ev.ms = (long long)(now_ms - r->t0_ms);
        log_event(level, &ev, "fd %d %s %s port %u attempt %u %s at %llu ms", r->fd, r->name, text,
                  r->port, i + 1, what, (unsigned long long)ev.ms);
    }
}

/* The family of attempt i's socket: an AF_INET6 app socket gets AF_INET6
 * attempts (v4-mapped for IPv4) unless it is IPV6_V6ONLY; an AF_INET one
 * gets each address's family. */
int attempt_family_for(const struct race *r, unsigned i)
{
    const struct tryall_addr *a = &r->plan.order[i];
    if (r->family == AF_INET6 && a->family == AF_INET) {
        int v6only = 0;
        socklen_t l = sizeof v6only;
        if (sockopt_value(&r->opts, r->opts_family, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) == 0 &&
            !v6only)
            return AF_INET6;
    }
    return a->family;
}

/* The app bound its socket: bind s to the same address (any port). */
static int bind_like_app(const struct race *r, int s, int fam)
{
    struct sockaddr_storage l = r->local;
    if (l.ss_family != fam)
        return -EAFNOSUPPORT;
    if (l.ss_family == AF_INET)
        ((struct sockaddr_in *)&l)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&l)->sin6_port = 0;
    return real()->bind(s, (struct sockaddr *)&l, r->local_len) == 0 ? 0 : -errno;
}

int attempt_start(struct race *r, unsigned i, int s)
{
    const struct tryall_addr *a = &r->plan.order[i];
    int fam = r->afam[i];
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(a, r->port, fam, &ss);
    int rc = len == 0 ? -EAFNOSUPPORT : 0;
    if (rc == 0) {
        sockopt_apply(&r->opts, r->opts_family, s, fam);
        rc = r->bound ? bind_like_app(r, s, fam) : 0;
    }
    if (rc != 0) {
        room_close(s);
        return rc;
    }
    r->afd[i] = s;
    attempt_identity(s, &r->adev[i], &r->aino[i]);
    if (real()->connect(s, (struct sockaddr *)&ss, len) == 0)
        return 1;
    if (errno == EINPROGRESS) {
        epset_attempt_started(r, i);
        return 0;
    }
    int e = errno;
    room_close(s);
    r->afd[i] = -1;
    return -e;
}

void attempt_close_now(int s)
{
    /* A SO_LINGER carried from the app would make close block. */
    struct linger off = { 0, 0 };
    real()->setsockopt(s, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    real()->close(s);
}

/* Does the app's socket linger (so our copies of its options do too)? */
int attempt_lingers(const struct race *r)
{
    struct linger lg = { 0, 0 };
    socklen_t l = sizeof lg;
    return r->opts_taken &&
           sockopt_value(&r->opts, r->opts_family, SOL_SOCKET, SO_LINGER, &lg, &l) == 0 && lg.l_onoff;
}

void attempt_close(struct race *r, unsigned i)
{
    if (attempt_ours(r, i)) {
        /* A SO_LINGER carried from the app would make a plain close block. */
        if (attempt_lingers(r))
            attempt_close_now(r->afd[i]);
        else
            real()->close(r->afd[i]);
    }
    if (i > 0 && r->afd[i] >= 0)
        room_gone();   /* closed here, or behind our back: not ours any more */
    if (i > 0)
        r->afd[i] = -1;
}

void race_mirror_option(struct race *r, int level, int name, const void *val, socklen_t len)
{
    FDT_ASSERT_HELD();
    /* Before the options are read, the read will find this one. */
    if (r->phase != RACE_RUNNING || !r->opts_taken ||
        !sockopt_note(&r->opts, r->opts_family, level, name, val, len))
        return;
    for (unsigned i = 1; i < r->plan.n; i++)
        if (r->plan.state[i] == ATT_RUNNING && attempt_ours(r, i))
            sockopt_apply_one(level, name, val, len, r->opts_family, r->afd[i], r->afam[i]);
}

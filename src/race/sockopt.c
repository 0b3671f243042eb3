/* sockopt.c - owns the table of socket options a winner carries over, the
 * per-race snapshot of the app's values and their copy onto attempt sockets.
 * A fresh socket's values (per family) are read once per process; only the
 * options where the app's socket differs are ever set on an attempt.
 * Must never touch the app's socket except to read it. */
#include "race/sockopt.h"
#include "sys/real.h"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

enum { ANY = 0 };

struct opt {
    int family;          /* ANY, or the family whose level this is */
    int level, name;
    int other_level, other_name;   /* same meaning in the other family, or -1 */
    int doubled;         /* kernel reports twice what was set (buffers) */
};

static const struct opt opts[] = {
    { ANY, SOL_SOCKET, SO_REUSEADDR, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_REUSEPORT, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_KEEPALIVE, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVBUF, 0, -1, 1 },
    { ANY, SOL_SOCKET, SO_SNDBUF, 0, -1, 1 },
    { ANY, SOL_SOCKET, SO_LINGER, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_MARK, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_PRIORITY, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_OOBINLINE, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVLOWAT, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVTIMEO, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_SNDTIMEO, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_BINDTODEVICE, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_NODELAY, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_USER_TIMEOUT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPIDLE, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPINTVL, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPCNT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_SYNCNT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_CONGESTION, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 0, -1, 0 },
    { AF_INET, IPPROTO_IP, IP_TOS, IPPROTO_IPV6, IPV6_TCLASS, 0 },
    { AF_INET, IPPROTO_IP, IP_TTL, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_TCLASS, IPPROTO_IP, IP_TOS, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, IPPROTO_IP, IP_TTL, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, -1, -1, 0 },
};
#define NOPTS (sizeof opts / sizeof opts[0])
_Static_assert(NOPTS <= SOCKOPT_MAX, "the snapshot holds every option");

static int applies(const struct opt *o, int family)
{
    return o->family == ANY || o->family == family;
}

/* (TCP_WINDOW_CLAMP is not carried: the kernel sets it itself at connect,
 * and the snapshot is taken after the app's own connect.) */

/* A fresh TCP socket's values, per family, read once. */
static struct {
    int ready;
    socklen_t len[NOPTS];
    char val[NOPTS][SOCKOPT_VAL];
} fresh[2];
static pthread_mutex_t fresh_lock = PTHREAD_MUTEX_INITIALIZER;

static void read_fresh(int family)
{
    int k = family == AF_INET6;
    if (__atomic_load_n(&fresh[k].ready, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&fresh_lock);
    if (!fresh[k].ready) {
        int s = real()->socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        for (unsigned i = 0; i < NOPTS; i++) {
            fresh[k].len[i] = SOCKOPT_VAL;
            if (s < 0 || !applies(&opts[i], family) ||
                real()->getsockopt(s, opts[i].level, opts[i].name, fresh[k].val[i], &fresh[k].len[i]) != 0)
                fresh[k].len[i] = 0;
        }
        if (s >= 0)
            real()->close(s);
        __atomic_store_n(&fresh[k].ready, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&fresh_lock);
}

_Static_assert(NOPTS <= 30, "a bit per option, below the fdtable's flags (FDT_OPT_BITS)");

unsigned sockopt_bits(int level, int name)
{
    if (level != SOL_SOCKET && level != IPPROTO_TCP && level != IPPROTO_IP && level != IPPROTO_IPV6)
        return 0;
    unsigned bits = 0;
    for (unsigned i = 0; i < NOPTS; i++)
        if (opts[i].name == name && opts[i].level == level)
            bits |= 1u << i;
    return bits;
}

void sockopt_snapshot(int fd, int family, unsigned which, struct sockopt_snap *s)
{
    int k = family == AF_INET6;
    read_fresh(family);
    s->n = 0;
    for (unsigned i = 0; i < NOPTS; i++) {
        if (!applies(&opts[i], family) || !(which & (1u << i)))
            continue;
        char v[SOCKOPT_VAL];
        socklen_t l = sizeof v;
        memset(v, 0, sizeof v);
        if (real()->getsockopt(fd, opts[i].level, opts[i].name, v, &l) != 0 || l > SOCKOPT_VAL)
            continue;
        if (l == fresh[k].len[i] && memcmp(v, fresh[k].val[i], l) == 0)
            continue;   /* the app left it as it comes */
        s->set[s->n].opt = (unsigned char)i;
        s->set[s->n].len = (unsigned char)l;
        memcpy(s->set[s->n].val, v, l);
        s->n++;
    }
}

/* Set option i (its value as read from a socket of from_family) on `to`. */
static void set_one(unsigned i, const char *val, socklen_t len, int from_family, int to, int to_family)
{
    const struct opt *o = &opts[i];
    int level = o->level, name = o->name;
    if (o->family != ANY && to_family != from_family) {
        if (o->other_name < 0)
            return;
        level = o->other_level;
        name = o->other_name;
    }
    char v[SOCKOPT_VAL];
    memcpy(v, val, len);
    if (o->level == SOL_SOCKET && o->name == SO_BINDTODEVICE)
        len = (socklen_t)strnlen(v, len < IFNAMSIZ ? len : IFNAMSIZ);
    if (o->doubled && len == sizeof(int)) {
        int x;
        memcpy(&x, v, sizeof x);
        x /= 2;   /* the kernel doubles what is set and reports the double */
        memcpy(v, &x, sizeof x);
    }
    real()->setsockopt(to, level, name, v, len);
}

void sockopt_apply(const struct sockopt_snap *s, int from_family, int to, int to_family)
{
    for (unsigned k = 0; k < s->n; k++)
        set_one(s->set[k].opt, s->set[k].val, s->set[k].len, from_family, to, to_family);
}

static int find(int family, int level, int name)
{
    for (unsigned i = 0; i < NOPTS; i++)
        if (applies(&opts[i], family) && opts[i].level == level && opts[i].name == name)
            return (int)i;
    return -1;
}

int sockopt_note(struct sockopt_snap *s, int from_family, int level, int name, const void *val,
                 socklen_t len)
{
    int i = find(from_family, level, name);
    if (i < 0 || len > SOCKOPT_VAL)
        return 0;
    unsigned k = 0;
    while (k < s->n && s->set[k].opt != i)
        k++;
    if (k == s->n) {
        if (s->n == SOCKOPT_MAX)
            return 0;
        s->n++;
    }
    s->set[k].opt = (unsigned char)i;
    s->set[k].len = (unsigned char)len;
    memcpy(s->set[k].val, val, len);
    /* Buffers: what is noted is what was set, not the kernel's double. */
    if (opts[i].doubled && len == sizeof(int)) {
        int x;
        memcpy(&x, s->set[k].val, sizeof x);
        x *= 2;
        memcpy(s->set[k].val, &x, sizeof x);
    }
    return 1;
}

void sockopt_apply_one(int level, int name, const void *val, socklen_t len, int from_family, int to,
                       int to_family)
{
    int i = find(from_family, level, name);
    if (i < 0 || len > SOCKOPT_VAL)
        return;
    char v[SOCKOPT_VAL];
    memcpy(v, val, len);
    if (opts[i].doubled && len == sizeof(int)) {
        int x;
        memcpy(&x, v, sizeof x);
        x *= 2;   /* set_one halves it again */
        memcpy(v, &x, sizeof x);
    }
    set_one((unsigned)i, v, len, from_family, to, to_family);
}

int sockopt_value(const struct sockopt_snap *s, int from_family, int level, int name, void *val,
                  socklen_t *len)
{
    int i = find(from_family, level, name);
    if (i < 0)
        return -1;
    const char *v = NULL;
    socklen_t l = 0;
    for (unsigned k = 0; k < s->n && !v; k++)
        if (s->set[k].opt == i) {
            v = s->set[k].val;
            l = s->set[k].len;
        }
    if (!v) {
        int f = from_family == AF_INET6;
        read_fresh(from_family);
        v = fresh[f].val[i];
        l = fresh[f].len[i];
    }
    if (l > *len)
        l = *len;
    memcpy(val, v, l);
    *len = l;
    return 0;
}

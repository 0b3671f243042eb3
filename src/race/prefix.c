/* prefix.c - owns the NAT64 prefix cache (prefix.h). One leaf lock guards
 * it; the lookup runs as a worker job (sys/worker.c), which asks libc for
 * ipv4only.arpa's AAAA and takes the first answer that holds a well-known
 * IPv4 address (core/nat64.c, RFC 7050 section 3).
 * Must never hold its lock while submitting or running the lookup. */
#include "race/prefix.h"
#include "core/lock.h"
#include "sys/clock.h"
#include "sys/real.h"
#include "sys/worker.h"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#define PREFIX_KEEP_MS (10u * 60u * 1000u)
#define PREFIX_NONE_MS (60u * 1000u)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
TLOCK_HELD(held);
TLOCK_HELD(took_for_fork);
static int looking;                 /* a lookup is in flight */
static int known;                   /* 1: the prefix below, 0: none */
static uint64_t until_ms;           /* the answer holds until then */
static struct nat64_prefix prefix = { .len = 0 };
static int never_looked = 1;

/* ipv4only.arpa's AAAA answers: the first prefix found, or -1. */
static int discover(struct nat64_prefix *p)
{
    struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM }, *res = NULL;
    if (real()->getaddrinfo("ipv4only.arpa", NULL, &hints, &res) != 0)
        return -1;
    int rc = -1;
    for (const struct addrinfo *ai = res; ai && rc != 0; ai = ai->ai_next)
        if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(struct sockaddr_in6))
            rc = nat64_from_wka(((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr.s6_addr, p);
    freeaddrinfo(res);
    return rc;
}

static void lookup_job(void *unused)
{
    (void)unused;
    struct nat64_prefix p;
    int rc = discover(&p);
    uint64_t now = tryall_now_ms();
    tlock_take(&lock, &held);
    looking = 0;
    known = rc == 0;
    if (known)
        prefix = p;
    until_ms = now + (known ? PREFIX_KEEP_MS : PREFIX_NONE_MS);
    tlock_drop(&lock, &held);
}

/* Lock held: the state now, without starting anything. */
static enum prefix_state state(uint64_t now_ms)
{
    if (looking)
        return PREFIX_LOOKING;
    if (never_looked || now_ms >= until_ms)
        return PREFIX_LOOKING;   /* stale: to be looked up */
    return known ? PREFIX_KNOWN : PREFIX_NONE;
}

enum prefix_state prefix_peek(uint64_t now_ms)
{
    if (tlock_take(&lock, &held) != 0)
        return PREFIX_NONE;
    enum prefix_state s = state(now_ms);
    tlock_drop(&lock, &held);
    return s;
}

enum prefix_state prefix_get(struct nat64_prefix *p, uint64_t now_ms)
{
    if (tlock_take(&lock, &held) != 0)
        return PREFIX_NONE;   /* a handler re-entered us: no NAT64 for it */
    enum prefix_state s = state(now_ms);
    int start = s == PREFIX_LOOKING && !looking;
    if (s == PREFIX_KNOWN)
        *p = prefix;
    if (start)
        looking = 1, never_looked = 0;
    tlock_drop(&lock, &held);
    if (start) {
        struct worker_job j = { lookup_job, NULL };
        if (worker_submit(&j, 1, 0) != 0) {
            tlock_take(&lock, &held);
            looking = 0;
            known = 0;
            until_ms = now_ms + PREFIX_NONE_MS;
            tlock_drop(&lock, &held);
            return PREFIX_NONE;
        }
    }
    return s;
}

void prefix_forget(void)
{
    if (tlock_take(&lock, &held) != 0)
        return;
    until_ms = 0;
    tlock_drop(&lock, &held);
}

void prefix_fork(int phase)
{
    tlock_fork(&lock, &held, &took_for_fork, phase);
    if (phase == TLOCK_FORK_CHILD && looking) {
        looking = 0;   /* its thread is not in the child */
        until_ms = 0;
    }
}

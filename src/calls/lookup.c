/* lookup.c - owns the lookups libtryall makes itself (lookup.h).
 * Completion: one job asks libc for the family a one-family answer lacked;
 * its answer (or its failure: nothing) goes to the book as final.
 * Resolution delay: a job asks libc for AF_UNSPEC (the answer the app would
 * get); when that takes longer than LOOKUP_SPLIT_MS, two more ask for
 * AF_INET and AF_INET6. The app's thread waits: the AF_UNSPEC answer,
 * whenever it comes first, is returned as it is; when one family's answer
 * is in and nothing else came within the resolution delay, that family's
 * answer (libc's own, in libc's order) is returned and the rest, when it
 * comes, goes to the book as a late answer.
 * Must never change an answer libc gave (only choose which to return),
 * never leave the app waiting on a job that has not started. */
#include "calls/calls.h"
#include "calls/lookup.h"
#include "core/book.h"
#include "core/config.h"
#include "sys/clock.h"
#include "sys/real.h"
#include "sys/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An answer for name that came in the background: into the book. (No log
 * line here: a worker has no descriptor of the app's, the log's included;
 * the race that takes the addresses in says where they came from.) */
static void to_book(const char *name, int rc, const struct addrinfo *res, int origin, int final)
{
    struct tryall_addr a[ADDR_ANSWER_MAX];
    unsigned n = rc == 0 ? addr_from_answer(res, a) : 0;
    book_merge(name, a, n, origin, final, tryall_now_ms());
}

/* ---- completion ------------------------------------------------------------ */

struct completion {
    int family;
    char name[BOOK_NAME_MAX];
};

static void complete_job(void *arg)
{
    struct completion *c = arg;
    struct addrinfo hints = { .ai_family = c->family, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = real()->getaddrinfo(c->name, NULL, &hints, &res);
    to_book(c->name, rc, res, ADDR_FROM_COMPLETION, 1);
    if (rc == 0)
        freeaddrinfo(res);
    free(c);
}

void lookup_complete(const char *name, int family)
{
    struct completion *c = strlen(name) < BOOK_NAME_MAX ? malloc(sizeof *c) : NULL;
    if (!c) {
        book_merge(name, NULL, 0, ADDR_FROM_COMPLETION, 1, tryall_now_ms());
        return;
    }
    c->family = family;
    strncpy(c->name, name, sizeof c->name - 1);
    c->name[sizeof c->name - 1] = '\0';
    struct worker_job j = { complete_job, c };
    if (worker_submit(&j, 1, 0) != 0) {
        free(c);
        book_merge(name, NULL, 0, ADDR_FROM_COMPLETION, 1, tryall_now_ms());
    }
}

/* ---- resolution delay ------------------------------------------------------ */

enum { G_ALL, G_V4, G_V6, G_N };

/* How long the AF_UNSPEC lookup runs alone before the per-family ones join. */
#define LOOKUP_SPLIT_MS 5

struct gather;
struct gjob {
    struct gather *g;
    int which;
};

struct gather {
    pthread_cond_t cv;
    int refs;
    int answered;                  /* the app has its answer: the rest is late */
    int done[G_N], rc[G_N], err[G_N];   /* err: errno after the call (EAI_SYSTEM) */
    struct addrinfo *res[G_N];
    uint64_t split_at_ms;          /* AF_UNSPEC not in by then: ask per family too */
    uint64_t asked_ms;             /* when AF_UNSPEC was asked */
    int app_errno;                 /* the app's errno on entry: the jobs' too */
    uint64_t lag_ms;               /* how long after it the families were */
    int split;                     /* 0 not yet, 1 family jobs asked, -1 could not */
    uint64_t first_ok_ms;          /* a family's addresses came (0: not yet) */
    uint64_t families_done_ms;     /* both family jobs ended (0: not yet) */
    struct gjob jobs[G_N];
    struct addrinfo hints;
    char *node, *service;
};

/* One leaf lock for every gather (its fields, its reference count); never
 * held while taking another of our locks or while a lookup runs. */
static pthread_mutex_t gather_lock = PTHREAD_MUTEX_INITIALIZER;

/* More than one CPU (else a job could not run while the app's thread
 * spins for its answer): learnt at load time, before any thread. */
static int spin_ok;

/* Does this thread hold gather_lock (or wait on a gather's cv with it)? */
static __thread int gather_mine __attribute__((tls_model("initial-exec")));
static __thread int gather_took_for_fork __attribute__((tls_model("initial-exec")));

static void gather_take(void)
{
    pthread_mutex_lock(&gather_lock);
    gather_mine = 1;
}

static void gather_drop(void)
{
    gather_mine = 0;
    pthread_mutex_unlock(&gather_lock);
}

/* fork(): taken before, so that the child never inherits it held by a
 * thread that is not there (the lock starts anew in the child) - but not
 * by a thread that holds it already (a signal handler's fork: waiting for
 * itself would never end). */
static void gather_prepare(void)
{
    gather_took_for_fork = !gather_mine;
    if (gather_took_for_fork)
        pthread_mutex_lock(&gather_lock);
}

static void gather_parent(void)
{
    if (gather_took_for_fork)
        pthread_mutex_unlock(&gather_lock);
}

static void gather_child(void)
{
    pthread_mutex_init(&gather_lock, NULL);
}

__attribute__((constructor)) static void gather_init(void)
{
    pthread_atfork(gather_prepare, gather_parent, gather_child);
    spin_ok = sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/* Drop one reference (the last one out, and only it, destroys g). */
static void unref(struct gather *g)
{
    gather_take();
    int last = --g->refs == 0;
    gather_drop();
    if (!last)
        return;
    for (int i = 0; i < G_N; i++)
        if (g->res[i])
            freeaddrinfo(g->res[i]);
    pthread_cond_destroy(&g->cv);
    free(g->node);
    free(g->service);
    free(g);
}

static void gather_job(void *arg)
{
    struct gjob *j = arg;
    struct gather *g = j->g;
    struct addrinfo hints = g->hints;
    hints.ai_family = j->which == G_V4 ? AF_INET : j->which == G_V6 ? AF_INET6 : AF_UNSPEC;
    struct addrinfo *res = NULL;
    errno = g->app_errno;   /* libc leaves it as it was, unless it fails */
    int rc = real()->getaddrinfo(g->node, g->service, &hints, &res);
    int err = errno;
    gather_take();
    if (g->answered) {
        /* Late: the app has its answer; what this one knows goes to the
         * book (AF_UNSPEC's is the last word), and the race for the name. */
        gather_drop();
        if (rc == 0 || j->which == G_ALL)
            to_book(g->node, rc, res, ADDR_FROM_LATE, j->which == G_ALL);
        if (rc == 0)
            freeaddrinfo(res);
    } else {
        uint64_t now = tryall_now_ms();
        g->rc[j->which] = rc;
        g->err[j->which] = err;
        g->res[j->which] = rc == 0 ? res : NULL;
        g->done[j->which] = 1;
        if (rc == 0 && j->which != G_ALL && !g->first_ok_ms)
            g->first_ok_ms = now;
        if (g->done[G_V4] && g->done[G_V6] && !g->families_done_ms)
            g->families_done_ms = now;
        pthread_cond_signal(&g->cv);
        gather_drop();
    }
    unref(g);
}

/* The families' answers, IPv6 first (as RFC 6724 usually ranks them), the
 * two libc lists chained: freeaddrinfo frees node by node. */
static struct addrinfo *families(struct gather *g)
{
    struct addrinfo *v6 = g->res[G_V6], *v4 = g->res[G_V4];
    g->res[G_V6] = g->res[G_V4] = NULL;
    if (!v6)
        return v4;
    struct addrinfo *t = v6;
    while (t->ai_next)
        t = t->ai_next;
    t->ai_next = v4;
    return v6;
}

/* Lock held: when to stop waiting for AF_UNSPEC's answer and give the
 * families' (ms; 0 = no such time yet: wait for news). The resolution
 * delay counts from the app's own query's answer: the family queries went
 * out lag_ms after it, to the same servers, so their answers came about
 * lag_ms after its own (never before the families' answer itself). */
static uint64_t give_up_at(const struct gather *g, unsigned delay)
{
    return lookup_give_up_at(g->first_ok_ms, g->families_done_ms, g->lag_ms, delay);
}

uint64_t lookup_give_up_at(uint64_t first_ok_ms, uint64_t families_done_ms, uint64_t lag_ms,
                           unsigned delay)
{
    if (!first_ok_ms)
        return 0;
    uint64_t in = families_done_ms ? families_done_ms : first_ok_ms;
    return lag_ms < delay ? in + delay - lag_ms : in;
}

/* Lock held (let go while the jobs are handed over: the worker queue's lock
 * is never taken under this one, so that fork's handlers, which take both,
 * cannot meet a thread holding them the other way round): AF_UNSPEC is
 * slow; ask for each family on its own too. */
static void split(struct gather *g)
{
    struct worker_job jobs[2] = { { gather_job, &g->jobs[G_V4] }, { gather_job, &g->jobs[G_V6] } };
    g->refs += 2;
    g->split = 1;   /* asked: no second split */
    g->lag_ms = tryall_now_ms() - g->asked_ms;
    gather_drop();
    int ok = worker_submit(jobs, 2, 1) == 0;
    gather_take();
    if (!ok) {
        g->refs -= 2;   /* the app's and AF_UNSPEC's stay: never 0 */
        g->split = -1;
    }
}


/* Most answers (/etc/hosts, a local cache) come within microseconds: the
 * app's thread looks for AF_UNSPEC's for up to LOOKUP_SPIN_US before it
 * sleeps, and so is not put to sleep and woken again (a wake-up on another
 * CPU costs tens of microseconds on a virtual machine). */
#define LOOKUP_SPIN_US 100

static void spin(struct gather *g)
{
    if (!spin_ok)
        return;
    uint64_t until = tryall_now_us() + LOOKUP_SPIN_US;
    for (;;) {
        gather_take();   /* a look under the lock: tens of ns, uncontended */
        int done = g->done[G_ALL];
        gather_drop();
        if (done || tryall_now_us() >= until)
            return;
        for (int i = 0; i < 64; i++)
            tryall_relax();
    }
}

/* pthread_cancel while the app waits: the jobs finish on their own. */
static void abandon(void *arg)
{
    struct gather *g = arg;
    g->answered = 1;
    gather_drop();
    unref(g);
}

/* The app's thread waits for its answer (lock held on entry and exit).
 * Returns 1 for an early answer (the families'), 0 for AF_UNSPEC's. */
static int await(struct gather *g, unsigned delay, struct addrinfo **res, int *rc)
{
    volatile int early = 0;   /* set between the cleanup push and pop */
    pthread_cleanup_push(abandon, g);
    for (;;) {
        if (g->done[G_ALL]) {
            *rc = g->rc[G_ALL];
            *res = g->res[G_ALL];
            errno = g->err[G_ALL];
            g->res[G_ALL] = NULL;
            break;
        }
        uint64_t now = tryall_now_ms();
        if (!g->split && now >= g->split_at_ms) {
            split(g);   /* lets the lock go: whatever came meanwhile, look again */
            continue;
        }
        uint64_t at = g->split ? give_up_at(g, delay) : g->split_at_ms;
        if (at && now >= at && g->split == 1) {
            *res = families(g);
            *rc = 0;
            early = 1;
            break;
        }
        if (!at) {
            pthread_cond_wait(&g->cv, &gather_lock);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (at - now) * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        pthread_cond_timedwait(&g->cv, &gather_lock, &ts);
    }
    g->answered = 1;
    pthread_cleanup_pop(0);
    return early;
}

static struct gather *gather_new(const char *node, const char *service,
                                 const struct addrinfo *hints)
{
    struct gather *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->node = strdup(node);
    g->service = service ? strdup(service) : NULL;
    if (!g->node || (service && !g->service)) {
        free(g->node);
        free(g->service);
        free(g);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (hints)
        g->hints = *hints;
    g->hints.ai_addr = NULL;
    g->hints.ai_canonname = NULL;
    g->hints.ai_next = NULL;
    g->refs = 2;   /* the app's and the AF_UNSPEC job's */
    for (int i = 0; i < G_N; i++)
        g->jobs[i] = (struct gjob){ g, i };
    return g;
}

int lookup_unspec(const char *node, const char *service, const struct addrinfo *hints,
                  struct addrinfo **res, int *rc)
{
    int saved = errno;
    struct gather *g = gather_new(node, service, hints);
    if (!g) {
        errno = saved;
        return -1;
    }
    g->app_errno = saved;
    /* AF_UNSPEC first, alone: most answers come within LOOKUP_SPLIT_MS and
     * cost one hand-over; only a slower one is asked per family too. */
    struct worker_job job = { gather_job, &g->jobs[G_ALL] };
    unsigned delay = tryall_config()->resolve_delay_ms;
    if (worker_submit(&job, 1, 1) != 0) {
        g->refs = 1;
        unref(g);
        errno = saved;
        return -1;
    }
    /* From the hand-over on (the first one of a process makes a thread:
     * that is not the query's time); only this thread reads these two. */
    g->asked_ms = tryall_now_ms();
    g->split_at_ms = g->asked_ms + (delay < LOOKUP_SPLIT_MS ? delay : LOOKUP_SPLIT_MS);
    spin(g);
    gather_take();
    int early = await(g, delay, res, rc);
    int e = early ? saved : errno;   /* libc's errno with libc's answer */
    gather_drop();
    if (*rc == 0 && *res)
        resolve_note_answer(node, *res, early);
    unref(g);
    errno = e;
    return 0;
}

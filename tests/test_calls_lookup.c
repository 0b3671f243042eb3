/* test_calls_lookup.c - unit tests for the resolution delay of an AF_UNSPEC
 * getaddrinfo (src/calls/lookup.c), without sockets or a DNS server: the
 * test plays libc's resolver (the real-symbol table's getaddrinfo, each
 * family held back or answered as a test says) and the worker pool
 * (worker_submit: a thread per job, or the split's jobs run while the
 * lookup has let its lock go).
 * Owns: an AF_UNSPEC answer in time is returned as libc gave it, with no
 * per-family lookup; one that comes while the per-family jobs are being
 * handed over still wakes the app (the lost wake-up CI's TSan run hung on);
 * a late AF_UNSPEC gives way to the first family's answer after the
 * resolution delay, counted from when the app's own query's answer came
 * (lookup_give_up_at, by numbers); errno as libc leaves it; no free
 * thread: -1, the caller asks libc itself. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "calls/lookup.h"
#include "sys/clock.h"
#include "sys/real.h"
#include "sys/worker.h"

/* ---- libc's resolver, played ---------------------------------------------- */

enum { F_ALL, F_V4, F_V6, F_N };

static struct family_script {
    const char *answer;   /* a literal; NULL: EAI_NONAME */
    int hold;             /* wait for `go` before answering */
    int after_ms;         /* answer that much later */
    sem_t go;
} script[F_N];

static int (*libc_getaddrinfo)(const char *, const char *, const struct addrinfo *,
                               struct addrinfo **);
static int asked[F_N];

static int which(const struct addrinfo *hints)
{
    return hints->ai_family == AF_INET ? F_V4 : hints->ai_family == AF_INET6 ? F_V6 : F_ALL;
}

/* A list of the literals in s (space-separated), in that order. */
static struct addrinfo *answer_of(const char *s)
{
    struct addrinfo *head = NULL, **tail = &head;
    char buf[128];
    strncpy(buf, s, sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        struct addrinfo h = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM }, *r;
        assert_int_equal(libc_getaddrinfo(w, "80", &h, &r), 0);
        *tail = r;
        tail = &r->ai_next;
    }
    return head;
}

static int scripted_getaddrinfo(const char *node, const char *service,
                                const struct addrinfo *hints, struct addrinfo **res)
{
    (void)node, (void)service;
    struct family_script *f = &script[which(hints)];
    __atomic_add_fetch(&asked[which(hints)], 1, __ATOMIC_SEQ_CST);
    if (f->hold)
        sem_wait(&f->go);
    if (f->after_ms)
        nanosleep(&(struct timespec){ 0, f->after_ms * 1000000L }, NULL);
    if (!f->answer)
        return EAI_NONAME;
    *res = answer_of(f->answer);
    return 0;
}

/* sem_wait, failing the test after 5 s (a job that never ends). */
static void wait5(sem_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    assert_int_equal(sem_timedwait(s, &ts), 0);
}

/* ---- the worker pool, played ----------------------------------------------- */

static int inline_split;   /* run the split's jobs while lookup_unspec has let go */
static int inline_first;   /* run AF_UNSPEC's job before worker_submit returns */
static int refuse;         /* worker_submit fails */
static sem_t job_ended;    /* one post per job run */

static void *job_thread(void *arg)
{
    struct worker_job j = *(struct worker_job *)arg;
    free(arg);
    j.fn(j.arg);
    sem_post(&job_ended);
    return NULL;
}

int worker_submit(const struct worker_job *jobs, unsigned n, int now)
{
    (void)now;
    if (refuse)
        return -1;
    if (n == 1 && inline_first) {   /* an answer as quick as can be */
        jobs[0].fn(jobs[0].arg);
        sem_post(&job_ended);
        return 0;
    }
    if (n == 2 && inline_split) {
        /* AF_UNSPEC's answer lands now, with the gathers' lock free... */
        sem_post(&script[F_ALL].go);
        wait5(&job_ended);
        /* ...and the families' fail, all before the app looks again */
        for (unsigned i = 0; i < n; i++)
            jobs[i].fn(jobs[i].arg);
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        struct worker_job *copy = malloc(sizeof *copy);
        pthread_t t;
        *copy = jobs[i];
        assert_int_equal(pthread_create(&t, NULL, job_thread, copy), 0);
        pthread_detach(t);
    }
    return 0;
}

void worker_fork(int phase)
{
    (void)phase;
}

/* The book's side of an answer (calls/resolve.c): counted only. */
static int noted, noted_early;

void resolve_note_answer(const char *node, const struct addrinfo *res, int early)
{
    (void)node, (void)res;
    noted++;
    noted_early += early;
}

/* ---- the app's call ---------------------------------------------------------- */

static int errno_in;   /* the app's errno when it calls */

struct call {
    int ret, rc, errno_out;
    struct addrinfo *res;
    uint64_t took_ms;
};

static void *app_thread(void *arg)
{
    struct call *c = arg;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    uint64_t t0 = tryall_now_ms();
    errno = errno_in;
    c->ret = lookup_unspec("name.test", "80", &hints, &c->res, &c->rc);
    c->errno_out = errno;
    c->took_ms = tryall_now_ms() - t0;
    return NULL;
}

/* lookup_unspec on a thread of its own; fails the test if it has not
 * returned within 5 s (a lost wake-up would wait forever). */
static void call_app(struct call *c)
{
    pthread_t t;
    memset(c, 0, sizeof *c);
    assert_int_equal(pthread_create(&t, NULL, app_thread, c), 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    assert_int_equal(pthread_timedjoin_np(t, NULL, &ts), 0);
}

/* The answer's addresses, as text, space-separated. */
static void text_of(const struct addrinfo *res, char *out, size_t len)
{
    out[0] = '\0';
    for (; res; res = res->ai_next) {
        char a[INET6_ADDRSTRLEN];
        const void *p = res->ai_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
        inet_ntop(res->ai_family, p, a, sizeof a);
        snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "", a);
    }
}

/* The app's call answered, with these addresses (text_of's form). */
static void assert_answer(const struct call *c, const char *want)
{
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->rc, 0);
    char got[256];
    text_of(c->res, got, sizeof got);
    assert_string_equal(got, want);
}

/* Let every held family answer, and wait for the n jobs started. */
static void drain(int n)
{
    for (int i = 0; i < F_N; i++)
        if (script[i].hold)
            sem_post(&script[i].go);
    for (int i = 0; i < n; i++)
        wait5(&job_ended);
}

static int setup(void **state)
{
    (void)state;
    real_bind();
    if (!libc_getaddrinfo)
        libc_getaddrinfo = tryall_real.getaddrinfo;
    tryall_real.getaddrinfo = scripted_getaddrinfo;
    memset(script, 0, sizeof script);
    for (int i = 0; i < F_N; i++)
        sem_init(&script[i].go, 0, 0);
    sem_init(&job_ended, 0, 0);
    memset(asked, 0, sizeof asked);
    inline_split = inline_first = refuse = noted = noted_early = errno_in = 0;
    return 0;
}

/* ---- tests ----------------------------------------------------------------------- */

static void in_time_unchanged(void **state)
{
    (void)state;
    script[F_ALL].answer = "2001:db8::1 192.0.2.1";
    inline_first = 1;
    struct call c;
    call_app(&c);
    assert_answer(&c, "2001:db8::1 192.0.2.1");
    freeaddrinfo(c.res);
    drain(1);
    /* answered within the split time: no per-family lookup */
    assert_int_equal(asked[F_V4] + asked[F_V6], 0);
    assert_int_equal(noted, 1);
    assert_int_equal(noted_early, 0);
}

static void answer_during_split_wakes_app(void **state)
{
    (void)state;
    script[F_ALL].answer = "192.0.2.7";
    script[F_ALL].hold = 1;
    inline_split = 1;   /* both families fail (no answer): nothing else wakes the app */
    struct call c;
    call_app(&c);
    assert_answer(&c, "192.0.2.7");
    freeaddrinfo(c.res);
    assert_int_equal(asked[F_V4], 1);
    assert_int_equal(asked[F_V6], 1);
    assert_int_equal(noted_early, 0);
}

static void late_unspec_gives_way(void **state)
{
    (void)state;
    script[F_ALL].answer = "2001:db8::1 192.0.2.1";
    script[F_ALL].hold = 1;    /* AF_UNSPEC waits for the AAAA answer... */
    script[F_V6].answer = "2001:db8::1";
    script[F_V6].hold = 1;     /* ...which never comes in time */
    script[F_V4].answer = "192.0.2.1";
    struct call c;
    call_app(&c);
    assert_answer(&c, "192.0.2.1");
    /* not before the resolution delay (50 ms by default) after the A answer
     * (how soon after it: bench part 6, not a timed test) */
    assert_in_range(c.took_ms, 50, 2000);
    assert_int_equal(noted_early, 1);
    freeaddrinfo(c.res);
    drain(3);
}

/* The delay counts from the app's own query's answer, which came about as
 * long after it was asked as the family's after the split: a slow family
 * answer (30 ms) moves the give-up time with it. */
static void delay_counts_from_the_answer(void **state)
{
    (void)state;
    script[F_ALL].hold = 1;
    script[F_V6].hold = 1;
    script[F_V4].answer = "192.0.2.1";
    script[F_V4].after_ms = 30;
    struct call c;
    call_app(&c);
    assert_int_equal(c.rc, 0);
    assert_non_null(c.res);
    /* split (5 ms) + 30 ms, then 50 ms less the split's lag */
    assert_in_range(c.took_ms, 30 + 50, 2000);
    freeaddrinfo(c.res);
    drain(3);
}

/* libc's getaddrinfo leaves errno alone when it succeeds: so does the
 * answer made on another thread (whose errno is its own). */
static void errno_as_libc(void **state)
{
    (void)state;
    script[F_ALL].answer = "192.0.2.1";
    struct call c;
    errno_in = 1234;
    call_app(&c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.errno_out, 1234);
    freeaddrinfo(c.res);
    drain(1);
}

/* The give-up time, by numbers: the delay after the families' first
 * answer (after both when both are in), less the lag of their queries. */
static void give_up_time(void **state)
{
    (void)state;
    assert_int_equal(lookup_give_up_at(0, 0, 5, 50), 0);            /* nothing in: wait */
    assert_int_equal(lookup_give_up_at(1000, 0, 0, 50), 1050);
    assert_int_equal(lookup_give_up_at(1000, 0, 5, 50), 1045);      /* asked 5 ms late */
    assert_int_equal(lookup_give_up_at(1000, 1020, 5, 50), 1065);   /* both families in */
    assert_int_equal(lookup_give_up_at(1000, 0, 60, 50), 1000);     /* never before the answer */
    assert_int_equal(lookup_give_up_at(1000, 0, 50, 50), 1000);
    assert_int_equal(lookup_give_up_at(1000, 0, 3, 2), 1000);       /* delay under the lag */
}

static void no_thread_no_answer(void **state)
{
    (void)state;
    refuse = 1;
    struct call c;
    call_app(&c);
    assert_int_equal(c.ret, -1);
    assert_int_equal(asked[F_ALL] + asked[F_V4] + asked[F_V6], 0);
    assert_int_equal(noted, 0);
}

int main(void)
{
    unsetenv("TRYALL_RESOLVE_DELAY_MS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(in_time_unchanged, setup),
        cmocka_unit_test_setup(answer_during_split_wakes_app, setup),
        cmocka_unit_test_setup(late_unspec_gives_way, setup),
        cmocka_unit_test_setup(delay_counts_from_the_answer, setup),
        cmocka_unit_test_setup(errno_as_libc, setup),
        cmocka_unit_test(give_up_time),
        cmocka_unit_test_setup(no_thread_no_answer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

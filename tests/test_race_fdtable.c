/* test_race_fdtable.c - unit tests for race/fdtable.c: the descriptor slots
 * and the one lock. Covers: fdt_lock refused (-1) on the thread that holds
 * it, without letting go, and fdt_held per thread; another thread waits
 * for it instead; fdt_put/fdt_get/fdt_take with fdt_count and the lock-free
 * fdt_active/fdt_peek (a replaced slot counts once, a second take is
 * nothing); descriptors out of range are refused and never peeked; slots
 * in two chunks and fdt_each; fdt_peek_any for a race or a registration;
 * fdt_link/fdt_unlink and fdt_races; deferred closes taken up by the
 * holder at fdt_unlock, under the lock, via fdt_on_deferred_close; and
 * that -DTRYALL_CHECKS aborts a function that needs the lock without it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct race ra, rb;   /* never dereferenced by the table */

static int setup(void **state)
{
    (void)state;
    fake_install();
    return fdt_held() ? -1 : 0;
}

/* Every number a test here puts a race on. */
static const int used[] = { 3, 5, 6, 8, FDT_CHUNK + 2, FDT_MAX - 1 };

static int teardown(void **state)
{
    (void)state;
    int held = fdt_held();
    if (held)
        fdt_unlock();
    fdt_lock();   /* what a failed test left behind must not fail the next */
    for (unsigned k = 0; k < sizeof used / sizeof used[0]; k++)
        fdt_take(used[k]);
    fdt_races = NULL;
    fdt_unlock();
    assert_false(held);
    assert_int_equal(fdt_active(), 0);
    return 0;
}

/* ---- the lock --------------------------------------------------------------------- */

static void test_lock_refused_on_reentry(void **state)
{
    (void)state;
    assert_false(fdt_held());
    assert_int_equal(fdt_lock(), 0);
    assert_true(fdt_held());
    assert_int_equal(fdt_lock(), -1);              /* a handler re-entering */
    assert_true(fdt_held());                       /* the refusal let nothing go */
    fdt_unlock();
    assert_false(fdt_held());
    assert_int_equal(fdt_lock(), 0);
    fdt_unlock();
}

static int other_got;

static void *other_thread(void *arg)
{
    (void)arg;
    int held_before = fdt_held();
    int rc = fdt_lock();
    __atomic_store_n(&other_got, rc == 0 && !held_before ? 1 : -1, __ATOMIC_RELEASE);
    if (rc == 0)
        fdt_unlock();
    return NULL;
}

static void test_other_thread_waits_not_refused(void **state)
{
    (void)state;
    pthread_t t;
    other_got = 0;
    assert_int_equal(fdt_lock(), 0);
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
    assert_int_equal(__atomic_load_n(&other_got, __ATOMIC_ACQUIRE), 0);   /* waiting */
    fdt_unlock();
    pthread_join(t, NULL);
    assert_int_equal(other_got, 1);
}

/* ---- slots -------------------------------------------------------------------------- */

static void test_put_get_take_and_counts(void **state)
{
    (void)state;
    assert_int_equal(fdt_lock(), 0);
    assert_int_equal(fdt_active(), 0);
    assert_int_equal(fdt_put(5, &ra), 0);
    assert_ptr_equal(fdt_get(5), &ra);
    assert_int_equal(fdt_count, 1);
    assert_int_equal(fdt_put(5, &rb), 0);          /* replaced: still one */
    assert_int_equal(fdt_count, 1);
    assert_int_equal(fdt_put(6, &ra), 0);
    assert_int_equal(fdt_active(), 2);
    fdt_unlock();
    assert_true(fdt_peek(5));                      /* lock-free */
    assert_true(fdt_peek(6));
    assert_false(fdt_peek(7));
    assert_int_equal(fdt_lock(), 0);
    assert_ptr_equal(fdt_take(5), &rb);
    assert_null(fdt_get(5));
    assert_null(fdt_take(5));                      /* nothing to take twice */
    assert_int_equal(fdt_count, 1);
    assert_ptr_equal(fdt_take(6), &ra);
    fdt_unlock();
    assert_false(fdt_peek(5));
    assert_int_equal(fdt_active(), 0);
}

static void test_out_of_range_refused(void **state)
{
    (void)state;
    assert_int_equal(fdt_lock(), 0);
    assert_int_equal(fdt_put(-1, &ra), -1);
    assert_int_equal(fdt_put(FDT_MAX, &ra), -1);
    assert_null(fdt_get(-1));
    assert_null(fdt_get(FDT_MAX));
    assert_null(fdt_take(FDT_MAX));
    assert_null(fdt_slot(FDT_MAX, 1));
    assert_int_equal(fdt_count, 0);
    assert_int_equal(fdt_put(FDT_MAX - 1, &ra), 0);   /* the last one is in range */
    fdt_unlock();
    assert_true(fdt_peek(FDT_MAX - 1));
    assert_false(fdt_peek(-1));
    assert_false(fdt_peek(FDT_MAX));
    assert_false(fdt_peek_any(-1));
    assert_false(fdt_peek_any(FDT_MAX));
    assert_false(fdt_peek_epoll(-1));
    assert_false(fdt_peek_epoll(FDT_MAX));
    assert_int_equal(fdt_lock(), 0);
    assert_ptr_equal(fdt_take(FDT_MAX - 1), &ra);
    fdt_unlock();
}

struct seen { int fds[4]; unsigned n; };

static void note_race(int fd, struct fdslot *s, void *arg)
{
    struct seen *v = arg;
    if (s->race && v->n < 4)
        v->fds[v->n++] = fd;
}

static void test_each_walks_every_chunk(void **state)
{
    (void)state;
    struct seen v = { { 0 }, 0 };
    assert_int_equal(fdt_lock(), 0);
    fdt_put(3, &ra);
    fdt_put(FDT_CHUNK + 2, &rb);                   /* the next chunk */
    fdt_each(note_race, &v);
    fdt_take(3);
    fdt_take(FDT_CHUNK + 2);
    fdt_unlock();
    assert_int_equal(v.n, 2);
    assert_int_equal(v.fds[0], 3);
    assert_int_equal(v.fds[1], FDT_CHUNK + 2);
}

static void test_peek_any_sees_a_race_or_a_registration(void **state)
{
    (void)state;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
    assert_false(fdt_peek_any(8));
    assert_int_equal(fdt_lock(), 0);
    fdt_put(8, &ra);
    assert_true(fdt_peek_any(8));
    fdt_take(8);
    assert_false(fdt_peek_any(8));
    assert_false(fdt_peek_any(9));
    epset_record(9, EPOLL_CTL_ADD, 8, &ev);        /* 8 registered in set 9 */
    assert_true(fdt_peek_any(8));
    assert_true(fdt_peek_any(9));
    assert_false(fdt_peek(8));                     /* no race, though */
    assert_false(fdt_peek_epoll(9));               /* nothing racing in 9 */
    epset_forget_fd(8);
    assert_false(fdt_peek_any(8));
    assert_false(fdt_peek_any(9));
    fdt_unlock();
}

static void test_link_and_unlink(void **state)
{
    (void)state;
    assert_int_equal(fdt_lock(), 0);
    assert_null(fdt_races);
    fdt_link(&ra);
    fdt_link(&rb);
    assert_ptr_equal(fdt_races, &rb);              /* newest first */
    assert_ptr_equal(rb.next_active, &ra);
    fdt_unlink(&ra);
    assert_ptr_equal(fdt_races, &rb);
    assert_null(rb.next_active);
    fdt_unlink(&ra);                               /* not linked: nothing */
    fdt_unlink(&rb);
    assert_null(fdt_races);
    fdt_unlock();
}

/* ---- deferred closes ----------------------------------------------------------------- */

static int closed[4];
static unsigned nclosed, closed_unlocked;

static void on_close(int fd)
{
    if (!fdt_held())
        closed_unlocked++;
    if (nclosed < 4)
        closed[nclosed++] = fd;
}

static void test_deferred_close_at_unlock(void **state)
{
    (void)state;
    nclosed = closed_unlocked = 0;
    fdt_on_deferred_close(on_close);
    assert_int_equal(fdt_lock(), 0);
    assert_int_equal(fdt_lock(), -1);              /* the handler is refused ... */
    fdt_defer_close(7);                            /* ... and leaves its closes */
    fdt_defer_close(9);
    assert_int_equal(nclosed, 0);
    fdt_unlock();
    fdt_on_deferred_close(NULL);
    assert_int_equal(nclosed, 2);
    assert_int_equal(closed_unlocked, 0);          /* taken up under the lock */
    assert_true((closed[0] == 7 && closed[1] == 9) || (closed[0] == 9 && closed[1] == 7));
    assert_false(fdt_held());
    assert_int_equal(fdt_lock(), 0);               /* none is taken up twice */
    fdt_unlock();
    assert_int_equal(nclosed, 2);
}

/* ---- the locking rule is checked --------------------------------------------------------- */

/* Run fn in a child (stderr quiet); its wait status. */
static int in_child(void (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
        fn();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

static void get_unlocked(void) { fdt_get(3); }
static void advance_unlocked(void) { race_advance(&ra, T0); }
static void get_locked(void)
{
    if (fdt_lock() == 0) {
        fdt_get(3);
        fdt_unlock();
    }
}

static void test_lock_rule_breach_aborts(void **state)
{
    (void)state;
    int st = in_child(get_unlocked);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = in_child(advance_unlocked);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = in_child(get_locked);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    kit_init();
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_lock_refused_on_reentry),
        T(test_other_thread_waits_not_refused),
        T(test_put_get_take_and_counts),
        T(test_out_of_range_refused),
        T(test_each_walks_every_chunk),
        T(test_peek_any_sees_a_race_or_a_registration),
        T(test_link_and_unlink),
        T(test_deferred_close_at_unlock),
        T(test_lock_rule_breach_aborts),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

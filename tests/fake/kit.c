/* kit.c - owns what every race-floor test does around its assertions
 * (fake.h): addresses and lists, the app's socket and its race made the way
 * calls/connect.c makes them, the app's epoll registrations, and a clean
 * slate after each test with the checks that hold after any test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake/fake.h"
#include "core/config.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/sockopt.h"
#include "sys/real.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

unsigned kit_fresh_sockets, kit_fresh_left_open;

unsigned kit_delay(void)
{
    return tryall_config()->delay_ms;
}

int kit_socket(int family, int flags)
{
    return real()->socket(family, SOCK_STREAM | flags, 0);
}

static struct race *race_at(int fd, const struct tryall_addr *target, const struct tryall_list *list,
                            const struct sockaddr_storage *bound, socklen_t blen)
{
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(target, KIT_PORT, fake_family(fd), &ss);
    int e = real()->connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
    struct race *r = race_new(fd, fake_family(fd), (struct sockaddr *)&ss, list, target, e, bound,
                              blen, T0);
    if (r && race_enter(r) != 0) {
        race_free(r);
        return NULL;
    }
    return r;
}

struct race *kit_race(int fd, const struct tryall_addr *target, const struct tryall_list *list)
{
    return race_at(fd, target, list, NULL, 0);
}

struct race *kit_race_bound(int fd, const struct tryall_addr *target,
                            const struct tryall_list *list, const struct tryall_addr *local)
{
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(local, 0, fake_family(fd), &ss);
    if (real()->bind(fd, (struct sockaddr *)&ss, len) != 0)
        return NULL;
    return race_at(fd, target, list, &ss, len);
}

int kit_index(const struct race *r, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < r->plan.n; i++)
        if (addr_equal(&r->plan.order[i], a))
            return (int)i;
    return -1;
}

void kit_ep_add(int epfd, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = { .events = events };
    ev.data.u64 = data;
    assert_int_equal(real()->epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev), 0);
    epset_record(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int kit_setup(void **state)
{
    (void)state;
    fake_install();
    return fdt_lock() == 0 ? 0 : -1;
}

/* Under the lock: end every race, forget every record. 1 when something
 * was still there afterwards (a race out of the list, a count off); that is
 * cleared too, so one failed test does not fail the ones after it. */
static int sweep(void)
{
    for (struct race *r = fdt_races, *nx; r; r = nx) {
        nx = r->next_active;
        race_abort(r);
    }
    int bad = fdt_races != NULL || fdt_lost != 0;
    fdt_races = NULL;
    fdt_lost = 0;
    for (int fd = 0; fd < FAKE_FDS; fd++) {
        struct fdslot *s = fdt_slot(fd, 0);
        if (s && (s->regs || s->ep_regs))
            epset_forget_fd(fd);
        if (s && (s->race || s->ep_racing)) {
            bad = 1;
            fdt_take(fd);
            s->ep_racing = 0;
        }
    }
    return bad;
}

int kit_teardown(void **state)
{
    (void)state;
    int held = fdt_held();
    if (!held)
        fdt_lock();
    int bad = sweep();
    fdt_unlock();
    assert_true(held);
    assert_false(bad);
    assert_int_equal(fdt_active(), 0);
    assert_int_equal(fake_breaches.blocking_polls, 0);
    assert_int_equal(fake_breaches.lingering_closes, 0);
    return 0;
}

void kit_init(void)
{
    setenv("TRYALL_DELAY_MS", "250", 1);
    setenv("TRYALL_NAT64", "0", 1);   /* an IPv4 ENETUNREACH is just a failure here */
    setenv("TRYALL_HISTORY", "off", 1);   /* no file; every run plans alike */
    unsetenv("TRYALL_LOG_FILE");
    fake_install();
    /* The option snapshot reads a fresh socket's values once per process:
     * let that happen now, not inside a test that counts sockets. */
    struct sockopt_snap snap;
    int s4 = kit_socket(AF_INET, 0), s6 = kit_socket(AF_INET6, 0);
    fake_log_clear();
    sockopt_snapshot(s4, AF_INET, SOCKOPT_ALL, &snap);
    sockopt_snapshot(s6, AF_INET6, SOCKOPT_ALL, &snap);
    kit_fresh_sockets = fake_count(FAKE_SOCKET, -1);
    kit_fresh_left_open = fake_open_count() - 2;
    fake_reset();
}

/* epset.c - owns the app's epoll registrations (recorded by the epoll_ctl
 * path in calls/epollctl.c) and the swap between them and our tags while a
 * descriptor races. A tag is an entry for an attempt socket with EPOLLOUT
 * and data = epset_tag(). Runs under the fdtable lock.
 * Must never leave a tag behind, never alter the app's events or data. */
#include "race/epset.h"
#include "race/race.h"
#include "sys/pool.h"
#include "sys/real.h"

/* Registrations come from a pool (no malloc: hooks may run in signal handlers). */
static struct pool regs = POOL_OF(struct epreg);

struct epreg *epset_find(int fd, int epfd)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    for (struct epreg *g = s ? s->regs : NULL; g; g = g->next)
        if (g->epfd == epfd)
            return g;
    return NULL;
}

/* One registration of fd in epfd appears (+1) or goes (-1): if fd races, the
 * set's count of racing descriptors follows. */
static void count_one(int fd, int epfd, int delta)
{
    struct race *r = fdt_get(fd);
    struct fdslot *e = r && r->in_table && r->fd == fd ? fdt_slot(epfd, 1) : NULL;
    if (e && (delta > 0 || e->ep_racing > 0))
        __atomic_store_n(&e->ep_racing, e->ep_racing + (unsigned)delta, __ATOMIC_RELEASE);
}

void epset_count(struct race *r, int delta)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(r->fd, 0);
    for (struct epreg *g = s ? s->regs : NULL; g; g = g->next)
        count_one(r->fd, g->epfd, delta);
}

void epset_forget(int fd, int epfd)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    if (!s)
        return;
    for (struct epreg **p = &s->regs; *p; p = &(*p)->next)
        if ((*p)->epfd == epfd) {
            struct epreg *g = *p;
            count_one(fd, epfd, -1);
            __atomic_store_n(p, g->next, __ATOMIC_RELEASE);
            pool_put(&regs, g);
            struct fdslot *e = fdt_slot(epfd, 0);
            if (e && e->ep_regs)
                __atomic_store_n(&e->ep_regs, e->ep_regs - 1, __ATOMIC_RELEASE);
            return;
        }
}

void epset_record(int epfd, int op, int fd, const struct epoll_event *ev)
{
    struct epreg *g = epset_find(fd, epfd);
    if (op == EPOLL_CTL_DEL) {
        epset_forget(fd, epfd);
    } else if (g) {
        g->ev = *ev;
    } else if (op == EPOLL_CTL_ADD) {
        struct fdslot *s = fdt_slot(fd, 1), *e = fdt_slot(epfd, 1);
        if (!s || !e || !(g = pool_get(&regs)))
            return;   /* untracked: a race on fd would not see this set */
        g->epfd = epfd;
        g->ev = *ev;
        g->next = s->regs;
        __atomic_store_n(&s->regs, g, __ATOMIC_RELEASE);
        __atomic_store_n(&e->ep_regs, e->ep_regs + 1, __ATOMIC_RELEASE);
        count_one(fd, epfd, +1);
    }
}

static void drop_epfd(int fd, struct fdslot *s, void *arg)
{
    int epfd = *(int *)arg;
    for (struct epreg **p = &s->regs; *p;) {
        if ((*p)->epfd == epfd) {
            struct epreg *g = *p;
            __atomic_store_n(p, g->next, __ATOMIC_RELEASE);
            pool_put(&regs, g);
        } else {
            p = &(*p)->next;
        }
    }
    (void)fd;
}

void epset_forget_fd(int fd)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    if (!s)
        return;
    while (s->regs)
        epset_forget(fd, s->regs->epfd);
    if (s->ep_regs) {
        fdt_each(drop_epfd, &fd);
        __atomic_store_n(&s->ep_regs, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&s->ep_racing, 0, __ATOMIC_RELEASE);
    }
}

const struct epoll_event *epset_app_event(const struct race *r, int epfd)
{
    struct epreg *g = epset_find(r->fd, epfd);
    return g ? &g->ev : NULL;
}

/* Tag layout: "trya" in the high word (no user-space pointer or small number
 * the app may store looks like it), attempt index in bits 27..31, fd below. */
#define TAG_MAGIC 0x74727961u
#define TAG_FD_BITS 27

uint64_t epset_tag(int fd, unsigned i)
{
    return (uint64_t)TAG_MAGIC << 32 | (uint64_t)i << TAG_FD_BITS | (uint32_t)fd;
}

int epset_untag(uint64_t v, int *fd, unsigned *i)
{
    if ((uint32_t)(v >> 32) != TAG_MAGIC)
        return 0;
    *fd = (int)(v & ((1u << TAG_FD_BITS) - 1));
    *i = (unsigned)((v >> TAG_FD_BITS) & 31u);
    return 1;
}

struct epoll_event epset_tag_event(const struct race *r, unsigned i)
{
    struct epoll_event t = { .events = EPOLLOUT };
    t.data.u64 = epset_tag(r->fd, i);
    return t;
}

static struct epreg *regs_of(const struct race *r)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(r->fd, 0);
    return s ? s->regs : NULL;
}

void epset_race_started(struct race *r)
{
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event t = epset_tag_event(r, 0);
        if (!attempt_live(r, 0) || real()->epoll_ctl(g->epfd, EPOLL_CTL_MOD, r->fd, &t) != 0)
            real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->fd, NULL);
    }
    /* Certainly out of every set only when the app's own attempt is over
     * (else a failed MOD may have left an entry: race_over looks). */
    r->app_untagged = !attempt_live(r, 0);
}

void epset_attempt_started(struct race *r, unsigned i)
{
    if (i == 0)
        r->app_untagged = 0;
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event t = epset_tag_event(r, i);
        real()->epoll_ctl(g->epfd, EPOLL_CTL_ADD, r->afd[i], &t);
    }
}

void epset_attempt_closing(struct race *r, unsigned i)
{
    if (i == 0)
        r->app_untagged = 1;   /* race_over need not take it out again */
    for (struct epreg *g = regs_of(r); g; g = g->next)
        real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->afd[i], NULL);
}

void epset_race_over(struct race *r)
{
    if (r->dead)
        return;
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event ev = g->ev;
        if (!r->app_untagged)
            real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->fd, NULL);
        real()->epoll_ctl(g->epfd, EPOLL_CTL_ADD, r->fd, &ev);
    }
}

/* epollset.c - owns the app's epoll registrations (recorded by the epoll_ctl
 * hook) and the swap between them and our tags while a descriptor races.
 * A tag is an entry for an attempt socket with EPOLLOUT and data = epset_tag().
 * Runs under the fdtable lock. Must never leave a tag behind, never alter the
 * app's events or data, never report an error the kernel would not. */
#include "epollset.h"
#include "fdtable.h"
#include "race.h"
#include "pool.h"
#include "real.h"
#include "usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

/* Registrations come from a pool (no malloc: hooks may run in signal handlers). */
static struct pool regs = POOL_OF(struct epreg);

static struct epreg *find(int fd, int epfd)
{
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
    struct fdslot *s = fdt_slot(r->fd, 0);
    for (struct epreg *g = s ? s->regs : NULL; g; g = g->next)
        count_one(r->fd, g->epfd, delta);
}

static void forget_one(int fd, int epfd)
{
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

static void record(int epfd, int op, int fd, const struct epoll_event *ev)
{
    struct epreg *g = find(fd, epfd);
    if (op == EPOLL_CTL_DEL) {
        forget_one(fd, epfd);
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

static struct epoll_event tag(struct race *r, unsigned i)
{
    struct epoll_event t = { .events = EPOLLOUT };
    t.data.u64 = epset_tag(r->fd, i);
    return t;
}

static int attempt_running(const struct race *r, unsigned i)
{
    return i < r->plan.n && r->plan.state[i] == ATT_RUNNING && r->afd[i] >= 0;
}

static int is_epoll_fd(int epfd)
{
    char path[40], link[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", epfd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        return 1;   /* cannot tell (no /proc): let the call through */
    link[n] = '\0';
    return strcmp(link, "anon_inode:[eventpoll]") == 0;
}

#define EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

/* For a racing fd (whose kernel entry we do not let the app touch): the
 * checks epoll_ctl makes before it looks the entry up, in the kernel's order.
 * 0, or -1 with errno. The event, when the op has one, is copied to *copy. */
static int ctl_args(int epfd, int op, int fd, const struct epoll_event *ev, struct epoll_event *copy)
{
    int has_event = op != EPOLL_CTL_DEL;
    int e = 0;
    if (has_event && usermem_copy(copy, ev, sizeof *copy) != 0)
        e = EFAULT;
    else if (fcntl(epfd, F_GETFD) < 0)
        e = EBADF;
    else if (epfd == fd || !is_epoll_fd(epfd))
        e = EINVAL;
    else if (has_event && (copy->events & EPOLLEXCLUSIVE) &&
             (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD && (copy->events & ~EXCLUSIVE_OK))))
        e = EINVAL;
    else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
        e = EINVAL;
    if (e)
        errno = e;
    return e ? -1 : 0;
}

int epset_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    const struct tryall_real *rl = real();
    struct race *r = fdt_get(fd);
    if (r && race_drop_if_stale(r, fd))
        r = NULL;   /* a new descriptor on a number closed behind our back */
    /* Only the race's own descriptor is swapped for tags; a dup'd copy's
     * registration goes to the kernel as the app made it. */
    if (!r || r->fd != fd || r->phase != RACE_RUNNING || r->dead) {
        int rc = rl->epoll_ctl(epfd, op, fd, ev);
        if (rc == 0 && (op == EPOLL_CTL_DEL || ev))
            record(epfd, op, fd, ev);
        return rc;
    }
    /* fd is racing: the kernel set holds our tags, the app's wishes stay here. */
    struct epoll_event copy;
    if (ctl_args(epfd, op, fd, ev, &copy) != 0)
        return -1;
    ev = &copy;
    struct epreg *g = find(fd, epfd);
    switch (op) {
    case EPOLL_CTL_ADD: {
        if (g) {
            errno = EEXIST;
            return -1;
        }
        struct epoll_event t = tag(r, 0);
        if (rl->epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &t) != 0)
            return -1;
        if (!attempt_running(r, 0))
            rl->epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        record(epfd, op, fd, ev);
        for (unsigned i = 1; i < r->plan.n; i++)
            if (attempt_running(r, i)) {
                t = tag(r, i);
                rl->epoll_ctl(epfd, EPOLL_CTL_ADD, r->afd[i], &t);
            }
        return 0;
    }
    case EPOLL_CTL_MOD:
        if (!g || (g->ev.events & EPOLLEXCLUSIVE)) {
            errno = g ? EINVAL : ENOENT;
            return -1;
        }
        g->ev = *ev;
        return 0;
    case EPOLL_CTL_DEL:
        if (!g) {
            errno = ENOENT;
            return -1;
        }
        for (unsigned i = 0; i < r->plan.n; i++)
            if (attempt_running(r, i))
                rl->epoll_ctl(epfd, EPOLL_CTL_DEL, r->afd[i], NULL);
        forget_one(fd, epfd);
        return 0;
    default:
        return rl->epoll_ctl(epfd, op, fd, ev);
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
    struct fdslot *s = fdt_slot(fd, 0);
    if (!s)
        return;
    while (s->regs)
        forget_one(fd, s->regs->epfd);
    if (s->ep_regs) {
        fdt_each(drop_epfd, &fd);
        __atomic_store_n(&s->ep_regs, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&s->ep_racing, 0, __ATOMIC_RELEASE);
    }
}

int epset_in(const struct race *r, int epfd)
{
    return find(r->fd, epfd) != NULL;
}

const struct epoll_event *epset_app_event(const struct race *r, int epfd)
{
    struct epreg *g = find(r->fd, epfd);
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

static struct epreg *regs_of(const struct race *r)
{
    struct fdslot *s = fdt_slot(r->fd, 0);
    return s ? s->regs : NULL;
}

void epset_race_started(struct race *r)
{
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event t = tag(r, 0);
        if (!attempt_running(r, 0) || real()->epoll_ctl(g->epfd, EPOLL_CTL_MOD, r->fd, &t) != 0)
            real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->fd, NULL);
    }
}

void epset_attempt_started(struct race *r, unsigned i)
{
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event t = tag(r, i);
        real()->epoll_ctl(g->epfd, EPOLL_CTL_ADD, r->afd[i], &t);
    }
}

void epset_attempt_closing(struct race *r, unsigned i)
{
    for (struct epreg *g = regs_of(r); g; g = g->next)
        real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->afd[i], NULL);
}

void epset_race_over(struct race *r)
{
    if (r->dead)
        return;
    for (struct epreg *g = regs_of(r); g; g = g->next) {
        struct epoll_event ev = g->ev;
        real()->epoll_ctl(g->epfd, EPOLL_CTL_DEL, r->fd, NULL);
        real()->epoll_ctl(g->epfd, EPOLL_CTL_ADD, r->fd, &ev);
    }
}

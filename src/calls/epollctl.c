/* epollctl.c - owns the app's epoll_ctl: recorded as the app made it, so a
 * later race keeps it; on a racing descriptor the kernel's set holds our
 * tags and the app's wishes are kept here, with the kernel's own errors.
 * Must never report an error the kernel would not, nor leave the app's
 * registration and our tags out of step. */
#include "calls/calls.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "sys/real.h"
#include "sys/usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    /* An open epoll set: the kernel took registrations into it (and its
     * close would have forgotten them), so no need to ask again. */
    struct fdslot *es = fdt_slot(epfd, 0);
    int known = es && es->ep_regs > 0;
    if (has_event && usermem_copy(copy, ev, sizeof *copy) != 0)
        e = EFAULT;
    else if (!known && real()->fcntl(epfd, F_GETFD) < 0)
        e = EBADF;
    else if (epfd == fd || (!known && !is_epoll_fd(epfd)))
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

/* ADD of a racing descriptor: our tags go in the kernel's set. */
static int add_racing(struct race *r, int epfd, int fd, const struct epoll_event *ev)
{
    const struct tryall_real *rl = real();
    if (epset_find(fd, epfd)) {
        errno = EEXIST;
        return -1;
    }
    struct epoll_event t = epset_tag_event(r, 0);
    if (rl->epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &t) != 0)
        return -1;
    if (!attempt_live(r, 0))
        rl->epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    epset_record(epfd, EPOLL_CTL_ADD, fd, ev);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (attempt_live(r, i)) {
            t = epset_tag_event(r, i);
            rl->epoll_ctl(epfd, EPOLL_CTL_ADD, r->afd[i], &t);
        }
    return 0;
}

/* fd is racing: the kernel set holds our tags, the app's wishes stay here. */
static int ctl_racing(struct race *r, int epfd, int op, int fd, struct epoll_event *ev)
{
    struct epoll_event copy;
    if (ctl_args(epfd, op, fd, ev, &copy) != 0)
        return -1;
    struct epreg *g = epset_find(fd, epfd);
    switch (op) {
    case EPOLL_CTL_ADD:
        return add_racing(r, epfd, fd, &copy);
    case EPOLL_CTL_MOD:
        if (!g || (g->ev.events & EPOLLEXCLUSIVE)) {
            errno = g ? EINVAL : ENOENT;
            return -1;
        }
        g->ev = copy;
        return 0;
    case EPOLL_CTL_DEL:
        if (!g) {
            errno = ENOENT;
            return -1;
        }
        for (unsigned i = 0; i < r->plan.n; i++)
            if (attempt_live(r, i))
                real()->epoll_ctl(epfd, EPOLL_CTL_DEL, r->afd[i], NULL);
        epset_forget(fd, epfd);
        return 0;
    default:
        return real()->epoll_ctl(epfd, op, fd, &copy);
    }
}

/* Lock held. */
static int ctl_locked(int epfd, int op, int fd, struct epoll_event *ev)
{
    struct race *r = fdt_get(fd);
    if (r && race_drop_if_stale(r, fd))
        r = NULL;   /* a new descriptor on a number closed behind our back */
    /* Only the race's own descriptor is swapped for tags; a dup'd copy's
     * registration goes to the kernel as the app made it. */
    if (r && r->fd == fd && race_running(r))
        return ctl_racing(r, epfd, op, fd, ev);
    int rc = real()->epoll_ctl(epfd, op, fd, ev);
    if (rc == 0 && (op == EPOLL_CTL_DEL || ev))
        epset_record(epfd, op, fd, ev);
    return rc;
}

int tryall_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (fdt_lock() != 0)
        return real()->epoll_ctl(epfd, op, fd, ev);
    int rc = ctl_locked(epfd, op, fd, ev);
    int e = errno;
    fdt_unlock();
    errno = e;
    return rc;
}

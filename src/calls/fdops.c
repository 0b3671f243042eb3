/* fdops.c - owns what closing, replacing and copying a descriptor does to
 * libtryall's state: close, dup2, dup3, close_range and closefrom detach the
 * descriptor from its race (the race ends, its hidden attempts closed, with
 * the app's last copy) and forget its epoll registrations, so a new socket
 * reusing the number starts clean; dup, dup2, dup3 and fcntl(F_DUPFD*) of a
 * racing descriptor make the copy follow the race. Also what the app does
 * to a socket's options, lock-free (fdtable.h FDT_OPT_*): socket() marks a
 * new TCP/IP socket, setsockopt marks the options it set, close clears,
 * dup makes both numbers unknown - so a race reads only the options the
 * app set.
 * Must never hold the fdtable lock across the real close (it may linger). */
#include "calls/calls.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "race/room.h"
#include "race/xlat.h"
#include "sys/clock.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

/* Under the lock: forget any state on fd. */
static void forget_locked(int fd)
{
    struct race *r = fdt_get(fd);
    if (r)
        race_detach_fd(r, fd);
    epset_forget_fd(fd);
    xlat_forget(fd);
}

/* From a signal handler that interrupted this thread inside libtryall, the
 * lock is refused: the interrupted code forgets fd when it lets the lock go. */
void fdops_closing(int fd)
{
    fdt_opt_clear(fd);
    if (!fdt_peek_any(fd))
        return;
    if (fdt_lock() != 0) {
        fdt_defer_close(fd);
        return;
    }
    forget_locked(fd);
    fdt_unlock();
}

void fdops_replacing(int oldfd, int newfd)
{
    if (oldfd != newfd && real()->fcntl(oldfd, F_GETFD) >= 0)
        fdops_closing(newfd);
}

/* A close a signal handler made while this thread held the lock, taken up
 * when the lock is let go. By then another thread may have reused the
 * number: act only on what is stale (a race whose socket is gone), and drop
 * the registrations only when the number is still free. */
static void forget_deferred(int fd)
{
    struct race *r = fdt_get(fd);
    int stale = r && race_drop_if_stale(r, fd);
    if (stale || real()->fcntl(fd, F_GETFD) < 0) {
        epset_forget_fd(fd);
        xlat_forget(fd);
    }
}

void fdops_born(int fd, int domain)
{
    if (domain != AF_INET && domain != AF_INET6)
        return;   /* only TCP/IP sockets ever race */
    int saved = errno;
    fdt_opt_born(fd);
    errno = saved;
}

void fdops_option_set(int fd, int level, int name)
{
    unsigned bits = sockopt_bits(level, name);
    if (!bits)
        return;
    int saved = errno;
    fdt_opt_set(fd, bits);
    errno = saved;
}

int fdops_reclaim(void)
{
    int e = errno;
    if ((e != EMFILE && e != ENFILE) || !room_open() || fdt_lock() != 0)
        return 0;
    int freed = room_reclaim(tryall_now_ms());
    fdt_unlock();
    errno = e;
    return freed;
}

__attribute__((constructor)) static void fdops_init(void)
{
    fdt_on_deferred_close(forget_deferred);
}

void fdops_copied(int oldfd, int newfd)
{
    if (newfd < 0 || oldfd == newfd)
        return;
    /* Options set through one number are the other's too: read them all. */
    int saved = errno;
    fdt_opt_unknown(oldfd);
    fdt_opt_unknown(newfd);
    errno = saved;
    if ((!fdt_peek(oldfd) && !fdt_peek_xlat(oldfd)) || fdt_lock() != 0)
        return;
    struct race *r = fdt_get(oldfd);
    if (r)
        race_add_alias(r, newfd);
    xlat_copy(oldfd, newfd);   /* a copy of a NAT64 winner shows IPv4 too */
    fdt_unlock();
}

struct range { unsigned first, last; };

static void forget_regs_in(int fd, struct fdslot *s, void *arg)
{
    const struct range *rg = arg;
    if ((unsigned)fd < rg->first || (unsigned)fd > rg->last)
        return;
    if (s->optset)
        __atomic_store_n(&s->optset, 0, __ATOMIC_RELAXED);
    if (s->regs || s->ep_regs)
        epset_forget_fd(fd);
    if (s->xlat)
        xlat_forget(fd);
}

void fdops_closing_range(unsigned first, unsigned last)
{
    if (fdt_lock() != 0)
        return;
    race_close_range(first, last);
    struct range rg = { first, last };
    fdt_each(forget_regs_in, &rg);
    fdt_unlock();
}

/* select.c - owns the slow path of select and pselect: the app's fd_sets
 * copied (only the first nfds bits read or written back), turned into a
 * pollfd array for the poll slow path (wait.c), and the answer turned back
 * into sets with Linux's select semantics; select's time left.
 * Must never read or write past nfds bits of the app's sets, nor touch them
 * when the answer is libc's. */
#include "calls/calls.h"
#include "calls/wait.h"
#include "core/ready.h"
#include "race/fdtable.h"
#include "sys/pool.h"
#include "sys/real.h"
#include "sys/usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* select as poll over the slow path: the sets in place (copies), the
 * timeout (NULL = forever), the time left when asked (*left). */
static int select_poll(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
                       const sigset_t *mask, struct timespec *left)
{
    struct pollfd small[SMALL_FDS];
    size_t bytes = nfds <= SMALL_FDS ? 0 : (size_t)nfds * sizeof(struct pollfd);
    struct pollfd *p = bytes ? pool_big(bytes) : small;
    if (!p)
        return WAIT_LIBC;
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        int r = rd && FD_ISSET(fd, rd), w = wr && FD_ISSET(fd, wr), e = ex && FD_ISSET(fd, ex);
        if (!r && !w && !e)
            continue;
        if (real()->fcntl(fd, F_GETFD) < 0) {
            pool_big_free(p, bytes);
            errno = EBADF;
            return -1;
        }
        p[n].fd = fd;
        p[n].events = ready_select_events(r, w, e);
        p[n].revents = 0;
        n++;
    }
    int64_t deadline = ready_deadline(wait_now_ns(), wait_ts_ns(timeout));
    int rc = wait_poll(p, n, timeout, mask);
    if (rc == WAIT_LIBC) {
        pool_big_free(p, bytes);
        return WAIT_LIBC;
    }
    if (left && deadline != READY_FOREVER) {
        int64_t rest = deadline - wait_now_ns();
        wait_ns_ts(rest > 0 ? rest : 0, left);
    }
    if (rc < 0) {
        int e = errno;
        pool_big_free(p, bytes);
        errno = e;
        return -1;
    }
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        int fd = p[i].fd;
        int r = rd && FD_ISSET(fd, rd), w = wr && FD_ISSET(fd, wr), e = ex && FD_ISSET(fd, ex);
        int ir, iw, ie;
        ready_select_result(p[i].revents, r, w, e, &ir, &iw, &ie);
        if (r && !ir)
            FD_CLR(fd, rd);
        if (w && !iw)
            FD_CLR(fd, wr);
        if (e && !ie)
            FD_CLR(fd, ex);
        count += ir + iw + ie;
    }
    pool_big_free(p, bytes);
    return count;
}

/* select's sets, copied: 0, or -1 when one is unreadable (the kernel's EFAULT). */
struct sets {
    fd_set s[3];
    fd_set *p[3];
};

static int copy_sets(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct sets *c)
{
    fd_set *app[3] = { rd, wr, ex };
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    /* Only the first nfds bits are ever read or given back. */
    for (int k = 0; k < 3; k++) {
        c->p[k] = app[k] ? &c->s[k] : NULL;
        if (app[k] && usermem_copy(&c->s[k], app[k], bytes) != 0)
            return -1;
    }
    return 0;
}

static int sets_racing(int nfds, const struct sets *c)
{
    size_t words = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long));
    for (size_t w = 0; w < words; w++) {
        unsigned long bits = 0;
        for (int k = 0; k < 3; k++)
            if (c->p[k])
                bits |= (unsigned long)__FDS_BITS(c->p[k])[w];
        if (w == words - 1 && nfds % (8 * sizeof(long)))
            bits &= (1UL << (nfds % (8 * sizeof(long)))) - 1;
        for (; bits; bits &= bits - 1)
            if (fdt_peek((int)(w * 8 * sizeof(long)) + __builtin_ctzl(bits)))
                return 1;
    }
    return 0;
}

/* Do select's sets hold a racing descriptor? Read in place once proven
 * readable (an unreadable set: libc's EFAULT). */
int wait_select_racing(int nfds, fd_set *rd, fd_set *wr, fd_set *ex)
{
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    struct sets c = { .p = { rd, wr, ex } };
    if (nfds <= 0 || nfds > FD_SETSIZE)
        return 0;
    for (int k = 0; k < 3; k++)
        if (c.p[k] && !usermem_readable(c.p[k], bytes))
            return 0;
    return sets_racing(nfds, &c);
}

static void give_back(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct sets *c)
{
    fd_set *app[3] = { rd, wr, ex };
    size_t bytes = ((size_t)nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long);
    for (int k = 0; k < 3; k++)
        if (app[k])
            memcpy(app[k], &c->s[k], bytes);
}

int wait_select_tv(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    struct sets c;
    struct timeval t;
    if (copy_sets(nfds, rd, wr, ex, &c) != 0 ||
        (tv && (usermem_copy(&t, tv, sizeof t) != 0 || t.tv_sec < 0 || t.tv_usec < 0)))
        return WAIT_LIBC;
    struct timespec ts, left;
    if (tv) {
        ts.tv_sec = t.tv_sec + t.tv_usec / 1000000;
        ts.tv_nsec = (t.tv_usec % 1000000) * 1000;
    }
    int rc = select_poll(nfds, c.p[0], c.p[1], c.p[2], tv ? &ts : NULL, NULL, tv ? &left : NULL);
    if (rc == WAIT_LIBC)
        return WAIT_LIBC;
    if (rc >= 0)
        give_back(nfds, rd, wr, ex, &c);
    if (tv) {
        tv->tv_sec = left.tv_sec;
        tv->tv_usec = left.tv_nsec / 1000;
    }
    return rc;
}


int wait_pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
                 const sigset_t *mask)
{
    struct sets c;
    struct timespec ts;
    const struct timespec *t;
    if (nfds <= 0 || nfds > FD_SETSIZE || wait_copy_ts(tmo, &ts, &t) != 0 ||
        copy_sets(nfds, rd, wr, ex, &c) != 0 || !sets_racing(nfds, &c))
        return WAIT_LIBC;
    int rc = select_poll(nfds, c.p[0], c.p[1], c.p[2], t, mask, NULL);
    if (rc >= 0)
        give_back(nfds, rd, wr, ex, &c);
    return rc;
}

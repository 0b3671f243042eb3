/* connect.c - owns tryall_connect(): deciding whether a connect() races,
 * making the app's own attempt (attempt 1) without waiting in the kernel,
 * creating the race, and answering a connect on a descriptor that already
 * races. The blocking wait is drive.c's.
 * Must never hold the fdtable lock across a wait, and never change what the
 * app sees for a connect it does not race (same return value, same errno). */
#include "calls/calls.h"
#include "calls/drive.h"
#include "core/book.h"
#include "core/config.h"
#include "race/fdtable.h"
#include "race/prefix.h"
#include "race/race.h"
#include "sys/clock.h"
#include "sys/histfile.h"
#include "sys/real.h"
#include "sys/usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>

int tryall_disabled(void)
{
    return tryall_config()->disabled;
}

/* A connect() on a descriptor that already has a race (lock held).
 * Returns 1 when the kernel should answer (after unlocking), else the result. */
static int connect_again(int fd, struct race *r)
{
    if (r->phase == RACE_RUNNING)
        race_settle_now(r, tryall_now_ms());
    if (r->phase == RACE_WON) {
        race_retire(r);
        fdt_unlock();
        return 1;   /* the winner is on fd: the kernel answers from here */
    }
    if (race_lost(r)) {
        int e = r->error;
        drive_disconnect(fd);
        race_retire(r);
        fdt_unlock();
        errno = e;
        return -1;
    }
    int fl = real()->fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        r->refs++;
        return drive_connect(fd, r, EALREADY);
    }
    fdt_unlock();
    errno = EALREADY;
    return -1;
}

/* What the kernel checks of connect's address before it looks at the
 * socket's state, in its order: -1 with errno (EINVAL, EFAULT), else 0 with
 * *family set. */
static int connect_args(const struct sockaddr *sa, socklen_t len, sa_family_t *family)
{
    struct sockaddr_storage ss;
    if ((int)len < 0 || len > sizeof ss) {
        errno = EINVAL;
        return -1;
    }
    if (len > 0 && usermem_copy(&ss, sa, len) != 0) {
        errno = EFAULT;
        return -1;
    }
    if (len < sizeof *family) {
        errno = EINVAL;
        return -1;
    }
    *family = ss.ss_family;
    return 0;
}

/* fd has (or had) a race: 1 = go on as for a fresh connect, else the answer. */
static int connect_racing_fd(int fd, const struct sockaddr *sa, socklen_t len)
{
    sa_family_t family;
    if (connect_args(sa, len, &family) != 0)
        return -1;
    if (fdt_lock() != 0)
        return 1;
    struct race *r = fdt_get(fd);
    if (r && race_drop_if_stale(r, fd))
        r = NULL;   /* closed behind our back: a new socket starts clean */
    if (r && family == AF_UNSPEC) {
        /* The app disconnects: a running race ends here; a lost one keeps
         * its error for SO_ERROR, as the kernel keeps sk_err. */
        if (!race_lost(r))
            race_abort(r);
        fdt_unlock();
        return real()->connect(fd, sa, len);
    }
    if (r)
        return connect_again(fd, r);
    fdt_unlock();
    return 1;
}

/* Is fd a TCP stream socket? Its family into *domain. */
static int tcp_socket(int fd, int *domain)
{
    int type = 0, proto = 0;
    socklen_t l1 = sizeof type, l2 = sizeof *domain, l3 = sizeof proto;
    const struct tryall_real *rl = real();
    return rl->getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 && type == SOCK_STREAM &&
           rl->getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &l2) == 0 &&
           rl->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l3) == 0 &&
           (proto == IPPROTO_TCP || proto == 0);
}

/* Is this connect one we race? The app's address is read only when the book
 * holds something, and then through usermem (the kernel, not us, answers
 * EFAULT for an unreadable one); the copy goes to *copy. Fills the list, the
 * target and the socket's family. */
static int eligible(int fd, const struct sockaddr *sa, socklen_t len, uint64_t now,
                    struct sockaddr_storage *copy, struct tryall_addr *target,
                    struct tryall_list *list, int *domain)
{
    int local = book_nonempty();
    if ((!local && !histfile_book_ready()) || !sa || len < sizeof(sa_family_t) ||
        len > sizeof *copy || usermem_copy(copy, sa, len) != 0)
        return 0;
    const struct sockaddr *c = (const struct sockaddr *)copy;
    if (addr_from_sockaddr(c, len, target) != 0)
        return 0;
    /* This process's book, else what the user's other processes resolved
     * (a program that resolves in a helper process). */
    if (!(local && book_maybe_has(target) && book_lookup(target, now, list)) &&
        !histfile_book_find(target, list))
        return 0;
    if (list->n < 2 && !list->pending)
        return 0;   /* no alternative now, and none on its way */
    if (!tcp_socket(fd, domain) || *domain != c->sa_family)
        return 0;
    /* A v4-mapped target on an IPV6_V6ONLY socket cannot work: libc's error. */
    int v6only = 0;
    socklen_t l = sizeof v6only;
    if (*domain == AF_INET6 && target->family == AF_INET &&
        (real()->getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) != 0 || v6only))
        return 0;
    return 1;
}

/* What a race starts from: the app's target, its list, its socket. */
struct start {
    struct sockaddr_storage copy;
    struct tryall_addr target;
    struct tryall_list list;
    int domain;
    uint64_t now;
    struct sockaddr_storage local;
    socklen_t local_len;
    int bound;
};

/* Attempt 1: the app's own connect, never waiting in the kernel. Returns
 * 1 when a race should follow (*e: EINPROGRESS or the address's error),
 * else 0 with *rc and errno as libc gave them. */
static int first_attempt(int fd, const struct sockaddr *sa, socklen_t len, int fl, int *rc, int *e)
{
    const struct tryall_real *rl = real();
    int blocking = !(fl & O_NONBLOCK);
    if (blocking && rl->fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        *rc = rl->connect(fd, sa, len);
        return 0;
    }
    *rc = rl->connect(fd, sa, len);
    *e = errno;
    if (blocking)
        rl->fcntl(fd, F_SETFL, fl);
    errno = *e;
    return !(*rc == 0 || (*e != EINPROGRESS && !race_is_address_error(*e)));
}

/* A non-blocking connect's answer once its race is made (lock held, and
 * released here): EINPROGRESS, as the kernel says for any TCP connect,
 * unless every address failed at once. */
static int answer_nonblocking(struct race *r, int e, uint64_t now)
{
    race_advance(r, now);
    if (r->phase == RACE_WON) {
        /* Won already (loopback is that fast): the winner is on fd. */
        race_retire(r);
        e = EINPROGRESS;
    } else if (race_lost(r) && e != EINPROGRESS) {
        /* Every address failed at once, the app's own included: say so now. */
        e = r->error;
        race_retire(r);
    } else {
        /* Running, or lost after the app's own connect said EINPROGRESS: the
         * verdict comes as the kernel would give it, through poll and SO_ERROR. */
        e = EINPROGRESS;
    }
    fdt_unlock();
    errno = e;
    return -1;
}

/* Make the race for fd (returns with the lock held), or NULL (unlocked). */
static struct race *make_race(int fd, const struct start *s, int e)
{
    if (fdt_lock() != 0)
        return NULL;
    struct race *r = race_new(fd, s->domain, (const struct sockaddr *)&s->copy, &s->list,
                              &s->target, e, s->bound ? &s->local : NULL, s->local_len, s->now);
    if (r && race_enter(r) != 0) {
        race_free(r);
        r = NULL;
    }
    if (!r)
        fdt_unlock();
    return r;
}

/* An IPv4 target with no alternative failed at once for want of a route:
 * with NAT64 on and a prefix known or being found, race its IPv6 form (a
 * CLAT's job, RFC 6052/7050; the app keeps seeing IPv4). Returns 1 to let
 * libc's answer (rc, errno e) stand, else the race's answer. */
__attribute__((noinline)) static int connect_nat64(int fd, const struct sockaddr *sa,
                                                  socklen_t len, int e)
{
    struct start s;
    int fl;
    if (!tryall_config()->nat64 || tryall_disabled() || !sa || len > sizeof s.copy ||
        usermem_copy(&s.copy, sa, len) != 0 ||
        addr_from_sockaddr((const struct sockaddr *)&s.copy, len, &s.target) != 0 ||
        s.target.family != AF_INET || nat64_never(s.target.bytes) ||
        prefix_peek(tryall_now_ms()) == PREFIX_NONE ||
        !tcp_socket(fd, &s.domain) || (fl = real()->fcntl(fd, F_GETFL)) < 0)
        return 1;
    s.now = tryall_now_ms();
    s.bound = 0;
    s.local_len = 0;
    memset(&s.list, 0, sizeof s.list);
    addr_str(&s.target, s.list.name, sizeof s.list.name);
    s.list.n = 1;
    s.list.a[0] = s.target;
    struct race *r = make_race(fd, &s, e);
    if (!r)
        return 1;
    if (!(fl & O_NONBLOCK)) {
        r->refs++;
        return drive_connect(fd, r, EINPROGRESS);
    }
    return answer_nonblocking(r, e, s.now);
}

int tryall_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (fdt_peek(fd)) {
        int rc = connect_racing_fd(fd, sa, len);
        if (rc != 1)
            return rc;
    }
    struct start s;   /* filled as needed: no zeroing on the path libc answers */
    uint64_t now = tryall_now_ms();
    int fl;
    s.domain = 0;
    if (!eligible(fd, sa, len, now, &s.copy, &s.target, &s.list, &s.domain) ||
        (fl = real()->fcntl(fd, F_GETFL)) < 0) {
        int rc = real()->connect(fd, sa, len);
        if (rc == 0 || (errno != ENETUNREACH && errno != EHOSTUNREACH && errno != EADDRNOTAVAIL))
            return rc;
        int e = errno;
        rc = connect_nat64(fd, sa, len, e);
        if (rc == 1) {
            errno = e;
            return -1;
        }
        return rc;
    }
    s.now = now;
    s.local_len = sizeof s.local;
    s.bound = real()->getsockname(fd, (struct sockaddr *)&s.local, &s.local_len) == 0 &&
              race_is_bound(&s.local, s.local_len);
    int rc, e;
    if (!first_attempt(fd, sa, len, fl, &rc, &e))
        return rc;
    int blocking = !(fl & O_NONBLOCK);
    struct race *r = make_race(fd, &s, e);
    if (!r) {
        /* Out of memory (or inside a signal handler): the app's own attempt only. */
        if (blocking && e == EINPROGRESS)
            return drive_alone(fd, sa, len);
        errno = e;
        return -1;
    }
    if (blocking) {
        r->refs++;
        return drive_connect(fd, r, EINPROGRESS);
    }
    return answer_nonblocking(r, e, s.now);
}

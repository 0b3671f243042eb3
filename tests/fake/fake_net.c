/* fake_net.c - owns the fake kernel's network and epoll (fake.h): the
 * scripted outcome of a connect per destination address, connect, poll,
 * getsockopt (SO_ERROR, SO_PROTOCOL, SO_TYPE, SO_DOMAIN, IPV6_V6ONLY,
 * TCP_INFO, and whatever was set), getpeername, epoll_ctl and the entries
 * of each epoll set. A connecting socket learns its outcome lazily, when one
 * of these calls looks at it, so a test can decide it at any moment. */
#define FAKE_INTERNAL
#include "fake/fake.h"
#include "sys/real.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

/* ---- scripts ------------------------------------------------------------------ */

#define SCRIPTS 64
static struct { struct tryall_addr a; enum fake_outcome o; } scripts[SCRIPTS];
static unsigned nscripts;

#define CONNECTS 256
static struct { struct tryall_addr a; int fd; } connects[CONNECTS];
static unsigned nconnects;

void fake_script(const struct tryall_addr *a, enum fake_outcome o)
{
    unsigned k = 0;
    while (k < nscripts && !addr_equal(&scripts[k].a, a))
        k++;
    if (k == SCRIPTS)
        return;
    nscripts += k == nscripts;
    scripts[k].a = *a;
    scripts[k].o = o;
}

static enum fake_outcome script_for(const struct tryall_addr *a)
{
    for (unsigned k = 0; k < nscripts; k++)
        if (addr_equal(&scripts[k].a, a))
            return scripts[k].o;
    return OUTCOME_SILENT;
}

unsigned fake_connects(void)
{
    return nconnects;
}

struct tryall_addr fake_connect_addr(unsigned k)
{
    struct tryall_addr none = { 0 };
    return k < nconnects ? connects[k].a : none;
}

int fake_connect_fd(unsigned k)
{
    return k < nconnects ? connects[k].fd : -1;
}

void fake_net_reset(void)
{
    nscripts = 0;
    nconnects = 0;
}

/* A connecting socket takes its outcome when something looks at it. */
static void progress(struct fake_file *f)
{
    if (f->state != FS_CONNECTING)
        return;
    switch (script_for(&f->dest)) {
    case OUTCOME_CONNECT: case OUTCOME_INSTANT:
        f->state = FS_CONNECTED;
        break;
    case OUTCOME_REFUSED:
        f->state = FS_FAILED;
        f->so_error = ECONNREFUSED;
        break;
    case OUTCOME_TIMEDOUT:
        f->state = FS_FAILED;
        f->so_error = ETIMEDOUT;
        break;
    default:
        break;
    }
}

int fake_connected(int fd)
{
    struct fake_file *f = fake_file_of(fd);
    if (f)
        progress(f);
    return f && f->state == FS_CONNECTED;
}

/* ---- connect, poll, getpeername ---------------------------------------------- */

static int fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    fake_log(FAKE_CONNECT, fd, sa->sa_family, 0);
    struct fake_file *f = fake_sock(fd);
    struct tryall_addr a;
    if (!f)
        return -1;
    if (sa->sa_family != f->family || addr_from_sockaddr(sa, len, &a) != 0) {
        errno = sa->sa_family != f->family ? EAFNOSUPPORT : EINVAL;
        return -1;
    }
    if (f->state == FS_CONNECTING || f->state == FS_CONNECTED) {
        errno = f->state == FS_CONNECTING ? EALREADY : EISCONN;
        return -1;
    }
    if (nconnects < CONNECTS) {
        connects[nconnects].a = a;
        connects[nconnects++].fd = fd;
    }
    f->dest = a;
    f->port = addr_port(sa);
    enum fake_outcome o = script_for(&a);
    if (o == OUTCOME_UNREACH) {
        f->state = FS_CLOSED;
        errno = ENETUNREACH;
        return -1;
    }
    f->state = o == OUTCOME_INSTANT ? FS_CONNECTED : FS_CONNECTING;
    if (o == OUTCOME_INSTANT)
        return 0;
    errno = EINPROGRESS;
    return -1;
}

static short revents_of(int fd)
{
    struct fake_file *f = fake_file_of(fd);
    if (!f)
        return POLLNVAL;
    if (f->kind != FAKE_KIND_SOCKET)
        return POLLOUT;
    progress(f);
    switch (f->state) {
    case FS_CONNECTING: return 0;
    case FS_CONNECTED: return POLLOUT;
    case FS_FAILED: return POLLOUT | POLLERR | POLLHUP;
    default: return POLLOUT | POLLHUP;
    }
}

static int fake_poll(struct pollfd *p, nfds_t n, int timeout)
{
    if (timeout != 0)
        fake_breaches.blocking_polls++;
    int ready = 0;
    for (nfds_t k = 0; k < n; k++) {
        fake_log(FAKE_POLL, p[k].fd, p[k].events, timeout);
        p[k].revents = p[k].fd < 0 ? 0 : (short)(revents_of(p[k].fd) & (p[k].events | POLLERR | POLLHUP | POLLNVAL));
        ready += p[k].revents != 0;
    }
    return ready;
}

static int fake_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
    fake_log(FAKE_GETPEERNAME, fd, 0, 0);
    struct fake_file *f = fake_sock(fd);
    if (!f)
        return -1;
    progress(f);
    if (f->state != FS_CONNECTED) {
        errno = ENOTCONN;
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t l = addr_to_sockaddr(&f->dest, f->port, f->family, &ss);
    memcpy(sa, &ss, *len < l ? *len : l);
    *len = l;
    return 0;
}

/* ---- getsockopt ------------------------------------------------------------------ */

static int put_int(void *val, socklen_t *len, int v)
{
    if (*len < sizeof v) {
        errno = EINVAL;
        return -1;
    }
    memcpy(val, &v, sizeof v);
    *len = sizeof v;
    return 0;
}

static int tcp_state(const struct fake_file *f)
{
    return f->state == FS_CONNECTING ? TCP_SYN_SENT
         : f->state == FS_CONNECTED ? TCP_ESTABLISHED : TCP_CLOSE;
}

static int fake_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    fake_log(FAKE_GETSOCKOPT, fd, level, name);
    struct fake_file *f = fake_sock(fd);
    if (!f)
        return -1;
    progress(f);
    if (level == SOL_SOCKET && name == SO_ERROR) {
        int e = f->so_error;
        f->so_error = 0;
        if (e && f->state == FS_FAILED)
            f->state = FS_CLOSED;
        return put_int(val, len, e);
    }
    if (level == SOL_SOCKET && (name == SO_PROTOCOL || name == SO_TYPE || name == SO_DOMAIN))
        return put_int(val, len, name == SO_PROTOCOL ? IPPROTO_TCP
                                  : name == SO_TYPE ? SOCK_STREAM : f->family);
    if (level == IPPROTO_IPV6 && f->family != AF_INET6) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (level == IPPROTO_TCP && name == TCP_INFO) {
        struct tcp_info ti;
        memset(&ti, 0, sizeof ti);
        ti.tcpi_state = (uint8_t)tcp_state(f);
        memcpy(val, &ti, *len < sizeof ti ? *len : sizeof ti);
        *len = *len < sizeof ti ? *len : sizeof ti;
        return 0;
    }
    int set = fake_opt_find(f, level, name, val, *len);
    if (set > 0) {
        *len = *len < (socklen_t)set ? *len : (socklen_t)set;
        return 0;
    }
    return put_int(val, len, 0);   /* anything never set reads as 0 */
}

/* ---- epoll ------------------------------------------------------------------------ */

static int find_ep(const struct fake_file *e, int fd, int file)
{
    for (unsigned k = 0; k < e->nep; k++)
        if (e->ep[k].fd == fd && (file < 0 || e->ep[k].file == file))
            return (int)k;
    return -1;
}

static void drop_ep(struct fake_file *e, unsigned k)
{
    e->ep[k] = e->ep[--e->nep];
}

static int fake_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    fake_log(FAKE_EPOLL_CTL, fd, op, epfd);
    struct fake_file *e = fake_file_of(epfd);
    if (!e || !fake_file_of(fd)) {
        errno = EBADF;
        return -1;
    }
    if (e->kind != FAKE_KIND_EPOLL || fd == epfd || (op != EPOLL_CTL_DEL && !ev)) {
        errno = EINVAL;
        return -1;
    }
    int k = find_ep(e, fd, fake_fd[fd] - 1);
    if ((op == EPOLL_CTL_ADD) == (k >= 0)) {
        errno = k >= 0 ? EEXIST : ENOENT;
        return -1;
    }
    if (op == EPOLL_CTL_DEL) {
        drop_ep(e, (unsigned)k);
    } else if (op == EPOLL_CTL_MOD) {
        e->ep[k].ev = *ev;
    } else if (e->nep < FAKE_EP_MAX) {
        e->ep[e->nep].fd = fd;
        e->ep[e->nep].file = fake_fd[fd] - 1;
        e->ep[e->nep++].ev = *ev;
    } else {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

void fake_ep_file_gone(int file)
{
    for (int i = 0; i < FAKE_FILES; i++)
        if (fake_files[i].refs && fake_files[i].kind == FAKE_KIND_EPOLL)
            for (unsigned k = fake_files[i].nep; k-- > 0;)
                if (fake_files[i].ep[k].file == file)
                    drop_ep(&fake_files[i], k);
    fake_files[file].nep = 0;
}

int fake_ep_get(int epfd, int fd, struct epoll_event *out)
{
    struct fake_file *e = fake_file_of(epfd);
    int k = e && e->kind == FAKE_KIND_EPOLL ? find_ep(e, fd, -1) : -1;
    if (k >= 0 && out)
        *out = e->ep[k].ev;
    return k >= 0;
}

unsigned fake_ep_count(int epfd)
{
    struct fake_file *e = fake_file_of(epfd);
    return e && e->kind == FAKE_KIND_EPOLL ? e->nep : 0;
}

void fake_net_install(struct tryall_real *t)
{
    t->poll = fake_poll;
    t->getsockopt = fake_getsockopt;
    t->getpeername = fake_getpeername;
    t->epoll_ctl = fake_epoll_ctl;
    t->connect = fake_connect;   /* last: real() takes a set connect as "bound" */
}

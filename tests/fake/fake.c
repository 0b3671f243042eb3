/* fake.c - owns the fake kernel's descriptors and files (fake.h): the
 * real-symbol table the race floor calls, filled with fakes; socket, close,
 * dup3, fcntl, fstat, bind, setsockopt, a getaddrinfo that finds nothing;
 * the call log, scripted failures and the checks of the floor's rules (a
 * close or dup3 that could linger). The network half (connect, poll,
 * getsockopt, getpeername, epoll_ctl) is fake_net.c. Nothing here reaches
 * the real kernel. */
#define FAKE_INTERNAL
#include "fake/fake.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <string.h>

struct tryall_real tryall_real;
void real_bind(void) {}   /* the table is filled by fake_install() */

struct fake_file fake_files[FAKE_FILES];
int fake_fd[FAKE_FDS];           /* file index + 1, 0 when the number is free */
static int cloexec[FAKE_FDS];
static unsigned long next_ino;
struct fake_breaches fake_breaches;

/* ---- the log and scripted failures ----------------------------------------- */

struct call { enum fake_op op; int fd, arg, arg2; };
#define LOG_MAX 4096
static struct call calls[LOG_MAX];
static unsigned ncalls;
static struct { int err; unsigned times; } faults[FAKE_FSTAT + 1];

void fake_log(enum fake_op op, int fd, int arg, int arg2)
{
    if (ncalls < LOG_MAX)
        calls[ncalls++] = (struct call){ op, fd, arg, arg2 };
}

void fake_log_clear(void)
{
    ncalls = 0;
}

static int matches(const struct call *c, enum fake_op op, int fd)
{
    return (op == FAKE_ANY ? c->op != FAKE_FSTAT : c->op == op) && (fd < 0 || c->fd == fd);
}

unsigned fake_count(enum fake_op op, int fd)
{
    unsigned n = 0;
    for (unsigned k = 0; k < ncalls; k++)
        n += (unsigned)matches(&calls[k], op, fd);
    return n;
}

int fake_call(enum fake_op op, int fd, unsigned k, int *arg, int *arg2)
{
    for (unsigned j = 0; j < ncalls; j++)
        if (matches(&calls[j], op, fd) && k-- == 0) {
            *arg = calls[j].arg;
            *arg2 = calls[j].arg2;
            return 1;
        }
    return 0;
}

void fake_fail(enum fake_op op, int err, unsigned times)
{
    faults[op].err = err;
    faults[op].times = times;
}

int fake_faulted(enum fake_op op)
{
    if (!faults[op].times)
        return 0;
    faults[op].times--;
    errno = faults[op].err;
    return 1;
}

/* ---- descriptors and files -------------------------------------------------- */

struct fake_file *fake_file_of(int fd)
{
    return fd >= 0 && fd < FAKE_FDS && fake_fd[fd] ? &fake_files[fake_fd[fd] - 1] : NULL;
}

static int lowest_free(int from)
{
    for (int fd = from < 0 ? 0 : from; fd < FAKE_FDS; fd++)
        if (!fake_fd[fd])
            return fd;
    return -1;
}

/* A new open file on the lowest free number; -1 with errno when full. */
int fake_new(enum fake_kind kind, int family, int status, int cloexec_flag)
{
    int fd = lowest_free(0);
    for (int i = 0; fd >= 0 && i < FAKE_FILES; i++)
        if (!fake_files[i].refs) {
            struct fake_file *f = &fake_files[i];
            memset(f, 0, sizeof *f);
            f->refs = 1;
            f->kind = kind;
            f->family = family;
            f->status = status;
            f->ino = ++next_ino;
            fake_fd[fd] = i + 1;
            cloexec[fd] = cloexec_flag;
            return fd;
        }
    errno = EMFILE;
    return -1;
}

static int lingers(const struct fake_file *f)
{
    struct linger l = { 0, 0 };
    return fake_opt_find(f, SOL_SOCKET, SO_LINGER, &l, sizeof l) && l.l_onoff && l.l_linger > 0;
}

/* Number fd lets go of its file; the last reference closes the file. */
static void release(int fd, int counted)
{
    struct fake_file *f = fake_file_of(fd);
    fake_fd[fd] = 0;
    if (--f->refs > 0)
        return;
    if (counted && f->kind == FAKE_KIND_SOCKET && lingers(f))
        fake_breaches.lingering_closes++;
    fake_ep_file_gone((int)(f - fake_files));
}

static int fake_close(int fd)
{
    fake_log(FAKE_CLOSE, fd, 0, 0);
    if (!fake_file_of(fd)) {
        errno = EBADF;
        return -1;
    }
    release(fd, 1);
    return 0;
}

int fake_close_quiet(int fd)
{
    if (!fake_file_of(fd))
        return -1;
    release(fd, 0);
    return 0;
}

static int fake_dup3(int oldfd, int newfd, int flags)
{
    fake_log(FAKE_DUP3, newfd, oldfd, flags);
    if (fake_faulted(FAKE_DUP3))
        return -1;
    if (!fake_file_of(oldfd) || newfd < 0 || newfd >= FAKE_FDS) {
        errno = EBADF;
        return -1;
    }
    if (oldfd == newfd || (flags & ~O_CLOEXEC)) {
        errno = EINVAL;
        return -1;
    }
    int file = fake_fd[oldfd];
    fake_files[file - 1].refs++;
    if (fake_fd[newfd])
        release(newfd, 1);
    fake_fd[newfd] = file;
    cloexec[newfd] = (flags & O_CLOEXEC) != 0;
    return newfd;
}

#define SETFL_MASK (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)

static int dupfd(int fd, int from, int cloexec_flag)
{
    int to = lowest_free(from);
    if (to < 0) {
        errno = EMFILE;
        return -1;
    }
    fake_file_of(fd)->refs++;
    fake_fd[to] = fake_fd[fd];
    cloexec[to] = cloexec_flag;
    return to;
}

static int fake_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int arg = cmd == F_GETFD || cmd == F_GETFL ? 0 : va_arg(ap, int);
    va_end(ap);
    fake_log(FAKE_FCNTL, fd, cmd, arg);
    struct fake_file *f = fake_file_of(fd);
    if (!f) {
        errno = EBADF;
        return -1;
    }
    switch (cmd) {
    case F_GETFD: return cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD: cloexec[fd] = (arg & FD_CLOEXEC) != 0; return 0;
    case F_GETFL: return f->status | O_RDWR;
    case F_SETFL: f->status = arg & SETFL_MASK; return 0;
    case F_DUPFD: return dupfd(fd, arg, 0);
    case F_DUPFD_CLOEXEC: return dupfd(fd, arg, 1);
    default: errno = EINVAL; return -1;
    }
}

static int fake_fstat(int fd, struct stat *st)
{
    fake_log(FAKE_FSTAT, fd, 0, 0);
    struct fake_file *f = fake_file_of(fd);
    if (!f) {
        errno = EBADF;
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->st_dev = FAKE_DEV;
    st->st_ino = f->ino;
    st->st_mode = f->kind == FAKE_KIND_SOCKET ? S_IFSOCK : S_IFREG;
    return 0;
}

static int fake_socket(int family, int type, int protocol)
{
    fake_log(FAKE_SOCKET, -1, family, type);
    if (fake_faulted(FAKE_SOCKET))
        return -1;
    if ((family != AF_INET && family != AF_INET6) || (type & 0xff) != SOCK_STREAM) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    (void)protocol;
    return fake_new(FAKE_KIND_SOCKET, family, (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0,
                    (type & SOCK_CLOEXEC) != 0);
}

struct fake_file *fake_sock(int fd)
{
    struct fake_file *f = fake_file_of(fd);
    if (!f)
        errno = EBADF;
    else if (f->kind != FAKE_KIND_SOCKET)
        errno = ENOTSOCK;
    return f && f->kind == FAKE_KIND_SOCKET ? f : NULL;
}

static int fake_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    fake_log(FAKE_BIND, fd, sa->sa_family, 0);
    struct fake_file *f = fake_sock(fd);
    if (!f)
        return -1;
    if (sa->sa_family != f->family || len > sizeof f->local) {
        errno = EINVAL;
        return -1;
    }
    memcpy(&f->local, sa, len);
    f->bound = 1;
    return 0;
}

/* ---- options ---------------------------------------------------------------- */

int fake_opt_find(const struct fake_file *f, int level, int name, void *val, socklen_t len)
{
    for (unsigned k = 0; k < f->nopts; k++)
        if (f->opts[k].level == level && f->opts[k].name == name) {
            memcpy(val, f->opts[k].val, len < f->opts[k].len ? len : f->opts[k].len);
            return (int)f->opts[k].len;
        }
    return 0;
}

static int fake_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    fake_log(FAKE_SETSOCKOPT, fd, level, name);
    struct fake_file *f = fake_sock(fd);
    if (!f)
        return -1;
    if ((level == IPPROTO_IPV6 && f->family != AF_INET6) || len > FAKE_OPTVAL) {
        errno = level == IPPROTO_IPV6 ? ENOPROTOOPT : EINVAL;
        return -1;
    }
    unsigned k = 0;
    while (k < f->nopts && !(f->opts[k].level == level && f->opts[k].name == name))
        k++;
    if (k == FAKE_OPTS) {
        errno = ENOMEM;
        return -1;
    }
    f->nopts += k == f->nopts;
    f->opts[k].level = level;
    f->opts[k].name = name;
    f->opts[k].len = len;
    memcpy(f->opts[k].val, val, len);
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF) && len == sizeof(int)) {
        int x;
        memcpy(&x, val, sizeof x);
        x *= 2;   /* as Linux: it keeps (and reports) twice what was set */
        memcpy(f->opts[k].val, &x, sizeof x);
    }
    return 0;
}

int fake_opt(int fd, int level, int name, void *val, socklen_t len)
{
    struct fake_file *f = fake_file_of(fd);
    return f && fake_opt_find(f, level, name, val, len) > 0;
}

/* ---- what the test sees ------------------------------------------------------ */

int fake_open(int fd)
{
    return fake_file_of(fd) != NULL;
}

int fake_same_file(int a, int b)
{
    return fake_open(a) && fake_open(b) && fake_fd[a] == fake_fd[b];
}

unsigned long fake_ino(int fd)
{
    struct fake_file *f = fake_file_of(fd);
    return f ? f->ino : 0;
}

int fake_family(int fd)
{
    struct fake_file *f = fake_file_of(fd);
    return f && f->kind == FAKE_KIND_SOCKET ? f->family : 0;
}

unsigned fake_open_count(void)
{
    unsigned n = 0;
    for (int fd = 3; fd < FAKE_FDS; fd++)
        n += fake_fd[fd] != 0;
    return n;
}

int fake_epoll_create(void)
{
    return fake_new(FAKE_KIND_EPOLL, 0, 0, 1);
}

/* No resolver here: a lookup (the NAT64 prefix's, say) finds nothing. */
static int fake_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                            struct addrinfo **res)
{
    (void)node, (void)service, (void)hints;
    *res = NULL;
    return EAI_NONAME;
}

/* ---- the table ----------------------------------------------------------------- */

void fake_reset(void)
{
    memset(fake_files, 0, sizeof fake_files);
    memset(fake_fd, 0, sizeof fake_fd);
    memset(cloexec, 0, sizeof cloexec);
    memset(faults, 0, sizeof faults);
    memset(&fake_breaches, 0, sizeof fake_breaches);
    ncalls = 0;
    fake_net_reset();
    for (int fd = 0; fd < 3; fd++)   /* stdin, stdout, stderr */
        fake_new(FAKE_KIND_OTHER, 0, 0, 0);
}

void fake_install(void)
{
    fake_reset();
    struct tryall_real t = { 0 };
    t.socket = fake_socket;
    t.bind = fake_bind;
    t.close = fake_close;
    t.dup3 = fake_dup3;
    t.fcntl = fake_fcntl;
    t.fcntl64 = fake_fcntl;
    t.fstat = fake_fstat;
    t.setsockopt = fake_setsockopt;
    t.getaddrinfo = fake_getaddrinfo;
    fake_net_install(&t);
    tryall_real = t;
}

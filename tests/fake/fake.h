/* fake.h - a fake kernel behind the real-symbol table (src/sys/real.h), for
 * the race floor's unit tests: no real socket, no network, no namespace.
 *
 * The kernel (fake.c, fake_net.c): a descriptor table of numbers pointing at
 * open files (so dup3 shares a file and FD_CLOEXEC stays per number, file
 * status flags per file); each file has a (dev, ino) identity for fstat, a
 * kind (socket, epoll set, other), and for a socket its family, connect
 * state, pending SO_ERROR and the options set on it; each epoll set holds
 * its entries (number, file, events, 64-bit data) as the kernel would.
 * connect() answers EINPROGRESS (or what the test scripted for that
 * destination address); the outcome shows when poll, getsockopt or
 * getpeername next looks, so a test decides it at any time with
 * fake_script(). Every call is logged for the tests to count.
 *
 * The kit (kit.c): what every race test needs around it (addresses, lists,
 * an app socket and its race, the lock, a clean slate after each test). */
#ifndef TRYALL_TEST_FAKE_H
#define TRYALL_TEST_FAKE_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "core/addr.h"
#include "core/book.h"
#include "race/race.h"
#include "sys/real.h"
#include "addrkit.h"   /* doc4, doc6, addrkit_list */

#define FAKE_FDS   4096   /* numbers 0..FAKE_FDS-1; 0, 1, 2 are taken */
#define FAKE_DEV   0xfa4e

/* What the network does with a connect to an address (default SILENT). */
enum fake_outcome {
    OUTCOME_SILENT,     /* no answer: connecting until the script changes */
    OUTCOME_CONNECT,    /* accepted: connected, seen by the next look */
    OUTCOME_REFUSED,    /* reset: ECONNREFUSED, seen by the next look */
    OUTCOME_TIMEDOUT,   /* gave up: ETIMEDOUT, seen by the next look */
    OUTCOME_UNREACH,    /* connect() itself fails at once: ENETUNREACH */
    OUTCOME_INSTANT,    /* connect() itself returns 0 */
};

/* The calls the log knows. */
enum fake_op {
    FAKE_ANY, FAKE_SOCKET, FAKE_CONNECT, FAKE_BIND, FAKE_CLOSE, FAKE_DUP3, FAKE_FCNTL,
    FAKE_GETSOCKOPT, FAKE_SETSOCKOPT, FAKE_GETPEERNAME, FAKE_POLL, FAKE_EPOLL_CTL, FAKE_FSTAT,
};

/* Install the fake table and start from a clean kernel. */
void fake_install(void);
void fake_reset(void);

void fake_script(const struct tryall_addr *a, enum fake_outcome o);
/* The next `times` calls of op fail with err. */
void fake_fail(enum fake_op op, int err, unsigned times);

/* Descriptors, as the test (not libtryall) sees them. */
int fake_open(int fd);                         /* 1 when fd is open */
int fake_same_file(int a, int b);              /* both open on one file */
unsigned long fake_ino(int fd);                /* 0 when not open */
int fake_family(int fd);                       /* of a socket, else 0 */
int fake_connected(int fd);
unsigned fake_open_count(void);                /* open numbers besides 0, 1, 2 */
int fake_close_quiet(int fd);                  /* close, unlogged: the app's raw close */
int fake_opt(int fd, int level, int name, void *val, socklen_t len);   /* 1: was set */
int fake_epoll_create(void);

/* The kernel's side of an epoll set. */
int fake_ep_get(int epfd, int fd, struct epoll_event *out);   /* 1 when fd is in it */
unsigned fake_ep_count(int epfd);

/* The call log: calls of op (FAKE_ANY: any but fstat) naming fd (-1: any).
 * For dup3 fd is the target number, for epoll_ctl the registered one. */
unsigned fake_count(enum fake_op op, int fd);
/* The k-th call of op naming fd, its extra arguments (dup3: the source
 * number and the flags; fcntl: cmd and arg; setsockopt: level and name;
 * epoll_ctl: op and epfd). 0 when there is none. */
int fake_call(enum fake_op op, int fd, unsigned k, int *arg, int *arg2);
void fake_log_clear(void);

/* Connects in the order they were made: destination and the socket's number. */
unsigned fake_connects(void);
struct tryall_addr fake_connect_addr(unsigned k);
int fake_connect_fd(unsigned k);

/* Breaches of the race floor's rules seen by the fake: a poll that could
 * wait (timeout != 0), a close or dup3 that could linger. */
struct fake_breaches { unsigned blocking_polls, lingering_closes; };
extern struct fake_breaches fake_breaches;

/* ---- the kit (kit.c) ------------------------------------------------------ */

#define T0 1000u             /* every race starts at this clock */
unsigned kit_delay(void);    /* the connection-attempt delay in use */

/* An app socket (type flags: SOCK_NONBLOCK, SOCK_CLOEXEC). */
int kit_socket(int family, int flags);

/* The app's own connect of fd to target (port KIT_PORT), then race_new +
 * race_enter at T0 (lock held), as calls/connect.c does; kit_race_bound for
 * a socket the app bound to *local first. NULL when race_new refused. */
#define KIT_PORT 443
struct race *kit_race(int fd, const struct tryall_addr *target, const struct tryall_list *list);
struct race *kit_race_bound(int fd, const struct tryall_addr *target,
                            const struct tryall_list *list, const struct tryall_addr *local);

/* Which attempt of r connects to a (-1: none planned). */
int kit_index(const struct race *r, const struct tryall_addr *a);

/* The app made an epoll registration (the kernel and libtryall's record). */
void kit_ep_add(int epfd, int fd, uint32_t events, uint64_t data);

/* cmocka setup/teardown: a clean fake kernel, the fdtable lock held during
 * the test; afterwards every race ended, every record forgotten, and the
 * checks that hold after any test (nothing left in the table, no breach). */
int kit_setup(void **state);
int kit_teardown(void **state);
/* Once, from main, before anything reads the settings: pins the ones the
 * tests rely on (a 250 ms delay; NAT64 and the history file off; no log
 * file), lets the option snapshot read a fresh socket of each family (once
 * per process) and notes how many sockets the fake made for that and how
 * many it left open. */
void kit_init(void);
extern unsigned kit_fresh_sockets, kit_fresh_left_open;

/* ---- between fake.c and fake_net.c only ----------------------------------- */
#ifdef FAKE_INTERNAL
#include <sys/stat.h>

#define FAKE_FILES  512
#define FAKE_OPTS   32
#define FAKE_OPTVAL 40
#define FAKE_EP_MAX 32

enum fake_kind { FAKE_KIND_OTHER, FAKE_KIND_SOCKET, FAKE_KIND_EPOLL };
enum fake_state { FS_IDLE, FS_CONNECTING, FS_CONNECTED, FS_FAILED, FS_CLOSED };

struct fake_file {
    int refs;                        /* numbers pointing at it; 0: free */
    enum fake_kind kind;
    int family;
    int status;                      /* file status flags (F_GETFL/F_SETFL) */
    unsigned long ino;
    enum fake_state state;           /* a socket's */
    struct tryall_addr dest;
    uint16_t port;
    int so_error;
    int bound;
    struct sockaddr_storage local;
    struct { int level, name; socklen_t len; char val[FAKE_OPTVAL]; } opts[FAKE_OPTS];
    unsigned nopts;
    struct { int fd, file; struct epoll_event ev; } ep[FAKE_EP_MAX];   /* an epoll set's */
    unsigned nep;
};

extern struct fake_file fake_files[FAKE_FILES];
extern int fake_fd[FAKE_FDS];

void fake_log(enum fake_op op, int fd, int arg, int arg2);
int fake_faulted(enum fake_op op);
struct fake_file *fake_file_of(int fd);
struct fake_file *fake_sock(int fd);           /* NULL with EBADF/ENOTSOCK */
int fake_new(enum fake_kind kind, int family, int status, int cloexec_flag);
int fake_opt_find(const struct fake_file *f, int level, int name, void *val, socklen_t len);
void fake_ep_file_gone(int file);              /* the kernel drops its entries */
void fake_net_reset(void);
struct tryall_real;
void fake_net_install(struct tryall_real *t);
#endif

#endif

/* usermem.c - owns reading app memory that may be unreadable: copied with
 * process_vm_readv(2) on our own process, which fails with EFAULT instead of
 * crashing. Where that call is not allowed (old kernels, seccomp) it falls
 * back to a plain copy, as libc itself would read the memory.
 * Two cheap cases skip the system call: memory in our callers' stack frames,
 * and the ranges this thread last proved readable (the same pollfd array,
 * fd_sets or sockaddr handed in again). A range unmapped since would be read directly:
 * the one place we trust the app's memory to stay where it was.
 * Must never dereference an unproven app pointer, never change errno. */
#include "sys/usermem.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static pid_t self;
/* The last ranges process_vm_readv proved readable, per thread: event loops
 * hand the same arrays (a pollfd array, select's three sets) to every wait. */
#define KNOWN 4
static __thread const char *known_at[KNOWN] __attribute__((tls_model("initial-exec")));
static __thread size_t known_len[KNOWN] __attribute__((tls_model("initial-exec")));
static __thread unsigned known_next __attribute__((tls_model("initial-exec")));

static int known(const char *c, size_t n)
{
    for (unsigned k = 0; k < KNOWN; k++)
        if (c >= known_at[k] && c + n <= known_at[k] + known_len[k])
            return 1;
    return 0;
}

static void remember(const char *c, size_t n)
{
    known_at[known_next] = c;
    known_len[known_next] = n;
    known_next = (known_next + 1) % KNOWN;
}

/* Is [p, p+n) in the frames of our callers, on this thread's stack? The
 * stack grows down: those frames lie just above our own. */
static int on_callers_stack(const void *p, size_t n)
{
    char here;
    uintptr_t lo = (uintptr_t)&here, c = (uintptr_t)p;
    return c > lo && c + n > c && c + n <= lo + 256 * 1024;
}

/* Learnt at load time (sys/init.c) and in a fork child (race/fork.c),
 * when one thread runs: no thread ever writes it while another reads. */
void usermem_init(void)
{
    self = getpid();
}

int usermem_readable(const void *src, size_t n)
{
    const char *c = src;
    if (!src || c + n < c)
        return 0;
    if (n == 0 || on_callers_stack(src, n) || known(c, n))
        return 1;
    /* One process_vm_readv reads the whole range into one small scratch
     * buffer, reused by every local iovec. */
    static __thread char scratch[4096] __attribute__((tls_model("initial-exec")));
    struct iovec local[64], remote = { (void *)src, n };
    size_t k = 0, left = n;
    for (; k < 64 && left; k++) {
        local[k].iov_base = scratch;
        local[k].iov_len = left < sizeof scratch ? left : sizeof scratch;
        left -= local[k].iov_len;
    }
    if (left)
        return 0;   /* over 256 KiB: not proven (too big to look at here) */
    int saved = errno;
    pid_t pid = __atomic_load_n(&self, __ATOMIC_RELAXED);
    if (!pid)
        pid = getpid();   /* before load-time init (another library's constructor) */
    ssize_t got = process_vm_readv(pid, local, (unsigned long)k, &remote, 1, 0);
    int ok = got == (ssize_t)n || (got < 0 && (errno == ENOSYS || errno == EPERM));
    if (got == (ssize_t)n)
        remember(c, n);
    errno = saved;
    return ok;
}

int usermem_copy(void *dst, const void *src, size_t n)
{
    if (!src)
        return -1;
    if (n == 0)
        return 0;
    const char *c = src;
    if (on_callers_stack(src, n) || (c + n > c && known(c, n))) {
        memcpy(dst, src, n);
        return 0;
    }
    int saved = errno;
    pid_t pid = __atomic_load_n(&self, __ATOMIC_RELAXED);
    if (!pid)
        pid = getpid();   /* before load-time init (another library's constructor) */
    struct iovec local = { dst, n }, remote = { (void *)src, n };
    ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    int rc = 0;
    if (got == (ssize_t)n) {
        remember(c, n);
    } else if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
        memcpy(dst, src, n);
    } else {
        rc = -1;
    }
    errno = saved;
    return rc;
}

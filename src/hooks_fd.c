/* hooks_fd.c - owns the descriptor hooks: close, dup2 and dup3 end a race
 * on the descriptor they close or replace (closing every hidden attempt), so
 * a new socket that reuses the number starts clean.
 * Must never hold the fdtable lock across the real close (it may linger). */
#include "fdtable.h"
#include "hooks.h"
#include "race.h"
#include "real.h"

#include <fcntl.h>

/* Forget any race on fd: the app is closing or replacing it. */
static void forget(int fd)
{
    if (!fdt_active())
        return;
    sigset_t saved;
    fdt_lock(&saved);
    struct race *r = fdt_take(fd);
    if (r) {
        r->dead = 1;
        if (--r->refs == 0)
            race_free(r);
    }
    fdt_unlock(&saved);
}

TRYALL_EXPORT int close(int fd)
{
    forget(fd);
    return real()->close(fd);
}

TRYALL_EXPORT int dup2(int oldfd, int newfd)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    return real()->dup2(oldfd, newfd);
}

TRYALL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
        forget(newfd);
    return real()->dup3(oldfd, newfd, flags);
}

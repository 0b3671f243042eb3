/* alias.c - owns the app's copies of a racing descriptor (dup, dup2, dup3,
 * F_DUPFD while it races) and what closing one does: the race goes on for
 * the other copies, or ends with the last; numbers closed behind our back
 * (raw close, close_range, closefrom) are detected and let go.
 * Must never touch a number once it is known not to hold the race's socket. */
#include "race/race.h"
#include "race/attempt.h"
#include "race/epset.h"
#include "race/fdtable.h"
#include "race/room.h"

#include <errno.h>

/* Take one descriptor of r out of the table and drop its reference. */
static void untable(struct race *r, int fd)
{
    if (fdt_get(fd) != r)
        return;
    fdt_take(fd);
    race_put(r);
}

int race_drop_if_stale(struct race *r, int fd)
{
    FDT_ASSERT_HELD();
    dev_t d;
    ino_t ino;
    if (r->dead || (attempt_identity(fd, &d, &ino) == 0 && d == r->dev && ino == r->ino))
        return 0;
    race_detach_fd(r, fd);
    return 1;
}

int race_add_alias(struct race *r, int newfd)
{
    FDT_ASSERT_HELD();
    if (!r->in_table || r->phase != RACE_RUNNING || r->naliases == RACE_ALIASES ||
        fdt_get(newfd) || fdt_put(newfd, r) != 0)
        return -1;
    r->alias[r->naliases++] = newfd;
    r->refs++;
    return 0;
}

/* The race's own number goes while a copy stays: the copy becomes the
 * race's descriptor. The old number gets the app's epoll registrations back
 * and loses our tags; the new one gets tags for what the app registered on it. */
static void promote_alias(struct race *r, int fd)
{
    race_untag(r);
    epset_count(r, -1);
    r->fd = r->alias[--r->naliases];
    if (r->afd[0] == fd)
        r->afd[0] = r->fd;
    epset_count(r, +1);
    epset_race_started(r);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (attempt_live(r, i))
            epset_attempt_started(r, i);
    untable(r, fd);
}

void race_detach_fd(struct race *r, int fd)
{
    FDT_ASSERT_HELD();
    for (unsigned k = 0; k < r->naliases; k++)
        if (r->alias[k] == fd) {
            r->alias[k] = r->alias[--r->naliases];
            untable(r, fd);
            return;
        }
    if (fd != r->fd)
        return;
    if (r->naliases == 0) {
        r->dead = 1;
        race_retire(r);
        return;
    }
    promote_alias(r, fd);
}

static int in_range(int fd, unsigned first, unsigned last)
{
    return fd >= 0 && (unsigned)fd >= first && (unsigned)fd <= last;
}

void race_close_range(unsigned first, unsigned last)
{
    FDT_ASSERT_HELD();
    for (struct race *r = fdt_races, *nx; r; r = nx) {
        nx = r->next_active;
        for (unsigned i = 1; i < r->plan.n; i++)
            if (in_range(r->afd[i], first, last)) {
                r->afd[i] = -1;   /* closed for us: never touch that number again */
                room_gone();
                if (r->plan.state[i] == ATT_RUNNING)
                    plan_failed(&r->plan, i, ECONNABORTED);
            }
        for (unsigned k = r->naliases; k-- > 0;)
            if (in_range(r->alias[k], first, last))
                race_detach_fd(r, r->alias[k]);
        if (in_range(r->fd, first, last))
            race_detach_fd(r, r->fd);
    }
}

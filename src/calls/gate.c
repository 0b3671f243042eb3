/* gate.c - owns what a racing socket answers before its race is over, as
 * TIP 427 describes: I/O on it advances the race (a blocking call finishes
 * it, bounded by the socket's timeout), SO_ERROR is 0 while racing and the
 * verdict once lost (reported once), getpeername says ENOTCONN until a
 * winner is on the socket; options set meanwhile reach every attempt.
 * Must never answer differently from libc for a descriptor with no race. */
#include "calls/calls.h"
#include "calls/drive.h"
#include "race/fdtable.h"
#include "race/race.h"
#include "race/xlat.h"
#include "sys/clock.h"
#include "sys/real.h"
#include "sys/usermem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Under the lock: the race on fd brought up to date without waiting, or
 * NULL when fd has none any more (won and retired, or closed behind our
 * back). The race returned is running or lost, and in the table. */
static struct race *current(int fd)
{
    struct race *r = fdt_get(fd);
    if (!r || race_drop_if_stale(r, fd))
        return NULL;
    if (race_running(r))
        race_settle_now(r, tryall_now_ms());
    if (race_done(r)) {
        race_retire(r);
        return NULL;
    }
    return r;
}

/* A blocking caller waits for the race (lock held): 1 with *err when the
 * wait ended without a verdict (signal, or the socket's timeout), else 0
 * with *r brought up to date. */
static int finish_for_io(int fd, struct race **r, int timeo_opt, int *err)
{
    (*r)->refs++;
    int why = drive(*r, drive_timeo_ms(fd, timeo_opt));
    race_put(*r);
    if (why == EINTR || why == EAGAIN) {
        *err = why;   /* a signal, or the socket's own timeout passed */
        return 1;
    }
    *r = current(fd);
    return 0;
}

int tryall_io_gate(int fd, int timeo_opt, int *err)
{
    if (fdt_lock() != 0)
        return 0;
    int answer = 0;
    struct race *r = current(fd);
    if (r && r->phase == RACE_RUNNING) {
        int fl = real()->fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK)) {
            *err = EAGAIN;
            answer = 1;
        } else {
            answer = finish_for_io(fd, &r, timeo_opt, err);
        }
    }
    if (!answer && r && race_lost(r)) {
        *err = r->error;
        answer = 1;
        race_retire(r);
    }
    fdt_unlock();
    return answer;
}

/* SO_ERROR while racing (lock taken here): 1 when *value was decided here
 * (0 while racing, the verdict once lost), 0 to let the kernel answer. */
static int so_error(int fd, int *value)
{
    if (fdt_lock() != 0)
        return 0;
    int decided = 0;
    struct race *r = current(fd);
    if (r && r->phase == RACE_RUNNING) {
        *value = 0;
        decided = 1;
    } else if (r && race_lost(r)) {
        *value = r->error;
        decided = 1;
        race_retire(r);
    }
    fdt_unlock();
    return decided;
}

int tryall_so_error_opt(int fd, void *val, socklen_t *len)
{
    int mine;
    socklen_t l;
    /* The kernel reads *len before it takes (and clears) the socket's error:
     * with an unreadable len nothing is consumed, here either. */
    if (usermem_copy(&l, len, sizeof l) != 0 || !so_error(fd, &mine))
        return real()->getsockopt(fd, SOL_SOCKET, SO_ERROR, val, len);
    /* The kernel validates the rest (and answers EFAULT for a bad val, the
     * error then being consumed, as ours is); we only change the value. */
    int rc = real()->getsockopt(fd, SOL_SOCKET, SO_ERROR, val, len);
    if (rc == 0 && val && (int)*len > 0) {
        size_t n = *len < sizeof mine ? *len : sizeof mine;
        memcpy(val, &mine, n);
    }
    return rc;
}

int tryall_msg_readable(const struct msghdr *msg)
{
    struct msghdr m;
    return usermem_copy(&m, msg, sizeof m) == 0;
}

void tryall_touch(int fd)
{
    if (fdt_lock() != 0)
        return;
    current(fd);
    fdt_unlock();
}

int tryall_xlat_name(int fd, int peer, struct sockaddr *sa, socklen_t *len)
{
    const struct tryall_real *rl = real();
    int (*name)(int, struct sockaddr *, socklen_t *) = peer ? rl->getpeername : rl->getsockname;
    socklen_t room;
    /* The kernel first: its errors (EFAULT, ENOTCONN after a reset, ...)
     * and its checks of the app's buffers stand. */
    if (usermem_copy(&room, len, sizeof room) != 0)
        return name(fd, sa, len);
    int rc = name(fd, sa, len);
    struct xlat x;
    if (rc != 0 || fdt_lock() != 0)
        return rc;
    int have = xlat_get(fd, &x) == 0;
    fdt_unlock();
    if (!have)
        return rc;
    struct sockaddr_storage real6, mine;
    socklen_t l6 = sizeof real6;
    uint16_t lport = 0;
    if (!peer && rl->getsockname(fd, (struct sockaddr *)&real6, &l6) == 0)
        lport = addr_port((struct sockaddr *)&real6);
    socklen_t n = xlat_sockaddr(&x, peer, lport, &mine);
    memcpy(sa, &mine, room < n ? room : n);
    *len = n;
    return 0;
}

void tryall_mirror_option(int fd, int level, int name, const void *val, socklen_t len)
{
    if (fdt_lock() != 0)
        return;
    struct race *r = fdt_get(fd);
    if (r && r->fd == fd)
        race_mirror_option(r, level, name, val, len);   /* the kernel read val: it is readable */
    fdt_unlock();
}

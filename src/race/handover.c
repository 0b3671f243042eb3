/* handover.c - owns the winner's hand-over: attempt k > 0 is moved onto the
 * app's descriptor number with dup3 (and onto every copy the app made with
 * dup), keeping the app's FD_CLOEXEC and file status flags; its epoll
 * registrations are put back; the losers are closed.
 * Must never act on the app's number once it no longer holds the socket the
 * race began on, never leave a lingering close inside dup3. */
#include "race/handover.h"
#include "race/attempt.h"
#include "race/epset.h"
#include "race/room.h"
#include "race/xlat.h"
#include "core/config.h"
#include "sys/log.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>

/* The app's copies of the descriptor get the winner too. */
static void hand_to_aliases(struct race *r)
{
    for (unsigned k = 0; k < r->naliases; k++) {
        dev_t d;
        ino_t ino;
        int a = r->alias[k], afl = real()->fcntl(a, F_GETFD);
        if (attempt_identity(a, &d, &ino) == 0 && d == r->dev && ino == r->ino && afl >= 0)
            real()->dup3(r->fd, a, (afl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    }
}

/* Put hidden attempt w (> 0) on the app's number: 0, or -1 with errno. */
static int move_winner(struct race *r, unsigned w)
{
    int fl = real()->fcntl(r->fd, F_GETFL);
    int fdfl = real()->fcntl(r->fd, F_GETFD);
    if (!attempt_ours(r, w)) {
        errno = EBADF;
        return -1;
    }
    int wfam = r->afam[w];
    epset_attempt_closing(r, w);
    /* The app's own attempt is replaced: out of the epoll sets first (its
     * file may live on elsewhere, a fork child say), and never a lingering
     * close inside dup3. */
    epset_attempt_closing(r, 0);
    /* (Whether it lingers is in its options, read at the first hidden start.) */
    struct linger was = { 0, 0 }, off = { 0, 0 };
    socklen_t wl = sizeof was;
    int lingered = attempt_lingers(r) &&
                   sockopt_value(&r->opts, r->opts_family, SOL_SOCKET, SO_LINGER, &was, &wl) == 0;
    if (lingered)
        real()->setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    if (real()->dup3(r->afd[w], r->fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
        /* The app's socket stays: its linger back and, while its own
         * attempt runs, its tag back in the app's epoll sets. */
        int e = errno;
        if (lingered)
            real()->setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &was, sizeof was);
        if (attempt_live(r, 0))
            epset_attempt_started(r, 0);
        errno = e;
        return -1;
    }
    real()->close(r->afd[w]);
    room_gone();   /* the socket lives on as the app's: the hidden number is free */
    r->afd[w] = -1;
    r->afd[0] = r->fd;
    hand_to_aliases(r);
    r->dev = r->adev[w];   /* fd now holds w's file */
    r->ino = r->aino[w];
    r->family = wfam;
    if (fl >= 0 && fl != (O_RDWR | O_NONBLOCK))   /* what the hidden socket has */
        real()->fcntl(r->fd, F_SETFL, fl);
    return 0;
}

/* A NAT64 winner on a socket the app made for IPv4: the app keeps seeing
 * IPv4 (race/xlat.h), on its number and its copies. */
static void keep_ipv4_view(struct race *r, unsigned w)
{
    struct xlat x = { .port = r->port, .family = r->app_family };
    struct nat64_prefix p;
    const struct tryall_addr *a = &r->plan.order[w];
    if (a->origin != ADDR_FROM_NAT64 || nat64_extract(a->bytes, r->pfx.len, x.v4, &p) != 0)
        return;
    xlat_set(r->fd, &x);
    for (unsigned k = 0; k < r->naliases; k++)
        xlat_set(r->alias[k], &x);
}

void handover_winner(struct race *r, unsigned w, uint64_t now_ms)
{
    if (!attempt_app_current(r)) {
        r->dead = 1;
        return;
    }
    if (w > 0 && move_winner(r, w) != 0) {
        /* dup3 failed (descriptor limit, or w is not ours any more): a
         * failure of w, closed like any loser; the others run on. */
        plan_failed(&r->plan, w, errno);
        attempt_close(r, w);
        return;
    }
    race_history_won(r, w, now_ms);
    plan_won(&r->plan, w);
    keep_ipv4_view(r, w);
    for (unsigned i = 1; i < r->plan.n; i++)
        if (i != w)
            attempt_close(r, i);
    r->phase = RACE_WON;
    epset_race_over(r);
    /* The outcome is news (level fail) when the app's own target did not win. */
    attempt_log(r, w == 0 ? TRYALL_LOG_TRACE : TRYALL_LOG_FAIL, w, "won", 0, now_ms);
}

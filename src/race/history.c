/* history.c (race) - owns what the races take from and give to the
 * history file (sys/histfile.c, decisions in core/history.c): before a race,
 * the order of its addresses (known-good first and recently failed last,
 * within the family interleave; the app's own target stays first) and the
 * attempt delay (twice the smoothed handshake measured to those addresses,
 * clamped; TRYALL_DELAY_MS fixes it); during and after it, each outcome.
 * Must never make the race wait on the history, nor record an address of a
 * race the app did not make (a hidden attempt is recorded as what it is). */
#include "race/race.h"
#include "core/config.h"
#include "sys/histfile.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include "sys/real.h"

unsigned race_history_order(struct race *r, struct tryall_addr *order, unsigned n)
{
    const struct tryall_config *c = tryall_config();
    r->target_bad = 0;
    if (histfile_ready() != 0)
        return c->delay_ms;
    uint64_t now = histfile_now_ms();
    enum hist_verdict v[PLAN_MAX];
    uint32_t srtt = 0;
    for (unsigned i = 0; i < n; i++) {
        struct hist_slot s;
        histfile_get(&order[i], r->port, &s);
        v[i] = hist_judge(&s, now);
        if (v[i] == HIST_GOOD && s.srtt_us > srtt)
            srtt = s.srtt_us;
    }
    hist_sort(order, v, n);
    r->target_bad = n > 1 && v[0] == HIST_BAD;
    return c->delay_fixed ? c->delay_ms : hist_delay(srtt, c->delay_ms, c->delay_min_ms, c->delay_max_ms);
}

void race_history_failed(const struct race *r, unsigned i, int err)
{
    histfile_put(&r->plan.order[i], r->port, hist_outcome_of(err), 0, histfile_now_ms());
}

void race_history_won(const struct race *r, unsigned w, uint64_t now_ms)
{
    /* The kernel's own measure of the handshake (microseconds), else ours. */
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    uint32_t rtt = (uint32_t)(now_ms - r->started_ms[w]) * 1000u;
    if (real()->getsockopt(r->fd, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 && ti.tcpi_rtt)
        rtt = ti.tcpi_rtt;
    uint64_t wall = histfile_now_ms();
    histfile_put(&r->plan.order[w], r->port, HIST_CONNECTED, rtt ? rtt : 1, wall);
    for (unsigned i = 0; i < r->plan.n; i++)
        if (i != w && r->plan.state[i] == ATT_RUNNING)
            histfile_put(&r->plan.order[i], r->port, HIST_ABANDONED, 0, wall);
}

/* show.c - owns the words and columns of tryall-tool's output (show.h).
 * Pure. Must never make a system call or read a clock. */
#include "show.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *show_age(char *buf, size_t len, uint64_t when_ms, uint64_t now_ms)
{
    if (when_ms > now_ms) {
        snprintf(buf, len, "in the future");
        return buf;
    }
    uint64_t s = (now_ms - when_ms) / 1000u;
    if (s < 120)
        snprintf(buf, len, "%llu s", (unsigned long long)s);
    else if (s < 120 * 60)
        snprintf(buf, len, "%llu min", (unsigned long long)(s / 60));
    else if (s < 48 * 3600)
        snprintf(buf, len, "%llu h", (unsigned long long)(s / 3600));
    else
        snprintf(buf, len, "%llu d", (unsigned long long)(s / 86400));
    return buf;
}

const char *show_us(char *buf, size_t len, uint32_t us)
{
    if (!us)
        snprintf(buf, len, "-");
    else if (us < 10000)
        snprintf(buf, len, "%u.%03u ms", us / 1000, us % 1000);
    else if (us < 1000000)
        snprintf(buf, len, "%u.%u ms", us / 1000, us % 1000 / 100);
    else
        snprintf(buf, len, "%u ms", us / 1000);
    return buf;
}

const char *show_dest(char *buf, size_t len, int family, const uint8_t *bytes, uint16_t port)
{
    struct tryall_addr a = { .family = (sa_family_t)family };
    char s[64];
    memcpy(a.bytes, bytes, family == AF_INET ? 4 : 16);
    addr_str(&a, s, sizeof s);
    snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
    return buf;
}

const char *show_verdict_name(int verdict)
{
    return verdict == HIST_GOOD ? "good" : verdict == HIST_BAD ? "bad" : "unknown";
}

const char *show_family(int family)
{
    return family == AF_INET6 ? "IPv6" : family == AF_INET ? "IPv4" : "?";
}

/* "refused 3 s ago" / "refused in the future" */
static const char *outcome_when(char *buf, size_t len, const struct hist_slot *s, uint64_t now_ms)
{
    char age[32];
    show_age(age, sizeof age, s->when_ms, now_ms);
    snprintf(buf, len, "%s %s%s", hist_outcome_name(s->outcome), age,
             s->when_ms > now_ms ? "" : " ago");
    return buf;
}

const char *show_reason(char *buf, size_t len, const struct hist_slot *s, int verdict,
                        uint64_t now_ms)
{
    char what[64], t[32];
    if (!hist_slot_valid(s)) {
        snprintf(buf, len, "unknown: no history");
        return buf;
    }
    outcome_when(what, sizeof what, s, now_ms);
    if (verdict == HIST_GOOD)
        snprintf(buf, len, "good: srtt %s, %s", show_us(t, sizeof t, s->srtt_us), what);
    else if (verdict == HIST_BAD)
        snprintf(buf, len, "bad: %s, %u failure%s in a row", what, s->fails,
                 s->fails == 1 ? "" : "s");
    else
        snprintf(buf, len, "unknown: %s, %s", what,
                 s->when_ms > now_ms ? "not trusted" : "too long ago to count");
    return buf;
}

const char *show_delay(char *buf, size_t len, const struct explain *e, const struct explain_cfg *c)
{
    char t[32];
    switch (e->delay_how) {
    case EXPLAIN_DELAY_NO_HISTORY:
        snprintf(buf, len, "%u ms (%s; no history to adapt it)", e->delay_ms,
                 c->delay_fixed ? "TRYALL_DELAY_MS" : "the default");
        break;
    case EXPLAIN_DELAY_FIXED:
        snprintf(buf, len, "%u ms (fixed by TRYALL_DELAY_MS)", e->delay_ms);
        break;
    case EXPLAIN_DELAY_UNMEASURED:
        snprintf(buf, len, "%u ms (adaptive; no handshake measured to a good address: the default)",
                 e->delay_ms);
        break;
    default:
        snprintf(buf, len, "%u ms (adaptive: 2 x srtt %s + 10 ms, within %u..%u ms)", e->delay_ms,
                 show_us(t, sizeof t, e->srtt_us), c->delay_min_ms, c->delay_max_ms);
    }
    return buf;
}

const char *show_probe(char *buf, size_t len, const struct probe *p)
{
    const char *name = strerrorname_np(p->err);
    switch (p->result) {
    case PROBE_CONNECTED:
        snprintf(buf, len, "connected in %u ms", p->ms);
        break;
    case PROBE_REFUSED:
        snprintf(buf, len, "refused");
        break;
    case PROBE_UNREACHABLE:
        snprintf(buf, len, "unreachable (%s)", name ? name : "?");
        break;
    default:
        snprintf(buf, len, "no answer in %u ms", p->ms);
    }
    return buf;
}

#define SLOT_FMT "%-*s  %-11s %-7s %-10s %-10s %5s  %s"

unsigned show_slot_width(const struct hist_slot *s, unsigned n)
{
    unsigned w = sizeof "destination" - 1;
    char dest[80];
    for (unsigned i = 0; i < n; i++) {
        unsigned l = (unsigned)strlen(show_dest(dest, sizeof dest, s[i].family, s[i].addr, s[i].port));
        if (l > w)
            w = l;
    }
    return w;
}

const char *show_slot_head(char *buf, size_t len, unsigned width)
{
    snprintf(buf, len, SLOT_FMT, (int)width, "destination", "outcome", "age", "rtt", "srtt",
             "fails", "verdict now");
    return buf;
}

const char *show_slot_line(char *buf, size_t len, const struct hist_slot *s, uint64_t now_ms,
                           unsigned width)
{
    char dest[80], age[32], rtt[32], srtt[32], fails[8];
    show_dest(dest, sizeof dest, s->family, s->addr, s->port);
    show_age(age, sizeof age, s->when_ms, now_ms);
    snprintf(fails, sizeof fails, "%u", s->fails);
    snprintf(buf, len, SLOT_FMT, (int)width, dest, hist_outcome_name(s->outcome), age,
             show_us(rtt, sizeof rtt, s->rtt_us), show_us(srtt, sizeof srtt, s->srtt_us), fails,
             show_verdict_name(hist_judge(s, now_ms)));
    return buf;
}

/* history.c - owns the history format and decisions (history.h). Pure.
 * Must never make a system call or trust an unchecked byte. */
#include "core/history.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

void hist_header_init(struct hist_header *h, uint64_t network)
{
    memset(h, 0, sizeof *h);
    h->magic = HIST_MAGIC;
    h->version = HIST_VERSION;
    h->header_size = sizeof *h;
    h->nslots = HIST_SLOTS;
    h->slot_size = sizeof(struct hist_slot);
    h->network = network;
    h->check = fnv(h, offsetof(struct hist_header, check), 2166136261u);
}

int hist_header_valid(const struct hist_header *h, size_t file_size)
{
    return h->magic == HIST_MAGIC && h->version == HIST_VERSION &&
           h->header_size == sizeof *h && h->nslots == HIST_SLOTS &&
           h->slot_size == sizeof(struct hist_slot) && file_size == HIST_FILE_SIZE &&
           h->check == fnv(h, offsetof(struct hist_header, check), 2166136261u);
}

uint32_t hist_slot_check(const struct hist_slot *s)
{
    size_t from = offsetof(struct hist_slot, family);
    return fnv((const uint8_t *)s + from, sizeof *s - from, 2166136261u);
}

int hist_slot_valid(const struct hist_slot *s)
{
    if (s->family == 0)
        return 0;
    return (s->family == AF_INET || s->family == AF_INET6) && s->outcome > HIST_EMPTY &&
           s->outcome <= HIST_ABANDONED && !(s->seq & 1u) && s->check == hist_slot_check(s);
}

unsigned hist_index(const struct tryall_addr *a, uint16_t port, unsigned k)
{
    uint32_t h = fnv(&a->family, sizeof a->family, 2166136261u);
    h = fnv(a->bytes, a->family == AF_INET ? 4 : 16, h);
    h = fnv(&port, sizeof port, h);
    return (h + k) & (HIST_SLOTS - 1u);
}

int hist_slot_is(const struct hist_slot *s, const struct tryall_addr *a, uint16_t port)
{
    return s->family == a->family && s->port == port &&
           memcmp(s->addr, a->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

void hist_record(struct hist_slot *s, const struct tryall_addr *a, uint16_t port, int outcome,
                 uint32_t rtt_us, uint64_t now_ms)
{
    if (!hist_slot_valid(s) || !hist_slot_is(s, a, port)) {
        uint32_t seq = s->seq;
        memset(s, 0, sizeof *s);
        s->seq = seq;
        s->family = a->family;
        s->port = port;
        memcpy(s->addr, a->bytes, a->family == AF_INET ? 4 : 16);
    }
    s->outcome = (uint8_t)outcome;
    s->when_ms = now_ms;
    if (outcome == HIST_CONNECTED) {
        s->fails = 0;
        s->rtt_us = rtt_us;
        /* RFC 6298: SRTT <- 7/8 SRTT + 1/8 R (the first sample as it is) */
        s->srtt_us = s->srtt_us ? s->srtt_us - s->srtt_us / 8 + rtt_us / 8 : rtt_us;
    } else if (s->fails < 255) {
        s->fails++;
    }
    s->check = hist_slot_check(s);
}

enum hist_verdict hist_judge(const struct hist_slot *s, uint64_t now_ms)
{
    if (!hist_slot_valid(s) || s->when_ms > now_ms + 60000u)   /* from the future: not trusted */
        return HIST_UNKNOWN;
    uint64_t age = now_ms > s->when_ms ? now_ms - s->when_ms : 0;
    if (s->outcome == HIST_CONNECTED)
        return age < HIST_GOOD_TTL_MS ? HIST_GOOD : HIST_UNKNOWN;
    /* A failure is trusted for 30 s, twice as long after each failure in a
     * row, at most HIST_FAIL_TTL_MS: then the address is tried in its
     * resolver place again (HE v3: history must not stop an address that
     * recovered from being tried). */
    unsigned shift = s->fails > 1 ? (s->fails - 1u < 5u ? s->fails - 1u : 5u) : 0u;
    uint64_t trust = (uint64_t)HIST_FAIL_BASE_MS << shift;
    if (trust > HIST_FAIL_TTL_MS)
        trust = HIST_FAIL_TTL_MS;
    return age < trust ? HIST_BAD : HIST_UNKNOWN;
}

void hist_sort(struct tryall_addr *order, const enum hist_verdict *v, unsigned n)
{
    if (n < 3)
        return;
    struct tryall_addr fam[2][64];
    unsigned nf[2] = { 0, 0 };
    static const enum hist_verdict rank[3] = { HIST_GOOD, HIST_UNKNOWN, HIST_BAD };
    for (int r = 0; r < 3; r++)
        for (unsigned i = 1; i < n && i < 64; i++)
            if (v[i] == rank[r]) {
                int k = order[i].family != order[0].family;   /* 1: the other family */
                fam[k][nf[k]++] = order[i];
            }
    /* after the target: the other family first, then alternate */
    unsigned out = 1, i0 = 0, i1 = 0;
    for (int take_other = 1; out < n && (i0 < nf[0] || i1 < nf[1]); take_other = !take_other) {
        if ((take_other && i1 < nf[1]) || i0 >= nf[0])
            order[out++] = fam[1][i1++];
        else
            order[out++] = fam[0][i0++];
    }
}

unsigned hist_delay(uint32_t srtt_us, unsigned dflt, unsigned min_ms, unsigned max_ms)
{
    if (!srtt_us)
        return dflt;
    uint64_t ms = 2u * (uint64_t)srtt_us / 1000u + 10u;
    if (ms < min_ms)
        ms = min_ms;
    if (ms > max_ms)
        ms = max_ms;
    return (unsigned)ms;
}

int hist_outcome_of(int err)
{
    switch (err) {
    case ECONNREFUSED: case ECONNRESET: return HIST_REFUSED;
    case ETIMEDOUT: return HIST_TIMEDOUT;
    case ECONNABORTED: return HIST_ABANDONED;
    default: return HIST_UNREACHABLE;
    }
}

const char *hist_outcome_name(int outcome)
{
    static const char *const names[] = { "empty", "connected", "refused", "unreachable",
                                         "timed out", "abandoned" };
    return outcome >= 0 && outcome <= HIST_ABANDONED ? names[outcome] : "?";
}

/* ---- the shared address book ---------------------------------------------- */

static uint32_t book_check(const struct hist_book *e)
{
    size_t from = offsetof(struct hist_book, when_ms);
    return fnv((const uint8_t *)e + from, sizeof *e - from, 2166136261u);
}

void hist_book_fill(struct hist_book *e, const struct tryall_list *l, uint64_t now_ms)
{
    uint32_t seq = e->seq;
    memset(e, 0, sizeof *e);
    e->seq = seq;
    e->when_ms = now_ms;
    e->n = l->n < BOOK_MAX_ADDRS ? l->n : BOOK_MAX_ADDRS;
    memcpy(e->name, l->name, sizeof e->name);
    e->name[sizeof e->name - 1] = '\0';
    memcpy(e->a, l->a, e->n * sizeof e->a[0]);
    e->check = book_check(e);
}

int hist_book_valid(const struct hist_book *e, uint64_t now_ms)
{
    if (e->n == 0 || e->n > BOOK_MAX_ADDRS || (e->seq & 1u) || e->check != book_check(e) ||
        e->name[sizeof e->name - 1] != '\0' || e->when_ms > now_ms + 60000u ||
        now_ms >= e->when_ms + BOOK_TTL_MS)
        return 0;
    for (unsigned i = 0; i < e->n; i++)
        if (e->a[i].family != AF_INET && e->a[i].family != AF_INET6)
            return 0;
    return 1;
}

int hist_book_has(const struct hist_book *e, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < e->n && i < BOOK_MAX_ADDRS; i++)
        if (addr_equal(&e->a[i], a))
            return 1;
    return 0;
}

void hist_book_to_list(const struct hist_book *e, struct tryall_list *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->name, e->name, sizeof out->name);
    out->n = e->n;
    memcpy(out->a, e->a, e->n * sizeof e->a[0]);
}

unsigned hist_filter_bit(const struct tryall_addr *a, uint8_t *mask)
{
    /* Cheap (connect asks it): the address's words, multiplied and folded. */
    uint32_t w[4];
    memcpy(w, a->bytes, sizeof w);
    uint32_t h = a->family == AF_INET ? w[0] : w[0] ^ w[1] * 3u ^ w[2] * 5u ^ w[3] * 7u;
    h = (h ^ a->family) * 2654435761u;
    h = (h >> 13) % (HIST_FILTER_BYTES * 8u);
    *mask = (uint8_t)(1u << (h % 8u));
    return h / 8u;
}

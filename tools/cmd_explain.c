/* cmd_explain.c - owns `tryall-run --explain HOST PORT`: HOST resolved as a
 * program resolves it (getaddrinfo AF_UNSPEC, SOCK_STREAM; the first answer
 * is the app's target), the list the library would keep (core/book.c), the
 * order it would race (plan_order, then explain.c = race_history_order's
 * steps) and why, the attempt delay, then one probe per address in that
 * order (probe.c), each limited to the attempt delay.
 * Must never write the history (slots are only read), nor go through
 * libtryall (plain.c). */
#include "cmds.h"
#include "explain.h"
#include "plain.h"
#include "show.h"
#include "core/book.h"
#include "core/config.h"
#include "sys/histfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PORT: 1..65535 (1), a service name for getaddrinfo (0), or bad (-1). */
static int parse_port(const char *s, uint16_t *port)
{
    if (strspn(s, "0123456789") != strlen(s))
        return strpbrk(s, " \t\n/") ? -1 : 0;
    errno = 0;
    unsigned long v = strtoul(s, NULL, 10);
    if (errno || v < 1 || v > 65535 || strlen(s) > 5)
        return -1;
    *port = (uint16_t)v;
    return 1;
}

/* The answer as calls/resolve.c hands it to the book; *port from it when
 * PORT was a service name. The count, or -1 (the error printed). */
static int resolve(const char *host, const char *service, int numeric, uint16_t *port,
                   struct tryall_addr *a)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    const struct plain *lc = plain();
    if (!lc) {
        fprintf(stderr, "%s: libc's own getaddrinfo/connect not found\n", TOOL_NAME);
        return -1;
    }
    int rc = lc->getaddrinfo(host, numeric ? NULL : service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: %s%s%s: %s\n", TOOL_NAME, host, numeric ? "" : " ",
                numeric ? "" : service, gai_strerror(rc));
        return -1;
    }
    int n = 0;
    for (const struct addrinfo *ai = res; ai && n < BOOK_MAX_ADDRS; ai = ai->ai_next)
        if (ai->ai_addr && addr_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a[n]) == 0) {
            if (!n && !numeric)
                *port = addr_port(ai->ai_addr);
            n++;
        }
    lc->freeaddrinfo(res);
    if (!n)
        fprintf(stderr, "%s: %s: no IPv4 or IPv6 address\n", TOOL_NAME, host);
    return n ? n : -1;
}

/* The addresses a race would have, in the order it would try them. */
static unsigned race_list(const char *host, const struct tryall_addr *a, unsigned n,
                          struct tryall_addr *order)
{
    struct tryall_list list = { .n = 1, .a = { a[0] } };
    book_remember(host, a, n, 1);            /* duplicates dropped, as the library does */
    book_lookup(&a[0], 1, &list);            /* (a single address: not kept, not raced) */
    return plan_order(&list, &a[0], 0, order, PLAN_MAX);
}

/* The destination column's width. */
static int dest_width(const struct explain *e, uint16_t port)
{
    char dest[80];
    int w = 0;
    for (unsigned i = 0; i < e->n; i++) {
        int l = (int)strlen(show_dest(dest, sizeof dest, e->order[i].family, e->order[i].bytes, port));
        w = l > w ? l : w;
    }
    return w;
}

static void print_plan(const char *host, uint16_t port, const struct explain *e,
                       const struct explain_cfg *c, uint64_t now)
{
    char dest[80], why[200];
    int w = dest_width(e, port);
    printf("%s port %u: %u address%s (getaddrinfo AF_UNSPEC, SOCK_STREAM)\n", host, port, e->n,
           e->n == 1 ? "" : "es");
    cmd_history_where("history: ");
    if (tryall_config()->disabled)
        printf("TRYALL_DISABLE=1: libtryall would leave every connect to libc; without it:\n");
    if (e->n < 2)
        printf("one address: libtryall leaves this connect to libc (nothing to race)\n");
    printf("order (the app's target first, then the families interleaved; "
           "within a family good, unknown, bad):\n");
    for (unsigned i = 0; i < e->n; i++) {
        show_dest(dest, sizeof dest, e->order[i].family, e->order[i].bytes, port);
        printf("  %u. %-*s  %s  %s%s\n", i + 1, w, dest, show_family(e->order[i].family),
               i == 0 ? "the app's target; " : "",
               show_reason(why, sizeof why, &e->slot[i], e->verdict[i], now));
    }
    if (e->target_bad)
        printf("the app's target failed lately: the next address starts at once\n");
    printf("attempt delay: %s\n", show_delay(why, sizeof why, e, c));
}

/* One probe per address in order: 1 if one connected. */
static int probe_all(const struct explain *e, uint16_t port)
{
    char dest[80], what[80];
    int any = 0, w = dest_width(e, port);
    printf("probes (a non-blocking connect each, at most %u ms, no byte sent):\n", e->delay_ms);
    for (unsigned i = 0; i < e->n; i++) {
        struct probe p = probe_one(&e->order[i], port, e->delay_ms);
        show_dest(dest, sizeof dest, e->order[i].family, e->order[i].bytes, port);
        printf("  %u. %-*s  %s\n", i + 1, w, dest, show_probe(what, sizeof what, &p));
        fflush(stdout);
        any |= p.result == PROBE_CONNECTED;
    }
    return any;
}

int cmd_explain(const char *host, const char *service)
{
    uint16_t port = 0;
    int numeric = parse_port(service, &port);
    if (numeric < 0) {
        fprintf(stderr, "%s: bad PORT '%s': 1..65535 or a service name\n", TOOL_NAME, service);
        return 2;
    }
    struct tryall_addr a[BOOK_MAX_ADDRS], order[PLAN_MAX];
    int got = resolve(host, service, numeric, &port, a);
    if (got < 0)
        return 2;
    if (plain_interposed())
        printf("note: something preloaded interposes connect(); the probes go round it\n");
    unsigned n = race_list(host, a, (unsigned)got, order);
    const struct tryall_config *tc = tryall_config();
    struct explain_cfg c = { tc->delay_ms, tc->delay_fixed, tc->delay_min_ms, tc->delay_max_ms,
                             histfile_ready() == 0 };
    struct hist_slot slots[PLAN_MAX];
    for (unsigned i = 0; i < n; i++)
        histfile_get(&order[i], port, &slots[i]);   /* empty when history is off */
    uint64_t now = histfile_now_ms();
    struct explain e;
    explain_plan(&e, order, slots, n, now, &c);
    print_plan(host, port, &e, &c, now);
    fflush(stdout);
    return probe_all(&e, port) ? 0 : 1;
}

/* histnet.c - owns the fingerprint of the network the history file
 * belongs to (HE v3 keeps history per network): this host's global
 * addresses and default routes, read with plain system calls (no stdio, no
 * allocation: a signal handler's connect may be a process's first race).
 * Must never hash what moves on its own (use and reference counts). */
#include "sys/histint.h"
#include "sys/real.h"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        x = (x ^ b[i]) * 1099511628211ull;
    return h ^ x;   /* order-free: each item hashed alone, then combined */
}

/* Read a small /proc file into buf (NUL-terminated; what does not fit is
 * left out). Plain system calls, no stdio: this may run in a signal handler
 * (a handler's connect can be a process's first race). */
static size_t slurp(const char *file, char *buf, size_t len)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    ssize_t r;
    if (fd < 0)
        return 0;
    while (n + 1 < len && (r = real()->read(fd, buf + n, len - 1 - n)) > 0)
        n += (size_t)r;
    real()->close(fd);
    buf[n] = '\0';
    return n;
}

/* The n-th whitespace-separated field of line (up to the newline), into out. */
static int field(const char *line, unsigned n, char *out, size_t len)
{
    const char *p = line;
    for (unsigned k = 0;; k++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '\n')
            return -1;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n')
            e++;
        if (k == n) {
            size_t l = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
            memcpy(out, p, l);
            out[l] = '\0';
            return 0;
        }
        p = e;
    }
}

static int all_zeros(const char *s)
{
    return *s && strspn(s, "0") == strlen(s);
}

/* Hash the lines of a /proc table: for /proc/net/route the default routes'
 * gateway and device, for ipv6_route the default routes' next hop and
 * device, for if_inet6 the global addresses (never the counters, which
 * move). */
static uint64_t table(const char *file, int kind, uint64_t h)
{
    char buf[8192], a[64], b[64], c[64];
    slurp(file, buf, sizeof buf);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (kind == 0 && field(line, 1, a, sizeof a) == 0 && all_zeros(a) &&
            field(line, 2, b, sizeof b) == 0 && field(line, 0, c, sizeof c) == 0) {
            h = mix(h, b, strlen(b));   /* route: Iface Destination Gateway */
            h = mix(h, c, strlen(c));
        } else if (kind == 1 && field(line, 0, a, sizeof a) == 0 && all_zeros(a) &&
                   field(line, 1, b, sizeof b) == 0 && all_zeros(b) &&
                   field(line, 4, b, sizeof b) == 0 && field(line, 9, c, sizeof c) == 0) {
            h = mix(h, b, strlen(b));   /* ipv6_route: dst plen src plen hop ... dev */
            h = mix(h, c, strlen(c));
        } else if (kind == 2 && field(line, 0, a, sizeof a) == 0 &&
                   field(line, 3, b, sizeof b) == 0 && strcmp(b, "20") != 0 &&
                   field(line, 5, c, sizeof c) == 0 && strcmp(c, "lo") != 0) {
            h = mix(h, a, strlen(a));   /* if_inet6: addr idx plen scope flags dev */
        }
    }
    return h;
}

/* The IPv4 addresses of the interfaces but loopback (SIOCGIFCONF). */
static uint64_t ipv4_addresses(uint64_t h)
{
    struct ifreq req[64];
    struct ifconf conf = { .ifc_len = sizeof req, .ifc_req = req };
    int s = real()->socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return h;
    if (ioctl(s, SIOCGIFCONF, &conf) == 0)
        for (int i = 0; i < conf.ifc_len / (int)sizeof req[0]; i++) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)&req[i].ifr_addr;
            if (in->sin_family == AF_INET && (ntohl(in->sin_addr.s_addr) >> 24) != 127)
                h = mix(h, &in->sin_addr, 4);
        }
    real()->close(s);
    return h;
}

/* A fingerprint of this host's network: its global addresses and default
 * routes. */
uint64_t histfile_network_now(void)
{
    uint64_t h = ipv4_addresses(0);
    h = table("/proc/net/if_inet6", 2, h);
    h = table("/proc/net/route", 0, h);
    h = table("/proc/net/ipv6_route", 1, h);
    return h ? h : 1;
}


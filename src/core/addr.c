/* addr.c - owns conversions between sockaddr (and getaddrinfo answers) and
 * the compact tryall_addr.
 * Must never allocate, lock or make a system call. */
#include "core/addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };

int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct tryall_addr *out)
{
    if (!sa || len < (socklen_t)sizeof(sa_family_t))
        return -1;
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        out->family = AF_INET;
        memcpy(out->bytes, &in->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (memcmp(in6->sin6_addr.s6_addr, v4mapped_prefix, 12) == 0) {
            out->family = AF_INET;
            memcpy(out->bytes, in6->sin6_addr.s6_addr + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->bytes, in6->sin6_addr.s6_addr, 16);
        }
        return 0;
    }
    return -1;
}

uint16_t addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}

socklen_t addr_to_sockaddr(const struct tryall_addr *a, uint16_t port, int sock_family,
                           struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (sock_family == AF_INET) {
        if (a->family != AF_INET)
            return 0;
        struct sockaddr_in *in = (struct sockaddr_in *)out;
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        memcpy(&in->sin_addr, a->bytes, 4);
        return sizeof *in;
    }
    if (sock_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        if (a->family == AF_INET) {
            memcpy(in6->sin6_addr.s6_addr, v4mapped_prefix, 12);
            memcpy(in6->sin6_addr.s6_addr + 12, a->bytes, 4);
        } else if (a->family == AF_INET6) {
            memcpy(in6->sin6_addr.s6_addr, a->bytes, 16);
        } else {
            return 0;
        }
        return sizeof *in6;
    }
    return 0;
}

const char *addr_origin_name(int origin)
{
    switch (origin) {
    case ADDR_FROM_COMPLETION: return "completion";
    case ADDR_FROM_LATE: return "late answer";
    case ADDR_FROM_NAT64: return "NAT64";
    default: return "app";
    }
}

int addr_equal(const struct tryall_addr *a, const struct tryall_addr *b)
{
    if (a->family != b->family)
        return 0;
    return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

const char *addr_str(const struct tryall_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len) && len)
        buf[0] = '\0';
    return buf;
}

unsigned addr_from_answer(const struct addrinfo *res, struct tryall_addr *out)
{
    unsigned n = 0, per[2] = { 0, 0 };
    for (const struct addrinfo *ai = res; ai && n < ADDR_ANSWER_MAX; ai = ai->ai_next) {
        if (!ai->ai_addr || addr_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &out[n]) != 0)
            continue;
        unsigned *k = &per[out[n].family == AF_INET6];
        int seen = 0;
        for (unsigned i = 0; i < n && !seen; i++)
            seen = addr_equal(&out[i], &out[n]);
        if (!seen && *k < ADDR_ANSWER_PER_FAMILY) {
            ++*k;
            n++;
        }
    }
    return n;
}

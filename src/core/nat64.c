/* nat64.c - owns the NAT64 arithmetic (nat64.h): RFC 6052 section 2.2's
 * layouts, where the 32 bits of the IPv4 address go around the u octet
 * (bits 64-71) for each prefix length, and RFC 7050's discovery of the
 * prefix from ipv4only.arpa. Pure.
 * Must never make a system call, never write past the buffers it is given. */
#include "core/nat64.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

const struct nat64_prefix nat64_wkp = {
    .bytes = { 0x00, 0x64, 0xff, 0x9b }, .len = 96,
};

/* The byte offsets of the IPv4 address's 4 bytes for a prefix length, the
 * u octet (byte 8) skipped; NULL for a length RFC 6052 does not define. */
static const uint8_t *layout(unsigned len)
{
    static const uint8_t at32[4] = { 4, 5, 6, 7 }, at40[4] = { 5, 6, 7, 9 },
                         at48[4] = { 6, 7, 9, 10 }, at56[4] = { 7, 9, 10, 11 },
                         at64[4] = { 9, 10, 11, 12 }, at96[4] = { 12, 13, 14, 15 };
    switch (len) {
    case 32: return at32;
    case 40: return at40;
    case 48: return at48;
    case 56: return at56;
    case 64: return at64;
    case 96: return at96;
    default: return NULL;
    }
}

int nat64_synth(const struct nat64_prefix *p, const uint8_t v4[4], uint8_t out[16])
{
    const uint8_t *at = layout(p->len);
    if (!at)
        return -1;
    memset(out, 0, 16);
    memcpy(out, p->bytes, p->len / 8);
    for (int i = 0; i < 4; i++)
        out[at[i]] = v4[i];
    return 0;
}

int nat64_extract(const uint8_t v6[16], unsigned len, uint8_t v4[4], struct nat64_prefix *p)
{
    const uint8_t *at = layout(len);
    if (!at || v6[8] != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        v4[i] = v6[at[i]];
    memset(p, 0, sizeof *p);
    memcpy(p->bytes, v6, len / 8);
    p->len = len;
    return 0;
}

int nat64_from_wka(const uint8_t v6[16], struct nat64_prefix *p)
{
    static const unsigned lens[] = { 96, 64, 56, 48, 40, 32 };
    for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t v4[4];
        if (nat64_extract(v6, lens[k], v4, p) == 0 && v4[0] == 192 && v4[1] == 0 &&
            v4[2] == 0 && (v4[3] == 170 || v4[3] == 171))
            return 0;
    }
    return -1;
}

static int in(const uint8_t v4[4], uint32_t net, unsigned bits)
{
    uint32_t a = (uint32_t)v4[0] << 24 | (uint32_t)v4[1] << 16 | (uint32_t)v4[2] << 8 | v4[3];
    uint32_t mask = bits ? ~0u << (32 - bits) : 0;
    return (a & mask) == (net & mask);
}

int nat64_never(const uint8_t v4[4])
{
    static const struct { uint32_t net; unsigned bits; } never[] = {
        { 0x00000000, 8 }, { 0x7f000000, 8 }, { 0xa9fe0000, 16 }, { 0xe0000000, 4 },
        { 0xf0000000, 4 },
    };
    for (unsigned i = 0; i < sizeof never / sizeof never[0]; i++)
        if (in(v4, never[i].net, never[i].bits))
            return 1;
    return 0;
}

int nat64_allowed(const struct nat64_prefix *p, const uint8_t v4[4])
{
    static const struct { uint32_t net; unsigned bits; } not_global[] = {
        { 0x0a000000, 8 }, { 0x64400000, 10 }, { 0xac100000, 12 }, { 0xc0000000, 24 },
        { 0xc0000200, 24 }, { 0xc0586300, 24 }, { 0xc0a80000, 16 }, { 0xc6120000, 15 },
        { 0xc6336400, 24 }, { 0xcb007100, 24 },
    };
    if (nat64_never(v4))
        return 0;
    int wkp = p->len == 96 && memcmp(p->bytes, nat64_wkp.bytes, 12) == 0;
    for (unsigned i = 0; wkp && i < sizeof not_global / sizeof not_global[0]; i++)
        if (in(v4, not_global[i].net, not_global[i].bits))
            return 0;
    return 1;
}

const char *nat64_prefix_str(const struct nat64_prefix *p, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, p->bytes, a, sizeof a))
        snprintf(a, sizeof a, "?");
    snprintf(buf, len, "%s/%u", a, p->len);
    return buf;
}

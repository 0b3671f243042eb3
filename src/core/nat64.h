/* nat64.h - owns the arithmetic of NAT64 (RFC 6052, RFC 7050): the IPv6
 * form of an IPv4 address under a prefix of any length RFC 6052 allows
 * (/32, /40, /48, /56, /64, /96), the prefix found in the AAAA answer of
 * ipv4only.arpa, and which IPv4 addresses must never be synthesized.
 * Pure: no system calls, no clock, no state.
 * Must never produce an address with a non-zero u octet (bits 64-71). */
#ifndef TRYALL_NAT64_H
#define TRYALL_NAT64_H

#include <stddef.h>
#include <stdint.h>

struct nat64_prefix {
    uint8_t bytes[16];     /* the prefix, zero beyond its length */
    unsigned len;          /* 32, 40, 48, 56, 64 or 96 */
};

/* The well-known prefix 64:ff9b::/96 (RFC 6052 section 2.1). */
extern const struct nat64_prefix nat64_wkp;

/* The IPv6 address for v4 under p (RFC 6052 section 2.2). 0, or -1 for a
 * prefix of a length RFC 6052 does not define. */
int nat64_synth(const struct nat64_prefix *p, const uint8_t v4[4], uint8_t out[16]);

/* The IPv4 address embedded in v6 under a prefix of length len, and back
 * the prefix itself (RFC 6052 section 2.2). 0, or -1 for a bad length or a
 * non-zero u octet. */
int nat64_extract(const uint8_t v6[16], unsigned len, uint8_t v4[4], struct nat64_prefix *p);

/* RFC 7050 section 3: the prefix of an AAAA answer of ipv4only.arpa, found
 * where one of its well-known IPv4 addresses (192.0.0.170, 192.0.0.171)
 * sits, trying the lengths from /96 down. 0, or -1 when the address holds
 * neither (no NAT64 there). */
int nat64_from_wka(const uint8_t v6[16], struct nat64_prefix *p);

/* May v4 be reached through NAT64 under p? Never for this host, this
 * network, link-local, multicast, reserved or broadcast addresses
 * (0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4, 240.0.0.0/4); with
 * the well-known prefix not for non-global ones either (RFC 6052 section
 * 3.1: 10/8, 100.64/10, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24,
 * 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24). */
int nat64_allowed(const struct nat64_prefix *p, const uint8_t v4[4]);

/* Is v4 one that is never reached through NAT64, whatever the prefix
 * (this host, this network, link-local, multicast, reserved, broadcast)? */
int nat64_never(const uint8_t v4[4]);

/* "64:ff9b::/96" into buf (at least 64 bytes). */
const char *nat64_prefix_str(const struct nat64_prefix *p, char *buf, size_t len);

#endif

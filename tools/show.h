/* show.h - owns the words and columns of tryall-tool's output: ages,
 * handshake times, destinations, verdicts and why, the attempt delay and
 * why, a probe's outcome, a line of the history listing. Pure (unit-tested
 * in tests/test_tool_show.c): every function writes into buf and returns it.
 * Must never make a system call or read a clock: the time is passed in. */
#ifndef TRYALL_TOOL_SHOW_H
#define TRYALL_TOOL_SHOW_H

#include <stddef.h>
#include <stdint.h>
#include "core/history.h"
#include "explain.h"
#include "probe.h"

/* "0 s", "59 s", "12 min", "5 h", "3 d"; "in the future" past now_ms. */
const char *show_age(char *buf, size_t len, uint64_t when_ms, uint64_t now_ms);

/* A handshake time: "0.052 ms", "12.3 ms", "1234 ms"; "-" for 0. */
const char *show_us(char *buf, size_t len, uint32_t us);

/* "192.0.2.1:80", "[2001:db8::1]:80". */
const char *show_dest(char *buf, size_t len, int family, const uint8_t *bytes, uint16_t port);

/* "good", "bad", "unknown". */
const char *show_verdict_name(int verdict);

/* "IPv4", "IPv6". */
const char *show_family(int family);

/* Why an address has its verdict: "good: srtt 0.052 ms, connected 3 s
 * ago", "bad: refused 3 s ago, 1 failure in a row", "unknown: no history",
 * "unknown: refused 20 min ago, too long ago to count". */
const char *show_reason(char *buf, size_t len, const struct hist_slot *s, int verdict,
                        uint64_t now_ms);

/* The attempt delay and where it comes from. */
const char *show_delay(char *buf, size_t len, const struct explain *e, const struct explain_cfg *c);

/* "connected in 3 ms", "refused", "unreachable (EHOSTUNREACH)",
 * "no answer in 250 ms". */
const char *show_probe(char *buf, size_t len, const struct probe *p);

/* The listing's column heads, and one slot under them; width: the
 * destination column's (show_slot_width of the slots listed). */
unsigned show_slot_width(const struct hist_slot *s, unsigned n);
const char *show_slot_head(char *buf, size_t len, unsigned width);
const char *show_slot_line(char *buf, size_t len, const struct hist_slot *s, uint64_t now_ms,
                           unsigned width);

#endif

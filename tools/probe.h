/* probe.h - owns one probe of one destination for `--explain`: a
 * non-blocking connect through libc's own call (plain.h), waited for at
 * most a limit, no byte sent, the socket closed at once.
 * Must never send data, go through anything preloaded, or write the
 * history file (a probe is the operator's question, not a program's
 * connection). */
#ifndef TRYALL_TOOL_PROBE_H
#define TRYALL_TOOL_PROBE_H

#include <stdint.h>
#include "core/addr.h"

enum probe_result {
    PROBE_CONNECTED,     /* in .ms */
    PROBE_REFUSED,       /* ECONNREFUSED */
    PROBE_UNREACHABLE,   /* any other error, in .err */
    PROBE_NO_ANSWER,     /* nothing within the limit (.ms) */
};

struct probe {
    int result;          /* enum probe_result */
    int err;             /* errno of PROBE_UNREACHABLE (and of PROBE_REFUSED) */
    unsigned ms;         /* how long it took */
};

/* Probe a, port (host order), waiting at most limit_ms. */
struct probe probe_one(const struct tryall_addr *a, uint16_t port, unsigned limit_ms);

#endif

/* sockopt.c - owns the table of socket options a winner must carry over
 * (set before connect where it matters: buffers, marks, device) and the copy.
 * Must never touch the app's socket except to read it. */
#include "sockopt.h"
#include "real.h"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

enum { ANY = 0 };

struct opt {
    int family;          /* ANY, or the family whose level this is */
    int level, name;
    int other_level, other_name;   /* same meaning in the other family, or -1 */
    int doubled;         /* kernel reports twice what was set (buffers) */
};

static const struct opt opts[] = {
    { ANY, SOL_SOCKET, SO_REUSEADDR, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_REUSEPORT, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_KEEPALIVE, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVBUF, 0, -1, 1 },
    { ANY, SOL_SOCKET, SO_SNDBUF, 0, -1, 1 },
    { ANY, SOL_SOCKET, SO_LINGER, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_MARK, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_PRIORITY, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_OOBINLINE, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVLOWAT, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_RCVTIMEO, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_SNDTIMEO, 0, -1, 0 },
    { ANY, SOL_SOCKET, SO_BINDTODEVICE, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_NODELAY, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_USER_TIMEOUT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPIDLE, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPINTVL, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_KEEPCNT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_SYNCNT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_CONGESTION, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 0, -1, 0 },
    { ANY, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0, -1, 0 },
    { AF_INET, IPPROTO_IP, IP_TOS, IPPROTO_IPV6, IPV6_TCLASS, 0 },
    { AF_INET, IPPROTO_IP, IP_TTL, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_TCLASS, IPPROTO_IP, IP_TOS, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, IPPROTO_IP, IP_TTL, 0 },
    { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, -1, -1, 0 },
};

void sockopt_copy(int from, int from_family, int to, int to_family)
{
    const struct tryall_real *r = real();
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const struct opt *o = &opts[i];
        if (o->family != ANY && o->family != from_family)
            continue;
        int level = o->level, name = o->name;
        if (o->family != ANY && to_family != from_family) {
            if (o->other_name < 0)
                continue;
            level = o->other_level;
            name = o->other_name;
        }
        char want[64], have[64];
        socklen_t wl = sizeof want, hl = sizeof have;
        memset(want, 0, sizeof want);
        memset(have, 0, sizeof have);
        if (r->getsockopt(from, o->level, o->name, want, &wl) != 0)
            continue;
        if (r->getsockopt(to, level, name, have, &hl) != 0)
            continue;
        if (wl == hl && memcmp(want, have, wl) == 0)
            continue;
        if (o->level == SOL_SOCKET && o->name == SO_BINDTODEVICE) {
            wl = (socklen_t)strnlen(want, IFNAMSIZ);
            if (wl == 0)
                continue;
        }
        if (o->doubled && wl == sizeof(int)) {
            int v;
            memcpy(&v, want, sizeof v);
            v /= 2;
            memcpy(want, &v, sizeof v);
        }
        setsockopt(to, level, name, want, wl);
    }
}

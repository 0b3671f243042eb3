/* xlat.c - owns the IPv4 view of NAT64 winners (xlat.h): pool objects hung
 * on fdtable slots, checked against the socket's identity before each use.
 * Must never allocate with malloc (hooks may run in signal handlers), never
 * keep a view past the socket it was made for. */
#include "race/xlat.h"
#include "race/attempt.h"
#include "race/fdtable.h"
#include "sys/pool.h"

#include <netinet/in.h>
#include <string.h>

static struct pool views = POOL_OF(struct xlat);

int xlat_set(int fd, const struct xlat *x)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 1);
    struct xlat *v = s ? (s->xlat ? s->xlat : pool_get(&views)) : NULL;
    if (!v)
        return -1;
    *v = *x;
    if (attempt_identity(fd, &v->dev, &v->ino) != 0) {
        if (!s->xlat)
            pool_put(&views, v);
        return -1;
    }
    __atomic_store_n(&s->xlat, v, __ATOMIC_RELEASE);
    return 0;
}

void xlat_forget(int fd)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    struct xlat *v = s ? s->xlat : NULL;
    if (!v)
        return;
    __atomic_store_n(&s->xlat, NULL, __ATOMIC_RELEASE);
    pool_put(&views, v);
}

int xlat_get(int fd, struct xlat *out)
{
    FDT_ASSERT_HELD();
    struct fdslot *s = fdt_slot(fd, 0);
    dev_t d;
    ino_t i;
    if (!s || !s->xlat)
        return -1;
    if (attempt_identity(fd, &d, &i) != 0 || d != s->xlat->dev || i != s->xlat->ino) {
        xlat_forget(fd);   /* closed behind our back, maybe reused */
        return -1;
    }
    *out = *s->xlat;
    return 0;
}

void xlat_copy(int from, int to)
{
    struct xlat x;
    if (xlat_get(from, &x) == 0)
        xlat_set(to, &x);
}

socklen_t xlat_sockaddr(const struct xlat *x, int peer, uint16_t local_port,
                        struct sockaddr_storage *out)
{
    static const uint8_t local[4] = XLAT_LOCAL_V4;
    const uint8_t *a = peer ? x->v4 : local;
    uint16_t port = htons(peer ? x->port : local_port);
    memset(out, 0, sizeof *out);
    if (x->family == AF_INET6) {   /* the app's AF_INET6 socket: v4-mapped */
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = port;
        s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&s6->sin6_addr.s6_addr[12], a, 4);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)out;
    s4->sin_family = AF_INET;
    s4->sin_port = port;
    memcpy(&s4->sin_addr, a, 4);
    return sizeof *s4;
}

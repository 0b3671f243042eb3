/* fuzz_addr.c - owns fuzzing the address conversions (src/core/addr.c): any
 * bytes of any length as the sockaddr an app hands to connect(), and any
 * compact address back to a sockaddr for either socket family.
 * Invariants: nothing is read past the length given (the buffer is exactly
 * that long: ASan); an address is taken only from a whole sockaddr_in or
 * sockaddr_in6, v4-mapped IPv6 as IPv4; taken addresses go back to a
 * sockaddr of either family (v4 on an IPv6 socket as v4-mapped, v6 on an
 * IPv4 socket refused) and read back equal with the same port; the
 * printable form fits 46 bytes and parses back to the same address. */
#include "fuzz.h"

#include "core/addr.h"

#include <arpa/inet.h>

static void round_trip(const struct tryall_addr *a, uint16_t port)
{
    for (int fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
        struct sockaddr_storage ss;
        socklen_t l = addr_to_sockaddr(a, port, fam, &ss);
        if (fam == AF_INET && a->family == AF_INET6) {
            FZ_CHECK(l == 0, "IPv6 address as a sockaddr_in");
            continue;
        }
        FZ_CHECK(l == (fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)),
                 "length %u for family %d", (unsigned)l, fam);
        struct tryall_addr b;
        FZ_CHECK(addr_from_sockaddr((struct sockaddr *)&ss, l, &b) == 0, "own sockaddr refused");
        FZ_CHECK(addr_equal(a, &b), "address changed on the way back");
        FZ_CHECK(addr_port((struct sockaddr *)&ss) == port, "port changed");
    }
    char buf[46];
    memset(buf, 'x', sizeof buf);
    addr_str(a, buf, sizeof buf);
    FZ_CHECK(memchr(buf, '\0', sizeof buf), "printable form not terminated");
    uint8_t back[16];
    FZ_CHECK(inet_pton(a->family, buf, back) == 1 &&
             memcmp(back, a->bytes, a->family == AF_INET ? 4 : 16) == 0, "%s does not parse back", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint16_t port = (uint16_t)(data[0] << 8 | data[1]);
    size_t len = size - 2;
    uint8_t *sa = malloc(len ? len : 1);   /* exactly len bytes */
    memcpy(sa, data + 2, len);
    sa_family_t fam = 0;
    if (len >= sizeof fam)
        memcpy(&fam, sa, sizeof fam);
    struct tryall_addr a;
    int rc = addr_from_sockaddr(len ? (struct sockaddr *)sa : NULL, (socklen_t)len, &a);
    int whole = (fam == AF_INET && len >= sizeof(struct sockaddr_in)) ||
                (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6));
    FZ_CHECK((rc == 0) == whole, "family %d length %zu: %d", fam, len, rc);
    if (rc == 0) {
        FZ_CHECK(a.family == AF_INET || a.family == AF_INET6, "family %d", a.family);
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (fam == AF_INET6) {
            const uint8_t *six = sa + offsetof(struct sockaddr_in6, sin6_addr);
            FZ_CHECK((a.family == AF_INET) == !memcmp(six, mapped, 12), "v4-mapped not folded");
        }
        round_trip(&a, port);
    }
    free(sa);
    return 0;
}

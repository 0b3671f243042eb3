/* fuzz_answer.c - owns fuzzing how a getaddrinfo answer becomes the
 * addresses the book is given (src/core/addr.c addr_from_answer): answers
 * of up to 400 entries, each IPv4, IPv6, v4-mapped IPv6, without an
 * address, too short or of another family, any socktype, from a small pool
 * of addresses so that repeats (one per socktype) are frequent.
 * Invariants: at most ADDR_ANSWER_MAX written (the array is exactly that
 * big: ASan); no address twice; for each family exactly the first
 * min(ADDR_ANSWER_PER_FAMILY, its distinct count) of its distinct usable
 * addresses, in answer order (a long answer of one family never cuts off
 * the other); v4-mapped ones as IPv4. */
#include "fuzz.h"

#include "core/addr.h"

#include <netdb.h>

enum { MAXE = 400 };

/* Entry k of the answer from two bytes: kind and address. */
static void make(struct addrinfo *ai, struct sockaddr_storage *ss, uint8_t kind, uint8_t v,
                 struct tryall_addr *want, int *usable)
{
    memset(ai, 0, sizeof *ai);
    memset(ss, 0, sizeof *ss);
    memset(want, 0, sizeof *want);
    ai->ai_socktype = kind >> 4 & 3;
    ai->ai_addr = (struct sockaddr *)ss;
    *usable = 1;
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    switch (kind % 6) {
    case 0: case 3:   /* IPv4 (twice as likely), or v4-mapped */
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(0xc0000200u | v);
        ai->ai_addrlen = sizeof *s4;
        want->family = AF_INET;
        memcpy(want->bytes, &s4->sin_addr, 4);
        if (kind % 6 == 3) {
            s6->sin6_family = AF_INET6;
            memset(s6->sin6_addr.s6_addr, 0, 10);
            s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
            memcpy(s6->sin6_addr.s6_addr + 12, want->bytes, 4);
            ai->ai_addrlen = sizeof *s6;
        }
        break;
    case 1:
        s6->sin6_family = AF_INET6;
        s6->sin6_addr.s6_addr[0] = 0x20;
        s6->sin6_addr.s6_addr[15] = v;
        ai->ai_addrlen = sizeof *s6;
        want->family = AF_INET6;
        memcpy(want->bytes, &s6->sin6_addr, 16);
        break;
    case 2:
        ai->ai_addr = NULL;
        *usable = 0;
        break;
    case 4:
        s6->sin6_family = AF_INET6;
        ai->ai_addrlen = (socklen_t)(v % sizeof *s6);   /* too short */
        *usable = 0;
        break;
    default:
        ss->ss_family = AF_UNIX;
        ai->ai_addrlen = sizeof *ss;
        *usable = 0;
    }
}

static int in(const struct tryall_addr *v, unsigned n, const struct tryall_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (addr_equal(&v[i], a))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct addrinfo ai[MAXE];
    static struct sockaddr_storage ss[MAXE];
    static struct tryall_addr want[MAXE], distinct[2][MAXE];
    unsigned n = 0, nd[2] = { 0, 0 };
    struct fz f = fz_of(data, size);
    while (!fz_done(&f) && n < MAXE) {
        int usable;
        uint8_t kind = fz_u8(&f), v = fz_u8(&f);
        make(&ai[n], &ss[n], kind, v, &want[n], &usable);
        if (n)
            ai[n - 1].ai_next = &ai[n];
        int fam = want[n].family == AF_INET6;
        if (usable && !in(distinct[fam], nd[fam], &want[n]))
            distinct[fam][nd[fam]++] = want[n];
        n++;
    }
    struct tryall_addr *out = malloc(ADDR_ANSWER_MAX * sizeof *out);   /* exactly: ASan */
    unsigned got = addr_from_answer(n ? &ai[0] : NULL, out);
    FZ_CHECK(got <= ADDR_ANSWER_MAX, "%u addresses", got);
    unsigned seen[2] = { 0, 0 };
    for (unsigned i = 0; i < got; i++) {
        FZ_CHECK(!in(out, i, &out[i]), "address %u twice", i);
        int fam = out[i].family == AF_INET6;
        FZ_CHECK(out[i].family == AF_INET || out[i].family == AF_INET6, "family %d", out[i].family);
        FZ_CHECK(seen[fam] < nd[fam] && addr_equal(&out[i], &distinct[fam][seen[fam]]),
                 "address %u is not the next of its family in the answer", i);
        seen[fam]++;
    }
    for (int fam = 0; fam < 2; fam++) {
        unsigned want_n = nd[fam] < ADDR_ANSWER_PER_FAMILY ? nd[fam] : ADDR_ANSWER_PER_FAMILY;
        FZ_CHECK(seen[fam] == want_n, "family %d: %u of %u distinct", fam, seen[fam], nd[fam]);
    }
    free(out);
    return 0;
}

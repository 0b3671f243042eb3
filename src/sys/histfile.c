/* histfile.c - owns the history file (histfile.h): per user, in
 * $XDG_RUNTIME_DIR/libtryall/history or else $HOME/.cache/libtryall/history
 * (TRYALL_HISTORY: another path, or off); the directory 0700 and the file
 * 0600, both the user's own, opened with O_NOFOLLOW and checked (owner,
 * mode, type, size, header) before use; mapped shared and the descriptor
 * closed at once (none is kept). A bad file (truncated, foreign version,
 * hostile bytes, wrong owner or mode) and a changed network (the host's
 * addresses or default routes: HE v3 keeps history per network) are met by
 * a fresh file renamed over the old one; nothing is ever truncated in
 * place. Slots are read and written without a lock (per-slot sequence).
 * Must never follow a symlink, act in a set-uid/set-gid process, hold a
 * lock or a descriptor, or let a failure reach the app. */
#include "sys/histfile.h"
#include "core/config.h"
#include "sys/real.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct hist_header *map;     /* NULL: history off */
static struct hist_slot *slots;
static char path[PATH_MAX];
static uint64_t network;
static pthread_once_t once = PTHREAD_ONCE_INIT;

uint64_t histfile_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- where ----------------------------------------------------------------- */

/* A directory of the user's own, private (created so when missing). */
static int own_dir(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0 && (errno != ENOENT || mkdir(dir, 0700) != 0 || lstat(dir, &st) != 0))
        return -1;
    return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0 ? 0 : -1;
}

static int pick_path(void)
{
    const char *cfg = tryall_config()->history;
    if (getauxval(AT_SECURE) || strcmp(cfg, "off") == 0)
        return -1;
    if (*cfg) {
        snprintf(path, sizeof path, "%s", cfg);
        return 0;
    }
    char dir[PATH_MAX + 32];
    const char *run = secure_getenv("XDG_RUNTIME_DIR"), *home = secure_getenv("HOME");
    if (run && *run == '/' && strlen(run) < PATH_MAX) {
        snprintf(dir, sizeof dir, "%s/libtryall", run);
    } else if (home && *home == '/' && strlen(home) < PATH_MAX - 16) {
        char cache[PATH_MAX];
        if (snprintf(cache, sizeof cache, "%s/.cache", home) >= (int)sizeof cache)
            return -1;
        struct stat st;
        if (lstat(cache, &st) != 0 && mkdir(cache, 0700) != 0)
            return -1;
        snprintf(dir, sizeof dir, "%s/libtryall", cache);
    } else {
        return -1;
    }
    if (own_dir(dir) != 0)
        return -1;
    return snprintf(path, sizeof path, "%s/history", dir) < (int)sizeof path ? 0 : -1;
}

/* ---- which network ---------------------------------------------------------- */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        x = (x ^ b[i]) * 1099511628211ull;
    return h ^ x;   /* order-free: each item hashed alone, then combined */
}

/* The default routes (destination all zeros, prefix 0): their next hop and
 * device only (the other fields, use and reference counts, move). v6: 1
 * for /proc/net/ipv6_route, else /proc/net/route. */
static uint64_t default_routes(int v6, uint64_t h)
{
    char line[512], dev[64], dst[40], hop[40];
    unsigned plen;
    FILE *f = fopen(v6 ? "/proc/net/ipv6_route" : "/proc/net/route", "re");
    if (!f)
        return h;
    while (fgets(line, sizeof line, f)) {
        int ok = v6 ? sscanf(line, "%39s %x %*s %*s %39s %*s %*s %*s %*s %63s", dst, &plen, hop, dev) == 4
                    : sscanf(line, "%63s %39s %39s", dev, dst, hop) == 3 && (plen = 0, 1);
        if (ok && plen == 0 && strspn(dst, "0") == strlen(dst)) {
            h = mix(h, hop, strlen(hop));
            h = mix(h, dev, strlen(dev));
        }
    }
    fclose(f);
    return h;
}

/* A hash of this host's global addresses and default routes. */
static uint64_t network_now(void)
{
    uint64_t h = 0;
    struct ifaddrs *ifa, *i;
    if (getifaddrs(&ifa) == 0) {
        for (i = ifa; i; i = i->ifa_next) {
            if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
                continue;
            if (i->ifa_addr->sa_family == AF_INET)
                h = mix(h, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
            else if (i->ifa_addr->sa_family == AF_INET6 &&
                     !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
                h = mix(h, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
        }
        freeifaddrs(ifa);
    }
    h = default_routes(0, h);
    h = default_routes(1, h);
    return h ? h : 1;
}

/* ---- the file --------------------------------------------------------------- */

/* A fresh file for network net in place of path: linked in when there is
 * none (so that processes starting together all map the one that won),
 * renamed over a bad one (replace). 0, or -1 (full disk, read-only home:
 * history stays off). */
static int fresh(uint64_t net, int replace)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);   /* 0600 */
    if (fd < 0)
        return -1;
    struct hist_header h;
    hist_header_init(&h, net);
    int ok = ftruncate(fd, (off_t)HIST_FILE_SIZE) == 0 && pwrite(fd, &h, sizeof h, 0) == sizeof h;
    real()->close(fd);
    int rc = !ok ? -1 : replace ? rename(tmp, path) : link(tmp, path);
    if (!replace && rc != 0 && errno == EEXIST)
        rc = 0;   /* another process was first: use its file */
    if (replace && rc == 0)
        return 0;
    unlink(tmp);
    return rc;
}

/* Map path if it is ours, private, a regular file of the right size with
 * our header for this network: the mapping, or NULL. */
static struct hist_header *map_checked(uint64_t net)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    void *m = MAP_FAILED;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        (st.st_mode & 077) == 0 && (size_t)st.st_size == HIST_FILE_SIZE)
        m = mmap(NULL, HIST_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    real()->close(fd);
    if (m == MAP_FAILED)
        return NULL;
    struct hist_header h;
    memcpy(&h, m, sizeof h);
    if (!hist_header_valid(&h, HIST_FILE_SIZE) || h.network != net) {
        munmap(m, HIST_FILE_SIZE);
        return NULL;
    }
    return m;
}

static void open_once(void)
{
    if (pick_path() != 0)
        return;
    network = network_now();
    struct hist_header *m = map_checked(network);
    /* Missing: a fresh one (or the one another process made meanwhile).
     * Foreign, hostile, or another network's: a fresh one over it, once. */
    if (!m && fresh(network, 0) == 0)
        m = map_checked(network);
    if (!m && fresh(network, 1) == 0)
        m = map_checked(network);
    if (!m) {
        path[0] = '\0';
        return;
    }
    slots = (struct hist_slot *)(m + 1);
    __atomic_store_n(&map, m, __ATOMIC_RELEASE);
}

int histfile_ready(void)
{
    int saved = errno;
    pthread_once(&once, open_once);
    errno = saved;
    return __atomic_load_n(&map, __ATOMIC_ACQUIRE) ? 0 : -1;
}

const char *histfile_path(void)
{
    return histfile_ready() == 0 ? path : "";
}

/* ---- slots ------------------------------------------------------------------- */

/* A consistent copy of slot i: 0, or -1 when a writer was in it. */
static int read_slot(unsigned i, struct hist_slot *out)
{
    uint64_t *dst = (uint64_t *)out, *src = (uint64_t *)&slots[i];
    uint32_t seq = __atomic_load_n(&slots[i].seq, __ATOMIC_ACQUIRE);
    if (seq & 1u)
        return -1;
    for (unsigned w = 0; w < sizeof *out / 8; w++)
        dst[w] = __atomic_load_n(&src[w], __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&slots[i].seq, __ATOMIC_RELAXED) == seq && out->seq == seq ? 0 : -1;
}

void histfile_get(const struct tryall_addr *a, uint16_t port, struct hist_slot *out)
{
    memset(out, 0, sizeof *out);
    if (histfile_ready() != 0)
        return;
    for (unsigned k = 0; k < HIST_PROBE; k++) {
        struct hist_slot s;
        unsigned i = hist_index(a, port, k);
        if ((read_slot(i, &s) == 0 || read_slot(i, &s) == 0) && hist_slot_valid(&s) &&
            hist_slot_is(&s, a, port)) {
            *out = s;
            return;
        }
    }
}

/* The slot to write a destination into: its own, else an empty or
 * unreadable one, else the oldest of its probe window. */
static unsigned place(const struct tryall_addr *a, uint16_t port)
{
    unsigned best = hist_index(a, port, 0);
    uint64_t oldest = UINT64_MAX;
    for (unsigned k = 0; k < HIST_PROBE; k++) {
        struct hist_slot s;
        unsigned i = hist_index(a, port, k);
        if (read_slot(i, &s) != 0 || !hist_slot_valid(&s))
            return i;
        if (hist_slot_is(&s, a, port))
            return i;
        if (s.when_ms < oldest)
            oldest = s.when_ms, best = i;
    }
    return best;
}

void histfile_put(const struct tryall_addr *a, uint16_t port, int outcome, uint32_t rtt_us,
                  uint64_t now_ms)
{
    if (histfile_ready() != 0)
        return;
    unsigned i = place(a, port);
    uint32_t seq = __atomic_load_n(&slots[i].seq, __ATOMIC_ACQUIRE);
    /* Another writer in it: skip this update rather than wait. */
    if ((seq & 1u) || !__atomic_compare_exchange_n(&slots[i].seq, &seq, seq + 1, 0,
                                                   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;
    struct hist_slot s;
    uint64_t *w = (uint64_t *)&s, *src = (uint64_t *)&slots[i];
    for (unsigned k = 0; k < sizeof s / 8; k++)
        w[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
    hist_record(&s, a, port, outcome, rtt_us, now_ms);
    s.seq = seq + 1;
    for (unsigned k = 1; k < sizeof s / 8; k++)   /* word 0 holds seq and check */
        __atomic_store_n(&src[k], w[k], __ATOMIC_RELAXED);
    __atomic_store_n(&slots[i].check, s.check, __ATOMIC_RELAXED);
    __atomic_store_n(&slots[i].seq, seq + 2, __ATOMIC_RELEASE);
}

unsigned histfile_each(void (*fn)(const struct hist_slot *s, void *arg), void *arg)
{
    unsigned n = 0;
    if (histfile_ready() != 0)
        return 0;
    for (unsigned i = 0; i < HIST_SLOTS; i++) {
        struct hist_slot s;
        if (read_slot(i, &s) == 0 && hist_slot_valid(&s)) {
            fn(&s, arg);
            n++;
        }
    }
    return n;
}

int histfile_clear(void)
{
    if (histfile_ready() != 0)
        return -1;
    if (fresh(network, 1) != 0)
        return -1;
    struct hist_header *m = map_checked(network);
    if (!m)
        return -1;
    struct hist_header *old = map;
    slots = (struct hist_slot *)(m + 1);
    __atomic_store_n(&map, m, __ATOMIC_RELEASE);
    munmap(old, HIST_FILE_SIZE);
    return 0;
}

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
#include <sys/ioctl.h>
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
static uint8_t *filter;             /* the shared book's address filter */
static struct hist_book *books;
static char path[PATH_MAX];
static uint64_t network;

uint64_t histfile_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- where ----------------------------------------------------------------- */

/* A directory of the user's own, private (created so when missing). */
static int own_dir(const char *dir, int create)
{
    struct stat st;
    if (lstat(dir, &st) != 0 &&
        (errno != ENOENT || !create || mkdir(dir, 0700) != 0 || lstat(dir, &st) != 0))
        return -1;
    return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0 ? 0 : -1;
}

static int pick_path(int create)
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
        if (lstat(cache, &st) != 0 && (!create || mkdir(cache, 0700) != 0))
            return -1;
        snprintf(dir, sizeof dir, "%s/libtryall", cache);
    } else {
        return -1;
    }
    if (own_dir(dir, create) != 0)
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

/* Read a small /proc file into buf (NUL-terminated; what does not fit is
 * left out). Plain system calls, no stdio: this may run in a signal handler
 * (a handler's connect can be a process's first race). */
static size_t slurp(const char *file, char *buf, size_t len)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    ssize_t r;
    if (fd < 0)
        return 0;
    while (n + 1 < len && (r = real()->read(fd, buf + n, len - 1 - n)) > 0)
        n += (size_t)r;
    real()->close(fd);
    buf[n] = '\0';
    return n;
}

/* The n-th whitespace-separated field of line (up to the newline), into out. */
static int field(const char *line, unsigned n, char *out, size_t len)
{
    const char *p = line;
    for (unsigned k = 0;; k++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '\n')
            return -1;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n')
            e++;
        if (k == n) {
            size_t l = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
            memcpy(out, p, l);
            out[l] = '\0';
            return 0;
        }
        p = e;
    }
}

static int all_zeros(const char *s)
{
    return *s && strspn(s, "0") == strlen(s);
}

/* Hash the lines of a /proc table: for /proc/net/route the default routes'
 * gateway and device, for ipv6_route the default routes' next hop and
 * device, for if_inet6 the global addresses (never the counters, which
 * move). */
static uint64_t table(const char *file, int kind, uint64_t h)
{
    char buf[8192], a[64], b[64], c[64];
    slurp(file, buf, sizeof buf);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (kind == 0 && field(line, 1, a, sizeof a) == 0 && all_zeros(a) &&
            field(line, 2, b, sizeof b) == 0 && field(line, 0, c, sizeof c) == 0) {
            h = mix(h, b, strlen(b));   /* route: Iface Destination Gateway */
            h = mix(h, c, strlen(c));
        } else if (kind == 1 && field(line, 0, a, sizeof a) == 0 && all_zeros(a) &&
                   field(line, 1, b, sizeof b) == 0 && all_zeros(b) &&
                   field(line, 4, b, sizeof b) == 0 && field(line, 9, c, sizeof c) == 0) {
            h = mix(h, b, strlen(b));   /* ipv6_route: dst plen src plen hop ... dev */
            h = mix(h, c, strlen(c));
        } else if (kind == 2 && field(line, 0, a, sizeof a) == 0 &&
                   field(line, 3, b, sizeof b) == 0 && strcmp(b, "20") != 0 &&
                   field(line, 5, c, sizeof c) == 0 && strcmp(c, "lo") != 0) {
            h = mix(h, a, strlen(a));   /* if_inet6: addr idx plen scope flags dev */
        }
    }
    return h;
}

/* The IPv4 addresses of the interfaces but loopback (SIOCGIFCONF). */
static uint64_t ipv4_addresses(uint64_t h)
{
    struct ifreq req[64];
    struct ifconf conf = { .ifc_len = sizeof req, .ifc_req = req };
    int s = real()->socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return h;
    if (ioctl(s, SIOCGIFCONF, &conf) == 0)
        for (int i = 0; i < conf.ifc_len / (int)sizeof req[0]; i++) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)&req[i].ifr_addr;
            if (in->sin_family == AF_INET && (ntohl(in->sin_addr.s_addr) >> 24) != 127)
                h = mix(h, &in->sin_addr, 4);
        }
    real()->close(s);
    return h;
}

/* A fingerprint of this host's network: its global addresses and default
 * routes. */
static uint64_t network_now(void)
{
    uint64_t h = ipv4_addresses(0);
    h = table("/proc/net/if_inet6", 2, h);
    h = table("/proc/net/route", 0, h);
    h = table("/proc/net/ipv6_route", 1, h);
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

static void set_map(struct hist_header *m)
{
    slots = (struct hist_slot *)((char *)m + HIST_SLOTS_AT);
    filter = (uint8_t *)m + HIST_FILTER_AT;
    books = (struct hist_book *)((char *)m + HIST_BOOK_AT);
    __atomic_store_n(&map, m, __ATOMIC_RELEASE);
}

/* Map the history file; with create 0 only one that is there already (a
 * connect that only looks must not make files). 1 mapped, 0 not there
 * (yet), -1 off. */
static int open_file(int create)
{
    struct stat st;
    if (pick_path(create) != 0)
        return create ? -1 : 0;
    if (!create && lstat(path, &st) != 0)
        return 0;
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
        return -1;
    }
    set_map(m);
    return 1;
}

static int state;              /* 0 not mapped, 1 being opened, 2 mapped, 3 off (atomic) */
static uint64_t next_look_ms;  /* not there: look again then (readers) */

/* No pthread_once: a signal handler's connect may be the first race, and
 * it must not wait on an open the thread it interrupted is in. While one
 * thread opens, the others go without history. */
static unsigned looks_left;   /* readers: calls before the clock is read again */

static int ready(int create)
{
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE), zero = 0;
    if (s == 2)
        return 0;
    /* A reader (connect) looks for a file that is not there at most once a
     * second, and reads the clock only every 256th time it asks. */
    if (!create && s == 0 && __atomic_fetch_add(&looks_left, 1, __ATOMIC_RELAXED) % 256u != 0)
        return -1;
    if (s != 0 || (!create && histfile_now_ms() < __atomic_load_n(&next_look_ms, __ATOMIC_RELAXED)) ||
        !__atomic_compare_exchange_n(&state, &zero, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return -1;
    int saved = errno, rc = open_file(create);
    errno = saved;
    if (rc == 0)
        __atomic_store_n(&next_look_ms, histfile_now_ms() + 1000u, __ATOMIC_RELAXED);
    __atomic_store_n(&state, rc > 0 ? 2 : rc == 0 ? 0 : 3, __ATOMIC_RELEASE);
    return rc > 0 ? 0 : -1;
}

int histfile_ready(void)
{
    return ready(1);
}

const char *histfile_path(void)
{
    return histfile_ready() == 0 ? path : "";
}

/* ---- slots ------------------------------------------------------------------- */

/* A consistent copy of slot i: 0, or -1 when a writer was in it. */
static int read_slot(unsigned i, struct hist_slot *out)
{
    uint32_t *dst = (uint32_t *)out, *src = (uint32_t *)&slots[i];
    uint32_t seq = __atomic_load_n(&slots[i].seq, __ATOMIC_ACQUIRE);
    if (seq & 1u)
        return -1;
    for (unsigned w = 0; w < sizeof *out / 4; w++)
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
    uint32_t *w = (uint32_t *)&s, *src = (uint32_t *)&slots[i];
    for (unsigned k = 0; k < sizeof s / 4; k++)
        w[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
    hist_record(&s, a, port, outcome, rtt_us, now_ms);
    s.seq = seq + 1;
    for (unsigned k = 2; k < sizeof s / 4; k++)   /* words 0 and 1: seq and check */
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
    set_map(m);
    munmap(old, HIST_FILE_SIZE);
    return 0;
}

/* ---- the shared address book ------------------------------------------------ */

/* A consistent copy of entry i: 0, or -1. */
static int read_book(unsigned i, struct hist_book *out)
{
    uint32_t *dst = (uint32_t *)out, *src = (uint32_t *)&books[i];
    uint32_t seq = __atomic_load_n(&books[i].seq, __ATOMIC_ACQUIRE);
    if (seq & 1u)
        return -1;
    for (unsigned w = 0; w < sizeof *out / 4; w++)
        dst[w] = __atomic_load_n(&src[w], __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&books[i].seq, __ATOMIC_RELAXED) == seq && out->seq == seq ? 0 : -1;
}

int histfile_book_ready(void)
{
    return ready(0) == 0;
}

int histfile_book_maybe(const struct tryall_addr *a)
{
    uint8_t mask;
    if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2 && ready(0) != 0)
        return 0;
    unsigned byte = hist_filter_bit(a, &mask);
    return (__atomic_load_n(&filter[byte], __ATOMIC_RELAXED) & mask) != 0;
}

int histfile_book_find(const struct tryall_addr *a, struct tryall_list *out)
{
    if (!histfile_book_maybe(a))
        return 0;
    uint64_t now = histfile_now_ms(), best = 0;
    int found = 0;
    for (unsigned i = 0; i < HIST_BOOK_ENTRIES; i++) {
        struct hist_book e;
        /* A look in place first: only a likely entry is copied. */
        uint32_t n = __atomic_load_n(&books[i].n, __ATOMIC_RELAXED);
        if (n == 0 || n > BOOK_MAX_ADDRS || read_book(i, &e) != 0 || !hist_book_valid(&e, now) ||
            !hist_book_has(&e, a) || e.when_ms < best)
            continue;
        hist_book_to_list(&e, out);
        best = e.when_ms;
        found = 1;
    }
    return found;
}

/* The entry for a list: its name's, else an empty or expired one, else the
 * oldest. */
static unsigned book_place(const struct tryall_list *l, uint64_t now)
{
    unsigned best = 0;
    uint64_t oldest = UINT64_MAX;
    for (unsigned i = 0; i < HIST_BOOK_ENTRIES; i++) {
        struct hist_book e;
        if (read_book(i, &e) != 0 || !hist_book_valid(&e, now))
            return i;
        if (strncmp(e.name, l->name, sizeof e.name) == 0)
            return i;
        if (e.when_ms < oldest)
            oldest = e.when_ms, best = i;
    }
    return best;
}

void histfile_book_put(const struct tryall_list *l)
{
    if (l->n == 0 || ready(1) != 0)
        return;
    uint64_t now = histfile_now_ms();
    unsigned i = book_place(l, now);
    uint32_t seq = __atomic_load_n(&books[i].seq, __ATOMIC_ACQUIRE);
    if ((seq & 1u) || !__atomic_compare_exchange_n(&books[i].seq, &seq, seq + 1, 0,
                                                   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;   /* another writer in it: skip */
    struct hist_book e;
    e.seq = seq + 1;
    hist_book_fill(&e, l, now);
    uint32_t *w = (uint32_t *)&e, *dst = (uint32_t *)&books[i];
    for (unsigned k = 2; k < sizeof e / 4; k++)   /* words 0 and 1: seq and check */
        __atomic_store_n(&dst[k], w[k], __ATOMIC_RELAXED);
    __atomic_store_n(&books[i].check, e.check, __ATOMIC_RELAXED);
    __atomic_store_n(&books[i].seq, seq + 2, __ATOMIC_RELEASE);
    for (unsigned k = 0; k < e.n; k++) {
        uint8_t mask;
        unsigned byte = hist_filter_bit(&e.a[k], &mask);
        __atomic_fetch_or(&filter[byte], mask, __ATOMIC_RELAXED);
    }
}

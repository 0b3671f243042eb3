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
#include "sys/histint.h"
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
uint8_t *histfile_filter;           /* the shared book's address filter */
struct hist_book *histfile_books;
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
    histfile_filter = (uint8_t *)m + HIST_FILTER_AT;
    histfile_books = (struct hist_book *)((char *)m + HIST_BOOK_AT);
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
    network = histfile_network_now();
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

int histfile_state;             /* 0 not mapped, 1 being opened, 2 mapped, 3 off (atomic) */
static uint64_t next_look_ms;  /* not there: look again then (readers) */

/* No pthread_once: a signal handler's connect may be the first race, and
 * it must not wait on an open the thread it interrupted is in. While one
 * thread opens, the others go without history. */
static unsigned looks_left;   /* readers: calls before the clock is read again */

int histfile_map(int create)
{
    int s = __atomic_load_n(&histfile_state, __ATOMIC_ACQUIRE), zero = 0;
    if (s == 2)
        return 0;
    /* A reader (connect) looks for a file that is not there at most once a
     * second, and reads the clock only every 256th time it asks. */
    if (!create && s == 0 && __atomic_fetch_add(&looks_left, 1, __ATOMIC_RELAXED) % 256u != 0)
        return -1;
    if (s != 0 || (!create && histfile_now_ms() < __atomic_load_n(&next_look_ms, __ATOMIC_RELAXED)) ||
        !__atomic_compare_exchange_n(&histfile_state, &zero, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return -1;
    int saved = errno, rc = open_file(create);
    errno = saved;
    if (rc == 0)
        __atomic_store_n(&next_look_ms, histfile_now_ms() + 1000u, __ATOMIC_RELAXED);
    __atomic_store_n(&histfile_state, rc > 0 ? 2 : rc == 0 ? 0 : 3, __ATOMIC_RELEASE);
    return rc > 0 ? 0 : -1;
}

int histfile_ready(void)
{
    return histfile_map(1);
}

const char *histfile_path(void)
{
    return histfile_ready() == 0 ? path : "";
}

/* ---- slots ------------------------------------------------------------------- */

int histfile_seq_read(const void *from, void *to, size_t n)
{
    const uint32_t *src = from;
    uint32_t *dst = to;
    uint32_t seq = __atomic_load_n(&src[0], __ATOMIC_ACQUIRE);
    if (seq & 1u)
        return -1;
    /* acquire loads: the sequence count's second reading cannot move
     * before any of them (a fence would do the same; TSan models only these) */
    for (size_t w = 0; w < n / 4; w++)
        dst[w] = __atomic_load_n(&src[w], __ATOMIC_ACQUIRE);
    return __atomic_load_n(&src[0], __ATOMIC_RELAXED) == seq && dst[0] == seq ? 0 : -1;
}

int histfile_seq_begin(void *at, uint32_t *seq)
{
    uint32_t *count = at;
    *seq = __atomic_load_n(count, __ATOMIC_ACQUIRE);
    return (*seq & 1u) || !__atomic_compare_exchange_n(count, seq, *seq + 1, 0, __ATOMIC_ACQ_REL,
                                                       __ATOMIC_RELAXED)
               ? -1
               : 0;
}

void histfile_seq_end(void *at, const void *from, size_t n, uint32_t seq)
{
    uint32_t *dst = at;
    const uint32_t *w = from;
    for (size_t k = 2; k < n / 4; k++)
        __atomic_store_n(&dst[k], w[k], __ATOMIC_RELAXED);
    __atomic_store_n(&dst[1], w[1], __ATOMIC_RELAXED);
    __atomic_store_n(&dst[0], seq + 2, __ATOMIC_RELEASE);
}

/* A consistent copy of slot i: 0, or -1 when a writer was in it. */
static int read_slot(unsigned i, struct hist_slot *out)
{
    return histfile_seq_read(&slots[i], out, sizeof *out);
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
    uint32_t seq;
    if (histfile_seq_begin(&slots[i], &seq) != 0)
        return;   /* another writer in it: skip this update rather than wait */
    struct hist_slot s;
    uint32_t *w = (uint32_t *)&s, *src = (uint32_t *)&slots[i];
    for (unsigned k = 0; k < sizeof s / 4; k++)   /* we are its only writer */
        w[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
    hist_record(&s, a, port, outcome, rtt_us, now_ms);
    s.seq = seq + 1;
    histfile_seq_end(&slots[i], &s, sizeof s, seq);
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

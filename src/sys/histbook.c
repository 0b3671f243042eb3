/* histbook.c - owns the address book shared by a user's processes, in the
 * history file (format: core/history.h; the file: sys/histfile.c): lists
 * any process remembered, found by an address through the file's filter,
 * read and written without a lock (a sequence count per entry: a writer
 * that finds an entry busy skips its update).
 * Must never make a file on the connect path (only map one that is there),
 * block, or trust an entry it did not check. */
#include "sys/histfile.h"
#include "sys/histint.h"

#include <string.h>

/* A consistent copy of entry i: 0, or -1. */
static int read_book(unsigned i, struct hist_book *out)
{
    return histfile_seq_read(&histfile_books[i], out, sizeof *out);
}

int histfile_book_ready(void)
{
    return histfile_map(0) == 0;
}

int histfile_book_maybe(const struct tryall_addr *a)
{
    uint8_t mask;
    if (__atomic_load_n(&histfile_state, __ATOMIC_ACQUIRE) != 2 && histfile_map(0) != 0)
        return 0;
    unsigned byte = hist_filter_bit(a, &mask);
    return (__atomic_load_n(&histfile_filter[byte], __ATOMIC_RELAXED) & mask) != 0;
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
        uint32_t n = __atomic_load_n(&histfile_books[i].n, __ATOMIC_RELAXED);
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
    if (l->n == 0 || histfile_map(1) != 0)
        return;
    uint64_t now = histfile_now_ms();
    unsigned i = book_place(l, now);
    uint32_t seq;
    if (histfile_seq_begin(&histfile_books[i], &seq) != 0)
        return;   /* another writer in it: skip */
    struct hist_book e;
    e.seq = seq + 1;
    hist_book_fill(&e, l, now);
    histfile_seq_end(&histfile_books[i], &e, sizeof e, seq);
    for (unsigned k = 0; k < e.n; k++) {
        uint8_t mask;
        unsigned byte = hist_filter_bit(&e.a[k], &mask);
        __atomic_fetch_or(&histfile_filter[byte], mask, __ATOMIC_RELAXED);
    }
}

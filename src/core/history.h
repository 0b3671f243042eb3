/* history.h - owns the history file's format and every decision made from
 * it (pure): a fixed header, a fixed table of 64-byte slots, one per
 * destination (address, port), each with the last outcome, when, the
 * handshake times (smoothed as RFC 6298 does) and the count of failures in
 * a row; what a slot says of an address now (good, bad, unknown); the
 * order a race's addresses are tried in given those verdicts; the attempt
 * delay that fits the handshake times measured. The file itself is
 * sys/histfile.c's.
 * Must never make a system call, read a clock or trust a byte it reads
 * without checking it (magic, version, sizes, checksums, bounds). */
#ifndef TRYALL_HISTORY_H
#define TRYALL_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "core/addr.h"
#include "core/book.h"

#define HIST_MAGIC      0x48595254u   /* "TRYH" */
#define HIST_VERSION    2u
#define HIST_SLOTS      2048u
#define HIST_PROBE      8u            /* slots looked at for one destination */
#define HIST_FAIL_TTL_MS (10u * 60u * 1000u)   /* a failure is remembered this long */
#define HIST_GOOD_TTL_MS (60u * 60u * 1000u)   /* a success this long */
#define HIST_FAIL_BASE_MS (30u * 1000u)        /* ... after one failure; doubling per failure */

enum hist_outcome {
    HIST_EMPTY = 0,
    HIST_CONNECTED,     /* with its handshake time */
    HIST_REFUSED,
    HIST_UNREACHABLE,   /* network or host unreachable, no route */
    HIST_TIMEDOUT,
    HIST_ABANDONED,     /* still trying when another address won */
};

enum hist_verdict { HIST_UNKNOWN = 0, HIST_GOOD, HIST_BAD };

struct hist_header {            /* 64 bytes */
    uint32_t magic;
    uint16_t version;
    uint16_t header_size;
    uint32_t nslots;
    uint32_t slot_size;
    uint64_t network;           /* hash of the host's addresses and default routes */
    uint32_t check;             /* FNV-1a of the fields above */
    uint8_t reserved[36];
};

struct hist_slot {              /* 64 bytes; seq odd while a writer is in it */
    uint32_t seq;
    uint32_t check;             /* FNV-1a of the bytes after it */
    uint16_t family;            /* AF_INET, AF_INET6; 0 = empty */
    uint16_t port;
    uint8_t addr[16];
    uint8_t outcome;            /* enum hist_outcome */
    uint8_t fails;              /* failures in a row (saturates) */
    uint16_t reserved0;
    uint32_t rtt_us;            /* last handshake */
    uint32_t srtt_us;           /* smoothed handshake */
    uint64_t when_ms;           /* wall clock of the outcome */
    uint8_t reserved[16];
};

_Static_assert(sizeof(struct hist_header) == 64, "header is 64 bytes");
_Static_assert(sizeof(struct hist_slot) == 64, "slot is 64 bytes");

/* The shared address book: lists remembered by any process of the user
 * (a program that resolves in one process and connects in another), with a
 * filter of their addresses' hashes (bits are only ever set; a fresh file
 * starts clean), expired as the in-process book expires. */
#define HIST_BOOK_ENTRIES 128u
#define HIST_FILTER_BYTES 1024u

struct hist_book {              /* 1024 bytes; seq odd while a writer is in it */
    uint32_t seq;
    uint32_t check;             /* FNV-1a of the bytes after it */
    uint64_t when_ms;           /* wall clock when remembered */
    uint32_t n;                 /* addresses, 1..BOOK_MAX_ADDRS; 0 = empty */
    uint32_t reserved0;
    char name[BOOK_NAME_MAX];
    struct tryall_addr a[BOOK_MAX_ADDRS];
    uint8_t reserved[1024 - 24 - BOOK_NAME_MAX - BOOK_MAX_ADDRS * sizeof(struct tryall_addr)];
};

_Static_assert(sizeof(struct hist_book) == 1024, "a shared book entry is 1024 bytes");
/* Slots and entries: the sequence count, then the check (sys/histfile.c's
 * histfile_seq_* rely on it). */
_Static_assert(offsetof(struct hist_slot, seq) == 0 && offsetof(struct hist_slot, check) == 4,
               "a slot begins with seq, check");
_Static_assert(offsetof(struct hist_book, seq) == 0 && offsetof(struct hist_book, check) == 4,
               "a book entry begins with seq, check");

/* The regions of the file, in order, and its whole size. */
#define HIST_SLOTS_AT  sizeof(struct hist_header)
#define HIST_FILTER_AT (HIST_SLOTS_AT + (size_t)HIST_SLOTS * sizeof(struct hist_slot))
#define HIST_BOOK_AT   (HIST_FILTER_AT + HIST_FILTER_BYTES)
#define HIST_FILE_SIZE (HIST_BOOK_AT + (size_t)HIST_BOOK_ENTRIES * sizeof(struct hist_book))

/* Fill entry e from list l (its seq untouched), and check a copy of one:
 * whole, sane, not expired at now_ms. */
void hist_book_fill(struct hist_book *e, const struct tryall_list *l, uint64_t now_ms);
int hist_book_valid(const struct hist_book *e, uint64_t now_ms);
int hist_book_has(const struct hist_book *e, const struct tryall_addr *a);
void hist_book_to_list(const struct hist_book *e, struct tryall_list *out);

/* The filter bit of an address: byte index, and the mask in it. */
unsigned hist_filter_bit(const struct tryall_addr *a, uint8_t *mask);

void hist_header_init(struct hist_header *h, uint64_t network);
/* Is this a header we wrote, for a file of file_size bytes? */
int hist_header_valid(const struct hist_header *h, size_t file_size);

/* A slot's checksum, and whether a copy of one is whole and sane. */
uint32_t hist_slot_check(const struct hist_slot *s);
int hist_slot_valid(const struct hist_slot *s);

/* Slot k (0..HIST_PROBE-1) of the probe sequence for a destination. */
unsigned hist_index(const struct tryall_addr *a, uint16_t port, unsigned k);

/* Does slot s hold this destination? */
int hist_slot_is(const struct hist_slot *s, const struct tryall_addr *a, uint16_t port);

/* The slot after an outcome (s: the old one, or empty). rtt_us only for
 * HIST_CONNECTED. Pure: the writer copies the result in. */
void hist_record(struct hist_slot *s, const struct tryall_addr *a, uint16_t port, int outcome,
                 uint32_t rtt_us, uint64_t now_ms);

/* What slot s says now (an invalid or empty slot: unknown). A success is
 * good for HIST_GOOD_TTL_MS; a failure bad for HIST_FAIL_BASE_MS, doubled
 * with each failure in a row, at most HIST_FAIL_TTL_MS. */
enum hist_verdict hist_judge(const struct hist_slot *s, uint64_t now_ms);

/* Reorder order[1..n) (order[0], the app's own target, stays first) by
 * verdict: within each family good first, unknown next, bad last, each in
 * its old order; the families interleaved again from the one order[0] is
 * not (RFC 8305 section 4). */
void hist_sort(struct tryall_addr *order, const enum hist_verdict *v, unsigned n);

/* The attempt delay for handshakes of srtt_us (0: none measured: dflt):
 * twice the smoothed handshake plus 10 ms, within [min_ms, max_ms]. */
unsigned hist_delay(uint32_t srtt_us, unsigned dflt, unsigned min_ms, unsigned max_ms);

/* An outcome for a connect error. */
int hist_outcome_of(int err);

/* "connected", "refused", ... for the operators' listing. */
const char *hist_outcome_name(int outcome);

#endif

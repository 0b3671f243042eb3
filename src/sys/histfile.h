/* histfile.h - owns the history file on disk (format: core/history.h):
 * where it is, opening it safely, mapping it shared, and reading and
 * writing one slot without a lock (a per-slot sequence count: a writer
 * that finds a slot busy skips its update; a reader that sees a change
 * retries once, then treats the slot as unknown).
 * Must never follow a symlink, use a file or directory that is not the
 * user's own and private, run in a set-uid/set-gid process, block on a
 * lock, or let any failure reach the app (history is then simply off). */
#ifndef TRYALL_HISTFILE_H
#define TRYALL_HISTFILE_H

#include <stdint.h>
#include "core/history.h"

/* The file mapped, opened on first use (0), or -1: history is off. */
int histfile_ready(void);

/* The slot of a destination (a copy), or an empty one. */
void histfile_get(const struct tryall_addr *a, uint16_t port, struct hist_slot *out);

/* Record an outcome for a destination (now_ms: wall clock). */
void histfile_put(const struct tryall_addr *a, uint16_t port, int outcome, uint32_t rtt_us,
                  uint64_t now_ms);

/* The wall clock in ms (history is shared by processes and survives them). */
uint64_t histfile_now_ms(void);

/* The path this process uses ("" when history is off); for the tools. */
const char *histfile_path(void);

/* Every valid slot, for the operators' listing; returns how many. */
unsigned histfile_each(void (*fn)(const struct hist_slot *s, void *arg), void *arg);

/* The shared address book (lists any process of the user remembered).
 * maybe: a cheap filter test (maps an existing file on first use, never
 * makes one); find: the newest unexpired list holding a, 1, or 0; put:
 * remember a list for the other processes. */
int histfile_book_ready(void);
int histfile_book_maybe(const struct tryall_addr *a);
int histfile_book_find(const struct tryall_addr *a, struct tryall_list *out);
void histfile_book_put(const struct tryall_list *l);

/* Forget everything (a fresh file in place of the old). 0, or -1. */
int histfile_clear(void);

#endif

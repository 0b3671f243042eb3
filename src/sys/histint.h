/* histint.h - owns what sys/histfile.c shares with sys/histbook.c only: the
 * mapping's state and regions, and the one way to map the file.
 * Must never be included outside those two files. */
#ifndef TRYALL_HISTINT_H
#define TRYALL_HISTINT_H

#include <stddef.h>
#include <stdint.h>
#include "core/history.h"

extern int histfile_state;            /* 2: mapped (atomic) */
extern uint8_t *histfile_filter;
extern struct hist_book *histfile_books;

/* A fingerprint of this host's network (sys/histnet.c). */
uint64_t histfile_network_now(void);

/* A consistent copy of n bytes of a record whose first word is its
 * sequence count (odd while a writer is in it): 0, or -1 when a writer was
 * in it before or during the copy. */
int histfile_seq_read(const void *from, void *to, size_t n);

/* Writing such a record (its second word is its check): begin makes this
 * writer the only one (the count made odd) and gives the count it found,
 * or -1 when another writer is in it (skip the update, never wait); end
 * stores the n bytes of `from` after the first two words, then the check,
 * then the count made even again. */
int histfile_seq_begin(void *at, uint32_t *seq);
void histfile_seq_end(void *at, const void *from, size_t n, uint32_t seq);

/* Map the history file (create 0: only one that is there). 0, or -1. */
int histfile_map(int create);

#endif

/* handover.h - owns the winner's hand-over onto the app's descriptor
 * number. Internal to race/ (step.c calls it).
 * Must never be included from above the race floor. */
#ifndef TRYALL_HANDOVER_H
#define TRYALL_HANDOVER_H

#include <stdint.h>
#include "race/race.h"

/* Attempt w connected: put it on the app's number (and the app's copies),
 * close the losers, end the race as won. When the hand-over cannot be made
 * (descriptor limit, w no longer ours), w counts as failed and the others
 * run on. */
void handover_winner(struct race *r, unsigned w, uint64_t now_ms);

#endif

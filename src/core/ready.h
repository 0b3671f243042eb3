/* ready.h - owns the readiness translation: what the app sees for a
 * descriptor whose race is over, the select <-> poll mapping, and the timeout
 * arithmetic of a wait cut into slices (next attempt start vs app deadline).
 * Pure: no system calls, no clock reads, no locks. */
#ifndef TRYALL_READY_H
#define TRYALL_READY_H

#include <stdint.h>

#define READY_FOREVER (-1)

/* Absolute deadline in ns for a timeout in ns (negative: forever). */
int64_t ready_deadline(int64_t now_ns, int64_t timeout_ns);

/* How long the next slice may wait: until the app's deadline or the next
 * planned attempt start (either may be READY_FOREVER), whichever is first;
 * 0 when the deadline has passed; READY_FOREVER when both are forever. */
int64_t ready_slice(int64_t now_ns, int64_t deadline_ns, int64_t next_start_ns);

/* Has the app's deadline passed? */
int ready_expired(int64_t now_ns, int64_t deadline_ns);

/* poll revents for a descriptor whose race was lost and whose error the app
 * has not read yet: the kernel's revents plus POLLERR, and POLLOUT/POLLWRNORM
 * where asked for. Otherwise the kernel's revents unchanged. */
short ready_poll_revents(short requested, short kernel_revents, int verdict_pending);

/* Same for epoll events. */
uint32_t ready_epoll_events(uint32_t requested, uint32_t kernel_events, int verdict_pending);

/* select(2) as poll: the events for the sets fd is in, and back (Linux's
 * mapping: readable = IN|HUP|ERR, writable = OUT|ERR, except = PRI). */
short ready_select_events(int in_read, int in_write, int in_except);
void ready_select_result(short revents, int in_read, int in_write, int in_except,
                         int *is_read, int *is_write, int *is_except);

/* ms for a poll-style timeout from ns, rounded up so a wait never ends early;
 * READY_FOREVER stays -1, huge values clamp to INT32_MAX. */
int ready_ms_ceil(int64_t ns);

#endif

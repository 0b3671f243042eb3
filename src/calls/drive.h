/* drive.h - owns waiting for a race on behalf of a blocking caller.
 * Internal to calls/ (connect.c, gate.c).
 * Must never be included from another floor. */
#ifndef TRYALL_DRIVE_H
#define TRYALL_DRIVE_H

#include <stdint.h>
#include <sys/socket.h>

struct race;

/* The socket's timeout option (SO_SNDTIMEO/SO_RCVTIMEO) in ms, 0 = none. */
uint64_t drive_timeo_ms(int fd, int opt);

/* Drive r until it is decided, `limit` ms pass (0: no limit) or a signal
 * interrupts. Lock held on entry and exit, with a reference on r.
 * Returns 0 (decided, or the app closed fd), EAGAIN (time up) or EINTR. */
int drive(struct race *r, uint64_t limit);

/* A blocking connect waits for the verdict. Lock held, reference on r;
 * returns unlocked with the reference dropped: 0, or -1 with errno
 * (timeout_errno when SO_SNDTIMEO passes). */
int drive_connect(int fd, struct race *r, int timeout_errno);

/* No race could be made: wait for the app's own attempt as its blocking
 * connect would have (SO_SNDTIMEO, signals), then let the kernel say how it
 * ended. */
int drive_alone(int fd, const struct sockaddr *sa, socklen_t len);

/* Leave the app's socket unconnected, as a failed connect leaves it. */
void drive_disconnect(int fd);

#endif

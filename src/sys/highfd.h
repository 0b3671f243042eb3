/* highfd.h - owns where libtryall's own descriptors live: high, away from
 * the lowest free numbers the app's next open()/socket() will get.
 * Must never touch a descriptor that is not ours. */
#ifndef TRYALL_HIGHFD_H
#define TRYALL_HIGHFD_H

/* Move our descriptor fd to a high free number (close-on-exec) and return
 * it; on any failure return fd unchanged. errno is kept. */
int highfd_park(int fd);

/* Move our descriptor fd to the lowest free number from floor up, if that
 * number is below top; return it, or fd unchanged. errno is kept. */
int highfd_park_below(int fd, int floor, int top);

#endif

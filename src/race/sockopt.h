/* sockopt.h - owns the socket options a winner must carry over from the
 * app's socket: read once per race (a snapshot), set on each attempt socket
 * before its connect (buffers, marks and devices matter before the SYN), and
 * kept up to date when the app sets one while the race runs.
 * Must never change an option on the app's own socket. */
#ifndef TRYALL_SOCKOPT_H
#define TRYALL_SOCKOPT_H

#include <sys/socket.h>

#define SOCKOPT_MAX 32
#define SOCKOPT_VAL 40

/* The values of the app's options that differ from a fresh socket's. */
struct sockopt_snap {
    unsigned n;
    struct {
        unsigned char opt;            /* index in sockopt.c's table */
        unsigned char len;
        char val[SOCKOPT_VAL];
    } set[SOCKOPT_MAX];
};

/* Read the app's socket fd (family) into *s: the options of the table whose
 * bits (sockopt_bits) are in `which` - SOCKOPT_ALL, or only those the app is
 * known to have set (the others are as a fresh socket has them). */
#define SOCKOPT_ALL (~0u)
void sockopt_snapshot(int fd, int family, unsigned which, struct sockopt_snap *s);

/* The bit(s) of (level, name) in the table (either family's entry); 0 when
 * it is not an option carried over. Cheap: the setsockopt hook asks it. */
unsigned sockopt_bits(int level, int name);

/* Give socket `to` (family to_family) every option in *s (taken from a
 * socket of from_family; IP_TOS/IPV6_TCLASS and IP_TTL/IPV6_UNICAST_HOPS map
 * across families). Best effort: an option the kernel refuses is skipped. */
void sockopt_apply(const struct sockopt_snap *s, int from_family, int to, int to_family);

/* The app set (level, name) to val on its socket of from_family while it
 * races: remember it in *s and return 1 if the option is one we carry. */
int sockopt_note(struct sockopt_snap *s, int from_family, int level, int name, const void *val,
                 socklen_t len);

/* The app's value of (level, name) on its socket of from_family as *s
 * knows it: the snapshot's when the app changed it, else a fresh socket's.
 * 0 with *val (up to *len bytes) and *len set; -1 when not in the table. */
int sockopt_value(const struct sockopt_snap *s, int from_family, int level, int name, void *val,
                  socklen_t *len);

/* Set one noted option on `to` (used to mirror a late setsockopt). */
void sockopt_apply_one(int level, int name, const void *val, socklen_t len, int from_family, int to,
                       int to_family);

#endif

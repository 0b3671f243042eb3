/* sockopt.h - owns copying the app's socket options onto an attempt socket.
 * Must never change an option on the app's own socket. */
#ifndef TRYALL_SOCKOPT_H
#define TRYALL_SOCKOPT_H

/* Give socket `to` (family to_family) every option in our table whose value
 * on `from` (family from_family) differs from its value on `to`; IP_TOS and
 * IPV6_TCLASS, IP_TTL and IPV6_UNICAST_HOPS map across families. Best effort:
 * an option the kernel refuses is skipped. */
void sockopt_copy(int from, int from_family, int to, int to_family);

#endif

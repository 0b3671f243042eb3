/* addrstr.h - owns printing a socket address's IP (no port) for the test
 * clients, the same way everywhere ("?" when it cannot be printed).
 * Must never print anything but the address. */
#ifndef TRYALL_TEST_ADDRSTR_H
#define TRYALL_TEST_ADDRSTR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

static inline const char *addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    const void *a = sa->sa_family == AF_INET6
        ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
        : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
    if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

#endif

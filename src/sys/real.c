/* real.c - owns binding the real libc symbols, once, with dlsym(RTLD_NEXT).
 * dlsym may allocate but never calls a function we interpose, so binding
 * cannot recurse into our hooks. connect is stored last, with release order:
 * a non-NULL connect means the whole table is there.
 * Must never call one of our own hooks, and never fail silently into NULL
 * calls: a hook whose real symbol is missing answers ENOSYS. */
#include "sys/real.h"

#include <dlfcn.h>

struct tryall_real tryall_real;

#define BIND(field, name) \
    do { void *p_ = dlsym(RTLD_NEXT, name); if (p_) *(void **)&t.field = p_; } while (0)

void real_bind(void)
{
    struct tryall_real t = { 0 };
    BIND(getaddrinfo, "getaddrinfo");
    BIND(gethostbyname, "gethostbyname");
    BIND(gethostbyname2, "gethostbyname2");
    BIND(gethostbyname_r, "gethostbyname_r");
    BIND(gethostbyname2_r, "gethostbyname2_r");
    BIND(close, "close");
    BIND(close_range, "close_range");
    BIND(closefrom, "closefrom");
    BIND(dup, "dup");
    BIND(fcntl, "fcntl");
    BIND(fcntl64, "fcntl64");
    BIND(dup2, "dup2");
    BIND(dup3, "dup3");
    BIND(getsockopt, "getsockopt");
    BIND(setsockopt, "setsockopt");
    BIND(getpeername, "getpeername");
    BIND(getsockname, "getsockname");
    BIND(poll, "poll");
    BIND(ppoll, "ppoll");
    BIND(select, "select");
    BIND(pselect, "pselect");
    BIND(epoll_ctl, "epoll_ctl");
    BIND(epoll_wait, "epoll_wait");
    BIND(epoll_pwait, "epoll_pwait");
    BIND(epoll_pwait2, "epoll_pwait2");
    BIND(read, "read");
    BIND(write, "write");
    BIND(readv, "readv");
    BIND(writev, "writev");
    BIND(recv, "recv");
    BIND(recvfrom, "recvfrom");
    BIND(recvmsg, "recvmsg");
    BIND(send, "send");
    BIND(sendto, "sendto");
    BIND(sendmsg, "sendmsg");
    BIND(read_chk, "__read_chk");
    BIND(recv_chk, "__recv_chk");
    BIND(recvfrom_chk, "__recvfrom_chk");
    BIND(accept, "accept");
    BIND(accept4, "accept4");
    BIND(socket, "socket");
    BIND(bind, "bind");
    BIND(fstat, "fstat");
    BIND(connect, "connect");

    /* Publish field by field; connect last, so readers that see it see all. */
    int (*c)(int, const struct sockaddr *, socklen_t) = t.connect;
    t.connect = NULL;
    struct tryall_real *dst = &tryall_real;
    void **from = (void **)&t, **to = (void **)dst;
    for (size_t i = 0; i < sizeof t / sizeof(void *); i++)
        if (from[i])
            __atomic_store_n(&to[i], from[i], __ATOMIC_RELAXED);
    __atomic_store_n(&dst->connect, c, __ATOMIC_RELEASE);
}

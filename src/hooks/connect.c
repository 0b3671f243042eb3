/* connect.c (hooks) - owns the connect() hook: disabled -> libc, else
 * tryall_connect(), which itself sends everything it does not race to libc.
 * Must never do more than that. */
#include "hooks/hooks.h"

TRYALL_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (tryall_disabled())
        return real()->connect(fd, sa, len);
    return tryall_connect(fd, sa, len);
}

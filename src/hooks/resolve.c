/* resolve.c (hooks) - owns the resolver hooks: getaddrinfo, gethostbyname,
 * gethostbyname2 and their _r forms: libc's answer, through
 * calls/resolve.c (which remembers it) for getaddrinfo of a node, libc's
 * then noted for the others.
 * Must never change, reorder or reallocate what libc returned, nor its return
 * value, errno or h_errno. */
#include "hooks/hooks.h"

/* Any address at all? */
static int some(const struct hostent *he)
{
    return he && he->h_addr_list && he->h_addr_list[0];
}

TRYALL_EXPORT int getaddrinfo(const char *node, const char *service,
                              const struct addrinfo *hints, struct addrinfo **res)
{
    if (!node)
        return real()->getaddrinfo(node, service, hints, res);
    return tryall_getaddrinfo(node, service, hints, res);
}

TRYALL_EXPORT struct hostent *gethostbyname(const char *name)
{
    struct hostent *he = real()->gethostbyname(name);
    if (some(he) && !tryall_disabled())
        resolve_note_hostent(name, he);
    return he;
}

TRYALL_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
    struct hostent *he = real()->gethostbyname2(name, af);
    if (some(he) && !tryall_disabled())
        resolve_note_hostent(name, he);
    return he;
}

TRYALL_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                                  struct hostent **result, int *h_errnop)
{
    int rc = real()->gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
    if (rc == 0 && result && some(*result) && !tryall_disabled())
        resolve_note_hostent(name, *result);
    return rc;
}

TRYALL_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                                   size_t buflen, struct hostent **result, int *h_errnop)
{
    int rc = real()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
    if (rc == 0 && result && some(*result) && !tryall_disabled())
        resolve_note_hostent(name, *result);
    return rc;
}

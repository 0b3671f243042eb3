/* plain.c - owns binding libc's own getaddrinfo, connect, poll, getsockopt
 * and close from the loaded libc.so.6 (dlopen RTLD_NOLOAD), whatever is
 * preloaded in front of it (plain.h).
 * Must never load a library, nor fall back to a symbol found by name. */
#include "plain.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <stddef.h>

static struct plain table;
static int bound;   /* 1: table filled; -1: libc not found */

#define BIND(field, name) \
    do { if (!(*(void **)&table.field = dlsym(h, name))) ok = 0; } while (0)

const struct plain *plain(void)
{
    if (!bound) {
        void *h = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
        int ok = h != NULL;
        if (h) {
            BIND(getaddrinfo, "getaddrinfo");
            BIND(freeaddrinfo, "freeaddrinfo");
            BIND(connect, "connect");
            BIND(poll, "poll");
            BIND(getsockopt, "getsockopt");
            BIND(close, "close");
            dlclose(h);   /* RTLD_NOLOAD: only our reference goes; libc stays */
        }
        bound = ok ? 1 : -1;
    }
    return bound == 1 ? &table : NULL;
}

int plain_interposed(void)
{
    const struct plain *p = plain();
    return p && dlsym(RTLD_DEFAULT, "connect") != (void *)p->connect;
}

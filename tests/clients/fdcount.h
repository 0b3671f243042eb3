/* fdcount.h - owns counting the test client's own open descriptors (from
 * /proc/self/fd), shared by the small clients that check nothing is left.
 * Must never count the directory handle it reads with. */
#ifndef TRYALL_TEST_FDCOUNT_H
#define TRYALL_TEST_FDCOUNT_H

#include <dirent.h>
#include <stdlib.h>

/* Open descriptors numbered `from` or higher (0: all of them). */
static inline int count_fds_from(int from)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0, self = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        n += e->d_name[0] != '.' && fd >= from && fd != self;
    }
    closedir(d);
    return n;
}

static inline int count_fds(void)
{
    return count_fds_from(0);
}

#endif

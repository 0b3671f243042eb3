/* usermem.h - owns reading memory the app handed us before the kernel has
 * validated it (the kernel would answer EFAULT; a plain read would crash).
 * Must never dereference such a pointer directly. */
#ifndef TRYALL_USERMEM_H
#define TRYALL_USERMEM_H

#include <stddef.h>

/* Copy n bytes from the app's src into dst. 0, or -1 when src is NULL or
 * not readable (errno untouched either way). */
int usermem_copy(void *dst, const void *src, size_t n);

/* Is all of [src, src+n) readable? Proven with one system call (then
 * remembered as this thread's last proven range), or known already. After a
 * 1, the caller may read the range directly. */
int usermem_readable(const void *src, size_t n);

/* Learn this process's pid: at load time, and in a fork child (fork.c). */
void usermem_init(void);

#endif

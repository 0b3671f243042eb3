/* log.h - owns the opt-in log: one formatted line, escaped, one write(2).
 * Must never write to a descriptor the app uses for data, never allocate,
 * never change errno as the app sees it. */
#ifndef TRYALL_LOG_H
#define TRYALL_LOG_H

#include <stddef.h>

/* Is level enabled? Cheap; call it before formatting anything. */
int log_on(int level);

/* Format and write one line at level (a newline is added). Control
 * characters and bytes >= 0x7f coming through %s are escaped. */
void log_line(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fork() support (lock.h, tlock_fork). */
void log_fork(int phase);

/* Escape src into dst (\n, \t, \r, \e, \xHH; backslash doubled). Always
 * NUL-terminates when dstlen > 0; returns the length written. Pure. */
size_t log_escape(char *dst, size_t dstlen, const char *src);

#endif

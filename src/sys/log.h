/* log.h - owns the opt-in log: one line per event, text or JSON, escaped,
 * one system call (stderr, a file, or syslog: sys/logout.c).
 * Must never write to a descriptor the app uses for data, never allocate,
 * never change errno as the app sees it. */
#ifndef TRYALL_LOG_H
#define TRYALL_LOG_H

#include <stddef.h>
#include "core/event.h"

/* Is level enabled? Cheap; call it before formatting anything. */
int log_on(int level);

/* Format and write one text line at level (a newline is added). Control
 * characters and bytes >= 0x7f coming through %s are escaped. In JSON
 * format it is an event "message" with the text: use log_event for events. */
void log_line(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One event at level: with TRYALL_LOG_FORMAT=json the object for ev, else
 * the text line fmt (as log_line). */
void log_event(int level, const struct tryall_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* At load time: note what stderr is (lines go to stderr only while
 * descriptor 2 is still that file). */
void log_init(void);

/* fork() support (lock.h, tlock_fork). */
void log_fork(int phase);

/* Escape src into dst (\n, \t, \r, \e, \xHH; backslash doubled). Always
 * NUL-terminates when dstlen > 0; returns the length written. Pure. */
size_t log_escape(char *dst, size_t dstlen, const char *src);

#endif

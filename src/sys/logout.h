/* logout.h - owns where log lines go: stderr (the one the program started
 * with), a file, or syslog's /dev/log. Internal to sys/log.c.
 * Must never write to a descriptor it did not open (stderr excepted, and
 * only while it is still the stderr the program started with). */
#ifndef TRYALL_LOGOUT_H
#define TRYALL_LOGOUT_H

#include <stddef.h>

/* Bytes a caller leaves writable before the line it hands to log_out(). */
#define LOG_OUT_HEAD 48

/* Note which file stderr is, at load time (before the app can change it). */
void log_out_init(void);

/* Send one line (line[0..len), ending in '\n'; LOG_OUT_HEAD writable bytes
 * before line) with one system call: write(2) to stderr or the log file, or
 * sendto(2) to /dev/log as "<PRI>" + the line without its newline (a JSON
 * line gets "tryall[PID]: " before it there). severity is syslog's (LOG_*). */
void log_out(char *line, size_t len, int severity, int json);

/* fork() support (lock.h, tlock_fork). */
void log_out_fork(int phase);

#endif

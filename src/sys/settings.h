/* settings.h - owns where the process's settings come from: the config
 * file's bytes (read once, bounded, checked), the program's path, whether
 * the process is set-uid/set-gid (AT_SECURE: then the file only) and the
 * environment. tryall_config() and friends (core/config.h) are defined here.
 * Must never read a source twice, nor change errno. */
#ifndef TRYALL_SETTINGS_H
#define TRYALL_SETTINGS_H

#include <stddef.h>

/* The config file's path, fixed at build time (make CONF=...; the Makefile
 * passes it to the library's objects). Built without it - the unit tests -
 * there is no config file, whatever this machine has in /etc. */
#ifndef TRYALL_CONF_PATH
#define TRYALL_CONF_PATH "/nonexistent/libtryall.conf"
#endif

/* The largest config file read; a bigger one is ignored with a warning. */
#define TRYALL_CONF_MAX 65536

/* Read the config file at path into buf (cap bytes) if it is a regular file
 * owned by root, not writable by group or others, not a symbolic link and
 * smaller than cap. Returns 1 with *len set, or 0: no file (silently) or a
 * file refused (with a warning line in warn). */
int settings_read_file(const char *path, char *buf, size_t cap, size_t *len, char *warn,
                       size_t warnlen);

#endif

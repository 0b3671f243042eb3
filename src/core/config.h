/* config.h - owns the settings, read once from the environment with secure_getenv.
 * Must never read the environment after the first call, nor write anything
 * but the warnings it returns. */
#ifndef TRYALL_CONFIG_H
#define TRYALL_CONFIG_H

#include <stddef.h>

enum tryall_log_level { TRYALL_LOG_QUIET = 0, TRYALL_LOG_FAIL = 1, TRYALL_LOG_TRACE = 2 };

#define TRYALL_DELAY_DEFAULT 250
#define TRYALL_DELAY_MIN     10
#define TRYALL_DELAY_MAX     60000
#define TRYALL_PATH_MAX      4096
#define TRYALL_RESOLVE_DELAY_DEFAULT 50
#define TRYALL_RESOLVE_DELAY_MAX     10000
#define TRYALL_DELAY_MIN_DEFAULT     10
#define TRYALL_DELAY_MAX_DEFAULT     250

struct tryall_config {
    int disabled;                      /* TRYALL_DISABLE=1 */
    unsigned delay_ms;                 /* TRYALL_DELAY_MS */
    int log_level;                     /* TRYALL_LOG: fail | trace */
    char log_file[TRYALL_PATH_MAX];    /* TRYALL_LOG_FILE, "" = stderr */
    int complete;                      /* TRYALL_COMPLETE: look up the family a one-family answer lacks */
    unsigned resolve_delay_ms;         /* TRYALL_RESOLVE_DELAY_MS: 0 = wait for both families like libc */
    int nat64;                         /* TRYALL_NAT64: IPv4 through NAT64 when IPv4 has no route */
    int delay_fixed;                   /* TRYALL_DELAY_MS was given: no adaptive delay */
    unsigned delay_min_ms, delay_max_ms; /* TRYALL_DELAY_MIN_MS / _MAX_MS: the adaptive delay's clamp */
    char history[TRYALL_PATH_MAX];     /* TRYALL_HISTORY: "" = the default place, "off" = none */
};

/* Parse with an injectable getenv. Bad values fall back to the default and
 * append a line to warn (NUL-terminated, may be truncated). Pure. */
void config_parse(struct tryall_config *c, const char *(*get)(const char *name),
                  char *warn, size_t warnlen);

/* The process-wide settings, parsed on first use (thread-safe). */
const struct tryall_config *tryall_config(void);

/* Warnings from that parse ("" when none); log.c prints them once. */
const char *tryall_config_warnings(void);

#endif

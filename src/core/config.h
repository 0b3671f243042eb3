/* config.h - owns the settings: their fields, the one table that names and
 * parses them (shared by the environment and the config file), and the
 * order in which the sources apply (defaults < file < file's matching
 * program rules < environment). Parsing is pure: the bytes of the file and
 * a getenv-like function come in, settings and warnings go out.
 * Must never read a file or the environment itself (sys/settings.c does,
 * once), nor write anything but the config and the warnings it is handed. */
#ifndef TRYALL_CONFIG_H
#define TRYALL_CONFIG_H

#include <stddef.h>

enum tryall_log_level { TRYALL_LOG_QUIET = 0, TRYALL_LOG_FAIL = 1, TRYALL_LOG_TRACE = 2 };
enum tryall_log_to { TRYALL_LOG_TO_STDERR = 0, TRYALL_LOG_TO_FILE = 1, TRYALL_LOG_TO_SYSLOG = 2 };
enum tryall_log_format { TRYALL_LOG_TEXT = 0, TRYALL_LOG_JSON = 1 };

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
    int log_to;                        /* TRYALL_LOG_TO: stderr | file:PATH | syslog */
    char log_file[TRYALL_PATH_MAX];    /* the PATH of file:PATH (TRYALL_LOG_FILE); "" otherwise */
    int log_format;                    /* TRYALL_LOG_FORMAT: text | json */
    int complete;                      /* TRYALL_COMPLETE: look up the family a one-family answer lacks */
    unsigned resolve_delay_ms;         /* TRYALL_RESOLVE_DELAY_MS: 0 = wait for both families like libc */
    int nat64;                         /* TRYALL_NAT64: IPv4 through NAT64 when IPv4 has no route */
    int delay_fixed;                   /* TRYALL_DELAY_MS was given: no adaptive delay */
    unsigned delay_min_ms, delay_max_ms; /* TRYALL_DELAY_MIN_MS / _MAX_MS: the adaptive delay's clamp */
    char history[TRYALL_PATH_MAX];     /* TRYALL_HISTORY: "" = the default place, "off" = none */
};

/* One setting. Its environment variable is `env` ("TRYALL_DELAY_MS"); its
 * key in the config file is the same without "TRYALL_", in lower case
 * ("delay_ms"). parse() reads v into c (at c + field) and returns 0, or
 * returns -1 and says why in why[] ("is not ..."), leaving c unchanged.
 * A new setting is one row of config_settings[] (config.c). */
struct config_setting {
    const char *env;
    int (*parse)(const struct config_setting *s, const char *v, struct tryall_config *c,
                 char *why, size_t whylen);
    size_t field;
    long min, max;                     /* for numbers */
};

extern const struct config_setting config_settings[];
extern const unsigned config_nsettings;

/* The row whose file key is key (case-insensitive), or NULL. */
const struct config_setting *config_setting_by_key(const char *key);

/* Every field at its built-in default. */
void config_defaults(struct tryall_config *c);

/* Apply the environment (through get) over c: each TRYALL_* set there
 * replaces c's value; a bad value is ignored with a warning line. */
void config_apply_env(struct tryall_config *c, const char *(*get)(const char *name),
                      char *warn, size_t warnlen);

/* Defaults, then the environment (through get). Bad values keep the default
 * and append a line to warn (NUL-terminated, may be truncated). Pure. */
void config_parse(struct tryall_config *c, const char *(*get)(const char *name),
                  char *warn, size_t warnlen);

/* The config file's text (len bytes, not NUL-terminated; conffile.c) over c:
 * its global settings, then the program rules matching exe (the program's
 * absolute path, or NULL when unknown: then no rule matches). Each bad line
 * is ignored with one warning "name:LINE: ...". */
void config_file_apply(struct tryall_config *c, const char *text, size_t len, const char *name,
                       const char *exe, char *warn, size_t warnlen);

/* Does the file's text have program rules (so the program's path is needed)? */
int config_file_has_rules(const char *text, size_t len);

/* The whole order: defaults; the file (text may be NULL: no file); the
 * environment unless get is NULL (a set-uid/set-gid process reads only the
 * file). Every warning is appended to warn. errno is kept. */
void config_build(struct tryall_config *c, const char *text, size_t len, const char *name,
                  const char *exe, const char *(*get)(const char *name), char *warn,
                  size_t warnlen);

/* Append one formatted warning to warn (kept NUL-terminated; truncated when
 * full). */
void config_warn(char *warn, size_t warnlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The process-wide settings and their warnings. Provided by sys/settings.c,
 * which reads the file and the environment once, at load time (or at the
 * first use before that); core/ itself never calls these. */
const struct tryall_config *tryall_config(void);
const char *tryall_config_warnings(void);

/* The program's executable path as read at load time ("" when unknown) and
 * the name logs use for it (its base name). sys/settings.c. */
const char *tryall_program_path(void);
const char *tryall_program_name(void);

#endif

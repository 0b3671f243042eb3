/* config.c - owns the table of settings (name, parser, field: one row per
 * setting, shared by the environment and the config file), their value
 * parsers, the environment's layer and the order of the layers.
 * Pure: it reads the environment only through the getter it is handed.
 * Must never make a system call, nor keep any state between calls. */
#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(name) offsetof(struct tryall_config, name)
#define AT(c, s, type) ((type *)((char *)(c) + (s)->field))

void config_warn(char *warn, size_t warnlen, const char *fmt, ...)
{
    if (!warn || !warnlen)
        return;
    size_t used = strnlen(warn, warnlen);
    if (used + 1 >= warnlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(warn + used, warnlen - used, fmt, ap);
    va_end(ap);
}

/* 0 or 1; "" leaves the value as it is (an empty variable is unset). */
static int parse_bool(const struct config_setting *s, const char *v, struct tryall_config *c,
                      char *why, size_t whylen)
{
    if (!*v)
        return 0;
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
        snprintf(why, whylen, "is not 0 or 1");
        return -1;
    }
    *AT(c, s, int) = v[0] == '1';
    return 0;
}

/* A whole number of milliseconds in [min, max]. */
static int parse_ms(const struct config_setting *s, const char *v, struct tryall_config *c,
                    char *why, size_t whylen)
{
    char *end = NULL;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno || end == v || *end || ms < s->min || ms > s->max) {
        snprintf(why, whylen, "is not a whole number of ms in %ld..%ld", s->min, s->max);
        return -1;
    }
    *AT(c, s, unsigned) = (unsigned)ms;
    return 0;
}

static int parse_level(const struct config_setting *s, const char *v, struct tryall_config *c,
                       char *why, size_t whylen)
{
    int level;
    if (!*v)
        return 0;
    if (strcmp(v, "fail") == 0)
        level = TRYALL_LOG_FAIL;
    else if (strcmp(v, "trace") == 0)
        level = TRYALL_LOG_TRACE;
    else if (strcmp(v, "quiet") == 0 || strcmp(v, "0") == 0)
        level = TRYALL_LOG_QUIET;
    else {
        snprintf(why, whylen, "is not quiet, fail or trace");
        return -1;
    }
    *AT(c, s, int) = level;
    return 0;
}

static int set_file(struct tryall_config *c, const char *path, char *why, size_t whylen)
{
    if (strlen(path) >= sizeof c->log_file) {
        snprintf(why, whylen, "is too long a path");
        return -1;
    }
    strcpy(c->log_file, path);
    c->log_to = TRYALL_LOG_TO_FILE;
    return 0;
}

/* TRYALL_LOG_FILE=PATH: the same as TRYALL_LOG_TO=file:PATH. */
static int parse_log_file(const struct config_setting *s, const char *v, struct tryall_config *c,
                          char *why, size_t whylen)
{
    (void)s;
    return *v ? set_file(c, v, why, whylen) : 0;
}

static int parse_log_to(const struct config_setting *s, const char *v, struct tryall_config *c,
                        char *why, size_t whylen)
{
    (void)s;
    if (!*v)
        return 0;
    if (strncmp(v, "file:", 5) == 0 && v[5])
        return set_file(c, v + 5, why, whylen);
    if (strcmp(v, "stderr") == 0 || strcmp(v, "syslog") == 0) {
        c->log_to = v[1] == 't' ? TRYALL_LOG_TO_STDERR : TRYALL_LOG_TO_SYSLOG;
        c->log_file[0] = '\0';
        return 0;
    }
    snprintf(why, whylen, "is not stderr, syslog or file:PATH");
    return -1;
}

static int parse_format(const struct config_setting *s, const char *v, struct tryall_config *c,
                        char *why, size_t whylen)
{
    if (!*v)
        return 0;
    if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0) {
        snprintf(why, whylen, "is not text or json");
        return -1;
    }
    *AT(c, s, int) = v[0] == 'j' ? TRYALL_LOG_JSON : TRYALL_LOG_TEXT;
    return 0;
}

/* TRYALL_DELAY_MS: as asked, it is kept (no adaptive delay then). */
static int parse_delay(const struct config_setting *s, const char *v, struct tryall_config *c,
                       char *why, size_t whylen)
{
    int rc = parse_ms(s, v, c, why, whylen);
    if (rc == 0)
        c->delay_fixed = 1;
    return rc;
}

/* TRYALL_HISTORY: a path, or off. */
static int parse_history(const struct config_setting *s, const char *v, struct tryall_config *c,
                         char *why, size_t whylen)
{
    (void)s;
    if (!*v)
        return 0;
    if (strlen(v) >= sizeof c->history) {
        snprintf(why, whylen, "is too long a path");
        strcpy(c->history, "off");
        return -1;
    }
    strcpy(c->history, v);
    return 0;
}

/* The settings. TRYALL_LOG_FILE comes before TRYALL_LOG_TO: when both are
 * in the environment, TRYALL_LOG_TO wins. */
const struct config_setting config_settings[] = {
    { "TRYALL_DISABLE", parse_bool, FIELD(disabled), 0, 0 },
    { "TRYALL_DELAY_MS", parse_delay, FIELD(delay_ms), TRYALL_DELAY_MIN, TRYALL_DELAY_MAX },
    { "TRYALL_DELAY_MIN_MS", parse_ms, FIELD(delay_min_ms), TRYALL_DELAY_MIN, TRYALL_DELAY_MAX },
    { "TRYALL_DELAY_MAX_MS", parse_ms, FIELD(delay_max_ms), TRYALL_DELAY_MIN, TRYALL_DELAY_MAX },
    { "TRYALL_LOG", parse_level, FIELD(log_level), 0, 0 },
    { "TRYALL_LOG_FILE", parse_log_file, FIELD(log_file), 0, 0 },
    { "TRYALL_LOG_TO", parse_log_to, FIELD(log_to), 0, 0 },
    { "TRYALL_LOG_FORMAT", parse_format, FIELD(log_format), 0, 0 },
    { "TRYALL_COMPLETE", parse_bool, FIELD(complete), 0, 0 },
    { "TRYALL_RESOLVE_DELAY_MS", parse_ms, FIELD(resolve_delay_ms), 0, TRYALL_RESOLVE_DELAY_MAX },
    { "TRYALL_NAT64", parse_bool, FIELD(nat64), 0, 0 },
    { "TRYALL_HISTORY", parse_history, FIELD(history), 0, 0 },
};
const unsigned config_nsettings = sizeof config_settings / sizeof config_settings[0];

const struct config_setting *config_setting_by_key(const char *key)
{
    for (unsigned i = 0; i < config_nsettings; i++)
        if (strcasecmp(config_settings[i].env + 7, key) == 0)   /* past "TRYALL_" */
            return &config_settings[i];
    return NULL;
}

void config_defaults(struct tryall_config *c)
{
    memset(c, 0, sizeof *c);
    c->delay_ms = TRYALL_DELAY_DEFAULT;
    c->log_level = TRYALL_LOG_QUIET;
    c->log_to = TRYALL_LOG_TO_STDERR;
    c->log_format = TRYALL_LOG_TEXT;
    c->complete = 1;
    c->resolve_delay_ms = TRYALL_RESOLVE_DELAY_DEFAULT;
    c->nat64 = 1;
    c->delay_min_ms = TRYALL_DELAY_MIN_DEFAULT;
    c->delay_max_ms = TRYALL_DELAY_MAX_DEFAULT;
}

/* What no single row can check: the adaptive delay's clamp in order. */
static void finish(struct tryall_config *c, char *warn, size_t warnlen)
{
    if (c->delay_min_ms <= c->delay_max_ms)
        return;
    config_warn(warn, warnlen, "TRYALL_DELAY_MIN_MS is above TRYALL_DELAY_MAX_MS; using both defaults\n");
    c->delay_min_ms = TRYALL_DELAY_MIN_DEFAULT;
    c->delay_max_ms = TRYALL_DELAY_MAX_DEFAULT;
}

void config_apply_env(struct tryall_config *c, const char *(*get)(const char *name),
                      char *warn, size_t warnlen)
{
    int saved_errno = errno;
    for (unsigned i = 0; i < config_nsettings; i++) {
        const struct config_setting *s = &config_settings[i];
        const char *v = get(s->env);
        char why[96];
        if (v && s->parse(s, v, c, why, sizeof why) != 0)
            config_warn(warn, warnlen, "%s=%.64s%s %s; ignored\n", s->env, v,
                        strlen(v) > 64 ? "..." : "", why);
    }
    errno = saved_errno;
}

void config_parse(struct tryall_config *c, const char *(*get)(const char *name),
                  char *warn, size_t warnlen)
{
    if (warn && warnlen)
        warn[0] = '\0';
    config_defaults(c);
    config_apply_env(c, get, warn, warnlen);
    finish(c, warn, warnlen);
}

void config_build(struct tryall_config *c, const char *text, size_t len, const char *name,
                  const char *exe, const char *(*get)(const char *name), char *warn,
                  size_t warnlen)
{
    int saved_errno = errno;
    config_defaults(c);
    if (text)
        config_file_apply(c, text, len, name, exe, warn, warnlen);
    if (get)
        config_apply_env(c, get, warn, warnlen);
    finish(c, warn, warnlen);
    errno = saved_errno;
}

/* config.c - owns the settings: parsed once from the environment with
 * secure_getenv (so set-uid programs ignore them).
 * Must never re-read the environment after the first parse. */
#include "core/config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void warn_add(char *warn, size_t warnlen, const char *fmt, const char *name, const char *val)
{
    size_t used = strnlen(warn, warnlen);
    if (used + 1 < warnlen)
        snprintf(warn + used, warnlen - used, fmt, name, val);
}

/* 0 or 1 into *out; anything else: a warning, *out (the default) stays. */
static void parse_bool(const char *v, const char *name, int *out, char *warn, size_t warnlen)
{
    if (!v || !*v)
        return;
    if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
        *out = v[0] == '1';
    else if (warn)
        warn_add(warn, warnlen, "%s=%s is not 0 or 1; ignored\n", name, v);
}

/* A whole number of ms in [min, max] into *out; otherwise a warning and
 * *out (the default) stays. */
static int parse_ms(const char *v, const char *name, long min, long max, unsigned *out,
                    char *warn, size_t warnlen)
{
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno || end == v || *end || ms < min || ms > max) {
        if (warn) {
            char what[160];
            snprintf(what, sizeof what, "%%s=%%s is not a whole number of ms in %ld..%ld; using %u\n",
                     min, max, *out);
            warn_add(warn, warnlen, what, name, v);
        }
        return 0;
    }
    *out = (unsigned)ms;
    return 1;
}

void config_parse(struct tryall_config *c, const char *(*get)(const char *name),
                  char *warn, size_t warnlen)
{
    int saved_errno = errno;
    memset(c, 0, sizeof *c);
    c->delay_ms = TRYALL_DELAY_DEFAULT;
    c->log_level = TRYALL_LOG_QUIET;
    c->complete = 1;
    c->nat64 = 1;
    c->delay_min_ms = TRYALL_DELAY_MIN_DEFAULT;
    c->delay_max_ms = TRYALL_DELAY_MAX_DEFAULT;
    c->resolve_delay_ms = TRYALL_RESOLVE_DELAY_DEFAULT;
    if (warn && warnlen)
        warn[0] = '\0';

    const char *v = get("TRYALL_DISABLE");
    if (v && *v) {
        if (strcmp(v, "1") == 0)
            c->disabled = 1;
        else if (strcmp(v, "0") != 0 && warn)
            warn_add(warn, warnlen, "%s=%s is not 0 or 1; ignored\n", "TRYALL_DISABLE", v);
    }

    parse_bool(get("TRYALL_COMPLETE"), "TRYALL_COMPLETE", &c->complete, warn, warnlen);
    parse_bool(get("TRYALL_NAT64"), "TRYALL_NAT64", &c->nat64, warn, warnlen);

    /* A delay asked for is kept as it is: no adaptive delay then. */
    c->delay_fixed = parse_ms(get("TRYALL_DELAY_MS"), "TRYALL_DELAY_MS", TRYALL_DELAY_MIN,
                              TRYALL_DELAY_MAX, &c->delay_ms, warn, warnlen);
    parse_ms(get("TRYALL_DELAY_MIN_MS"), "TRYALL_DELAY_MIN_MS", TRYALL_DELAY_MIN, TRYALL_DELAY_MAX,
             &c->delay_min_ms, warn, warnlen);
    parse_ms(get("TRYALL_DELAY_MAX_MS"), "TRYALL_DELAY_MAX_MS", TRYALL_DELAY_MIN, TRYALL_DELAY_MAX,
             &c->delay_max_ms, warn, warnlen);
    if (c->delay_min_ms > c->delay_max_ms) {
        if (warn)
            warn_add(warn, warnlen, "%s%s is above TRYALL_DELAY_MAX_MS; using both defaults\n",
                     "TRYALL_DELAY_MIN_MS", "");
        c->delay_min_ms = TRYALL_DELAY_MIN_DEFAULT;
        c->delay_max_ms = TRYALL_DELAY_MAX_DEFAULT;
    }
    parse_ms(get("TRYALL_RESOLVE_DELAY_MS"), "TRYALL_RESOLVE_DELAY_MS", 0,
             TRYALL_RESOLVE_DELAY_MAX, &c->resolve_delay_ms, warn, warnlen);

    v = get("TRYALL_LOG");
    if (v && *v) {
        if (strcmp(v, "fail") == 0)
            c->log_level = TRYALL_LOG_FAIL;
        else if (strcmp(v, "trace") == 0)
            c->log_level = TRYALL_LOG_TRACE;
        else if (strcmp(v, "quiet") != 0 && strcmp(v, "0") != 0 && warn)
            warn_add(warn, warnlen, "%s=%s is not fail or trace; logging off\n", "TRYALL_LOG", v);
    }

    v = get("TRYALL_HISTORY");
    if (v && *v) {
        if (strlen(v) < sizeof c->history)
            strcpy(c->history, v);
        else if (warn)
            warn_add(warn, warnlen, "%s%s is too long; history off\n", "TRYALL_HISTORY", "");
        if (strlen(v) >= sizeof c->history)
            strcpy(c->history, "off");
    }

    v = get("TRYALL_LOG_FILE");
    if (v && *v) {
        if (strlen(v) < sizeof c->log_file)
            strcpy(c->log_file, v);
        else if (warn)
            warn_add(warn, warnlen, "%s%s is too long; logging to stderr\n", "TRYALL_LOG_FILE", "");
    }
    errno = saved_errno;
}

static struct tryall_config the_config;
static char the_warnings[1024];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *env_get(const char *name)
{
    return secure_getenv(name);
}

static void load(void)
{
    config_parse(&the_config, env_get, the_warnings, sizeof the_warnings);
}

const struct tryall_config *tryall_config(void)
{
    pthread_once(&once, load);
    return &the_config;
}

const char *tryall_config_warnings(void)
{
    pthread_once(&once, load);
    return the_warnings;
}

/* fuzz_config.c - owns fuzzing the settings parser (src/core/config.c
 * config_parse) through its injected getenv: the input is a warning
 * buffer size (0: no buffer) and lines NAME=VALUE (the first of a name
 * counts; VALUE any bytes but NUL and newline, up to the input's length,
 * longer than TRYALL_PATH_MAX included); a name without a line is unset.
 * Invariants: every setting is in its range whatever the values
 * (disabled and complete 0/1, delay 10..60000, resolve delay 0..10000, log
 * level quiet/fail/trace, log file terminated); an unset variable keeps its
 * default; a value in canonical form (digits, "0"/"1", "fail"/"trace", a
 * path shorter than TRYALL_PATH_MAX) is taken as it is; a value not taken
 * leaves the default; the warnings stay inside the buffer, terminated,
 * each whole line about a TRYALL_ variable, and none when every value is
 * taken; errno is as it was. */
#include "fuzz.h"

#include "core/config.h"

#include <errno.h>

static char env[1 << 16];
static size_t envlen;

static const char *get(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < envlen; i += strlen(env + i) + 1)
        if (strncmp(env + i, name, len) == 0 && env[i + len] == '=')
            return env + i + len + 1;
    return NULL;
}

/* A whole number in 0..999999 written with digits only, or -1. */
static long digits(const char *v)
{
    size_t n = strspn(v, "0123456789");
    if (!n || v[n])
        return -1;
    while (*v == '0' && n > 1)
        v++, n--;
    return n > 6 ? -1 : strtol(v, NULL, 10);
}

/* A ms setting: checks range, default and canonical values. Returns
 * whether the value (if any) should have been taken without a warning. */
static int check_ms(const char *name, unsigned got, unsigned def, long min, long max)
{
    const char *v = get(name);
    FZ_CHECK(got >= min && got <= max, "%s %u out of range", name, got);
    if (!v) {
        FZ_CHECK(got == def, "%s unset gave %u", name, got);
        return 1;
    }
    long d = digits(v);
    if (d >= min && d <= max) {
        FZ_CHECK(got == (unsigned)d, "%s=%s gave %u", name, v, got);
        return 1;
    }
    if (d >= 0)
        FZ_CHECK(got == def, "%s=%s out of range gave %u", name, v, got);
    return 0;
}

static int check_flag(const char *name, int got, int def, const char *other)
{
    const char *v = get(name);
    FZ_CHECK(got == 0 || got == 1, "%s %d", name, got);
    if (v && strcmp(v, other) == 0) {
        FZ_CHECK(got == !def, "%s=%s gave %d", name, v, got);
        return 1;
    }
    FZ_CHECK(got == def, "%s=%s gave %d", name, v ? v : "(unset)", got);
    return !v || !*v || strcmp(v, def ? "1" : "0") == 0;
}

/* Settings this target does not model value by value (the log's place and
 * format, NAT64, the history, the delay's clamp): when one is set, only the
 * generic invariants hold (no crash, bounded warnings, errno kept). */
static int unmodeled_set(void)
{
    static const char *const names[] = { "TRYALL_LOG_TO", "TRYALL_LOG_FORMAT", "TRYALL_NAT64",
                                         "TRYALL_HISTORY", "TRYALL_DELAY_MIN_MS",
                                         "TRYALL_DELAY_MAX_MS" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (get(names[i]))
            return 1;
    return 0;
}

static int check_log(const struct tryall_config *c)
{
    const char *v = get("TRYALL_LOG"), *file = get("TRYALL_LOG_FILE");
    int want = !v ? 0 : !strcmp(v, "fail") ? 1 : !strcmp(v, "trace") ? 2 : 0;
    FZ_CHECK(c->log_level == want, "TRYALL_LOG=%s gave %d", v ? v : "(unset)", c->log_level);
    FZ_CHECK(memchr(c->log_file, '\0', sizeof c->log_file), "log file not terminated");
    if (get("TRYALL_LOG_TO"))
        return 0;
    if (file && *file && strlen(file) < sizeof c->log_file)
        FZ_CHECK(strcmp(c->log_file, file) == 0, "TRYALL_LOG_FILE not taken");
    else
        FZ_CHECK(c->log_file[0] == '\0', "TRYALL_LOG_FILE too long or empty, yet set");
    int ok = !v || !*v || want || !strcmp(v, "quiet") || !strcmp(v, "0");
    return ok && (!file || strlen(file) < sizeof c->log_file);
}

static void check_warnings(const char *warn, size_t warnlen, int all_taken)
{
    if (!warn || !warnlen)
        return;
    const char *end = memchr(warn, '\0', warnlen);
    FZ_CHECK(end, "warnings not terminated inside their %zu bytes", warnlen);
    FZ_CHECK(!all_taken || warn[0] == '\0', "a warning with every value taken: %s", warn);
    for (const char *l = warn, *nl; (nl = memchr(l, '\n', (size_t)(end - l))); l = nl + 1)
        FZ_CHECK(strncmp(l, "TRYALL_", 7) == 0, "a warning line not about a variable");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = fz_of(data, size);
    size_t warnlen = (size_t)fz_u8(&f) * 8;
    envlen = fz_bytes(&f, env, sizeof env - 1);
    env[envlen] = '\0';
    for (size_t i = 0; i < envlen; i++)
        env[i] = env[i] == '\n' ? '\0' : env[i];
    char *warn = warnlen ? malloc(warnlen) : NULL;   /* exactly warnlen: ASan sees an overrun */
    if (warn)
        memset(warn, 'W', warnlen);
    static struct tryall_config c;
    memset(&c, 0xa5, sizeof c);
    errno = 4242;
    config_parse(&c, get, warn, warnlen);
    FZ_CHECK(errno == 4242, "errno changed to %d", errno);
    int taken = check_flag("TRYALL_DISABLE", c.disabled, 0, "1");
    taken &= check_flag("TRYALL_COMPLETE", c.complete, 1, "0");
    taken &= check_ms("TRYALL_DELAY_MS", c.delay_ms, TRYALL_DELAY_DEFAULT, TRYALL_DELAY_MIN,
                      TRYALL_DELAY_MAX);
    taken &= check_ms("TRYALL_RESOLVE_DELAY_MS", c.resolve_delay_ms, TRYALL_RESOLVE_DELAY_DEFAULT,
                      0, TRYALL_RESOLVE_DELAY_MAX);
    taken &= check_log(&c);
    taken &= !unmodeled_set();
    check_warnings(warn, warnlen, taken);
    free(warn);
    return 0;
}

/* conftest.h - what the settings' tests share (tests/test_config.c,
 * test_resolve_config.c, test_conffile.c, test_conflayers.c): an injected
 * environment, config_build over a file text, warning checks.
 * Included once per test program (static functions). */
#ifndef TRYALL_CONFTEST_H
#define TRYALL_CONFTEST_H

#define CONF "/etc/libtryall.conf"
#define UNUSED __attribute__((unused))

static const char *const *fake_env;

UNUSED static const char *fake_get(const char *name)
{
    size_t len = strlen(name);
    for (const char *const *e = fake_env; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

static char warn[4096];

/* Build from a file text (and an environment, or NULL for a set-uid run). */
UNUSED static void build(struct tryall_config *c, const char *text, const char *exe,
                         const char *const *env, int secure)
{
    fake_env = env;
    memset(c, 0xa5, sizeof *c);
    memset(warn, 'W', sizeof warn);
    warn[0] = '\0';
    config_build(c, text, text ? strlen(text) : 0, CONF, exe, secure ? NULL : fake_get, warn,
                 sizeof warn);
    assert_non_null(memchr(warn, '\0', sizeof warn));
}

UNUSED static void file(struct tryall_config *c, const char *text, const char *exe)
{
    build(c, text, exe, NULL, 0);
}

UNUSED static unsigned count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

UNUSED static void assert_no_warning(void)
{
    if (warn[0])
        fail_msg("unexpected warning: %s", warn);
}

/* Exactly one warning, for line `line` of the file. */
UNUSED static void assert_one_warning(unsigned line)
{
    char want[64];
    snprintf(want, sizeof want, CONF ":%u: ", line);
    if (count_lines(warn) != 1 || strncmp(warn, want, strlen(want)) != 0)
        fail_msg("want one warning for line %u, got '%s'", line, warn);
}

#endif

/* conffile.c - owns the syntax of the config file (libtryall.conf(5)):
 *
 *     # a comment (whole lines only)
 *     key = value            a setting of the table in config.c
 *     off                    the same as disable = 1
 *     [program PATTERN]      the lines up to the next [...] apply only to
 *                            programs whose executable matches PATTERN
 *
 * PATTERN is a shell glob (fnmatch): with a '/' it is matched against the
 * executable's whole path ('*' does not cross '/'), without one against its
 * base name. Global lines apply first, then every matching rule in file
 * order. A bad line is ignored with one warning; the rest applies.
 * Pure: the file's bytes come in, never a path to open.
 * Must never make a system call nor stop at a bad line. */
#include "core/config.h"

#include <fnmatch.h>
#include <string.h>

#define LINE_CAP (TRYALL_PATH_MAX + 128)

/* Where the walk is: outside any rule, in a rule that matches, in one that
 * does not, or after a bad [...] line (its lines are skipped). */
enum scope { GLOBAL, MATCHING, OTHER, BROKEN };

struct walk {
    const char *name;      /* for warnings */
    unsigned line;
    char *warn;
    size_t warnlen;
    int report;            /* warn about bad lines (first pass only) */
};

static void bad(const struct walk *w, const char *what, const char *text)
{
    if (w->report)
        config_warn(w->warn, w->warnlen, "%s:%u: %s%.64s%s; line ignored\n", w->name, w->line,
                    what, text, strlen(text) > 64 ? "..." : "");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int matches(const char *pattern, const char *exe)
{
    if (!exe || !*exe)
        return 0;
    if (strchr(pattern, '/'))
        return fnmatch(pattern, exe, FNM_PATHNAME) == 0;
    return fnmatch(pattern, base_name(exe), 0) == 0;
}

/* "[program PATTERN]": the scope it opens. */
static enum scope section(const struct walk *w, char *s, const char *exe)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != ']') {
        bad(w, "a section must end with ']' (its lines are skipped too): ", s);
        return BROKEN;
    }
    s[n - 1] = '\0';
    char *in = trim(s + 1);
    if (strncmp(in, "program", 7) != 0 || (in[7] != ' ' && in[7] != '\t')) {
        bad(w, "not [program PATTERN] (its lines are skipped too): ", in);
        return BROKEN;
    }
    char *pattern = trim(in + 7);
    if (!*pattern) {
        bad(w, "no PATTERN in [program PATTERN] (its lines are skipped too)", "");
        return BROKEN;
    }
    return matches(pattern, exe) ? MATCHING : OTHER;
}

/* "key = value" or "off" into c. */
static void setting(const struct walk *w, char *s, struct tryall_config *c)
{
    char off[] = "disable = 1";
    if (strcmp(s, "off") == 0)
        s = off;
    char *eq = strchr(s, '=');
    if (!eq) {
        bad(w, "not key = value: ", s);
        return;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    const struct config_setting *st = *key ? config_setting_by_key(key) : NULL;
    if (!st) {
        bad(w, "unknown setting: ", key);
        return;
    }
    char why[96];
    if (!*val) {
        bad(w, "no value for ", key);
    } else if (st->parse(st, val, c, why, sizeof why) != 0 && w->report) {
        config_warn(w->warn, w->warnlen, "%s:%u: %s = %.64s%s %s; line ignored\n", w->name,
                    w->line, key, val, strlen(val) > 64 ? "..." : "", why);
    }
}

/* The next line of text into buf (NUL-terminated); 0 at the end. A line
 * too long or holding a NUL byte comes back empty, with *err set. */
static int next_line(const char **p, const char *end, char *buf, const char **err)
{
    *err = NULL;
    if (*p >= end)
        return 0;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    if (n >= LINE_CAP)
        *err = "line too long";
    else if (memchr(*p, '\0', n))
        *err = "line holds a NUL byte";
    if (*err)
        n = 0;
    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p = nl ? nl + 1 : end;
    return 1;
}

/* One pass over the file. Pass 1 applies the global lines and checks every
 * line (rules' lines into a scratch copy); pass 2 applies the matching rules. */
static void walk(struct tryall_config *c, const char *text, size_t len, const char *exe,
                 struct walk *w, int pass)
{
    char buf[LINE_CAP];
    struct tryall_config scratch;
    const char *p = text, *end = text + len, *err;
    enum scope scope = GLOBAL;
    for (w->line = 1; next_line(&p, end, buf, &err); w->line++) {
        if (err) {
            bad(w, err, "");
            continue;
        }
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            scope = section(w, s, exe);
            continue;
        }
        if (scope == BROKEN)
            continue;
        if (pass == 1 && scope == GLOBAL)
            setting(w, s, c);
        else if (pass == 1)
            setting(w, s, (scratch = *c, &scratch));
        else if (scope == MATCHING)
            setting(w, s, c);
    }
}

void config_file_apply(struct tryall_config *c, const char *text, size_t len, const char *name,
                       const char *exe, char *warn, size_t warnlen)
{
    struct walk w = { .name = name, .warn = warn, .warnlen = warnlen, .report = 1 };
    walk(c, text, len, exe, &w, 1);
    w.report = 0;
    walk(c, text, len, exe, &w, 2);
}

int config_file_has_rules(const char *text, size_t len)
{
    int start = 1;
    for (size_t i = 0; i < len; i++) {
        if (start && text[i] == '[')
            return 1;
        if (text[i] == '\n')
            start = 1;
        else if (text[i] != ' ' && text[i] != '\t')
            start = 0;
    }
    return 0;
}

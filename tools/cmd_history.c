/* cmd_history.c - owns `tryall-run --history [--clear]`: where the history
 * file is, its valid slots listed newest first (show.c's columns), and
 * forgetting them all (histfile_clear: a fresh file renamed over the old).
 * Must never write a slot; the file is opened as the library opens it
 * (sys/histfile.c), so both see the same path, checks and network. */
#include "cmds.h"
#include "show.h"
#include "core/config.h"
#include "sys/histfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_history_where(const char *prefix)
{
    if (histfile_ready() == 0) {
        printf("%s%s\n", prefix, histfile_path());
        return 1;
    }
    if (strcmp(tryall_config()->history, "off") == 0)
        printf("%soff (TRYALL_HISTORY=off)\n", prefix);
    else
        printf("%sunavailable (%s)\n", prefix,
               *tryall_config()->history
                   ? "TRYALL_HISTORY names a file that cannot be made, or is not private"
                   : "no private directory for it in $XDG_RUNTIME_DIR or $HOME/.cache, or "
                     "the file cannot be made");
    return 0;
}

struct all {
    unsigned n;
    struct hist_slot s[HIST_SLOTS];
};

static void take(const struct hist_slot *s, void *arg)
{
    struct all *a = arg;
    if (a->n < HIST_SLOTS)
        a->s[a->n++] = *s;
}

static void count(const struct hist_slot *s, void *arg)
{
    (void)s;
    ++*(unsigned *)arg;
}

static int newest_first(const void *x, const void *y)
{
    const struct hist_slot *a = x, *b = y;
    return a->when_ms < b->when_ms ? 1 : a->when_ms > b->when_ms ? -1 : 0;
}

static int list(void)
{
    static struct all all;
    histfile_each(take, &all);
    if (!all.n) {
        printf("nothing remembered\n");
        return 0;
    }
    qsort(all.s, all.n, sizeof all.s[0], newest_first);
    uint64_t now = histfile_now_ms();
    char line[256];
    unsigned w = show_slot_width(all.s, all.n);
    printf("%s\n", show_slot_head(line, sizeof line, w));
    for (unsigned i = 0; i < all.n; i++)
        printf("%s\n", show_slot_line(line, sizeof line, &all.s[i], now, w));
    printf("%u destination%s remembered\n", all.n, all.n == 1 ? "" : "s");
    return 0;
}

int cmd_history(int clear)
{
    int on = cmd_history_where("history: ");
    if (!on)
        return strcmp(tryall_config()->history, "off") == 0 ? 0 : 1;
    if (!clear)
        return list();
    unsigned n = 0;
    histfile_each(count, &n);
    if (histfile_clear() != 0) {
        fprintf(stderr, "%s: cannot replace %s with a fresh file\n", TOOL_NAME, histfile_path());
        return 1;
    }
    printf("forgotten: %u destination%s\n", n, n == 1 ? "" : "s");
    return 0;
}

/* tryall-tool.c - the operators' tool behind `tryall-run --explain` and
 * `tryall-run --history` (docs/history-file.md); owns its command line and exit
 * status, and nothing else (cmd_explain.c, cmd_history.c do the work).
 * Not part of the library: it links the pure core and the history file's
 * code (sys/histfile.c) as the unit tests do, and runs without libtryall
 * (tryall-run drops LD_PRELOAD; plain.c goes round anything preloaded).
 * Must never write the history except when asked to clear it. */
#include "cmds.h"
#include "core/config.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
    fprintf(to, "Usage: %s [-d MS] --explain HOST PORT\n"
                "       %s --history [--clear]\n"
                "\n"
                "--explain   resolve HOST as a program would, print the order libtryall\n"
                "            would try its addresses in and why (family, history), the\n"
                "            attempt delay, then probe each address (a connect, no byte\n"
                "            sent); exit 0 if one connected, 1 if none, 2 on an error\n"
                "--history   list what the history file remembers; --clear forgets it\n",
            TOOL_NAME, TOOL_NAME);
}

static int usage_error(const char *what)
{
    fprintf(stderr, "%s: %s\n", TOOL_NAME, what);
    usage(stderr);
    return 2;
}

/* The settings' complaints (a bad TRYALL_DELAY_MS, ...), as the library's
 * log would give them. */
static void warnings(void)
{
    const char *w = tryall_config_warnings();
    while (*w) {
        size_t l = strcspn(w, "\n");
        fprintf(stderr, "%s: warning: %.*s\n", TOOL_NAME, (int)l, w);
        w += l + (w[l] == '\n');
    }
}

int main(int argc, char **argv)
{
    warnings();
    if (argc < 2)
        return usage_error("--explain or --history expected");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--explain") == 0) {
        if (argc != 4 || !*argv[2] || !*argv[3])
            return usage_error("--explain needs HOST and PORT, and nothing else");
        return cmd_explain(argv[2], argv[3]);
    }
    if (strcmp(argv[1], "--history") == 0) {
        if (argc == 2)
            return cmd_history(0);
        if (argc == 3 && strcmp(argv[2], "--clear") == 0)
            return cmd_history(1);
        return usage_error("--history takes only --clear");
    }
    fprintf(stderr, "%s: unknown command '%s'\n", TOOL_NAME, argv[1]);
    usage(stderr);
    return 2;
}

/* cmds.h - the commands of tryall-tool, each in a file of its own
 * (cmd_explain.c, cmd_history.c); tryall-tool.c reads the command line.
 * Each returns the exit status and prints its own errors, prefixed with
 * TOOL_NAME (the tool speaks as the wrapper that runs it). */
#ifndef TRYALL_TOOL_CMDS_H
#define TRYALL_TOOL_CMDS_H

#define TOOL_NAME "tryall-run"

/* --explain HOST PORT: 0 some address connected, 1 none, 2 usage or
 * resolver error. */
int cmd_explain(const char *host, const char *port);

/* --history [--clear]: 0; 1 when the history is on but its file cannot be
 * opened (or, clear, replaced). */
int cmd_history(int clear);

/* Say where the history is: "history: PATH", or off, or unavailable
 * (prefix: the line's start). 1 when it is on. */
int cmd_history_where(const char *prefix);

#endif

/* event.h - owns a log event as data (what happened, to which descriptor,
 * name, address and attempt) and its JSON form: one RFC 8259 object on one
 * line, ASCII only (every other character as a \u escape).
 * Must never make a system call (time and pid come in as arguments). */
#ifndef TRYALL_EVENT_H
#define TRYALL_EVENT_H

#include <stddef.h>

struct tryall_event {
    const char *event;     /* "started" "failed" "won" "lost" "joined" "warning" */
    int fd;                /* the app's descriptor; -1: none */
    const char *host;      /* the name the app resolved; NULL: none */
    const char *address;   /* the attempt's address; NULL: none */
    const char *origin;    /* where an address the app never saw came from; NULL: the app */
    int port;              /* -1: none */
    unsigned attempt;      /* 1, 2, ...; 0: none */
    unsigned addresses;    /* lost: how many were tried; joined: how many joined; 0: none */
    int error;             /* an errno value; 0: none */
    long long ms;          /* since the attempt (failed) or the race (others) began; -1: none */
    const char *message;   /* a warning's text; NULL: none */
};

#define TRYALL_EVENT_NONE { .fd = -1, .port = -1, .ms = -1 }

/* The JSON object for e, a newline after it, NUL-terminated, into buf:
 * {"time":"2024-05-01T12:00:00.123Z","pid":42,"program":"curl","event":...}
 * with the keys of e that are set, in the order of the struct ("errno" is
 * the error's name, "error" its text). Strings longer than 1024 bytes once
 * escaped are cut at a character. Returns the length, or 0 (and buf "")
 * when it does not fit in cap: never a partial object. */
size_t event_json(char *buf, size_t cap, const struct tryall_event *e, long long unix_ms, int pid,
                  const char *program);

/* s as a JSON string, quotes included, at most max bytes (cut at a whole
 * character, the closing quote always there); max >= 2. Returns the length
 * written (dst is NUL-terminated; dst must hold max + 1 bytes). */
size_t event_json_string(char *dst, size_t max, const char *s);

/* RFC 3339 UTC time with milliseconds, "1970-01-01T00:00:00.000Z" (24
 * characters and a NUL; out holds 64 for any year). */
void event_time(char out[64], long long unix_ms);

#endif

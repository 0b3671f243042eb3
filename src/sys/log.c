/* log.c - owns the opt-in log (TRYALL_LOG=fail|trace): what a line says.
 * TRYALL_LOG_FORMAT=text: "tryall[PID]: " and the message, formatted into a
 * stack buffer and escaped (control characters and bytes >= 0x7f); json: one
 * object per event (core/event.c). The settings' warnings come once, before
 * the first line. Where a line goes is logout.c's (one system call each).
 * Must never allocate, and never change the errno the app sees. */
#include "sys/log.h"
#include "core/config.h"
#include "core/event.h"
#include "sys/logout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048
#define JSON_MAX_BYTES 4096

size_t log_escape(char *dst, size_t dstlen, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (dstlen == 0)
        return 0;
    for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
        char tmp[4];
        size_t k = 0;
        switch (*s) {
        case '\n': tmp[k++] = '\\'; tmp[k++] = 'n'; break;
        case '\t': tmp[k++] = '\\'; tmp[k++] = 't'; break;
        case '\r': tmp[k++] = '\\'; tmp[k++] = 'r'; break;
        case 0x1b: tmp[k++] = '\\'; tmp[k++] = 'e'; break;
        case '\\': tmp[k++] = '\\'; tmp[k++] = '\\'; break;
        default:
            if (*s < 0x20 || *s >= 0x7f) {
                tmp[k++] = '\\'; tmp[k++] = 'x';
                tmp[k++] = hex[*s >> 4]; tmp[k++] = hex[*s & 15];
            } else {
                tmp[k++] = (char)*s;
            }
        }
        if (o + k >= dstlen)
            break;
        memcpy(dst + o, tmp, k);
        o += k;
    }
    dst[o] = '\0';
    return o;
}

int log_on(int level)
{
    return tryall_config()->log_level >= level;
}

void log_fork(int phase)
{
    log_out_fork(phase);
}

void log_init(void)
{
    if (tryall_config()->log_level > TRYALL_LOG_QUIET)
        log_out_init();
}

static int severity_of(int level)
{
    return level >= TRYALL_LOG_TRACE ? LOG_INFO : LOG_NOTICE;
}

static long long unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A JSON line for ev, out through log_out. */
static void json_line(const struct tryall_event *ev, int severity)
{
    char buf[LOG_OUT_HEAD + JSON_MAX_BYTES];
    size_t len = event_json(buf + LOG_OUT_HEAD, JSON_MAX_BYTES, ev, unix_ms(), (int)getpid(),
                            tryall_program_name());
    if (len)
        log_out(buf + LOG_OUT_HEAD, len, severity, 1);
}

/* A text line "tryall[PID]: " + fmt, escaped, out through log_out. */
static void text_line(int severity, const char *fmt, va_list ap)
{
    char raw[LINE_MAX_BYTES], line[LOG_OUT_HEAD + LINE_MAX_BYTES];
    int n = snprintf(raw, sizeof raw, "tryall[%d]: ", (int)getpid());
    if (n < 0)
        return;
    vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
    char *out = line + LOG_OUT_HEAD;
    size_t len = log_escape(out, LINE_MAX_BYTES - 1, raw);
    out[len++] = '\n';
    log_out(out, len, severity, 0);
}

static void text_fmt(int severity, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_line(severity, fmt, ap);
    va_end(ap);
}

/* The settings' warnings, once per process, before its first line. */
static void warnings_once(void)
{
    static int warned;
    if (__atomic_exchange_n(&warned, 1, __ATOMIC_ACQ_REL))
        return;
    const char *w = tryall_config_warnings();
    int json = tryall_config()->log_format == TRYALL_LOG_JSON;
    while (*w) {
        const char *nl = strchr(w, '\n');
        int len = nl ? (int)(nl - w) : (int)strlen(w);
        if (json) {
            char msg[LINE_MAX_BYTES];
            snprintf(msg, sizeof msg, "%.*s", len, w);
            struct tryall_event ev = TRYALL_EVENT_NONE;
            ev.event = "warning";
            ev.message = msg;
            json_line(&ev, LOG_WARNING);
        } else {
            text_fmt(LOG_WARNING, "warning: %.*s", len, w);
        }
        w += len + (nl ? 1 : 0);
    }
}

void log_line(int level, const char *fmt, ...)
{
    if (!log_on(level))
        return;
    int saved = errno;
    warnings_once();
    va_list ap;
    va_start(ap, fmt);
    if (tryall_config()->log_format == TRYALL_LOG_JSON) {
        char msg[LINE_MAX_BYTES];
        vsnprintf(msg, sizeof msg, fmt, ap);
        struct tryall_event ev = TRYALL_EVENT_NONE;
        ev.event = "message";
        ev.message = msg;
        json_line(&ev, severity_of(level));
    } else {
        text_line(severity_of(level), fmt, ap);
    }
    va_end(ap);
    errno = saved;
}

void log_event(int level, const struct tryall_event *ev, const char *fmt, ...)
{
    if (!log_on(level))
        return;
    int saved = errno;
    warnings_once();
    if (tryall_config()->log_format == TRYALL_LOG_JSON) {
        json_line(ev, severity_of(level));
    } else {
        va_list ap;
        va_start(ap, fmt);
        text_line(severity_of(level), fmt, ap);
        va_end(ap);
    }
    errno = saved;
}

/* event.c - owns the JSON form of a log event: one object per line, every
 * string escaped per RFC 8259 (quote, backslash and control characters;
 * everything outside printable ASCII as \uXXXX, UTF-8 decoded, a byte that
 * is not valid UTF-8 as U+FFFD), so the line is valid JSON and plain ASCII
 * whatever a name holds.
 * Must never make a system call, never write past the buffer, never
 * produce a partial object. */
#include "core/event.h"

#include <stdio.h>
#include <string.h>

#define STRING_MAX 1024

/* The code point at s (advancing *len bytes), or 0xfffd for a byte that does
 * not start a valid UTF-8 sequence (then *len is 1). */
static unsigned utf8_next(const unsigned char *s, size_t *len)
{
    unsigned c = s[0], cp, n, min;
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf)
        n = 1, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 2, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 3, cp = c & 0x07, min = 0x10000;
    else
        n = 0, cp = 0, min = 0;
    for (unsigned i = 1; n && i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80) {   /* also stops at the NUL */
            n = 0;
            break;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (!n || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        *len = 1;
        return 0xfffd;
    }
    *len = n + 1;
    return cp;
}

/* The escape of one code point into out (at most 12 bytes + NUL). */
static size_t escape_one(char *out, unsigned cp)
{
    switch (cp) {
    case '"': return (size_t)sprintf(out, "\\\"");
    case '\\': return (size_t)sprintf(out, "\\\\");
    case '\n': return (size_t)sprintf(out, "\\n");
    case '\r': return (size_t)sprintf(out, "\\r");
    case '\t': return (size_t)sprintf(out, "\\t");
    case '\b': return (size_t)sprintf(out, "\\b");
    case '\f': return (size_t)sprintf(out, "\\f");
    }
    if (cp >= 0x20 && cp < 0x7f) {
        out[0] = (char)cp;
        out[1] = '\0';
        return 1;
    }
    if (cp < 0x10000)
        return (size_t)sprintf(out, "\\u%04x", cp);
    cp -= 0x10000;
    return (size_t)sprintf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
}

size_t event_json_string(char *dst, size_t max, const char *s)
{
    size_t o = 0;
    dst[o++] = '"';
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t used;
        char esc[16];
        size_t k = escape_one(esc, utf8_next(p, &used));
        if (o + k + 1 > max)   /* room for the closing quote */
            break;
        memcpy(dst + o, esc, k);
        o += k;
        p += used;
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return o;
}

void event_time(char out[64], long long unix_ms)
{
    long long ms = unix_ms % 1000, secs = unix_ms / 1000;
    if (ms < 0)
        ms += 1000, secs--;
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0)
        rem += 86400, days--;
    /* civil_from_days (H. Hinnant): the proleptic Gregorian date of a day count */
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    long long y = yoe + era * 400 + (m <= 2);
    snprintf(out, 64, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", y, m, d, rem / 3600,
             rem / 60 % 60, rem % 60, ms);
}

struct out {
    char *b;
    size_t cap, n;
    int over;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->over || o->n + len + 1 > o->cap) {
        o->over = 1;
        return;
    }
    memcpy(o->b + o->n, s, len);
    o->n += len;
    o->b[o->n] = '\0';
}

static void key_str(struct out *o, const char *key, const char *val)
{
    char k[32];
    put(o, k, (size_t)snprintf(k, sizeof k, ",\"%s\":", key));
    char buf[STRING_MAX + 1];
    put(o, buf, event_json_string(buf, STRING_MAX, val));
}

static void key_num(struct out *o, const char *key, long long val)
{
    char k[64];
    put(o, k, (size_t)snprintf(k, sizeof k, ",\"%s\":%lld", key, val));
}

size_t event_json(char *buf, size_t cap, const struct tryall_event *e, long long unix_ms, int pid,
                  const char *program)
{
    struct out o = { buf, cap, 0, cap == 0 };
    char t[64], head[96];
    event_time(t, unix_ms);
    put(&o, head, (size_t)snprintf(head, sizeof head, "{\"time\":\"%s\"", t));
    key_num(&o, "pid", pid);
    key_str(&o, "program", program);
    key_str(&o, "event", e->event);
    if (e->fd >= 0)
        key_num(&o, "fd", e->fd);
    if (e->host)
        key_str(&o, "host", e->host);
    if (e->address)
        key_str(&o, "address", e->address);
    if (e->origin)
        key_str(&o, "origin", e->origin);
    if (e->port >= 0)
        key_num(&o, "port", e->port);
    if (e->attempt)
        key_num(&o, "attempt", e->attempt);
    if (e->addresses)
        key_num(&o, "addresses", e->addresses);
    if (e->error) {
        const char *name = strerrorname_np(e->error);
        key_str(&o, "errno", name ? name : "?");
        key_str(&o, "error", strerrordesc_np(e->error) ? strerrordesc_np(e->error) : "?");
    }
    if (e->ms >= 0)
        key_num(&o, "ms", e->ms);
    if (e->message)
        key_str(&o, "message", e->message);
    put(&o, "}\n", 2);
    if (o.over) {
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    return o.n;
}

/* fuzz_log.c - owns fuzzing the log's escaping (src/sys/log.c log_escape):
 * any bytes (names from DNS, paths from the environment, strerror text)
 * into a buffer of any size, 0 included.
 * Invariants: nothing is written outside the buffer (it is exactly that
 * big: ASan), the result is terminated at the length returned and is plain
 * printable ASCII with no newline; it reads back (\n \t \r \e \\ \xHH) as a
 * prefix of the input, never cut inside an escape; the whole input when
 * the buffer holds four bytes per input byte plus one. */
#include "fuzz.h"

#include "sys/log.h"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Unescape out into back; returns the length, or -1 on a malformed escape. */
static long unescape(const char *out, size_t len, unsigned char *back)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (out[i] != '\\') {
            back[n++] = (unsigned char)out[i];
            continue;
        }
        if (++i >= len)
            return -1;
        switch (out[i]) {
        case 'n': back[n++] = '\n'; break;
        case 't': back[n++] = '\t'; break;
        case 'r': back[n++] = '\r'; break;
        case 'e': back[n++] = 0x1b; break;
        case '\\': back[n++] = '\\'; break;
        case 'x':
            if (i + 2 >= len || hexval(out[i + 1]) < 0 || hexval(out[i + 2]) < 0)
                return -1;
            back[n++] = (unsigned char)(hexval(out[i + 1]) << 4 | hexval(out[i + 2]));
            i += 2;
            break;
        default:
            return -1;
        }
    }
    return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = fz_of(data, size);
    uint16_t want = fz_u16(&f);
    size_t srclen = f.left;
    char *src = malloc(srclen + 1);
    fz_bytes(&f, src, srclen);
    src[srclen] = '\0';
    srclen = strlen(src);   /* a C string ends at its first NUL */
    size_t full = 4 * srclen + 1, dstlen = want & 0x8000 ? full : want % (full + 1);
    char *dst = malloc(dstlen ? dstlen : 1);
    size_t n = log_escape(dst, dstlen, src);
    if (dstlen == 0) {
        FZ_CHECK(n == 0, "%zu bytes written into nothing", n);
    } else {
        FZ_CHECK(n < dstlen && dst[n] == '\0' && strlen(dst) == n, "length %zu of %zu", n, dstlen);
        for (size_t i = 0; i < n; i++)
            FZ_CHECK(dst[i] >= 0x20 && dst[i] < 0x7f, "byte %#x at %zu", (unsigned char)dst[i], i);
        unsigned char *back = malloc(n + 1);
        long b = unescape(dst, n, back);
        FZ_CHECK(b >= 0, "output does not read back (cut inside an escape?)");
        FZ_CHECK((size_t)b <= srclen && memcmp(back, src, (size_t)b) == 0, "not a prefix of the input");
        FZ_CHECK(dstlen < full || (size_t)b == srclen, "%ld of %zu bytes in a full-size buffer", b, srclen);
        free(back);
    }
    free(dst);
    free(src);
    return 0;
}

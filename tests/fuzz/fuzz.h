/* fuzz.h - owns what the fuzz targets (tests/fuzz/fuzz_*.c) share: reading
 * the fuzzer's bytes as numbers, and the one way a target reports a broken
 * invariant (a message, then abort(): libFuzzer keeps the input as a crash).
 * Header-only: each target is one file plus its corpus directory
 * (tests/fuzz/corpus/<target>/), and the Makefile builds every
 * tests/fuzz/fuzz_*.c it finds twice: with libFuzzer (make fuzz) and with
 * tests/fuzz/replay.c (make check replays the corpus).
 * Must never read past the input, nor keep state from one input to the next
 * that the target does not reset itself. */
#ifndef TRYALL_FUZZ_H
#define TRYALL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    const uint8_t *p;
    size_t left;
};

static inline struct fz fz_of(const uint8_t *data, size_t size)
{
    return (struct fz){ data, size };
}

static inline int fz_done(const struct fz *f)
{
    return f->left == 0;
}

/* The next byte, 0 once the input is used up. */
static inline uint8_t fz_u8(struct fz *f)
{
    if (!f->left)
        return 0;
    f->left--;
    return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
    uint16_t hi = fz_u8(f);
    return (uint16_t)(hi << 8 | fz_u8(f));
}

static inline uint32_t fz_u32(struct fz *f)
{
    uint32_t hi = fz_u16(f);
    return hi << 16 | fz_u16(f);
}

static inline uint64_t fz_u64(struct fz *f)
{
    uint64_t hi = fz_u32(f);
    return hi << 32 | fz_u32(f);
}

/* Up to max bytes into out; returns how many there were. */
static inline size_t fz_bytes(struct fz *f, void *out, size_t max)
{
    size_t n = max < f->left ? max : f->left;
    memcpy(out, f->p, n);
    f->p += n;
    f->left -= n;
    return n;
}

/* A broken invariant: say which, and abort (the input is kept as a crash). */
#define FZ_CHECK(cond, ...)                                                   \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__,        \
                    __LINE__, #cond);                                         \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)

#endif

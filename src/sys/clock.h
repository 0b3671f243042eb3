/* clock.h - owns the one clock libtryall reads (CLOCK_MONOTONIC, in
 * milliseconds, or microseconds for a short spin), and the spin's pause.
 * Must never be called from the pure planner or book: they take time as input. */
#ifndef TRYALL_CLOCK_H
#define TRYALL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tryall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint64_t tryall_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One turn of a spin-wait: tells the CPU (and a hypervisor) so. */
static inline void tryall_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif

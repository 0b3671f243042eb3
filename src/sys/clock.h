/* clock.h - owns the one clock libtryall reads (CLOCK_MONOTONIC, milliseconds).
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

#endif

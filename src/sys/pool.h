/* pool.h - owns libtryall's memory: fixed-size objects (races, epoll
 * registrations) from mmap'd chunks kept on a free list, and big scratch
 * buffers straight from mmap. No malloc anywhere a hook can reach, because a
 * hook may run in a signal handler that interrupted the app inside malloc.
 * Must never return memory to malloc, nor be used without the fdtable lock
 * (pool_get/pool_put); the big buffers need no lock. */
#ifndef TRYALL_POOL_H
#define TRYALL_POOL_H

#include <stddef.h>

struct pool {
    size_t size;       /* object size, set at definition */
    void *free;        /* free list, linked through each object's first word */
};

#define POOL_OF(type) { .size = sizeof(type), .free = 0 }

/* A zeroed object, or NULL when the system has no memory. */
void *pool_get(struct pool *p);
void pool_put(struct pool *p, void *obj);

/* Zeroed scratch memory of n bytes (NULL on failure), and its release
 * (n == 0: nothing to release, the memory was not from pool_big). */
void *pool_big(size_t n);
void pool_big_free(void *mem, size_t n);

#endif

/* pool.c - owns libtryall's memory (see pool.h): objects carved from 64 KiB
 * mmap'd chunks, reused through a free list, never given back; scratch
 * buffers from mmap and munmap. All of it async-signal-safe system calls.
 * Must never call malloc or free. */
#include "sys/pool.h"

#include <string.h>
#include <sys/mman.h>

#define CHUNK (64 * 1024)

void *pool_get(struct pool *p)
{
    if (!p->free) {
        size_t size = (p->size + 15) & ~(size_t)15;
        size_t bytes = size > CHUNK / 4 ? size * 4 : CHUNK;
        char *c = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED)
            return NULL;
        for (size_t off = 0; off + size <= bytes; off += size) {
            *(void **)(c + off) = p->free;
            p->free = c + off;
        }
    }
    void *obj = p->free;
    p->free = *(void **)obj;
    memset(obj, 0, p->size);
    return obj;
}

void pool_put(struct pool *p, void *obj)
{
    *(void **)obj = p->free;
    p->free = obj;
}

void *pool_big(size_t n)
{
    void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

void pool_big_free(void *mem, size_t n)
{
    if (mem && n)
        munmap(mem, n);
}

/* rss.c - resident memory of a small process, to compare with and without
 * libtryall: "idle" once main() runs (after one numeric getaddrinfo, so any
 * lazy set-up of the shim has happened), "full" after resolving NAMES
 * (PREFIX000, PREFIX001, ...) that each have many addresses - under libtryall
 * that fills its address book (128 lists of up to 32 addresses).
 *
 * usage: rss [PREFIX COUNT]
 * Prints "idle_kb N idle_lib_kb L" and, with PREFIX, "full_kb N full_lib_kb L addrs A"
 * (A: addresses getaddrinfo returned in total, to show the names did resolve).
 * N is VmRSS; L is the resident part of libtryall.so's own mappings (text,
 * data and the anonymous bss right after them, where the address book
 * lives), 0 without the shim - exact, where N moves by +-100 kB from run to
 * run with address-space layout randomisation.
 * Resolves only; never connects anywhere. */
#include "bench.h"

#include <netdb.h>

/* Resident kB of the mappings of a file whose path contains `lib`, plus an
 * anonymous mapping that starts where one of them ends (its bss). */
static long lib_kb(const char *lib)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    long kb = 0;
    int in = 0, prev_lib = 0;
    unsigned long prev_end = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char path[256] = "";
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, path) >= 2 && strchr(line, '-') < strchr(line, ' ')) {
            int is_lib = strstr(path, lib) != NULL;
            in = is_lib || (path[0] == 0 && prev_lib && lo == prev_end);
            prev_lib = is_lib;
            prev_end = hi;
            continue;
        }
        long v;
        if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
            kb += v;
    }
    fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res;
    if (getaddrinfo("127.0.0.1", "80", &hints, &res) == 0)
        freeaddrinfo(res);
    printf("idle_kb %ld idle_lib_kb %ld\n", bench_status_kb("VmRSS"), lib_kb("libtryall"));
    if (argc < 3)
        return 0;
    int count = atoi(argv[2]);
    long addrs = 0;
    for (int i = 0; i < count; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%03d", argv[1], i);
        if (getaddrinfo(name, "80", &hints, &res) != 0)
            continue;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
            addrs++;
        freeaddrinfo(res);
    }
    printf("full_kb %ld full_lib_kb %ld addrs %ld\n", bench_status_kb("VmRSS"), lib_kb("libtryall"), addrs);
    return 0;
}

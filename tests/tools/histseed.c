/* histseed.c - owns the history file as the scenarios of bats/history.bats
 * need to see and shape it, through libtryall's own code (src/sys/histfile.c
 * and src/core/history.c, the file named by TRYALL_HISTORY):
 *   histseed set ADDR PORT OUTCOME   record an outcome now (connected,
 *                                    refused, unreachable, timedout,
 *                                    abandoned; connected with srtt 1 ms)
 *   histseed get ADDR PORT           print "OUTCOME VERDICT" for it
 *   histseed size                    print the file's size in bytes
 *   histseed check                   validate the whole file: the header,
 *                                    every slot's checksum; prints "ok N"
 *                                    (N destinations) or "BAD ..." (exit 1)
 * A test tool: never installed, never run by the library. */
#include "core/history.h"
#include "sys/histfile.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *s, struct tryall_addr *a)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, s, a->bytes) == 1)
        return a->family = AF_INET, 0;
    if (inet_pton(AF_INET6, s, a->bytes) == 1)
        return a->family = AF_INET6, 0;
    return -1;
}

static int outcome(const char *s)
{
    static const char *const names[] = { "", "connected", "refused", "unreachable", "timedout",
                                         "abandoned" };
    for (int i = 1; i <= HIST_ABANDONED; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* Every slot of the file, read as bytes: a torn or hostile one is BAD. */
static int check(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (size_t)st.st_size != HIST_FILE_SIZE) {
        printf("BAD size or open\n");
        return 1;
    }
    const unsigned char *m = mmap(NULL, HIST_FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED || !hist_header_valid((const struct hist_header *)m, HIST_FILE_SIZE)) {
        printf("BAD header\n");
        return 1;
    }
    const struct hist_slot *s = (const struct hist_slot *)(m + sizeof(struct hist_header));
    unsigned n = 0;
    for (unsigned i = 0; i < HIST_SLOTS; i++) {
        if (s[i].family == 0)
            continue;
        if (!hist_slot_valid(&s[i])) {
            printf("BAD slot %u\n", i);
            return 1;
        }
        n++;
    }
    printf("ok %u\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = getenv("TRYALL_HISTORY");
    struct tryall_addr a;
    if (argc == 2 && !strcmp(argv[1], "size"))
        return printf("%zu\n", (size_t)HIST_FILE_SIZE) < 0;
    if (!path || argc < 2)
        return fprintf(stderr, "usage: TRYALL_HISTORY=FILE histseed set|get|check ...\n"), 2;
    if (!strcmp(argv[1], "check"))
        return check(path);
    if (argc < 4 || parse(argv[2], &a) != 0 || histfile_ready() != 0)
        return fprintf(stderr, "histseed: bad address, or no history file\n"), 2;
    uint16_t port = (uint16_t)atoi(argv[3]);
    if (!strcmp(argv[1], "set") && argc == 5 && outcome(argv[4]) > 0) {
        histfile_put(&a, port, outcome(argv[4]), 1000, histfile_now_ms());
        return 0;
    }
    if (!strcmp(argv[1], "get")) {
        struct hist_slot s;
        static const char *const v[] = { "unknown", "good", "bad" };
        histfile_get(&a, port, &s);
        printf("%s %s\n", hist_outcome_name(s.outcome), v[hist_judge(&s, histfile_now_ms())]);
        return 0;
    }
    return 2;
}

/* replay.c - owns running a fuzz target without libFuzzer: each file named
 * on the command line (a directory: each file in it) is read and handed to
 * LLVMFuzzerTestOneInput once, so `make check` replays every corpus entry
 * (a crash once found is a regression test) with any compiler.
 * Must never skip a file it cannot read: that is a failure (exit 2).
 * usage: replay PATH...   prints "N inputs" and exits 0, or aborts with the
 * target's message on a broken invariant. */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return perror(path), -1;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return perror(path), -1;
    /* A copy of exactly n bytes: a read past the input is seen by ASan. */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return -1;
    memcpy(copy, buf, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    return 0;
}

static int run_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return perror(path), -1;
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d)
        return perror(path), -1;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rc = run_path(p, count);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count) != 0)
            return 2;
    printf("%u inputs\n", count);
    return 0;
}

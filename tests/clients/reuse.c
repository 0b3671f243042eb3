/* reuse.c - descriptors closed or copied behind the race's back.
 * Usage: reuse closerange|closefrom|dup|threads HOST PORT
 *   closerange/closefrom  a race runs (non-blocking connect to HOST, every
 *            address black-holed); the app closes its socket with
 *            close_range/closefrom and opens a file, which takes the number;
 *            the race must never touch that file; no hidden socket is left
 *   dup      a race whose first address is black-holed; the app dup()s the
 *            descriptor while it races; once writable, the copy must be the
 *            winner too (same socket, same peer)
 *   threads  thread A closes the racing descriptor while thread B keeps
 *            opening files (one gets the number) while the race finishes:
 *            B's files are never touched
 * Prints "ok" lines and "FAIL ..." lines; exit 0 when no FAIL. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdcount.h"

static int fails;
#define FAIL(...) (printf("FAIL " __VA_ARGS__), printf("\n"), fails++)

static struct addrinfo *res;

static int start_race(void)
{
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 || errno != EINPROGRESS)
        FAIL("connect did not say EINPROGRESS");
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    poll(&p, 1, 60);   /* the race starts its other attempts (delay 10 ms) */
    return fd;
}

static int file_ok(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && S_ISREG(a.st_mode) &&
           a.st_size == 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY;
}

static void closed_behind(const char *how)
{
    char path[] = "/tmp/reuse.XXXXXX";
    int t = mkstemp(path);
    close(t);
    int base = count_fds();
    int fd = start_race();
    if (!strcmp(how, "closerange"))
        close_range((unsigned)fd, (unsigned)fd, 0);
    else
        closefrom(fd);
    int f = open(path, O_RDONLY);   /* the lowest free number: fd's */
    if (f != fd)
        FAIL("the file did not get the closed number (%d, %d)", f, fd);
    struct pollfd p = { .fd = f, .events = POLLIN };
    for (int i = 0; i < 5; i++)   /* time for the race to act, if it still could */
        if (poll(&p, 1, 60) != 1 || p.revents != POLLIN)
            FAIL("%s: poll on the file that reused the number: not readable at once", how);
    if (!file_ok(f, path))
        FAIL("%s: the file on the reused number was touched", how);
    /* Nothing of the race may be left while the file is open. */
    if (!strcmp(how, "closerange") && count_fds() != base + 1)
        FAIL("%s: %d descriptors with the file open, expected %d", how, count_fds(), base + 1);
    /* closefrom also closed what the app had above fd: count from fd up
     * (only the file may be there), close_range only fd itself. */
    int above = count_fds_from(fd);
    close(f);
    unlink(path);
    if (!strcmp(how, "closefrom") && above != 1)
        FAIL("%s: %d descriptors at or above %d, expected only the file", how, above, fd);
    else if (!strcmp(how, "closerange") && count_fds() != base)
        FAIL("%s: %d descriptors before, %d after", how, base, count_fds());
    else
        printf("ok %s\n", how);
}

static void dup_follows(void)
{
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fd, res->ai_addr, res->ai_addrlen);
    int copy = dup(fd);
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    if (poll(&p, 1, 3000) != 1)
        FAIL("dup: not writable in 3 s");
    struct stat a, b;
    struct sockaddr_storage pa, pb;
    socklen_t la = sizeof pa, lb = sizeof pb;
    if (fstat(fd, &a) || fstat(copy, &b) || a.st_ino != b.st_ino)
        FAIL("dup: the copy is not the winner's socket");
    else if (getpeername(fd, (struct sockaddr *)&pa, &la) || getpeername(copy, (struct sockaddr *)&pb, &lb) ||
             la != lb || memcmp(&pa, &pb, la))
        FAIL("dup: the copy has another peer");
    else
        printf("ok dup\n");
    close(copy);
    close(fd);
}

static volatile int stop;
static char tpath[] = "/tmp/reuse-t.XXXXXX";

static void *opener(void *arg)
{
    (void)arg;
    while (!stop) {
        int f = open(tpath, O_RDONLY);
        if (f < 0)
            continue;
        for (int i = 0; i < 50; i++)
            if (!file_ok(f, tpath)) {
                FAIL("threads: a file of thread B (fd %d) was touched", f);
                stop = 1;
                break;
            }
        close(f);
    }
    return NULL;
}

static void threads(void)
{
    int t = mkstemp(tpath);
    close(t);
    int base = count_fds();
    pthread_t b;
    pthread_create(&b, NULL, opener, NULL);
    for (int round = 0; round < 40 && !stop; round++) {
        int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fd, res->ai_addr, res->ai_addrlen);
        usleep((useconds_t)(round % 20) * 1000);   /* around the race's decision */
        close(fd);
    }
    usleep(300000);
    stop = 1;
    pthread_join(b, NULL);
    unlink(tpath);
    if (count_fds() != base)
        FAIL("threads: %d descriptors before, %d after", base, count_fds());
    else if (!fails)
        printf("ok threads\n");
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: reuse closerange|closefrom|dup|threads HOST PORT\n"), 2;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    if (getaddrinfo(argv[2], argv[3], &hints, &res) != 0)
        return fprintf(stderr, "getaddrinfo failed\n"), 2;
    if (!strcmp(argv[1], "dup"))
        dup_follows();
    else if (!strcmp(argv[1], "threads"))
        threads();
    else
        closed_behind(argv[1]);
    freeaddrinfo(res);
    return fails ? 1 : 0;
}

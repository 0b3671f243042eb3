/* syslog_app.c - a legacy program that logs through syslog(3) itself, and
 * closes every descriptor it does not know in the middle (as daemons do).
 * Usage: syslog_app HOST PORT
 * openlog("legacyapp", LOG_PID | LOG_NDELAY, LOG_DAEMON) (so its /dev/log
 * socket is open before any connect), then: getaddrinfo(HOST, PORT), one
 * blocking connect() to the first address, syslog "first: ok|ERRNO";
 * closelog(), closefrom(3), openlog again; the same connect again, syslog
 * "second: ...". Prints both outcomes and exits 0 when both connected.
 * The caller checks that its own lines reach /dev/log with its ident and
 * facility, untouched by libtryall's own syslog lines. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

static int connect_once(const char *host, const char *port, const char *what)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    const char *how = rc == 0 ? "ok" : strerrorname_np(errno);
    syslog(LOG_INFO, "%s: %s", what, how);
    printf("%s: %s\n", what, how);
    close(fd);
    freeaddrinfo(res);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: syslog_app HOST PORT\n"), 2;
    openlog("legacyapp", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    int a = connect_once(argv[1], argv[2], "first");
    closelog();
    closefrom(3);
    openlog("legacyapp", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    int b = connect_once(argv[1], argv[2], "second");
    closelog();
    return a == 0 && b == 0 ? 0 : 1;
}

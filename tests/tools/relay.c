/* relay.c - owns the chaos scenario's slow, disorderly wire (bats/lib/chaos.bash):
 * two TUN devices it creates itself; every packet read from one is written
 * to the other after a delay (--delay MS plus 0..--jitter MS at random),
 * and --reorder PCT of them are held back a further 2 x jitter, so later
 * packets overtake them. Loss and duplication are nftables' job (the
 * scenario's rules), not the relay's. Prints "ready" once both devices
 * exist, exits 0 on SIGTERM after a line of counts on stderr:
 *   relay: a->b N b->a N reordered N held N overflow N
 * (reordered: packets written after one that came after them).
 * Must never write a byte that it did not read from the other device, nor
 * open anything but /dev/net/tun; it lives in a network namespace the test
 * made (the script moves one device into a second such namespace).
 *
 * usage: relay --tun-a NAME --tun-b NAME [--delay MS] [--jitter MS]
 *              [--reorder PCT] [--seed N] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

enum { QMAX = 4096, PKT_MAX = 2048 };

struct pkt {
    int64_t due;          /* when to write it (ms) */
    uint64_t seq;         /* arrival order in its direction */
    int to;               /* 0: to device a, 1: to device b */
    size_t len;
    unsigned char data[PKT_MAX];
};

static struct pkt *q[QMAX];   /* waiting packets, unordered */
static int nq;
static long delay_ms = 5, jitter_ms = 20, reorder_pct = 10;
static unsigned long long fwd[2], reordered, held, overflow;
static uint64_t arrived[2], newest_out[2];

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tun_open(const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return perror("relay: /dev/net/tun"), -1;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "relay: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* One packet from device `from` into the queue for the other one;
 * returns 0 when there was none to read. */
static int take(int fd, int from)
{
    struct pkt *p = malloc(sizeof *p);
    if (!p)
        return 0;
    ssize_t n = read(fd, p->data, sizeof p->data);
    if (n <= 0 || nq >= QMAX) {
        overflow += n > 0;
        free(p);
        return n > 0;
    }
    p->len = (size_t)n;
    p->to = !from;
    p->seq = ++arrived[from];
    p->due = now_ms() + delay_ms + (jitter_ms ? rand() % (jitter_ms + 1) : 0);
    if (rand() % 100 < reorder_pct) {
        p->due += 2 * jitter_ms;
        held++;
    }
    q[nq++] = p;
    return 1;
}

/* Write every packet that is due; returns ms until the next one (-1: none). */
static int flush(const int *fds)
{
    int64_t now = now_ms(), next = -1;
    for (int i = 0; i < nq;) {
        struct pkt *p = q[i];
        if (p->due > now) {
            if (next < 0 || p->due < next)
                next = p->due;
            i++;
            continue;
        }
        if (write(fds[p->to], p->data, p->len) == (ssize_t)p->len)
            fwd[!p->to]++;
        if (p->seq < newest_out[!p->to])
            reordered++;
        else
            newest_out[!p->to] = p->seq;
        free(p);
        q[i] = q[--nq];
    }
    return next < 0 ? -1 : (int)(next - now);
}

static int parse(int argc, char **argv, const char **a, const char **b)
{
    static const struct option opts[] = {
        { "tun-a", 1, 0, 'a' }, { "tun-b", 1, 0, 'b' }, { "delay", 1, 0, 'd' },
        { "jitter", 1, 0, 'j' }, { "reorder", 1, 0, 'r' }, { "seed", 1, 0, 's' }, { 0, 0, 0, 0 } };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        long v = c == 'a' || c == 'b' ? 0 : strtol(optarg, &end, 10);
        if (c != 'a' && c != 'b' && (*end || v < 0 || v > 10000))
            return -1;
        switch (c) {
        case 'a': *a = optarg; break;
        case 'b': *b = optarg; break;
        case 'd': delay_ms = v; break;
        case 'j': jitter_ms = v; break;
        case 'r': if (v > 100) return -1; reorder_pct = v; break;
        case 's': srand((unsigned)v); break;
        default: return -1;
        }
    }
    return *a && *b && optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *a = NULL, *b = NULL;
    srand((unsigned)getpid());
    if (parse(argc, argv, &a, &b) < 0) {
        fprintf(stderr, "usage: relay --tun-a NAME --tun-b NAME [--delay MS] [--jitter MS] "
                        "[--reorder PCT] [--seed N]   (MS <= 10000)\n");
        return 2;
    }
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    struct pollfd p[3];
    p[0].fd = tun_open(a);
    p[1].fd = tun_open(b);
    p[2].fd = sigprocmask(SIG_BLOCK, &term, NULL) == 0 ? signalfd(-1, &term, SFD_CLOEXEC) : -1;
    if (p[0].fd < 0 || p[1].fd < 0 || p[2].fd < 0)
        return 1;
    for (int i = 0; i < 3; i++)
        p[i].events = POLLIN;
    printf("ready\n");
    fflush(stdout);
    int fds[2] = { p[0].fd, p[1].fd };
    for (;;) {
        int wait = flush(fds);
        if (poll(p, 3, wait) < 0 && errno != EINTR)
            return perror("relay: poll"), 1;
        if (p[2].revents)
            break;
        for (int i = 0; i < 2; i++)
            if (p[i].revents & POLLIN)
                for (int k = 0; k < 64 && take(p[i].fd, i); k++)
                    ;
    }
    fprintf(stderr, "relay: a->b %llu b->a %llu reordered %llu held %llu overflow %llu\n", fwd[0],
            fwd[1], reordered, held, overflow);
    return 0;
}

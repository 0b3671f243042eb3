/* dnsd.c - owns a tiny authoritative DNS server for the bats scenarios
 * (bats/lib/dns.bash): A and AAAA answers from a zone file over UDP and TCP,
 * misbehaving per query type on purpose: never answering it (--drop-a,
 * --drop-aaaa) or answering it MS late (--delay-a, --delay-aaaa MS) while
 * other queries are served at once (a queue of pending replies, one poll
 * loop). Prints "ready" once listening, logs each query on stderr, exits 0
 * on SIGTERM. Must never: listen anywhere but the --listen addresses (the
 * tests give loopback in their own namespace), send anything but a reply to
 * the peer that asked, recurse or forward, block, or trust a byte of a query
 * (every read is bounds-checked; garbage is dropped or gets FORMERR).
 *
 * usage: dnsd --zone FILE --listen ADDR:PORT... [--drop-a] [--drop-aaaa]
 *             [--delay-a MS] [--delay-aaaa MS]     (ADDR:PORT: 127.0.0.1:53, [::1]:53)
 * Zone lines: NAME [TTL] A|AAAA ADDRESS ('#' comments, TTL 60 by default).
 * Replies (AA, no SOA, no CNAME): the name's records of the type (ANY: all);
 * known name without it: NOERROR, no answer; unknown name: NXDOMAIN; class
 * not IN: REFUSED; opcode not QUERY: NOTIMP; bad question: FORMERR; UDP
 * reply over 512 bytes: cut, TC set. Names are case-insensitive. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_REC = 256, MAX_SOCK = 32, MAX_PEND = 256, UDP_MAX = 512, MSG_MAX = 4096 };
enum { T_A = 1, T_AAAA = 28, T_ANY = 255 };
enum { S_FREE, S_UDP, S_LISTEN, S_CONN, S_TERM };    /* kinds of socket (S_TERM: a signalfd) */

struct rec { char name[256]; uint16_t type, rdlen; uint32_t ttl; unsigned char rdata[16]; };
struct peer { struct sockaddr_storage sa; socklen_t len; };
struct sock { int fd, kind; size_t len; unsigned char buf[2 + UDP_MAX]; };  /* S_CONN: length, query */
struct pend { int64_t due; int fd, tcp; struct peer to; size_t len; unsigned char msg[2 + MSG_MAX]; };

static struct rec zone[MAX_REC];
static struct sock socks[MAX_SOCK];   /* the listening ones first */
static struct pend pend[MAX_PEND];
static int nrec, npend, stop, drop[2];   /* drop, delay_ms: [0] for A, [1] for AAAA */
static long delay_ms[2];

static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v >> 8), p[1] = (unsigned char)v; }

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One zone line: NAME [TTL] A|AAAA ADDRESS. */
static int add_record(const char *line)
{
    struct rec *r = &zone[nrec];
    char type[8], addr[64], extra;
    unsigned long ttl = 60;
    if (nrec >= MAX_REC ||
        (sscanf(line, "%254s %lu %7s %63s %c", r->name, &ttl, type, addr, &extra) != 4 &&
         sscanf(line, "%254s %7s %63s %c", r->name, type, addr, &extra) != 3))
        return -1;
    size_t n = strlen(r->name);
    if (n > 0 && r->name[n - 1] == '.')         /* "" is the root */
        r->name[n - 1] = 0;
    r->ttl = (uint32_t)ttl;
    r->type = !strcasecmp(type, "A") ? T_A : !strcasecmp(type, "AAAA") ? T_AAAA : 0;
    r->rdlen = r->type == T_A ? 4 : 16;
    if (!r->type || ttl > 0x7fffffffUL ||
        inet_pton(r->type == T_A ? AF_INET : AF_INET6, addr, r->rdata) != 1)
        return -1;
    nrec++;
    return 0;
}

static int load_zone(const char *path)
{
    char line[512], w[2];
    int ln = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        int toolong = !strchr(line, '\n') && !feof(f);
        ln++;
        line[strcspn(line, "#")] = 0;
        if (sscanf(line, "%1s", w) == 1 && (toolong || add_record(line) < 0)) {
            fprintf(stderr, "dnsd: %s:%d: bad line (NAME [TTL] A|AAAA ADDRESS)\n", path, ln);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

/* The name at m[off..len) as "a.b" in out[256] ("" for the root); returns
 * the offset past it, or 0 if malformed: past the end, a compression
 * pointer, a label over 63 or a name over 255 bytes, a label with a dot,
 * a space or a byte that does not print (the log shows names as they are). */
static size_t read_name(const unsigned char *m, size_t len, size_t off, char *out)
{
    size_t o = 0, l;
    for (;;) {
        if (off >= len)
            return 0;
        if ((l = m[off++]) == 0)
            break;
        if (l > 63 || l > len - off || o + (o > 0) + l > 253)
            return 0;
        if (o > 0)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            unsigned char c = m[off + i];
            if (c <= ' ' || c >= 0x7f || c == '.')
                return 0;
            out[o++] = (char)c;
        }
        off += l;
    }
    out[o] = 0;
    return off;
}

/* Appends the zone's answers for name/qt to the reply r[0..len); sets the
 * answer count, the rcode, TC; returns the new length (<= max). */
static size_t add_answers(unsigned char *r, size_t len, size_t max, const char *name, unsigned qt)
{
    unsigned an = 0, known = 0;
    for (int i = 0; i < nrec; i++) {
        const struct rec *z = &zone[i];
        if (strcasecmp(z->name, name))
            continue;
        known = 1;
        if (qt != z->type && qt != T_ANY)
            continue;
        if (len + 12 + z->rdlen > max) {
            r[2] |= 0x02;                      /* TC */
            break;
        }
        unsigned char rr[12] = { 0xc0, 12, 0, (unsigned char)z->type, 0, 1,   /* the question's name, IN */
                                 (unsigned char)(z->ttl >> 24), (unsigned char)(z->ttl >> 16),
                                 (unsigned char)(z->ttl >> 8), (unsigned char)z->ttl, 0, (unsigned char)z->rdlen };
        memcpy(r + len, rr, 12);
        memcpy(r + len + 12, z->rdata, z->rdlen);
        len += 12 + (size_t)z->rdlen;
        an++;
    }
    put16(r + 6, an);
    r[3] = known ? 0 : 3;                      /* NOERROR / NXDOMAIN */
    return len;
}

/* Builds in r (max >= UDP_MAX bytes) the reply to the query q[0..qlen):
 * returns its length, or 0 for none (shorter than a header, or a reply
 * itself). *qt gets the type asked, name the name (left alone if none). */
static size_t answer(const unsigned char *q, size_t qlen, unsigned char *r, size_t max,
                     unsigned *qt, char *name)
{
    if (qlen < 12 || (q[2] & 0x80))
        return 0;
    memcpy(r, q, 2);                           /* ID */
    r[2] = (unsigned char)(0x80 | 0x04 | (q[2] & 0x79)); /* QR, AA; opcode and RD kept */
    memset(r + 3, 0, 9);
    int notimp = (q[2] >> 3 & 0x0f) != 0;
    size_t off = !notimp && get16(q + 4) == 1 ? read_name(q, qlen, 12, name) : 0;
    if (off == 0 || qlen - off < 4) {
        strcpy(name, "?");
        r[3] = notimp ? 4 : 1;                 /* NOTIMP, FORMERR */
        return 12;
    }
    *qt = get16(q + off);
    unsigned qclass = get16(q + off + 2);
    off += 4;
    memcpy(r + 12, q + 12, off - 12);          /* the question: <= 259 bytes */
    put16(r + 4, 1);
    if (qclass != 1 && qclass != T_ANY) {
        r[3] = 5;                              /* REFUSED */
        return off;
    }
    return add_answers(r, off, max, name, *qt);
}

/* p->msg: 2 bytes for the TCP length, then the reply. */
static void send_reply(struct pend *p)
{
    put16(p->msg, (unsigned)p->len);
    ssize_t n = p->tcp ? send(p->fd, p->msg, p->len + 2, MSG_DONTWAIT | MSG_NOSIGNAL)
                       : sendto(p->fd, p->msg + 2, p->len, MSG_DONTWAIT, (struct sockaddr *)&p->to.sa, p->to.len);
    if (n < 0 || (size_t)n != p->len + (p->tcp ? 2 : 0))
        fprintf(stderr, "dnsd: a reply of %zu bytes not sent whole: %s\n", p->len,
                n < 0 ? strerror(errno) : "short write");
}

/* Sends the delayed replies that are due; returns the ms until the next
 * one, or -1 if none is pending. */
static int64_t flush_due(void)
{
    int64_t now = now_ms(), next = -1;
    for (int i = 0; i < npend;) {
        if (pend[i].due <= now) {
            send_reply(&pend[i]);
            pend[i] = pend[--npend];
            continue;
        }
        if (next < 0 || pend[i].due - now < next)
            next = pend[i].due - now;
        i++;
    }
    return next;
}

static void log_query(int tcp, const struct peer *from, unsigned qt, const char *name,
                      const unsigned char *r, size_t len, const char *fate)
{
    static const char *const rcode[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };
    char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?", type[16];
    getnameinfo((const struct sockaddr *)&from->sa, from->len, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(type, sizeof type, qt == T_A ? "A" : qt == T_AAAA ? "AAAA" : "TYPE%u", qt);
    fprintf(stderr, "dnsd: %s %s#%s %s %s -> %s %u%s\n", tcp ? "tcp" : "udp", host, port, type,
            *name ? name : ".", len ? rcode[r[3] & 0x0f] : "ignored (not a query)", len ? get16(r + 6) : 0, fate);
    fflush(stderr);
}

/* Answers one query: at once, later (--delay-*) or never (--drop-*). */
static void serve_query(int fd, int tcp, const struct peer *from, const unsigned char *q, size_t qlen)
{
    struct pend p = { .fd = fd, .tcp = tcp, .to = *from };
    char name[256] = "?", fate[32] = "";
    unsigned qt = 0;
    p.len = answer(q, qlen, p.msg + 2, tcp ? MSG_MAX : UDP_MAX, &qt, name);
    int t = qt == T_A ? 0 : qt == T_AAAA ? 1 : -1, dropped = t >= 0 && drop[t];
    long ms = t >= 0 ? delay_ms[t] : 0;
    if (dropped)
        snprintf(fate, sizeof fate, " dropped");
    else if (ms > 0)
        snprintf(fate, sizeof fate, " delayed %ldms", ms);
    log_query(tcp, from, qt, name, p.msg + 2, p.len, fate);
    p.due = now_ms() + ms;
    if (p.len == 0 || dropped)
        return;
    if (ms == 0)
        send_reply(&p);
    else if (npend < MAX_PEND)
        pend[npend++] = p;
    else
        fprintf(stderr, "dnsd: %d replies pending already: this one dropped\n", MAX_PEND);
}

static int add_sock(int fd, int kind)
{
    for (int i = 0; fd >= 0 && i < MAX_SOCK; i++)
        if (socks[i].kind == S_FREE) {
            socks[i] = (struct sock){ .fd = fd, .kind = kind };
            return 0;
        }
    if (fd >= 0)
        close(fd);
    return -1;
}

static void on_udp(struct sock *s)
{
    unsigned char q[MSG_MAX];
    struct peer from = { .len = sizeof from.sa };
    ssize_t n = recvfrom(s->fd, q, sizeof q, MSG_DONTWAIT, (struct sockaddr *)&from.sa, &from.len);
    if (n >= 0)
        serve_query(s->fd, 0, &from, q, (size_t)n);
}

static void on_accept(struct sock *s)
{
    add_sock(accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), S_CONN);  /* or close it */
}

/* TCP: a 2-byte length then the query; reads no further than one query.
 * At the end, the connection's delayed replies go too. */
static void on_conn(struct sock *c)
{
    struct peer from = { .len = sizeof from.sa };
    ssize_t n = recv(c->fd, c->buf + c->len, (c->len < 2 ? 2 : 2 + get16(c->buf)) - c->len, 0);
    c->len += n > 0 ? (size_t)n : 0;
    size_t qlen = c->len < 2 ? 1 : get16(c->buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || qlen == 0 || 2 + qlen > sizeof c->buf) {
        for (int i = 0; i < npend;)
            if (pend[i].tcp && pend[i].fd == c->fd)
                pend[i] = pend[--npend];
            else
                i++;
        close(c->fd);
        *c = (struct sock){ .fd = -1, .kind = S_FREE };
        return;
    }
    if (c->len < 2 + qlen)
        return;
    getpeername(c->fd, (struct sockaddr *)&from.sa, &from.len);
    c->len = 0;
    serve_query(c->fd, 1, &from, c->buf + 2, qlen);
}

/* A UDP and a TCP socket on ADDR:PORT or [ADDR6]:PORT (numeric only). */
static int open_listen(const char *spec)
{
    char host[64], port[8], x;
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai = NULL;
    int one = 1, rc = 0;
    if ((sscanf(spec, "[%63[0-9a-fA-F:.]]:%7[0-9]%c", host, port, &x) != 2 &&
         sscanf(spec, "%63[0-9.]:%7[0-9]%c", host, port, &x) != 2) ||
        getaddrinfo(host, port, &hints, &ai) != 0) {
        fprintf(stderr, "dnsd: bad --listen '%s' (numeric ADDR:PORT or [ADDR6]:PORT)\n", spec);
        return -1;
    }
    for (int tcp = 0; tcp < 2 && rc == 0; tcp++) {
        int fd = socket(ai->ai_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (tcp && listen(fd, 16) < 0) ||
            (rc = add_sock(fd, tcp ? S_LISTEN : S_UDP)) < 0) {
            fprintf(stderr, "dnsd: %s %s: %s\n", tcp ? "tcp" : "udp", spec, rc ? "too many" : strerror(errno));
            rc = -1;
        }
    }
    freeaddrinfo(ai);
    return rc;
}

static void on_term(struct sock *s) { (void)s; stop = 1; }

static int serve(void)
{
    static void (*const on[])(struct sock *) = { [S_UDP] = on_udp, [S_LISTEN] = on_accept,
                                                 [S_CONN] = on_conn, [S_TERM] = on_term };
    struct pollfd pfd[MAX_SOCK];
    while (!stop) {
        int64_t next = flush_due();
        for (int i = 0; i < MAX_SOCK; i++)
            pfd[i] = (struct pollfd){ .fd = socks[i].kind ? socks[i].fd : -1, .events = POLLIN };
        if (poll(pfd, MAX_SOCK, next < 0 ? -1 : (int)next) < 0) {
            if (errno == EINTR)
                continue;
            perror("dnsd: poll");
            return 1;
        }
        for (int i = 0; i < MAX_SOCK; i++)   /* (accepts, in the first slots, come first) */
            if (pfd[i].revents && socks[i].kind && socks[i].fd == pfd[i].fd)
                on[socks[i].kind](&socks[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "zone", 1, 0, 'z' }, { "listen", 1, 0, 'l' }, { "drop-a", 0, 0, 'A' },
        { "drop-aaaa", 0, 0, 'B' }, { "delay-a", 1, 0, 'a' }, { "delay-aaaa", 1, 0, 'b' }, { 0, 0, 0, 0 } };
    const char *zonefile = NULL;
    int nl = 0, c, bad = 0;
    char *end;
    sigset_t term;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'z')
            zonefile = optarg;
        else if (c == 'l' && nl < MAX_SOCK / 4 && open_listen(optarg) == 0)
            nl++;
        else if (c == 'A' || c == 'B')
            drop[c == 'B'] = 1;
        else if ((c == 'a' || c == 'b') && isdigit((unsigned char)*optarg))
            bad |= (delay_ms[c == 'b'] = strtol(optarg, &end, 10)) > 600000 || *end;
        else
            bad = 1;
    }
    if (bad || !zonefile || nl == 0 || optind != argc) {
        fprintf(stderr, "usage: dnsd --zone FILE --listen ADDR:PORT... (at most %d) [--drop-a] "
                        "[--drop-aaaa] [--delay-a MS] [--delay-aaaa MS] (MS <= 600000)\n", MAX_SOCK / 4);
        return 2;
    }
    if (load_zone(zonefile) < 0)
        return 2;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &term, NULL) < 0 || add_sock(signalfd(-1, &term, SFD_CLOEXEC), S_TERM) < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int rc = serve();
    fprintf(stderr, "dnsd: stopped (%d replies pending)\n", npend);
    return rc;
}

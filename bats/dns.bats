#!/usr/bin/env bats
# bats/dns.bats - owns the proof of the DNS test bed (bats/lib/dns.bash,
# tests/tools/dnsd.c) with plain programs, no libtryall: glibc's resolver
# (getent) gets both families from dnsd, waits out its timeout when AAAA
# (or A) is dropped, waits the delay when it is delayed, fails on an unknown
# name; and dnsd itself answers by the book on the wire (UDP and TCP),
# answers two queries outstanding from one port in the order they are due,
# and survives garbage. Every run builds its own namespace; nothing leaves
# its lo. Only outcomes and generous time bounds are asserted. Needs root
# (skips otherwise); `make check-bats` builds first.

load lib/netns
load lib/dns

setup_file() {
  ns_setup_file
}

setup() {
  dns_build_paths || return 1
  ZONE=$BATS_TEST_TMPDIR/zone
  local many=() i
  for ((i = 1; i <= 40; i++)); do many+=("many.test AAAA fd00:7e57::1:$i"); done
  dns_zone "$ZONE" "# the scenarios' names; none of them is in the private /etc/hosts" \
    "both.test A 127.0.0.2" "both.test AAAA fd00:7e57::2" \
    "two.test A 127.0.0.2" "Two.Test. 300 A 127.0.0.3" \
    "two.test AAAA fd00:7e57::2" "two.test AAAA fd00:7e57::3" \
    "v4only.test A 127.0.0.2" "v6only.test AAAA fd00:7e57::2" "${many[@]}"
}

@test "getent: both families from dnsd, one family each with ahostsv4/ahostsv6, at once" {
  run_in_dns "$ZONE" -- getent ahosts two.test
  assert_status 0
  [ "$(dns_addrs)" = "127.0.0.2 127.0.0.3 fd00:7e57::2 fd00:7e57::3" ]
  assert_within 1000
  # glibc asks A and AAAA in parallel, from one socket.
  assert_dns_log '^dnsd: udp 127\.0\.0\.1#[0-9]+ A two\.test -> NOERROR 2$'
  assert_dns_log '^dnsd: udp 127\.0\.0\.1#[0-9]+ AAAA two\.test -> NOERROR 2$'
  [ "$(grep -Eo '#[0-9]+ A+ ' <<<"$dns_log" | cut -d' ' -f1 | sort -u | wc -l)" = 1 ]

  run_in_dns "$ZONE" -- getent ahostsv4 two.test
  assert_status 0
  [ "$(dns_addrs)" = "127.0.0.2 127.0.0.3" ]
  assert_within 1000
  run_in_dns "$ZONE" -- getent ahostsv6 two.test
  assert_status 0
  [ "$(dns_addrs)" = "fd00:7e57::2 fd00:7e57::3" ]
  assert_within 1000
}

@test "getent: a name with one family only gives that family (NOERROR, no data, for the other)" {
  run_in_dns "$ZONE" -- getent ahosts v4only.test
  assert_status 0
  [ "$(dns_addrs)" = 127.0.0.2 ]
  assert_dns_log 'AAAA v4only\.test -> NOERROR 0$'
  assert_within 1000
  run_in_dns "$ZONE" -- getent ahosts v6only.test
  assert_status 0
  [ "$(dns_addrs)" = fd00:7e57::2 ]
  assert_dns_log ' A v6only\.test -> NOERROR 0$'
  assert_within 1000
}

@test "getent: an unknown name fails at once (NXDOMAIN)" {
  run_in_dns "$ZONE" -- getent ahosts nosuch.test
  assert_status 2
  [ -z "$output" ]
  assert_dns_log ' A nosuch\.test -> NXDOMAIN 0$'
  assert_within 1000
}

@test "--drop-aaaa: ahosts waits out the resolver timeout (timeout:2), ahostsv4 is fast" {
  run_in_dns "$ZONE" --drop-aaaa -- getent ahosts both.test
  assert_status 0
  [ "$(dns_addrs)" = 127.0.0.2 ]
  assert_took_at_least 1900
  assert_within 9000   # glibc 2.36: 3 x 2 s (parallel, single-request, single-request-reopen)
  assert_dns_log 'AAAA both\.test -> NOERROR 1 dropped$'

  run_in_dns "$ZONE" --drop-aaaa -- getent ahostsv4 both.test
  assert_status 0
  [ "$(dns_addrs)" = 127.0.0.2 ]
  assert_within 1000
}

@test "--delay-aaaa 300: ahosts takes about 300 ms and gets both, ahostsv4 does not wait" {
  run_in_dns "$ZONE" --delay-aaaa 300 -- getent ahosts both.test
  assert_status 0
  [ "$(dns_addrs)" = "127.0.0.2 fd00:7e57::2" ]
  assert_took_at_least 280
  assert_within 1500   # under the 2 s resolver timeout: no retry
  assert_dns_log 'AAAA both\.test -> NOERROR 1 delayed 300ms$'

  run_in_dns "$ZONE" --delay-aaaa 300 -- getent ahostsv4 both.test
  assert_status 0
  assert_within 250
}

@test "--drop-a and --delay-a act on A queries only" {
  run_in_dns "$ZONE" --delay-a 300 -- getent ahostsv4 both.test
  assert_status 0
  assert_took_at_least 280
  assert_within 1500
  run_in_dns "$ZONE" --delay-a 300 -- getent ahostsv6 both.test
  assert_status 0
  assert_within 250

  run_in_dns "$ZONE" --drop-a -- getent ahostsv4 both.test
  assert_status 2
  assert_took_at_least 1900
  assert_dns_log ' A both\.test -> NOERROR 1 dropped$'
  run_in_dns "$ZONE" --drop-a -- getent ahostsv6 both.test
  assert_status 0
  [ "$(dns_addrs)" = fd00:7e57::2 ]
  assert_within 1000
}

# dnsd on the wire, from python: MODE is "wire" (dnsd without flags) or
# "order" (dnsd --delay-aaaa 300). Prints "ok ..." per check, "all ok" at the
# end; a failed check raises (exit 1).
DNS_PROBE_PY='
import random, socket, struct, sys, time
mode = sys.argv[1]
def query(name, qtype, qid=0x1234, qclass=1, flags=0x0100, qd=1):
    b = struct.pack(">HHHHHH", qid, flags, qd, 0, 0, 0)
    for l in name.split("."):
        if l: b += bytes([len(l)]) + l.encode()
    return b + b"\0" + struct.pack(">HH", qtype, qclass)
def parse(r):
    qid, fl, qd, an = struct.unpack(">HHHH", r[:8])
    return dict(id=qid, rcode=fl & 15, aa=bool(fl & 0x400), tc=bool(fl & 0x200), qd=qd, an=an)
def udp(fam=socket.AF_INET, addr="127.0.0.1"):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, 53))
    return s
def ask(s, q, echo=True):   # the reply with the same ID (and question, if echo)
    s.send(q)
    while True:   # skip replies to earlier garbage
        r = s.recv(4096)
        if r[:2] == q[:2] and (not echo or r[12:len(q)] == q[12:]):
            return r
def check(what, cond):
    if not cond:
        raise SystemExit("FAILED: " + what)
    print("ok", what)
def rdata(r, q, n):   # the n answers: pointer to the question, then (type, class, ttl, rdata)
    out, off = [], len(q)
    for _ in range(n):
        assert r[off:off + 2] == b"\xc0\x0c"
        t, c, ttl, rl = struct.unpack(">HHIH", r[off + 2:off + 12])
        out.append((t, c, ttl, r[off + 12:off + 12 + rl]))
        off += 12 + rl
    return out
def no_reply(s, q):
    s.send(q)
    try:
        s.recv(4096)
        return False
    except socket.timeout:
        return True
def tcp_ask(msgs):
    c = socket.create_connection(("127.0.0.1", 53), timeout=2)
    c.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
    out = []
    for _ in msgs:
        n = struct.unpack(">H", recv_all(c, 2))[0]
        out.append(recv_all(c, n))
    c.close()
    return out
def recv_all(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise SystemExit("FAILED: tcp connection closed early")
        b += d
    return b
def closed_by_server(c):
    c.settimeout(2)
    try:
        return c.recv(10) == b""
    except ConnectionResetError:
        return True

def wire():
    s = udp()
    q = query("two.test", 1, qid=0xbeef)
    r = ask(s, q); h = parse(r)
    check("A: NOERROR, AA, ID and question echoed", h["rcode"] == 0 and h["aa"] and h["id"] == 0xbeef
          and h["qd"] == 1 and r[12:len(q)] == q[12:])
    check("A: both records, TTL 60 and 300", sorted(rdata(r, q, h["an"])) ==
          [(1, 1, 60, bytes([127, 0, 0, 2])), (1, 1, 300, bytes([127, 0, 0, 3]))])
    r = ask(s, query("TWO.test", 28)); h = parse(r)
    check("AAAA, name in capitals: two answers", h["rcode"] == 0 and h["an"] == 2)
    h = parse(ask(s, query("v4only.test", 28)))
    check("known name, no AAAA: NOERROR, no answer", h["rcode"] == 0 and h["an"] == 0)
    h = parse(ask(s, query("nosuch.test", 1)))
    check("unknown name: NXDOMAIN", h["rcode"] == 3 and h["an"] == 0)
    h = parse(ask(s, query("two.test", 1, qclass=3)))
    check("class CH: REFUSED", h["rcode"] == 5)
    h = parse(ask(s, query("two.test", 1, flags=0x1000), False))
    check("opcode STATUS: NOTIMP", h["rcode"] == 4)
    h = parse(ask(s, query("two.test", 1, qd=2), False))
    check("two questions: FORMERR", h["rcode"] == 1)
    h = parse(ask(s, query("two.test", 1)[:-3], False))
    check("question cut short: FORMERR", h["rcode"] == 1)
    h = parse(ask(s, struct.pack(">HHHHHH", 7, 0x100, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1", False))
    check("compression pointer in the question: FORMERR", h["rcode"] == 1)
    h = parse(ask(s, struct.pack(">HHHHHH", 8, 0x100, 1, 0, 0, 0) + b"\x50" + b"a" * 80 + b"\0\0\1\0\1", False))
    check("label over 63 bytes: FORMERR", h["rcode"] == 1)
    h = parse(ask(s, struct.pack(">HHHHHH", 9, 0x100, 1, 0, 0, 0) + (b"\x3f" + b"a" * 63) * 5 + b"\0\0\1\0\1", False))
    check("name over 255 bytes: FORMERR", h["rcode"] == 1)
    s.settimeout(0.3)
    check("a reply (QR set): no reply", no_reply(s, query("two.test", 1, flags=0x8100)))
    check("11 bytes: no reply", no_reply(s, b"\1" * 11))
    s.settimeout(2)
    q = query("many.test", 28)
    r = ask(s, q); h = parse(r)
    check("40 AAAA over UDP: cut to 512 bytes, TC set", h["tc"] and len(r) <= 512 and 0 < h["an"] < 40
          and len(r) == len(q) + 28 * h["an"])
    r = tcp_ask([q])[0]; h = parse(r)
    check("40 AAAA over TCP: whole", not h["tc"] and h["an"] == 40)
    a, b = tcp_ask([query("two.test", 1, qid=1), query("nosuch.test", 28, qid=2)])
    check("two queries in one TCP write: two replies", parse(a)["id"] == 1 and parse(a)["an"] == 2
          and parse(b)["id"] == 2 and parse(b)["rcode"] == 3)
    c = socket.create_connection(("127.0.0.1", 53), timeout=2)
    m = query("both.test", 1, qid=3)
    for byte in struct.pack(">H", len(m)) + m:   # one byte at a time
        c.send(bytes([byte])); time.sleep(0.002)
    n = struct.unpack(">H", recv_all(c, 2))[0]
    check("TCP query in 1-byte pieces: answered", parse(recv_all(c, n))["an"] == 1)
    for bad in (b"\0\0", b"\xff\xff" + b"x" * 100):
        c = socket.create_connection(("127.0.0.1", 53), timeout=2)
        c.sendall(bad)
        check("TCP length %d: connection closed" % struct.unpack(">H", bad[:2]), closed_by_server(c))
    s6 = udp(socket.AF_INET6, "::1")
    check("[::1]:53 answers too", parse(ask(s6, query("v6only.test", 28)))["an"] == 1)
    garbage(s)

def garbage(s):   # from socket g; s keeps in step with dnsd, so no queue overflows
    g = udp()
    rnd = random.Random(1)
    base = query("both.test", 1)
    for i in range(3000):
        if i % 2:
            p = bytearray(base)   # a query with a few bytes changed, cut or grown
            for _ in range(rnd.randint(1, 4)):
                p[rnd.randrange(len(p))] = rnd.randrange(256)
            p = bytes(p[:rnd.randint(0, len(p))]) if i % 3 == 0 else bytes(p) + rnd.randbytes(rnd.randint(0, 40))
        else:
            p = rnd.randbytes(rnd.choice([0, 1, 11, 12, 13, 17, 40, 300, 512, 700, 4000, 5000]))
        g.send(p)
        if i % 10 == 0:
            ask(s, query("both.test", 1, qid=0x7777))
    for i in range(30):
        c = socket.create_connection(("127.0.0.1", 53), timeout=2)
        c.sendall(rnd.randbytes(rnd.randint(1, 600)))
        c.close()
    check("after 3000 garbage datagrams and 30 garbage TCP streams: still answers",
          parse(ask(s, query("both.test", 1, qid=0x4242)))["an"] == 1)

def order():
    s = udp()
    t0 = time.monotonic()
    s.send(query("both.test", 28, qid=1))   # AAAA first (glibc sends A first)
    s.send(query("both.test", 1, qid=2))
    first = parse(s.recv(4096)); t1 = time.monotonic()
    second = parse(s.recv(4096)); t2 = time.monotonic()
    check("two queries outstanding on one port: the A reply first, at once",
          first["id"] == 2 and t1 - t0 < 0.2)
    check("the AAAA reply about 300 ms later", second["id"] == 1 and 0.28 <= t2 - t0 < 1.5)

wire() if mode == "wire" else order()
print("all ok")
'

@test "dnsd on the wire: rcodes, TTLs, TC, TCP, [::1], garbage; then exits 0 on SIGTERM" {
  run_in_dns "$ZONE" -- python3 -c "$DNS_PROBE_PY" wire
  assert_status 0
  assert_line "all ok"
  assert_dns_log 'tcp 127\.0\.0\.1#[0-9]+ AAAA many\.test -> NOERROR 40$'
  assert_dns_log 'udp ::1#[0-9]+ AAAA v6only\.test -> NOERROR 1$'
}

@test "dnsd --delay-aaaa: two queries outstanding from one port, each answered when due" {
  run_in_dns "$ZONE" --delay-aaaa 300 -- python3 -c "$DNS_PROBE_PY" order
  assert_status 0
  assert_line "all ok"
}

@test "dnsd on top of run_in_ns: a name from dnsd connects to netns.bash's listener" {
  run_in_ns_dns plain "$ZONE" --delay-aaaa 300 -- \
    python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", s.getpeername()[0])' both.test "$NS_PORT"
  assert_status 0
  assert_connected fd00:7e57::2
  assert_took_at_least 280
  assert_within 1500
}

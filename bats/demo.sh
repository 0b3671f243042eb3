#!/bin/sh
# demo.sh - `make demo`: a legacy client (build/clients/naive_gai, which
# connects to the first getaddrinfo() result only) against a name whose first
# address is dead, side by side without and with tryall-run, with times.
#
# Owns: a private network + mount namespace (unshare -n -m, or unshare -r -n -m
# when not root), its own /etc/hosts (and nsswitch.conf, gai.conf) bind-mounted
# there, a listener on 127.0.0.10 and an nftables drop rule inside it, and a
# temp dir; all gone when it exits.
#
# SAFETY (hard rule): traffic goes only to loopback addresses, and the
# name-based cases run only inside the network namespace this script created
# (it has nothing but lo). It never sends anything anywhere else, never touches
# the host's /etc/hosts or firewall, and every client run is bounded by
# `timeout`. Without namespaces it only uses names that already resolve to
# loopback addresses only, and says what it cannot show.
#
# Exit status: 0 when the demo showed what it should (every case connected
# under tryall-run), 1 otherwise, 2 when something it needs is missing.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd -P)
WRAP=$REPO/build/tryall-run
LIB=$REPO/build/libtryall.so
CLIENT=$REPO/build/clients/naive_gai
PORT=8080
GOOD=127.0.0.10
REFUSED=127.0.0.2
HOLE=127.0.0.3
N_REFUSED=refused.tryall.test
N_HOLE=blackhole.tryall.test
LIMIT=5 # seconds a client may take before we call it hung
PATH=$PATH:/usr/sbin:/sbin
export PATH

say() { printf '%s\n' "$*"; }

for f in "$WRAP" "$LIB" "$CLIENT"; do
    if [ ! -e "$f" ]; then
        say "demo: $f is missing; run 'make all clients' (or 'make demo')." >&2
        exit 2
    fi
done
command -v timeout >/dev/null 2>&1 || { say "demo: needs timeout(1) (coreutils)" >&2; exit 2; }

now_ms() {
    _t=$(date +%s%3N 2>/dev/null)
    case $_t in
        '' | *[!0-9]*) _t=$(python3 -c 'import time; print(int(time.time()*1000))' 2>/dev/null) ||
            _t=$(($(date +%s) * 1000)) ;;
    esac
    printf '%s' "$_t"
}

# listener ADDR PORT LOG: accept and count connections on ADDR:PORT only,
# for at most 60 s, then exit by itself.
start_listener() {
    python3 - "$1" "$2" "$3" <<'PY' &
import socket, sys, time
addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
s.settimeout(0.5)
with open(log, "a") as f:
    f.write("ready %d\n" % s.getsockname()[1]); f.flush()
    end = time.time() + 60
    while time.time() < end:
        try:
            c, peer = s.accept()
        except socket.timeout:
            continue
        f.write("accepted from %s on %s\n" % (peer[0], addr)); f.flush()
        c.close()
PY
    LISTENER=$!
    _i=0
    while [ "$_i" -lt 50 ]; do # up to 5 s
        grep -q '^ready' "$3" 2>/dev/null && return 0
        kill -0 "$LISTENER" 2>/dev/null || break
        sleep 0.1
        _i=$((_i + 1))
    done
    say "demo: the listener on $1 did not start" >&2
    return 1
}

accepted() { grep -c '^accepted' "$1" 2>/dev/null || true; }

# run_case LABEL LOG NAME PORT [WRAPPER...]: run the client once, print one
# line: label, its result, elapsed time, and what the listener saw.
# Sets CASE_OK=1 if it connected.
run_case() {
    _label=$1 _log=$2 _name=$3 _port=$4
    shift 4
    _before=$(accepted "$_log")
    _t0=$(now_ms)
    _out=$(env -u LD_PRELOAD timeout -k 1 "$LIMIT" "$@" "$CLIENT" "$_name" "$_port" 2>"$TMP/stderr")
    _rc=$?
    _t1=$(now_ms)
    _ms=$((_t1 - _t0))
    _time=$(printf '%d.%03d s' $((_ms / 1000)) $((_ms % 1000)))
    _target=$(printf '%s\n' "$_out" | sed -n 's/^target //p' | head -n 1)
    CASE_OK=0
    case $_rc in
        0)
            _res=$(printf '%s\n' "$_out" | grep '^connected' | head -n 1)
            CASE_OK=1 ;;
        124 | 137)
            _res="hung > $LIMIT s (killed by timeout)"
            _time="> $LIMIT s" ;;
        *)
            _res=$(printf '%s\n' "$_out" | grep -E '^(connect|getaddrinfo|socket):' | head -n 1 |
                sed 's/ (errno [^)]*)$//')
            [ -n "$_res" ] || _res="failed (exit $_rc)" ;;
    esac
    _seen=$(($(accepted "$_log") - _before))
    if [ "$_seen" -gt 0 ]; then _srv="server on $GOOD:$_port accepted"; else _srv="server saw nothing"; fi
    printf '  %-18s %-34s %9s   %s\n' "$_label" "$_res" "$_time" "$_srv"
    [ -z "$_target" ] || [ "$CASE_OK" = 1 ] || printf '  %-18s (it tried only %s, the first address)\n' "" "$_target"
    # what the shim logged (-v: failed attempts), indented
    if [ -s "$TMP/stderr" ]; then
        sed -n '1,6s/^/  '"$(printf '%-18s' '')"' | /p' "$TMP/stderr"
    fi
}

header() {
    printf '\n  %-18s %-34s %9s   %s\n' "" "result" "elapsed" "listener"
}

# first STREAM address of NAME, in getaddrinfo's order
order_of() {
    getent ahosts "$1" 2>/dev/null | awk '$2 == "STREAM" { printf "%s%s", sep, $1; sep = " " }'
}

FAILED=0
CASES=0

# ---------------------------------------------------------------------------
inner() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/tryall-demo.XXXXXX") || exit 2
    LISTENER=
    trap 'cleanup' EXIT
    trap 'exit 130' INT TERM HUP

    mount --make-rprivate / 2>/dev/null
    ip link set lo up || { say "demo: cannot bring lo up in the namespace" >&2; exit 2; }

    cat >"$TMP/hosts" <<EOF
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
$REFUSED	$N_REFUSED
$GOOD	$N_REFUSED
$HOLE	$N_HOLE
$GOOD	$N_HOLE
EOF
    printf 'hosts: files\n' >"$TMP/nsswitch.conf"
    : >"$TMP/gai.conf"
    if ! mount --bind "$TMP/hosts" /etc/hosts ||
        ! mount --bind "$TMP/nsswitch.conf" /etc/nsswitch.conf; then
        say "demo: cannot bind-mount a private /etc/hosts" >&2
        exit 2
    fi
    # default address sorting, and no nscd answering from the host's files
    [ ! -f /etc/gai.conf ] || mount --bind "$TMP/gai.conf" /etc/gai.conf
    for d in /run/nscd /var/run/nscd; do
        [ ! -d "$d" ] || mount -t tmpfs tmpfs "$d" 2>/dev/null
    done

    say "A private network namespace with only lo, and a private /etc/hosts:"
    say "  $N_REFUSED    -> $REFUSED (nothing listens: refused), $GOOD (listening)"
    say "  $N_HOLE  -> $HOLE (SYNs dropped by nftables: black hole), $GOOD (listening)"
    say "The client: naive_gai HOST PORT -- getaddrinfo(), then connect() to the first result only."

    start_listener "$GOOD" "$PORT" "$TMP/listener.log" || exit 2

    HOLE_OK=0
    if command -v nft >/dev/null 2>&1 &&
        nft -f - 2>"$TMP/nft.err" <<EOF; then
table inet tryall_demo {
    chain out {
        type filter hook output priority 0; policy accept;
        ip daddr $HOLE drop
    }
}
EOF
        HOLE_OK=1
    else
        say "  (nftables is not usable here: $(head -n 1 "$TMP/nft.err" 2>/dev/null || echo 'nft not installed'); the black-hole case is skipped)"
    fi

    for n in "$N_REFUSED" "$N_HOLE"; do
        [ "$n" = "$N_HOLE" ] && [ "$HOLE_OK" = 0 ] && continue
        o=$(order_of "$n")
        say ""
        say "== $n port $PORT    getaddrinfo order: $o"
        case $o in
            "$GOOD"*) say "   (note: glibc sorted the good address first here, so even the naive client will connect)" ;;
        esac
        header
        run_case "without tryall-run" "$TMP/listener.log" "$n" "$PORT"
        run_case "with tryall-run" "$TMP/listener.log" "$n" "$PORT" "$WRAP" -v --
        [ "$CASE_OK" = 1 ] || FAILED=1
        CASES=$((CASES + 1))
    done
    say ""
    if [ "$HOLE_OK" = 1 ]; then
        say "Without the shim the client gives up on a refused first address, and hangs on a"
        say "black-holed one (the kernel would retry the SYN for about two minutes)."
        say "Under tryall-run it starts the next address after ${TRYALL_DELAY_MS:-250} ms (TRYALL_DELAY_MS), or at once on a refusal."
    fi
    finish
}

cleanup() {
    [ -z "${LISTENER:-}" ] || { kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; }
    nft delete table inet tryall_demo 2>/dev/null
    [ -z "${TMP:-}" ] || rm -rf "$TMP"
}

finish() {
    if [ "$CASES" = 0 ]; then
        say ""
        say "Demo done: no connection case could be shown here (see above)."
        exit 0
    elif [ "$FAILED" = 0 ]; then
        say "Demo done: every case connected under tryall-run."
        exit 0
    fi
    say "Demo done, but some case did NOT connect under tryall-run (see above)."
    exit 1
}

# ---------------------------------------------------------------------------
# No namespaces: only names that already resolve to loopback addresses only.
degraded() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/tryall-demo.XXXXXX") || exit 2
    LISTENER=
    trap 'cleanup' EXIT
    trap 'exit 130' INT TERM HUP

    say "No private network + mount namespace here ($WHY)."
    say "The name-based cases need one: a private /etc/hosts can only be mounted in a mount"
    say "namespace, and the black hole is an nftables rule that must stay inside a private"
    say "network namespace. Run 'make demo' as root (or where 'unshare -r -n -m' works) to see them."
    say ""
    say "What can be shown here:"
    say "  \$ $WRAP --version"
    say "  $("$WRAP" --version 2>&1)"
    say "  \$ tryall-run -vv -- sh -c 'echo \$LD_PRELOAD \$TRYALL_LOG'"
    say "  $(env -u LD_PRELOAD "$WRAP" -vv -- sh -c 'echo $LD_PRELOAD $TRYALL_LOG' 2>&1)"

    # A refused first address, if 'localhost' has several loopback addresses.
    o=$(order_of localhost)
    first=${o%% *}
    last=${o##* }
    for a in $o; do
        case $a in
            127.* | ::1) ;;
            *) say ""; say "  (localhost resolves to $a, not loopback: refused case skipped)"; finish ;;
        esac
    done
    if [ -z "$o" ] || [ "$first" = "$last" ]; then
        say ""
        say "  localhost has a single address here ($o), so the refused-first-address case"
        say "  cannot be shown without a private /etc/hosts either."
        finish
    fi
    if ! command -v python3 >/dev/null 2>&1; then
        say "  (python3 is missing: no listener, refused case skipped)"
        finish
    fi
    GOOD=$last
    start_listener "$last" 0 "$TMP/listener.log" || finish
    port=$(sed -n 's/^ready //p' "$TMP/listener.log" | head -n 1)
    say ""
    say "== localhost port $port    getaddrinfo order: $o"
    say "   (a listener on $last only, so $first refuses)"
    header
    run_case "without tryall-run" "$TMP/listener.log" localhost "$port"
    run_case "with tryall-run" "$TMP/listener.log" localhost "$port" "$WRAP" -v --
    [ "$CASE_OK" = 1 ] || FAILED=1
    CASES=$((CASES + 1))
    say ""
    finish
}

# ---------------------------------------------------------------------------
case ${1-} in
    --inner) inner ;;
    --degraded) WHY="asked for"; degraded ;;
esac

say "libtryall demo: $("$WRAP" --version)"
if ! command -v python3 >/dev/null 2>&1; then
    WHY="python3, needed for the listener, is missing"
elif ! command -v ip >/dev/null 2>&1; then
    WHY="ip (iproute2) is missing"
elif [ "$(id -u)" = 0 ] && unshare -n -m true 2>/dev/null; then
    exec unshare -n -m sh "$0" --inner
elif [ "$(id -u)" != 0 ] && unshare -r -n -m true 2>/dev/null; then
    exec unshare -r -n -m sh "$0" --inner
elif [ "$(id -u)" = 0 ]; then
    WHY="unshare -n -m does not work"
else
    WHY="not root, and unshare -r -n -m does not work"
fi
degraded

# bats/lib/chaos.bash - owns the chaos test bed (bats/chaos.bats): a hostile
# network between two network namespaces the test makes itself, and a
# program stopped and continued while it races there.
#
#   client namespace (unshare -n -m -p -u)        server namespace (unshare -n)
#   lo: dnsd on 127.0.0.1 (bats/lib/dns.bash)     lo: the addresses below
#   tc: 10.77.1.1, fd00:c4a1::1                   ts  (moved in by the test)
#    |                                             |
#    +---- build/tools/relay (tests/tools/relay.c) +
#          delay, jitter, reordering: --delay 2 --jitter 15 --reorder 10
#
# Server addresses (10.77.0.N and fd00:c4a0::N), by what answers there:
#   N = 2, 3, 4, 5 an echo server (chaos serve) on port 9000
#   N = 11, 12     the echo server, behind the rst-syn / icmp-syn rules
#   N = 10, 14, 15 nothing: the kernel refuses
#   N = 20, 21, 22 a black hole (every packet dropped)
#   10.77.5.N      nowhere: the server namespace does not forward (it
#                  answers host-unreachable, rate-limited, or nothing)
# nftables, in the namespaces only (counters named by comment):
#   server input:  loss-in   CHAOS_LOSS % of what comes in on ts dropped
#                  blackhole4, blackhole6  everything to N = 20, 21, 22
#                  rst-syn   40 % of SYNs to 10.77.0.{11,12}: reject with
#                            tcp reset
#                  icmp-syn  40 % of SYNs to fd00:c4a0::{11,12}: reject with
#                            icmpx type host-unreachable
#                  rst-ack   5 % of ACK segments to 10.77.0.{11,12} (the
#                            third packet of a handshake included): tcp reset
#   server output: loss-out  CHAOS_LOSS % of what goes out on ts dropped
#   client postrouting: dup4, dup6  CHAOS_DUP % of what leaves on tc sent twice
# The client namespace's SYN retries are 1 (a black hole fails in 3 s).
# Nothing leaves the two namespaces: the client's only routes are to the
# server's prefixes (10.77.0.0/16, fd00:c4a0::/64), via tc.
#
# Use from a .bats file (load lib/netns and lib/dns first; setup_file:
# ns_setup_file):
#   chaos_build_paths        in setup(): skips without root, namespaces,
#                            nsenter or /dev/net/tun; sets ROOT, C (the
#                            clients: CHAOS_CLIENTS or build/clients), LIB,
#                            RELAY, CHAOS_CLIENT (fails if not built)
#   run_in_chaos ZONE -- CMD [ARG...]
#       the bed up, dnsd serving ZONE with AAAA answers 120 ms late, then
#       CMD (a program: env LD_PRELOAD=... CMD) in the client namespace,
#       in the background; while it runs it is stopped (SIGSTOP) for
#       50-250 ms every 200-600 ms and continued (SIGCONT). When CMD prints
#       a line "idle" its open descriptors are counted from outside
#       (/proc/PID/fd, the file $CHAOS_LOG names left out) and it gets
#       SIGTERM. Sets $output, $lines, $status (137: killed at
#       CHAOS_TIMEOUT), $elapsed_ms, $chaos_stops (SIGSTOPs sent),
#       $chaos_fds (the count from outside, "" if CMD never said idle),
#       $relay_log (the relay's counts line).
#   chaos_counter NAME       packets the rule with that comment matched.
# The bed fails (return 1) when it could not be built, or when the relay or
# dnsd did not exit 0 on SIGTERM.

CHAOS_LIB=${BASH_SOURCE[0]}
export CHAOS_LOSS=${CHAOS_LOSS:-5} CHAOS_DUP=${CHAOS_DUP:-5}

chaos_build_paths() {
  ns_require
  command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
  [ -c /dev/net/tun ] || skip "needs /dev/net/tun (TUN devices)"
  dns_build_paths
  C=${CHAOS_CLIENTS:-$ROOT/build/clients}
  LIB=$ROOT/build/libtryall.so
  export RELAY=$ROOT/build/tools/relay CHAOS_CLIENT=$C/chaos
  local b
  for b in "$LIB" "$RELAY" "$CHAOS_CLIENT"; do
    [ -e "$b" ] || { echo "$b missing: run make all clients tools" >&2; return 1; }
  done
}

run_in_chaos() {   # ZONE -- CMD [ARG...]
  local d rc
  export CHAOS_TIMEOUT=${CHAOS_TIMEOUT:-90}   # hard cap (s) on CMD
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/chaos.XXXXXX") || return 1
  dns_check_args "$@" || return 1
  CHAOS_DIR=$d
  timeout -k 2 $((CHAOS_TIMEOUT + 40)) \
    unshare -n -m -p -u -f --mount-proc --kill-child \
    bash -c 'source "$0"; source "$1"; chaos_inner "${@:2}"' "$DNS_LIB" "$CHAOS_LIB" "$d" "$@" \
    >"$d/setup.log" 2>&1 </dev/null
  rc=$?
  if [ $rc -ne 0 ] || [ ! -e "$d/status" ]; then
    echo "run_in_chaos: the bed failed (rc $rc):" >&2
    cat "$d/setup.log" "$d/relay.log" "$d/dnsd.log" >&2 2>/dev/null
    return 1
  fi
  output=$(cat "$d/out")
  status=$(cat "$d/status")
  elapsed_ms=$(cat "$d/ms")
  chaos_stops=$(cat "$d/stops")
  chaos_fds=$(cat "$d/fds" 2>/dev/null || true)
  relay_log=$(grep '^relay:' "$d/relay.log")
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
  printf '# [chaos] -> status %s in %s ms, %s stops, %s fds from outside\n%s\n%s\n' \
    "$status" "$elapsed_ms" "$chaos_stops" "${chaos_fds:-?}" "$output" "$relay_log"
  local st
  for st in relay dnsd; do
    [ "$(cat "$d/$st.status" 2>/dev/null)" = 0 ] ||
      { echo "$st did not exit 0 on SIGTERM" >&2; cat "$d/$st.log" >&2; return 1; }
  done
}

chaos_counter() {   # COMMENT
  sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p" "$CHAOS_DIR"/nft.* | head -n 1
}

# ---- below runs inside the client namespace (pid 1 of its pid namespace) ----

chaos_inner() {   # DIR ZONE -- CMD...
  local d=$1 zone=$2
  shift 3
  set -e
  unset LD_PRELOAD $(compgen -v TRYALL_)   # hermetic: tests pass these explicitly
  echo tryall-chaos >/proc/sys/kernel/hostname
  ip link set lo up
  sysctl -qw net.ipv4.tcp_syn_retries=1
  "$RELAY" --tun-a tc --tun-b ts --delay 2 --jitter 15 --reorder 10 >"$d/relay.out" 2>"$d/relay.log" &
  CHAOS_RELAY=$!
  chaos_until_file "$d/relay.out" ready || { echo "relay did not start"; return 1; }
  unshare -n sleep 1000 &
  CHAOS_SRV=$!
  chaos_until_netns "$CHAOS_SRV" || { echo "no server namespace"; return 1; }
  ip link set ts netns "$CHAOS_SRV"
  chaos_addresses
  chaos_rules
  nsenter -t "$CHAOS_SRV" -n "$CHAOS_CLIENT" serve 9000 10.77.0.2 10.77.0.3 10.77.0.4 10.77.0.5 \
    10.77.0.11 10.77.0.12 fd00:c4a0::2 fd00:c4a0::3 fd00:c4a0::4 fd00:c4a0::11 fd00:c4a0::12 \
    >"$d/server.out" 2>&1 &
  chaos_until_file "$d/server.out" ready || { echo "echo server did not start"; cat "$d/server.out"; return 1; }
  dns_start "$d" "$zone" --delay-aaaa 120
  set +e
  chaos_run "$d" "$@"
  nft list ruleset >"$d/nft.client"
  nsenter -t "$CHAOS_SRV" -n nft list ruleset >"$d/nft.server"
  kill -TERM "$CHAOS_RELAY"
  wait "$CHAOS_RELAY"
  echo $? >"$d/relay.status"
  dns_stop
  return 0
}

chaos_until_file() {   # FILE WORD: wait (5 s) for a line WORD in FILE
  local i
  for ((i = 0; i < 250; i++)); do
    grep -qx "$2" "$1" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

chaos_until_netns() {   # PID: wait until PID has a network namespace of its own
  local i
  for ((i = 0; i < 250; i++)); do
    [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ] && return 0
    sleep 0.02
  done
  return 1
}

chaos_addresses() {
  local s=(nsenter -t "$CHAOS_SRV" -n) a
  ip link set tc up
  ip addr add 10.77.1.1/32 dev tc
  ip -6 addr add fd00:c4a1::1/128 dev tc nodad
  ip route add 10.77.0.0/16 dev tc src 10.77.1.1
  ip -6 route add fd00:c4a0::/64 dev tc src fd00:c4a1::1
  "${s[@]}" ip link set lo up
  "${s[@]}" ip link set ts up
  for a in 2 3 4 5 10 11 12 14 15 20 21 22; do
    "${s[@]}" ip addr add "10.77.0.$a/32" dev lo
    "${s[@]}" ip -6 addr add "fd00:c4a0::$a/128" dev lo nodad
  done
  "${s[@]}" ip route add 10.77.1.0/24 dev ts
  "${s[@]}" ip -6 route add fd00:c4a1::/64 dev ts
  "${s[@]}" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.ts.rp_filter=0
}

chaos_rules() {
  nsenter -t "$CHAOS_SRV" -n nft -f - <<EOF
table inet chaos {
  chain in {
    type filter hook input priority 0;
    iifname "ts" numgen random mod 100 < $CHAOS_LOSS counter drop comment "loss-in"
    ip daddr { 10.77.0.20, 10.77.0.21, 10.77.0.22 } counter drop comment "blackhole4"
    ip6 daddr { fd00:c4a0::20, fd00:c4a0::21, fd00:c4a0::22 } counter drop comment "blackhole6"
    ip daddr { 10.77.0.11, 10.77.0.12 } tcp flags & (syn | ack) == syn numgen random mod 100 < 40 counter reject with tcp reset comment "rst-syn"
    ip6 daddr { fd00:c4a0::11, fd00:c4a0::12 } tcp flags & (syn | ack) == syn numgen random mod 100 < 40 counter reject with icmpx type host-unreachable comment "icmp-syn"
    ip daddr { 10.77.0.11, 10.77.0.12 } tcp flags & (syn | ack | rst | fin) == ack numgen random mod 100 < 5 counter reject with tcp reset comment "rst-ack"
  }
  chain out {
    type filter hook output priority 0;
    oifname "ts" numgen random mod 100 < $CHAOS_LOSS counter drop comment "loss-out"
  }
}
EOF
  nft -f - <<EOF
table ip chaos {
  chain post {
    type filter hook postrouting priority 0;
    oifname "tc" numgen random mod 100 < $CHAOS_DUP counter dup to 10.77.0.2 device "tc" comment "dup4"
  }
}
table ip6 chaos {
  chain post {
    type filter hook postrouting priority 0;
    oifname "tc" numgen random mod 100 < $CHAOS_DUP counter dup to fd00:c4a0::2 device "tc" comment "dup6"
  }
}
EOF
}

# CMD in the background, stopped and continued while it runs; its
# descriptors counted from outside when it says "idle".
chaos_run() {   # DIR CMD...
  local d=$1 pid stops=0 t0 t1 i; shift
  t0=$EPOCHREALTIME
  "$@" >"$d/out" 2>&1 </dev/null &
  pid=$!
  ( sleep "$CHAOS_TIMEOUT"; kill -KILL "$pid" ) 2>/dev/null &
  local guard=$!
  while kill -0 "$pid" 2>/dev/null && ! grep -qx idle "$d/out"; do
    sleep "$(printf '0.%03d' $((200 + RANDOM % 400)))"
    grep -qx idle "$d/out" && break
    kill -STOP "$pid" 2>/dev/null || break
    stops=$((stops + 1))
    sleep "$(printf '0.%03d' $((50 + RANDOM % 200)))"
    kill -CONT "$pid" 2>/dev/null
  done
  if grep -qx idle "$d/out"; then
    local n=0 f
    for f in /proc/"$pid"/fd/*; do
      [ "$(readlink "$f")" = "${CHAOS_LOG:-}" ] || n=$((n + 1))
    done
    echo "$n" >"$d/fds"
    kill -TERM "$pid"
  fi
  wait "$pid"
  echo $? >"$d/status"
  t1=$EPOCHREALTIME
  kill "$guard" 2>/dev/null
  echo $(((10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000)) >"$d/ms"
  echo "$stops" >"$d/stops"
}

# bats/lib/nat64.bash - owns the NAT64 test bed: an IPv6-only client
# namespace and a NAT namespace running a real stateless NAT64 translator
# (TAYGA, a user-space NAT64 on a TUN device) in front of an IPv4 server.
# Both namespaces are made by the test (ip netns add) and deleted after each
# command; nothing leaves them: the client has lo and one veth to the NAT
# namespace, which has that veth, TAYGA's TUN and lo.
#
#   client ns: lo (127.0.0.1 only), veth fd00:6464::2/64, default route via
#              fd00:6464::1 - IPv6 only: no IPv4 route at all
#   NAT ns:    veth fd00:6464::1/64; TAYGA on tun "nat64t" with the
#              network-specific prefix 2001:db8:64::/96 (RFC 6052 forbids the
#              well-known one for non-global IPv4; the unit tests cover it),
#              dynamic pool 192.168.255.0/24; the IPv4 server 203.0.113.10
#              on lo, port 8080 (answers "GET " with "ok")
#   the client's resolver: a private /etc/hosts (ipv4only.arpa's AAAA under
#   the prefix, RFC 7050; v4only.test A 203.0.113.10; v4two.test A
#   203.0.113.99 (nothing there) then 203.0.113.10) and nsswitch "hosts:
#   files", bind-mounted in a mount namespace of the command's own.
#
# Use from a .bats file (setup_file: ns_setup_file; setup: nat64_require):
#   run_in_nat64 [--no-wka] CMD [ARG...]    (--no-wka: ipv4only.arpa has no
#                                            AAAA - a network without NAT64)
# sets $output, $lines, $status (124: hit NAT64_TIMEOUT), $elapsed_ms like
# run_in_ns (netns.bash's assertions apply). LD_PRELOAD and TRYALL_* are
# cleared: pass them explicitly.

NAT64_LIB=${BASH_SOURCE[0]}
NAT64_TIMEOUT=${NAT64_TIMEOUT:-10}
NAT64_PREFIX=2001:db8:64::
NAT64_SERVER=203.0.113.10

nat64_require() {
  ns_require
  command -v tayga >/dev/null || skip "needs tayga (apt-get install tayga)"
  [ -c /dev/net/tun ] || skip "needs /dev/net/tun"
}

run_in_nat64() {
  local wka=1 d
  [ "$1" = --no-wka ] && { wka=0; shift; }
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/n64.XXXXXX") || return 1
  timeout -k 2 $((NAT64_TIMEOUT + 20)) bash -c 'source "$0"; source "$1"; nat64_bed "${@:2}"' \
    "$NS_LIB" "$NAT64_LIB" "$d" "$wka" "$@" >"$d/setup.log" 2>&1 </dev/null
  ns_collect "$d" $? "run_in_nat64: bed" nat64 "$@"
}

# ---- below runs in a bash of its own, which builds and removes the bed ----

nat64_bed() {
  local d=$1 wka=$2; shift 2
  local n=tn64n$$ c=tn64c$$
  unset LD_PRELOAD $(compgen -v TRYALL_)
  export XDG_RUNTIME_DIR=$d/xdg   # a history file of this run's own
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  trap "nat64_down '$d' $n $c" EXIT
  set -e
  ip netns add "$n"
  ip netns add "$c"
  nat64_links "$n" "$c"
  nat64_tayga "$d" "$n"
  nat64_server "$d" "$n"
  nat64_etc "$d" "$wka"
  set +e
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$c" unshare -m --propagation private \
    bash -c 'for f in hosts nsswitch.conf; do mount --bind "$0/$f" "/etc/$f"; done; exec timeout -k 1 "$1" "${@:2}"' \
    "$d" "$NAT64_TIMEOUT" "$@" >"$d/out" 2>&1 </dev/null
  echo $? >"$d/st"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000)) >"$d/ms"
  mv "$d/st" "$d/status"
}

nat64_links() {   # NATNS CLIENTNS
  local n=$1 c=$2
  ip link add n64a$$ type veth peer name n64b$$
  ip link set n64a$$ netns "$n" name n64a
  ip link set n64b$$ netns "$c" name n64b
  ip -n "$n" link set lo up
  ip -n "$c" link set lo up
  ip -n "$n" link set n64a up
  ip -n "$c" link set n64b up
  ip -n "$n" addr add fd00:6464::1/64 dev n64a nodad
  ip -n "$c" addr add fd00:6464::2/64 dev n64b nodad
  ip -n "$c" -6 route add default via fd00:6464::1
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
  ip -n "$n" addr add "$NAT64_SERVER/32" dev lo
}

nat64_tayga() {   # DIR NATNS
  local d=$1 n=$2
  mkdir -p "$d/tayga"
  cat >"$d/tayga.conf" <<EOF
tun-device nat64t
ipv4-addr 192.168.255.1
prefix $NAT64_PREFIX/96
dynamic-pool 192.168.255.0/24
data-dir $d/tayga
EOF
  ip netns exec "$n" tayga -c "$d/tayga.conf" --mktun >/dev/null
  ip -n "$n" link set nat64t up
  ip -n "$n" route add 192.168.255.0/24 dev nat64t
  ip -n "$n" route add "$NAT64_PREFIX/96" dev nat64t
  ip netns exec "$n" tayga -c "$d/tayga.conf" --pidfile "$d/tayga.pid" </dev/null >/dev/null 2>&1
}

nat64_server() {   # DIR NATNS
  local d=$1 n=$2 i
  ip netns exec "$n" python3 -c "$NS_SERVER_PY" "$d/ready" 8080 "$NAT64_SERVER" </dev/null >/dev/null 2>&1 &
  echo $! >"$d/server.pid"
  for ((i = 0; i < 100; i++)); do
    [ -e "$d/ready" ] && [ -e "$d/tayga.pid" ] && return 0
    sleep 0.05
  done
  echo "nat64 bed: server or TAYGA did not start" >&2
  return 1
}

nat64_etc() {   # DIR WKA(0|1)
  local d=$1 wka=$2
  {
    echo "127.0.0.1 localhost"
    if [ "$wka" = 1 ]; then
      echo "${NAT64_PREFIX}c000:aa ipv4only.arpa"
      echo "${NAT64_PREFIX}c000:ab ipv4only.arpa"
    fi
    echo "$NAT64_SERVER v4only.test"
    echo "203.0.113.99 v4two.test"
    echo "$NAT64_SERVER v4two.test"
  } >"$d/hosts"
  printf 'hosts: files\n' >"$d/nsswitch.conf"
}

nat64_down() {   # DIR NATNS CLIENTNS
  local d=$1 n=$2 c=$3
  [ -e "$d/tayga.pid" ] && kill "$(cat "$d/tayga.pid")" 2>/dev/null
  [ -e "$d/server.pid" ] && kill "$(cat "$d/server.pid")" 2>/dev/null
  [ -e "$d/server.pid" ] && wait "$(cat "$d/server.pid")" 2>/dev/null
  ip netns del "$c" 2>/dev/null
  ip netns del "$n" 2>/dev/null
  return 0
}

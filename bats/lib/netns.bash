# bats/lib/netns.bash - owns the real-network test bed for the bats scenarios.
#
# Each call of run_in_ns builds a brand-new private network + mount + pid
# namespace (unshare -n -m -p), sets up a fixed address plan on its loopback,
# bind-mounts a private /etc/hosts, /etc/gai.conf, /etc/host.conf and
# /etc/nsswitch.conf (hosts: files only - no DNS), starts a listener, checks
# the scenario's precondition (the resolver returns the addresses in the
# expected order, bad one first) and runs one command there. The namespace
# and everything in it (server included) dies when that command's shell does.
# Nothing ever touches the host network: every address below lives on the
# namespace's own lo (or is routed "unreachable" there).
#
# Address plan (port NS_PORT on all of them):
#   good       127.0.0.2 127.0.0.3 fd00:7e57::2 fd00:7e57::3   (listener)
#   refused    127.0.0.10 127.0.0.11 fd00:7e57::10 fd00:7e57::11 (nothing listens)
#   black-hole 127.0.0.20 127.0.0.21 fd00:7e57::20 fd00:7e57::21 (nft drops output)
#   unreach    fd00:7e58::1 (route type unreachable: EHOSTUNREACH at once)
# Every v4 address is also put on lo as a /32 (and v6 as /128): then glibc's
# RFC 6724 rule 9 sees each as its own source, ties, and keeps /etc/hosts
# order within a family; those non-127.0.0.1 v4 addresses also make
# AI_ADDRCONFIG count IPv4 as configured. v4-vs-v6 order is set by gai.conf.
#
# Use from a .bats file:
#   load lib/netns            # then in setup(): ns_require
#   run_in_ns SCENARIO CMD [ARG...]
# sets $output, $lines, $status (124 = hit NS_TIMEOUT) and $elapsed_ms (the
# command alone, setup excluded). LD_PRELOAD and TRYALL_* are cleared for the
# setup and the command: pass them explicitly (env LD_PRELOAD=... CMD).

NS_LIB=${BASH_SOURCE[0]}
NS_PORT=${NS_PORT:-8080}
NS_TIMEOUT=${NS_TIMEOUT:-5}   # hard cap (s) on one command, so nothing hangs the suite

# Scenarios: NAME -> "GAI DB ADDR..." where GAI is v6first|v4first (gai.conf
# precedence), DB the getent database that must list exactly ADDR... in this
# order (ahosts = getaddrinfo AF_UNSPEC, hosts = gethostbyname2, file order).
# /etc/hosts gets each NAME with its ADDRs in this same order.
declare -gA NS_SCEN=(
  [refused6]="v6first ahosts fd00:7e57::10 127.0.0.2"
  [refused4]="v4first ahosts 127.0.0.10 fd00:7e57::2"
  [bh6]="v6first ahosts fd00:7e57::20 127.0.0.2"
  [bh4]="v4first ahosts 127.0.0.20 fd00:7e57::2"
  [bh2]="v6first ahosts 127.0.0.20 127.0.0.21 127.0.0.2"
  [allrefused]="v6first ahosts fd00:7e57::10 fd00:7e57::11 127.0.0.10 127.0.0.11"
  [allbh]="v6first ahosts fd00:7e57::20 fd00:7e57::21 127.0.0.20 127.0.0.21"
  [single]="v6first ahosts 127.0.0.2"
  [singlebad]="v6first ahosts 127.0.0.10"
  [v4refused]="v6first hosts 127.0.0.10 127.0.0.2"
  [v4bh]="v6first hosts 127.0.0.20 127.0.0.2"
  [v6refused]="v6first hosts fd00:7e57::10 fd00:7e57::2"
  [v6bh]="v6first hosts fd00:7e57::20 fd00:7e57::2"
  [unr6]="v6first hosts fd00:7e58::1 fd00:7e57::2"
  [plain]="v6first -"
)

# Tiny TCP server: listens on every address given, keeps each connection
# until the peer closes; answers "GET " with a minimal HTTP 200 ("ok\n").
NS_SERVER_PY='
import socket, sys, threading
ready, port, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def conn(c):
    try:
        c.settimeout(10)
        d = c.recv(4096)
        if d.startswith(b"GET "):
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")
        else:
            while d:
                d = c.recv(4096)
    except OSError:
        pass
    finally:
        c.close()
def accept(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=conn, args=(c,), daemon=True).start()
for a in addrs:
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, port)); s.listen(256)
    threading.Thread(target=accept, args=(s,), daemon=True).start()
open(ready, "w").close()
threading.Event().wait()
'

# Why namespaces cannot be used here, or "" if they can.
ns_probe() {
  [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; return; }
  local c
  for c in unshare ip nft python3 timeout getent mount; do
    command -v "$c" >/dev/null || { echo "needs $c"; return; }
  done
  unshare -n -m -p -f --mount-proc --kill-child \
      bash -c 'ip link set lo up && nft add table inet tryall_probe' >/dev/null 2>&1 ||
    echo "cannot create a network namespace with nftables (unshare -n -m -p / nft failed)"
}

# Skip the current test if the bed cannot be built. Call from setup().
# A .bats file's setup_file: probe once per file (ns_require reads it).
ns_setup_file() {
  NS_PROBED=$(ns_probe)
  export NS_PROBED
}

# For a .bats file's setup(): skip without namespaces, then set ROOT, C (the
# built clients) and LIB, failing clearly when the library or one of the
# named clients is not built.
ns_build_paths() {   # CLIENT...
  ns_require
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  C=$ROOT/build/clients
  LIB=$ROOT/build/libtryall.so
  local b
  for b in "$LIB" "${@/#/$C/}"; do
    [ -e "$b" ] || { echo "$b missing: run make all clients" >&2; return 1; }
  done
}

ns_require() {
  if [ -z "${NS_PROBED+x}" ]; then NS_PROBED=$(ns_probe); export NS_PROBED; fi
  [ -z "$NS_PROBED" ] || skip "$NS_PROBED"
}

run_in_ns() {
  local scen=$1 d; shift
  [ -n "${NS_SCEN[$scen]}" ] || { echo "run_in_ns: unknown scenario '$scen'" >&2; return 1; }
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/ns.XXXXXX") || return 1
  timeout -k 2 $((NS_TIMEOUT + 20)) \
    unshare -n -m -p -f --mount-proc --kill-child \
    bash -c 'source "$0"; ns_inner "$@"' "$NS_LIB" "$d" "$scen" "$@" \
    >"$d/setup.log" 2>&1 </dev/null
  ns_collect "$d" $? "run_in_ns $scen: namespace" "$scen" "$@"
}

# After a bed ran in DIR (exit status RC): its setup log and 1 when it did
# not finish; else output, status, elapsed_ms and lines of the command it
# ran, and a line that bats shows only when the test fails.
ns_collect() {   # DIR RC WHAT TAG CMD...
  local d=$1 rc=$2 what=$3 tag=$4; shift 4
  if [ "$rc" -ne 0 ] || [ ! -e "$d/status" ]; then
    echo "$what setup failed (rc $rc):" >&2
    cat "$d/setup.log" >&2
    return 1
  fi
  output=$(cat "$d/out")
  status=$(cat "$d/status")
  elapsed_ms=$(cat "$d/ms")
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
  printf '# [%s] %s -> status %s in %s ms\n%s\n' "$tag" "$*" "$status" "$elapsed_ms" "$output"
}

# ---- below runs inside the new namespaces (pid 1 of the pid namespace) ----

ns_inner() {
  local d=$1 scen=$2; shift 2
  set -e
  unset LD_PRELOAD $(compgen -v TRYALL_)   # hermetic: tests pass these explicitly
  # A history file of this run's own (libtryall's connection history).
  export XDG_RUNTIME_DIR=$d/xdg
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  local spec=(${NS_SCEN[$scen]})
  local gai=${spec[0]} db=${spec[1]} want=("${spec[@]:2}")

  ip link set lo up
  local a
  for a in 2 3 10 11 20 21; do
    ip addr add "127.0.0.$a/32" dev lo
    ip -6 addr add "fd00:7e57::$a/128" dev lo nodad
  done
  ip -6 route add unreachable fd00:7e58::/64
  nft -f - <<'EOF'
table inet tryall_test {
  chain out {
    type filter hook output priority 0;
    ip daddr { 127.0.0.20, 127.0.0.21 } drop
    ip6 daddr { fd00:7e57::20, fd00:7e57::21 } drop
  }
}
EOF

  ns_write_etc "$d" "$gai"
  local f
  for f in hosts gai.conf host.conf nsswitch.conf; do
    [ -e "/etc/$f" ] || { echo "/etc/$f missing on host: cannot bind-mount over it"; return 1; }
    mount --bind "$d/etc.$f" "/etc/$f"
  done

  if [ "$db" != - ]; then
    local got
    if [ "$db" = ahosts ]; then
      got=$(getent ahosts "$scen" | awk '$2 == "STREAM" { print $1 }' | xargs)
    else
      got=$(getent "$db" "$scen" | awk '{ print $1 }' | xargs)
    fi
    if [ "$got" != "${want[*]}" ]; then
      echo "precondition failed: getent $db $scen gave '$got', expected '${want[*]}'"
      return 1
    fi
  fi

  python3 -c "$NS_SERVER_PY" "$d/ready" "$NS_PORT" \
    127.0.0.2 127.0.0.3 fd00:7e57::2 fd00:7e57::3 &
  local i
  for ((i = 0; i < 250; i++)); do
    [ -e "$d/ready" ] && break
    sleep 0.02
  done
  [ -e "$d/ready" ] || { echo "server did not start"; return 1; }

  set +e
  local t0=$EPOCHREALTIME st t1
  timeout -k 1 "$NS_TIMEOUT" "$@" >"$d/out" 2>&1 </dev/null
  st=$?
  t1=$EPOCHREALTIME
  echo $(((10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000)) >"$d/ms"
  echo "$st" >"$d/status"
}

# Private copies of the resolver files, in $1 as etc.<name>.
ns_write_etc() {
  local d=$1 gai=$2 n
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost"
    for n in "${!NS_SCEN[@]}"; do
      local spec=(${NS_SCEN[$n]}) a
      for a in "${spec[@]:2}"; do echo "$a $n"; done
    done
  } >"$d/etc.hosts"
  # glibc's default precedence table, and one with v4-mapped on top.
  {
    echo "precedence ::1/128 50"
    echo "precedence ::/0 40"
    echo "precedence 2002::/16 30"
    echo "precedence ::/96 20"
    if [ "$gai" = v4first ]; then
      echo "precedence ::ffff:0:0/96 100"
    else
      echo "precedence ::ffff:0:0/96 10"
    fi
  } >"$d/etc.gai.conf"
  echo "multi on" >"$d/etc.host.conf"
  printf '%s\n' "passwd: files" "group: files" "shadow: files" \
    "hosts: files" "networks: files" "protocols: files" "services: files" \
    >"$d/etc.nsswitch.conf"
}

# ---- assertions on the last run_in_ns (messages show up when a test fails) ----

assert_status() {
  [ "$status" -eq "$1" ] || { echo "expected status $1, got $status" >&2; return 1; }
}
assert_line() {   # an exact line of the output
  local l
  for l in "${lines[@]}"; do [ "$l" = "$1" ] && return 0; done
  echo "expected a line '$1' in the output" >&2
  return 1
}
assert_has() {   # a substring of the output
  [[ $output == *"$1"* ]] || { echo "expected '$1' in the output" >&2; return 1; }
}
assert_within() {   # elapsed_ms < bound
  [ "$elapsed_ms" -lt "$1" ] || { echo "took $elapsed_ms ms, bound is $1 ms" >&2; return 1; }
}
assert_connected() {   # a "connected ADDR..." line; v4 ADDR may come v4-mapped
  local l re="^connected (::ffff:)?${1//./\\.}( |\$)"
  for l in "${lines[@]}"; do [[ $l =~ $re ]] && return 0; done
  echo "expected a line 'connected $1' (or ::ffff:$1) in the output" >&2
  return 1
}

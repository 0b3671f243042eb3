# bats/lib/dns.bash - owns the DNS test bed: build/tools/dnsd (tests/tools/dnsd.c)
# serving a test's zone on 127.0.0.1:53 and [::1]:53 inside a namespace the
# test built itself, the resolver files of that namespace pointing at it
# (private /etc/resolv.conf: nameserver 127.0.0.1 only; /etc/hosts: localhost
# only; /etc/nsswitch.conf: hosts: files dns; each bind-mounted over the
# real one in the namespace's own mount table, as bats/lib/netns.bash does),
# and dnsd's stop: SIGTERM after the command, and it must then exit 0 (a
# crash, e.g. on a query it could not parse, fails the helper).
# Nothing leaves the namespace: the resolver asks 127.0.0.1 only, and the
# namespaces here have no interface but their own lo.
#
# Use from a .bats file (after load lib/netns; setup_file: ns_setup_file):
#   dns_build_paths             in setup(): skips without root/namespaces,
#                               sets ROOT and DNSD (fails if dnsd is not built)
#   dns_zone FILE LINE...       writes a zone file, one LINE a record:
#                               "NAME [TTL] A|AAAA ADDRESS"
#   run_in_dns ZONE [DNSD FLAG...] -- CMD [ARG...]
#       a fresh namespace (net, mount, pid, uts): lo up with 127.0.0.1, ::1,
#       127.0.0.2/32 and fd00:7e57::2/128 (so AI_ADDRCONFIG sees both
#       families), gai.conf of netns.bash (v6 first), dnsd with the FLAGs
#       (--drop-a --drop-aaaa --delay-a MS --delay-aaaa MS), then CMD.
#   run_in_ns_dns SCEN ZONE [DNSD FLAG...] -- CMD [ARG...]
#       the same on top of netns.bash's run_in_ns SCEN (its address plan
#       and its listener on NS_PORT; "plain" has no precondition).
# CMD is a program (bash -c '...' for more), run with LD_PRELOAD and TRYALL_*
# cleared (pass them: env LD_PRELOAD=... CMD). Both set $output, $lines,
# $status (124: CMD hit DNS_TIMEOUT) and $elapsed_ms (CMD alone) like
# run_in_ns, so netns.bash's assertions apply, and $dns_log: dnsd's log, one
# line per query, e.g.
#   "dnsd: udp 127.0.0.1#40420 AAAA both.test -> NOERROR 1 delayed 300ms"
# (malformed queries show as "TYPE0 ? -> FORMERR 0"). They fail (return 1)
# when the bed could not be built or dnsd did not exit 0 on SIGTERM.
# Inside a namespace of one's own (a bash that sourced this file, DNSD set):
#   dns_start DIR ZONE [DNSD FLAG...]   private files in DIR, bind mounts, dnsd
#   dns_stop                            SIGTERM; DIR/dnsd.status; 0 if it exited 0
# DNS_RESOLV_OPTIONS (default "timeout:2 attempts:1") is resolv.conf's
# options line; set it before the run_in_* call to change it.

DNS_LIB=${BASH_SOURCE[0]}
export DNS_TIMEOUT=${DNS_TIMEOUT:-10}   # hard cap (s) on one command
export DNS_RESOLV_OPTIONS=${DNS_RESOLV_OPTIONS-timeout:2 attempts:1}

# For a .bats file's setup(): skip without namespaces (netns.bash's probe)
# or without the resolver files to bind-mount over, then set ROOT and DNSD.
dns_build_paths() {
  ns_require
  local f
  for f in resolv.conf hosts nsswitch.conf; do
    [ -e "/etc/$f" ] || skip "needs /etc/$f (a private one is bind-mounted over it)"
  done
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  export DNSD=${DNSD:-$ROOT/build/tools/dnsd}   # DNSD=... to try another build
  [ -x "$DNSD" ] || { echo "$DNSD missing: run make tools" >&2; return 1; }
}

dns_zone() {   # FILE LINE...
  local f=$1; shift
  printf '%s\n' "$@" >"$f"
}

run_in_dns() {   # ZONE [DNSD FLAG...] -- CMD [ARG...]
  local d rc
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/dns.XXXXXX") || return 1
  dns_check_args "$@" || return 1
  timeout -k 2 $((DNS_TIMEOUT + 20)) \
    unshare -n -m -p -u -f --mount-proc --kill-child \
    bash -c 'source "$0"; source "$1"; dns_inner "${@:2}"' "$NS_LIB" "$DNS_LIB" "$d" "$@" \
    >"$d/setup.log" 2>&1 </dev/null
  rc=$?
  if [ $rc -ne 0 ] || [ ! -e "$d/status" ]; then
    echo "run_in_dns: namespace setup failed (rc $rc):" >&2
    cat "$d/setup.log" "$d/dnsd.log" >&2 2>/dev/null
    return 1
  fi
  output=$(cat "$d/out")
  status=$(cat "$d/status")
  dns_results "$d" "$@"
}

run_in_ns_dns() {   # SCEN ZONE [DNSD FLAG...] -- CMD [ARG...]
  local scen=$1 d; shift
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/dns.XXXXXX") || return 1
  dns_check_args "$@" || return 1
  NS_TIMEOUT=$((DNS_TIMEOUT + 5)) run_in_ns "$scen" \
    bash -c 'source "$0"; dns_exec "$@"' "$DNS_LIB" "$d" "$@" >/dev/null || return 1
  dns_results "$d" "[$scen]" "$@"
}

# Checks ZONE [FLAG...] -- CMD... (the caller's "$@" is left as it was).
dns_check_args() {
  [ -f "$1" ] || { echo "dns: zone file '$1' missing" >&2; return 1; }
  local a
  for a in "${@:2}"; do [ "$a" = -- ] && return 0; done
  echo "dns: no -- before the command" >&2
  return 1
}

# After a run: dnsd must have stopped cleanly; load elapsed_ms, lines, dns_log.
dns_results() {   # DIR ARG... (what ran, for the message)
  local d=$1 st a what=; shift
  for a in "$@"; do   # long arguments (scripts) cut short
    a=${a//$'\n'/ }
    [ ${#a} -le 60 ] || a="${a:0:57}..."
    what+=" $a"
  done
  dns_log=$(cat "$d/dnsd.log" 2>/dev/null)
  st=$(cat "$d/dnsd.status" 2>/dev/null)
  if [ "$st" != 0 ]; then
    printf 'dns: dnsd did not start, or did not exit 0 on SIGTERM (status %s)\n' "${st:-none}" >&2
    printf '%s\n' "-- output:" "$output" "-- dnsd log:" "$dns_log" >&2
    return 1
  fi
  elapsed_ms=$(cat "$d/cmd.ms")
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
  # Shown by bats only when the test fails.
  printf '# [dns]%s -> status %s in %s ms\n%s\n%s\n' "$what" "$status" "$elapsed_ms" "$output" "$dns_log"
}

# ---- below runs inside the namespaces ----

# run_in_dns's pid 1: DIR ZONE [FLAG...] -- CMD...
dns_inner() {
  local d=$1
  set -e
  unset LD_PRELOAD $(compgen -v TRYALL_)   # hermetic: tests pass these explicitly
  export XDG_RUNTIME_DIR=$d/xdg   # a history file of this run's own
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  echo tryall-dns >/proc/sys/kernel/hostname   # no dot: no default search domain
  ip link set lo up
  ip addr add 127.0.0.2/32 dev lo
  ip -6 addr add fd00:7e57::2/128 dev lo nodad
  ns_write_etc "$d" v6first   # netns.bash's gai.conf and host.conf
  mount --bind "$d/etc.gai.conf" /etc/gai.conf
  mount --bind "$d/etc.host.conf" /etc/host.conf
  set +e
  dns_exec "$@" >"$d/out" 2>&1
  echo $? >"$d/status"
}

# DIR ZONE [FLAG...] -- CMD...: dnsd up, CMD timed (DIR/cmd.ms), dnsd
# stopped; returns CMD's status (125 if dnsd would not start).
dns_exec() {
  local d=$1 zone=$2 flags=() st t0 t1; shift 2
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  dns_start "$d" "$zone" "${flags[@]}" || return 125
  t0=$EPOCHREALTIME
  timeout -k 1 "$DNS_TIMEOUT" "$@" </dev/null
  st=$?
  t1=$EPOCHREALTIME
  echo $(((10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000)) >"$d/cmd.ms"
  dns_stop
  return $st
}

dns_start() {   # DIR ZONE [FLAG...]
  local d=$1 zone=$2 f i; shift 2
  DNS_DIR=$d
  printf '%s\n' "nameserver 127.0.0.1" "options $DNS_RESOLV_OPTIONS" >"$d/etc.resolv.conf"
  printf '%s\n' "127.0.0.1 localhost" "::1 localhost" >"$d/etc.hosts"
  printf '%s\n' "passwd: files" "group: files" "shadow: files" \
    "hosts: files dns" "networks: files" "protocols: files" "services: files" \
    >"$d/etc.nsswitch.conf"
  for f in resolv.conf hosts nsswitch.conf; do
    [ -e "/etc/$f" ] || { echo "dns: /etc/$f missing: cannot bind-mount over it"; return 1; }
    mount --bind "$d/etc.$f" "/etc/$f" || return 1
  done
  # A host's nscd would answer from outside the namespace: hide its socket.
  for f in /run/nscd /var/run/nscd; do
    [ ! -S "$f/socket" ] || mount -t tmpfs none "$f" || return 1
  done
  ip link set lo up
  "$DNSD" --zone "$zone" --listen 127.0.0.1:53 --listen '[::1]:53' "$@" \
    >"$d/dnsd.out" 2>"$d/dnsd.log" </dev/null &
  DNS_PID=$!
  for ((i = 0; i < 250; i++)); do
    [ "$(cat "$d/dnsd.out" 2>/dev/null)" = ready ] && return 0
    kill -0 "$DNS_PID" 2>/dev/null || break
    sleep 0.02
  done
  echo "dns: dnsd did not start:"
  cat "$d/dnsd.log"
  dns_stop
  return 1
}

dns_stop() {
  local i st
  kill -TERM "$DNS_PID" 2>/dev/null
  for ((i = 0; i < 150; i++)); do
    kill -0 "$DNS_PID" 2>/dev/null || break
    sleep 0.02
  done
  kill -KILL "$DNS_PID" 2>/dev/null
  wait "$DNS_PID"
  st=$?
  echo "$st" >"$DNS_DIR/dnsd.status"
  [ "$st" = 0 ]
}

# ---- assertions (messages show up when a test fails) ----

assert_took_at_least() {   # elapsed_ms >= bound
  [ "$elapsed_ms" -ge "$1" ] || { echo "took $elapsed_ms ms, expected at least $1 ms" >&2; return 1; }
}
assert_dns_log() {   # a line of dnsd's log matching the extended regex
  grep -Eq -- "$1" <<<"$dns_log" || { echo "expected a dnsd log line matching '$1'" >&2; return 1; }
}
# The distinct addresses of `getent ahosts...` in $output, sorted, on one line.
dns_addrs() {
  awk '$2 == "STREAM" { print $1 }' <<<"$output" | sort -u | xargs
}

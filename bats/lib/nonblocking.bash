# bats/lib/nonblocking.bash - owns the helpers of bats/nonblocking.bats:
# running nb_client (tests/clients/nb_client.c; nb_fortify for poll_chk) in
# several wait modes AT ONCE in one namespace of bats/lib/netns.bash (so the
# whole mode matrix of a scenario costs one namespace and one wait), loading
# one mode's result into $output/$lines/$status/$elapsed_ms for the netns.bash
# assertions, and the few assertions those do not have. Load after lib/netns.
#
#   nb_run SCEN "MODE..." [PREFIX...] -- [CLIENT ARG...]
#       runs, in parallel inside one run_in_ns SCEN, for each MODE:
#       PREFIX... $C/nb_client -m MODE CLIENT ARG... (nb_fortify for poll_chk)
#       PREFIX is e.g. "${SHIM[@]}" (env LD_PRELOAD=...), or empty.
#   nb_mode MODE
#       loads that mode's output, status and elapsed_ms (the client process
#       alone, timed inside the namespace) and prints them (shown by bats
#       only when the test fails).

NB_LIB=${BASH_SOURCE[0]}
NB_MODES="poll ppoll select pselect poll_chk epoll-lt epoll-et epoll-oneshot epoll-pwait epoll-pwait2 epoll-two-sets epoll-shared"
NB_EPOLL_MODES="epoll-lt epoll-et epoll-oneshot epoll-pwait epoll-pwait2 epoll-two-sets epoll-shared"
NB_DATA1=0x1122334455667788   # nb_client's epoll data (first set)
NB_DATA2=0x99aabbccddeeff00   # second set of epoll-two-sets

nb_run() {
  local scen=$1 modes=$2; shift 2
  NB_SCEN=$scen
  NB_OUT=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/nb.XXXXXX") || return 1
  run_in_ns "$scen" bash -c 'source "$0"; nb_inner "$@"' "$NB_LIB" "$NB_OUT" "$C" "$modes" "$@" ||
    return 1
  local m
  for m in $modes; do
    [ -e "$NB_OUT/$m.st" ] || { echo "nb_run $scen: mode $m left no result" >&2; return 1; }
  done
}

# Inside the namespace: OUTDIR CLIENTDIR "MODES" PREFIX... -- ARGS...
nb_inner() {
  local out=$1 cdir=$2 modes=$3 pre=() m bin; shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
  [ "$1" = -- ] && shift
  for m in $modes; do
    bin=nb_client
    [ "$m" = poll_chk ] && bin=nb_fortify
    (
      t0=$EPOCHREALTIME
      "${pre[@]}" "$cdir/$bin" -m "$m" "$@" >"$out/$m.out" 2>&1 </dev/null
      st=$?
      t1=$EPOCHREALTIME
      echo "$st $(((10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000))" >"$out/$m.st"
    ) &
  done
  wait
}

nb_mode() {
  local m=$1
  NB_MODE=$m
  output=$(cat "$NB_OUT/$m.out")
  read -r status elapsed_ms <"$NB_OUT/$m.st"
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
  printf '# [%s/%s] -> status %s in %s ms\n%s\n' "$NB_SCEN" "$m" "$status" "$elapsed_ms" "$output"
}

# ---- assertions on the loaded mode ----

nb_fail() { echo "[$NB_SCEN/$NB_MODE] $*" >&2; return 1; }

assert_at_least() {   # elapsed_ms >= bound
  [ "$elapsed_ms" -ge "$1" ] || nb_fail "took $elapsed_ms ms, expected at least $1 ms"
}

# "connected ADDR"; an IPv4 ADDR may come v4-mapped (an AF_INET6 socket that
# won on IPv4 stays AF_INET6: docs/behaviour.md).
assert_connected() {
  local l
  for l in "${lines[@]}"; do
    [ "$l" = "connected $1" ] && return 0
    [[ $1 == *.* ]] && [ "$l" = "connected ::ffff:$1" ] && return 0
  done
  nb_fail "expected 'connected $1'"
}

# The descriptor number never changes.
assert_same_fd() {
  local b a
  b=$(sed -n 's/^fd before //p' <<<"$output")
  a=$(sed -n 's/^fd after //p' <<<"$output")
  [ -n "$b" ] && [ "$b" = "$a" ] || nb_fail "fd before '$b', fd after '$a'"
}

# What an epoll mode must show once the descriptor reported: the app's own
# data, in every set and every thread, and the app's triggering semantics.
assert_epoll_ok() {
  [[ $output != *MISMATCH* ]] || nb_fail "epoll data altered"
  case $NB_MODE in
  epoll-two-sets)
    assert_line "set1 data=$NB_DATA1 ok" && assert_line "set2 data=$NB_DATA2 ok" ;;
  epoll-shared)
    assert_line "thread1 data=$NB_DATA1 ok" && assert_line "thread2 data=$NB_DATA1 ok" ;;
  epoll-et)
    assert_line "data=$NB_DATA1 ok" && assert_line "second wait: 0" ;;
  epoll-oneshot)
    assert_line "data=$NB_DATA1 ok" && assert_line "second wait: 0" &&
      assert_line "rearmed data=$NB_DATA1 ok" && assert_line "rearmed wait: 1" ;;
  epoll-*)
    assert_line "data=$NB_DATA1 ok" && assert_line "second wait: 1" ;;
  *) return 0 ;;
  esac
}

# Every "timeout after N ms" line has LO <= N < HI, and there is at least one.
assert_timeouts_between() {
  local l n=0 v
  for l in "${lines[@]}"; do
    [[ $l =~ ^timeout\ after\ ([0-9]+)\ ms$ ]] || continue
    v=${BASH_REMATCH[1]}
    n=$((n + 1))
    [ "$v" -ge "$1" ] && [ "$v" -lt "$2" ] || nb_fail "wait returned 0 after $v ms, expected [$1, $2)"
  done
  [ "$n" -gt 0 ] || nb_fail "no 'timeout after' line"
}

# The output with what legitimately varies between runs taken out (timings;
# two threads' interleaving): for plain-vs-shim comparisons.
nb_normalized() {
  sed -e '/^elapsed /d' -e 's/^timeout after [0-9]* ms$/timeout/' <<<"$output" | sort
}

# ---- the other clients ----

# python3 asyncio: one open_connection, an HTTP GET, the body.
NB_ASYNCIO_PY='
import asyncio, sys
async def main(host, port):
    r, w = await asyncio.open_connection(host, port)
    print("connected", w.get_extra_info("peername")[0])
    w.write(b"GET / HTTP/1.0\r\n\r\n")
    data = await r.read()
    print("body", data.split(b"\r\n\r\n", 1)[1].decode().strip())
    w.close()
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
'

# Tcl 8.6: socket -async, fileevent writable, fconfigure -error/-connecting
# (TIP 427), then an HTTP GET. argv: HOST PORT LIMIT_MS.
NB_ASYNC_TCL='
lassign $argv host port limit
set t0 [clock milliseconds]
set s [socket -async $host $port]
puts "connecting [fconfigure $s -connecting]"
fileevent $s writable {set ::done writable}
after $limit {set ::done timeout}
vwait ::done
puts "event $::done after [expr {[clock milliseconds] - $t0}] ms"
puts "connecting [fconfigure $s -connecting]"
set err [fconfigure $s -error]
puts "error <$err>"
if {$::done eq "writable" && $err eq ""} {
    fileevent $s writable {}
    puts "peer [lindex [fconfigure $s -peername] 0]"
    fconfigure $s -blocking 1 -translation binary
    puts -nonewline $s "GET / HTTP/1.0\r\n\r\n"
    flush $s
    set data [read $s]
    set i [string first "\r\n\r\n" $data]
    puts "body [string trim [string range $data [expr {$i + 4}] end]]"
    close $s
    exit 0
}
exit 1
'

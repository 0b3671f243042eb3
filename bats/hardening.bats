#!/usr/bin/env bats
# bats/hardening.bats - owns the robustness scenarios of the hardening issue
# (items 2, 3, 4, 8, 10): many threads racing at once (tests/clients/stress),
# fork and exec while connects race (forky), signal handlers and
# pthread_cancel against racing connects (sigs), in private network
# namespaces (lib/netns.bash; the clients bring their own echo server on
# port 9090). Only outcomes and generous bounds are asserted; every client
# has its own watchdog (exit 99 with backtraces) well inside NS_TIMEOUT.
# Needs root (skips otherwise); `make check-bats` builds first.
#
# The same file runs against sanitizer builds (`make check-sanitize`), with:
#   HARD_LIB      the library to preload     (default build/libtryall.so)
#   HARD_CLIENTS  the clients' directory     (default build/clients)
#   HARD_PRELOAD  put before HARD_LIB in LD_PRELOAD (the ASan runtime)
#   HARD_SCALE    "small": fewer threads and rounds (slow builds)

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_require
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  LIB=${HARD_LIB:-$ROOT/build/libtryall.so}
  C=${HARD_CLIENTS:-$ROOT/build/clients}
  local b
  for b in stress forky sigs; do
    [ -x "$C/$b" ] || { echo "$C/$b missing: run make all clients" >&2; return 1; }
  done
  [ -e "$LIB" ] || { echo "$LIB missing: run make" >&2; return 1; }
  # The clients include tests/clients/hardening.h: catch a stale build.
  for b in stress forky sigs; do
    [ ! "$ROOT/tests/clients/hardening.h" -nt "$C/$b" ] || {
      echo "$C/$b is older than tests/clients/hardening.h: make clients" >&2
      return 1
    }
  done
  PRE="${HARD_PRELOAD:+$HARD_PRELOAD }$LIB"
  # These scenarios repeat races in one process and need each to run its
  # whole course: the connection history (which makes later races of the
  # same names shorter) is off here; bats/history.bats tests it.
  SHIM=(env LD_PRELOAD="$PRE" TRYALL_DELAY_MS=10 TRYALL_HISTORY=off)
  SMALL=
  [ "${HARD_SCALE:-}" != small ] || SMALL=1
  export NS_TIMEOUT=120   # the clients' own watchdogs fire first (20-30 s without progress)
  LOG=$BATS_TEST_TMPDIR/tryall.log
}

@test "stress: threads resolve, race, poll and close at once; no lost or mixed-up descriptor; 10,000 failed races leak nothing" {
  local args=(-t 64 -n 60 -f 10000)
  [ -z "$SMALL" ] || args=(-t 16 -n 20 -f 2000)
  run_in_ns refused6 "${SHIM[@]}" TRYALL_LOG=fail TRYALL_LOG_FILE="$LOG" "$C/stress" "${args[@]}"
  assert_status 0
  assert_line "stress ok"
  [[ $output != *FAIL* ]]
  # every op connected, echoed its own token, had a peer of its name
  [[ $output =~ ops\ ([0-9]+)\ ok\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  # same descriptor count before and after: the run, and the failed races
  [[ $output =~ fds\ start\ ([0-9]+)\ end\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  [[ $output =~ fds\ before\ ([0-9]+)\ after\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  # the races really happened: hidden winners, and every all-refused race lost
  [ "$(grep -c ' attempt [2-9] won ' "$LOG")" -gt 100 ]
  [ "$(grep -c 'all 4 addresses failed' "$LOG")" -eq "${args[5]}" ]
  # a race pending in poll() wakes up for its planned starts only
  local idle
  idle=$(sed -n 's/^idle wakeups\/s \([0-9]*\).*/\1/p' <<<"$output")
  [ -n "$idle" ] && [ "$idle" -lt 50 ]
}

@test "fork while another thread is mid-race: the child neither hangs nor keeps hidden sockets, the parent's race completes" {
  local n=10
  [ -z "$SMALL" ] || n=4
  run_in_ns refused6 env LD_PRELOAD="$PRE" TRYALL_DELAY_MS=100 TRYALL_HISTORY=off "$C/forky" midrace -n $n
  assert_status 0
  assert_line "forky ok"
  [ "$(grep -c 'parent ok child ok' <<<"$output")" -eq $n ]
  # the fork came while a hidden attempt was pending, at least sometimes ...
  grep -q '^parent hidden sockets [1-9]' <<<"$output"
  # ... and no child ever kept one
  ! grep -q '^child hidden sockets [1-9]' <<<"$output"
}

@test "fork repeatedly while threads hammer racing connects (and the log): no child hangs" {
  local args=(-t 16 -n 100)
  [ -z "$SMALL" ] || args=(-t 8 -n 30)
  run_in_ns refused6 "${SHIM[@]}" TRYALL_LOG=trace TRYALL_LOG_FILE="$LOG" "$C/forky" hammer "${args[@]}"
  assert_status 0
  assert_line "forks ${args[3]} ok ${args[3]}"
  assert_line "forky ok"
}

@test "fork+exec, vfork+exec, posix_spawn mid-race: no hidden socket, no log descriptor in the new program" {
  run_in_ns refused6 "${SHIM[@]}" TRYALL_LOG=trace TRYALL_LOG_FILE="$LOG" "$C/forky" exec
  assert_status 0
  assert_line "parent sockets 4"   # the app's socket + 3 hidden attempts (allbh)
  assert_line "log fd open yes"
  local m
  for m in "fork+exec" "vfork+exec" "posix_spawn" "posix_spawn self"; do
    assert_line "$m: fds ok"
  done
  assert_line "fork child hidden sockets 0"
  assert_line "forky ok"
}

@test "SIGALRM every millisecond, the handler polls, connects and closes racing descriptors: no deadlock, nothing lost" {
  local args=(-t 4 -n 200)
  [ -z "$SMALL" ] || args=(-t 4 -n 60)
  run_in_ns refused6 "${SHIM[@]}" "$C/sigs" storm "${args[@]}"
  assert_status 0
  assert_line "sigs ok"
  [[ $output =~ fds\ before\ ([0-9]+)\ after\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  # the same with the log on (its lock held longer, more handlers land inside)
  run_in_ns refused6 "${SHIM[@]}" TRYALL_LOG=trace TRYALL_LOG_FILE="$LOG" "$C/sigs" storm "${args[@]}"
  assert_status 0
  assert_line "sigs ok"
}

@test "close() from a signal handler that interrupted libtryall ends the race: the number starts clean" {
  local n=300
  [ -z "$SMALL" ] || n=100
  run_in_ns refused6 "${SHIM[@]}" "$C/sigs" handlerclose -n $n
  assert_status 0
  assert_line "handler closes $n: number taken back by the race 0, fresh socket on the number: connect EALREADY 0, epoll silent 0"
  assert_line "sigs ok"
}

@test "EINTR or restart of a blocking connect: as the kernel's, with and without SA_RESTART and SO_SNDTIMEO" {
  local mode plain want
  declare -A expect=(
    [norestart]="calls: EINTR EINTR EINTR"
    [restart]="calls: ETIMEDOUT"
    [timeo]="calls: EINPROGRESS EALREADY EALREADY"
    [timeo-restart]="calls: EINTR EINTR EINTR"
  )
  for mode in norestart restart timeo timeo-restart; do
    # the reference: the kernel alone, one black-holed address
    run_in_ns refused6 "$C/sigs" eintr $mode 127.0.0.20 8080
    assert_status 0
    plain=$(grep '^calls:' <<<"$output")
    [ "$plain" = "${expect[$mode]}" ] || { echo "kernel: '$plain', expected '${expect[$mode]}'" >&2; return 1; }
    # the shim racing four black holes must answer the same
    run_in_ns refused6 "${SHIM[@]}" "$C/sigs" eintr $mode allbh 8080
    assert_status 0
    assert_line "$plain"
    [[ $output =~ fds\ before\ ([0-9]+)\ after\ ([0-9]+) ]]
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  done
  # SA_RESTART signals every millisecond do not stop a race that can win
  run_in_ns refused6 "${SHIM[@]}" "$C/sigs" eintr restart bh6 8080
  assert_status 0
  assert_line "calls: 0"
}

@test "pthread_cancel during a racing connect (blocking, non-blocking in poll): nothing leaks, nothing stays locked" {
  local n=60
  [ -z "$SMALL" ] || n=24
  run_in_ns refused6 "${SHIM[@]}" "$C/sigs" cancel -n $n 8080
  assert_status 0
  [[ $output =~ fds\ before\ ([0-9]+)\ after\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  assert_line "after cancel: connected"
  assert_line "sigs ok"
}

@test "exhaustion: at RLIMIT_NOFILE or out of address space the connect ends as libc's own; fan-out bounded for 1000 addresses" {
  [ -z "${HARD_PRELOAD:-}" ] || skip "resource limits and a sanitizer runtime do not mix"
  local mode scen
  for mode in nofile as; do
    for scen in refused6 bh6; do
      run_in_ns $scen "$C/exhaust" $mode $scen 8080
      assert_status 0
      local plain=$output
      run_in_ns $scen "${SHIM[@]}" "$C/exhaust" $mode $scen 8080
      assert_status 0
      [ "$output" = "$plain" ] || { echo "$mode $scen: plain <$plain> shim <$output>"; return 1; }
    done
  done
  # 1000 addresses, all black-holed (127.1.0.0/16 dropped): the app's own
  # attempt and at most 5 hidden ones at once (core/budget.h BUDGET_PER_RACE),
  # the oldest given up for each newer one.
  local inner='nft add rule inet tryall_test out ip daddr 127.1.0.0/16 drop
    for i in $(seq 0 999); do echo "127.1.$((i / 250)).$((i % 250 + 1)) big.test"; done >>/etc/hosts
    exec "$@"'
  run_in_ns plain bash -c "$inner" x "${SHIM[@]}" "$C/exhaust" fanout big.test 8080
  assert_status 0
  assert_line "addresses 1000"
  assert_line "connect -1 EINPROGRESS"
  local peak
  peak=$(sed -n 's/^peak fds //p' <<<"$output")
  [ "$peak" -ge 5 ] && [ "$peak" -le 6 ] || { echo "peak $peak descriptors during the race"; return 1; }
}

@test "descriptors closed behind the race (close_range, closefrom), copied while racing (dup), reused by another thread" {
  local m
  for m in closerange closefrom; do
    run_in_ns allbh "${SHIM[@]}" "$C/reuse" $m allbh 8080
    assert_status 0
    assert_line "ok $m"
  done
  run_in_ns bh6 "${SHIM[@]}" "$C/reuse" dup bh6 8080
  assert_status 0
  assert_line "ok dup"
  run_in_ns bh6 "${SHIM[@]}" "$C/reuse" threads bh6 8080
  assert_status 0
  assert_line "ok threads"
}

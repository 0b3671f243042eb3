#!/usr/bin/env bats
# bats/blocking.bats - owns the issue-3 scenarios: a plain blocking connect()
# to the first address of a multi-address name, over a real (namespaced)
# network, without the shim (fails or hangs) and with it (connects). Each
# run_in_ns builds its own namespace; see lib/netns.bash for the address
# plan and the scenario names. Only outcomes and generous time bounds are
# asserted. Needs root (skips otherwise); `make check-bats` builds first.

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths naive_gai naive_ghbn loop_gai threads_gai || return 1
  SHIM=(env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250)
  PY_CONNECT='import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", s.getpeername()[0])'
  WGET=(wget -q -O - --no-proxy --tries=1)
}

@test "refused first address (v6 then v4): fails alone, connects at once with the shim" {
  run_in_ns refused6 "$C/naive_gai" refused6 8080
  assert_status 1
  assert_line "target fd00:7e57::10"
  assert_has ECONNREFUSED

  run_in_ns refused6 "${SHIM[@]}" "$C/naive_gai" refused6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 1000
  # A refusal starts the next attempt at once, not after the attempt delay.
  run_in_ns refused6 "${SHIM[@]}" TRYALL_DELAY_MS=5000 "$C/naive_gai" refused6 8080
  assert_connected 127.0.0.2
  assert_within 2000
}

@test "refused first address (v4 then v6): fails alone, connects at once with the shim" {
  run_in_ns refused4 "$C/naive_gai" refused4 8080
  assert_status 1
  assert_line "target 127.0.0.10"
  assert_has ECONNREFUSED

  run_in_ns refused4 "${SHIM[@]}" "$C/naive_gai" refused4 8080
  assert_status 0
  assert_connected fd00:7e57::2
  assert_within 1000
  run_in_ns refused4 "${SHIM[@]}" TRYALL_DELAY_MS=5000 "$C/naive_gai" refused4 8080
  assert_connected fd00:7e57::2
  assert_within 2000
}

@test "black-holed first address (v6 then v4): hangs alone, connects after the delay with the shim" {
  run_in_ns bh6 "$C/naive_gai" -a 1 bh6 8080
  assert_line "target fd00:7e57::20"
  assert_has EINTR

  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
}

@test "black-holed first address (v4 then v6): hangs alone, connects after the delay with the shim" {
  run_in_ns bh4 "$C/naive_gai" -a 1 bh4 8080
  assert_line "target 127.0.0.20"
  assert_has EINTR

  run_in_ns bh4 "${SHIM[@]}" "$C/naive_gai" bh4 8080
  assert_status 0
  assert_connected fd00:7e57::2
  assert_within 3000
}

@test "two black-holed addresses then a good one: connects with the shim" {
  run_in_ns bh2 "${SHIM[@]}" "$C/naive_gai" bh2 8080
  assert_line "target 127.0.0.20"
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
}

@test "all addresses refused: ECONNREFUSED, quickly, without and with the shim" {
  run_in_ns allrefused "$C/naive_gai" allrefused 8080
  assert_status 1
  assert_has ECONNREFUSED

  run_in_ns allrefused "${SHIM[@]}" "$C/naive_gai" allrefused 8080
  assert_status 1
  assert_line "connect: Connection refused (errno 111 ECONNREFUSED)"
  assert_within 1000
}

@test "all addresses black-holed: alarm() still interrupts the connect (EINTR)" {
  run_in_ns allbh "$C/naive_gai" -a 1 allbh 8080
  assert_status 1
  assert_has EINTR

  run_in_ns allbh "${SHIM[@]}" "$C/naive_gai" -a 1 allbh 8080
  assert_status 1
  assert_line "connect: Interrupted system call (errno 4 EINTR)"
  assert_within 3000
}

@test "all addresses black-holed: SO_SNDTIMEO still bounds the connect (EINPROGRESS)" {
  run_in_ns allbh "$C/naive_gai" -t 1 allbh 8080
  assert_status 1
  assert_has EINPROGRESS

  run_in_ns allbh "${SHIM[@]}" "$C/naive_gai" -t 1 allbh 8080
  assert_status 1
  assert_line "connect: Operation now in progress (errno 115 EINPROGRESS)"
  assert_within 3000
}

@test "a signal during the race: SA_RESTART keeps connecting, no SA_RESTART gives EINTR" {
  # The kernel restarts a blocking connect after an SA_RESTART handler.
  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" -a 0.1 -r bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000

  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" -a 0.1 bh6 8080
  assert_status 1
  assert_has EINTR
  assert_within 3000
}

@test "single-address name: identical output without and with the shim" {
  local scen plain
  for scen in single singlebad; do
    run_in_ns $scen "$C/naive_gai" $scen 8080
    plain=$output
    run_in_ns $scen "${SHIM[@]}" "$C/naive_gai" $scen 8080
    [ "$output" = "$plain" ]
  done
}

@test "literal IP: identical output without and with the shim" {
  local addr plain
  # fd00:7e57::10 also heads refused6's list, but a literal has no list.
  for addr in 127.0.0.2 fd00:7e57::2 127.0.0.10 fd00:7e57::10; do
    run_in_ns refused6 "$C/naive_gai" $addr 8080
    plain=$output
    run_in_ns refused6 "${SHIM[@]}" "$C/naive_gai" $addr 8080
    [ "$output" = "$plain" ]
  done
}

@test "TRYALL_DISABLE=1: pure pass-through" {
  run_in_ns refused6 "${SHIM[@]}" TRYALL_DISABLE=1 "$C/naive_gai" refused6 8080
  assert_status 1
  assert_has ECONNREFUSED
}

@test "classic loop client: still works, no slower" {
  local plain_ms
  run_in_ns refused6 "$C/loop_gai" refused6 8080
  assert_line "connected 127.0.0.2 on attempt 2"
  plain_ms=$elapsed_ms

  run_in_ns refused6 "${SHIM[@]}" "$C/loop_gai" refused6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within $((plain_ms + 500))

  run_in_ns allrefused "${SHIM[@]}" "$C/loop_gai" allrefused 8080
  assert_status 1
  assert_has ECONNREFUSED
  assert_within 1000

  run_in_ns bh6 "${SHIM[@]}" "$C/loop_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
}

@test "socket options and fd flags survive on the same descriptor number" {
  local scen want
  # bh2: the winner is another v4 socket; refused6: the winner is even of
  # the other family (the TOS check then reads IP_TOS for IPV6_TCLASS).
  for scen in bh2 refused6; do
    run_in_ns $scen "${SHIM[@]}" "$C/naive_gai" -o $scen 8080
    assert_status 0
    assert_connected 127.0.0.2
    assert_line "options ok"
    want=$(sed -n 's/^fd before //p' <<<"$output")
    assert_line "fd after $want"
  done
  # Options set where libtryall's hooks saw them on no number of the
  # socket's own (a dup'd copy, a forked child): they are read all the same.
  local way
  for way in dup fork; do
    run_in_ns bh2 "${SHIM[@]}" "$C/naive_gai" -o -O $way bh2 8080
    assert_status 0
    assert_connected 127.0.0.2
    assert_line "options ok"
  done
}

@test "32 threads connecting at once" {
  run_in_ns bh6 "$C/threads_gai" -t 1 bh6 8080
  assert_line "connected 0/32"

  run_in_ns bh6 "${SHIM[@]}" "$C/threads_gai" bh6 8080
  assert_status 0
  assert_line "connected 32/32"
  assert_within 3000

  run_in_ns refused4 "${SHIM[@]}" "$C/threads_gai" refused4 8080
  assert_status 0
  assert_line "connected 32/32"
  assert_within 3000
}

@test "python3 socket.create_connection: black-holed first address" {
  run_in_ns bh6 timeout 1 python3 -c "$PY_CONNECT" bh6 8080
  assert_status 124

  run_in_ns bh6 "${SHIM[@]}" python3 -c "$PY_CONNECT" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
}

@test "wget: black-holed first address" {
  run_in_ns bh4 timeout 1 "${WGET[@]}" http://bh4:8080/
  assert_status 124

  run_in_ns bh4 "${SHIM[@]}" "${WGET[@]}" http://bh4:8080/
  assert_status 0
  assert_line "ok"
  assert_within 3000
}

@test "gethostbyname, gethostbyname_r: refused and black-holed first address" {
  local r
  run_in_ns v4refused "$C/naive_ghbn" v4refused 8080
  assert_line "target 127.0.0.10"
  assert_has ECONNREFUSED
  for r in "" -r; do
    run_in_ns v4refused "${SHIM[@]}" "$C/naive_ghbn" $r v4refused 8080
    assert_status 0
    assert_connected 127.0.0.2
    assert_within 1000
  done
  run_in_ns v4bh "${SHIM[@]}" "$C/naive_ghbn" -r v4bh 8080
  assert_line "target 127.0.0.20"
  assert_connected 127.0.0.2
  assert_within 3000
}

@test "gethostbyname2(AF_INET6), gethostbyname2_r: refused, unreachable and black-holed first" {
  local r
  run_in_ns v6refused "$C/naive_ghbn" -2 v6refused 8080
  assert_line "target fd00:7e57::10"
  assert_has ECONNREFUSED
  run_in_ns unr6 "$C/naive_ghbn" -2 unr6 8080
  assert_line "target fd00:7e58::1"
  assert_has EHOSTUNREACH
  for r in "" -r; do
    run_in_ns v6refused "${SHIM[@]}" "$C/naive_ghbn" -2 $r v6refused 8080
    assert_connected fd00:7e57::2
    assert_within 1000
    run_in_ns unr6 "${SHIM[@]}" "$C/naive_ghbn" -2 $r unr6 8080
    assert_connected fd00:7e57::2
    assert_within 1000
  done
  run_in_ns v6bh "${SHIM[@]}" "$C/naive_ghbn" -2 v6bh 8080
  assert_line "target fd00:7e57::20"
  assert_connected fd00:7e57::2
  assert_within 3000
}

# Lines of the log file that mention address $1 (not as a prefix of another).
log_lines_for() {
  grep -E "(^|[^0-9a-f:.])${1//./\\.}([^0-9a-f:.]|$)" "$LOG" || true
}

@test "TRYALL_LOG=fail: one line per failed attempt, naming the address and the error" {
  # Other lines (e.g. which address won) are allowed; failures are counted.
  local a
  LOG=$BATS_TEST_TMPDIR/tryall.log
  run_in_ns refused6 "${SHIM[@]}" TRYALL_LOG=fail TRYALL_LOG_FILE="$LOG" "$C/naive_gai" refused6 8080
  assert_connected 127.0.0.2
  cat "$LOG"
  [ "$(log_lines_for fd00:7e57::10 | wc -l)" -eq 1 ]
  [[ $(log_lines_for fd00:7e57::10) == *"Connection refused"* ]]
  [ "$(grep -c "Connection refused" "$LOG")" -eq 1 ]

  rm -f "$LOG"
  run_in_ns allrefused "${SHIM[@]}" TRYALL_LOG=fail TRYALL_LOG_FILE="$LOG" "$C/naive_gai" allrefused 8080
  assert_has ECONNREFUSED
  cat "$LOG"
  for a in fd00:7e57::10 fd00:7e57::11 127.0.0.10 127.0.0.11; do
    [ "$(log_lines_for $a | wc -l)" -eq 1 ]
    [[ $(log_lines_for $a) == *"Connection refused"* ]]
  done
}

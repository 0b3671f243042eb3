#!/usr/bin/env bats
# bats/nonblocking.bats - owns the non-blocking scenarios: a NON-BLOCKING
# connect() to the first address of a multi-address name, then the app's own
# wait (poll, ppoll, select, pselect, fortified __poll_chk, epoll_wait LT/ET/
# ONESHOT, epoll_pwait, epoll_pwait2, two epoll sets, one set shared by two
# threads), over a real namespaced network (lib/netns.bash), without and with
# the shim; then TIP 427 introspection, I/O while racing, and real event-loop
# clients (python3 asyncio, Tcl socket -async, curl).
# Every mode of a scenario runs at once in one namespace (lib/nonblocking.bash),
# each client timed alone. Only outcomes and generous time bounds are asserted.
# Needs root (skips otherwise); `make check-bats` builds first.

load lib/netns
load lib/nonblocking

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths nb_client nb_fortify nb_close || return 1
  SHIM=(env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250)
  CURL=(curl -sS --noproxy '*' --max-time 3)
}

# Every mode connected to $1, kept its descriptor number and its epoll data,
# within [$2, $3) ms.
all_connected() {
  local m
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 0
    assert_connected "$1"
    assert_line "SO_ERROR 0"
    assert_same_fd
    assert_line "O_NONBLOCK 1"
    assert_epoll_ok
    assert_at_least "$2"
    assert_within "$3"
  done
}

# Every mode failed with $1 (e.g. ECONNREFUSED) within $2 ms.
all_failed() {
  local m
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 1
    assert_has "($1)"
    assert_same_fd
    assert_within "$2"
  done
}

@test "nb_fortify goes through glibc's __poll_chk (and __ppoll_chk)" {
  command -v nm >/dev/null || skip "needs nm"
  nm -u "$C/nb_fortify" | grep -qw __poll_chk
  nm -u "$C/nb_fortify" | grep -qw __ppoll_chk
}

@test "refused first address (v6 then v4): every wait mode connects at once with the shim" {
  nb_run refused6 "$NB_MODES" --  refused6 8080
  all_failed ECONNREFUSED 1000

  nb_run refused6 "$NB_MODES" "${SHIM[@]}" -- refused6 8080
  all_connected 127.0.0.2 0 1000
}

@test "refused first address (v4 then v6): every wait mode connects at once with the shim" {
  nb_run refused4 "$NB_MODES" -- refused4 8080
  all_failed ECONNREFUSED 1000

  nb_run refused4 "$NB_MODES" "${SHIM[@]}" -- refused4 8080
  all_connected fd00:7e57::2 0 1000
}

@test "refused first address: a refusal starts the next attempt at once, not after the delay" {
  nb_run refused6 "$NB_MODES" "${SHIM[@]}" TRYALL_DELAY_MS=5000 -- refused6 8080
  all_connected 127.0.0.2 0 2000
}

@test "black-holed first address (v6 then v4): every wait mode hangs alone, connects after the delay with the shim" {
  local m
  nb_run bh6 "$NB_MODES" -- -T 1000 bh6 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 3
    assert_line "target fd00:7e57::20"
  done

  nb_run bh6 "$NB_MODES" "${SHIM[@]}" -- bh6 8080
  all_connected 127.0.0.2 240 2000
}

@test "black-holed first address (v4 then v6): every wait mode hangs alone, connects after the delay with the shim" {
  local m
  nb_run bh4 "$NB_MODES" -- -T 1000 bh4 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 3
    assert_line "target 127.0.0.20"
  done

  nb_run bh4 "$NB_MODES" "${SHIM[@]}" -- bh4 8080
  all_connected fd00:7e57::2 240 2000
}

@test "two black-holed addresses then a good one: every wait mode connects with the shim" {
  nb_run bh2 "$NB_MODES" "${SHIM[@]}" -- bh2 8080
  all_connected 127.0.0.2 490 2000
}

@test "all addresses refused: every wait mode gets ECONNREFUSED (POLLERR, SO_ERROR once), quickly" {
  local m
  nb_run allrefused "$NB_MODES" "${SHIM[@]}" -- allrefused 8080
  all_failed ECONNREFUSED 1000
  for m in $NB_MODES; do
    nb_mode $m
    assert_line "SO_ERROR ECONNREFUSED"
    assert_line "SO_ERROR again 0"
    assert_line "failed: Connection refused (ECONNREFUSED)"
    [[ $output == *"events "*ERR* ]] || nb_fail "no POLLERR/EPOLLERR reported"
    [[ $output != *MISMATCH* ]] || nb_fail "epoll data altered"
  done
}

@test "all addresses black-holed: every wait mode returns 0 at the app's own timeout" {
  local m
  nb_run allbh "$NB_MODES" -- -T 800 allbh 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 3
    assert_timeouts_between 800 1500
  done

  nb_run allbh "$NB_MODES" "${SHIM[@]}" -- -T 800 allbh 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 3
    assert_timeouts_between 800 1500
    assert_same_fd
    assert_within 2500
  done
}

@test "short app timeouts in a loop: the race goes on across waits, each wait ends on time" {
  local m
  nb_run bh2 "$NB_MODES" "${SHIM[@]}" -- -T 100 -r 40 bh2 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 0
    assert_connected 127.0.0.2
    assert_epoll_ok
    assert_timeouts_between 100 300
    assert_within 2000
  done
}

@test "epoll: registered before connect(), data and flags survive the hand-over" {
  local m
  nb_run bh6 "$NB_EPOLL_MODES" "${SHIM[@]}" -- -E bh6 8080
  for m in $NB_EPOLL_MODES; do
    nb_mode $m
    assert_status 0
    assert_connected 127.0.0.2
    assert_same_fd
    assert_epoll_ok
    assert_within 2000
  done

  nb_run refused4 "$NB_EPOLL_MODES" "${SHIM[@]}" -- -E refused4 8080
  for m in $NB_EPOLL_MODES; do
    nb_mode $m
    assert_status 0
    assert_connected fd00:7e57::2
    assert_epoll_ok
    assert_within 1000
  done
}

@test "single-address name: identical output without and with the shim" {
  local scen m opts
  declare -A plain
  for scen in single singlebad; do
    # The waits alone, then with TIP 427 introspection (-p reads SO_ERROR).
    for opts in "" "-a -p"; do
      nb_run $scen "$NB_MODES" -- $opts $scen 8080
      for m in $NB_MODES; do
        nb_mode $m
        plain[$m]="$status $(nb_normalized)"
      done
      nb_run $scen "$NB_MODES" "${SHIM[@]}" -- $opts $scen 8080
      for m in $NB_MODES; do
        nb_mode $m
        [ "$status $(nb_normalized)" = "${plain[$m]}" ] ||
          nb_fail "differs from the plain run:"$'\n'"${plain[$m]}"
      done
    done
  done
}

@test "TIP 427 while racing: SO_ERROR 0, getpeername ENOTCONN, connect again EALREADY, then 0 and EISCONN" {
  local m
  nb_run bh6 "$NB_MODES" "${SHIM[@]}" -- -p -a bh6 8080
  for m in $NB_MODES; do
    nb_mode $m
    assert_status 0
    assert_line "pending: SO_ERROR=0 getpeername=ENOTCONN"
    assert_line "again pending: -1 EALREADY"
    assert_line "again done: 0"
    assert_line "again done2: -1 EISCONN"
    assert_connected 127.0.0.2
    assert_epoll_ok
  done

  # A refused first address is hidden: SO_ERROR stays 0.
  nb_run refused6 "poll epoll-lt" "${SHIM[@]}" -- -p refused6 8080
  for m in poll epoll-lt; do
    nb_mode $m
    assert_status 0
    assert_has "pending: SO_ERROR=0 "
    assert_connected 127.0.0.2
  done

  # Lost: connect() again gives the verdict (pending or once ready).
  nb_run allrefused "poll epoll-et" "${SHIM[@]}" -- -a allrefused 8080
  for m in poll epoll-et; do
    nb_mode $m
    assert_status 1
    [[ $output == *"again pending: -1 ECONNREFUSED"* || $output == *"again done: -1 ECONNREFUSED"* ]] ||
      nb_fail "connect() again did not give ECONNREFUSED"
    assert_line "failed: Connection refused (ECONNREFUSED)"
  done
}

@test "write before connected: EAGAIN, no byte anywhere; the winner then talks HTTP" {
  local scen m
  for scen in bh6 bh4; do
    nb_run $scen "poll select epoll-et" "${SHIM[@]}" -- -w -g $scen 8080
    for m in poll select epoll-et; do
      nb_mode $m
      assert_status 0
      assert_line "write pending: -1 EAGAIN"
      assert_line "body ok"
      assert_same_fd
      assert_within 2000
    done
  done
}

@test "blocking I/O on a racing descriptor: finishes the race, then talks to the winner" {
  nb_run bh6 "poll" "${SHIM[@]}" -- -b bh6 8080
  nb_mode poll
  assert_status 0
  assert_line "body ok"
  assert_same_fd
  assert_within 2000

  nb_run allrefused "poll" -- -b allrefused 8080
  nb_mode poll
  assert_status 1
  assert_line "write: -1 ECONNREFUSED"
  nb_run allrefused "poll" "${SHIM[@]}" -- -b allrefused 8080
  nb_mode poll
  assert_status 1
  assert_line "write: -1 ECONNREFUSED"
  assert_within 1000
}

@test "socket bound to the wildcard address, port 0 (as Tcl does): same family raced" {
  local m
  nb_run bh2 "poll epoll-lt" "${SHIM[@]}" -- -B bh2 8080
  for m in poll epoll-lt; do
    nb_mode $m
    assert_status 0
    assert_connected 127.0.0.2
    assert_within 2000
  done
}

@test "socket bound to the wildcard address, port 0 (as Tcl does): other family raced too" {
  # No local address was chosen, so nothing ties the race to one family.
  local m
  nb_run bh6 "poll epoll-lt" "${SHIM[@]}" -- -B -T 1500 bh6 8080
  for m in poll epoll-lt; do
    nb_mode $m
    assert_status 0
    assert_connected 127.0.0.2
    assert_within 2000
  done
}

@test "python3 asyncio.open_connection: connects, never slower than without the shim" {
  local plain_ms
  command -v python3 >/dev/null || skip "needs python3"
  # asyncio tries each address in turn by itself (happy_eyeballs_delay unset).
  run_in_ns refused6 python3 -c "$NB_ASYNCIO_PY" refused6 8080
  assert_status 0
  assert_line "body ok"
  plain_ms=$elapsed_ms
  run_in_ns refused6 "${SHIM[@]}" python3 -c "$NB_ASYNCIO_PY" refused6 8080
  assert_status 0
  assert_has "connected "
  assert_line "body ok"
  assert_within $((plain_ms + 500))

  # A black hole first: asyncio alone waits for the kernel's SYN timeout.
  run_in_ns bh6 timeout 1.5 python3 -c "$NB_ASYNCIO_PY" bh6 8080
  assert_status 124
  run_in_ns bh6 "${SHIM[@]}" python3 -c "$NB_ASYNCIO_PY" bh6 8080
  assert_status 0
  assert_line "body ok"
  assert_within 2500
  run_in_ns bh2 "${SHIM[@]}" python3 -c "$NB_ASYNCIO_PY" bh2 8080
  assert_status 0
  assert_line "connected 127.0.0.2"
  assert_line "body ok"
  assert_within 2500
}

tcl_setup() {
  command -v tclsh >/dev/null || skip "needs tclsh"
  TCL=$BATS_TEST_TMPDIR/async.tcl
  printf '%s\n' "$NB_ASYNC_TCL" >"$TCL"
  # TIP 427's -connecting is Tcl 8.6.2+; the script needs it.
  echo 'set s [socket -server x -myaddr 127.0.0.1 0]; exit [catch {fconfigure $s -connecting}]' |
    tclsh || skip "this Tcl has no fconfigure -connecting"
}

@test "tclsh socket -async + fileevent writable + fconfigure -error/-connecting: same family" {
  tcl_setup
  run_in_ns refused6 tclsh "$TCL" refused6 8080 3000
  assert_line "body ok"
  run_in_ns refused6 "${SHIM[@]}" tclsh "$TCL" refused6 8080 3000
  assert_status 0
  # The shim may have won already on loopback by the time Tcl first asks
  # (Tcl alone is still on its second address): either answer is true.
  [[ ${lines[0]} == "connecting "[01] ]]
  assert_has "event writable"
  assert_line "connecting 0"
  assert_line "error <>"
  assert_line "body ok"
  assert_within 1000

  # Two black holes then a good address, all IPv4: Tcl alone hangs on the first.
  run_in_ns bh2 tclsh "$TCL" bh2 8080 1500
  assert_has "event timeout"
  run_in_ns bh2 "${SHIM[@]}" tclsh "$TCL" bh2 8080 3000
  assert_status 0
  assert_line "connecting 1"
  assert_has "event writable"
  assert_line "connecting 0"
  assert_line "error <>"
  assert_line "peer 127.0.0.2"
  assert_line "body ok"
  assert_within 2000
}

@test "tclsh socket -async: black-holed first address of the other family" {
  tcl_setup
  local scen
  for scen in bh6 bh4; do
    run_in_ns $scen tclsh "$TCL" $scen 8080 1500
    assert_has "event timeout"
    run_in_ns $scen "${SHIM[@]}" tclsh "$TCL" $scen 8080 3000
    assert_status 0
    assert_has "event writable"
    assert_line "error <>"
    assert_line "body ok"
    assert_within 2000
  done
}

@test "curl (races by itself): keeps working, no slower with the shim" {
  command -v curl >/dev/null || skip "needs curl"
  local scen plain_ms
  for scen in refused6 bh6 bh4; do
    run_in_ns $scen "${CURL[@]}" http://$scen:8080/
    assert_status 0
    assert_line "ok"
    plain_ms=$elapsed_ms
    run_in_ns $scen "${SHIM[@]}" "${CURL[@]}" http://$scen:8080/
    assert_status 0
    assert_line "ok"
    assert_within $((plain_ms + 500))
  done

  # Same family only: curl alone waits on the first black hole.
  run_in_ns bh2 "${CURL[@]}" --max-time 1.5 http://bh2:8080/
  assert_status 28
  run_in_ns bh2 "${SHIM[@]}" "${CURL[@]}" http://bh2:8080/
  assert_status 0
  assert_line "ok"
  assert_within 2000
}

@test "close, dup2 or dup3 over a racing descriptor ends the race: no hidden socket left, the number starts clean" {
  local m
  for m in close dup2 dup3; do
    run_in_ns allbh "${SHIM[@]}" "$C/nb_close" $m allbh 8080 127.0.0.2
    assert_status 0
    assert_line "connect -1 EINPROGRESS"
    assert_line "poll 0"
    local base during after end
    base=$(sed -n 's/^base //p' <<<"$output")
    during=$(sed -n 's/^during //p' <<<"$output")
    after=$(sed -n 's/^after //p' <<<"$output")
    end=$(sed -n 's/^end //p' <<<"$output")
    # the race really had hidden attempts open (app socket + at least two more)
    [ "$during" -ge $((base + 3)) ] || { echo "$m: during=$during base=$base: no hidden attempts?"; return 1; }
    [ "$after" -eq "$base" ] || { echo "$m: after=$after base=$base: descriptors left behind"; return 1; }
    [ "$end" -eq "$base" ] || { echo "$m: end=$end base=$base"; return 1; }
    [ "$m" = close ] && assert_line "reused yes"
    [ "$m" = close ] || assert_line "replaced yes"
    assert_line "new socket connect 0 0, SO_ERROR 0"
  done
}

@test "options the app sets while the race runs are on the winner (black-holed first: a hidden attempt wins)" {
  local scen
  for scen in bh6 bh4 refused6; do
    run_in_ns $scen "${SHIM[@]}" "$C/nb_client" -m poll -L -T 3000 $scen 8080
    assert_status 0
    assert_line "late options ok"
    assert_same_fd
  done
}

@test "epoll on the edges: a number closed behind our back and reused, a racing socket disconnected with AF_UNSPEC: only the app's data" {
  local m
  for m in stale unspec; do
    run_in_ns bh4 "${SHIM[@]}" "$C/epoll_edges" $m bh4 8080
    assert_status 0
    assert_line "ok"
    assert_has "data="
  done
  assert_line "disconnect 0"
}

@test "a blocking read on a racing socket waits at most its SO_RCVTIMEO, as without the shim" {
  run_in_ns allbh "$C/io_timeo" allbh 8080
  assert_status 0
  local plain=$output
  assert_line "in time yes"
  run_in_ns allbh "${SHIM[@]}" "$C/io_timeo" allbh 8080
  assert_status 0
  [ "$output" = "$plain" ] || { echo "plain <$plain> shim <$output>"; return 1; }
}

#!/usr/bin/env bats
# bats/history.bats - owns the issue-13 scenarios of the library side of
# memory across runs: a short-lived program run twice against a name whose
# first address(es) are dead, with one history file, pays the delay only
# the first time; an address that recovers is tried again; a known-good
# address that dies costs one delay; many processes update one file at once
# and nothing is corrupted; hostile files (symlink, wrong owner, truncated,
# random bytes, huge) are replaced, never trusted, and the app is never
# affected. Each run_in_ns is a new namespace (bats/lib/netns.bash), the
# history file is this test's own ($BATS_TEST_TMPDIR). Needs root.

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths naive_gai nb_client res_client || return 1
  SEED=$ROOT/build/tools/histseed
  [ -x "$SEED" ] || { echo "$SEED missing: run make tools" >&2; return 1; }
  H=$BATS_TEST_TMPDIR/history
  SIZE=$("$SEED" size)
  SHIM=(env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 TRYALL_HISTORY="$H")
}

# histseed (tests/tools/histseed.c) on $H inside a namespace of SCEN: the
# history belongs to a network, and every run_in_ns namespace is the same
# network; the host outside is another (its file would be started afresh).
seed() {   # SCEN ARG...
  local scen=$1; shift
  run_in_ns "$scen" env TRYALL_HISTORY="$H" "$SEED" "$@"
  [ "$status" = 0 ]
}

# The client twice in scenario SCEN: the first run's and the second's ms.
twice() {   # SCEN CMD...
  local scen=$1; shift
  run_in_ns "$scen" "${SHIM[@]}" "$@"
  assert_status 0
  first=$elapsed_ms
  run_in_ns "$scen" "${SHIM[@]}" "$@"
  assert_status 0
  second=$elapsed_ms
  echo "# $scen: first $first ms, second $second ms"
}

@test "second run: a dead first address (v6, then v4) costs nothing the second time" {
  twice bh6 "$C/naive_gai" bh6 8080
  assert_connected 127.0.0.2
  [ "$first" -ge 240 ]
  [ "$second" -lt 150 ]
  twice bh4 "$C/naive_gai" bh4 8080
  assert_connected fd00:7e57::2
  [ "$first" -ge 240 ]
  [ "$second" -lt 150 ]
}

@test "second run: two dead addresses before the good one (multi4), blocking and non-blocking" {
  twice bh2 "$C/naive_gai" bh2 8080
  assert_connected 127.0.0.2
  [ "$first" -ge 480 ]
  [ "$second" -lt 150 ]
  rm -f "$H"
  twice bh2 "$C/nb_client" -m epoll-lt bh2 8080
  assert_connected 127.0.0.2
  [ "$first" -ge 480 ]
  [ "$second" -lt 150 ]
}

@test "second run of a real program (wget)" {
  command -v wget >/dev/null || skip "needs wget"
  twice bh6 wget -q -O - --no-proxy --tries=1 --timeout=5 http://bh6:8080/
  assert_line ok
  [ "$first" -ge 240 ]
  [ "$second" -lt 150 ]
}

@test "an address that recovers is tried again and is good again" {
  # 127.0.0.2 'failed' earlier: after the dead target it comes last, but it
  # is still tried (after the delay), wins, and counts as good again.
  seed bh6 set 127.0.0.2 8080 unreachable
  seed bh6 set fd00:7e57::20 8080 connected
  seed bh6 get 127.0.0.2 8080
  [ "$output" = "unreachable bad" ]
  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  [ "$elapsed_ms" -ge 240 ]   # tried last, after the delay: it had failed
  seed bh6 get 127.0.0.2 8080
  [ "$output" = "connected good" ]
  seed bh6 get fd00:7e57::20 8080
  [ "$output" = "abandoned bad" ]
}

@test "a known-good address that dies costs one delay, as without history" {
  seed bh6 set fd00:7e57::20 8080 connected
  seed bh6 set 127.0.0.2 8080 connected
  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  [ "$elapsed_ms" -ge 240 ]
  assert_within 1000
  seed bh6 get fd00:7e57::20 8080
  [ "$output" = "abandoned bad" ]
}

@test "the attempt delay follows the measured handshakes unless TRYALL_DELAY_MS fixes it" {
  # Loopback handshakes: the adaptive delay is the clamp's floor, 10 ms.
  local shim=(env LD_PRELOAD="$LIB" TRYALL_HISTORY="$H" TRYALL_LOG=trace)
  seed bh6 set 127.0.0.2 8080 connected
  run_in_ns bh6 "${shim[@]}" "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 150
  # ... clamped by TRYALL_DELAY_MIN_MS
  rm -f "$H"
  seed bh6 set 127.0.0.2 8080 connected
  run_in_ns bh6 "${shim[@]}" TRYALL_DELAY_MIN_MS=400 TRYALL_DELAY_MAX_MS=500 "$C/naive_gai" bh6 8080
  assert_status 0
  [ "$elapsed_ms" -ge 390 ]
}

@test "100 processes update one history file at once: nothing is lost or corrupted" {
  local many='for i in $(seq 100); do "$@" bh6 8080 >/dev/null & done; wait; echo done'
  NS_TIMEOUT=30 run_in_ns bh6 "${SHIM[@]}" bash -c "$many" _ "$C/naive_gai"
  assert_status 0
  assert_line done
  run env TRYALL_HISTORY="$H" "$SEED" check
  [ "$status" = 0 ]
  [[ "$output" =~ ^ok\ [12]$ ]]
  seed bh6 get 127.0.0.2 8080
  [ "$output" = "connected good" ]
}

@test "hostile history files are replaced, never trusted; the app is not affected" {
  local victim=$BATS_TEST_TMPDIR/victim
  echo precious >"$victim"
  ln -s "$victim" "$H"
  run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" bh6 8080
  assert_status 0
  [ "$(cat "$victim")" = precious ]   # the link was not followed
  [ ! -L "$H" ]
  run env TRYALL_HISTORY="$H" "$SEED" check
  [ "$status" = 0 ]

  local kind
  for kind in truncated random huge owner mode; do
    rm -f "$H"
    seed bh6 set 127.0.0.2 8080 connected
    case $kind in
    truncated) truncate -s 1000 "$H" ;;
    random) head -c "$SIZE" /dev/urandom >"$H" ;;
    huge) truncate -s 50M "$H" ;;
    owner) chown 65534 "$H" ;;
    mode) chmod 0666 "$H" ;;
    esac
    run_in_ns bh6 "${SHIM[@]}" "$C/naive_gai" bh6 8080
    assert_status 0
    assert_connected 127.0.0.2
    run env TRYALL_HISTORY="$H" "$SEED" check
    echo "# $kind: $output"
    [ "$status" = 0 ]
    [ "$(stat -c '%u %a %s' "$H")" = "0 600 $SIZE" ]
  done
}

@test "history off: TRYALL_HISTORY=off, and set-uid-like processes never touch it" {
  run_in_ns bh6 env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 TRYALL_HISTORY=off "$C/naive_gai" bh6 8080
  assert_status 0
  run_in_ns bh6 env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 TRYALL_HISTORY=off "$C/naive_gai" bh6 8080
  assert_status 0
  [ "$elapsed_ms" -ge 240 ]   # nothing remembered
  # An unwritable place: history quietly off, the app unaffected.
  run_in_ns bh6 env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 TRYALL_HISTORY=/proc/nonexistent/h \
    "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
}

@test "the default place: \$XDG_RUNTIME_DIR/libtryall/history, directory 0700, file 0600" {
  local x=$BATS_TEST_TMPDIR/xdg
  mkdir -m 700 "$x"
  run_in_ns bh6 env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 XDG_RUNTIME_DIR="$x" "$C/naive_gai" bh6 8080
  assert_status 0
  [ "$(stat -c '%a' "$x/libtryall")" = 700 ]
  [ "$(stat -c '%a %s' "$x/libtryall/history")" = "600 $SIZE" ]
}

@test "the address book is shared: a program that resolves in a helper process races its connects" {
  # Alone, the parent (which never resolved) hangs on the black-holed
  # first address; with libtryall it finds the child's list in the shared
  # book and races it.
  run_in_ns bh6 env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250 TRYALL_HISTORY=off \
    timeout 1 "$C/res_client" -P -r gai bh6 8080
  assert_status 124
  run_in_ns bh6 "${SHIM[@]}" "$C/res_client" -P -r gai bh6 8080
  assert_status 0
  assert_line "target fd00:7e57::20"
  assert_connected 127.0.0.2
  assert_within 1500
}

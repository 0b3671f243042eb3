#!/usr/bin/env bats
# bats/security.bats - owns the security promises: configuration only through
# secure_getenv (a program with file capabilities ignores TRYALL_*), names
# escaped in log lines, the log file opened O_NOFOLLOW and never written
# through a descriptor number the program has reused.
# Needs root and namespaces (skips otherwise).

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths naive_gai log_reuse || return 1
  T=$BATS_TEST_TMPDIR
  W=
}

teardown() {
  [ -z "$W" ] || rm -rf "$W"
}

@test "a program with file capabilities ignores TRYALL_* (secure_getenv), yet still races with the defaults" {
  command -v setcap >/dev/null || skip "setcap (libcap2-bin) not installed"
  command -v setpriv >/dev/null || skip "setpriv not installed"
  # Secure mode (AT_SECURE) needs a gain of privilege: an unprivileged user
  # running a copy with a file capability; the plain copy is the control.
  # (a directory of its own that the unprivileged user can reach and write)
  W=$(mktemp -d /tmp/tryall-secure.XXXXXX)
  chmod 1777 "$W"
  cp "$C/naive_gai" "$W/plain" && cp "$C/naive_gai" "$W/capped" && cp "$LIB" "$W/libtryall.so"
  chmod 755 "$W/plain" "$W/capped" "$W/libtryall.so"
  setcap cap_net_bind_service+ep "$W/capped" 2>/dev/null || skip "setcap not supported on $W"
  echo "$W/libtryall.so" >"$W/ld.so.preload"
  # ld.so ignores LD_PRELOAD paths in secure mode; /etc/ld.so.preload is honoured.
  # A private one: an overlay on /etc (bats/lib/sysetc.bash), never the host's.
  local inner='source "$2" && sysetc_start "$3" && sysetc_preload "$(cat "$1")" || exit 99
    set -- "$1" "${@:4}"
    shift; exec setpriv --reuid=65534 --regid=65534 --clear-groups env TRYALL_DELAY_MS=1500 TRYALL_LOG=trace TRYALL_LOG_FILE="$1.log" "$@" bh6 8080'
  T=$W
  local sysetc=$BATS_TEST_DIRNAME/lib/sysetc.bash
  run_in_ns bh6 bash -c "$inner" x "$T/ld.so.preload" "$sysetc" "$BATS_TEST_TMPDIR/plain" "$T/plain"
  assert_status 0
  assert_has "connected"
  [ "$elapsed_ms" -ge 1400 ] || { echo "plain copy did not use TRYALL_DELAY_MS=1500"; return 1; }
  grep -q "attempt 2 started" "$T/plain.log"

  run_in_ns bh6 bash -c "$inner" x "$T/ld.so.preload" "$sysetc" "$BATS_TEST_TMPDIR/capped" "$T/capped"
  assert_status 0
  assert_has "connected"
  [ "$elapsed_ms" -lt 1000 ] || { echo "capped copy took ${elapsed_ms} ms: TRYALL_DELAY_MS was not ignored"; return 1; }
  [ ! -e "$T/capped.log" ] || { echo "capped copy wrote TRYALL_LOG_FILE"; cat "$T/capped.log"; return 1; }
}

@test "log lines escape control characters in names: no raw ESC or newline reaches the log" {
  local name=$'esc\033[31mred.test'
  local inner='printf "127.0.0.10 %s\n127.0.0.2 %s\n" "$1" "$1" >>/etc/hosts
    exec env LD_PRELOAD="$2" TRYALL_LOG=trace TRYALL_LOG_FILE="$3" "$4" "$1" 8080'
  run_in_ns plain bash -c "$inner" x "$name" "$LIB" "$T/esc.log" "$C/naive_gai"
  assert_status 0
  assert_has "connected 127.0.0.2"
  grep -q 'esc\\e\[31mred.test' "$T/esc.log" || { cat -A "$T/esc.log"; return 1; }
  ! grep -q $'\033' "$T/esc.log"
  # one line per event, each ending the line it began
  [ "$(grep -c '^tryall\[' "$T/esc.log")" -eq "$(wc -l <"$T/esc.log")" ]
}

@test "TRYALL_LOG_FILE that is a symlink is not followed; the program is unaffected" {
  : >"$T/target"
  ln -s "$T/target" "$T/link"
  run_in_ns refused6 env LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_LOG_FILE="$T/link" "$C/naive_gai" refused6 8080
  assert_status 0
  assert_has "connected"
  [ ! -s "$T/target" ] || { echo "log written through a symlink"; return 1; }
}

@test "the log never writes through a descriptor number the program reused (closefrom, then a data file)" {
  run_in_ns refused6 env LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_LOG_FILE="$T/trace.log" "$C/log_reuse" refused6 8080 "$T/data"
  assert_status 0
  [ "$(grep -c '^connect ok' <<<"$output")" -eq 2 ]
  [ ! -s "$T/data" ] || { echo "log lines went into the app's data file:"; cat "$T/data"; return 1; }
  # both connects were logged: the log was reopened after closefrom
  [ "$(grep -c 'attempt 1 failed' "$T/trace.log")" -eq 2 ]
}

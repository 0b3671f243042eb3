#!/usr/bin/env bats
# bats/config.bats - owns the config file as the library reads it: a private
# /etc/libtryall.conf (an overlay on /etc in the test's mount namespace,
# bats/lib/sysetc.bash) read at load time; its settings applied, the
# environment over them; [program] rules by base name and by path glob
# (off: the program behaves as without libtryall); bad lines ignored with a
# warning in the log while the rest applies; a file that is group-writable,
# not root's or a symbolic link ignored as a whole; a set-uid program run by
# an unprivileged user (AT_SECURE) reading the file and never the
# environment.
# Needs root and namespaces (skips otherwise).

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths naive_gai sysprobe || return 1
  T=$BATS_TEST_TMPDIR
  SYSETC=$BATS_TEST_DIRNAME/lib/sysetc.bash
  W=
}

teardown() {
  [ -z "$W" ] || rm -rf "$W"
}

# run_conf SCENARIO CONFTEXT CMD...: CMD in the scenario's namespace, with
# CONFTEXT as /etc/libtryall.conf.
run_conf() {
  local scen=$1 conf=$2; shift 2
  run_in_ns "$scen" bash -c 'source "$1" && sysetc_start "$2" || exit 99
    printf "%s" "$3" | sysetc_conf || exit 99
    shift 3; exec "$@"' x "$SYSETC" "$T" "$conf" "$@"
}

@test "settings come from /etc/libtryall.conf; the environment wins over them" {
  run_conf bh6 $'# the attempt delay\ndelay_ms = 1500\n' env LD_PRELOAD="$LIB" "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  [ "$elapsed_ms" -ge 1400 ] || { echo "delay_ms = 1500 from the file not used ($elapsed_ms ms)"; return 1; }

  run_conf bh6 $'delay_ms = 1500\n' env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=100 "$C/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 1000

  # logging set in the file, to a file named there
  run_conf refused6 "log = fail"$'\n'"log_to = file:$T/from-conf.log"$'\n' \
    env LD_PRELOAD="$LIB" "$C/naive_gai" refused6 8080
  assert_status 0
  grep -q "attempt 1 failed: Connection refused" "$T/from-conf.log"
}

@test "[program NAME] off: that program behaves as without libtryall, the same binary under another name races" {
  cp "$C/naive_gai" "$T/other_name"
  local conf=$'[program naive_gai]\noff\n'
  run_in_ns refused6 "$C/naive_gai" refused6 8080      # without libtryall at all
  assert_status 1
  local without=$output
  run_conf refused6 "$conf" env LD_PRELOAD="$LIB" "$C/naive_gai" refused6 8080
  assert_status 1
  [ "$output" = "$without" ] || { echo "differs from the run without libtryall:"; echo "$without"; return 1; }
  run_conf refused6 "$conf" env LD_PRELOAD="$LIB" "$T/other_name" refused6 8080
  assert_status 0
  assert_connected 127.0.0.2
}

@test "[program /PATH/GLOB]: matched on the executable's path, '*' within one directory" {
  mkdir -p "$T/legacy/sub"
  cp "$C/naive_gai" "$T/legacy/app"
  cp "$C/naive_gai" "$T/legacy/sub/app"
  local conf="[program $T/legacy/*]"$'\noff\n'
  run_conf refused6 "$conf" env LD_PRELOAD="$LIB" "$T/legacy/app" refused6 8080
  assert_status 1
  assert_has ECONNREFUSED
  run_conf refused6 "$conf" env LD_PRELOAD="$LIB" "$T/legacy/sub/app" refused6 8080
  assert_status 0
  # a symbolic link is the program it points to (/proc/self/exe)
  ln -s "$T/legacy/app" "$T/link-to-app"
  run_conf refused6 "$conf" env LD_PRELOAD="$LIB" "$T/link-to-app" refused6 8080
  assert_status 1
}

@test "a bad line is ignored with one warning naming file and line; the rest of the file applies" {
  local conf="delay_ms = 1500"$'\n'"this is not a setting"$'\n'"delay_ms = 5"$'\n'"log = trace"$'\n'"log_to = file:$T/warn.log"$'\n'
  run_conf bh6 "$conf" env LD_PRELOAD="$LIB" "$C/naive_gai" bh6 8080
  assert_status 0
  cat "$T/warn.log"
  [ "$elapsed_ms" -ge 1400 ] || { echo "delay_ms = 1500 lost ($elapsed_ms ms)"; return 1; }
  grep -q 'warning: /etc/libtryall.conf:2: not key = value: this is not a setting; line ignored' "$T/warn.log"
  grep -q 'warning: /etc/libtryall.conf:3: delay_ms = 5 is not a whole number of ms in 10..60000; line ignored' "$T/warn.log"
  [ "$(grep -c warning "$T/warn.log")" -eq 2 ]
  grep -q "attempt 2 won" "$T/warn.log"
}

@test "a config file writable by others, not root's, or a symbolic link is ignored as a whole, with a warning" {
  local inner='source "$1" && sysetc_start "$2" || exit 99
    echo "delay_ms = 1500" | sysetc_conf || exit 99
    case $3 in
      g+w) chmod g+w /etc/libtryall.conf ;;
      nobody) chown 65534 /etc/libtryall.conf ;;
      link) mv /etc/libtryall.conf /etc/libtryall.real && ln -s libtryall.real /etc/libtryall.conf ;;
    esac
    exec env LD_PRELOAD="$4" TRYALL_LOG=trace TRYALL_LOG_FILE="$2/$3.log" "$5" bh6 8080'
  local how want
  for how in g+w nobody link; do
    case $how in
      g+w) want="writable by group or others" ;;
      nobody) want="not owned by root" ;;
      link) want="a symbolic link" ;;
    esac
    run_in_ns bh6 bash -c "$inner" x "$SYSETC" "$T" "$how" "$LIB" "$C/naive_gai"
    assert_status 0
    assert_within 1000    # the file's delay_ms = 1500 was not used
    grep -q "warning: /etc/libtryall.conf: $want; ignored" "$T/$how.log" ||
      { echo "$how:"; cat "$T/$how.log"; return 1; }
  done
}

@test "a set-uid program run by nobody (AT_SECURE) reads only the file, never TRYALL_* from its environment" {
  command -v setpriv >/dev/null || skip "setpriv not installed"
  # a directory of its own that nobody can reach (the test's own is 0700)
  W=$(mktemp -d /tmp/tryall-conf.XXXXXX)
  chmod 755 "$W"
  mkdir -m 1777 "$W/out"
  cp "$LIB" "$W/libtryall.so" && cp "$C/naive_gai" "$W/suid" && cp "$C/naive_gai" "$W/plain" &&
    cp "$C/sysprobe" "$W/probe"
  chmod 755 "$W/libtryall.so" "$W/plain"
  chmod 4755 "$W/suid" "$W/probe"
  : >"$W/out/file.log"          # a set-uid program only appends to a log file that exists
  local conf="delay_ms = 1500"$'\n'"log = trace"$'\n'"log_to = file:$W/out/file.log"$'\n'
  local inner='source "$1" && sysetc_start "$2" || exit 99
    printf "%s" "$3" | sysetc_conf && sysetc_preload "$4/libtryall.so" || exit 99
    exec setpriv --reuid=65534 --regid=65534 --clear-groups env TRYALL_DELAY_MS=10 \
      TRYALL_LOG_FILE="$4/out/env.log" TRYALL_LOG_TO= "$5" "${@:6}"'

  run_in_ns bh6 bash -c "$inner" x "$SYSETC" "$T" "$conf" "$W" "$W/probe" -i "$W/out/probe" bh6 8080
  cat "$W/out/probe"
  grep -q "^secure 1 uid 65534 euid 0 tryall-env 3$" "$W/out/probe"   # AT_SECURE was real

  run_in_ns bh6 bash -c "$inner" x "$SYSETC" "$T" "$conf" "$W" "$W/suid" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  [ "$elapsed_ms" -ge 1400 ] || { echo "the file's delay_ms = 1500 was not used ($elapsed_ms ms)"; return 1; }
  [ ! -e "$W/out/env.log" ] || { echo "TRYALL_LOG_FILE from the environment was used"; return 1; }
  grep -q "attempt 2 won" "$W/out/file.log"

  # a log file that does not exist is not created by a set-uid program
  local missing="delay_ms = 1500"$'\n'"log = trace"$'\n'"log_to = file:$W/out/missing.log"$'\n'
  run_in_ns bh6 bash -c "$inner" x "$SYSETC" "$T" "$missing" "$W" "$W/suid" bh6 8080
  assert_status 0
  [ ! -e "$W/out/missing.log" ] || { echo "a set-uid program created its log file"; return 1; }

  # the control: the same program without the set-uid bit uses the environment
  run_in_ns bh6 bash -c "$inner" x "$SYSETC" "$T" "$conf" "$W" "$W/plain" bh6 8080
  assert_status 0
  assert_within 1000
  grep -q "attempt 2 won" "$W/out/env.log"
}

@test "the example config file and the man page's example parse without a warning" {
  local example=$BATS_TEST_DIRNAME/../docs/libtryall.conf.example
  local page=$BATS_TEST_DIRNAME/../man/libtryall.conf.5
  # the example with every setting uncommented, and the man page's EXAMPLES block
  sed -E 's/^# ([a-z_]+ = [^ ]+).*/\1/; s/^# (\[program .*\]|off)$/\1/' "$example" >"$T/uncommented"
  grep -c ' = ' "$T/uncommented" | grep -qv '^0$'
  sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' "$page" | sed '1,2d;$d' >"$T/from-page"
  grep -q '^\[program sshd\]$' "$T/from-page"
  local f
  for f in "$example" "$T/uncommented" "$T/from-page"; do
    rm -f "$T/log"
    run_conf refused6 "$(cat "$f")" env LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_LOG_TO="file:$T/log" \
      "$C/naive_gai" refused6 8080
    assert_status 0
    grep -q failed "$T/log"    # something was logged: warnings would have come first
    ! grep warning "$T/log" || { echo "in $f"; return 1; }
  done
}

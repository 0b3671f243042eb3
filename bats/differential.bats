#!/usr/bin/env bats
# bats/differential.bats - owns the issue-5 differential bad-input suite:
# build/clients/diff_inputs (tests/clients/diff_inputs.c) calls every
# interposed function with bad and edge arguments and prints one
# deterministic line per call; its output must be byte-identical without
# libtryall, with it, with it logging (TRYALL_LOG=trace to a file) and with
# it disabled (TRYALL_DISABLE=1). README's first rule: a program that works
# without libtryall behaves identically with it.
#
# Test 1 runs on the host's loopback only (no root needed). Tests 2 and 3
# run in private namespaces (lib/netns.bash, root only) where a name has
# several addresses, so libtryall remembers it and every connect-related
# bad call on those addresses goes through its racing code.
#
# Builds nothing: run `make && make clients` first (`make check` does).

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  BIN=$ROOT/build/clients/diff_inputs
  LIB=$ROOT/build/libtryall.so
  if [ ! -x "$BIN" ] || [ ! -e "$LIB" ]; then
    echo "missing $BIN or $LIB: run 'make && make clients' first" >&2
    return 1
  fi
  NS_TIMEOUT=60   # the program takes a few seconds; lib/netns's default is 5
}

# run_clean OUT [VAR=VALUE...] -- ARG...: the program with LD_PRELOAD and
# every TRYALL_* variable removed, plus the assignments given; stdout and
# stderr to OUT. Sets rc.
run_clean() {
  local out=$1 v
  shift
  local envs=(-u LD_PRELOAD)
  for v in $(compgen -v TRYALL_); do envs+=(-u "$v"); done
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  rc=0
  env "${envs[@]}" timeout -k 5 120 "$BIN" "$@" >"$out" 2>&1 </dev/null || rc=$?
}

# The reference run must be complete: a crash or hang would otherwise compare
# equal to the same crash under libtryall.
check_reference() {   # FILE STATUS
  if [ "$2" -ne 0 ] || [ "$(tail -n 2 "$1" | head -n 1)" != "== end" ]; then
    echo "the run without libtryall did not complete (status $2):" >&2
    tail -n 20 "$1" >&2
    return 1
  fi
}

# same REF REF_STATUS OTHER OTHER_STATUS LABEL: identical output and status,
# else the unified diff (libc first). Returns 1 on a difference.
same() {
  local bad=0
  if [ "$2" != "$4" ]; then
    echo "== $5: exit status $4, without libtryall $2" >&2
    bad=1
  fi
  if ! cmp -s "$1" "$3"; then
    echo "== $5: output differs from the run without libtryall:" >&2
    diff -u --label "without libtryall" --label "$5" "$1" "$3" >&2 || true
    bad=1
  fi
  return $bad
}

@test "bad and edge inputs on loopback: identical output without libtryall, with it, logging, disabled" {
  local T=$BATS_TEST_TMPDIR r_libc r_shim r_trace r_off fail=0
  run_clean "$T/libc.out" -- ; r_libc=$rc
  check_reference "$T/libc.out" "$r_libc"
  run_clean "$T/shim.out" LD_PRELOAD="$LIB" -- ; r_shim=$rc
  run_clean "$T/trace.out" LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_LOG_FILE="$T/log" -- ; r_trace=$rc
  run_clean "$T/off.out" LD_PRELOAD="$LIB" TRYALL_DISABLE=1 -- ; r_off=$rc

  same "$T/libc.out" "$r_libc" "$T/shim.out" "$r_shim" "with libtryall" || fail=1
  same "$T/libc.out" "$r_libc" "$T/trace.out" "$r_trace" "with libtryall, TRYALL_LOG=trace" || fail=1
  same "$T/libc.out" "$r_libc" "$T/off.out" "$r_off" "with libtryall, TRYALL_DISABLE=1" || fail=1
  [ "$fail" -eq 0 ]
}

# ns_variants SCENARIO: the program with -H SCENARIO 8080 in four fresh
# namespaces (without, with, logging, disabled) and the comparisons.
ns_variants() {
  local scen=$1 T=$BATS_TEST_TMPDIR fail=0 name st_libc
  local args=("$BIN" -H "$scen" "$NS_PORT")
  # run_in_ns sets output (trailing newline stripped: printf puts one back)
  # and status; what it prints itself is for failures of its own.
  run_in_ns "$scen" "${args[@]}" >/dev/null
  printf '%s\n' "$output" >"$T/$scen.libc.out"
  st_libc=$status
  check_reference "$T/$scen.libc.out" "$st_libc"
  for name in shim trace off; do
    case $name in
      shim) run_in_ns "$scen" env LD_PRELOAD="$LIB" "${args[@]}" >/dev/null ;;
      trace) run_in_ns "$scen" env LD_PRELOAD="$LIB" TRYALL_LOG=trace \
               TRYALL_LOG_FILE="$T/$scen.log" "${args[@]}" >/dev/null ;;
      off) run_in_ns "$scen" env LD_PRELOAD="$LIB" TRYALL_DISABLE=1 "${args[@]}" >/dev/null ;;
    esac
    printf '%s\n' "$output" >"$T/$scen.$name.out"
    same "$T/$scen.libc.out" "$st_libc" "$T/$scen.$name.out" "$status" "[$scen] $name" || fail=1
  done
  [ "$fail" -eq 0 ]
}

@test "bad connect inputs on a remembered two-address name (refused6: refused v6, good v4): identical to libc" {
  ns_require
  ns_variants refused6
}

@test "bad connect inputs on a remembered name whose every address refuses (allrefused): identical to libc" {
  ns_require
  ns_variants allrefused
}

#!/usr/bin/env bats
# bats/scale.bats - owns the scale and exhaustion scenarios: thousands of
# non-blocking connects in one epoll loop near RLIMIT_NOFILE
# (tests/clients/scale.c), in private network namespaces (lib/netns.bash).
# Proves: no hang when descriptors run out (every connect ends, connected or
# with the error libc gives), and the app's own open() keeps the documented
# margin (docs/behaviour.md "Descriptors": 1/16 of the limit, 16..1024)
# while socket() and accept() get a hidden attempt's descriptor when they
# need it. Timings are generous bounds only (figures: make bench).
# Needs root (skips otherwise); `make check-bats` builds first.

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths scale
  export NS_TIMEOUT=60
  SHIM=(env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=400)
}

# The margin hidden attempts leave below a limit (src/core/budget.c).
margin() {
  local m=$(($1 / 16))
  [ $m -ge 16 ] || m=16
  [ $m -le 1024 ] || m=1024
  echo $m
}

connects_line() {   # the "connects ..." line without its time
  sed -n 's/^\(connects .*\) ms [0-9]*$/\1/p' <<<"$output"
}

@test "2,000 races of two black holes then a good address, RLIMIT_NOFILE 3,000: all connect; open() keeps the margin, socket()/accept() get more" {
  # Without libtryall nothing connects (the first address is a black hole).
  run_in_ns bh2 "$C/scale" -n 2000 -l 3000 -c 1000 bh2 8080
  assert_status 1
  [ "$(connects_line)" = "connects 2000 connected 0 failed 0 errors -" ]
  # With it: after the delay the hidden attempts (two per race would be
  # 4,000 descriptors) meet the wall; 450 ms after the last connect, with the
  # wall reached and no race won yet, the app opens descriptors.
  local m
  m=$(margin 3000)
  run_in_ns bh2 "${SHIM[@]}" "$C/scale" -n 2000 -l 3000 -p 450 -m $m bh2 8080
  assert_status 0
  # open() gets exactly the margin (the wall was reached: not one more) ...
  assert_has "probe open $m of $((m + 1)) then EMFILE;"
  # ... and socket() and accept() beyond it, a hidden attempt giving way.
  assert_has "; socket 30 of 30 then none; accept 30 of 30 then none"
  [ "$(connects_line)" = "connects 2000 connected 2000 failed 0 errors -" ]
  assert_within 30000
}

@test "no descriptor left for any hidden attempt: every connect ends as libc's own (ETIMEDOUT, ECONNREFUSED), in about libc's time" {
  # 2,000 sockets at RLIMIT_NOFILE 2,040: the free numbers are all in the
  # margin. TCP_SYNCNT 1: a black hole times out after about 3 s.
  run_in_ns bh2 "$C/scale" -n 2000 -l 2040 -s 1 bh2 8080
  assert_status 0
  local plain plain_ms
  plain=$(connects_line)
  plain_ms=$elapsed_ms
  [ "$plain" = "connects 2000 connected 0 failed 2000 errors ETIMEDOUT:2000" ]
  run_in_ns bh2 "${SHIM[@]}" "$C/scale" -n 2000 -l 2040 -s 1 bh2 8080
  assert_status 0
  [ "$(connects_line)" = "$plain" ] || { echo "plain <$plain> shim <$(connects_line)>"; return 1; }
  [ "$elapsed_ms" -lt $((plain_ms + 3000)) ] || { echo "plain $plain_ms ms, shim $elapsed_ms ms"; return 1; }

  # The first address refuses: libc fails each at once. libtryall connects
  # those it finds a descriptor for (their winners free one as they go) and
  # ends every other with the same ECONNREFUSED, never EMFILE, and the app's
  # own 2,000 socket() calls all work.
  run_in_ns refused6 "$C/scale" -n 2000 -l 2040 refused6 8080
  assert_status 0
  [ "$(connects_line)" = "connects 2000 connected 0 failed 2000 errors ECONNREFUSED:2000" ]
  run_in_ns refused6 "${SHIM[@]}" "$C/scale" -n 2000 -l 2040 refused6 8080
  assert_status 0
  [[ $(connects_line) =~ ^connects\ 2000\ connected\ ([0-9]+)\ failed\ ([0-9]+)\ errors\ (.*)$ ]]
  local ok=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]} errs=${BASH_REMATCH[3]}
  [ $((ok + failed)) -eq 2000 ]
  [ "$failed" -eq 0 ] || [ "$errs" = "ECONNREFUSED:$failed" ] || { echo "errors: $errs"; return 1; }
  assert_within 15000
}

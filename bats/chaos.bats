#!/usr/bin/env bats
# bats/chaos.bats - owns the chaos scenario (docs/reliability.md "Chaos"):
# threads race connects over a network that loses, duplicates, delays,
# reorders and resets packets and answers with ICMP unreachable
# (bats/lib/chaos.bash: two namespaces of the test's own, a TUN relay,
# nftables), with names answered by DNS whose AAAA answers come late (so
# addresses join running races), while the program is stopped and
# continued and partner threads close, dup2 over and dup the racing
# descriptors (tests/clients/chaos.c).
# Asserted: every connect ended with a success or a network's error, none
# hung; no descriptor leaked (counted by the program and from outside in
# /proc/PID/fd); the app never saw a hidden descriptor (epoll data, the
# numbers it got, a bystander socket per connect); and the chaos really
# happened (the rules' counters, the relay's reordering, the stops, hidden
# winners and joins in the log). About half a minute; root (skips otherwise).
#
# Knobs for hunting by hand (CI uses the defaults): CHAOS_SECONDS (20) of
# new connects, CHAOS_THREADS (8), CHAOS_LOSS and CHAOS_DUP (5 %, see
# bats/lib/chaos.bash), CHAOS_SHIM (the library, build/libtryall.so),
# CHAOS_PRELOAD (put before it in LD_PRELOAD: ASan's runtime) and
# CHAOS_CLIENTS (where the chaos client is: a TSan build of its own).

load lib/netns
load lib/dns
load lib/chaos

setup_file() {
  ns_setup_file
}

setup() {
  chaos_build_paths
  export CHAOS_TIMEOUT=${CHAOS_TIMEOUT:-$((${CHAOS_SECONDS:-20} + 70))}
  export CHAOS_LOG=$BATS_TEST_TMPDIR/tryall.log
  LIB=${CHAOS_SHIM:-$LIB}
  PRE="${CHAOS_PRELOAD:+$CHAOS_PRELOAD }$LIB"
}

# name -> its addresses (bats/lib/chaos.bash says what answers where): every
# kind of trouble, and no address in two names (the book races the newest
# list that holds the app's target: a shared address could race another
# name's addresses, and the client checks that its peer is of its name).
declare -gA CHAOS_NAMES=(
  [good.chaos]="10.77.0.2 fd00:c4a0::2"
  [mixed.chaos]="10.77.0.21 10.77.0.12 10.77.0.3 fd00:c4a0::12 fd00:c4a0::10 fd00:c4a0::3"
  [reset.chaos]="10.77.0.11 10.77.0.10 fd00:c4a0::11 fd00:c4a0::20"
  [dead.chaos]="10.77.0.14 10.77.0.22 fd00:c4a0::22 fd00:c4a0::14"
  # 36 addresses nowhere, two of them twice (the answer is cut to TCP; the
  # book keeps 32), a listener last of each family
  [wide.chaos]="$(printf '10.77.5.%d ' $(seq 1 36) 1 2) 10.77.0.4 fd00:c4a0::4"
  # one family only: asked for IPv6 there is no answer at all (0 addresses)
  [v4only.chaos]="10.77.0.15 10.77.0.5"
)

# The zone for dnsd and the client's NAME=ADDR,... arguments.
chaos_names() {   # ZONEFILE -> sets ARGS
  local n a recs=()
  ARGS=()
  for n in "${!CHAOS_NAMES[@]}"; do
    for a in ${CHAOS_NAMES[$n]}; do
      [[ $a == *:* ]] && recs+=("$n AAAA $a") || recs+=("$n A $a")
    done
    a=${CHAOS_NAMES[$n]}
    ARGS+=("$n=${a// /,}")
  done
  dns_zone "$1" "${recs[@]}"
}

count_of() {   # WORD: the number after WORD in the output's lines
  sed -n "s/.*\\b$1 \\([0-9][0-9]*\\).*/\\1/p" <<<"$output" | head -n 1
}

@test "chaos: every connect ends, nothing leaks, no hidden descriptor is seen, under loss, duplication, delay, reordering, resets, unreachables, SIGSTOP/SIGCONT and descriptors closed under the race" {
  chaos_names "$BATS_TEST_TMPDIR/zone"
  run_in_chaos "$BATS_TEST_TMPDIR/zone" -- env LD_PRELOAD="$PRE" TRYALL_DELAY_MS=50 \
    TRYALL_LOG=fail TRYALL_LOG_FILE="$CHAOS_LOG" "$CHAOS_CLIENT" run -t "${CHAOS_THREADS:-8}" \
    -D "${CHAOS_SECONDS:-20}" -w 30 -W "${ARGS[@]}"
  assert_status 0
  assert_line "chaos ok"
  # every connect ended; all kinds of ending happened
  local started ended
  started=$(count_of started) ended=$(count_of ended)
  [ -n "$started" ] && [ "$started" = "$ended" ]
  [ "$(count_of ok)" -ge 20 ]
  [ "$(count_of error)" -ge 5 ]
  [ "$(count_of sabotaged)" -ge 5 ]
  [ "$(count_of noanswer)" -ge 1 ]
  # no descriptor leaked: the program's own count, and from outside
  [[ $output =~ fds\ start\ ([0-9]+)\ end\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
  [ "$chaos_fds" = "${BASH_REMATCH[1]}" ]
  # the program was stopped and continued, often
  [ "$chaos_stops" -ge 10 ]
  [ "$(count_of continued)" -ge 10 ]
  # the network really was hostile
  [[ $relay_log =~ a-\>b\ ([0-9]+)\ b-\>a\ ([0-9]+)\ reordered\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" -gt 500 ] && [ "${BASH_REMATCH[2]}" -gt 500 ] && [ "${BASH_REMATCH[3]}" -gt 0 ]
  local rule
  for rule in loss-in loss-out dup4 dup6 blackhole4 blackhole6 rst-syn icmp-syn rst-ack; do
    [ "$(chaos_counter $rule)" -gt 0 ] || { echo "rule $rule never matched" >&2; return 1; }
  done
  # and the races with it: hidden winners, late addresses joining
  [ "$(grep -c ' attempt [1-9][0-9]* won ' "$CHAOS_LOG")" -ge 10 ]
  [ "$(grep -c 'joined the race' "$CHAOS_LOG")" -ge 3 ]
}

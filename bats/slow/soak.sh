#!/usr/bin/env bash
# bats/slow/soak.sh - owns `make soak DURATION=N` (not in CI): the hardening
# stress (tests/clients/stress -D N) for N seconds in a private network
# namespace (../lib/netns.bash, scenario refused6) with libtryall preloaded,
# then the figures: operations, RSS at start and end, descriptor count,
# wakeups/s under load (voluntary context switches, getrusage) and of one
# race pending in poll(). Fails on any failed operation, a changed descriptor
# count or a watchdog hit. Needs root; `make all clients` first.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
DURATION=${DURATION:-60}
THREADS=${THREADS:-64}
case $DURATION in ''|*[!0-9]*) echo "soak: DURATION must be whole seconds" >&2; exit 2 ;; esac
source bats/lib/netns.bash
why=$(ns_probe)
[ -z "$why" ] || { echo "soak: cannot run: $why" >&2; exit 2; }
[ -x build/clients/stress ] && [ -e build/libtryall.so ] || {
  echo "soak: build/clients/stress or build/libtryall.so missing: make all clients" >&2; exit 2; }
export NS_TIMEOUT=$((DURATION + 180))
echo "soak: $THREADS threads for $DURATION s (scenario refused6, TRYALL_DELAY_MS=10)"
run_in_ns refused6 env LD_PRELOAD="$PWD/build/libtryall.so" TRYALL_DELAY_MS=10 \
  build/clients/stress -t "$THREADS" -D "$DURATION" -f 10000 -i 5000 -w 60 >/dev/null || exit 1
printf '%s\n' "$output"
echo "soak: exit status $status after $elapsed_ms ms"
exit "$status"

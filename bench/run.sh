#!/usr/bin/env bash
# bench/run.sh - `make bench`: builds the benchmark programs of bench/ into
# build/bench/, measures libtryall against plain libc (same programs, same
# run, alternating plain / shim runs, medians), stores every raw figure in
# build/bench/results.raw and prints the tables (bench/report.py) - also kept
# in build/bench/report.txt. A benchmark, not a test: it asserts nothing about
# speed; the target lines say "met" or "MISSED" and the exit status is 0
# whenever the measurements themselves ran.
#
#   1. hot path (no root needed): poll / ppoll / select / epoll_wait on 8
#      descriptors, connect+accept+close to 127.0.0.1, numeric getaddrinfo;
#   2. RSS of an idle process (no root needed);
#   3. as root, in private network namespaces (bats/lib/netns.bash builds
#      them; bench/ns_inner.sh runs inside): time to connect in the scenarios
#      of the test suite (naive clients with / without the shim, curl, node,
#      python3 asyncio), 1000 connects at once, wait-call cost vs racing and
#      idle descriptors, RSS with a full address book; 1,000 / 5,000 /
#      10,000 races at once against a greeting server (part 8).
#
# SAFETY: part 1 talks to 127.0.0.1 only (its own listener); part 3 runs only
# inside namespaces created here, which have nothing but lo. Every client run
# is bounded by its own cap and by timeout(1).
#
# Knobs (environment): BENCH_HOT_ROUNDS (default 9), BENCH_NS_ROUNDS (5),
# BENCH_CPU (the CPU the hot-path runs are pinned to; default: the last one),
# CC, CFLAGS.
set -u
export LC_ALL=C
export PATH=$PATH:/usr/sbin:/sbin

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build/bench
LIB=$ROOT/build/libtryall.so
HOT_ROUNDS=${BENCH_HOT_ROUNDS:-9}
NS_ROUNDS=${BENCH_NS_ROUNDS:-5}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2 -g}
START=$SECONDS

[ -e "$LIB" ] || { echo "bench: $LIB missing: run make first" >&2; exit 2; }
mkdir -p "$B"
for p in hot tconn listen storm waitcost rss; do
  if [ ! -x "$B/$p" ] || [ "$ROOT/bench/$p.c" -nt "$B/$p" ] || [ "$ROOT/bench/bench.h" -nt "$B/$p" ]; then
    echo "cc bench/$p.c"
    $CC -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $CFLAGS -o "$B/$p" "$ROOT/bench/$p.c" || exit 2
  fi
done

# The whole run uses one copy of the library: a rebuild in the tree while the
# benchmark runs cannot mix two versions into one table.
cp "$LIB" "$B/libtryall.so" || exit 2
LIB=$B/libtryall.so

RAW=$B/results.raw
: >"$RAW"
meta() { echo "meta $*" >>"$RAW"; }
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
if command -v git >/dev/null && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  meta tree "$(git -C "$ROOT" log -1 --format='%h %s' | cut -c1-72)"
  meta tree_dirty "$(git -C "$ROOT" status --porcelain -- src | awk '{ printf "%s%s", sep, $2; sep=" " }')"
fi
meta lib "$(sha256sum "$LIB" | cut -c1-16) $(stat -c %s "$LIB") bytes"
meta kernel "$(uname -r)"
meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
meta libc "$(ldd --version 2>&1 | head -n 1)"
meta delay 250
meta hot_rounds "$HOT_ROUNDS"
meta ns_rounds "$NS_ROUNDS"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"

# Same-length variable in the plain runs: both get the same environment size
# (which moves the stack, and can move timings by a percent or two).
PLAIN=(env XX_PRELOAD="$LIB")
SHIM=(env LD_PRELOAD="$LIB")

PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN=(taskset -c "${BENCH_CPU:-$(($(nproc) - 1))}")
fi
meta pinned "${PIN[*]:-no}"

# ---- 1. hot path --------------------------------------------------------------
echo "hot path: $HOT_ROUNDS alternating plain/shim rounds per call ..."
declare -A CALLS=([poll]=10000 [ppoll]=10000 [select]=10000 [epoll]=10000 [connect]=300 [gai]=50000)
for op in poll ppoll select epoll connect gai; do
  meta hot_calls "$op ${CALLS[$op]} x 15 batches"
  for ((r = 1; r <= HOT_ROUNDS; r++)); do
    if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
    for v in $order; do
      if [ $v = shim ]; then pre=("${SHIM[@]}"); else pre=("${PLAIN[@]}"); fi
      line=$(timeout 60 "${pre[@]}" "${PIN[@]}" "$B/hot" "$op" "${CALLS[$op]}" 15)
      echo "hot $op $v $r ${line#"$op "}" >>"$RAW"
    done
  done
done

# ---- 2. idle RSS ----------------------------------------------------------------
# VmRSS moves by +-100 kB from run to run (address-space layout): many runs.
for ((r = 1; r <= 15; r++)); do
  if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
  for v in $order; do
    if [ $v = shim ]; then pre=("${SHIM[@]}"); else pre=("${PLAIN[@]}"); fi
    echo "rssidle $v $r $("${pre[@]}" "$B/rss" | xargs)" >>"$RAW"
  done
done

# ---- 3. namespaces --------------------------------------------------------------
# run_in_ns from the test suite's bed: private netns + mount ns + pid ns, the
# scenario names in a private /etc/hosts, the precondition (the resolver gives
# the bad address first) checked before anything runs.
source "$ROOT/bats/lib/netns.bash"
why=$(ns_probe)
if [ -n "$why" ]; then
  echo "namespace parts skipped: $why"
  meta ns_skipped "$why"
else
  export NS_TIMEOUT=200
  [ ${#PIN[@]} -gt 0 ] && export BENCH_PIN_CPU=${PIN[2]}
  export TMPDIR=${TMPDIR:-/tmp}
  for gai in v6first v4first; do
    # The scenario whose precondition run_in_ns checks: bh6 sets up the IPv6-
    # first resolver order, bh4 the IPv4-first one.
    scen=bh6
    [ $gai = v4first ] && scen=bh4
    echo "namespace ($gai): time to connect$([ $gai = v6first ] && echo ', scale, memory') ..."
    nsout=$(mktemp)
    if ! run_in_ns $scen bash "$ROOT/bench/ns_inner.sh" $gai "$nsout" "$B" "$LIB" "$NS_ROUNDS" >/dev/null 2>"$nsout.err"; then
      echo "namespace ($gai) failed:"; cat "$nsout.err"
      meta ns_failed "$gai"
    fi
    [ "${status:-0}" = 0 ] || meta ns_status "$gai $status (124: hit NS_TIMEOUT)"
    cat "$nsout" >>"$RAW"
    rm -f "$nsout" "$nsout.err"
  done
  for s in "${!NS_SCEN[@]}"; do
    read -r -a spec <<<"${NS_SCEN[$s]}"
    meta scen "$s ${spec[*]:2}"
  done

  # ---- 4. resolution (a real DNS server in the namespace) ----
  if [ -x "$ROOT/build/tools/dnsd" ] && [ -x "$ROOT/build/clients/res_client" ]; then
    source "$ROOT/bats/lib/dns.bash"
    export DNSD=$ROOT/build/tools/dnsd
    zone=$(mktemp)
    printf '%s\n' "bench.test A 127.0.0.2" "bench.test AAAA fd00:7e57::2" \
      "dead4.test A 127.0.0.20" "dead4.test AAAA fd00:7e57::2" >"$zone"
    for kind in dropaaaa dead4; do
      echo "resolution ($kind) ..."
      flags=()
      [ $kind = dropaaaa ] && flags=(--drop-aaaa)
      nsout=$(mktemp)
      DNS_TIMEOUT=120 run_in_ns_dns plain "$zone" "${flags[@]}" -- \
        bash "$ROOT/bench/dns_inner.sh" $kind "$nsout" "$ROOT/build/clients" "$LIB" "$NS_ROUNDS" \
        >/dev/null 2>&1 || meta ns_failed "resolution $kind"
      cat "$nsout" >>"$RAW"
      rm -f "$nsout"
    done
    rm -f "$zone"
  else
    meta ns_skipped "resolution: build/tools/dnsd or build/clients/res_client missing (make tools clients)"
  fi

  # ---- 7. NAT64 (TAYGA in a namespace of its own) ----
  if command -v tayga >/dev/null && [ -x "$ROOT/build/clients/res_client" ]; then
    source "$ROOT/bats/lib/nat64.bash"
    echo "NAT64 ..."
    nsout=$(mktemp)
    NAT64_TIMEOUT=120 run_in_nat64 bash "$ROOT/bench/nat64_inner.sh" "$nsout" "$ROOT/build/clients" \
      "$LIB" "$NS_ROUNDS" >/dev/null 2>&1 || meta ns_failed "nat64"
    cat "$nsout" >>"$RAW"
    rm -f "$nsout"
  else
    meta ns_skipped "nat64: tayga or build/clients/res_client missing"
  fi
fi
meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
meta seconds $((SECONDS - START))

echo
if command -v python3 >/dev/null; then
  python3 "$ROOT/bench/report.py" "$RAW" | tee "$B/report.txt"
else
  echo "python3 not found: raw figures in $RAW"
  cat "$RAW"
fi
echo
echo "make bench: $((SECONDS - START)) s; raw figures in build/bench/results.raw, tables in build/bench/report.txt"

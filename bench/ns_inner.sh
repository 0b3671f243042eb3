#!/usr/bin/env bash
# bench/ns_inner.sh - the part of `make bench` that runs INSIDE a private
# network + mount + pid namespace built by run_in_ns (bats/lib/netns.bash):
# only lo exists there, the good / refused / black-holed addresses of
# netns.bash's address plan live on it, /etc/hosts is private, and a listener
# answers on port 8080 of the good addresses. Nothing here can reach any
# other network: every address below is one of that namespace's own.
#
# usage: ns_inner.sh GAI OUTFILE BENCHDIR LIB ROUNDS   (GAI: v6first|v4first)
# Appends raw result lines to OUTFILE; bench/run.sh turns them into tables.
#   conn GAI CLIENT SCEN VARIANT LINE  time to connect (LINE as tconn prints)
#   hotr OP VARIANT ROUND MEDIAN MIN   hot path while another descriptor races
#   storm VARIANT SCEN LINE            1000 connects at once (as storm prints)
#   scale VARIANT SCEN N LINE          N races at once, greeting server, RLIMIT_NOFILE 20,000
#   wait VARIANT LINE                  wait-call cost (as waitcost prints)
#   rss VARIANT idle_kb N idle_lib_kb L full_kb N full_lib_kb L addrs A
# Every client run is bounded (its own cap, and `timeout` around it).

set -u
gai=$1 out=$2 bin=$3 lib=$4 rounds=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=8080
sport=9000   # the scale listener
delay=250

# The scale tests need ~5000 descriptors: raise the limit as far as allowed
# (each program checks that it has what it needs).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # skip version-manager shims
NODE_JS=$(cat "$here/ref_node.js")
have_node=0
if command -v node >/dev/null; then
  v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
  [ "${v:-0}" -ge 20 ] 2>/dev/null && have_node=1
fi
have_curl=0
command -v curl >/dev/null && have_curl=1

# Same-length variables in the plain runs, so both get the same environment size.
plain=(env XX_PRELOAD="$lib" XXXXXX_DELAY_MS="$delay" XXXXXX_HISTORY=off)
shim=(env LD_PRELOAD="$lib" TRYALL_DELAY_MS="$delay" TRYALL_HISTORY=off)

emit() { echo "$*" >>"$out"; }

# One run of a naive C client (tconn).
run_c() {   # MODE SCEN VARIANT CAP_MS
  local mode=$1 scen=$2 var=$3 cap=$4 pre line
  if [ "$var" = shim ]; then pre=("${shim[@]}"); else pre=("${plain[@]}"); fi
  line=$(timeout -k 1 $((cap / 1000 + 3)) "${pre[@]}" "$bin/tconn" -m "$mode" -c "$cap" "$scen" $port 2>&1 | tail -n 1)
  emit "conn $gai $mode $scen $var ${line:-error no output}"
}

run_ref() {   # CLIENT SCEN CAP_MS: one run of a reference client
  local cl=$1 scen=$2 cap=$3 line
  case $cl in
  curl)
    local r rc
    r=$(timeout -k 1 $((cap / 1000 + 3)) curl -s --noproxy '*' -o /dev/null --max-time "$(awk -v c="$cap" 'BEGIN { printf "%.3f", c / 1000 }')" \
        -w '%{time_connect} %{remote_ip}' "http://$scen:$port/" 2>/dev/null)
    rc=$?
    local tc=${r%% *} ip=${r#* }
    if [ $rc -eq 0 ]; then
      line="ok $(awk -v t="$tc" 'BEGIN { printf "%d", t * 1e6 }') first - peer $ip"
    elif [ $rc -eq 28 ] || [ $rc -eq 124 ]; then
      line="timeout $((cap * 1000)) first -"
    else
      line="fail 0 first - curl-exit-$rc"
    fi ;;
  node)
    line=$(timeout -k 1 $((cap / 1000 + 3)) node -e "$NODE_JS" "$scen" $port "$cap" 2>&1 | tail -n 1) ;;
  asyncio)
    line=$(timeout -k 1 $((cap / 1000 + 3)) "$PY" "$here/ref_asyncio.py" "$scen" $port "$cap" 2>&1 | tail -n 1) ;;
  esac
  emit "conn $gai $cl $scen plain ${line:-error no output}"
}

if [ "$gai" = v6first ]; then
  scens="single refused6 bh6 bh2"
else
  scens="single refused4 bh4"
fi

# ---- time to connect: naive C clients, with and without the shim ----------
# Without the shim a black-holed first address hangs (the kernel would retry
# its SYN for about two minutes): one run, cut at 1 s, shows it.
for s in $scens; do
  case $s in bh*) for m in block epoll; do run_c $m "$s" plain 1000; done ;; esac
done
for ((r = 1; r <= rounds; r++)); do
  for s in $scens; do
    for m in block epoll; do
      if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
      for v in $order; do
        case $s/$v in bh*/plain) continue ;; esac
        run_c $m "$s" $v 3000
      done
    done
  done
done

# ---- memory across runs: the second run of the same client, one history file
# (issue 13): the first run learns the dead addresses, the second is timed.
run_h() {   # MODE SCEN
  local mode=$1 scen=$2 hf line k
  hf=$(mktemp -u "${TMPDIR:-/tmp}/tryall-bench-hist.XXXXXX")
  for k in 1 2; do
    line=$(timeout -k 1 6 env LD_PRELOAD="$lib" TRYALL_DELAY_MS="$delay" TRYALL_HISTORY="$hf" \
           "$bin/tconn" -m "$mode" -c 3000 "$scen" $port 2>&1 | tail -n 1)
  done
  emit "conn $gai $mode $scen hist2 ${line:-error no output}"
  rm -f "$hf"
}
for ((r = 1; r <= rounds; r++)); do
  for s in $scens; do
    case $s in single|refused*|bh*) for m in block epoll; do run_h $m "$s"; done ;; esac
  done
done

# ---- time to connect: clients that race by themselves (reference) --------
refs=(asyncio)
[ $have_node = 1 ] && refs+=(node)
[ $have_curl = 1 ] && refs+=(curl)
declare -A hung=()
for ((r = 1; r <= rounds; r++)); do
  for s in $scens; do
    for cl in "${refs[@]}"; do
      [ -n "${hung[$cl/$s]:-}" ] && continue   # once timed out, once is enough
      run_ref "$cl" "$s" 2000
      tail -n 1 "$out" | grep -q '^conn [a-z0-9]* [a-z]* [a-z0-9]* plain timeout' && hung[$cl/$s]=1
    done
  done
done
[ $have_node = 1 ] || emit "note node >= 20 not found: no node reference row"
[ $have_curl = 1 ] || emit "note curl not found: no curl reference row"

[ "$gai" = v6first ] || exit 0

# ---- hot path while another descriptor of the process races -----------------
# hot -r: one non-blocking connect to allbh (every address black-holed) stays
# pending for the whole run - under the shim it races, so every call takes
# the "a race exists" path although the measured descriptors do not race.
pin=()
[ -n "${BENCH_PIN_CPU:-}" ] && command -v taskset >/dev/null && pin=(taskset -c "$BENCH_PIN_CPU")
declare -A calls=([poll]=10000 [ppoll]=10000 [select]=10000 [epoll]=10000 [connect]=300 [gai]=50000)
for op in poll ppoll select epoll connect gai; do
  for ((r = 1; r <= rounds; r++)); do
    if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
    for v in $order; do
      if [ $v = shim ]; then pre=("${shim[@]}"); else pre=("${plain[@]}"); fi
      line=$(timeout 60 "${pre[@]}" "${pin[@]}" "$bin/hot" -r allbh $port $op ${calls[$op]} 15 2>&1)
      emit "hotr $op $v $r ${line#"$op "}"
    done
  done
done

# ---- scale: 1000 connects at once in one epoll loop -------------------------
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
# This namespace's own accept and SYN queues as long as the longest storm
# (10,000): an overflow would show as a 1 s SYN retransmission, the
# listener's limit, not the client's.
sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 2>/dev/null ||
  emit "note could not raise this namespace's somaxconn / tcp_max_syn_backlog"
"$bin/listen" "$tmpd/ready" $sport 127.0.0.2 127.0.0.3 fd00:7e57::2 fd00:7e57::3 &
for ((i = 0; i < 250; i++)); do [ -e "$tmpd/ready" ] && break; sleep 0.02; done
[ -e "$tmpd/ready" ] || emit "note the scale listener did not start"
storm() {   # VARIANT SCEN CAP_MS
  local var=$1 scen=$2 cap=$3 pre line
  if [ "$var" = shim ]; then pre=("${shim[@]}"); else pre=("${plain[@]}"); fi
  line=$(timeout -k 1 $((cap / 1000 + 10)) "${pre[@]}" "$bin/storm" -n 1000 -e 256 -c "$cap" "$scen" $sport 2>&1 | tail -n 1)
  emit "storm $var $scen ${line:-error no output}"
}
storm plain bh6 1000   # shows the hang once: nothing connects
for ((r = 1; r <= rounds; r++)); do
  if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
  for v in $order; do storm $v single 5000; done
  storm shim bh6 5000
done

# ---- scale: 1,000 / 5,000 / 10,000 races at once (part 8) --------------------
# One epoll loop, RLIMIT_NOFILE 20,000, a C epoll server that greets each
# connection (bench/listen -g): a connect counts once its greeting was read.
# single: nothing broken (the ideal); bh6 ("dead6"): the first address is a
# black hole; bh2 ("multi4"): the first two are. At 10,000 multi4 needs
# 30,000 descriptors for two attempts per race on top of the app's own.
gport=9001
"$bin/listen" -g "$tmpd/ready8" $gport 127.0.0.2 127.0.0.3 fd00:7e57::2 fd00:7e57::3 &
for ((i = 0; i < 250; i++)); do [ -e "$tmpd/ready8" ] && break; sleep 0.02; done
[ -e "$tmpd/ready8" ] || emit "note the greeting listener did not start"
scale() {   # VARIANT SCEN N CAP_MS
  local var=$1 scen=$2 n=$3 cap=$4 pre line
  if [ "$var" = shim ]; then pre=("${shim[@]}"); else pre=("${plain[@]}"); fi
  line=$(timeout -k 1 $((cap / 1000 + 20)) "${pre[@]}" "$bin/storm" -g -n "$n" -e 256 -c "$cap" -l 20000 \
         "$scen" $gport 2>&1 | tail -n 1)
  emit "scale $var $scen $n ${line:-error no output}"
}
scale plain bh6 10000 2000   # shows the hang once: nothing connects
for ((r = 1; r <= rounds; r++)); do
  for n in 1000 5000 10000; do
    if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
    for v in $order; do
      if [ $v = plain ]; then scale plain single $n 8000; else scale shim bh6 $n 8000; scale shim bh2 $n 8000; fi
    done
  done
done

# ---- scale: cost of one wait call vs racing and idle descriptors ------------
# allbh: every address black-holed, so the races last the whole measurement;
# a 10 ms delay starts all four attempts of each race during the settle time.
for ((r = 1; r <= rounds; r++)); do
  for n in 0 10 100 1000; do
    if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
    for v in $order; do
      if [ $v = shim ]; then pre=(env LD_PRELOAD="$lib" TRYALL_DELAY_MS=10); else pre=("${plain[@]}"); fi
      timeout -k 1 60 "${pre[@]}" "$bin/waitcost" -r $n -i 0,10,100,1000 -s 150 allbh $sport 2>&1 |
        while read -r l; do emit "wait $v $l"; done
    done
  done
done

# ---- memory: RSS with a full address book -----------------------------------
# 128 names x 32 addresses (16 IPv4 from 198.18.0.0/15, the benchmarking
# range, 16 IPv6 from fd00:7e59::/64): only resolved, never connected to.
hosts=$tmpd/hosts
cat /etc/hosts >"$hosts"
for ((i = 0; i < 128; i++)); do
  for ((j = 0; j < 16; j++)); do
    printf '198.18.%d.%d full%03d\nfd00:7e59::%x:%x full%03d\n' $i $((j + 1)) $i $i $((j + 1)) $i
  done
done >>"$hosts"
mount --bind "$hosts" /etc/hosts
for ((r = 1; r <= 2 * rounds + 1; r++)); do
  if [ $((r % 2)) -eq 1 ]; then order="plain shim"; else order="shim plain"; fi
  for v in $order; do
    if [ $v = shim ]; then pre=("${shim[@]}"); else pre=("${plain[@]}"); fi
    emit "rss $v $(timeout -k 1 30 "${pre[@]}" "$bin/rss" full 128 | xargs)"
  done
done
exit 0

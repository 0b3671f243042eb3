#!/usr/bin/env bash
# bench/dns_inner.sh - the resolution part of `make bench` (issue 11), run
# INSIDE a namespace built by run_in_ns_dns (bats/lib/dns.bash): only lo
# exists there, dnsd answers the zone of bench/run.sh on 127.0.0.1:53 with
# the flags it was started with, and netns.bash's listener answers on port
# 8080 of the good addresses (127.0.0.20 and fd00:7e57::20 are black holes).
#
# usage: dns_inner.sh KIND OUTFILE CLIENTDIR LIB ROUNDS
#   KIND dropaaaa: getaddrinfo AF_UNSPEC of a name whose AAAA queries are
#        dropped, plain vs shim, next to the A lookup alone (ahostsv4) -
#        lines "res dropaaaa VARIANT MS" and "res a_alone plain MS";
#   KIND dead4: a one-family resolver (gethostbyname) for a name whose only
#        A address is black-holed and whose AAAA works: time to connect with
#        the shim, next to the AAAA lookup alone (the DNS round trip) -
#        lines "res dead4 shim MS" and "res aaaa_alone plain MS".
# Every run is bounded by timeout(1).
set -u
kind=$1 out=$2 bin=$3 lib=$4 rounds=$5
shim=(env LD_PRELOAD="$lib" TRYALL_DELAY_MS=250)
plain=(env XX_PRELOAD="$lib" XXXXXX_DELAY_MS=250)

emit() { echo "$*" >>"$out"; }
# the "resolve took N ms" / "elapsed N ms" figure of one res_client run
fig() {   # WHAT CMD...
  local what=$1; shift
  timeout -k 1 15 "$@" 2>/dev/null | sed -n "s/^$what \([0-9]*\) ms$/\1/p" | head -n 1
}

for ((r = 1; r <= rounds; r++)); do
  case $kind in
  dropaaaa)
    emit "res a_alone plain $(fig 'resolve took' "${plain[@]}" "$bin/res_client" -r gai4 bench.test 8080)"
    emit "res dropaaaa shim $(fig 'resolve took' "${shim[@]}" "$bin/res_client" -r gai bench.test 8080)"
    [ "$r" -le 2 ] && emit "res dropaaaa plain $(fig 'resolve took' "${plain[@]}" "$bin/res_client" -r gai bench.test 8080)"
    ;;
  dead4)
    emit "res aaaa_alone plain $(fig 'resolve took' "${plain[@]}" "$bin/res_client" -r gai6 dead4.test 8080)"
    emit "res dead4 shim $(fig elapsed "${shim[@]}" "$bin/res_client" -r ghbn dead4.test 8080)"
    ;;
  esac
done
exit 0

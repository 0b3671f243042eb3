#!/usr/bin/env bash
# bench/nat64_inner.sh - the NAT64 part of `make bench` (issue 12), run in
# the IPv6-only client namespace of bats/lib/nat64.bash (TAYGA in front of
# the IPv4 server 203.0.113.10:8080, prefix 2001:db8:64::/96). Each run is a
# new process, so the prefix discovery (ipv4only.arpa) is in every figure:
# "first run included".
#   res nat64 shim MS      connect to the IPv4 literal through libtryall
#   res direct6 plain MS   connect to its IPv6 form directly, no shim
# usage: nat64_inner.sh OUTFILE CLIENTDIR LIB ROUNDS
set -u
out=$1 bin=$2 lib=$3 rounds=$4
fig() { timeout -k 1 10 "$@" 2>/dev/null | sed -n 's/^elapsed \([0-9]*\) ms$/\1/p' | head -n 1; }
for ((r = 1; r <= rounds; r++)); do
  echo "res direct6 plain $(fig "$bin/res_client" -r gai 2001:db8:64::cb00:710a 8080)" >>"$out"
  echo "res nat64 shim $(fig env LD_PRELOAD="$lib" "$bin/res_client" -r gai 203.0.113.10 8080)" >>"$out"
done
exit 0

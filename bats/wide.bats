#!/usr/bin/env bats
# bats/wide.bats - owns the regressions for answers wider than the address
# book (found by the chaos scenario, bats/chaos.bats): a name with many
# addresses of one family and a working address of the other, asked the
# ways programs ask (SOCK_STREAM, every socktype, AF_INET hints then
# completed), must still race that other address. The book keeps 32
# addresses a list, each family at least min(its count, 16)
# (docs/behaviour.md). Real DNS (tests/tools/dnsd.c) in a namespace of the
# test's own on top of bats/lib/netns.bash's "refused4" scenario (IPv4
# sorted first; listener on fd00:7e57::2 port 8080; 127.0.0.20 a black
# hole); every other 127.0.x.N refuses at once (loopback, nothing
# listens). Root (skips otherwise).

load lib/netns
load lib/dns

setup_file() {
  ns_setup_file
}

setup() {
  dns_build_paths || return 1
  ns_build_paths res_client || return 1
  SHIM=(env LD_PRELOAD="$LIB" TRYALL_DELAY_MS=250)
  ZONE=$BATS_TEST_TMPDIR/zone
  local recs=() i
  for i in $(seq 1 12); do recs+=("wide12.test A 127.0.1.$i"); done
  for i in $(seq 1 40); do recs+=("wide40.test A 127.0.2.$i"); done
  # a black hole first: the race is still young when the completion comes
  # (32 instant refusals would use up all 32 attempts a race makes first)
  recs+=("slow40.test A 127.0.0.20")
  for i in $(seq 1 39); do recs+=("slow40.test A 127.0.3.$i"); done
  dns_zone "$ZONE" "${recs[@]}" "wide12.test AAAA fd00:7e57::2" "wide40.test AAAA fd00:7e57::2" \
    "slow40.test AAAA fd00:7e57::2"
}

rw() {
  run_in_ns_dns refused4 "$ZONE" "$@"
}

@test "every socktype (no hints, as netcat): 12 refused IPv4 addresses x 3 socktypes, the IPv6 one still races" {
  rw -- "${SHIM[@]}" "$C/res_client" -r gai-null wide12.test 8080
  assert_line "target 127.0.1.1"
  assert_status 0
  assert_connected fd00:7e57::2
  assert_within 2000
}

@test "a long answer, IPv4 first: 40 refused IPv4 addresses, the IPv6 one at its end still races" {
  rw -- "${SHIM[@]}" "$C/res_client" -r gai wide40.test 8080
  assert_line "target 127.0.2.1"
  assert_status 0
  assert_connected fd00:7e57::2
  assert_within 2000
}

@test "AF_INET hints, 40 IPv4 addresses: the completion's IPv6 address joins the full list and wins" {
  for w in block poll; do
    rw -- "${SHIM[@]}" "$C/res_client" -r gai4 -w "$w" slow40.test 8080
    assert_line "target 127.0.0.20"
    assert_status 0
    assert_connected fd00:7e57::2
    assert_within 2000
  done
}

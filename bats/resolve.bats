#!/usr/bin/env bats
# bats/resolve.bats - owns the issue-11 scenarios: every resolver path and
# hint a legacy program uses, against a real DNS server (tests/tools/dnsd.c,
# separate A and AAAA answers) in a namespace of the test's own
# (bats/lib/dns.bash on top of bats/lib/netns.bash: its listener on
# 127.0.0.2/3 and fd00:7e57::2/3 port 8080, nothing on .10/::10 (refused),
# nftables drops .20/::20 (black hole)). The client, tests/clients/res_client.c,
# resolves the way a given class of program does and connects to the FIRST
# address it got. Baselines without libtryall are bounded with timeout(1).
# Only outcomes and generous time bounds are asserted. Needs root (skips
# otherwise); `make check-bats` builds first.

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
  dns_zone "$ZONE" \
    "dead4.test A 127.0.0.20" "dead4.test AAAA fd00:7e57::2" \
    "dead6.test AAAA fd00:7e57::20" "dead6.test A 127.0.0.2" \
    "refused4.test A 127.0.0.10" "refused4.test AAAA fd00:7e57::2" \
    "refused6.test AAAA fd00:7e57::10" "refused6.test A 127.0.0.2" \
    "multi4.test A 127.0.0.20" "multi4.test A 127.0.0.21" "multi4.test A 127.0.0.2" \
    "both.test A 127.0.0.2" "both.test A 127.0.0.3" \
    "both.test AAAA fd00:7e57::2" "both.test AAAA fd00:7e57::3" \
    "onlyrefused.test A 127.0.0.10"
}

# The client run in a fresh namespace with dnsd: FLAGS -- CMD...
rs() {
  run_in_ns_dns plain "$ZONE" "$@"
}

@test "hints of any kind: SOCK_DGRAM, protocol-only and no hints are remembered and raced" {
  rs -- timeout 1 "$C/res_client" -r gai-dgram dead6.test 8080
  assert_status 124   # alone: stuck on the black-holed first address
  assert_line "target fd00:7e57::20"
  for r in gai-dgram gai-proto gai-null; do
    rs -- "${SHIM[@]}" "$C/res_client" -r "$r" dead6.test 8080
    assert_status 0
    assert_line "target fd00:7e57::20"
    assert_connected 127.0.0.2
    assert_within 1500
  done
  # SOCK_DGRAM hints, three addresses of one family, two of them dead
  rs -- "${SHIM[@]}" "$C/res_client" -r gai-dgram -w poll multi4.test 8080
  assert_status 0
  assert_line "target 127.0.0.20"
  assert_connected 127.0.0.2
  assert_within 2000
}

@test "one-family resolvers, dead A: completed with the AAAA in the background" {
  rs -- timeout 1 "$C/res_client" -r ghbn dead4.test 8080
  assert_status 124
  for r in ghbn ghbn-r ghbn2-4 gai4; do
    for w in block poll epoll; do
      rs -- "${SHIM[@]}" "$C/res_client" -r "$r" -w "$w" dead4.test 8080
      assert_status 0
      assert_line "resolved 127.0.0.20"   # the app's answer is unchanged
      assert_connected fd00:7e57::2
      assert_within 1500
    done
  done
}

@test "one-family resolvers, dead AAAA: completed with the A" {
  rs -- timeout 1 "$C/res_client" -r gai6 dead6.test 8080
  assert_status 124
  for r in gai6 ghbn2-6 ghbn2-r6; do
    for w in block epoll; do
      rs -- "${SHIM[@]}" "$C/res_client" -r "$r" -w "$w" dead6.test 8080
      assert_status 0
      assert_line "resolved fd00:7e57::20"
      assert_connected 127.0.0.2
      assert_within 1500
    done
  done
}

@test "one-family resolvers, refused address: the other family connects at once" {
  rs -- "$C/res_client" -r ghbn refused4.test 8080
  assert_status 1
  assert_has ECONNREFUSED
  rs -- "${SHIM[@]}" TRYALL_DELAY_MS=5000 "$C/res_client" -r ghbn refused4.test 8080
  assert_status 0
  assert_connected fd00:7e57::2
  assert_within 1000
  rs -- "${SHIM[@]}" TRYALL_DELAY_MS=5000 "$C/res_client" -r gai6 -w poll refused6.test 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 1000
}

@test "completion that finds nothing changes nothing: libc's error, without a long wait" {
  rs -- "$C/res_client" -r ghbn onlyrefused.test 8080
  assert_status 1
  assert_has ECONNREFUSED
  rs -- "${SHIM[@]}" "$C/res_client" -r ghbn onlyrefused.test 8080
  assert_status 1
  assert_has ECONNREFUSED
  assert_within 1000
  # The AAAA query unanswered: the verdict waits for that lookup, no longer
  # than the resolver's own timeout (2 s here), and is still libc's.
  rs --drop-aaaa -- "${SHIM[@]}" "$C/res_client" -r gai4 -w epoll onlyrefused.test 8080
  assert_status 1
  assert_has ECONNREFUSED
  assert_within 4000
}

@test "completion can be switched off (TRYALL_COMPLETE=0)" {
  rs -- "${SHIM[@]}" TRYALL_COMPLETE=0 timeout 1 "$C/res_client" -r ghbn dead4.test 8080
  assert_status 124
  rs -- "${SHIM[@]}" TRYALL_COMPLETE=0 "$C/res_client" -r ghbn refused4.test 8080
  assert_status 1
  assert_has ECONNREFUSED
}

@test "AAAA dropped: getaddrinfo answers with the A after the resolution delay, not the resolver's timeout" {
  rs --drop-aaaa -- "$C/res_client" -r gai dead6.test 8080
  assert_status 0
  assert_took_at_least 1900   # glibc waits out timeout:2
  rs --drop-aaaa -- "${SHIM[@]}" "$C/res_client" -r gai dead6.test 8080
  assert_status 0
  assert_line "resolved 127.0.0.2"
  assert_connected 127.0.0.2
  assert_within 1000
  # 0 = wait like libc
  rs --drop-aaaa -- "${SHIM[@]}" TRYALL_RESOLVE_DELAY_MS=0 "$C/res_client" -r gai dead6.test 8080
  assert_status 0
  assert_took_at_least 1900
}

@test "A dropped: getaddrinfo answers with the AAAA" {
  rs --drop-a -- "${SHIM[@]}" "$C/res_client" -r gai -w poll dead4.test 8080
  assert_status 0
  assert_line "resolved fd00:7e57::2"
  assert_connected fd00:7e57::2
  assert_within 1000
}

@test "AAAA 300 ms late: the A comes first; with the A dead the late AAAA joins the race" {
  rs --delay-aaaa 300 -- "${SHIM[@]}" TRYALL_LOG=trace "$C/res_client" -r gai -w epoll dead4.test 8080
  assert_status 0
  assert_line "resolved 127.0.0.20"
  assert_connected fd00:7e57::2
  assert_has "(late answer)"
  assert_within 2000
}

@test "both families in time: exactly libc's answer, in libc's order" {
  rs -- "$C/res_client" -r gai both.test 8080
  assert_status 0
  local plain
  plain=$(grep '^resolved' <<<"$output")
  [ "$plain" = "resolved fd00:7e57::2 fd00:7e57::3 127.0.0.2 127.0.0.3" ]
  rs -- "${SHIM[@]}" "$C/res_client" -r gai both.test 8080
  assert_status 0
  [ "$(grep '^resolved' <<<"$output")" = "$plain" ]
  rs --delay-aaaa 20 -- "${SHIM[@]}" "$C/res_client" -r gai-null both.test 8080
  assert_status 0
  assert_line "resolved fd00:7e57::2 fd00:7e57::2 fd00:7e57::2 fd00:7e57::3 fd00:7e57::3 fd00:7e57::3 127.0.0.2 127.0.0.2 127.0.0.2 127.0.0.3 127.0.0.3 127.0.0.3"
}

@test "IPV6_V6ONLY socket (Ruby's way): the name's IPv4 addresses race on IPv4 attempts" {
  rs -- "${SHIM[@]}" "$C/res_client" -r gai -6 dead6.test 8080
  assert_status 0
  assert_line "target fd00:7e57::20"
  assert_connected 127.0.0.2
  assert_within 1500
}

@test "log lines name where an address came from" {
  rs -- "${SHIM[@]}" TRYALL_LOG=trace "$C/res_client" -r ghbn dead4.test 8080
  assert_status 0
  assert_has "dead4.test port 8080: 1 more address joined the race (completion)"
  assert_has "fd00:7e57::2 (completion) port 8080 attempt 2 won"
}

@test "fork while the completion lookup is under way: the child resolves and completes on its own" {
  rs --delay-aaaa 300 -- "${SHIM[@]}" "$C/res_client" -F -r ghbn dead4.test 8080
  assert_status 0
  assert_line "child exit 0"
  [ "$(grep -c '^connected fd00:7e57::2$' <<<"$output")" = 2 ]
  assert_within 4000
}

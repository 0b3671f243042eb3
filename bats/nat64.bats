#!/usr/bin/env bats
# bats/nat64.bats - owns the issue-12 scenarios: IPv4-only programs on an
# IPv6-only network with a real NAT64 translator (TAYGA) in front of an
# IPv4 server (bats/lib/nat64.bash). Without libtryall every IPv4 connect
# there fails at once (ENETUNREACH); with it the IPv4 target is raced as
# its IPv6 form under the prefix found through ipv4only.arpa (RFC 7050),
# and the program still sees IPv4. Needs root and tayga (skips otherwise).

load lib/netns
load lib/nat64

setup_file() {
  ns_setup_file
}

setup() {
  nat64_require
  ns_build_paths res_client nb_client || return 1
  SHIM=(env LD_PRELOAD="$LIB")
}

@test "IPv4 literal, blocking: ENETUNREACH alone, connected through NAT64 with the shim, seen as IPv4" {
  run_in_nat64 "$C/res_client" -r gai 203.0.113.10 8080
  assert_status 1
  assert_has ENETUNREACH
  run_in_nat64 "${SHIM[@]}" "$C/res_client" -r gai 203.0.113.10 8080
  assert_status 0
  assert_line "connected 203.0.113.10"   # getpeername: the IPv4 peer, not 2001:db8:64::cb00:710a
  assert_within 2000
}

@test "IPv4 literal, non-blocking: poll, select, epoll and epoll ET wait for the NAT64 attempt" {
  run_in_nat64 "${SHIM[@]}" "$C/res_client" -r gai -w poll 203.0.113.10 8080
  assert_status 0
  assert_line "connected 203.0.113.10"
  for m in select epoll-et epoll-lt; do
    run_in_nat64 "$C/nb_client" -m "$m" 203.0.113.10 8080
    assert_status 1
    run_in_nat64 "${SHIM[@]}" "$C/nb_client" -m "$m" -g 203.0.113.10 8080
    assert_status 0
    assert_line "body ok"
  done
}

@test "A-only names: gethostbyname and AF_INET getaddrinfo, the first of two addresses unreachable behind the NAT64" {
  run_in_nat64 "${SHIM[@]}" "$C/res_client" -r ghbn v4only.test 8080
  assert_status 0
  assert_line "connected 203.0.113.10"
  run_in_nat64 "${SHIM[@]}" "$C/res_client" -r gai4 -w epoll v4two.test 8080
  assert_status 0
  assert_line "target 203.0.113.99"
  assert_line "connected 203.0.113.10"
  assert_within 3000
}

@test "the app's view stays IPv4: Python's getpeername and getsockname on an AF_INET socket" {
  local py='import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(("203.0.113.10", 8080))
print("peer", s.getpeername())
print("sock", s.getsockname()[0], s.getsockname()[1] > 0)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
print("body", s.recv(1000).split(b"\r\n\r\n")[-1].decode().strip())'
  run_in_nat64 python3 -c "$py"
  assert_status 1
  assert_has "Network is unreachable"
  run_in_nat64 "${SHIM[@]}" python3 -c "$py"
  assert_status 0
  assert_line "peer ('203.0.113.10', 8080)"
  assert_line "sock 192.0.0.2 True"
  assert_line "body ok"
}

@test "real programs: curl and wget to an IPv4 literal" {
  run_in_nat64 "${SHIM[@]}" curl -s --noproxy '*' --max-time 5 http://203.0.113.10:8080/
  assert_status 0
  assert_line ok
  run_in_nat64 "${SHIM[@]}" wget -q -O - --no-proxy --tries=1 --timeout=5 http://203.0.113.10:8080/
  assert_status 0
  assert_line ok
}

@test "no NAT64 on the network (ipv4only.arpa has no AAAA): libc's error, soon" {
  run_in_nat64 --no-wka "${SHIM[@]}" "$C/res_client" -r gai 203.0.113.10 8080
  assert_status 1
  assert_has ENETUNREACH
  assert_within 2000
  run_in_nat64 --no-wka "${SHIM[@]}" "$C/res_client" -r gai -w epoll 203.0.113.10 8080
  assert_status 1
  assert_has ENETUNREACH
  assert_within 2000
}

@test "switched off (TRYALL_NAT64=0): libc's error at once" {
  run_in_nat64 "${SHIM[@]}" TRYALL_NAT64=0 "$C/res_client" -r gai 203.0.113.10 8080
  assert_status 1
  assert_has ENETUNREACH
}

@test "the log says which prefix a connection went through" {
  run_in_nat64 "${SHIM[@]}" TRYALL_LOG=fail "$C/res_client" -r gai 203.0.113.10 8080
  assert_status 0
  assert_has "via NAT64 prefix 2001:db8:64::/96"
  assert_has "won"
}

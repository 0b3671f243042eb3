#!/usr/bin/env bats
# explain.bats - `tryall-run --explain` and `--history` against real sockets
# in private network namespaces (bats/lib/netns.bash): each probe's outcome
# (refused, no answer, unreachable, connected) and the exit status; the order
# and the attempt delay following a history file written by a real run of a
# client under libtryall in the same scenario, and that file listed and
# cleared; the tool never writes it while explaining, and its probes never go
# through a preloaded libtryall. TRYALL_* are passed with env (run_in_ns
# clears them); the history file is this test's own ($BATS_TEST_TMPDIR).

load lib/netns

setup_file() { ns_setup_file; }

setup() {
    ns_build_paths naive_gai
    W=$ROOT/build/tryall-run
    [ -x "$ROOT/build/tryall-tool" ] || { echo "build/tryall-tool missing: run make" >&2; return 1; }
    H=$BATS_TEST_TMPDIR/history
    P=$NS_PORT
}

# explain SCENARIO [WRAPPER-OPTION...] - tryall-run --explain SCENARIO NS_PORT there
explain() {
    local scen=$1; shift
    run_in_ns "$scen" env TRYALL_HISTORY="$H" "$W" "$@" --explain "$scen" "$P"
}

# assert_match REGEX - some line of the output matches
assert_match() {
    local l
    for l in "${lines[@]}"; do [[ $l =~ $1 ]] && return 0; done
    echo "expected a line matching '$1'" >&2
    return 1
}

# The n-th address of the order and of the probes: "  N. DEST  ..."
order_line() { printf '^  %s\\. %s +%s  %s' "$1" "${2//./\\.}" "$3" "$4"; }
probe_line() { printf '^  %s\\. %s +%s$' "$1" "${2//./\\.}" "$3"; }

@test "refused6: the target is refused, the other address connects; exit 0" {
    explain refused6
    assert_status 0
    assert_line "refused6 port $P: 2 addresses (getaddrinfo AF_UNSPEC, SOCK_STREAM)"
    assert_line "history: $H"
    assert_match "$(order_line 1 '\[fd00:7e57::10\]':$P IPv6 "the app's target; unknown: no history")"
    assert_match "$(order_line 2 127.0.0.2:$P IPv4 "unknown: no history")"
    assert_line "attempt delay: 250 ms (adaptive; no handshake measured to a good address: the default)"
    assert_match "$(probe_line 1 '\[fd00:7e57::10\]':$P refused)"
    assert_match "$(probe_line 2 127.0.0.2:$P 'connected in [0-9]+ ms')"
}

@test "bh6 with -d 100: the black hole gives no answer within the fixed delay; exit 0" {
    explain bh6 -d 100
    assert_status 0
    assert_line "attempt delay: 100 ms (fixed by TRYALL_DELAY_MS)"
    assert_match "$(probe_line 1 '\[fd00:7e57::20\]':$P 'no answer in 100 ms')"
    assert_match "$(probe_line 2 127.0.0.2:$P 'connected in [0-9]+ ms')"
    assert_within 3000
}

@test "unr6: an unreachable address says which error; the other connects" {
    explain unr6
    assert_status 0
    # getaddrinfo's RFC 6724 sort puts the unreachable address last
    assert_match "$(probe_line 1 '\[fd00:7e57::2\]':$P 'connected in [0-9]+ ms')"
    assert_match "$(probe_line 2 '\[fd00:7e58::1\]':$P 'unreachable \(E(HOST|NET)UNREACH\)')"
}

@test "allrefused: four addresses, all refused; exit 1" {
    explain allrefused
    assert_status 1
    local i=0 a
    for a in '\[fd00:7e57::10\]' 127.0.0.10 '\[fd00:7e57::11\]' 127.0.0.11; do
        i=$((i + 1))
        assert_match "$(probe_line $i "$a:$P" refused)"
    done
}

@test "single: one address, nothing to race, still probed" {
    explain single
    assert_status 0
    assert_line "one address: libtryall leaves this connect to libc (nothing to race)"
    assert_match "$(probe_line 1 127.0.0.2:$P 'connected in [0-9]+ ms')"
}

@test "a name that does not resolve: exit 2; a service name as PORT" {
    run_in_ns plain env TRYALL_HISTORY="$H" "$W" --explain no-such-name "$P"
    assert_status 2
    assert_has "tryall-run: no-such-name: "
    run_in_ns refused6 env TRYALL_HISTORY="$H" "$W" --explain refused6 http-alt
    assert_status 0
    assert_line "refused6 port 8080: 2 addresses (getaddrinfo AF_UNSPEC, SOCK_STREAM)"
}

@test "bh2: after a real run under libtryall, the order, the delay and --history follow the file; --clear forgets it" {
    # 127.0.0.20 (the target) and 127.0.0.21 black-holed, 127.0.0.2 wins
    run_in_ns bh2 env LD_PRELOAD="$LIB" TRYALL_HISTORY="$H" "$C/naive_gai" bh2 "$P"
    assert_status 0
    assert_connected 127.0.0.2
    local before
    before=$(cksum <"$H")
    explain bh2
    assert_status 0
    # the target stays first; the good address moves ahead of the bad one
    assert_match "$(order_line 1 127.0.0.20:$P IPv4 "the app's target; bad: abandoned [0-9]+ s ago, 1 failure in a row")"
    assert_match "$(order_line 2 127.0.0.2:$P IPv4 "good: srtt [0-9.]+ ms, connected [0-9]+ s ago")"
    assert_match "$(order_line 3 127.0.0.21:$P IPv4 "bad: abandoned [0-9]+ s ago, 1 failure in a row")"
    assert_line "the app's target failed lately: the next address starts at once"
    assert_match '^attempt delay: [0-9]+ ms \(adaptive: 2 x srtt [0-9.]+ ms \+ 10 ms, within 10\.\.250 ms\)$'
    assert_match "$(probe_line 2 127.0.0.2:$P 'connected in [0-9]+ ms')"
    assert_match "$(probe_line 3 127.0.0.21:$P 'no answer in [0-9]+ ms')"
    [ "$(cksum <"$H")" = "$before" ] || { echo "--explain wrote the history file" >&2; return 1; }

    run_in_ns bh2 env TRYALL_HISTORY="$H" "$W" --history
    assert_status 0
    assert_line "history: $H"
    assert_match '^127\.0\.0\.2:'"$P"' +connected +[0-9]+ s +[0-9.]+ ms +[0-9.]+ ms +0  good$'
    assert_match '^127\.0\.0\.20:'"$P"' +abandoned +[0-9]+ s +- +- +1  bad$'
    assert_match '^127\.0\.0\.21:'"$P"' +abandoned +[0-9]+ s +- +- +1  bad$'
    assert_line "3 destinations remembered"

    run_in_ns bh2 env TRYALL_HISTORY="$H" "$W" --history --clear
    assert_status 0
    assert_line "forgotten: 3 destinations"
    run_in_ns bh2 env TRYALL_HISTORY="$H" "$W" --history
    assert_line "nothing remembered"
    explain bh2
    assert_match "$(order_line 2 127.0.0.21:$P IPv4 "unknown: no history")"
}

@test "a preloaded libtryall never reaches the probes (the tool run directly, or through the wrapper)" {
    # bh2: were the probe of 127.0.0.20 raced by libtryall, 127.0.0.2 would
    # answer it ("connected"), the log would say so and the file be written.
    # (IPv4 only: see "the network" in docs/history-file.md.)
    run_in_ns bh2 env TRYALL_HISTORY="$H" "$W" --history   # the file made, empty
    local before
    before=$(cksum <"$H")
    run_in_ns bh2 env LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_HISTORY="$H" \
        "$ROOT/build/tryall-tool" --explain bh2 "$P"
    assert_status 0
    assert_line "note: something preloaded interposes connect(); the probes go round it"
    assert_match "$(probe_line 1 127.0.0.20:$P 'no answer in 250 ms')"
    assert_match "$(probe_line 3 127.0.0.2:$P 'connected in [0-9]+ ms')"
    [[ $output != *"tryall["* ]] || { echo "libtryall logged: it raced a probe" >&2; return 1; }
    [ "$(cksum <"$H")" = "$before" ] || { echo "the history file was written" >&2; return 1; }
    run_in_ns bh2 env LD_PRELOAD="$LIB" TRYALL_HISTORY="$H" "$W" --explain bh2 "$P"
    assert_status 0
    [[ $output != *"note: something preloaded"* ]] || { echo "the wrapper kept LD_PRELOAD" >&2; return 1; }
}

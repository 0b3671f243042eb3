#!/usr/bin/env bats
# tool.bats - tryall-run --explain / --history and tryall-tool (tools/) where
# no network is needed: the wrapper's dispatch (the tool found next to it,
# run without LD_PRELOAD, -d handed on, a clear 127 when it is missing),
# the tool's usage errors, --history and --history --clear on files of this
# test's own (TRYALL_HISTORY), and make install / uninstall of the tool.
# The probes and a history made by real races: bats/explain.bats.

bats_require_minimum_version 1.5.0

setup() {
    REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd -P)
    T=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
    W=$REPO/build/tryall-run
    TOOL=$REPO/build/tryall-tool
    [ -x "$TOOL" ] && [ -x "$W" ] || skip "build/tryall-tool is not built yet (run make)"
    H=$T/history
}

# A copy of the wrapper in DIR (with a LIBDIR that does not exist).
gen_wrapper() {
    mkdir -p "$1"
    sed -e 's|@VERSION@|0|g' -e "s|@LIBDIR@|$T/no-such-libdir|g" \
        "$REPO/src/tryall-run.in" >"$1/tryall-run"
    chmod 755 "$1/tryall-run"
}

@test "--help shows --explain and --history" {
    run --separate-stderr "$W" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"tryall-run [-d MS] --explain HOST PORT"* ]]
    [[ "$output" == *"tryall-run --history [--clear]"* ]]
}

@test "the wrapper runs the tool next to it, without LD_PRELOAD, -d handed on" {
    gen_wrapper "$T/b"
    printf '#!/bin/sh\nprintf "PRELOAD=%%s DELAY=%%s ARGS=%%s\\n" "${LD_PRELOAD-unset}" "${TRYALL_DELAY_MS-unset}" "$*"\n' \
        >"$T/b/tryall-tool"
    chmod 755 "$T/b/tryall-tool"
    run --separate-stderr env LD_PRELOAD=/nowhere/libx.so "$T/b/tryall-run" -d 120 --explain h 80
    [ "$status" -eq 0 ]
    [ "$output" = "PRELOAD=unset DELAY=120 ARGS=--explain h 80" ]
    run --separate-stderr "$T/b/tryall-run" --history --clear
    [ "$output" = "PRELOAD=unset DELAY=unset ARGS=--history --clear" ]
    # after --, --explain is a command's name, not the tool's
    : >"$T/b/libtryall.so"
    run -127 --separate-stderr "$T/b/tryall-run" -- --explain
    [[ "$stderr" == *"--explain: command not found"* ]]
}

@test "no tryall-tool to be found: a clear message, exit 127" {
    gen_wrapper "$T/alone"
    run -127 --separate-stderr "$T/alone/tryall-run" --history
    [[ "$stderr" == *"cannot find tryall-tool"* ]]
}

@test "usage errors exit 2 and say what is wrong" {
    run --separate-stderr "$W" --explain
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--explain needs HOST and PORT"* ]]
    run --separate-stderr "$W" --explain host 80 extra
    [ "$status" -eq 2 ]
    for port in 0 65536 99999999 "8 0"; do
        run --separate-stderr "$W" --explain localhost "$port"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"bad PORT '$port'"* ]]
    done
    run --separate-stderr "$W" --history --all
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--history takes only --clear"* ]]
    run --separate-stderr "$TOOL" --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown command '--bogus'"* ]]
}

@test "--history: a fresh private file, its path, nothing remembered" {
    run --separate-stderr env TRYALL_HISTORY="$H" "$W" --history
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "history: $H" ]
    [ "${lines[1]}" = "nothing remembered" ]
    [ "$(stat -c %a "$H")" = 600 ]
    run --separate-stderr env TRYALL_HISTORY="$H" "$W" --history --clear
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "forgotten: 0 destinations" ]
}

@test "--history with history off says so (exit 0); a file that cannot be made: exit 1" {
    run --separate-stderr env TRYALL_HISTORY=off "$W" --history
    [ "$status" -eq 0 ]
    [ "$output" = "history: off (TRYALL_HISTORY=off)" ]
    run --separate-stderr env TRYALL_HISTORY="$T/no/such/dir/history" "$W" --history
    [ "$status" -eq 1 ]
    [[ "$output" == "history: unavailable"* ]]
    run --separate-stderr env TRYALL_HISTORY="$T/no/such/dir/history" "$W" --history --clear
    [ "$status" -eq 1 ]
}

@test "--history never uses a file that is not private (replaced, never read)" {
    run --separate-stderr env TRYALL_HISTORY="$H" "$W" --history
    chmod 644 "$H"
    ino=$(stat -c %i "$H")
    run --separate-stderr env TRYALL_HISTORY="$H" "$W" --history
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "$H")" = 600 ]
    [ "$(stat -c %i "$H")" != "$ino" ]   # renamed over, not fixed in place
}

@test "make install puts tryall-tool in LIBDIR/libtryall; the installed wrapper runs it; uninstall removes it" {
    stage=$T/stage
    run make -s -C "$REPO" install DESTDIR="$stage" PREFIX=/usr
    [ "$status" -eq 0 ]
    [ -x "$stage/usr/lib/libtryall/tryall-tool" ]
    run --separate-stderr env TRYALL_HISTORY=off "$stage/usr/bin/tryall-run" --history
    [ "$status" -eq 0 ]
    [ "$output" = "history: off (TRYALL_HISTORY=off)" ]
    run make -s -C "$REPO" uninstall DESTDIR="$stage" PREFIX=/usr
    [ "$status" -eq 0 ]
    [ ! -e "$stage/usr/lib/libtryall" ]
}

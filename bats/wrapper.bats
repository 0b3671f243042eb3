#!/usr/bin/env bats
# wrapper.bats - tests of tryall-run (src/tryall-run.in) that need no network.
#
# Most tests run copies of the wrapper generated from src/tryall-run.in into
# a private temp tree, next to an empty stand-in libtryall.so, so they test
# the wrapper alone and pass before the real library builds. The tests that
# need the real build/libtryall.so (plain programs unchanged, make install)
# skip when it has not been built.

bats_require_minimum_version 1.5.0

setup_file() {
    REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd -P)
    VERSION=$(sed -n 's/^VERSION *:*= *//p' "$REPO/Makefile")
    export REPO VERSION
    # An empty shared object: preloading it is harmless, so commands run
    # under the wrapper print nothing extra.
    DUMMY_SO=$BATS_FILE_TMPDIR/dummy.so
    export DUMMY_SO
    local cc
    for cc in "${CC:-cc}" cc gcc clang; do
        if command -v "$cc" >/dev/null 2>&1 &&
            "$cc" -shared -fPIC -o "$DUMMY_SO" -x c /dev/null 2>/dev/null; then
            return 0
        fi
    done
    rm -f "$DUMMY_SO"
}

setup() {
    T=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
    [ -f "$DUMMY_SO" ] || skip "no C compiler to build a stand-in shared object"
    # Build-tree layout: T/build/tryall-run next to T/build/libtryall.so,
    # configured for a LIBDIR that does not exist.
    mkdir -p "$T/build"
    gen_wrapper "$T/build/tryall-run" "$T/no-such-libdir"
    cp "$DUMMY_SO" "$T/build/libtryall.so"
    W=$T/build/tryall-run
    LIB=$T/build/libtryall.so
}

# gen_wrapper DEST LIBDIR: what `make` does, with a LIBDIR of our choosing.
gen_wrapper() {
    mkdir -p "${1%/*}"
    sed -e "s|@VERSION@|$VERSION|g" -e "s|@LIBDIR@|$2|g" \
        "$REPO/src/tryall-run.in" >"$1"
    chmod 755 "$1"
}

# A command that prints the settings the wrapper hands on.
show='printf "DELAY=%s LOG=%s PRELOAD=%s\n" "${TRYALL_DELAY_MS-unset}" "${TRYALL_LOG-unset}" "${LD_PRELOAD-unset}"'

real_lib_or_skip() {
    [ -f "$REPO/build/libtryall.so" ] ||
        skip "build/libtryall.so is not built yet (run make)"
}

# ---- help, version, usage errors ------------------------------------------

@test "--help and -h print usage to stdout and exit 0" {
    for opt in --help -h; do
        run --separate-stderr "$W" "$opt"
        [ "$status" -eq 0 ]
        [[ "$output" == *"Usage: tryall-run [-d MS] [-v|-vv] [--] COMMAND [ARG...]"* ]]
        [[ "$output" == *"TRYALL_DELAY_MS"* ]]
        [ -z "$stderr" ]
    done
}

@test "--help works even when the library cannot be found" {
    gen_wrapper "$T/alone/tryall-run" "$T/nowhere"
    run --separate-stderr "$T/alone/tryall-run" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *Usage:* ]]
}

@test "--version prints 'tryall-run VERSION'" {
    run --separate-stderr "$W" --version
    [ "$status" -eq 0 ]
    [ "$output" = "tryall-run $VERSION" ]
    [ -z "$stderr" ]
}

@test "make builds build/tryall-run with @VERSION@ and @LIBDIR@ substituted" {
    run make -s -C "$REPO" build/tryall-run
    [ "$status" -eq 0 ]
    [ -x "$REPO/build/tryall-run" ]
    run ! grep -n '@[A-Z]*@' "$REPO/build/tryall-run"
    run --separate-stderr "$REPO/build/tryall-run" --version
    [ "$status" -eq 0 ]
    [ "$output" = "tryall-run $VERSION" ]
}

@test "the wrapper is plain POSIX sh" {
    head -n 1 "$W" | grep -qx '#!/bin/sh'
    sh -n "$W"
    if command -v dash >/dev/null; then dash -n "$W"; fi
    if command -v shellcheck >/dev/null; then
        shellcheck -s sh "$W"
    fi
}

@test "no command: usage on stderr, exit 2" {
    for args in "" "--" "-vv" "-d 100" "-v -d 100 --"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$W" $args
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *"no command given"* ]]
        [[ "$stderr" == *"Usage:"* ]]
    done
}

@test "unknown option: names it, exit 2, command not run" {
    run --separate-stderr "$W" -x touch "$T/ran"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"'-x'"* ]]
    [ ! -e "$T/ran" ]
    run --separate-stderr "$W" --frobnicate true
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--frobnicate"* ]]
}

# ---- -d -------------------------------------------------------------------

@test "-d sets TRYALL_DELAY_MS for valid values (10..60000)" {
    for d in 10 250 59999 60000; do
        run --separate-stderr "$W" -d "$d" -- sh -c "$show"
        [ "$status" -eq 0 ]
        [[ "$output" == "DELAY=$d "* ]]
    done
    # attached form and leading zeros
    run --separate-stderr "$W" -d300 sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == "DELAY=300 "* ]]
    run --separate-stderr "$W" -d 0250 sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == "DELAY=250 "* ]]
}

@test "-d rejects non-integers and out-of-range values with exit 2" {
    for d in 9 0 00009 60001 100000 99999999999999999999999 abc "" -5 +250 \
        1e3 25.5 " 250" "250 " 0x100; do
        run --separate-stderr "$W" -d "$d" -- touch "$T/ran"
        echo "-d '$d' -> $status: $stderr"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"10..60000"* ]]
        [ ! -e "$T/ran" ]
    done
}

@test "-d without a value is a usage error" {
    run --separate-stderr "$W" -d
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"-d"* ]]
}

@test "without -d an inherited TRYALL_DELAY_MS is passed on untouched" {
    run --separate-stderr env TRYALL_DELAY_MS=777 "$W" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == "DELAY=777 "* ]]
    run --separate-stderr env -u TRYALL_DELAY_MS "$W" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == "DELAY=unset "* ]]
    run --separate-stderr env TRYALL_DELAY_MS=777 "$W" -d 40 sh -c "$show"
    [[ "$output" == "DELAY=40 "* ]]
}

# ---- -v / -vv ---------------------------------------------------------------

@test "-v sets TRYALL_LOG=fail, -vv and -v -v set TRYALL_LOG=trace" {
    run --separate-stderr env -u TRYALL_LOG "$W" -v -- sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" LOG=fail "* ]]
    run --separate-stderr env -u TRYALL_LOG "$W" -vv -- sh -c "$show"
    [[ "$output" == *" LOG=trace "* ]]
    run --separate-stderr env -u TRYALL_LOG "$W" -v -v -- sh -c "$show"
    [[ "$output" == *" LOG=trace "* ]]
    run --separate-stderr env TRYALL_LOG=trace "$W" -v -- sh -c "$show"
    [[ "$output" == *" LOG=fail "* ]]
}

@test "-vv is visible to the command's environment (env)" {
    run --separate-stderr env -u TRYALL_LOG "$W" -vv -d 100 -- env
    [ "$status" -eq 0 ]
    grep -qx 'TRYALL_LOG=trace' <<<"$output"
    grep -qx 'TRYALL_DELAY_MS=100' <<<"$output"
    grep -qx "LD_PRELOAD=$LIB" <<<"$output"
}

@test "without -v an inherited TRYALL_LOG is kept, an absent one stays absent" {
    run --separate-stderr env TRYALL_LOG=fail "$W" sh -c "$show"
    [[ "$output" == *" LOG=fail "* ]]
    run --separate-stderr env -u TRYALL_LOG "$W" sh -c "$show"
    [[ "$output" == *" LOG=unset "* ]]
}

# ---- LD_PRELOAD ---------------------------------------------------------------

@test "LD_PRELOAD gets the library's absolute path" {
    run --separate-stderr env -u LD_PRELOAD "$W" -- sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$LIB" ]]
    [ -z "$stderr" ]
}

@test "the path is absolute however the wrapper is invoked" {
    cd "$T"
    run --separate-stderr env -u LD_PRELOAD ./build/tryall-run sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
    run --separate-stderr env -u LD_PRELOAD sh build/tryall-run sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
    mkdir -p "$T/x/y"
    run --separate-stderr env -u LD_PRELOAD x/y/../../build/../build/tryall-run sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
    cd "$T/build"
    run --separate-stderr env -u LD_PRELOAD sh tryall-run sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
    # found through PATH
    cd /
    run --separate-stderr env -u LD_PRELOAD PATH="$T/build:$PATH" tryall-run sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
}

@test "an existing LD_PRELOAD is kept, after ours, in order" {
    cp "$DUMMY_SO" "$T/a.so"
    cp "$DUMMY_SO" "$T/b.so"
    cp "$DUMMY_SO" "$T/c.so"
    run --separate-stderr env LD_PRELOAD="$T/a.so" "$W" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$LIB:$T/a.so" ]]
    [ -z "$stderr" ]
    # ld.so takes spaces and colons as separators
    run --separate-stderr env LD_PRELOAD="$T/a.so $T/b.so:$T/c.so" "$W" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB:$T/a.so:$T/b.so:$T/c.so" ]]
    [ -z "$stderr" ]
    run --separate-stderr env LD_PRELOAD="" "$W" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
}

@test "the library is never added twice" {
    cp "$DUMMY_SO" "$T/a.so"
    run --separate-stderr env LD_PRELOAD="$LIB" "$W" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
    run --separate-stderr env LD_PRELOAD="$T/a.so:$LIB" "$W" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB:$T/a.so" ]]
    # nested wrappers
    run --separate-stderr env -u LD_PRELOAD "$W" -- "$W" -v -- sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$LIB" ]]
    # another copy of libtryall.so (e.g. an installed one) is replaced by ours
    mkdir -p "$T/elsewhere/lib"
    cp "$DUMMY_SO" "$T/elsewhere/lib/libtryall.so"
    run --separate-stderr env LD_PRELOAD="$T/elsewhere/lib/libtryall.so $T/a.so" "$W" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB:$T/a.so" ]]
    [ -z "$stderr" ]
}

# ---- finding the library ------------------------------------------------------

@test "installed layout: bin/tryall-run finds ../lib/libtryall.so" {
    gen_wrapper "$T/p/bin/tryall-run" "$T/no-such-libdir"
    mkdir -p "$T/p/lib"
    cp "$DUMMY_SO" "$T/p/lib/libtryall.so"
    run --separate-stderr env -u LD_PRELOAD "$T/p/bin/tryall-run" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$T/p/lib/libtryall.so" ]]
}

@test "a symlink to the wrapper finds the library from the real directory" {
    gen_wrapper "$T/p/bin/tryall-run" "$T/no-such-libdir"
    mkdir -p "$T/p/lib" "$T/links"
    cp "$DUMMY_SO" "$T/p/lib/libtryall.so"
    ln -s "$T/p/bin/tryall-run" "$T/links/tryall-run"
    run --separate-stderr env -u LD_PRELOAD "$T/links/tryall-run" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$T/p/lib/libtryall.so" ]]
    ln -s "$W" "$T/links/tryall-run-build"
    run --separate-stderr env -u LD_PRELOAD "$T/links/tryall-run-build" sh -c "$show"
    [[ "$output" == *" PRELOAD=$LIB" ]]
}

@test "the library next to the script wins over ../lib and LIBDIR" {
    mkdir -p "$T/q/bin" "$T/q/lib" "$T/libdir"
    gen_wrapper "$T/q/bin/tryall-run" "$T/libdir"
    cp "$DUMMY_SO" "$T/q/bin/libtryall.so"
    cp "$DUMMY_SO" "$T/q/lib/libtryall.so"
    cp "$DUMMY_SO" "$T/libdir/libtryall.so"
    run --separate-stderr env -u LD_PRELOAD "$T/q/bin/tryall-run" sh -c "$show"
    [[ "$output" == *" PRELOAD=$T/q/bin/libtryall.so" ]]
    rm "$T/q/bin/libtryall.so"
    run --separate-stderr env -u LD_PRELOAD "$T/q/bin/tryall-run" sh -c "$show"
    [[ "$output" == *" PRELOAD=$T/q/lib/libtryall.so" ]]
    rm "$T/q/lib/libtryall.so"
    run --separate-stderr env -u LD_PRELOAD "$T/q/bin/tryall-run" sh -c "$show"
    [ "$status" -eq 0 ]
    [[ "$output" == *" PRELOAD=$T/libdir/libtryall.so" ]]
}

@test "library missing: clear error, exit 127, command not run" {
    gen_wrapper "$T/alone/tryall-run" "$T/nowhere"
    run -127 --separate-stderr "$T/alone/tryall-run" -- touch "$T/ran"
    [ "$status" -eq 127 ]
    [ -z "$output" ]
    [[ "$stderr" == *"cannot find libtryall.so"* ]]
    [ ! -e "$T/ran" ]
}

@test "library missing: the built wrapper copied alone into a temp dir" {
    run make -s -C "$REPO" build/tryall-run
    [ "$status" -eq 0 ]
    local libdir
    libdir=$(sed -n "s/^_tr_libdir='\(.*\)'$/\1/p" "$REPO/build/tryall-run")
    [ -n "$libdir" ]
    [ ! -e "$libdir/libtryall.so" ] ||
        skip "$libdir/libtryall.so is installed on this machine"
    local libroot f
    libroot=$(sed -n "s/^_tr_libroot='\(.*\)'$/\1/p" "$REPO/build/tryall-run")
    for f in "$libroot"/lib*/libtryall/libtryall.so "$libroot"/lib/*/libtryall/libtryall.so; do
        [ ! -e "$f" ] || skip "$f is installed on this machine"
    done
    mkdir -p "$T/alone"
    cp "$REPO/build/tryall-run" "$T/alone/"
    run -127 --separate-stderr "$T/alone/tryall-run" -- touch "$T/ran"
    [ "$status" -eq 127 ]
    [[ "$stderr" == *libtryall.so* ]]
    [ ! -e "$T/ran" ]
}

# ---- the command ----------------------------------------------------------------

@test "command not found: message names it, exit 127" {
    run -127 --separate-stderr "$W" -- tryall-no-such-command-xyz arg
    [ "$status" -eq 127 ]
    [[ "$stderr" == *"tryall-no-such-command-xyz"* ]]
    [[ "$stderr" == *"not found"* ]]
    run -127 --separate-stderr "$W" "$T/no/such/program"
    [ "$status" -eq 127 ]
    [[ "$stderr" == *"$T/no/such/program"* ]]
    # a shell builtin is not a program exec can run
    run -127 --separate-stderr env PATH=/nonexistent "$W" cd /
    [ "$status" -eq 127 ]
}

@test "command not executable: exit 126" {
    printf '#!/bin/sh\necho hi\n' >"$T/noexec"
    run --separate-stderr "$W" "$T/noexec"
    [ "$status" -eq 126 ]
    [[ "$stderr" == *"$T/noexec"* ]]
    run --separate-stderr "$W" "$T"
    [ "$status" -eq 126 ]
}

@test "options stop at the first non-option; -- allows a dash-named command" {
    run --separate-stderr "$W" sh -c 'echo "$0 $1"' -v -d
    [ "$status" -eq 0 ]
    [ "$output" = "-v -d" ]
    printf '#!/bin/sh\necho dash-named\n' >"$T/build/-odd"
    chmod +x "$T/build/-odd"
    run --separate-stderr env PATH="$T/build:$PATH" "$W" -- -odd
    [ "$status" -eq 0 ]
    [ "$output" = dash-named ]
}

@test "arguments, stdin and exit status pass through unchanged" {
    run --separate-stderr "$W" printf '[%s]' 'a b' '' '*' '$HOME' "it's" '-v'
    [ "$status" -eq 0 ]
    [ "$output" = "[a b][][*][\$HOME][it's][-v]" ]
    run --separate-stderr "$W" sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run --separate-stderr bash -c "printf 'line1\nline2\n' | '$W' wc -l"
    [ "$output" -eq 2 ]
    run --separate-stderr "$W" sh -c 'echo out; echo err >&2'
    [ "$output" = out ]
    [ "$stderr" = err ]
}

@test "the rest of the environment is left as it was" {
    # (IFS is left out: every sh resets it on start-up.)
    local base=(env -i PATH="$PATH" HOME=/nowhere FOO='a b' lib=x dir=y
        TRYALL_LOG_FILE=/tmp/x.log TRYALL_DISABLE=1)
    run --separate-stderr "${base[@]}" env
    local want
    want=$(grep -v '^PWD=' <<<"$output" | sort)
    run --separate-stderr "${base[@]}" "$W" -- env
    [ "$status" -eq 0 ]
    local got
    got=$(grep -v -e '^PWD=' -e '^LD_PRELOAD=' <<<"$output" | sort)
    diff <(echo "$want") <(echo "$got")
    grep -qx "LD_PRELOAD=$LIB" <<<"$output"
}

@test "works the same under every POSIX shell available" {
    local sh n=0
    for sh in dash bash "busybox sh" mksh posh ksh; do
        # shellcheck disable=SC2086
        command -v ${sh%% *} >/dev/null 2>&1 || continue
        n=$((n + 1))
        # shellcheck disable=SC2086
        run --separate-stderr env -u LD_PRELOAD -u TRYALL_LOG $sh "$W" -vv -d 0100 sh -c "$show"
        echo "$sh: $status $output $stderr"
        [ "$status" -eq 0 ]
        [ "$output" = "DELAY=100 LOG=trace PRELOAD=$LIB" ]
        # shellcheck disable=SC2086
        run --separate-stderr $sh "$W" -d 5 true
        [ "$status" -eq 2 ]
        # shellcheck disable=SC2086
        run -127 --separate-stderr $sh "$W" tryall-no-such-command-xyz
        [ "$status" -eq 127 ]
    done
    [ "$n" -gt 0 ]
}

# ---- with the real library ------------------------------------------------------

@test "plain programs behave identically with and without the shim" {
    real_lib_or_skip
    run make -s -C "$REPO" build/tryall-run
    [ "$status" -eq 0 ]
    local wrap=$REPO/build/tryall-run
    local -a cmds=(
        "true"
        "false"
        "echo hello world"
        "printf %s\\n a b c"
        "sh -c 'echo out; echo err >&2; exit 3'"
        "cat '$REPO/Makefile'"
        "ls -la '$REPO/src'"
        "sort -r '$REPO/Makefile'"
        "sh -c 'seq 1 2000 | wc -l'"
        "env -u LD_PRELOAD -u TRYALL_LOG -u TRYALL_DELAY_MS -u PWD -u OLDPWD -u _ sh -c 'env | sort'"
    )
    local c
    for c in "${cmds[@]}"; do
        for mode in "" "-v" "-d 1000"; do
            run --separate-stderr env -u LD_PRELOAD bash -c "$c"
            local s0=$status o0=$output e0=$stderr
            # shellcheck disable=SC2086
            run --separate-stderr env -u LD_PRELOAD "$wrap" $mode -- bash -c "$c"
            echo "[$mode] $c: $s0/$status"
            [ "$status" -eq "$s0" ]
            [ "$output" = "$o0" ]
            [ "$stderr" = "$e0" ]
        done
    done
    # and preloaded directly, with the shim disabled
    run --separate-stderr env LD_PRELOAD="$REPO/build/libtryall.so" TRYALL_DISABLE=1 echo ok
    [ "$output" = ok ]
    [ -z "$stderr" ]
}

@test "the real library preloads without ld.so errors" {
    real_lib_or_skip
    run --separate-stderr env LD_PRELOAD="$REPO/build/libtryall.so" true
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

# ---- make install -----------------------------------------------------------------

@test "make install DESTDIR PREFIX=/usr installs lib, wrapper and docs; the installed wrapper preloads the installed library" {
    real_lib_or_skip
    local stage=$T/stage
    run make -s -C "$REPO" install DESTDIR="$stage" PREFIX=/usr
    echo "$output"
    [ "$status" -eq 0 ]
    # the library at its $LIB place (bats/package.bats: every class); the
    # installed wrapper preloads it only if ld.so finds it there
    local pat=$stage/usr/'$LIB'/libtryall/libtryall.so
    [ -n "$(find "$stage/usr" -path '*/libtryall/libtryall.so')" ]
    [ -x "$stage/usr/bin/tryall-run" ]
    [ -f "$stage/usr/share/doc/libtryall/README" ]
    local md
    for md in "$REPO"/docs/*.md; do
        [ -e "$md" ] || continue
        [ -f "$stage/usr/share/doc/libtryall/${md##*/}" ]
    done

    run --separate-stderr "$stage/usr/bin/tryall-run" --version
    [ "$output" = "tryall-run $VERSION" ]
    run --separate-stderr env -u LD_PRELOAD "$stage/usr/bin/tryall-run" -- sh -c 'echo "$LD_PRELOAD"'
    [ "$status" -eq 0 ]
    [ "$output" = "$pat" ]
    [ -z "$stderr" ]
    # the same from another directory, through a symlink
    ln -s "$stage/usr/bin/tryall-run" "$T/tr"
    cd /
    run --separate-stderr env -u LD_PRELOAD "$T/tr" -vv -- sh -c 'echo "$LD_PRELOAD $TRYALL_LOG"'
    [ "$output" = "$pat trace" ]
    # the installed library itself loads cleanly
    run --separate-stderr "$stage/usr/bin/tryall-run" -- echo hello
    [ "$output" = hello ]
    [ -z "$stderr" ]

    run make -s -C "$REPO" uninstall DESTDIR="$stage" PREFIX=/usr
    [ "$status" -eq 0 ]
    [ -z "$(find "$stage/usr" -path '*/libtryall/libtryall.so')" ]
    [ ! -e "$stage/usr/bin/tryall-run" ]
    [ ! -e "$stage/usr/share/doc/libtryall" ]
}

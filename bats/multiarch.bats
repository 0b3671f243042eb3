#!/usr/bin/env bats
# bats/multiarch.bats - owns the 32-bit coverage (issue 15): the build tree's
# $LIB layout (mk/multiarch.mk) gives every process the library of its own
# ELF class through one LD_PRELOAD entry, tryall-run uses it, a 64-bit program
# exec'ing a 32-bit one gets no "wrong ELF class" noise, and the 32-bit
# clients (build/clients32: naive_gai, nb_client built with -m32) pass the
# refused6 and bh6 scenarios with the 32-bit library.
#
# Needs the 32-bit toolchain (gcc-multilib; `make` then builds both classes)
# and skips, saying so, without it; the scenarios need root (namespaces).

bats_require_minimum_version 1.5.0

load lib/netns
load lib/nonblocking

setup_file() {
  ns_setup_file
}

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd -P)
  C=$ROOT/build/clients
  C32=$ROOT/build/clients32
  W=$ROOT/build/tryall-run
  PAT=$ROOT/build/'$LIB'/libtryall/libtryall.so
  [ -e "$ROOT/build/libtryall.so" ] && [ -x "$W" ] && [ -x "$C/naive_gai" ] ||
    { echo "build/libtryall.so, build/tryall-run or the clients missing: run make all clients" >&2; return 1; }
  [ -x "$C32/naive_gai" ] && [ -x "$C32/nb_client" ] ||
    skip "no 32-bit build (build/clients32 missing): install gcc-multilib, then make all clients"
}

# loaded_by PROGRAM [PRELOAD]: the path ld.so maps for our LD_PRELOAD entry
# when it loads PROGRAM (traced: mapped, not run).
loaded_by() {
  LD_TRACE_LOADED_OBJECTS=1 LD_PRELOAD=${2:-$PAT} "$1" </dev/null 2>&1 |
    sed -n 's|^[[:space:]]*[^ ]*/libtryall.so => \([^ ]*\) (.*|\1|p'
}

# elf_class FILE: 1 (32-bit) or 2 (64-bit), the byte at offset 4.
elf_class() {
  od -An -tu1 -j4 -N1 "$1" | tr -d ' '
}

noise_free() {   # no dynamic linker complaint in $output
  [[ $output != *"ELF class"* && $output != *"cannot be preloaded"* && $output != *"ld.so"* ]] ||
    { echo "ld.so noise in the output" >&2; return 1; }
}

@test "build/\$LIB/libtryall/libtryall.so is the 64-bit build for 64-bit programs, the 32-bit one for 32-bit programs" {
  local p64 p32
  p64=$(loaded_by "$C/naive_gai")
  p32=$(loaded_by "$C32/naive_gai")
  echo "64-bit program: $p64; 32-bit program: $p32"
  [[ $p64 == "$ROOT/build/"*/libtryall/libtryall.so ]]
  [[ $p32 == "$ROOT/build/"*/libtryall/libtryall.so ]]
  [ "$(elf_class "$p64")" = 2 ]
  [ "$(elf_class "$p32")" = 1 ]
  [ "$(elf_class "$C32/naive_gai")" = 1 ]
  # build/libtryall.so stays the 64-bit library the other tests preload
  [ "$(readlink -f "$p64")" = "$(readlink -f "$ROOT/build/libtryall.so")" ]
}

@test "tryall-run in the build tree preloads build/\$LIB/libtryall/libtryall.so" {
  run --separate-stderr env -u LD_PRELOAD "$W" sh -c 'echo "$LD_PRELOAD"'
  [ "$status" -eq 0 ]
  [ "$output" = "$PAT" ]
  [ -z "$stderr" ]
  # through a symlink, from elsewhere
  ln -s "$W" "$BATS_TEST_TMPDIR/tr"
  cd /
  run --separate-stderr env -u LD_PRELOAD "$BATS_TEST_TMPDIR/tr" sh -c 'echo "$LD_PRELOAD"'
  [ "$output" = "$PAT" ]
}

@test "a 64-bit shell running a 32-bit program under tryall-run: each loads its own build, no ld.so noise" {
  # naive_gai without arguments prints its usage and exits 2: no network.
  run --separate-stderr env -u LD_PRELOAD "$W" bash -c '"$1"; echo "exit $?"' sh "$C32/naive_gai"
  echo "stderr: $stderr"
  [ "$status" -eq 0 ]
  [[ $output == *"exit 2"* ]]
  [[ $stderr == *usage* ]]
  [[ $stderr != *"ELF class"* && $stderr != *"ld.so"* ]]
  # which build the 32-bit program maps, asked from under the 64-bit shell
  run --separate-stderr env -u LD_PRELOAD "$W" bash -c \
    'LD_TRACE_LOADED_OBJECTS=1 exec "$1" </dev/null' sh "$C32/naive_gai"
  [ -z "$stderr" ]
  local p
  p=$(sed -n 's|^[[:space:]]*[^ ]*/libtryall.so => \([^ ]*\) (.*|\1|p' <<<"$output")
  [ -n "$p" ]
  [ "$(elf_class "$p")" = 1 ]
}

@test "the check above can fail: a plain 64-bit path in LD_PRELOAD makes a 32-bit program print 'wrong ELF class'" {
  run --separate-stderr env LD_PRELOAD="$ROOT/build/libtryall.so" bash -c '"$1"; true' sh "$C32/naive_gai"
  [[ $stderr == *"wrong ELF class"* ]]
}

@test "tryall-run takes the plain library when the \$LIB layout has no build for this architecture" {
  local t=$BATS_TEST_TMPDIR/p
  mkdir -p "$t/bin/lib32/libtryall"
  sed -e "s|@VERSION@|0|g" -e "s|@LIBDIR@|$t/none|g" -e "s|@LIBROOT@|$t/none|g" \
    "$ROOT/src/tryall-run.in" >"$t/bin/tryall-run"
  chmod 755 "$t/bin/tryall-run"
  cp "$ROOT/build/libtryall.so" "$t/bin/libtryall.so"
  # only a 32-bit build in the layout: this (64-bit) shell's ld.so misses it
  cp "$(loaded_by "$C32/naive_gai")" "$t/bin/lib32/libtryall/libtryall.so"
  run --separate-stderr env -u LD_PRELOAD "$t/bin/tryall-run" sh -c 'echo "$LD_PRELOAD"'
  [ "$status" -eq 0 ]
  [ "$output" = "$t/bin/libtryall.so" ]
  [ -z "$stderr" ]
  # the 64-bit build at its $LIB place next to the script: the layout wins
  local sub
  sub=$(loaded_by "$C/naive_gai")
  sub=${sub#"$ROOT/build/"}
  mkdir -p "$t/bin/${sub%/*}"
  cp "$ROOT/build/libtryall.so" "$t/bin/$sub"
  run --separate-stderr env -u LD_PRELOAD "$t/bin/tryall-run" sh -c 'echo "$LD_PRELOAD"'
  [ "$output" = "$t/bin/"'$LIB'/libtryall/libtryall.so ]
}

# ---- scenarios (bats/lib/netns.bash) -------------------------------------------

@test "32-bit blocking client, refused first address (refused6): fails alone, connects at once under tryall-run" {
  ns_require
  run_in_ns refused6 "$C32/naive_gai" refused6 8080
  assert_status 1
  assert_has ECONNREFUSED

  run_in_ns refused6 "$W" "$C32/naive_gai" refused6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 1000
  noise_free
}

@test "32-bit blocking client, black-holed first address (bh6): hangs alone, connects after the delay under tryall-run" {
  ns_require
  run_in_ns bh6 "$C32/naive_gai" -a 1 bh6 8080
  assert_line "target fd00:7e57::20"
  assert_has EINTR

  run_in_ns bh6 "$W" -d 250 "$C32/naive_gai" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
  noise_free
}

@test "32-bit non-blocking client (poll, select, epoll): refused6 and bh6 connect under tryall-run" {
  ns_require
  local scen m
  for scen in refused6 bh6; do
    C=$C32 nb_run $scen "poll select epoll-lt" "$W" -d 250 -- $scen 8080
    for m in poll select epoll-lt; do
      nb_mode $m
      assert_status 0
      assert_connected 127.0.0.2
      assert_line "O_NONBLOCK 1"
      assert_within 3000
      noise_free
    done
  done
  # alone, the poll client fails on refused6
  C=$C32 nb_run refused6 "poll" -- refused6 8080
  nb_mode poll
  assert_status 1
  assert_has ECONNREFUSED
}

@test "a 64-bit shell exec'ing the 32-bit client under tryall-run connects, with no ld.so noise (bh6)" {
  ns_require
  run_in_ns bh6 "$W" -d 250 bash -c 'echo "shell class $(od -An -tu1 -j4 -N1 /proc/$$/exe | tr -d " ")"; exec "$1" bh6 8080' sh "$C32/naive_gai"
  assert_status 0
  assert_line "shell class 2"
  assert_connected 127.0.0.2
  assert_within 3000
  noise_free
}

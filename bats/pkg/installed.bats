#!/usr/bin/env bats
# bats/pkg/installed.bats - owns the checks of the installed packages (run by
# .ci/package between install and purge; not part of `bats bats`): the files
# the packages put on the system work on their own. Only /usr/bin/tryall-run
# and the libraries dpkg lists for libtryall and lib32tryall are used; the
# programs run under it are test clients copied out of the build tree (the
# apps, not libtryall). Skips when the packages are not installed. The
# scenario needs root (namespaces, bats/lib/netns.bash).

bats_require_minimum_version 1.5.0

load ../lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
  VERSION=$(sed -n 's/^VERSION *:*= *//p' "$ROOT/Makefile")
  installed tryall-run && installed libtryall ||
    skip "the tryall-run and libtryall packages are not installed (.ci/package installs them)"
  W=/usr/bin/tryall-run
  PAT=/usr/'$LIB'/libtryall/libtryall.so
  APP=$BATS_TEST_TMPDIR/app
  mkdir -p "$APP"
  cp "$ROOT/build/clients/naive_gai" "$APP/naive_gai64"
  [ ! -x "$ROOT/build/clients32/naive_gai" ] || cp "$ROOT/build/clients32/naive_gai" "$APP/naive_gai32"
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# mapped PROGRAM: the path ld.so maps for the installed pattern (traced).
mapped() {
  LD_TRACE_LOADED_OBJECTS=1 LD_PRELOAD=$PAT "$1" </dev/null 2>&1 |
    sed -n 's|^[[:space:]]*[^ ]*/libtryall.so => \([^ ]*\) (.*|\1|p'
}

@test "installed: tryall-run --version is the packaged version" {
  run --separate-stderr "$W" --version
  [ "$status" -eq 0 ]
  [ "$output" = "tryall-run $VERSION" ]
  [ "$(dpkg-query -W -f='${Version}' tryall-run)" = "$VERSION" ]
  [ "$(dpkg-query -W -f='${Version}' libtryall)" = "$VERSION" ]
}

@test "installed: tryall-run preloads /usr/\$LIB/libtryall/libtryall.so, which is libtryall's file for 64-bit programs and lib32tryall's for 32-bit ones" {
  cd /
  run --separate-stderr env -u LD_PRELOAD "$W" sh -c 'echo "$LD_PRELOAD"'
  [ "$status" -eq 0 ]
  [ "$output" = "$PAT" ]
  [ -z "$stderr" ]
  local p
  p=$(mapped "$APP/naive_gai64")
  echo "64-bit: $p"
  dpkg -L libtryall | grep -qx "$p"
  if installed lib32tryall; then
    p=$(mapped "$APP/naive_gai32")
    echo "32-bit: $p"
    dpkg -L lib32tryall | grep -qx "$p"
  fi
}

@test "installed: a black-holed first address (bh6) hangs alone and connects under /usr/bin/tryall-run" {
  ns_require
  run_in_ns bh6 "$APP/naive_gai64" -a 1 bh6 8080
  assert_line "target fd00:7e57::20"
  assert_has EINTR

  run_in_ns bh6 "$W" -vv "$APP/naive_gai64" bh6 8080
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
  assert_has "attempt 2 won"
}

@test "installed: the 32-bit client, exec'd by a 64-bit shell, connects on bh6 with lib32tryall and no ld.so noise" {
  ns_require
  installed lib32tryall || skip "lib32tryall is not installed"
  [ -x "$APP/naive_gai32" ] || skip "no 32-bit client built"
  run_in_ns bh6 "$W" bash -c 'exec "$1" bh6 8080' sh "$APP/naive_gai32"
  assert_status 0
  assert_connected 127.0.0.2
  assert_within 3000
  [[ $output != *"ELF class"* && $output != *"ld.so"* ]]
}

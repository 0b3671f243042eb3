#!/usr/bin/env bats
# bats/package.bats - owns the checks of installation that need no package
# tools and no root: one version (Makefile VERSION = debian/changelog), and
# `make install` laying each ELF class out where the dynamic linker's $LIB
# points, man pages and examples installed when present, uninstall leaving
# no library behind. The .deb files themselves are checked by bats/pkg/
# (run by .ci/package after `make deb`, and on the installed packages).

bats_require_minimum_version 1.5.0

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd -P)
  VERSION=$(sed -n 's/^VERSION *:*= *//p' "$ROOT/Makefile")
  T=$BATS_TEST_TMPDIR
}

built_or_skip() {
  [ -f "$ROOT/build/libtryall.so" ] && [ -x "$ROOT/build/clients/naive_gai" ] ||
    skip "build/libtryall.so or build/clients not built (run make all clients)"
}

# mapped PROGRAM PRELOAD: the path ld.so maps for PRELOAD when it loads
# PROGRAM (traced: mapped, not run).
mapped() {
  LD_TRACE_LOADED_OBJECTS=1 LD_PRELOAD=$2 "$1" </dev/null 2>&1 |
    sed -n 's|^[[:space:]]*[^ ]*/libtryall.so => \([^ ]*\) (.*|\1|p'
}

elf_class() {   # 1 = 32-bit, 2 = 64-bit
  od -An -tu1 -j4 -N1 "$1" | tr -d ' '
}

@test "one version: the Makefile's VERSION is the version at the top of debian/changelog" {
  [ -n "$VERSION" ]
  run head -n 1 "$ROOT/debian/changelog"
  [[ $output == "libtryall ($VERSION) "* ]]
  run make -s -C "$ROOT" check-version
  [ "$status" -eq 0 ]
  # and the check catches a difference
  run make -s -C "$ROOT" check-version VERSION=0.0.0-not-this
  [ "$status" -ne 0 ]
  [[ $output == *"version mismatch"* ]]
}

@test "make install: each class built is where ld.so's \$LIB points; the installed wrapper preloads that pattern; uninstall removes it" {
  built_or_skip
  local stage=$T/stage pat p64 p32
  run make -s -C "$ROOT" install DESTDIR="$stage" PREFIX=/usr
  echo "$output"
  [ "$status" -eq 0 ]
  pat=$stage/usr/'$LIB'/libtryall/libtryall.so
  p64=$(mapped "$ROOT/build/clients/naive_gai" "$pat")
  echo "64-bit program maps: $p64"
  [[ $p64 == "$stage/usr/"* ]]
  [ "$(elf_class "$p64")" = 2 ]
  cmp "$p64" "$ROOT/build/libtryall.so"
  if [ -x "$ROOT/build/clients32/naive_gai" ]; then
    p32=$(mapped "$ROOT/build/clients32/naive_gai" "$pat")
    echo "32-bit program maps: $p32"
    [[ $p32 == "$stage/usr/"* ]]
    [ "$(elf_class "$p32")" = 1 ]
  fi
  run --separate-stderr env -u LD_PRELOAD "$stage/usr/bin/tryall-run" sh -c 'echo "$LD_PRELOAD"'
  [ "$output" = "$pat" ]
  [ -z "$stderr" ]
  # a shared library is not a program: mode 644
  [ "$(stat -c %a "$(readlink -f "$p64")")" = 644 ]

  run make -s -C "$ROOT" uninstall DESTDIR="$stage" PREFIX=/usr
  [ "$status" -eq 0 ]
  [ -z "$(find "$stage" -name 'libtryall.so*')" ]
  [ ! -e "$stage/usr/bin/tryall-run" ]
}

@test "make install installs the man pages (man/*.[1-8]) and examples (examples/*) it finds" {
  built_or_skip
  mkdir -p "$T/man" "$T/ex"
  printf '.TH X 1\n' >"$T/man/tryall-run.1"
  printf '.TH X 5\n' >"$T/man/libtryall.conf.5"
  printf '# example\n' >"$T/ex/libtryall.conf"
  run make -s -C "$ROOT" install-bin DESTDIR="$T/stage" PREFIX=/usr \
    MANPAGES="$T/man/tryall-run.1 $T/man/libtryall.conf.5" EXAMPLES="$T/ex/libtryall.conf"
  [ "$status" -eq 0 ]
  cmp "$T/man/tryall-run.1" "$T/stage/usr/share/man/man1/tryall-run.1"
  cmp "$T/man/libtryall.conf.5" "$T/stage/usr/share/man/man5/libtryall.conf.5"
  cmp "$T/ex/libtryall.conf" "$T/stage/usr/share/doc/libtryall/examples/libtryall.conf"
  # none there: no man directory, no examples directory
  run make -s -C "$ROOT" install-bin DESTDIR="$T/bare" PREFIX=/usr MANPAGES= EXAMPLES=
  [ "$status" -eq 0 ]
  [ -x "$T/bare/usr/bin/tryall-run" ]
  [ ! -e "$T/bare/usr/share/man" ]
  [ ! -e "$T/bare/usr/share/doc/libtryall/examples" ]
}

#!/usr/bin/env bats
# bats/pkg/deb.bats - owns the checks of the .deb files `make deb` left in
# build/ (run by .ci/package; not part of `bats bats`): which packages, their
# architecture and Multi-Arch fields, and exactly which files each ships -
# the 64-bit library where the dynamic linker's $LIB points on the build
# architecture, the 32-bit one in /usr/lib32 (amd64), the wrapper configured
# for /usr, docs, and every man page and example of the tree.

bats_require_minimum_version 1.5.0

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
  VERSION=$(sed -n 's/^VERSION *:*= *//p' "$ROOT/Makefile")
  command -v dpkg-deb >/dev/null || skip "needs dpkg-deb"
  ARCH=$(dpkg --print-architecture)
  TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null) || skip "needs dpkg-architecture"
  DEB_RUN=$ROOT/build/tryall-run_${VERSION}_all.deb
  DEB_LIB=$ROOT/build/libtryall_${VERSION}_${ARCH}.deb
  DEB_LIB32=$ROOT/build/lib32tryall_${VERSION}_${ARCH}.deb
  [ -f "$DEB_RUN" ] && [ -f "$DEB_LIB" ] || skip "no build/*_${VERSION}_*.deb: run make deb"
}

# files DEB: the regular files and links it ships, one a line, sorted
files() {
  dpkg-deb --fsys-tarfile "$1" | tar -tvf - | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort
}

elf_class() {   # 1 = 32-bit, 2 = 64-bit
  od -An -tu1 -j4 -N1 "$1" | tr -d ' '
}

@test "packages: tryall-run (all, Multi-Arch: foreign), libtryall (Multi-Arch: same), versions" {
  [ "$(dpkg-deb -f "$DEB_RUN" Package Architecture Multi-Arch Version | xargs)" = \
    "Package: tryall-run Architecture: all Multi-Arch: foreign Version: $VERSION" ]
  [ "$(dpkg-deb -f "$DEB_LIB" Package Architecture Multi-Arch Version | xargs)" = \
    "Package: libtryall Architecture: $ARCH Multi-Arch: same Version: $VERSION" ]
  [[ $(dpkg-deb -f "$DEB_RUN" Depends) == *"libtryall (>= $VERSION)"* ]]
  if [ "$ARCH" = amd64 ]; then
    [ -f "$DEB_LIB32" ]
    [ "$(dpkg-deb -f "$DEB_LIB32" Package Architecture | xargs)" = "Package: lib32tryall Architecture: amd64" ]
    [[ $(dpkg-deb -f "$DEB_LIB32" Depends) == *libc6-i386* ]]
  fi
}

@test "libtryall ships the library and tryall-tool in /usr/lib/<triplet>/libtryall/ only (plus copyright, changelog, lintian overrides)" {
  run files "$DEB_LIB"
  printf '%s\n' "$output"
  [ "$output" = "$(printf '%s\n' "usr/lib/$TRIPLET/libtryall/libtryall.so" \
    "usr/lib/$TRIPLET/libtryall/tryall-tool" \
    usr/share/doc/libtryall/changelog.gz usr/share/doc/libtryall/copyright \
    usr/share/lintian/overrides/libtryall | sort)" ]
  dpkg-deb -x "$DEB_LIB" "$BATS_TEST_TMPDIR/x"
  [ "$(elf_class "$BATS_TEST_TMPDIR/x/usr/lib/$TRIPLET/libtryall/libtryall.so")" = \
    "$(elf_class /proc/self/exe)" ]
}

@test "lib32tryall (amd64) ships the 32-bit library in /usr/lib32/libtryall/ only" {
  [ "$ARCH" = amd64 ] || skip "lib32tryall is built on amd64 only"
  run files "$DEB_LIB32"
  printf '%s\n' "$output"
  [ "$output" = "$(printf '%s\n' usr/lib32/libtryall/libtryall.so \
    usr/share/doc/lib32tryall/changelog.gz usr/share/doc/lib32tryall/copyright \
    usr/share/lintian/overrides/lib32tryall | sort)" ]
  dpkg-deb -x "$DEB_LIB32" "$BATS_TEST_TMPDIR/x"
  [ "$(elf_class "$BATS_TEST_TMPDIR/x/usr/lib32/libtryall/libtryall.so")" = 1 ]
}

@test "tryall-run ships the wrapper configured for /usr, the docs, and every man page and example of the tree" {
  run files "$DEB_RUN"
  printf '%s\n' "$output"
  local want=(usr/bin/tryall-run usr/share/doc/tryall-run/copyright usr/share/doc/tryall-run/changelog.gz)
  local f n
  for f in README "$ROOT"/docs/*.md; do
    n=${f##*/}
    want+=("usr/share/doc/tryall-run/$n")
  done
  for f in "$ROOT"/man/*.[1-8]; do
    [ -e "$f" ] || continue
    n=${f##*/}
    want+=("usr/share/man/man${n##*.}/$n.gz")
  done
  for f in "$ROOT"/examples/* "$ROOT"/docs/libtryall.conf.example; do
    [ -e "$f" ] || continue
    n=${f##*/}
    want+=("usr/share/doc/tryall-run/examples/${n%.example}")
  done
  # dh_compress gzips documents of 4 kB and more: compare without .gz there
  local got
  got=$(sed -e '/^usr\/share\/doc\//s/\.gz$//' <<<"$output" | sort)
  [ "$got" = "$(printf '%s\n' "${want[@]}" | sed -e '/^usr\/share\/doc\//s/\.gz$//' | sort)" ]

  dpkg-deb -x "$DEB_RUN" "$BATS_TEST_TMPDIR/x"
  local w=$BATS_TEST_TMPDIR/x/usr/bin/tryall-run
  [ "$("$w" --version)" = "tryall-run $VERSION" ]
  grep -qx "_tr_libroot='/usr'" "$w"
  run ! grep -n '@[A-Z]*@' "$w"
}

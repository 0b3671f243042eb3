#!/usr/bin/env bats
# bats/slow/valgrind.bats - owns `make check-valgrind` (not part of `make
# check`: the bats suite runs only bats/*.bats, not this subdirectory).
# The C clients of the bats suite (naive_gai, loop_gai, threads_gai,
# nb_client in every wait mode) and the hardening clients (stress, sigs,
# forky), run in the namespace scenarios of ../lib/netns.bash under
# valgrind with libtryall preloaded (valgrind passes LD_PRELOAD on to its
# client):
#   memcheck --leak-check=full --track-fds=yes --error-exitcode=97: no
#     memory error, no definite leak, and no descriptor open at exit beyond
#     stdin/out/err, what the test bed handed down and what the same client
#     leaves open without libtryall (nb_client's epoll sets);
#   helgrind (threads_gai, stress with fewer threads): no report beyond the
#     documented lock-free hints and glibc's own (helgrind.supp).
# Needs root and valgrind (skips otherwise). Run `make all clients` first.

load ../lib/netns

setup_file() {
  NS_PROBED=$(ns_probe)
  export NS_PROBED
}

setup() {
  ns_require
  command -v valgrind >/dev/null || skip "needs valgrind"
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  LIB=$ROOT/build/libtryall.so
  C=$ROOT/build/clients
  local b
  for b in naive_gai loop_gai threads_gai nb_client nb_fortify stress sigs forky; do
    [ -x "$C/$b" ] || { echo "$C/$b missing: run make all clients" >&2; return 1; }
  done
  [ -e "$LIB" ] || { echo "$LIB missing: run make" >&2; return 1; }
  export NS_TIMEOUT=150
  MEMCHECK=(valgrind --suppressions="$BATS_TEST_DIRNAME/memcheck.supp" --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-fds=yes --error-exitcode=97 --child-silent-after-fork=yes --num-callers=30)
  MEMCHECK_NOLEAK=(valgrind --leak-check=no --error-exitcode=97 --child-silent-after-fork=yes --num-callers=30)
  HELGRIND=(valgrind --tool=helgrind --suppressions="$BATS_TEST_DIRNAME/helgrind.supp"
    --error-exitcode=97 --child-silent-after-fork=yes --num-callers=30)
}

# vg SCEN [shim|plain] TOOL-ARRAY-NAME CMD...: run CMD under valgrind in SCEN,
# with libtryall preloaded or not; the valgrind log is in $VGLOG.
vg() {
  local scen=$1 how=$2 tool=$3 pre=()
  shift 3
  local -n t=$tool
  VGLOG=$(mktemp "$BATS_TEST_TMPDIR/vg.XXXXXX")
  [ "$how" = shim ] && pre=(LD_PRELOAD="$LIB" TRYALL_DELAY_MS=100 ${VG_ENV:-})
  run_in_ns "$scen" env "${pre[@]}" "${t[@]}" --log-file="$VGLOG" "$@"
}

# The descriptors open at exit that were neither std nor inherited, as
# "KIND@CREATOR" (creator: the function that made it), sorted.
vg_fds() {
  awk '
    /Open .* [0-9]+:/ {
      line = $0; sub(/^==[0-9]+== +/, "", line)
      kind = line; sub(/^Open /, "", kind); sub(/ [0-9]+:.*$/, "", kind)
      if ((getline nxt) <= 0) { print kind; next }
      if (nxt ~ /inherited from parent/) next
      fn = nxt; sub(/^.*: /, "", fn); sub(/ .*$/, "", fn)
      print kind "@" fn
    }' "$VGLOG" | sort | xargs
}

vg_errors() {
  sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$VGLOG" | tail -n 1
}

# No valgrind error; the descriptors left open at exit are exactly $1 ("" = none).
assert_vg_clean() {
  local want=${1:-} e f
  e=$(vg_errors)
  f=$(vg_fds)
  if [ "$e" != 0 ] || [ "$f" != "$want" ]; then
    echo "valgrind: $e errors; open at exit: '$f' (allowed: '$want'); log:" >&2
    cat "$VGLOG" >&2
    return 1
  fi
}

@test "memcheck: naive_gai and loop_gai racing (refused, black-holed first): no error, no leak, no descriptor left" {
  local scen
  for scen in refused6 refused4 bh6 bh2; do
    vg $scen shim MEMCHECK "$C/naive_gai" $scen 8080
    assert_status 0
    assert_has "connected "
    assert_vg_clean
  done
  for scen in refused6 bh6; do
    vg $scen shim MEMCHECK "$C/loop_gai" $scen 8080
    assert_status 0
    assert_has "connected "
    assert_vg_clean
  done
}

@test "memcheck: threads_gai, 8 threads racing at once" {
  vg bh6 shim MEMCHECK "$C/threads_gai" -n 8 bh6 8080
  assert_status 0
  assert_line "connected 8/8"
  assert_vg_clean
  vg refused4 shim MEMCHECK "$C/threads_gai" -n 8 refused4 8080
  assert_status 0
  assert_line "connected 8/8"
  assert_vg_clean
}

@test "memcheck: nb_client in every wait mode, racing a black-holed first address" {
  local m bin want
  # not epoll-pwait2: valgrind 3.19 answers it ENOSYS
  for m in poll ppoll select pselect poll_chk epoll-lt epoll-et epoll-oneshot epoll-pwait \
           epoll-two-sets epoll-shared; do
    bin=nb_client
    [ "$m" = poll_chk ] && bin=nb_fortify
    # what the client itself leaves open (its epoll sets), without libtryall
    vg single plain MEMCHECK "$C/$bin" -m $m single 8080
    assert_status 0
    want=$(vg_fds)
    vg bh6 shim MEMCHECK "$C/$bin" -m $m -g bh6 8080
    assert_status 0
    assert_has "connected "
    assert_line "body ok"
    assert_vg_clean "$want"
  done
  vg refused6 shim MEMCHECK "$C/nb_client" -m poll -a -p -w refused6 8080
  assert_status 0
  assert_vg_clean
}

@test "memcheck: stress (8 threads; blocking, non-blocking, abandoned and failed races)" {
  vg refused6 shim MEMCHECK "$C/stress" -t 8 -n 10 -f 300 -i 0 -w 120
  assert_status 0
  assert_line "stress ok"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
}

@test "memcheck: pthread_cancel during racing connects leaks no memory and no descriptor" {
  vg refused6 shim MEMCHECK "$C/sigs" cancel -n 12 8080
  assert_status 0
  assert_line "sigs ok"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
}

@test "memcheck: signals against blocking races, fork mid-race" {
  vg refused6 shim MEMCHECK "$C/sigs" eintr timeo-restart allbh 8080
  assert_status 0
  assert_line "calls: EINTR EINTR EINTR"
  assert_vg_clean
  # (the storm repeats races and needs each to run its course: no history)
  VG_ENV=TRYALL_HISTORY=off vg refused6 shim MEMCHECK "$C/sigs" storm -t 2 -n 30
  assert_status 0
  assert_line "sigs ok"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
  # a fork child inherits the parent's other threads' memory as unreachable:
  # memory errors only, no leak check, for the forking client
  VG_ENV=TRYALL_HISTORY=off vg refused6 shim MEMCHECK_NOLEAK "$C/forky" midrace -n 2
  assert_status 0
  assert_line "forky ok"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
}

@test "helgrind: threads_gai and stress with the shim: no race or lock-order report" {
  vg bh6 shim HELGRIND "$C/threads_gai" -n 4 bh6 8080
  [ "$status" = 0 ] || cat "$VGLOG" >&2
  assert_status 0
  assert_line "connected 4/4"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
  vg refused6 shim HELGRIND "$C/stress" -t 8 -n 20 -f 200 -i 0 -w 120
  assert_status 0
  assert_line "stress ok"
  [ "$(vg_errors)" = 0 ] || { cat "$VGLOG" >&2; return 1; }
}

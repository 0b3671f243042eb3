#!/bin/sh
# tests/check_layers.sh BUILD_DIR - `make check-layers`: the floors of src/
# (docs/design.md) hold.
#  1. One way to the kernel: no object outside src/hooks/ references an
#     interposed function by name (nm -u). The interposed functions are the
#     ones the library exports (nm -D --defined-only on libtryall.so).
#  2. Arrows point down: no file includes a header from a floor above its own
#     (hooks > calls > race > sys > core), and every include of ours names
#     its floor ("race/race.h", not "race.h").
# Prints each breach; exits 1 if there is one.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
LIB=$B/libtryall.so
[ -e "$LIB" ] || { echo "check-layers: $LIB missing (run make)" >&2; exit 2; }
rc=0

rank() {
    case $1 in
    hooks) echo 4 ;; calls) echo 3 ;; race) echo 2 ;; sys) echo 1 ;; core) echo 0 ;;
    *) echo -1 ;;
    esac
}

# 1. interposed symbols referenced by name below the hooks
exported=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TW]$/ { print $3 }' | sort -u)
[ -n "$exported" ] || { echo "check-layers: no exported symbol in $LIB" >&2; exit 2; }
nobj=0
for o in "$B"/obj/*/*.o; do
    layer=$(basename "$(dirname "$o")")
    [ "$layer" = hooks ] && continue
    nobj=$((nobj + 1))
    for sym in $(nm -u "$o" | awk '{ print $2 }' | sed 's/@.*//'); do
        if printf '%s\n' "$exported" | grep -qx -- "$sym"; then
            echo "check-layers: $o calls the interposed $sym by name: use real()->$sym (sys/real.h)"
            rc=1
        fi
    done
done
[ "$nobj" -gt 0 ] || { echo "check-layers: no objects under $B/obj" >&2; exit 2; }

# 2. includes point down, and name their floor
for f in src/*/*.c src/*/*.h; do
    layer=$(basename "$(dirname "$f")")
    mine=$(rank "$layer")
    [ "$mine" -ge 0 ] || { echo "check-layers: $f is in no floor"; rc=1; continue; }
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case $inc in
        */*) ;;
        *) echo "check-layers: $f includes \"$inc\" without its floor"; rc=1; continue ;;
        esac
        theirs=$(rank "${inc%%/*}")
        if [ "$theirs" -lt 0 ]; then
            echo "check-layers: $f includes \"$inc\", which is in no floor"; rc=1
        elif [ "$theirs" -gt "$mine" ]; then
            echo "check-layers: $f ($layer) includes \"$inc\" from a floor above"; rc=1
        fi
    done
done

[ "$rc" -eq 0 ] && echo "check-layers: ok ($nobj objects below hooks/, $(ls src/*/*.[ch] | wc -l) files in 5 floors)"
exit $rc

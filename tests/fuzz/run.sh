#!/bin/sh
# tests/fuzz/run.sh - owns running the fuzz targets (the Makefile's `make
# fuzz` and `make check-fuzz-corpus`).
#   run.sh OUTDIR SECONDS TARGET...     each libFuzzer TARGET for SECONDS
#       over its seed corpus tests/fuzz/corpus/<name>/ (never written: new
#       inputs go to OUTDIR/corpus/<name>/), with tests/fuzz/<name>.dict if
#       there is one; a crash, a broken invariant, a hang (-timeout), a leak
#       or running out of memory leaves the input in OUTDIR/crash/<name>/.
#   run.sh --replay OUTDIR TARGET...    each replay build (tests/fuzz/replay.c)
#       over its seed corpus once.
# Prints one line per target; exits 0 when every target was clean, 1 when
# any found something (all targets still run), 2 on usage errors.
# Must never write into tests/.
set -u
cd "$(dirname "$0")/../.."
replay=
if [ "${1:-}" = --replay ]; then replay=1; shift; fi
[ $# -ge 2 ] || { echo "usage: run.sh [--replay] OUTDIR [SECONDS] TARGET..." >&2; exit 2; }
out=$1; shift
if [ -z "$replay" ]; then secs=$1; shift; fi
failed=
for t in "$@"; do
    name=$(basename "$t")
    seeds=tests/fuzz/corpus/$name
    [ -d "$seeds" ] || { echo "$name: no seed corpus $seeds" >&2; failed="$failed $name"; continue; }
    if [ -n "$replay" ]; then
        if r=$("$t" "$seeds" 2>&1); then
            echo "$name: replayed $r"
        else
            printf '%s\n' "$r" >&2
            echo "$name: FAILED on its corpus"
            failed="$failed $name"
        fi
        continue
    fi
    mkdir -p "$out/corpus/$name" "$out/crash/$name"
    dict=
    [ ! -f "tests/fuzz/$name.dict" ] || dict=-dict=tests/fuzz/$name.dict
    log=$out/$name.log
    "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/crash/$name/" $dict "$out/corpus/$name" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $rc -eq 0 ]; then
        echo "$name: ok, ${runs:-?} runs in ${secs} s, corpus $(ls "$out/corpus/$name" | wc -l) entries"
    else
        tail -n 40 "$log" >&2
        echo "$name: FOUND something (exit $rc): $(ls "$out/crash/$name" | tr '\n' ' ')"
        failed="$failed $name"
    fi
done
if [ -n "$failed" ]; then
    if [ -n "$replay" ]; then
        echo "fuzz: failed:$failed (a corpus entry breaks an invariant: see above)"
    else
        echo "fuzz: failed:$failed (inputs under $out/crash/)"
    fi
    exit 1
fi
exit 0

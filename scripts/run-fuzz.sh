#!/bin/sh
# Runs every libFuzzer target for a bounded time, seeded from tests/fuzz/corpus/<target>/, with
# tests/fuzz/dict/<target>.dict as its dictionary when there is one. FUZZ_JOBS targets run at
# once (default 1); FUZZ_TARGETS limits the run to some targets (space-separated names).
# Crash, leak, timeout and out-of-memory inputs are kept as BUILD/<target>-<kind>-<sha1>; the
# executions and the result of each target are written to BUILD/fuzz-summary.md.
set -eu
build=$1; secs=$2
jobs=${FUZZ_JOBS:-1}
summary="$build/fuzz-summary.md"

one() {
    f=$1; n=$(basename "$f")
    corpus="$build/corpus-$n"
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$n" ] && cp -n tests/fuzz/corpus/"$n"/* "$corpus"/ 2>/dev/null || true
    dict=""
    [ -f "tests/fuzz/dict/$n.dict" ] && dict="-dict=tests/fuzz/dict/$n.dict"
    echo "== $n ($secs s)"
    rc=0
    # shellcheck disable=SC2086 # $dict is empty or one word
    "$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 $dict \
        -artifact_prefix="$build/$n-" -print_final_stats=1 "$corpus" >"$build/$n.log" 2>&1 || rc=$?
    execs=$(grep -a 'stat::number_of_executed_units' "$build/$n.log" | awk '{print $2}')
    if [ $rc -eq 0 ]; then res=clean; else res="FAILED (exit $rc, see $n.log)"; fi
    echo "| $n | $secs | ${execs:-?} | $res |" >>"$summary"
    if [ $rc -ne 0 ]; then
        echo "FAILED: $n (see $build/$n.log)"; tail -30 "$build/$n.log"
        return 1
    fi
}

{
    echo "# fuzz run $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $jobs at once on $(nproc) cores"
    echo
    echo "| target | seconds | executions | result |"
    echo "|---|---|---|---|"
} >"$summary"

targets=""
for f in "$build"/fuzz_*; do
    [ -x "$f" ] || continue
    case "$f" in *.log) continue ;; esac
    n=$(basename "$f")
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        case " $FUZZ_TARGETS " in *" $n "*) ;; *) continue ;; esac
    fi
    targets="$targets $f"
done

fail=0
if [ "$jobs" -le 1 ]; then
    for f in $targets; do one "$f" || fail=1; done
else
    # a simple pool: start up to $jobs, wait for all of each batch
    set -- $targets
    while [ $# -gt 0 ]; do
        pids=""
        i=0
        while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
            one "$1" & pids="$pids $!"
            shift; i=$((i + 1))
        done
        for p in $pids; do wait "$p" || fail=1; done
    done
fi
cat "$summary"
exit $fail

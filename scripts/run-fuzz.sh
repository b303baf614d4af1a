#!/bin/sh
# Runs every libFuzzer target for a bounded time, seeded from tests/fuzz/corpus/<target>/, with
# tests/fuzz/dict/<target>.dict as its dictionary when there is one.
set -eu
build=$1; secs=$2
fail=0
for f in "$build"/fuzz_*; do
    [ -x "$f" ] || continue
    n=$(basename "$f")
    corpus="$build/corpus-$n"
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$n" ] && cp -n tests/fuzz/corpus/"$n"/* "$corpus"/ 2>/dev/null || true
    dict=""
    [ -f "tests/fuzz/dict/$n.dict" ] && dict="-dict=tests/fuzz/dict/$n.dict"
    echo "== $n ($secs s)"
    # shellcheck disable=SC2086 # $dict is empty or one word
    if ! "$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 $dict \
         -print_final_stats=1 "$corpus" >"$build/$n.log" 2>&1; then
        echo "FAILED: $n (see $build/$n.log)"; tail -30 "$build/$n.log"; fail=1
    fi
done
exit $fail

#!/bin/sh
# Runs every benchmark program built in BUILD (bench_*) and any bench/*.sh script, collecting their
# Markdown output in BUILD/bench-results.md. Numbers go into docs/performance.md by hand, with the
# machine they were measured on.
set -u
build=${1:-build}
out="$build/bench-results.md"
{
    echo "# Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -m)"
    echo
} >"$out"
rc=0
for b in "$build"/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")" >&2
    args=""
    case "$(basename "$b")" in
    bench_milter) args="-n 10000 -f 10000 -c 8 -s 100 -H 30 -u" ;; # needs root; prints "skipped" otherwise
    esac
    # shellcheck disable=SC2086
    if ! "$b" $args >>"$out"; then
        echo "FAILED: $b" >&2
        rc=1
    fi
done
for s in bench/*.sh; do
    [ -f "$s" ] || continue
    echo "== $s" >&2
    if ! sh "$s" "$build" >>"$out"; then
        echo "FAILED: $s" >&2
        rc=1
    fi
done
cat "$out"
exit $rc

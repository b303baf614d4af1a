#!/usr/bin/env bash
# `make check-real`: scans a folder of real documents built by scripts/real-samples.sh with the
# built emoguard (one process per file, `timeout 60`, two at a time), optionally runs oletools'
# mraptor and olevba on the same files, and prints one line per file, tables per family and per
# type, and a last summary line. Not run by CI or `make check`: the samples are not in the
# repository. Never executes a sample.
#
# Usage: scripts/check-real.sh BUILD_DIR [REAL_SAMPLES_DIR]
#   OLETOOLS=DIR   oletools source checkout (default /work/oletools if it holds oletools/olevba.py;
#                  OLETOOLS=none turns it off)
#   DOC=1          also rewrite the generated part of docs/detection.md
#   JOBS=N         files scanned at once (default 2)
set -uo pipefail

BUILD="${1:-build}"
REAL="${2:-${REAL_SAMPLES:-}}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$REAL" ] || [ ! -f "$REAL/labels.tsv" ]; then
    cat <<EOF
check-real: no real samples given (REAL_SAMPLES=${REAL:-unset}).
  Build them outside the repository from the public repositories' git snapshots:
    scripts/real-samples.sh -m /work/.mirror /work/real-samples
  then: make check-real REAL_SAMPLES=/work/real-samples [OLETOOLS=/work/oletools] [DOC=1]
  See docs/detection.md ("Real documents").
EOF
    exit 0
fi
REAL="$(cd "$REAL" && pwd)"
EG="$here/$BUILD/emoguard"
[ -x "$EG" ] || EG="$BUILD/emoguard"
[ -x "$EG" ] || { echo "check-real: $EG not built" >&2; exit 2; }
JOBS="${JOBS:-2}"
OUT="$here/$BUILD/check-real"
rm -rf "$OUT"
mkdir -p "$OUT/eg"

# emoguard: a bare document is scanned as a file (no mail around it); the JSON report has the
# verdict, score and findings. The exit code (0-2 verdict, 3 usage, 4 unreadable, >4 crash,
# 124 timeout) is kept beside it.
tail -n +2 "$REAL/labels.tsv" | cut -f1 | awk '{print NR "\t" $0}' >"$OUT/list.tsv"
export EG REAL OUT
cut -f1 "$OUT/list.tsv" | xargs -P "$JOBS" -I{} sh -c '
    f=$(awk -F"\t" -v n={} "\$1==n {print \$2}" "$OUT/list.tsv")
    timeout 60 "$EG" scan --format json --lang en "$REAL/$f" >"$OUT/eg/{}.json" 2>"$OUT/eg/{}.err"
    echo $? >"$OUT/eg/{}.rc"'

OT="${OLETOOLS:-}"
if [ -z "$OT" ] && [ -f /work/oletools/oletools/olevba.py ]; then OT=/work/oletools; fi
if [ -n "$OT" ] && [ "$OT" != none ]; then
    # oletools' results do not depend on emoguard: kept beside the build, reused while the
    # sample set (labels.tsv) and the oletools checkout stay the same
    cache="$here/$BUILD/check-real-oletools.tsv"
    key="$(cat "$REAL/labels.tsv" "$OT/oletools/olevba.py" "$here/scripts/real-oletools.py" 2>/dev/null | sha256sum | cut -c1-16)"
    if [ -f "$cache" ] && [ "$(cat "$cache.key" 2>/dev/null)" = "$key" ]; then
        cp "$cache" "$OUT/oletools.tsv"
    elif [ -f "$OT/oletools/olevba.py" ]; then
        # two halves in parallel: olevba is pure Python and slow on large workbooks
        n=$(wc -l <"$OUT/list.tsv")
        cut -f2 "$OUT/list.tsv" | head -n $(((n + 1) / 2)) >"$OUT/ot.a"
        cut -f2 "$OUT/list.tsv" | tail -n +$(((n + 1) / 2 + 1)) >"$OUT/ot.b"
        for h in a b; do
            (mapfile -t fl <"$OUT/ot.$h"
             [ ${#fl[@]} -gt 0 ] && PYTHONPATH="$OT" /usr/bin/python3 "$here/scripts/real-oletools.py" \
                 "$REAL" "$OUT/oletools.$h.tsv" "${fl[@]}") &
        done
        wait
        cat "$OUT"/oletools.?.tsv >"$OUT/oletools.tsv" 2>/dev/null
        cp "$OUT/oletools.tsv" "$cache" && echo "$key" >"$cache.key"
    else
        echo "check-real: OLETOOLS=$OT has no oletools/olevba.py; oletools columns left out" >&2
    fi
fi

args=("$REAL" "$OUT")
[ "${DOC:-0}" = 1 ] && args+=(--doc "$here/docs/detection.md")
python3 "$here/scripts/real-report.py" "${args[@]}"

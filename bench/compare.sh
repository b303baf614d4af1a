#!/bin/sh
# emoguard beside clamd and rspamd on the same generated corpora (issue 19's comparison), run by
# `make bench` (scripts/run-bench.sh passes the build directory as $1). Prints a Markdown table of
# mails/s and ratios; a tool that is not installed gets a "not installed (make deps-bench)" row and
# the script still exits 0. It measures throughput in one run on one machine: the ratios are the
# figures to quote, the absolute rates depend on the machine and its load. It asserts nothing.
#
# Corpora (bench/compare_corpus.py, fixed seeds, harmless content): benign business mails,
# Emotet-style lures mixed with business mails, password-ZIP mails (ZipCrypto and AES-256, the
# password in the body). The archivers' random salts make the ZIP bytes differ from run to run.
#
# clamd runs privately (own config, socket and database directory in a temp dir, MaxThreads 2,
# heuristics on) with no signature database: clamd refuses to start without one, so its database
# directory holds a single made-up MD5 signature of a string that never occurs. freshclam never
# runs. rspamd runs privately (2 normal workers, local.d overrides in a temp dir, no redis, DNS
# pointed at a closed local port, the DNS-using modules and the phishing module's phishtank
# lookups disabled). Neither touches the system services or their files; both are stopped by pid
# when the script ends.
#
# Environment: COMPARE_BENIGN, COMPARE_MIXED, COMPARE_PWZIP (corpus sizes), COMPARE_RUNS (3),
# COMPARE_KEEP=1 keeps the temp dir (corpora, configurations, logs).
# It does not: time emoguard's or the others' start-up separately, judge their verdicts (the
# flagged counts are printed for information only), or run in CI.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
emoguard=$build/emoguard
runs=${COMPARE_RUNS:-3}
n_benign=${COMPARE_BENIGN:-2000}
n_mixed=${COMPARE_MIXED:-1000}
n_pwzip=${COMPARE_PWZIP:-600}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

if [ ! -x "$emoguard" ]; then
    echo "## emoguard beside clamd and rspamd"
    echo
    echo "skipped: $emoguard is not built"
    exit 0
fi
emoguard=$(cd "$(dirname "$emoguard")" && pwd)/emoguard

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eg-compare.XXXXXX")
clamd_pid=""
rspamd_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    [ -n "$clamd_pid" ] && kill "$clamd_pid" 2>/dev/null && wait "$clamd_pid" 2>/dev/null
    [ -n "$rspamd_pid" ] && kill "$rspamd_pid" 2>/dev/null && wait "$rspamd_pid" 2>/dev/null
    if [ -n "${COMPARE_KEEP:-}" ]; then echo "compare: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
log() { echo "compare: $*" >&2; }
now() { date +%s.%N; }
# an executable on PATH (bash's command -v also names a file it found but cannot run)
have() {
    local p
    p=$(command -v "$1" 2>/dev/null) && [ -x "$p" ]
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ---- corpora ----
tpl=$tmp/templates
mkdir -p "$tpl"
if [ -x "$build/eg_make_examples" ] && "$build/eg_make_examples" "$tpl" >/dev/null 2>&1; then
    tpl_from="eg_make_examples"
else
    cp "$src"/examples/1*.eml "$tpl"/ 2>/dev/null
    tpl_from="examples/ (eg_make_examples not built)"
fi
sh "$src/scripts/make-examples.sh" "$tpl" >/dev/null 2>&1 || log "scripts/make-examples.sh failed"
log "writing the corpora ($n_benign + $n_mixed + $n_pwzip mails)"
if ! "$python" "$src/bench/compare_corpus.py" "$tmp/corpus" "$tpl" "$n_benign" "$n_mixed" "$n_pwzip" >"$tmp/corpus.log" 2>&1; then
    cat "$tmp/corpus.log" >&2
    echo "compare: the corpus writer failed" >&2
    exit 1
fi
corpora="benign mixed pwzip"
declare -A label count mb
label[benign]="benign business mail (ja/en, text, HTML, PDF/CSV/text attachments)"
label[mixed]="Emotet-style lures + business mail (1:1)"
label[pwzip]="password-ZIP mails (ZipCrypto and AES-256, password in the body)"
for c in $corpora; do
    count[$c]=$(find "$tmp/corpus/$c" -name '*.eml' | wc -l)
    mb[$c]=$(du -sk "$tmp/corpus/$c" | awk '{ printf "%.1f", $1 / 1024 }')
done

# ---- clamd ----
have_clamd=no
clamd_note="not installed (make deps-bench)"
if have clamd && have clamdscan; then
    mkdir -p "$tmp/clamdb" "$tmp/clamtmp"
    # the one signature clamd needs to start: the MD5 of a string no mail holds
    sig="emoguard benchmark: placeholder signature, matches nothing"
    printf '%s:%s:Emoguard.Bench.Placeholder\n' "$(printf '%s' "$sig" | md5sum | cut -d' ' -f1)" \
        "$(printf '%s' "$sig" | wc -c | tr -d ' ')" >"$tmp/clamdb/placeholder.hdb"
    cat >"$tmp/clamd.conf" <<EOF
Foreground yes
LocalSocket $tmp/clamd.sock
PidFile $tmp/clamd.pid
LogFile $tmp/clamd.log
LogTime yes
TemporaryDirectory $tmp/clamtmp
DatabaseDirectory $tmp/clamdb
MaxThreads 2
MaxQueue 200
SelfCheck 0
DisableCache yes
HeuristicAlerts yes
HeuristicScanPrecedence no
ScanPE yes
ScanELF yes
ScanOLE2 yes
ScanPDF yes
ScanSWF yes
ScanXMLDOCS yes
ScanHWP3 yes
ScanOneNote yes
ScanMail yes
ScanHTML yes
ScanArchive yes
PhishingScanURLs yes
AlertOLE2Macros yes
AlertEncrypted no
AlertEncryptedArchive no
AlertEncryptedDoc no
AlertBrokenExecutables no
AlertBrokenMedia no
Bytecode yes
EOF
    if [ "$(id -u)" = 0 ]; then echo "User root" >>"$tmp/clamd.conf"; fi
    clamd -c "$tmp/clamd.conf" >"$tmp/clamd.out" 2>&1 &
    clamd_pid=$!
    ok=no
    for _ in $(seq 1 120); do
        if [ -S "$tmp/clamd.sock" ] && clamdscan -c "$tmp/clamd.conf" --ping 1 >/dev/null 2>&1; then
            ok=yes
            break
        fi
        kill -0 "$clamd_pid" 2>/dev/null || break
        sleep 0.5
    done
    if [ $ok = yes ]; then
        have_clamd=yes
        clamd_note="$(clamd --version | cut -d/ -f1), MaxThreads 2, heuristics on, no signature database"
    else
        clamd_note="failed to start (details on stderr)"
        log "clamd did not start:"
        tail -5 "$tmp/clamd.out" "$tmp/clamd.log" >&2 2>/dev/null
        kill "$clamd_pid" 2>/dev/null
        clamd_pid=""
    fi
fi

# ---- rspamd ----
have_rspamd=no
rspamd_note="not installed (make deps-bench)"
# the modules that query DNS (or fetch lists over the network for their checks); DNS itself goes
# to a closed local port with a short timeout, so anything left fails at once instead of waiting
rspamd_off="rbl spf dkim dmarc arc asn emails hfilter fuzzy_check whitelist mx_check rspamd_update"
if have rspamd && have rspamc; then
    r=$tmp/rspamd
    # the compiled hyperscan databases are kept in the build directory: compiling them takes
    # minutes, and they depend only on rspamd's rules
    db=$(cd "$build" && pwd)/compare-rspamd-db
    mkdir -p "$r/local.d" "$r/run" "$db"
    printf 'bind_socket = "%s/normal.sock mode=0600";\ncount = 2;\n' "$r" >"$r/local.d/worker-normal.inc"
    printf 'bind_socket = "%s/controller.sock mode=0600";\ncount = 1;\n' "$r" >"$r/local.d/worker-controller.inc"
    printf 'enabled = false;\n' >"$r/local.d/worker-proxy.inc"
    printf 'type = "file";\nfilename = "%s/rspamd.log";\nlevel = "info";\n' "$r" >"$r/local.d/logging.inc"
    printf 'dns {\n  nameserver = ["127.0.0.1:1"];\n  timeout = 0.1s;\n  retransmits = 0;\n}\n' >"$r/local.d/options.inc"
    for m in $rspamd_off; do printf 'enabled = false;\n' >"$r/local.d/$m.conf"; done
    # the phishing module stays (its checks of link text against target are local); its
    # phishtank lookups are DNS queries, one per URL
    printf 'phishtank_enabled = false;\nopenphish_enabled = false;\n' >"$r/local.d/phishing.conf"
    insecure=""
    [ "$(id -u)" = 0 ] && insecure=-i
    rspamd -f $insecure -c /etc/rspamd/rspamd.conf --var "LOCAL_CONFDIR=$r" --var "DBDIR=$db" \
        --var "RUNDIR=$r/run" --var "LOGDIR=$r" >"$r/out.txt" 2>&1 &
    rspamd_pid=$!
    log "waiting for rspamd (the first start compiles its hyperscan databases: minutes)"
    ok=no
    probe=$(find "$tmp/corpus/benign" -name '*.eml' | head -1)
    for _ in $(seq 1 1200); do
        kill -0 "$rspamd_pid" 2>/dev/null || break
        # ready when a worker answers and the hyperscan helper has compiled (or loaded) the
        # databases and told the workers, then ended; an rspamd built without hyperscan has no
        # helper, so after 60 s of answers it counts as ready anyway
        if [ -S "$r/normal.sock" ] && rspamc -h "$r/normal.sock" -t 5 symbols "$probe" >/dev/null 2>&1; then
            answered=$((${answered:-0} + 1))
            if grep -q "hs_helper process [0-9]* terminated normally" "$r/rspamd.log" 2>/dev/null ||
                [ "$answered" -ge 120 ]; then
                ok=yes
                break
            fi
        fi
        sleep 0.5
    done
    if [ $ok = yes ]; then
        sleep 2 # let the second worker load the databases too
        have_rspamd=yes
        rspamd_note="$(rspamd --version 2>/dev/null | sed -n 's/.*version \([0-9.]*\).*/rspamd \1/p'), 2 normal workers, no redis, DNS modules off"
    else
        rspamd_note="failed to start (details on stderr)"
        log "rspamd did not get ready:"
        tail -5 "$r/out.txt" "$r/rspamd.log" >&2 2>/dev/null
        kill "$rspamd_pid" 2>/dev/null
        rspamd_pid=""
    fi
fi

# ---- the runs: A B C, A B C, ... on each corpus ----
declare -A t_eg t_clamd t_rspamd f_eg f_clamd f_rspamd err opened_eg
add_time() { # name corpus seconds: keeps every time, space separated
    local -n arr=$1
    arr[$2]="${arr[$2]:-} $3"
}
for c in $corpora; do
    dir=$tmp/corpus/$c
    for i in $(seq 1 "$runs"); do
        log "$c run $i/$runs"
        t0=$(now)
        "$emoguard" scan -j 2 --format json "$dir" >"$tmp/eg.out" 2>"$tmp/eg.err"
        rc=$?
        t1=$(now)
        [ $rc -le 2 ] || err[eg_$c]="exit $rc: $(head -1 "$tmp/eg.err")"
        add_time t_eg "$c" "$(elapsed "$t0" "$t1")"
        f_eg[$c]=$(grep -c '"verdict": *"\(suspicious\|malicious\)"' "$tmp/eg.out")
        # mails in which emoguard decrypted an archive entry
        opened_eg[$c]=$(grep -c '"flags": *\[[^]]*"decrypted"' "$tmp/eg.out")
        if [ $have_clamd = yes ]; then
            t0=$(now)
            clamdscan -c "$tmp/clamd.conf" --fdpass -m --no-summary "$dir" >"$tmp/clamd.out.txt" 2>&1
            rc=$?
            t1=$(now)
            [ $rc -le 1 ] || err[clamd_$c]="exit $rc: $(grep -v 'OK$' "$tmp/clamd.out.txt" | head -1)"
            add_time t_clamd "$c" "$(elapsed "$t0" "$t1")"
            f_clamd[$c]=$(grep -c ' FOUND$' "$tmp/clamd.out.txt")
        fi
        if [ $have_rspamd = yes ]; then
            t0=$(now)
            find "$dir" -name '*.eml' | sort | xargs rspamc -h "$r/normal.sock" -n 8 -t 60 symbols >"$tmp/rspamd.out.txt" 2>&1
            rc=$?
            t1=$(now)
            [ $rc = 0 ] || err[rspamd_$c]="exit $rc"
            add_time t_rspamd "$c" "$(elapsed "$t0" "$t1")"
            f_rspamd[$c]=$(grep -c '^Action: \(reject\|add header\|rewrite subject\|soft reject\|greylist\)' "$tmp/rspamd.out.txt")
        fi
    done
done

# rspamd's log says how many DNS requests each mail made: should be none
rspamd_dns=""
[ $have_rspamd = yes ] && rspamd_dns="$(grep -c 'dns req: [1-9]' "$r/rspamd.log") of $(grep -c 'dns req: ' "$r/rspamd.log") scans (with the readiness probes) made any"

# clamd cannot decrypt: shown on the password-ZIP corpus by one untimed pass of clamscan (same
# engine and database) that alerts on every encrypted archive it could not open
enc_clamd=""
if [ $have_clamd = yes ] && have clamscan; then
    enc_clamd=$(clamscan --database="$tmp/clamdb" --alert-encrypted-archive=yes --no-summary -r \
        "$tmp/corpus/pwzip" 2>/dev/null | grep -c 'Encrypted.* FOUND$')
fi

# ---- table ----
# the best of the runs: load from other processes only ever adds time
best() { echo "$1" | tr ' ' '\n' | grep . | sort -g | head -1; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
# goal ratio against clamd and rspamd per corpus (issue 19)
declare -A goal_clamd=([benign]=4 [mixed]=3 [pwzip]=1.5) goal_rspamd=([benign]=10 [mixed]=3 [pwzip]=3)
meets() { awk -v r="$1" -v g="$2" 'BEGIN { print (r + 0 >= g + 0) ? "met" : "**not met**" }'; }

echo "## emoguard beside clamd and rspamd (bench/compare.sh)"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "best of $runs interleaved runs (emoguard, clamd, rspamd, repeated) per corpus."
echo
echo "- emoguard: \`emoguard scan -j 2 --format json DIR\`, default options"
echo "- clamd: $clamd_note"
[ $have_clamd = yes ] && echo "  (one made-up MD5 signature so that clamd starts; DisableCache yes because the lure templates repeat their attachments; \`clamdscan --fdpass -m\`)"
echo "- rspamd: $rspamd_note"
[ $have_rspamd = yes ] && echo "  (disabled: $rspamd_off, phishing's phishtank lookups; DNS to a closed port; per-mail DNS requests in rspamd's log: ${rspamd_dns:-?}; \`rspamc -n 8 symbols\` over a local socket)"
echo "- lure templates from $tpl_from and scripts/make-examples.sh"
echo
echo "| corpus | mails | MB | emoguard mails/s | clamd mails/s | rspamd mails/s | vs clamd (goal) | vs rspamd (goal) | flagged: emoguard / clamd / rspamd |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in $corpora; do
    n=${count[$c]}
    e=$(best "${t_eg[$c]}")
    er=$(rate "$n" "$e")
    if [ $have_clamd = yes ]; then
        cm=$(best "${t_clamd[$c]}")
        cr=$(rate "$n" "$cm")
        vc=$(ratio "$cm" "$e")
        vc="$vc (≥ ${goal_clamd[$c]}x: $(meets "${vc%x}" "${goal_clamd[$c]}"))"
        fc=${f_clamd[$c]}
    else
        cr="not installed (make deps-bench)"
        [ "$clamd_note" = "failed to start (details on stderr)" ] && cr="failed to start"
        vc="- (≥ ${goal_clamd[$c]}x)"
        fc="-"
    fi
    if [ $have_rspamd = yes ]; then
        rm_=$(best "${t_rspamd[$c]}")
        rr=$(rate "$n" "$rm_")
        vr=$(ratio "$rm_" "$e")
        vr="$vr (≥ ${goal_rspamd[$c]}x: $(meets "${vr%x}" "${goal_rspamd[$c]}"))"
        fr=${f_rspamd[$c]}
    else
        rr="not installed (make deps-bench)"
        [ "$rspamd_note" = "failed to start (details on stderr)" ] && rr="failed to start"
        vr="- (≥ ${goal_rspamd[$c]}x)"
        fr="-"
    fi
    echo "| ${label[$c]} | $n | ${mb[$c]} | $er | $cr | $rr | $vc | $vr | ${f_eg[$c]} / $fc / $fr |"
done
echo
echo "Times in seconds, every run: $(for c in $corpora; do printf '%s: emoguard%s' "$c" "${t_eg[$c]}"; \
    [ $have_clamd = yes ] && printf ', clamd%s' "${t_clamd[$c]}"; \
    [ $have_rspamd = yes ] && printf ', rspamd%s' "${t_rspamd[$c]}"; printf '; '; done)"
echo
echo "Password-ZIP corpus: emoguard decrypted an archive in ${opened_eg[pwzip]:-?} of ${count[pwzip]} mails (password taken from the body)$(
    [ -n "$enc_clamd" ] && printf '; clamscan with --alert-encrypted-archive=yes (untimed) reported %s of %s as encrypted archives it could not open' "$enc_clamd" "${count[pwzip]}")."
for k in "${!err[@]}"; do echo "- error in $k: ${err[$k]}"; done
echo
exit 0

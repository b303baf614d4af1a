#!/usr/bin/env bash
# Builds a set of real documents (in-the-wild malware and benign workbooks) for `make check-real`
# from bare git snapshots of public repositories. Nothing here is ever written into the
# repository: DIR must lie outside it. The samples are live malware: this script only copies,
# unzips (7z, password `infected`) and classifies them by their bytes; it never runs them.
#
# Usage: scripts/real-samples.sh [-m MIRROR] DIR
#   MIRROR (or $EG_MIRROR, default /work/.mirror) holds <owner>+<name>/repo bare git dirs:
#     decalage2+oletools, DissectMalware+XLMMacroDeobfuscator, jstrosch+malware-samples,
#     google+maldoca (malicious/test) and SheetJS+test_files, tafia+calamine (benign).
# Result: DIR/malicious/, DIR/benign/, DIR/labels.tsv with the columns
#   file (relative to DIR)  source  family  type  label (malicious|benign)
# Which files are kept and how each is labelled is described in docs/detection.md
# ("Real documents").
set -euo pipefail

MIRROR="${EG_MIRROR:-/work/.mirror}"
while getopts "m:h" opt; do
    case "$opt" in
    m) MIRROR="$OPTARG" ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,15p' "$0"; exit 2; }
DIR="$1"

here="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(realpath -m "$DIR")"
case "$DIR/" in
"$here"/*) echo "real-samples: $DIR lies inside the repository; choose a folder outside it" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
command -v 7z >/dev/null || { echo "real-samples: 7z is needed (apt-get install p7zip-full)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "real-samples: python3 is needed" >&2; exit 2; }

stage="$DIR/.staging"
rm -rf "$stage" "$DIR/malicious" "$DIR/benign" "$DIR/labels.tsv" "$DIR/READY"
mkdir -p "$stage"

# export PATHS... of repo R at HEAD into $stage/R (blobs missing from a snapshot are skipped)
export_paths() {
    local repo="$1"; shift
    local gd="$MIRROR/$repo/repo"
    [ -d "$gd" ] || { echo "real-samples: $gd missing, skipped" >&2; return 0; }
    mkdir -p "$stage/$repo"
    git --git-dir="$gd" ls-tree -r -z --name-only HEAD -- "$@" |
        while IFS= read -r -d '' p; do
            mkdir -p "$stage/$repo/$(dirname "$p")"
            git --git-dir="$gd" cat-file blob "HEAD:$p" >"$stage/$repo/$p" 2>/dev/null ||
                { rm -f "$stage/$repo/$p"; echo "real-samples: $repo:$p not in the snapshot" >&2; }
        done
}

echo "real-samples: exporting from $MIRROR" >&2
export_paths decalage2+oletools tests/test-data
export_paths jstrosch+malware-samples maldocs onenote malware_analysis_exercises \
    trainings_workshops/2021/DefCon/01_delivery
export_paths google+maldoca maldoca
export_paths SheetJS+test_files .
export_paths tafia+calamine tests

# XLMMacroDeobfuscator's samples exist only in its history (tmp/, TMP/)
gd="$MIRROR/DissectMalware+XLMMacroDeobfuscator/repo"
if [ -d "$gd" ]; then
    git --git-dir="$gd" rev-list --objects --all |
        awk '$2 ~ /^(tmp|TMP)\// {print $1, $2}' | sort -u -k2,2 |
        while read -r blob p; do
            [ "$(git --git-dir="$gd" cat-file -t "$blob" 2>/dev/null)" = blob ] || continue
            mkdir -p "$stage/DissectMalware+XLMMacroDeobfuscator/$(dirname "$p")"
            git --git-dir="$gd" cat-file blob "$blob" >"$stage/DissectMalware+XLMMacroDeobfuscator/$p"
        done
fi

# unzip the archives (password `infected` or `infected-test`; plain zips open too) up to three levels deep; an
# OOXML/ODF document is a zip too and is left alone (it has [Content_Types].xml or mimetype)
for round in 1 2 3; do
    found=0
    while IFS= read -r -d '' z; do
        if 7z l "$z" 2>/dev/null | grep -qE ' (\[Content_Types\]\.xml|mimetype)$'; then
            continue
        fi
        found=1
        out="$z.d"
        mkdir -p "$out"
        # `infected` for the malware collections, `infected-test` for oletools' own samples
        7z x -y -pinfected -o"$out" "$z" >/dev/null 2>&1 ||
            7z x -y -pinfected-test -o"$out" "$z" >/dev/null 2>&1 ||
            echo "real-samples: could not unzip $z" >&2
        mv "$z" "$z.unpacked"
    done < <(find "$stage" -type f \( -iname '*.zip' -o -iname '*_pw_infected.zip' \) -print0)
    [ $found -eq 1 ] || break
done

python3 - "$stage" "$DIR" <<'PY'
import hashlib, os, re, shutil, sys, zipfile

stage, out = sys.argv[1], sys.argv[2]
SHORT = {
    "decalage2+oletools": "oletools",
    "DissectMalware+XLMMacroDeobfuscator": "xlmdeobfuscator",
    "jstrosch+malware-samples": "jstrosch",
    "google+maldoca": "maldoca",
    "SheetJS+test_files": "sheetjs",
    "tafia+calamine": "calamine",
}
LNK = bytes.fromhex("4c0000000114020000000000c000000000000046")
ONE = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
SCRIPT_EXT = {"js": "js", "jse": "js", "vbs": "vbs", "vbe": "vbs", "wsf": "wsf", "hta": "hta",
              "ps1": "ps1", "bat": "bat", "cmd": "bat", "sct": "sct", "wsc": "sct",
              "html": "html", "htm": "html", "url": "url", "xsl": "xsl"}


def utf16(s):
    return s.encode("utf-16-le")


def exts(name):
    return [e.lower() for e in name.split(".")[1:]]


def ole_type(data, name, path):
    e = exts(name)
    for x in reversed(e):
        if x in ("doc", "dot", "xls", "xlt", "xla", "ppt", "pps", "pot", "msi", "biff5", "xls5"):
            return {"dot": "doc", "xlt": "xls", "xla": "xls", "pps": "ppt", "pot": "ppt",
                    "biff5": "xls", "xls5": "xls"}.get(x, x)
    if utf16("EncryptedPackage") in data:
        for x in reversed(e):
            if re.match(r"^(doc|xls|ppt)[xmb]?$", x):
                return x
        return "ooxml-encrypted"
    if utf16("WordDocument") in data:
        return "doc"
    if utf16("Workbook") in data or utf16("Book") in data:
        return "xls"
    if utf16("PowerPoint Document") in data:
        return "ppt"
    if utf16("HwpSummaryInformation") in data or utf16("BodyText") in data:
        return "hwp"
    # an MSI database's stream names are stored compressed; `file` knows its property set
    try:
        import subprocess
        if "MSI Installer" in subprocess.run(["file", "-b", path], capture_output=True,
                                              text=True, timeout=30).stdout:
            return "msi"
    except Exception:
        pass
    return "ole"


def zip_type(path):
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "mimetype" in names:
                mt = z.read("mimetype")[:100].decode("latin-1")
                for k, v in (("text", "odt"), ("spreadsheet", "ods"), ("presentation", "odp")):
                    if k in mt:
                        return v
                return "odf"
    except Exception:
        return "zip"
    low = [n.lower() for n in names]
    macro = any(n.endswith("vbaproject.bin") for n in low)
    if any(n.startswith("word/") for n in low):
        return "docm" if macro else "docx"
    if any(n.startswith("xl/") for n in low):
        if any(n.endswith(".bin") and n.startswith("xl/workbook") for n in low):
            return "xlsb"
        xlm = any(n.startswith("xl/macrosheets/") for n in low)
        return "xlsm" if (macro or xlm) else "xlsx"
    if any(n.startswith("ppt/") for n in low):
        return "pptm" if macro else "pptx"
    if any(n.startswith("documents/") or n.endswith(".fdseq") for n in low):
        return "xps"
    return "zip"


def sniff_text(t, name):
    """type of a text file by its content, None if it is no document or script"""
    s = t.lstrip("\ufeff \t\r\n").lower()
    head = s[:4096]
    e = exts(name)
    if s.startswith("{\\rt"):
        return "rtf"
    if s.startswith("id;p"):
        return "slk"
    if "[internetshortcut]" in head:
        return "url"
    if "<scriptlet" in head or "<component" in head:
        return "sct"
    if "<hta:application" in s[:65536]:
        return "hta"
    if head.startswith("<?xml"):
        if "<xsl:stylesheet" in head or "<xsl:transform" in head:
            return "xsl"
        if "<job" in head or "<package" in head:
            return "wsf"
        return "xml"
    if re.search(r"<(html|body|script|head|!doctype html)", head):
        return "html"
    for x in reversed(e):
        if x in SCRIPT_EXT:
            return SCRIPT_EXT[x]
        if x == "csv":
            return "csv"
        if x in ("xml", "fods"):
            return "xml"
    if re.search(r"(invoke-expression|\biex\b|\$env:|new-object\s+(system\.)?net\.webclient|-encodedcommand|frombase64string)", s[:65536]):
        return "ps1"
    if re.search(r"^\s*@?echo\s+off", head, re.M) or re.search(r"^\s*(set|start|call)\s+\S", head, re.M) and "%" in head:
        return "bat"
    if re.search(r"\bnew\s+activexobject\b|\bwscript\.createobject\b|\bfunction\s+\w+\s*\(", s[:65536]):
        return "js"
    if re.search(r"\bcreateobject\s*\(|^\s*(dim|sub|function)\s+\w+", s[:65536], re.M):
        return "vbs"
    return None


def classify(path, name):
    """(type, None) for a kept file, (None, reason) for a skipped one"""
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return None, "empty"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        t = ole_type(data, name, path)
        return (None, "msi installer") if t == "msi" else (t, None)
    if data.startswith(b"PK\x03\x04"):
        t = zip_type(path)
        return (None, "plain zip") if t == "zip" else (t, None)
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
        return None, "executable"
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a"):
        return None, "pcap"
    if data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8\xff") or data.startswith(b"GIF8"):
        return None, "image"
    if data.startswith(b"Rar!") or data.startswith(b"7z\xbc\xaf") or data.startswith(b"MSCF"):
        return None, "other archive"
    if data.startswith(LNK):
        return "lnk", None
    if data.startswith(ONE):
        return "one", None
    if data.startswith(b"ITSF"):
        return "chm", None
    if b"%PDF-" in data[:1024]:
        return "pdf", None
    e = exts(name)
    if e and e[-1] in ("md", "py", "yara", "txt", "png", "textproto", "proto", "rs", "json",
                       "sheetnames", "prn", "dif", "tsv", "yml", "yaml", "sh"):
        return None, "not a document"
    # text: at most a few control bytes in the first 4 KiB
    head = data[:4096]
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except Exception:
            return None, "unknown binary"
    else:
        ctrl = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
        if ctrl > len(head) // 50:
            if e and e[-1] in SCRIPT_EXT:  # e.g. an HTML page padded with binary junk
                return SCRIPT_EXT[e[-1]], None
            return None, "unknown binary"
        text = data[:262144].decode("latin-1")
    t = sniff_text(text, name)
    return (t, None) if t else (None, "text that is no document or script")


def jstrosch_family(rel):
    p = rel.split("/")
    if p[0] == "maldocs":
        return p[1].lower()
    if p[0] == "onenote":
        return p[1].lower()
    ex = {"2020/December": "exercise-powershell-lotl", "2021/August": "turla-js",
          "2021/December": "exercise-xlm-urls", "2021/February": "exercise-xlm",
          "2022/October": "exercise-vba-shellcode"}
    if p[0] == "malware_analysis_exercises":
        return ex.get("/".join(p[1:3]), "exercise")
    if "dridex" in rel:
        return "dridex"
    if "xlm" in rel:
        return "exercise-xlm"
    return "workshop"


XLMD_DEVTEST = re.compile(r"(^|/)(sum|addressings)\.xlsb$")


def oletools_label(rel):
    """label and family of a file of oletools' tests/test-data (see docs/detection.md)"""
    b = os.path.basename(rel).lower()
    d = rel.split("/")[2] if rel.count("/") >= 3 else ""
    if "harmless-clean" in b or b.startswith("rtf-spec") or b.startswith("embedded-") \
            or b.endswith(".xps") or d == "oleform":
        return "benign", "oletools-clean"
    if b.startswith("encrypted") and "standardpassword" not in b:
        return "benign", "oletools-encrypted"
    if b.startswith("issue_185"):
        return None, None  # a parser crash case (malformed objdata), neither lure nor clean
    if "lnk_to_calc" in b:
        # a packager *link* to C:\Windows\System32\calc.exe, no embedded file (oletools' own
        # test_no_output expects oleobj to extract nothing from it)
        return "malicious", "testcase-package-link"
    if "lnk" in b:
        return "malicious", "testcase-embedded-lnk"
    if "calc_embedded" in b:
        return "malicious", "testcase-embedded-exe"
    if "autostart" in b:
        return "malicious", "testcase-vba-autoopen"
    if re.search(r"(^|[-_])dde[-_]", b):
        return "malicious", "testcase-dde"
    if d == "excel4-macros":
        return "malicious", "testcase-xlm"
    if "external_link" in rel:
        return "malicious", "testcase-external-ole-link"
    if d == "olevba":
        return "malicious", "testcase-vba"
    if d == "rtfobj":
        return "malicious", "testcase-rtf-object"
    return None, None


rows, seen, skipped = [], {}, {}
for repo in sorted(os.listdir(stage)):
    if repo not in SHORT:
        continue
    base = os.path.join(stage, repo)
    for root, dirs, files in os.walk(base):
        dirs.sort()
        for fn in sorted(files):
            full = os.path.join(root, fn)
            rel = os.path.relpath(full, base)
            if fn.endswith(".unpacked") or os.path.islink(full):
                continue
            if repo == "SheetJS+test_files" and rel.split("/")[0] in ("2011", "2013", "2016"):
                continue  # exports of other files made by the tests, not documents
            label = family = None
            if repo == "decalage2+oletools":
                label, family = oletools_label(rel)
            elif repo == "google+maldoca":
                if not fn.startswith("MALICIOUS_") or fn.endswith(".textproto"):
                    continue  # only its known-malicious samples (stored XOR 0x42)
                label, family = "malicious", "maldoca"
            elif repo in ("SheetJS+test_files", "tafia+calamine"):
                label, family = "benign", SHORT[repo]
            elif repo == "jstrosch+malware-samples":
                if "/02_infrastructure/" in rel:
                    continue
                label, family = "malicious", jstrosch_family(rel)
            elif XLMD_DEVTEST.search(rel):
                # the deobfuscator's own test workbooks, named after the function they exercise
                # and added with it (SUM(1), SUM(1,2)...; ADDRESS() cells): no attack, no lure
                label, family = "malicious", "testcase-xlmdeobfuscator"
            else:
                label, family = "malicious", "xlm-samples"
            if label is None:
                skipped[rel] = "not labelled"
                continue
            src = full
            if repo == "google+maldoca":
                with open(full, "rb") as f:
                    data = bytes(b ^ 0x42 for b in f.read())
                src = full + ".dec"
                with open(src, "wb") as f:
                    f.write(data)
            t, why = classify(src, fn.replace("_xor_0x42_encoded", ""))
            if t == "csv" and label == "benign":
                t, why = None, "plain csv workbook"
            if t is None:
                skipped[SHORT[repo] + ":" + rel] = why
                continue
            with open(src, "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()
            if h in seen:
                skipped[SHORT[repo] + ":" + rel] = "duplicate of " + seen[h]
                continue
            name = SHORT[repo] + "__" + rel.replace(".zip.d/", "__").replace("/", "__")
            name = re.sub(r"[^A-Za-z0-9._+-]", "_", name.replace("_xor_0x42_encoded", ""))
            dest = os.path.join(label, name)
            seen[h] = dest
            os.makedirs(os.path.join(out, label), exist_ok=True)
            shutil.copyfile(src, os.path.join(out, dest))
            rows.append((dest, repo, family, t, label))

with open(os.path.join(out, "labels.tsv"), "w") as f:
    f.write("file\tsource\tfamily\ttype\tlabel\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
with open(os.path.join(out, "skipped.tsv"), "w") as f:
    for k in sorted(skipped):
        f.write(k + "\t" + skipped[k] + "\n")
m = sum(1 for r in rows if r[4] == "malicious")
print("real-samples: %d malicious, %d benign, %d skipped (see skipped.tsv)"
      % (m, len(rows) - m, len(skipped)), file=sys.stderr)
PY
rm -rf "$stage"
touch "$DIR/READY"

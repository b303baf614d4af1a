#!/usr/bin/env python3
"""Report of `make check-real` (scripts/check-real.sh): reads labels.tsv of a real-samples
folder, emoguard's JSON reports and exit codes, and oletools' results if present; prints one
line per file, tables per family and per type, the counts of crashes, timeouts and parse errors
on files olevba reads, and a last summary line. With --doc FILE it also rewrites the part of
FILE between the check-real markers with the same tables in Markdown.
"""
import collections
import json
import os
import re
import sys

BEGIN, END = "<!-- check-real:begin -->", "<!-- check-real:end -->"

# oletools' tests/test-data files (families `testcase-*`) are harmless demonstrators, not
# in-the-wild malware. What each family must yield (docs/detection.md, "Labels"): "malicious"
# when the file carries a real attack construct with a real effect (a DDE field running
# cmd/calc, an OLE object linked to a remote document, an embedded executable or LNK, an
# obfuscated Equation Editor object), "suspicious" (at least) when its payload is harmless
# (VBA that only shows a MsgBox, XLM whose Auto_Open only shows an ALERT).
TESTCASE_GOAL = {
    "testcase-dde": "malicious",
    "testcase-embedded-exe": "malicious",
    "testcase-embedded-lnk": "malicious",
    "testcase-external-ole-link": "malicious",
    "testcase-rtf-object": "malicious",
    "testcase-vba": "suspicious",
    "testcase-vba-autoopen": "suspicious",
    "testcase-xlm": "suspicious",
    # sample_with_lnk_to_calc.doc: an OLE package that only *links* to the local calc.exe (no
    # file inside: oletools' test_no_output expects oleobj to extract nothing); a double-click
    # starts a program already on the PC, nothing is delivered
    "testcase-package-link": "suspicious",
    # XLMMacroDeobfuscator's developer test workbooks (sum.xlsb: a visible macro sheet computing
    # SUM(1), SUM(1,2)...; addressings.xlsb: worksheets of ADDRESS() cells): no attack and no
    # demonstrator of one, so no verdict is expected; they stay in the set for crashes/timeouts
    "testcase-xlmdeobfuscator": "any",
}
# label files built before scripts/real-samples.sh knew the families above
FAMILY_FIX = [
    (re.compile(r"^malicious/xlmdeobfuscator__.*__(sum|addressings)\.xlsb$"),
     "testcase-xlmdeobfuscator"),
    (re.compile(r"^malicious/oletools__.*sample_with_lnk_to_calc\.doc$"), "testcase-package-link"),
]
RANK = {"clean": 0, "suspicious": 1, "malicious": 2}

# benign files whose content a scanner cannot clear, so "suspicious" is their right verdict:
# encrypted with an unknown or the default password (test files named for it; calamine's
# issue_385.xls is encrypted with Excel's built-in password) and (when oletools ran) files in
# which mraptor finds macros. Every other benign file is "clean content" and should be clean
# (files emoguard finds structurally damaged stay in this set: olefile reads them).
NOT_CLEAN_CONTENT = re.compile(r"password|encrypt|pass_protected|issue_385\.xls", re.I)


def goal(r):
    """expected verdict of a malicious-labelled row: malicious or (test cases) suspicious"""
    if r["family"].startswith("testcase-"):
        return TESTCASE_GOAL.get(r["family"], "malicious")
    return "malicious"


def clean_content(r, have_ot):
    if NOT_CLEAN_CONTENT.search(os.path.basename(r["file"])):
        return False
    return not (have_ot and r["mraptor"] in ("malicious", "suspicious"))


def load(real, out):
    rows = []
    with open(os.path.join(real, "labels.tsv")) as f:
        lines = f.read().splitlines()
    head = lines[0].split("\t")
    for i, l in enumerate(lines[1:], 1):
        r = dict(zip(head, l.split("\t")))
        r["n"] = i
        for rx, fam in FAMILY_FIX:
            if rx.match(r["file"]):
                r["family"] = fam
        rows.append(r)
    ot = {}
    p = os.path.join(out, "oletools.tsv")
    if os.path.exists(p):
        with open(p) as f:
            for l in f.read().splitlines():
                c = l.split("\t")
                if len(c) >= 6:
                    ot[c[0]] = {"mraptor": c[1], "mflags": c[2], "ostatus": c[3],
                                "olevba": c[4], "otypes": c[5]}
    for r in rows:
        base = os.path.join(out, "eg", str(r["n"]))
        try:
            rc = int(open(base + ".rc").read().strip() or -1)
        except (OSError, ValueError):
            rc = -1
        r["rc"] = rc
        r["verdict"], r["score"], r["rules"], r["parse"] = "error", 0, [], []
        if rc == 124:
            r["verdict"] = "timeout"
        elif rc > 4 or rc < 0:
            r["verdict"] = "crash"
        try:
            with open(base + ".json") as f:
                line = f.readline()
            d = json.loads(line) if line.strip() else None
        except (OSError, ValueError):
            d = None
        if d and r["verdict"] not in ("timeout", "crash"):
            r["verdict"], r["score"] = d.get("verdict", "error"), d.get("score", 0)
            fs = d.get("findings") or []
            fs = sorted(fs, key=lambda x: -(x.get("score") or 0))
            r["rules"] = [x["rule"] for x in fs if (x.get("score") or 0) > 0][:4]
            r["parse"] = sorted({x["rule"] for x in fs if x["rule"].startswith("PARSE.")})
            r["objtypes"] = sorted({o.get("type", "") for o in d.get("objects") or []})
        o = ot.get(r["file"])
        r["mraptor"] = mraptor_verdict(o) if o else None
        r["olevba"] = o["olevba"] if o else None
        r["ostatus"] = o["ostatus"] if o else None
    return rows, bool(ot)


def mraptor_verdict(o):
    return {"SUSPICIOUS": "malicious", "MacroOK": "suspicious", "NoMacro": "clean",
            "TIMEOUT": "timeout"}.get(o["mraptor"], "error")


def group_table(rows, key, have_ot):
    g = collections.OrderedDict()
    for r in sorted(rows, key=lambda r: (r["label"], r[key])):
        g.setdefault((r["label"], r[key]), []).append(r)
    cols = ["label", key, "files", "emoguard mal", "susp", "clean", "other"]
    if key == "family":
        cols += ["goal", "met"]
    if have_ot:
        cols += ["mraptor mal", "susp", "olevba mal", "susp"]
    out = [cols]
    for (label, k), rs in g.items():
        c = collections.Counter(r["verdict"] for r in rs)
        line = [label, k, str(len(rs)), str(c["malicious"]), str(c["suspicious"]),
                str(c["clean"]), str(len(rs) - c["malicious"] - c["suspicious"] - c["clean"])]
        if key == "family":
            if label == "malicious":
                line += [goal(rs[0]), str(sum(1 for r in rs if met(r)))]
            else:
                line += ["-", "-"]
        if have_ot:
            m = collections.Counter(r["mraptor"] for r in rs)
            v = collections.Counter(r["olevba"] for r in rs)
            line += [str(m["malicious"]), str(m["suspicious"]), str(v["malicious"]),
                     str(v["suspicious"])]
        out.append(line)
    return out


def text_table(t):
    w = [max(len(r[i]) for r in t) for i in range(len(t[0]))]
    return "\n".join("  ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i])
                               for i, c in enumerate(r)) for r in t)


def md_table(t):
    s = "| " + " | ".join(t[0]) + " |\n|" + "|".join("---" if i < 2 else "---:"
                                                     for i in range(len(t[0]))) + "|\n"
    for r in t[1:]:
        s += "| " + " | ".join(r) + " |\n"
    return s


def summary(rows, have_ot):
    mal = [r for r in rows if r["label"] == "malicious"]
    ben = [r for r in rows if r["label"] == "benign"]
    cm = collections.Counter(r["verdict"] for r in mal)
    cb = collections.Counter(r["verdict"] for r in ben)
    wild = [r for r in mal if not r["family"].startswith("testcase-")]
    tests = [r for r in mal if r["family"].startswith("testcase-")]
    cw = collections.Counter(r["verdict"] for r in wild)
    cc = [r for r in ben if clean_content(r, have_ot)]
    crashes = sum(1 for r in rows if r["verdict"] == "crash")
    timeouts = sum(1 for r in rows if r["verdict"] == "timeout")
    parse_ok = [r for r in rows if r["parse"] and r.get("ostatus") == "ok"]
    s = {"mal": len(mal), "mal_mal": cm["malicious"], "mal_susp": cm["suspicious"],
         "mal_clean": cm["clean"], "ben": len(ben), "ben_mal": cb["malicious"],
         "ben_susp": cb["suspicious"], "crashes": crashes, "timeouts": timeouts,
         "parse_ok": len(parse_ok),
         "wild": len(wild), "wild_mal": cw["malicious"], "wild_susp": cw["suspicious"],
         "wild_clean": cw["clean"], "tests": len(tests),
         "tests_ok": sum(1 for r in tests if met(r)),
         "cc": len(cc), "cc_susp": sum(1 for r in cc if r["verdict"] != "clean")}
    if have_ot:
        for tool in ("mraptor", "olevba"):
            s[tool + "_mal"] = sum(1 for r in mal if r[tool] == "malicious")
            s[tool + "_susp"] = sum(1 for r in mal if r[tool] == "suspicious")
            s[tool + "_ben"] = sum(1 for r in ben if r[tool] == "malicious")
    return s, parse_ok


def met(r):
    g = goal(r)
    if g == "any":
        return r["verdict"] in RANK
    return RANK.get(r["verdict"], -1) >= RANK[g]


def main():
    real, out = sys.argv[1], sys.argv[2]
    doc = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--doc" else None
    rows, have_ot = load(real, out)
    for r in rows:
        miss = ""
        if r["label"] == "malicious" and not met(r):
            miss = "MISS "
        elif r["label"] == "benign" and r["verdict"] == "malicious":
            miss = "FP   "
        extra = ""
        if have_ot:
            extra = " mraptor=%s olevba=%s" % (r["mraptor"], r["olevba"])
        print("%s%-10s %4s %-9s %-5s %s [%s]%s%s" % (
            miss, r["verdict"], r["score"], r["label"], r["type"], r["file"],
            " ".join(r["rules"]), " parse=" + ",".join(r["parse"]) if r["parse"] else "", extra))
    ft = group_table(rows, "family", have_ot)
    tt = group_table(rows, "type", have_ot)
    print("\n== per family\n" + text_table(ft))
    print("\n== per type\n" + text_table(tt))
    s, parse_ok = summary(rows, have_ot)
    if have_ot:
        print("\noletools on the %d malicious files: mraptor %d malicious (+%d macros without "
              "auto-exec/write/execute), olevba %d malicious (+%d suspicious); on the %d benign "
              "files: mraptor %d, olevba %d malicious"
              % (s["mal"], s["mraptor_mal"], s["mraptor_susp"], s["olevba_mal"],
                 s["olevba_susp"], s["ben"], s["mraptor_ben"], s["olevba_ben"]))
        print("PARSE.* findings on files olevba reads: %d%s" % (
            s["parse_ok"], "".join("\n  " + r["file"] + " " + ",".join(r["parse"])
                                   for r in parse_ok[:30])))
    print("crashes: %d, timeouts (60 s): %d" % (s["crashes"], s["timeouts"]))
    print("all malicious-labelled: %d/%d malicious (%d suspicious, %d clean); benign %d/%d "
          "suspicious" % (s["mal_mal"], s["mal"], s["mal_susp"], s["mal_clean"],
                          s["ben_susp"], s["ben"]))
    print("real: in-the-wild %d/%d malicious (%d suspicious, %d clean), test cases %d/%d as "
          "expected, benign %d/%d malicious, %d/%d clean-content benign suspicious"
          % (s["wild_mal"], s["wild"], s["wild_susp"], s["wild_clean"], s["tests_ok"],
             s["tests"], s["ben_mal"], s["ben"], s["cc_susp"], s["cc"]))
    if doc:
        write_doc(doc, ft, tt, s, have_ot)


def write_doc(path, ft, tt, s, have_ot):
    gen = [BEGIN, "",
           "Generated by `make check-real REAL_SAMPLES=DIR DOC=1`; do not edit by hand.", "",
           "- in-the-wild malicious files: %d; emoguard malicious %d, suspicious %d, clean %d"
           % (s["wild"], s["wild_mal"], s["wild_susp"], s["wild_clean"]),
           "- test cases (`testcase-*`: oletools' test files, XLMMacroDeobfuscator's own test "
           "workbooks): %d; meeting their family's goal %d" % (s["tests"], s["tests_ok"]),
           "- all malicious-labelled files: %d; emoguard malicious %d, suspicious %d, clean %d"
           % (s["mal"], s["mal_mal"], s["mal_susp"], s["mal_clean"]),
           "- benign files: %d; emoguard malicious %d, suspicious %d; of the %d with clean "
           "content (not encrypted, no macros found by mraptor), %d suspicious"
           % (s["ben"], s["ben_mal"], s["ben_susp"], s["cc"], s["cc_susp"]),
           "- crashes %d, timeouts (60 s) %d" % (s["crashes"], s["timeouts"])]
    if have_ot:
        gen += ["- mraptor on the malicious files: %d malicious (SUSPICIOUS), %d macros without "
                "the A+W/X pattern; on the benign files %d malicious"
                % (s["mraptor_mal"], s["mraptor_susp"], s["mraptor_ben"]),
                "- olevba on the malicious files: %d malicious (AutoExec and Suspicious), %d "
                "suspicious; on the benign files %d malicious"
                % (s["olevba_mal"], s["olevba_susp"], s["olevba_ben"]),
                "- PARSE.* findings on files olevba reads without error: %d" % s["parse_ok"]]
    gen += ["", "Per family:", "", md_table(ft), "Per type:", "", md_table(tt), END]
    text = open(path).read()
    new = "\n".join(gen)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: new, text, flags=re.S)
    else:
        text += "\n" + new + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

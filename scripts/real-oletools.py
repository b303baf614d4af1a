#!/usr/bin/python3
"""Runs oletools' mraptor and olevba analyses on the files of a real-samples folder, for
`make check-real` to put beside emoguard's verdicts. oletools is used as a library from a
source checkout outside the repository (PYTHONPATH=<checkout>); nothing of it is copied here.

Usage: PYTHONPATH=/work/oletools python3 scripts/real-oletools.py DIR OUT.tsv [FILE...]
Writes one line per file: file, mraptor result, mraptor flags, olevba status, olevba verdict,
olevba analysis types. A file that takes longer than 60 s is reported as `timeout`.

The verdicts follow the tools' own meaning:
  mraptor: SUSPICIOUS (auto-exec plus write or execute) -> malicious; macros without that ->
           suspicious ("Macro OK" keeps the macro in view); no macro -> clean; error -> error.
  olevba:  AutoExec together with Suspicious keywords -> malicious; macros or Suspicious
           keywords alone -> suspicious; nothing -> clean; an exception -> error.
"""
import os
import signal
import sys


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def main():
    try:
        from oletools import olevba
        from oletools.mraptor import MacroRaptor
    except ImportError as e:
        sys.exit("real-oletools: cannot import oletools (%s); set PYTHONPATH to its checkout" % e)
    import logging
    logging.disable(logging.CRITICAL)
    base, out = sys.argv[1], sys.argv[2]
    files = sys.argv[3:]
    if not files:
        with open(os.path.join(base, "labels.tsv")) as f:
            files = [l.split("\t")[0] for l in f.read().splitlines()[1:] if l]
    signal.signal(signal.SIGALRM, on_alarm)
    with open(out, "w") as o:
        for rel in files:
            path = os.path.join(base, rel)
            mr, mflags, ostatus, overdict, otypes = "ERROR", "", "error", "error", ""
            signal.alarm(60)
            try:
                p = olevba.VBA_Parser(path)
                ostatus = "ok"
                if p.detect_vba_macros():
                    code = p.get_vba_code_all_modules()
                    m = MacroRaptor(code)
                    m.scan()
                    mr = "SUSPICIOUS" if m.suspicious else "MacroOK"
                    mflags = m.get_flags()
                else:
                    mr = "NoMacro"
                types = set()
                macros = p.detect_macros()  # VBA and XLM (mraptor reads VBA only)
                if macros:
                    for t, _kw, _desc in p.analyze_macros():
                        types.add(t)
                otypes = ",".join(sorted(types))
                if "AutoExec" in types and "Suspicious" in types:
                    overdict = "malicious"
                elif macros or "Suspicious" in types:
                    overdict = "suspicious"
                else:
                    overdict = "clean"
                p.close()
            except Timeout:
                mr, ostatus, overdict = "TIMEOUT", "timeout", "timeout"
            except Exception as e:  # olevba raises for files it cannot open (RTF, text, ...)
                if mr == "ERROR":
                    mflags = ""
                ostatus = "error:" + type(e).__name__
            finally:
                signal.alarm(0)
            o.write("\t".join([rel, mr, mflags, ostatus, overdict, otypes]) + "\n")
            o.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Corpus writer for bench/compare.sh: three directories of .eml files, the same bytes on every run
(fixed seeds), harmless content only.

  benign/  business mails in Japanese (ISO-2022-JP, Shift_JIS, UTF-8) and English: plain text,
           multipart/alternative with HTML, and mails with a harmless PDF, CSV or text attachment;
  mixed/   half business mails (another seed), half Emotet-style lures: copies of the project's
           example lures (eg_make_examples: a macro .doc in an AES-256 ZIP, an XLM .xlsm in a
           ZipCrypto ZIP; scripts/make-examples.sh: a script disguised as a PDF) with their headers
           varied, thread-hijack replies with a download link, and ZipCrypto ZIPs holding a
           harmless .js that only prints a line, password in the body;
  pwzip/   password-ZIP mails: one or two harmless files (PDF, CSV) in a ZIP made by `zip -P`
           (ZipCrypto) or `7z -p -mem=AES256` (AES-256), the password in the body.

It does not write anything that runs: the scripts print a line, the documents' macros point at
example.com and come from the project's own fixture writers (through the example mails).

usage: compare_corpus.py OUTDIR TEMPLATEDIR N_BENIGN N_MIXED N_PWZIP
TEMPLATEDIR holds the example lures (*.eml); lures are skipped when it has none.
"""
import base64
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from email.header import Header

JA_GREETINGS = ["いつもお世話になっております。", "お疲れ様です。", "平素より大変お世話になっております。"]
JA_LINES = [
    "来週の打ち合わせについて、日程のご相談です。",
    "先日お送りした資料について、修正版をお送りします。",
    "ご依頼の件、社内で確認いたしましたのでご報告いたします。",
    "第{n}四半期の売上見込みを共有いたします。",
    "会議室は本社{n}階の第二会議室を予定しております。",
    "ご不明な点がございましたら、お気軽にお問い合わせください。",
    "納期につきましては{n}月末を予定しております。",
    "請求書の発行日は毎月{n}日となっております。",
    "新しい担当者をご紹介させていただきます。",
    "添付の議事録をご確認いただけますと幸いです。",
    "システムメンテナンスのため、{n}日の夜間はサービスを停止いたします。",
    "研修の参加者名簿を更新しました。",
]
JA_NAMES = ["田中", "鈴木", "佐藤", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
JA_SUBJECTS = ["打ち合わせ日程のご相談", "資料送付のご案内", "お見積りの件", "議事録の共有",
               "納期のご連絡", "請求書送付のご案内", "定例会のお知らせ", "【ご確認】契約書について"]
EN_LINES = [
    "Thanks for the call this morning, here is a short summary.",
    "The quarterly report for Q{n} is ready for review.",
    "Could we move our meeting to Thursday at {n} pm?",
    "Please find the updated figures below.",
    "The shipment for order {n} left the warehouse yesterday.",
    "Let me know if anything in the proposal needs changing.",
    "Our office will be closed on the {n}th for maintenance.",
    "I have added the new contacts to the shared list.",
    "The workshop starts at 10 am in room {n}.",
    "Attached are the notes from the planning session.",
]
EN_NAMES = ["Alice Brown", "Bob Miller", "Carol White", "David Clark", "Emma Lewis", "Frank Hall"]
EN_SUBJECTS = ["Meeting notes", "Quarterly report", "Order status", "Updated proposal",
               "Workshop schedule", "Invoice for last month", "Project timeline"]
DOMAINS = ["example.co.jp", "example.jp", "partner.example.com", "example.com", "example.net"]


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def hdr(text, charset):
    return Header(text, charset).encode()


def pdf_bytes(text):
    """A small well-formed PDF showing one line of (ASCII) text."""
    stream = ("BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def csv_bytes(rnd, n):
    rows = ["date,item,quantity,amount"]
    for i in range(rnd.randint(5, 60)):
        rows.append("2024-%02d-%02d,item-%d-%d,%d,%d" % (rnd.randint(1, 12), rnd.randint(1, 28), n, i,
                                                         rnd.randint(1, 50), rnd.randint(100, 99999)))
    return ("\r\n".join(rows) + "\r\n").encode()


class Mail:
    def __init__(self, rnd, n, ja):
        self.rnd, self.n, self.ja = rnd, n, ja
        self.headers = []
        self.parts = []  # (headers, body) with body already encoded text

    def base_headers(self, subject, sender=None):
        r, n = self.rnd, self.n
        dom = r.choice(DOMAINS)
        if self.ja:
            name = r.choice(JA_NAMES)
            frm = sender or "%s <%s@%s>" % (hdr(name + " " + r.choice(["一郎", "花子", "健", "美紀"]), "iso-2022-jp"),
                                             "user%d" % r.randint(1, 300), dom)
            subj = hdr(subject, r.choice(["iso-2022-jp", "utf-8"]))
        else:
            frm = sender or "%s <%s@%s>" % (r.choice(EN_NAMES), "user%d" % r.randint(1, 300), dom)
            subj = subject
        self.headers += [
            "Return-Path: <bounce%d@%s>" % (n, dom),
            "Received: from mx%d.%s (mx%d.%s [192.0.2.%d]) by mail.example.jp with ESMTPS id %08X; "
            "Mon, 1 Jul 2024 09:%02d:%02d +0900" % (n % 7, dom, n % 7, dom, n % 250 + 1, n, n % 60, (n * 7) % 60),
            "From: " + frm,
            "To: staff%d@example.jp" % r.randint(1, 50),
            "Subject: " + subj,
            "Date: Mon, %d Jul 2024 %02d:%02d:%02d +0900" % (1 + n % 28, 8 + n % 10, n % 60, (n * 13) % 60),
            "Message-ID: <%d.%08x@%s>" % (n, r.getrandbits(32), dom),
            "MIME-Version: 1.0",
        ]

    def body_text(self, lines=None):
        r, n = self.rnd, self.n
        if self.ja:
            k = lines or r.randint(3, 12)
            body = r.choice(JA_NAMES) + "様\n\n" + r.choice(JA_GREETINGS) + "\n"
            body += "".join(r.choice(JA_LINES).format(n=r.randint(1, 12)) + "\n" for _ in range(k))
            body += "\nよろしくお願いいたします。\n\n--\n株式会社サンプル 第%d営業部\n%s\n" % (n % 9 + 1, r.choice(JA_NAMES))
        else:
            k = lines or r.randint(3, 12)
            body = "Hi %s,\n\n" % r.choice(EN_NAMES).split()[0]
            body += "".join(r.choice(EN_LINES).format(n=r.randint(1, 30)) + "\n" for _ in range(k))
            body += "\nBest regards,\n%s\nExample Trading Ltd.\n" % r.choice(EN_NAMES)
        return body

    def text_part(self, body):
        if not self.ja:
            return (["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"], body)
        cs = self.rnd.choice(["iso-2022-jp", "shift_jis", "utf-8"])
        if cs == "iso-2022-jp":
            return (["Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit"],
                    body.encode("iso2022_jp").decode("ascii"))
        enc = body.encode("cp932" if cs == "shift_jis" else "utf-8")
        return (["Content-Type: text/plain; charset=%s" % ("Shift_JIS" if cs == "shift_jis" else "UTF-8"),
                 "Content-Transfer-Encoding: base64"], b64lines(enc))

    def html_part(self, body):
        n = self.n
        html = "<html><body>" + "".join("<p>%s</p>" % l for l in body.split("\n") if l)
        html += '<p><a href="https://www.example.com/news/%d">https://www.example.com/news/%d</a></p></body></html>\n' % (n, n)
        return (["Content-Type: text/html; charset=UTF-8", "Content-Transfer-Encoding: base64"],
                b64lines(html.encode()))

    def attach(self, name, ctype, data):
        if all(ord(c) < 128 for c in name):
            disp = 'attachment; filename="%s"' % name
        else:
            disp = "attachment; filename*=UTF-8''" + "".join(
                chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in "._-") else "%%%02X" % b for b in name.encode())
        self.parts.append((["Content-Type: %s" % ctype, "Content-Disposition: " + disp,
                            "Content-Transfer-Encoding: base64"], b64lines(data)))

    def build(self, alternative=None):
        out = self.headers[:]
        bnd = "=_bench_%d_%x" % (self.n, self.rnd.getrandbits(24))
        if alternative:
            alt = "=_alt_%d" % self.n
            alt_body = "".join("--%s\n%s\n\n%s\n" % (alt, "\n".join(h), b) for h, b in alternative) + "--%s--\n" % alt
            self.parts.insert(0, (['Content-Type: multipart/alternative; boundary="%s"' % alt], alt_body))
        if len(self.parts) == 1:
            h, b = self.parts[0]
            return "\n".join(out + h) + "\n\n" + b
        out.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
        s = "\n".join(out) + "\n\nThis is a multi-part message in MIME format.\n\n"
        for h, b in self.parts:
            s += "--%s\n%s\n\n%s\n" % (bnd, "\n".join(h), b)
        return s + "--%s--\n" % bnd


def business(rnd, n):
    ja = rnd.random() < 0.5
    m = Mail(rnd, n, ja)
    m.base_headers(rnd.choice(JA_SUBJECTS if ja else EN_SUBJECTS) + " (%d)" % n)
    body = m.body_text()
    kind = rnd.random()
    if kind < 0.5:
        m.parts.append(m.text_part(body))
        return m.build()
    if kind < 0.8:
        return m.build(alternative=[m.text_part(body), m.html_part(body)])
    m.parts.append(m.text_part(body))
    what = rnd.choice(["pdf", "csv", "txt"])
    if what == "pdf":
        m.attach(("資料_%04d.pdf" if ja else "document_%04d.pdf") % n, "application/pdf",
                 pdf_bytes("Document %d, page 1 of 1" % n) + bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 2000))).hex().encode())
    elif what == "csv":
        m.attach("report_%04d.csv" % n, "text/csv", csv_bytes(rnd, n))
    else:
        m.attach("notes_%04d.txt" % n, "text/plain", m.body_text(20).encode("utf-8"))
    return m.build()


def vary_template(tpl, rnd, n):
    """A copy of an example lure with its Message-ID, Date and To varied (the body is kept)."""
    head, sep, rest = tpl.partition("\n\n")
    head = re.sub(r"(?m)^Message-ID:.*$", "Message-ID: <%d.%08x@lure.example.net>" % (n, rnd.getrandbits(32)), head)
    head = re.sub(r"(?m)^Date:.*$", "Date: Tue, %d Jul 2024 %02d:%02d:00 +0900" % (1 + n % 28, n % 24, n % 60), head)
    head = re.sub(r"(?m)^To:.*$", "To: staff%d@example.jp" % n, head)
    return "Received: from unknown (HELO ws%d) (198.51.100.%d) by mail.example.jp; Tue, 2 Jul 2024 "\
           "09:00:00 +0900\n" % (n, n % 250 + 1) + head + sep + rest


def link_lure(rnd, n):
    ja = rnd.random() < 0.5
    m = Mail(rnd, n, ja)
    orig = m.body_text(4)
    if ja:
        subj = "RE: " + rnd.choice(JA_SUBJECTS)
        body = "お世話になっております。\n\n下記より資料をダウンロードしてご確認ください。\n" \
               "http://example.com/wp-content/uploads/%d/doc_%d.php\n\n" % (n % 90, n)
        body += "-----Original Message-----\n" + orig
    else:
        subj = "RE: " + rnd.choice(EN_SUBJECTS)
        body = "Hello,\n\nPlease review the document at the link below.\n" \
               "http://example.com/wp-admin/js/%d/invoice_%d/\n\n" % (n % 90, n)
        body += "On Mon, Jul 1, 2024 someone wrote:\n" + "".join("> " + l + "\n" for l in orig.split("\n"))
    m.base_headers(subj, sender='"%s" <x%d@unrelated-example.org>' % ("Sato" if ja else "Alice Brown", n))
    m.parts.append(m.text_part(body))
    return m.build()


def make_zip(tmp, files, password, aes):
    d = tempfile.mkdtemp(dir=tmp)
    for name, data in files:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    names = [name for name, _ in files]
    if aes:
        cmd = ["7z", "a", "-tzip", "-mem=AES256", "-p" + password, "-bd", "-bso0", "-bsp0", "out.zip"] + names
    else:
        cmd = ["zip", "-q", "-P", password, "out.zip"] + names
    subprocess.run(cmd, cwd=d, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "out.zip"), "rb") as f:
        z = f.read()
    shutil.rmtree(d)
    return z


def pw_mail(rnd, n, tmp, inner):
    """A password-ZIP mail; inner(rnd, n) gives the files."""
    ja = rnd.random() < 0.5
    m = Mail(rnd, n, ja)
    pw = "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789") for _ in range(rnd.randint(8, 12)))
    aes = rnd.random() < 0.5
    job = POOL.submit(make_zip, tmp, inner(rnd, n), pw, aes)
    if ja:
        m.base_headers(rnd.choice(["請求書送付のご案内", "お見積書の送付", "【重要】支払明細"]) + " %d" % n)
        body = m.body_text(rnd.randint(2, 5)) + "\n添付ファイルのパスワード：%s\n" % pw
    else:
        m.base_headers(rnd.choice(["Invoice", "Payment details", "Purchase order"]) + " %d" % n)
        body = m.body_text(rnd.randint(2, 5)) + "\nThe attachment is protected. Password: %s\n" % pw
    m.parts.append(m.text_part(body))
    m.attach(("請求書_%04d.zip" if ja else "invoice_%04d.zip") % n, "application/zip", b"")
    h, _ = m.parts[-1]
    m.parts[-1] = (h, ZIP_MARK)
    return (m.build(), job)


def pw_files(rnd, n):
    files = [("invoice_%04d.pdf" % n, pdf_bytes("Invoice %d, total %d yen" % (n, rnd.randint(1000, 999999))))]
    if rnd.random() < 0.5:
        files.append(("details_%04d.csv" % n, csv_bytes(rnd, n)))
    return files


def js_files(rnd, n):
    return [("invoice_%04d.js" % n, ('WScript.Echo("benchmark lure %d: harmless, prints this line only.");\r\n' % n).encode())]


# the archivers run in parallel (7z takes a good part of a second on a loaded machine); the mail
# holds ZIP_MARK where the archive's base64 goes once it is made
POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4)
ZIP_MARK = "@@ZIP@@\n"


def write(path, text):
    if isinstance(text, tuple):
        text = text[0].replace(ZIP_MARK, b64lines(text[1].result()))
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    out, tpldir = sys.argv[1], sys.argv[2]
    nb, nm, npw = (int(a) for a in sys.argv[3:6])
    tpls = []
    if os.path.isdir(tpldir):
        for name in sorted(os.listdir(tpldir)):
            if name.endswith(".eml") and not name.startswith("01-"):
                with open(os.path.join(tpldir, name), encoding="ascii", errors="strict") as f:
                    tpls.append(f.read())
    tmp = tempfile.mkdtemp(prefix="eg-corpus-")
    try:
        for d in ("benign", "mixed", "pwzip"):
            os.makedirs(os.path.join(out, d), exist_ok=True)
        rnd = random.Random(1901)
        for i in range(nb):
            write(os.path.join(out, "benign", "%05d.eml" % i), business(rnd, i))
        pending = []
        rnd = random.Random(1902)
        for i in range(nm):
            if i % 2 == 0:
                text = business(rnd, i)
            else:
                k = (i // 2) % (len(tpls) + 2)
                if k < len(tpls):
                    text = vary_template(tpls[k], rnd, i)
                elif k == len(tpls):
                    text = link_lure(rnd, i)
                else:
                    text = pw_mail(rnd, i, tmp, js_files)
            pending.append((os.path.join(out, "mixed", "%05d.eml" % i), text))
        rnd = random.Random(1903)
        for i in range(npw):
            pending.append((os.path.join(out, "pwzip", "%05d.eml" % i), pw_mail(rnd, i, tmp, pw_files)))
        for path, text in pending:
            write(path, text)
    finally:
        POOL.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("lure templates: %d" % len(tpls))


if __name__ == "__main__":
    main()

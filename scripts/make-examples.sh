#!/bin/sh
# Writes the two hand-made example mails of examples/ (harmless content only):
#   01-clean-business-ja.eml  an ordinary Japanese business mail (ISO-2022-JP)
#   02-lure-script-ja.eml     a lure: spoofed display name, Reply-To elsewhere, a password in a
#                             Shift_JIS body (with ① and ㈱), and a script disguised as a PDF
#                             (it only prints a message; it is never run by emoguard)
# The Emotet-like examples built from harmless parts come from examples/gen/make_examples.c.
# usage: scripts/make-examples.sh [OUTDIR]   (default: examples)
set -eu
out=${1:-examples}
mkdir -p "$out"

jis() { printf '%s' "$1" | iconv -f UTF-8 -t ISO-2022-JP; }
sjis() { printf '%s' "$1" | iconv -f UTF-8 -t CP932; }
b64() { base64 -w 76; }
# RFC 2047 B word of UTF-8 text in a charset
word() { printf '=?%s?B?%s?=' "$2" "$(printf '%s' "$1" | iconv -f UTF-8 -t "$3" | base64 -w 0)"; }
# RFC 2231 percent-encoding of UTF-8 text
pct() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | sed 's/\(..\)/%\1/g' | tr 'a-f' 'A-F'; }

{
    printf 'Return-Path: <tanaka@example.co.jp>\n'
    printf 'From: %s <tanaka@example.co.jp>\n' "$(word '田中 一郎' ISO-2022-JP ISO-2022-JP)"
    printf 'To: %s <suzuki@example.jp>\n' "$(word '鈴木 花子' ISO-2022-JP ISO-2022-JP)"
    printf 'Subject: %s\n' "$(word '打ち合わせ日程のご相談' ISO-2022-JP ISO-2022-JP)"
    printf 'Date: Tue, 2 Jul 2024 10:15:00 +0900\n'
    printf 'Message-ID: <20240702101500.4711@mail.example.co.jp>\n'
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: text/plain; charset=ISO-2022-JP\n'
    printf 'Content-Transfer-Encoding: 7bit\n\n'
    jis "鈴木様

いつもお世話になっております。
株式会社サンプル商事の田中です。

来週の打ち合わせについて、下記の日程でご都合はいかがでしょうか。

  候補1: 7月9日(火) 14:00-15:00
  候補2: 7月10日(水) 10:00-11:00

場所は弊社3階の会議室を予定しております。
ご検討のほど、よろしくお願いいたします。

--
株式会社サンプル商事 営業部
田中 一郎
TEL: 03-0000-0000
"
} >"$out/01-clean-business-ja.eml"

script='WScript.Echo("emoguard demo: this file is harmless and only prints this line.");'
name='請求書_0702.pdf.js'
{
    printf 'Return-Path: <billing-desk@example.net>\n'
    printf 'From: %s <billing-desk@example.net>\n' "$(word '株式会社サンプル商事 経理部' UTF-8 UTF-8)"
    printf 'Reply-To: <sample-keiri@example.org>\n'
    printf 'To: suzuki@example.jp\n'
    printf 'Subject: %s\n' "$(word 'Re: 【至急】請求書①の再送' Shift_JIS CP932)"
    printf 'Date: Tue, 2 Jul 2024 23:48:00 +0900\n'
    printf 'Message-ID: <a81c9e2f0b7d4e5f@example.net>\n'
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="=_demo_b1"\n\n'
    printf -- '--=_demo_b1\n'
    printf 'Content-Type: text/plain; charset=Shift_JIS\n'
    printf 'Content-Transfer-Encoding: base64\n\n'
    sjis "お世話になっております。㈱サンプル商事 経理部です。

先日の請求書①に不備がございましたので再送いたします。
本日中にご確認をお願いいたします。

添付ファイルのパスワード：Ｋｙ７７ｚｚ

よろしくお願いいたします。
" | b64
    printf '\n--=_demo_b1\n'
    printf 'Content-Type: application/octet-stream\n'
    printf "Content-Disposition: attachment; filename*=UTF-8''%s\n" "$(pct "$name")"
    printf 'Content-Transfer-Encoding: base64\n\n'
    printf '%s\r\n' "$script" | b64
    printf '\n--=_demo_b1--\n'
} >"$out/02-lure-script-ja.eml"
echo "wrote $out/01-clean-business-ja.eml $out/02-lure-script-ja.eml"

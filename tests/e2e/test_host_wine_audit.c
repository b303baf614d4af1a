/* emoguard.exe (mingw-w64) auditing and hardening a live "Windows" under wine: a fresh prefix
 * has every stage open (exit 4); `harden --apply` without --yes changes nothing; with --yes in
 * audit mode stage 1 closes and 2-4 are audit only; `--revert --yes` leaves the changed keys
 * byte-identical (compared through `reg export`); with --enforce every stage closes (exit 0) and
 * the revert again restores the exact previous registry. A second apply over an unreverted
 * backup is refused. Everything is done through registry writes: wine has no Set-MpPreference
 * or AppLocker cmdlets, and neither Defender nor AppLocker acts under wine, so what is proven is
 * the audit's reading and the apply/revert bookkeeping, not that Windows enforces the policy.
 * Skipped, saying so, when wine or mingw-w64 is missing (scripts/debian-packages-windows.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmp, exe[4096], env[8192];

static int sh_out(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh_out(char **out, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    size_t len;
    char *o = NULL;
    int rc = eg_test_run(cmd, &o, &len);
    if (out)
        *out = o;
    else
        free(o);
    return rc;
}

/* The keys harden touches (or whose parents it creates), as wine's `reg export` writes them. */
static const char *const keys[] = {
    "HKLM\\Software\\Policies",
    "HKCU\\Software\\Policies",
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies",
    "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies",
    "HKLM\\Software\\Microsoft\\Windows Script Host",
    "HKLM\\Software\\Classes\\JSFile",
    "HKLM\\Software\\Classes\\JSEFile",
    "HKLM\\Software\\Classes\\VBSFile",
    "HKLM\\Software\\Classes\\VBEFile",
    "HKLM\\Software\\Classes\\WSFFile",
    "HKLM\\Software\\Classes\\htafile",
    "HKLM\\System\\CurrentControlSet\\Services\\AppIDSvc",
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* "rc\n<export>" per key, concatenated: a missing key is part of the state too. */
static char *registry_state(void)
{
    size_t cap = 1 << 20, n = 0;
    char *all = calloc(1, cap);
    assert_non_null(all);
    for (size_t i = 0; i < NKEYS; i++) {
        char f[4096];
        snprintf(f, sizeof f, "%s/export.reg", tmp);
        remove(f);
        int rc = sh_out(NULL, "%s timeout 60 wine reg export '%s' '%s' >/dev/null 2>&1", env,
                        keys[i], f);
        char *data = NULL;
        size_t len = 0;
        FILE *fp = fopen(f, "rb");
        if (fp) {
            data = malloc(1 << 20);
            len = data ? fread(data, 1, (1 << 20) - 1, fp) : 0;
            fclose(fp);
        }
        int w = snprintf(all + n, cap - n, "== %s rc=%d len=%zu\n", keys[i], rc != 0, len);
        n += (size_t)w;
        if (data && n + len < cap) {
            memcpy(all + n, data, len);
            n += len;
        }
        free(data);
    }
    all[n] = 0;
    return all;
}

static void stages(const char *json, const char *s1, const char *s2, const char *s3, const char *s4)
{
    const char *want[4] = {s1, s2, s3, s4};
    for (int g = 0; g < 4; g++) {
        char pat[128];
        snprintf(pat, sizeof pat, "{\"stage\":%d,\"name\":", g + 1);
        const char *p = strstr(json, pat);
        assert_non_null(p);
        const char *st = strstr(p, "\"state\":\"");
        assert_non_null(st);
        st += 9;
        if (strncmp(st, want[g], strlen(want[g])) || st[strlen(want[g])] != '"')
            fail_msg("stage %d: %.12s, expected %s\n%s", g + 1, st, want[g], json);
    }
}

static int audit(char **json)
{
    return sh_out(json, "%s timeout 120 wine '%s' hostcheck --audit --format json 2>/dev/null", env,
                  exe);
}

static void wine_audit_harden_revert(void **st)
{
    (void)st;
    if (!eg_test_have("wine") || !eg_test_have("x86_64-w64-mingw32-gcc") || !eg_test_have("make")) {
        print_message("SKIP: wine or mingw-w64 not installed (apt-get install $(cat "
                      "scripts/debian-packages-windows.txt)); the Windows audit is not tested\n");
        skip();
    }
    tmp = eg_test_tmpdir("hostwineaudit");
    assert_non_null(tmp);
    snprintf(exe, sizeof exe, "%s/win-e2e-audit/emoguard.exe", EG_BUILD_DIR);
    assert_int_equal(
        sh_out(
            NULL,
            "make -s -j2 -C '%s' -f scripts/windows.mk OUT='%s/win-e2e-audit' >'%s/make.log' 2>&1",
            EG_SOURCE_DIR, EG_BUILD_DIR, tmp),
        0);
    snprintf(env, sizeof env,
             "WINEPREFIX='%s/prefix' WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' HOME='%s'",
             tmp, tmp);
    assert_int_equal(sh_out(NULL, "%s timeout 300 wine wineboot -i >/dev/null 2>&1", env), 0);

    /* 1. a fresh prefix: nothing is blocked */
    char *json = NULL, *out = NULL;
    assert_int_equal(audit(&json), 4);
    stages(json, "open", "open", "open", "open");
    free(json);
    char *before = registry_state();

    /* 2. the dry run changes nothing */
    int rc = sh_out(&out, "%s timeout 120 wine '%s' harden --apply --lang en 2>&1", env, exe);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "dry run, nothing changed"));
    assert_non_null(strstr(out, "AUDIT.DLL_FROM_USER_FOLDERS"));
    free(out);
    char *now = registry_state();
    assert_string_equal(before, now);
    free(now);

    /* 3. audit mode: Office/scripts set, ASR and AppLocker log only */
    rc = sh_out(&out, "%s timeout 120 wine '%s' harden --apply --yes --backup 'C:\\bk1.txt' 2>&1",
                env, exe);
    if (rc != 0)
        fail_msg("apply: %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK     set "
                                "HKCU\\Software\\Policies\\Microsoft\\Office\\16."
                                "0\\Word\\Security\\blockcontentexecutionfrominternet"));
    free(out);
    assert_int_equal(audit(&json), 4);
    stages(json, "closed", "audit", "audit", "audit");
    free(json);
    now = registry_state();
    assert_string_not_equal(before, now); /* the comparison sees the change it must undo */
    free(now);
    /* a second apply would overwrite the way back: refused */
    rc = sh_out(&out, "%s timeout 120 wine '%s' harden --apply --yes --backup 'C:\\bk1.txt' 2>&1",
                env, exe);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "revert first"));
    free(out);
    rc = sh_out(&out, "%s timeout 120 wine '%s' harden --revert --backup 'C:\\bk1.txt' 2>&1", env,
                exe);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "delete key HKCU\\Software\\Policies (created by harden)"));
    free(out);
    rc = sh_out(&out, "%s timeout 120 wine '%s' harden --revert --yes --backup 'C:\\bk1.txt' 2>&1",
                env, exe);
    if (rc != 0)
        fail_msg("revert: %d\n%s", rc, out);
    free(out);
    now = registry_state();
    assert_string_equal(before, now);
    free(now);

    /* 4. block mode: every stage closed, then back to exactly the old registry */
    rc = sh_out(
        &out, "%s timeout 120 wine '%s' harden --enforce --apply --yes --backup 'C:\\bk2.txt' 2>&1",
        env, exe);
    if (rc != 0)
        fail_msg("apply --enforce: %d\n%s", rc, out);
    free(out);
    rc = audit(&json);
    if (rc != 0)
        fail_msg("audit after enforce: %d\n%s", rc, json);
    stages(json, "closed", "closed", "closed", "closed");
    free(json);
    rc = sh_out(&out, "%s timeout 120 wine '%s' harden --revert --yes --backup 'C:\\bk2.txt' 2>&1",
                env, exe);
    if (rc != 0)
        fail_msg("revert: %d\n%s", rc, out);
    free(out);
    now = registry_state();
    assert_string_equal(before, now);
    free(now);
    assert_int_equal(audit(&json), 4);
    stages(json, "open", "open", "open", "open");
    free(json);
    free(before);
}

static int teardown(void **st)
{
    (void)st;
    if (tmp) {
        sh_out(NULL, "%s wineserver -k >/dev/null 2>&1", env);
        eg_test_rmrf(tmp);
        free(tmp);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(wine_audit_harden_revert)};
    return cmocka_run_group_tests(tests, NULL, teardown);
}

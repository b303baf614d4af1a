/* emoguard.exe (cross-compiled with mingw-w64) checking a live "Windows" under wine: a planted
 * Run value and a 7-day back-dated loader file are reported as artifacts (exit 2), a running
 * process naming the file makes it an infection (exit 1), the remediation dry run changes
 * nothing, --remediate --yes kills, deletes the value and quarantines the file, and the host is
 * then clean (exit 0); the fleet CSV and HTML reports of the Windows build. Skipped, saying so,
 * when wine or mingw-w64 is not installed (scripts/debian-packages-windows.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_fixtures.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp, exe[4096], env[8192], local[8192], user[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    size_t len;
    char *out = NULL;
    int rc = eg_test_run(cmd, &out, &len);
    free(out);
    return rc;
}

static int sh_out(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh_out(char **out, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    size_t len;
    return eg_test_run(cmd, out, &len);
}

static void wine_end_to_end(void **st)
{
    (void)st;
    if (!eg_test_have("wine") || !eg_test_have("x86_64-w64-mingw32-gcc") || !eg_test_have("make")) {
        print_message("SKIP: wine or mingw-w64 not installed (apt-get install $(cat "
                      "scripts/debian-packages-windows.txt)); the Windows build is not tested\n");
        skip();
    }
    tmp = eg_test_tmpdir("hostwine");
    assert_non_null(tmp);
    snprintf(exe, sizeof exe, "%s/win-e2e/emoguard.exe", EG_BUILD_DIR);
    assert_int_equal(
        sh("make -s -j2 -C '%s' -f scripts/windows.mk OUT='%s/win-e2e' >'%s/make.log' 2>&1",
           EG_SOURCE_DIR, EG_BUILD_DIR, tmp),
        0);
    snprintf(env, sizeof env,
             "WINEPREFIX='%s/prefix' WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' HOME='%s'",
             tmp, tmp);
    assert_int_equal(sh("%s timeout 300 wine wineboot -i >/dev/null 2>&1", env), 0);

    /* the wine user's %LOCALAPPDATA% on the Unix side */
    char users[4096];
    snprintf(users, sizeof users, "%s/prefix/drive_c/users", tmp);
    DIR *d = opendir(users);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "Public"))
            snprintf(user, sizeof user, "%s", e->d_name);
    closedir(d);
    assert_true(user[0] != 0);
    snprintf(local, sizeof local, "%s/%s/AppData/Local/Aibevs", users, user);
    assert_int_equal(
        sh("mkdir -p '%s' && printf 'MZ\\220\\000\\003\\000' > '%s/jbcss.nfg'", local, local), 0);
    assert_int_equal(sh("touch -d '2022-04-15 10:00:00.5 UTC' '%s/jbcss.nfg' && touch -d "
                        "'2022-04-22 10:00:00.5 UTC' '%s'",
                        local, local),
                     0);
    char winpath[512];
    snprintf(winpath, sizeof winpath, "C:\\users\\%s\\AppData\\Local\\Aibevs\\jbcss.nfg", user);
    assert_int_equal(
        sh("%s wine reg add 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v jbcss.nfg "
           "/t REG_SZ /d 'C:\\windows\\system32\\rundll32.exe \"%s\",Control_RunDLL' /f >/dev/null "
           "2>&1",
           env, winpath),
        0);

    /* 1. artifacts, nothing running */
    char *out = NULL;
    int rc = sh_out(&out, "%s timeout 120 wine '%s' hostcheck --format json 2>/dev/null", env, exe);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "\"HOST.V4_RUNDLL32_PERSIST\""));
    assert_non_null(strstr(out, "\"HOST.V5_TIMESTOMP_FILE\""));
    assert_non_null(strstr(out, "\"result\":\"artifacts\""));
    free(out);

    /* 2. a process whose command line names the file: infected */
    assert_int_equal(
        sh("(sleep 60 | %s wine cmd /k 'rem %s' >/dev/null 2>&1 &) ; sleep 4", env, winpath), 0);
    rc = sh_out(&out, "%s timeout 120 wine '%s' hostcheck --lang ja 2>/dev/null", env, exe);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "Emotetを検知しました。"));
    assert_non_null(strstr(out, "HOST.V5_TIMESTOMP_PROCESS"));
    free(out);

    /* 3. the dry run changes nothing */
    rc = sh_out(&out, "%s timeout 120 wine '%s' hostcheck --remediate --lang en 2>/dev/null", env,
                exe);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "dry run, nothing changed"));
    assert_non_null(strstr(out, "delete registry value HKU\\"));
    free(out);
    assert_int_equal(
        sh("%s wine reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v "
           "jbcss.nfg >/dev/null 2>&1",
           env),
        0);

    /* 4. acting: kill, delete the value, quarantine the file */
    rc = sh_out(&out,
                "%s timeout 120 wine '%s' hostcheck --remediate --yes --lang en --quarantine "
                "'C:\\egq' 2>&1",
                env, exe);
    if (rc != 1)
        fail_msg("remediation exit %d:\n%s", rc, out ? out : "");
    assert_non_null(strstr(out, "OK     delete registry value"));
    assert_non_null(strstr(out, "OK     kill process"));
    free(out);
    char p[8300];
    snprintf(p, sizeof p, "%s/jbcss.nfg", local);
    struct stat sb;
    assert_int_not_equal(stat(p, &sb), 0);
    assert_int_equal(sh("ls '%s/prefix/drive_c/egq/' | grep -q '_jbcss.nfg.quarantine$' && "
                        "grep -q 'OK     move' '%s/prefix/drive_c/egq/remediation.log'",
                        tmp, tmp),
                     0);
    assert_int_not_equal(
        sh("%s wine reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v "
           "jbcss.nfg >/dev/null 2>&1",
           env),
        0);

    /* 5. clean afterwards */
    rc = sh_out(&out, "%s timeout 120 wine '%s' hostcheck 2>/dev/null", env, exe);
    if (rc != 0)
        fail_msg("after remediation exit %d:\n%s", rc, out ? out : "");
    free(out);

    /* 6. fleet reports from the Windows build: the CSV keeps CRLF record ends (stdout in binary
     * mode, no CR CR LF), the HTML page has one row per PC */
    char fleet[4300];
    snprintf(fleet, sizeof fleet, "%s/fleet", tmp);
    assert_int_equal(eg_hf_fleet_dir(fleet), EG_HF_FLEET_N);
    rc = sh_out(&out,
                "cd '%s' && mkdir -p rep && %s timeout 120 wine '%s' hostcheck --hosts fleet "
                "--output rep --format csv 2>/dev/null",
                tmp, env, exe);
    assert_int_equal(rc, 1);
    assert_non_null(out);
    assert_memory_equal(out, "\xEF\xBB\xBF\"hostname\",", 13);
    assert_null(strstr(out, "\r\r"));
    assert_non_null(strstr(out, "\"'=cmd|' /C calc'!A0\""));
    free(out);
    rc = sh_out(&out,
                "cd '%s' && %s timeout 120 wine '%s' hostcheck --hosts fleet --output rep "
                "--format html 2>/dev/null",
                tmp, env, exe);
    assert_int_equal(rc, 1);
    size_t rows = 0;
    for (const char *q = out; (q = strstr(q, "<tr class=\"host ")) != NULL; q++)
        rows++;
    assert_int_equal(rows, EG_HF_FLEET_N);
    free(out);
}

static int teardown(void **st)
{
    (void)st;
    if (tmp) {
        sh("%s wineserver -k >/dev/null 2>&1", env);
        eg_test_rmrf(tmp);
        free(tmp);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(wine_end_to_end)};
    return cmocka_run_group_tests(tests, NULL, teardown);
}

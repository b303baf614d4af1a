/* `emoguard hostcheck` end to end on generated artifact directories: exit codes (0 clean,
 * 1 infected, 2 artifacts only, 3 error), text and JSON reports, report files, the fleet
 * summary, the remediation dry run, and errors that never look like detections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_fixtures.h"
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("hostcli");
    if (!tmp)
        return -1;
    char p[4096];
    const char *names[] = {"clean", "infected", "artifacts"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/fleet/%s", tmp, names[i]);
        char parent[4096];
        snprintf(parent, sizeof parent, "%s/fleet", tmp);
        mkdir(parent, 0755);
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/fleet/clean", tmp);
    if (eg_hf_clean_dir(p, "PC-CLEAN"))
        return -1;
    snprintf(p, sizeof p, "%s/fleet/infected", tmp);
    if (eg_hf_artifact_dir(p, "PC-RUNNING", 1))
        return -1;
    snprintf(p, sizeof p, "%s/fleet/artifacts", tmp);
    return eg_hf_artifact_dir(p, "PC-DORMANT", 0);
}

static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

static int run(const char *args, char **out)
{
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "LANG=C '%s' hostcheck %s 2>/dev/null", EG_BINARY, args);
    size_t len;
    return eg_test_run(cmd, out, &len);
}

static void exit_codes_per_host(void **st)
{
    (void)st;
    char args[16384], *out = NULL;
    snprintf(args, sizeof args, "--dir '%s/fleet/clean'", tmp);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "Emotet was not detected."));
    free(out);
    snprintf(args, sizeof args, "--dir '%s/fleet/artifacts'", tmp);
    assert_int_equal(run(args, &out), 2);
    assert_non_null(strstr(out, "[Emotet Artifact]"));
    assert_non_null(strstr(out, "HOST.LOADER_PERSIST"));
    assert_non_null(strstr(out, "HOST.V5_TIMESTOMP_FILE"));
    assert_non_null(strstr(out, "PC-DORMANT"));
    free(out);
    snprintf(args, sizeof args, "--dir '%s/fleet/infected' --lang ja", tmp);
    assert_int_equal(run(args, &out), 1);
    assert_non_null(strstr(out, "Emotetを検知しました。"));
    assert_non_null(strstr(out, "3380"));
    free(out);
}

static void json_report_and_file(void **st)
{
    (void)st;
    char args[16384], outdir[4096], *out = NULL;
    snprintf(outdir, sizeof outdir, "%s/reports1", tmp);
    mkdir(outdir, 0755);
    snprintf(args, sizeof args, "--dir '%s/fleet/infected' --format json --output '%s'", tmp, outdir);
    assert_int_equal(run(args, &out), 1);
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "hostname")), "PC-RUNNING");
    assert_string_equal(json_string_value(json_object_get(j, "volume_serial")), "0C3B-1F4A");
    assert_string_equal(json_string_value(json_object_get(j, "v1_name")), "digitalwmistr.exe");
    assert_true(json_is_true(json_object_get(j, "is_infected")));
    json_t *p0 = json_array_get(json_object_get(j, "emotet_processes"), 0);
    assert_int_equal(json_integer_value(json_object_get(p0, "process_id")), 3380);
    json_decref(j);
    free(out);
    DIR *d = opendir(outdir);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)))
        if (strstr(de->d_name, "PC-RUNNING_") == de->d_name && strstr(de->d_name, "_emoguard.json"))
            n++;
    closedir(d);
    assert_int_equal(n, 1);
}

static void fleet_summary(void **st)
{
    (void)st;
    char args[16384], outdir[4096], *out = NULL;
    snprintf(outdir, sizeof outdir, "%s/reports2", tmp);
    mkdir(outdir, 0755);
    snprintf(args, sizeof args, "--hosts '%s/fleet' --output '%s'", tmp, outdir);
    assert_int_equal(run(args, &out), 1); /* the worst host: infected */
    assert_non_null(strstr(out, "artifacts                artifacts"));
    assert_non_null(strstr(out, "clean                    clean"));
    assert_non_null(strstr(out, "infected                 infected"));
    free(out);
    int n = 0;
    DIR *d = opendir(outdir);
    struct dirent *de;
    while ((de = readdir(d)))
        n += strstr(de->d_name, "_emoguard.txt") != NULL;
    closedir(d);
    assert_int_equal(n, 3);
    /* a broken host makes the run an error unless another is infected */
    char p[4096];
    snprintf(p, sizeof p, "%s/fleet2", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/fleet2/broken", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/fleet2/broken/processes.csv", tmp);
    eg_test_write_file(p, "Name,ProcessId\n\"x.exe,1\n", 23);
    snprintf(p, sizeof p, "%s/fleet2/dormant", tmp);
    mkdir(p, 0755);
    assert_int_equal(eg_hf_artifact_dir(p, "PC-D", 0), 0);
    snprintf(args, sizeof args, "--hosts '%s/fleet2' --output '%s'", tmp, outdir);
    assert_int_equal(run(args, &out), 3);
    assert_non_null(strstr(out, "broken                   error"));
    assert_non_null(strstr(out, "unterminated quoted field"));
    free(out);
}

static void errors_are_not_detections(void **st)
{
    (void)st;
    char args[16384], *out = NULL;
    assert_int_equal(run("", &out), 3); /* no source on Linux */
    free(out);
    assert_int_equal(run("--live", &out), 3);
    free(out);
    snprintf(args, sizeof args, "--dir '%s/nope'", tmp);
    assert_int_equal(run(args, &out), 3);
    free(out);
    snprintf(args, sizeof args, "--processes '%s/nope.csv'", tmp);
    assert_int_equal(run(args, &out), 3);
    free(out);
    assert_int_equal(run("--serial zz --files /dev/null", &out), 3);
    free(out);
    snprintf(args, sizeof args, "--dir '%s/fleet/infected' --remediate --yes", tmp);
    assert_int_equal(run(args, &out), 3); /* acting needs the live Windows system */
    free(out);
    assert_int_equal(run("--help", &out), 0);
    assert_non_null(strstr(out, "exit codes"));
    free(out);
}

static void remediation_dry_run(void **st)
{
    (void)st;
    char args[16384], *out = NULL;
    snprintf(args, sizeof args, "--dir '%s/fleet/infected' --remediate", tmp);
    assert_int_equal(run(args, &out), 1);
    assert_non_null(strstr(out, "dry run, nothing changed"));
    assert_non_null(strstr(out, "kill process 3380 (regsvr32.exe)"));
    assert_non_null(strstr(out, "delete registry value HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Xyzabcdefg"));
    assert_non_null(strstr(out, "move to quarantine C:\\Users\\alice\\AppData\\Local\\Vqkwyfejbj\\dkrtkhv.ktv"));
    /* the numeric service is only a note: never removed */
    assert_null(strstr(out, "delete service 74839201"));
    free(out);
}

static void single_files_and_serial_option(void **st)
{
    (void)st;
    char args[16384], *out = NULL;
    /* only a process list: the v1 name from --serial is enough for a detection */
    char p[4096];
    snprintf(p, sizeof p, "%s/procs.csv", tmp);
    const char *csv = "Name,ProcessId,ExecutablePath\r\nptrthunk.exe,4242,C:\\Users\\bob\\AppData\\Local\\ptrthunk.exe\r\n";
    assert_int_equal(eg_test_write_file(p, csv, strlen(csv)), 0);
    snprintf(args, sizeof args, "--processes '%s' --serial 1234-5678 --hostname PC-X", p);
    assert_int_equal(run(args, &out), 1);
    assert_non_null(strstr(out, "HOST.V1_NAME_PROCESS"));
    assert_non_null(strstr(out, "PC-X"));
    free(out);
    snprintf(args, sizeof args, "--processes '%s' --serial DEAD-BEEF", p);
    assert_int_equal(run(args, &out), 0);
    free(out);
    /* hives given one by one, NTUSER.DAT before SOFTWARE on the command line */
    snprintf(args, sizeof args, "--hive '%s/fleet/artifacts/users/alice/NTUSER.DAT' --hive '%s/fleet/artifacts/SOFTWARE' --files '%s/fleet/artifacts/files.csv'", tmp, tmp, tmp);
    assert_int_equal(run(args, &out), 2);
    assert_non_null(strstr(out, "HKCU(alice)"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_codes_per_host), cmocka_unit_test(json_report_and_file),
        cmocka_unit_test(fleet_summary),       cmocka_unit_test(errors_are_not_detections),
        cmocka_unit_test(remediation_dry_run), cmocka_unit_test(single_files_and_serial_option),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

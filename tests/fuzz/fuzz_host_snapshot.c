/* libFuzzer target: a whole snapshot from fuzzed artifacts -- processes, files, tasks and
 * host.txt separated by "\n====\n" -- then the rule engine, both reports and the remediation
 * plan over it. */
#include "host/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *next_part(const char *p, const char *end, size_t *len)
{
    const char *m = p;
    while (m + 6 <= end && memcmp(m, "\n====\n", 6))
        m++;
    if (m + 6 > end)
        m = end;
    *len = (size_t)(m - p);
    return m < end ? m + 6 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_host_snapshot *s;
    if (eg_host_snapshot_new(&s))
        return 0;
    const char *p = (const char *)data, *end = p + size;
    char err[256];
    size_t n;
    const char *q = next_part(p, end, &n);
    eg_host_load_procs_csv(s, p, n, err, sizeof err);
    p = q, q = next_part(p, end, &n);
    eg_host_load_files_csv(s, p, n, err, sizeof err);
    p = q, q = next_part(p, end, &n);
    eg_host_load_tasks_csv(s, p, n, err, sizeof err);
    p = q, q = next_part(p, end, &n);
    eg_host_load_info(s, p, n, err, sizeof err);
    /* a user, Run values and a service from the remaining bytes, so every rule has input */
    eg_host_add_user(s, "u", "S-1-5-21-1", "C:\\Users\\u", "C:\\Users\\u\\AppData\\Local", NULL);
    if (q < end) {
        size_t rest = (size_t)(end - q);
        char *t = malloc(rest + 1);
        if (t) {
            memcpy(t, q, rest);
            t[rest] = 0;
            eg_host_add_reg(s, EG_HREG_RUN, "HKCU", "Software\\Microsoft\\Windows\\CurrentVersion\\Run",
                            "Abcdefghij", 2, (const uint8_t *)t, strlen(t) + 1, 0);
            eg_host_add_reg(s, EG_HREG_EXPLORER, "HKCU", "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer",
                            "c3b1f4a", 3, (const uint8_t *)q, rest, 0);
            eg_host_add_service(s, t, t, t, 2, 16);
            free(t);
        }
    }
    eg_host_findings *f = NULL;
    if (eg_host_check(s, NULL, &f) == EG_OK) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            eg_host_report_text(null, s, f, EG_LANG_JA, "2026-01-01 00:00:00");
            eg_host_report_json(null, s, f, "2026-01-01 00:00:00");
            eg_host_plan *pl;
            if (eg_host_plan_build(s, f, &pl) == EG_OK) {
                eg_host_plan_print(null, pl, EG_LANG_EN);
                eg_host_plan_free(pl);
            }
            fclose(null);
        }
        eg_host_findings_free(f);
    }
    eg_host_snapshot_free(s);
    return 0;
}

/* libFuzzer target: the containment audit over fuzzed policy input -- policy.txt, applocker.xml
 * and a registry rule value (SrpV2) plus SRP path patterns, separated by "\n====\n" -- then both
 * audit reports, the harden plan and its .reg / .ps1 writers. */
#include "host/audit.h"
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
    eg_audit_load_policy_txt(s, p, n, err, sizeof err);
    p = q, q = next_part(p, end, &n);
    if (size & 1) /* the export, or the same XML as one registry rule */
        eg_audit_load_applocker_xml(s, p, n, err, sizeof err);
    s->have_software = s->have_system = true;
    int u = -1;
    eg_host_add_user(s, "u", "S-1-5-21-1", "C:\\Users\\u", "C:\\Users\\u\\AppData\\Local", &u);
    s->users[u].have_hive = true;
    char *x = malloc(n + 1);
    if (x) {
        memcpy(x, p, n);
        x[n] = 0;
        eg_host_add_reg(s, EG_HREG_POLICY, "HKLM",
                        "Software\\Policies\\Microsoft\\Windows\\SrpV2\\Dll\\{1}", "Value", 1,
                        (const uint8_t *)x, n, -1);
        free(x);
    }
    uint32_t one = 1;
    eg_host_add_reg(s, EG_HREG_POLICY, "HKLM", "Software\\Policies\\Microsoft\\Windows\\SrpV2\\Dll",
                    "EnforcementMode", 4, (const uint8_t *)&one, 4, -1);
    if (q < end) {
        size_t rest = (size_t)(end - q);
        char *t = malloc(rest + 1);
        if (t) {
            memcpy(t, q, rest);
            t[rest] = 0;
            uint32_t two = 2, zero = 0;
            const char *safer = "Software\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers";
            eg_host_add_reg(s, EG_HREG_POLICY, "HKLM", safer, "TransparentEnabled", 4,
                            (const uint8_t *)&two, 4, -1);
            eg_host_add_reg(s, EG_HREG_POLICY, "HKLM", safer, "DefaultLevel", 4,
                            (const uint8_t *)&zero, 4, -1);
            eg_host_add_reg(s, EG_HREG_POLICY, "HKLM",
                            "Software\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers\\262144"
                            "\\Paths\\{1}",
                            "ItemData", 2, (const uint8_t *)t, strlen(t) + 1, -1);
            eg_host_add_reg(s, EG_HREG_POLICY, "HKCU", "Software\\Classes\\.js", "", 1,
                            (const uint8_t *)t, strlen(t) + 1, u);
            eg_host_add_reg(s, EG_HREG_POLICY, "HKLM",
                            "Software\\Policies\\Microsoft\\Windows Defender\\Policy Manager",
                            "ASRRules", 1, (const uint8_t *)t, strlen(t) + 1, -1);
            eg_al_path_match(s, u, t, "C:\\Users\\u\\AppData\\Local\\x\\y.dll");
            free(t);
        }
    }
    eg_audit_result *r = NULL;
    if (eg_audit_run(s, &r) == EG_OK) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            eg_audit_report_text(null, s, r, EG_LANG_JA, "2026-01-01 00:00:00");
            eg_audit_report_json(null, s, r, "2026-01-01 00:00:00");
            eg_audit_summary_cols(null, r, EG_LANG_EN, false);
            eg_harden_plan *pl;
            if (eg_harden_build(s, r, size & 2, &pl) == EG_OK) {
                eg_harden_write_reg(null, pl);
                eg_harden_write_ps1(null, pl);
                eg_harden_print(null, pl, EG_LANG_EN);
                eg_harden_free(pl);
            }
            fclose(null);
        }
        eg_audit_free(r);
    }
    eg_host_snapshot_free(s);
    return 0;
}

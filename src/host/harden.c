/*
 * `emoguard harden`: the policy that closes the stages an audit found open, as registry values
 * (one list, used three ways): a .reg file, a PowerShell script (Set-MpPreference/Add-MpPreference
 * for ASR, Set-AppLockerPolicy with the same rules as XML, registry for the rest) and, on the
 * Windows build, the writes that `--apply` makes (host_win32.c). Audit mode first: ASR rules in
 * audit (2) and AppLocker collections AuditOnly unless enforce is asked for. Only the required
 * controls of stages that are not closed are written. Nothing here touches a system.
 */
#include "host/audit.h"

#include "core/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASR_KEY                                                                                    \
    "SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Windows Defender Exploit Guard\\ASR"
#define SRPV2 "SOFTWARE\\Policies\\Microsoft\\Windows\\SrpV2"
#define NOTEPAD "%SystemRoot%\\System32\\notepad.exe \"%1\""

static eg_status add(eg_harden_plan *p, eg_audit_ctl c, const char *root, const char *sub,
                     const char *name, uint32_t type, uint32_t dword, const char *txt)
{
    for (size_t i = 0; i < p->n; i++) /* once per value, whatever number of users needed it */
        if (!strcmp(p->sets[i].root, root) && !strcasecmp(p->sets[i].subkey, sub) &&
            !strcasecmp(p->sets[i].name, name))
            return EG_OK;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 32;
        eg_harden_set *x = realloc(p->sets, nc * sizeof *x);
        if (!x)
            return EG_ENOMEM;
        p->sets = x;
        p->cap = nc;
    }
    eg_harden_set *s = &p->sets[p->n];
    memset(s, 0, sizeof *s);
    s->ctl = c;
    s->root = root;
    s->type = type;
    s->dword = dword;
    s->subkey = eg_strdup(sub);
    s->name = eg_strdup(name);
    s->text = txt ? eg_strdup(txt) : NULL;
    if (!s->subkey || !s->name || (txt && !s->text)) {
        free(s->subkey), free(s->name), free(s->text);
        return EG_ENOMEM;
    }
    p->n++;
    return EG_OK;
}

static eg_status dw(eg_harden_plan *p, eg_audit_ctl c, const char *root, const char *sub,
                    const char *name, uint32_t v)
{
    return add(p, c, root, sub, name, 4, v, NULL);
}

static eg_status asr(eg_harden_plan *p, eg_audit_ctl c, const char *guid)
{
    eg_status st = dw(p, c, "HKLM", ASR_KEY, "ExploitGuard_ASR_Rules", 1);
    return st ? st : add(p, c, "HKLM", ASR_KEY "\\Rules", guid, 1, 0, p->enforce ? "1" : "2");
}

/* Fixed rule ids (per collection and rule) so a second run or a revert finds the same values. */
static const struct {
    const char *name, *sid, *action, *path;
} al_rules[] = {
    {"emoguard: Windows folder", "S-1-1-0", "Allow", "%WINDIR%\\*"},
    {"emoguard: Program Files", "S-1-1-0", "Allow", "%PROGRAMFILES%\\*"},
    {"emoguard: administrators", "S-1-5-32-544", "Allow", "*"},
    {"emoguard: deny AppData", "S-1-1-0", "Deny", "%OSDRIVE%\\Users\\*\\AppData\\*"},
    {"emoguard: deny Downloads", "S-1-1-0", "Deny", "%OSDRIVE%\\Users\\*\\Downloads\\*"},
};
#define NAL (sizeof al_rules / sizeof al_rules[0])

static void rule_id(size_t i, int coll, char out[40])
{
    snprintf(out, 40, "9f1c3e2a-6b1d-4f3e-8a51-0e5a%04x%04x", (unsigned)coll, (unsigned)i);
}

static void rule_xml(size_t i, int coll, char *buf, size_t cap)
{
    char id[40];
    rule_id(i, coll, id);
    snprintf(
        buf, cap,
        "<FilePathRule Id=\"%s\" Name=\"%s\" Description=\"\" UserOrGroupSid=\"%s\" Action=\"%s\">"
        "<Conditions><FilePathCondition Path=\"%s\" /></Conditions></FilePathRule>",
        id, al_rules[i].name, al_rules[i].sid, al_rules[i].action, al_rules[i].path);
}

static eg_status applocker(eg_harden_plan *p, eg_audit_ctl c, int coll, const char *name)
{
    char key[256];
    snprintf(key, sizeof key, SRPV2 "\\%s", name);
    eg_status st = dw(p, c, "HKLM", key, "EnforcementMode", p->enforce ? 1 : 0);
    for (size_t i = 0; i < NAL && !st; i++) {
        char sub[400], id[40], x[1024];
        rule_id(i, coll, id);
        snprintf(sub, sizeof sub, "%s\\{%s}", key, id);
        rule_xml(i, coll, x, sizeof x);
        st = add(p, c, "HKLM", sub, "Value", 1, 0, x);
    }
    if (!st)
        st = dw(p, c, "HKLM", "SYSTEM\\CurrentControlSet\\Services\\AppIDSvc", "Start", 2);
    return st;
}

static eg_status office(eg_harden_plan *p, const eg_audit_result *r, eg_audit_ctl c)
{
    eg_status st = EG_OK;
    for (int v = 0; v < r->nversions && !st; v++) {
        char k[256];
        const char *ver = r->office_versions[v];
        static const char *const apps[] = {"Word", "Excel", "PowerPoint"};
        if (c == EG_AC_OFFICE_MACROS)
            for (int a = 0; a < 3 && !st; a++) {
                snprintf(k, sizeof k, "Software\\Policies\\Microsoft\\Office\\%s\\%s\\Security",
                         ver, apps[a]);
                st = dw(p, c, "HKCU", k, "blockcontentexecutionfrominternet", 1);
                if (!st) /* disable all except digitally signed macros */
                    st = dw(p, c, "HKCU", k, "VBAWarnings", 3);
            }
        else if (c == EG_AC_OFFICE_XL4) {
            snprintf(k, sizeof k, "Software\\Policies\\Microsoft\\Office\\%s\\Excel\\Security",
                     ver);
            st = dw(p, c, "HKCU", k, "XL4MacroWarningFollowVBA", 1);
            if (!st)
                st = dw(p, c, "HKCU", k, "blockcontentexecutionfrominternet", 1);
        } else if (c == EG_AC_ONENOTE_EMBEDDED) {
            snprintf(k, sizeof k, "Software\\Policies\\Microsoft\\Office\\%s\\OneNote\\Options",
                     ver);
            st = dw(p, c, "HKCU", k, "DisableEmbeddedFiles", 1);
        }
    }
    return st;
}

eg_status eg_harden_build(const eg_host_snapshot *s, const eg_audit_result *r, bool enforce,
                          eg_harden_plan **out)
{
    (void)s;
    *out = NULL;
    eg_harden_plan *p = calloc(1, sizeof *p);
    if (!p)
        return EG_ENOMEM;
    p->enforce = enforce;
    eg_status st = EG_OK;
    for (int c = 0; c < EG_AC__COUNT && !st; c++) {
        const eg_audit_ctl_info *ci = eg_audit_ctl_get((eg_audit_ctl)c);
        if (!ci->required || r->stage[ci->stage - 1] == EG_AS_CLOSED ||
            r->ctl_state[c] == EG_AS_CLOSED)
            continue;
        p->stage[ci->stage - 1] = true;
        switch ((eg_audit_ctl)c) {
        case EG_AC_OFFICE_MACROS:
        case EG_AC_OFFICE_XL4:
        case EG_AC_ONENOTE_EMBEDDED: st = office(p, r, (eg_audit_ctl)c); break;
        case EG_AC_MOTW:
            st = dw(p, (eg_audit_ctl)c, "HKCU",
                    "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Attachments",
                    "SaveZoneInformation", 2);
            if (!st)
                st = dw(p, (eg_audit_ctl)c, "HKLM",
                        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Attachments",
                        "SaveZoneInformation", 2);
            break;
        case EG_AC_ASR_OFFICE_CHILD:
            st = asr(p, (eg_audit_ctl)c, "d4f940ab-401b-4efc-aadc-ad5f3c50688a");
            break;
        case EG_AC_SCRIPT_FILES: {
            st = dw(p, (eg_audit_ctl)c, "HKLM",
                    "SOFTWARE\\Microsoft\\Windows Script Host\\Settings", "Enabled", 0);
            static const char *const progs[] = {"JSFile",  "JSEFile", "VBSFile",
                                                "VBEFile", "WSFFile", "htafile"};
            for (int i = 0; i < 6 && !st; i++) {
                char k[128];
                snprintf(k, sizeof k, "SOFTWARE\\Classes\\%s\\Shell\\Open\\Command", progs[i]);
                st = add(p, (eg_audit_ctl)c, "HKLM", k, "", 2, 0, NOTEPAD);
            }
            break;
        }
        case EG_AC_DLL_USER_DIRS: st = applocker(p, (eg_audit_ctl)c, 1, "Dll"); break;
        case EG_AC_EXE_USER_DIRS: st = applocker(p, (eg_audit_ctl)c, 0, "Exe"); break;
        case EG_AC_LSASS:
            st = asr(p, (eg_audit_ctl)c, "9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2");
            break;
        default: break;
        }
    }
    if (st) {
        eg_harden_free(p);
        return st;
    }
    *out = p;
    return EG_OK;
}

void eg_harden_free(eg_harden_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->sets[i].subkey), free(p->sets[i].name), free(p->sets[i].text);
    free(p->sets);
    free(p->applocker_xml);
    free(p);
}

/* ---- .reg --------------------------------------------------------------------------------- */

static void reg_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* REG_EXPAND_SZ as hex(2): UTF-16LE with the terminating NUL (ASCII data only here). */
static void reg_hex2(FILE *f, const char *s)
{
    fputs("hex(2):", f);
    size_t n = strlen(s) + 1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%02x,00", i ? "," : "", (unsigned char)s[i]);
}

eg_status eg_harden_write_reg(FILE *f, const eg_harden_plan *p)
{
    fputs("Windows Registry Editor Version 5.00\r\n\r\n", f);
    fprintf(f, "; emoguard harden (%s mode): closes the Emotet chain stages",
            p->enforce ? "block" : "audit");
    for (int g = 0; g < EG_AUDIT_STAGES; g++)
        if (p->stage[g])
            fprintf(f, " %d", g + 1);
    fputs("\r\n; HKEY_CURRENT_USER values apply to the user who imports this file (deploy them per "
          "user,\r\n"
          "; e.g. by Group Policy). See docs/hostcheck.md before importing.\r\n",
          f);
    const char *last_root = NULL, *last_key = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const eg_harden_set *s = &p->sets[i];
        if (!last_key || strcmp(last_root, s->root) || strcmp(last_key, s->subkey)) {
            fprintf(f, "\r\n[%s\\%s]\r\n",
                    !strcmp(s->root, "HKLM") ? "HKEY_LOCAL_MACHINE" : "HKEY_CURRENT_USER",
                    s->subkey);
            last_root = s->root, last_key = s->subkey;
        }
        if (*s->name)
            reg_str(f, s->name);
        else
            fputc('@', f);
        fputc('=', f);
        if (s->type == 4)
            fprintf(f, "dword:%08x", s->dword);
        else if (s->type == 2)
            reg_hex2(f, s->text);
        else
            reg_str(f, s->text);
        fputs("\r\n", f);
    }
    return ferror(f) ? EG_EIO : EG_OK;
}

/* ---- PowerShell --------------------------------------------------------------------------- */

static void ps_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

eg_status eg_harden_write_ps1(FILE *f, const eg_harden_plan *p)
{
    fprintf(f,
            "# emoguard harden (%s mode). Run as Administrator in the session of the user whose\r\n"
            "# HKCU settings are wanted. docs/hostcheck.md explains each setting and its side "
            "effects.\r\n"
            "#Requires -RunAsAdministrator\r\n$ErrorActionPreference = 'Stop'\r\n\r\n",
            p->enforce ? "block" : "audit");
    fputs(
        "function Set-Reg($Path, $Name, $Type, $Value) {\r\n"
        "  if (-not (Test-Path -LiteralPath $Path)) { New-Item -Path $Path -Force | Out-Null }\r\n"
        "  if ($Name -eq '') { Set-Item -LiteralPath $Path -Value $Value; return }\r\n"
        "  New-ItemProperty -LiteralPath $Path -Name $Name -PropertyType $Type -Value $Value "
        "-Force | Out-Null\r\n"
        "}\r\n\r\n",
        f);
    bool al[2] = {false, false};
    for (size_t i = 0; i < p->n; i++) {
        const eg_harden_set *s = &p->sets[i];
        if (strstr(s->subkey, "\\SrpV2\\")) { /* written below as one AppLocker policy */
            al[strstr(s->subkey, "\\SrpV2\\Dll") ? 1 : 0] = true;
            continue;
        }
        if (strstr(s->subkey, "Exploit Guard\\ASR\\Rules")) {
            fprintf(f,
                    "Add-MpPreference -AttackSurfaceReductionRules_Ids %s "
                    "-AttackSurfaceReductionRules_Actions %s\r\n",
                    s->name, p->enforce ? "Enabled" : "AuditMode");
            continue;
        }
        if (strstr(s->subkey, "Exploit Guard\\ASR"))
            continue; /* the Group Policy switch; Add-MpPreference needs none */
        if (strstr(s->subkey, "Services\\AppIDSvc")) {
            fputs("& sc.exe config AppIDSvc start= auto | Out-Null\r\n", f);
            continue;
        }
        fprintf(f, "Set-Reg ");
        char path[600];
        snprintf(path, sizeof path, "%s:\\%s", s->root, s->subkey);
        ps_str(f, path);
        fputc(' ', f);
        ps_str(f, s->name);
        if (s->type == 4)
            fprintf(f, " DWord %u\r\n", s->dword);
        else {
            fprintf(f, " %s ", s->type == 2 ? "ExpandString" : "String");
            ps_str(f, s->text);
            fputs("\r\n", f);
        }
    }
    if (al[0] || al[1]) {
        fputs("\r\n# AppLocker: Windows and Program Files allowed, administrators allowed, AppData "
              "and\r\n"
              "# Downloads denied. Merged into the local policy.\r\n$xml = @'\r\n<AppLockerPolicy "
              "Version=\"1\">\r\n",
              f);
        static const char *const colls[] = {"Exe", "Dll"};
        for (int c = 0; c < 2; c++) {
            if (!al[c])
                continue;
            fprintf(f, "<RuleCollection Type=\"%s\" EnforcementMode=\"%s\">\r\n", colls[c],
                    p->enforce ? "Enabled" : "AuditOnly");
            for (size_t i = 0; i < NAL; i++) {
                char x[1024];
                rule_xml(i, c, x, sizeof x);
                fprintf(f, "%s\r\n", x);
            }
            fputs("</RuleCollection>\r\n", f);
        }
        fputs(
            "</AppLockerPolicy>\r\n'@\r\n$tmp = Join-Path $env:TEMP 'emoguard-applocker.xml'\r\n"
            "[IO.File]::WriteAllText($tmp, $xml)\r\nSet-AppLockerPolicy -XmlPolicy $tmp -Merge\r\n"
            "& sc.exe config AppIDSvc start= auto | Out-Null\r\nStart-Service AppIDSvc\r\n",
            f);
    }
    if (!p->enforce)
        fputs("\r\n# Audit mode: check the events (Defender: Microsoft-Windows-Windows "
              "Defender/Operational\r\n"
              "# 1122; AppLocker: Microsoft-Windows-AppLocker/* 8003, 8006) for some weeks, add "
              "exceptions,\r\n"
              "# then run `emoguard harden --enforce` and deploy its output.\r\n",
              f);
    return ferror(f) ? EG_EIO : EG_OK;
}

void eg_harden_print(FILE *f, const eg_harden_plan *p, eg_lang lang)
{
    bool ja = lang == EG_LANG_JA;
    if (!p->n) {
        fputs(ja ? "すべての段階がブロックされています。変更は不要です。\n"
                 : "Every stage is closed; nothing to change.\n",
              f);
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        const eg_harden_set *s = &p->sets[i];
        fprintf(f, "  %-28s %s\\%s\\%s = ", eg_audit_ctl_get(s->ctl)->id, s->root, s->subkey,
                *s->name ? s->name : "(default)");
        if (s->type == 4)
            fprintf(f, "%u (REG_DWORD)\n", s->dword);
        else
            fprintf(f, "\"%s\" (%s)\n", s->text, s->type == 2 ? "REG_EXPAND_SZ" : "REG_SZ");
    }
}

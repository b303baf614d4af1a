/*
 * Reports of `hostcheck --audit`: the chain walked stage by stage in Japanese or English (what
 * this PC would let happen, and the registry values that say so), a JSON document for fleets
 * (docs/json-schema.md) and the stage columns of the --hosts table. Written without a JSON
 * library so the Windows build needs none; every string was sanitised in the snapshot.
 */
#include "host/audit.h"

#include <stdio.h>
#include <string.h>

static const char *L(eg_lang lang, const char *ja, const char *en)
{
    return lang == EG_LANG_JA ? ja : en;
}

static const struct {
    const char *name, *open_ja, *open_en, *closed_ja, *closed_en;
} stages[EG_AUDIT_STAGES] = {
    {"macro", "メールで届いたマクロや OneNote の埋め込みファイルがこの PC で実行されます",
     "this PC would run a macro or OneNote embedded file from mail",
     "メールで届いたマクロはブロックされます", "macros from mail are blocked"},
    {"child", "Office から PowerShell、cmd、mshta が起動し、スクリプトファイルも実行されます",
     "PowerShell, cmd or mshta would start from Office, and script files would run",
     "Office の子プロセスとスクリプトファイルはブロックされます",
     "Office child processes and script files are blocked"},
    {"loader", "regsvr32 / rundll32 が %LOCALAPPDATA% などの DLL を読み込めます",
     "regsvr32/rundll32 could load a DLL from %LOCALAPPDATA% and similar folders",
     "ユーザーフォルダーの DLL と実行ファイルはブロックされます",
     "DLLs and programs in user folders are blocked"},
    {"credentials", "LSASS から資格情報を盗み出せます", "credentials could be read from LSASS",
     "LSASS からの資格情報の盗難はブロックされます", "credential theft from LSASS is blocked"},
};

static const char *state_text(eg_audit_state st, eg_lang lang)
{
    switch (st) {
    case EG_AS_CLOSED: return L(lang, "ブロック", "closed");
    case EG_AS_AUDIT: return L(lang, "監査のみ", "audit only");
    case EG_AS_UNKNOWN: return L(lang, "不明", "unknown");
    default: return L(lang, "無防備", "OPEN");
    }
}

static const char *stage_text(eg_audit_state st, int g, eg_lang lang)
{
    switch (st) {
    case EG_AS_CLOSED: return L(lang, stages[g].closed_ja, stages[g].closed_en);
    case EG_AS_AUDIT:
        return L(lang, "監査モードのみ: 記録されますがブロックされません",
                 "audit mode only: logged, not blocked");
    case EG_AS_UNKNOWN:
        return L(lang, "必要なレジストリが収集されていません",
                 "the registry that decides it was not collected");
    default: return L(lang, stages[g].open_ja, stages[g].open_en);
    }
}

static const char *user_name(const eg_host_snapshot *s, int u)
{
    return u >= 0 && (size_t)u < s->nusers ? s->users[u].name : NULL;
}

static void text_item(FILE *f, const eg_host_snapshot *s, const eg_audit_item *it, eg_lang lang)
{
    const eg_audit_ctl_info *ci = eg_audit_ctl_get(it->ctl);
    const char *who = user_name(s, it->user);
    fprintf(f, "    [%s] %s%s", state_text(it->state, lang), ci->id,
            ci->required ? "" : L(lang, " (推奨)", " (recommended)"));
    if (who || it->where)
        fprintf(f, " (%s%s%s)", who ? who : "", who && it->where ? ", " : "",
                it->where ? it->where : "");
    fprintf(f, "\n        %s\n", lang == EG_LANG_JA ? ci->ja : ci->en);
    if (it->evidence && *it->evidence)
        fprintf(f, "        %s %s\n", L(lang, "根拠:", "Evidence:"), it->evidence);
}

eg_status eg_audit_report_text(FILE *f, const eg_host_snapshot *s, const eg_audit_result *r,
                               eg_lang lang, const char *scan_time)
{
    fprintf(f, "[emoguard hostcheck --audit %s]\n", EG_VERSION);
    fprintf(f, "%s %s (UTC)\n", L(lang, "プログラム実行時刻:", "Scan time:"), scan_time);
    fprintf(f, "%s %s\n", L(lang, "ホスト名:", "Host name:"), s->hostname ? s->hostname : "-");
    fprintf(f, "%s %s\n", L(lang, "調査対象:", "Source:"), s->source ? s->source : "-");
    fprintf(f, "%s", L(lang, "Office バージョン:", "Office versions:"));
    for (int i = 0; i < r->nversions; i++)
        fprintf(f, " %s", r->office_versions[i]);
    fprintf(f, "\n\n%s\n",
            L(lang, "[Emotet の感染の流れに対する防御]", "[Containment of the Emotet chain]"));
    for (int g = 0; g < EG_AUDIT_STAGES; g++) {
        fprintf(f, "%s %d (%s): %s - %s\n", L(lang, "段階", "Stage"), g + 1, stages[g].name,
                state_text(r->stage[g], lang), stage_text(r->stage[g], g, lang));
        for (int pass = 0; pass < 2; pass++) /* required controls first */
            for (size_t i = 0; i < r->n; i++) {
                const eg_audit_item *it = &r->items[i];
                const eg_audit_ctl_info *ci = eg_audit_ctl_get(it->ctl);
                if (ci->stage == g + 1 && ci->required == (pass == 0))
                    text_item(f, s, it, lang);
            }
        fputc('\n', f);
    }
    if (s->nwarn) {
        fprintf(f, "%s\n", L(lang, "[警告]", "[Warnings]"));
        for (size_t i = 0; i < s->nwarn; i++)
            fprintf(f, "  - %s\n", s->warnings[i]);
    }
    if (eg_audit_exit_code(r))
        fprintf(f, "%s\n",
                L(lang,
                  "開いている段階を閉じる設定は `emoguard harden` で作成できます "
                  "(まず監査モードで展開してください。docs/hostcheck.md)。",
                  "`emoguard harden` writes the policy that closes the open stages (roll it out in "
                  "audit mode first; docs/hostcheck.md)."));
    return ferror(f) ? EG_EIO : EG_OK;
}

static void js(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

eg_status eg_audit_report_json(FILE *f, const eg_host_snapshot *s, const eg_audit_result *r,
                               const char *scan_time)
{
    fputs("{\"schema_version\":1,\"tool\":\"emoguard hostcheck --audit\",\"version\":", f);
    js(f, EG_VERSION);
    fputs(",\"scan_time\":", f);
    js(f, scan_time);
    fputs(",\"hostname\":", f);
    js(f, s->hostname);
    fputs(",\"source\":", f);
    js(f, s->source);
    fprintf(f, ",\"exit_code\":%d,\"office_versions\":[", eg_audit_exit_code(r));
    for (int i = 0; i < r->nversions; i++) {
        if (i)
            fputc(',', f);
        js(f, r->office_versions[i]);
    }
    fputs("],\"stages\":[", f);
    for (int g = 0; g < EG_AUDIT_STAGES; g++) {
        fprintf(f, "%s{\"stage\":%d,\"name\":", g ? "," : "", g + 1);
        js(f, stages[g].name);
        fputs(",\"state\":", f);
        js(f, eg_audit_state_name(r->stage[g]));
        fputs(",\"text_en\":", f);
        js(f, stage_text(r->stage[g], g, EG_LANG_EN));
        fputs(",\"text_ja\":", f);
        js(f, stage_text(r->stage[g], g, EG_LANG_JA));
        fputc('}', f);
    }
    fputs("],\"controls\":[", f);
    for (size_t i = 0; i < r->n; i++) {
        const eg_audit_item *it = &r->items[i];
        const eg_audit_ctl_info *ci = eg_audit_ctl_get(it->ctl);
        fprintf(f, "%s{\"id\":", i ? "," : "");
        js(f, ci->id);
        fprintf(f, ",\"stage\":%d,\"required\":%s,\"state\":", ci->stage,
                ci->required ? "true" : "false");
        js(f, eg_audit_state_name(it->state));
        fputs(",\"user\":", f);
        js(f, user_name(s, it->user));
        fputs(",\"where\":", f);
        js(f, it->where);
        fputs(",\"evidence\":", f);
        js(f, it->evidence);
        fputs(",\"message_en\":", f);
        js(f, ci->en);
        fputs(",\"message_ja\":", f);
        js(f, ci->ja);
        fputc('}', f);
    }
    fputs("],\"warnings\":[", f);
    for (size_t i = 0; i < s->nwarn; i++) {
        if (i)
            fputc(',', f);
        js(f, s->warnings[i]);
    }
    fputs("]}\n", f);
    return ferror(f) ? EG_EIO : EG_OK;
}

void eg_audit_summary_cols(FILE *f, const eg_audit_result *r, eg_lang lang, bool header)
{
    static const char *const en[] = {"S1-MACRO", "S2-CHILD", "S3-LOADER", "S4-LSASS"};
    for (int g = 0; g < EG_AUDIT_STAGES; g++) {
        if (header && lang == EG_LANG_JA)
            fprintf(f, "段階%d    ", g + 1); /* 5 terminal columns + 4 spaces */
        else if (header)
            fprintf(f, "%-9s", en[g]);
        else
            fprintf(f, "%-9s", r ? eg_audit_state_name(r->stage[g]) : "-");
        fputc(' ', f);
    }
}

/*
 * hostcheck reports: a text report in EmoCheck's layout (so tools that look for "[Emotet
 * Process]" keep working) in Japanese or English, a JSON document (UTF-8, escaped, numeric PIDs,
 * rule ids and evidence, plus EmoCheck's emotet_processes array), and the one-line-per-host
 * summary used for a directory of many hosts. Written without a JSON library so the Windows
 * build needs none. Every string shown was sanitised when it entered the snapshot.
 */
#include "host/host.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *L(eg_lang lang, const char *ja, const char *en)
{
    return lang == EG_LANG_JA ? ja : en;
}

static const char *level_name(eg_host_level l)
{
    return l == EG_HLVL_INFECTED ? "infected" : l == EG_HLVL_ARTIFACT ? "artifact" : "note";
}

static const char *result_name(eg_host_result r)
{
    switch (r) {
    case EG_HOST_INFECTED: return "infected";
    case EG_HOST_ARTIFACTS: return "artifacts";
    case EG_HOST_CLEAN: return "clean";
    default: return "error";
    }
}

static const char *rule_text(const eg_host_hit *h, eg_lang lang)
{
    const eg_host_rule_info *ri = eg_host_rule_get(h->rule);
    return lang == EG_LANG_JA ? ri->ja : ri->en;
}

static void line(FILE *f, const char *label, const char *v)
{
    if (v && *v)
        fprintf(f, "     %s: %s\n", label, v);
}

static void text_hit(FILE *f, const eg_host_snapshot *s, const eg_host_hit *h, eg_lang lang)
{
    const eg_host_proc *p = h->proc >= 0 ? &s->procs[h->proc] : NULL;
    const eg_host_regval *r = h->reg >= 0 ? &s->regs[h->reg] : NULL;
    const eg_host_service *v = h->svc >= 0 ? &s->svcs[h->svc] : NULL;
    const eg_host_task *t = h->task >= 0 ? &s->tasks[h->task] : NULL;
    char regkey[2048] = "";
    if (r)
        snprintf(regkey, sizeof regkey, "%s\\%s", r->key, r->name);
    if (h->level == EG_HLVL_INFECTED)
        fprintf(f, "%s \n", L(lang, "[詳細]", "[Emotet Process]"));
    else if (h->level == EG_HLVL_ARTIFACT)
        fprintf(f, "%s \n",
                L(lang, "[Emotet の痕跡 (プロセスは実行されていません)]",
                  "[Emotet Artifact] (no linked process running)"));
    else
        fprintf(f, "%s \n", L(lang, "[参考]", "[Note]"));
    line(f, L(lang, "ルール        ", "Rule          "), eg_host_rule_get(h->rule)->id);
    if (p) {
        char pid[16];
        snprintf(pid, sizeof pid, "%" PRIu32, p->pid);
        line(f, L(lang, "プロセス名    ", "Process Name  "), p->name);
        line(f, L(lang, "プロセスID    ", "Process ID    "), pid);
        line(f, L(lang, "コマンドライン", "Command Line  "), p->cmdline);
    }
    line(f, L(lang, "イメージパス  ", "Image Path    "), h->path ? h->path : p ? p->image : NULL);
    line(f, L(lang, "レジストリキー", "Registry Key  "), regkey);
    if (r && (r->type == 1 || r->type == 2))
        line(f, L(lang, "値のデータ    ", "Value Data    "), (const char *)r->data);
    if (v) {
        line(f, L(lang, "サービス      ", "Service       "), v->name);
        line(f, L(lang, "サービスの実行", "Service Path  "), v->image_path);
    }
    if (t) {
        line(f, L(lang, "タスク        ", "Task          "), t->name);
        line(f, L(lang, "タスクの実行  ", "Task Command  "), t->command);
    }
    line(f, L(lang, "理由          ", "Reason        "), rule_text(h, lang));
    line(f, L(lang, "根拠          ", "Evidence      "), h->evidence);
    fprintf(f, "\n");
}

static const char *const steps_ja[] = {
    "この PC をネットワークから切り離してください (LAN ケーブルを抜く、Wi-Fi を切る)。",
    "別の安全な端末から、この PC "
    "で使っていたメールアカウントとその他のパスワードを変更してください。",
    "上に示したファイル、自動起動設定、プロセスを隔離・削除してください"
    " (emoguard hostcheck --remediate で手順を確認できます)。",
    "最新の定義でウイルス対策ソフトのフルスキャンを行ってください。",
    "他のマルウェアに二次感染している恐れがあるため、OS の再インストールを検討してください。",
    "社内の情報システム部門 (CSIRT) に報告し、メールの取引先への注意喚起を検討してください。",
};
static const char *const steps_en[] = {
    "Disconnect this PC from the network (unplug the cable, turn Wi-Fi off).",
    "From another, clean device, change the passwords of the mail accounts used on this PC and of "
    "every other account used on it.",
    "Isolate or delete the files, autostart entries and processes shown above (emoguard hostcheck "
    "--remediate shows the steps).",
    "Run a full scan with up-to-date antivirus definitions.",
    "Emotet installs other malware: consider reinstalling Windows.",
    "Report to your IT security team and consider warning the people you exchange mail with.",
};

const char *const *eg_host_next_steps(eg_lang lang, size_t *n)
{
    *n = sizeof steps_en / sizeof steps_en[0];
    return lang == EG_LANG_JA ? steps_ja : steps_en;
}

static void print_steps(FILE *f, eg_lang lang)
{
    size_t n;
    const char *const *st = eg_host_next_steps(lang, &n);
    fprintf(f, "%s\n", L(lang, "次の対応を行ってください:", "What to do next:"));
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %zu. %s\n", i + 1, st[i]);
}

eg_status eg_host_report_text(FILE *f, const eg_host_snapshot *s, const eg_host_findings *h,
                              eg_lang lang, const char *scan_time)
{
    static const char bar[] = "____________________________________________________";
    fprintf(f, "[emoguard hostcheck %s]\n", EG_VERSION);
    fprintf(f, "%s %s (UTC)\n", L(lang, "プログラム実行時刻:", "Scan time:"), scan_time);
    fprintf(f, "%s %s\n", L(lang, "ホスト名:", "Host name:"), s->hostname ? s->hostname : "-");
    fprintf(f, "%s %s\n", L(lang, "調査対象:", "Source:"), s->source ? s->source : "-");
    if (h->serial_known)
        fprintf(f, "%s %04X-%04X (%s %s)\n", L(lang, "ボリュームシリアル番号:", "Volume serial:"),
                h->serial >> 16, h->serial & 0xFFFF, L(lang, "v1 方式の名前", "v1 name"),
                h->v1_name);
    fprintf(f, "%s\n\n", bar);
    fprintf(f, "%s \n", L(lang, "[結果]", "[Result]"));
    switch (h->result) {
    case EG_HOST_INFECTED:
        fprintf(f, "%s\n\n", L(lang, "Emotetを検知しました。", "Detected Emotet process."));
        break;
    case EG_HOST_ARTIFACTS:
        fprintf(f, "%s\n\n",
                L(lang, "Emotet の痕跡を検知しました (関連するプロセスは実行されていません)。",
                  "Emotet artifacts found (no linked process is running)."));
        break;
    default: fprintf(f, "%s\n\n", L(lang, "検知しませんでした。", "Emotet was not detected."));
    }
    for (int lvl = EG_HLVL_INFECTED; lvl >= EG_HLVL_NOTE; lvl--)
        for (size_t i = 0; i < h->nhits; i++)
            if ((int)h->hits[i].level == lvl)
                text_hit(f, s, &h->hits[i], lang);
    if (!s->have_procs)
        fprintf(
            f, "%s\n",
            L(lang, "注意: プロセス一覧がないため、実行中かどうかは確認できていません。",
              "Note: no process list was collected, so running processes could not be checked."));
    if (!s->have_files)
        fprintf(
            f, "%s\n",
            L(lang, "注意: ファイル一覧がないため、ファイルの検査 (v3/v4/v5) は行っていません。",
              "Note: no file listing was collected, so the file rules (v3/v4/v5) did not run."));
    if (!s->have_registry)
        fprintf(f, "%s\n",
                L(lang, "注意: レジストリを調べていません。", "Note: no registry was examined."));
    if (h->dropped)
        fprintf(f,
                L(lang, "注意: 検知が多すぎるため、%zu 件を省略しました。\n",
                  "Note: too many hits; %zu more were not listed.\n"),
                h->dropped);
    if (s->nwarn) {
        fprintf(f, "%s\n", L(lang, "[警告]", "[Warnings]"));
        for (size_t i = 0; i < s->nwarn; i++)
            fprintf(f, "  - %s\n", s->warnings[i]);
    }
    fprintf(f, "%s\n\n", bar);
    if (h->result == EG_HOST_INFECTED || h->result == EG_HOST_ARTIFACTS)
        print_steps(f, lang);
    return ferror(f) ? EG_EIO : EG_OK;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void js(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void jkv(FILE *f, const char *k, const char *v, bool comma)
{
    js(f, k);
    fputc(':', f);
    js(f, v);
    if (comma)
        fputc(',', f);
}

static void json_hit(FILE *f, const eg_host_snapshot *s, const eg_host_hit *h)
{
    const eg_host_rule_info *ri = eg_host_rule_get(h->rule);
    fputc('{', f);
    jkv(f, "rule", ri->id, true);
    jkv(f, "level", level_name(h->level), true);
    jkv(f, "message_en", ri->en, true);
    jkv(f, "message_ja", ri->ja, true);
    jkv(f, "path", h->path, true);
    jkv(f, "evidence", h->evidence, true);
    fputs("\"process\":", f);
    if (h->proc >= 0) {
        const eg_host_proc *p = &s->procs[h->proc];
        fprintf(f, "{\"pid\":%" PRIu32 ",\"ppid\":%" PRIu32 ",", p->pid, p->ppid);
        jkv(f, "name", p->name, true);
        jkv(f, "image_path", p->image, true);
        jkv(f, "command_line", p->cmdline, false);
        fputc('}', f);
    } else
        fputs("null", f);
    fputs(",\"file\":", f);
    if (h->file >= 0) {
        const eg_host_file *x = &s->files[h->file];
        fputc('{', f);
        jkv(f, "path", x->path, true);
        fprintf(f, "\"size\":%" PRIu64 ",\"mtime_filetime\":%" PRIu64 ",\"head_hex\":\"", x->size,
                x->mtime);
        for (unsigned i = 0; i < x->head_len; i++)
            fprintf(f, "%02x", x->head[i]);
        fputs("\"}", f);
    } else
        fputs("null", f);
    fputs(",\"registry\":", f);
    if (h->reg >= 0) {
        const eg_host_regval *r = &s->regs[h->reg];
        fputc('{', f);
        jkv(f, "key", r->key, true);
        jkv(f, "root", r->root, true);
        jkv(f, "subkey", r->subkey, true);
        jkv(f, "value", r->name, true);
        fprintf(f, "\"type\":%" PRIu32 ",", r->type);
        if (r->type == 1 || r->type == 2)
            jkv(f, "data", (const char *)r->data, false);
        else {
            fputs("\"data_hex\":\"", f);
            for (size_t i = 0; i < r->len && i < 4096; i++)
                fprintf(f, "%02x", r->data[i]);
            fputc('"', f);
        }
        fputc('}', f);
    } else
        fputs("null", f);
    fputs(",\"service\":", f);
    if (h->svc >= 0) {
        fputc('{', f);
        jkv(f, "name", s->svcs[h->svc].name, true);
        jkv(f, "image_path", s->svcs[h->svc].image_path, true);
        jkv(f, "service_dll", s->svcs[h->svc].service_dll, false);
        fputc('}', f);
    } else
        fputs("null", f);
    fputs(",\"task\":", f);
    if (h->task >= 0) {
        fputc('{', f);
        jkv(f, "name", s->tasks[h->task].name, true);
        jkv(f, "command", s->tasks[h->task].command, false);
        fputc('}', f);
    } else
        fputs("null", f);
    fputc('}', f);
}

eg_status eg_host_report_json(FILE *f, const eg_host_snapshot *s, const eg_host_findings *h,
                              const char *scan_time)
{
    fprintf(f, "{\"schema_version\":1,\"tool\":\"emoguard hostcheck\",");
    jkv(f, "version", EG_VERSION, true);
    jkv(f, "scan_time", scan_time, true);
    jkv(f, "hostname", s->hostname, true);
    jkv(f, "source", s->source, true);
    jkv(f, "result", result_name(h->result), true);
    fprintf(f, "\"exit_code\":%d,\"is_infected\":%s,", eg_host_exit_code(h->result),
            h->result == EG_HOST_INFECTED ? "true" : "false");
    if (h->serial_known) {
        char ser[16];
        snprintf(ser, sizeof ser, "%04X-%04X", h->serial >> 16, h->serial & 0xFFFF);
        jkv(f, "volume_serial", ser, true);
        jkv(f, "v1_name", h->v1_name, true);
    } else
        fputs("\"volume_serial\":null,\"v1_name\":null,", f);
    fprintf(f, "\"collected\":{\"processes\":%s,\"files\":%s,\"registry\":%s,\"services\":%s},",
            s->have_procs ? "true" : "false", s->have_files ? "true" : "false",
            s->have_registry ? "true" : "false", s->have_services ? "true" : "false");
    fprintf(f, "\"hits_dropped\":%zu,", h->dropped);
    fputs("\"hits\":[", f);
    for (size_t i = 0; i < h->nhits; i++) {
        if (i)
            fputc(',', f);
        json_hit(f, s, &h->hits[i]);
    }
    /* EmoCheck's own array, for collectors that read its JSON (PIDs as numbers here) */
    fputs("],\"emotet_processes\":[", f);
    bool first = true;
    for (size_t i = 0; i < h->nhits; i++) {
        const eg_host_hit *x = &h->hits[i];
        if (x->level != EG_HLVL_INFECTED || x->proc < 0)
            continue;
        const eg_host_proc *p = &s->procs[x->proc];
        if (!first)
            fputc(',', f);
        first = false;
        fputc('{', f);
        jkv(f, "process_name", p->name, true);
        fprintf(f, "\"process_id\":%" PRIu32 ",", p->pid);
        jkv(f, "image_path", x->path ? x->path : p->image, true);
        char rk[2048] = "";
        if (x->reg >= 0)
            snprintf(rk, sizeof rk, "%s\\%s", s->regs[x->reg].key, s->regs[x->reg].name);
        jkv(f, "registry_key", rk, false);
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

/* Prints s padded to width terminal columns (CJK characters take two), left or right aligned. */
static void pad(FILE *f, const char *s, int width, bool right)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w += *p >= 0xE0 ? 2 : 1;
    if (right)
        for (int i = w; i < width; i++)
            fputc(' ', f);
    fputs(s, f);
    if (!right)
        for (int i = w; i < width; i++)
            fputc(' ', f);
}

void eg_host_summary_row(FILE *f, const char *name, const eg_host_findings *h, eg_lang lang,
                         const char *error)
{
    if (!name) {
        pad(f, L(lang, "ホスト", "HOST"), 24, false);
        fputc(' ', f);
        pad(f, L(lang, "結果", "RESULT"), 10, false);
        fputc(' ', f);
        pad(f, L(lang, "感染", "INFECTED"), 8, true);
        fputc(' ', f);
        pad(f, L(lang, "痕跡", "ARTIFACTS"), 9, true);
        fputc(' ', f);
        pad(f, L(lang, "参考", "NOTES"), 5, true);
        fprintf(f, "  %s\n", L(lang, "最初の検知", "FIRST HIT"));
        return;
    }
    if (!h) {
        fprintf(f, "%-24s %-10s %8s %9s %5s  %s\n", name, "error", "-", "-", "-",
                error ? error : "");
        return;
    }
    size_t n[3] = {0, 0, 0};
    const eg_host_hit *first = NULL;
    for (size_t i = 0; i < h->nhits; i++) {
        n[h->hits[i].level]++;
        if (!first || h->hits[i].level > first->level)
            first = &h->hits[i];
    }
    char what[1024] = "";
    if (first)
        snprintf(what, sizeof what, "%s %s", eg_host_rule_get(first->rule)->id,
                 first->path ? first->path : "");
    fprintf(f, "%-24s %-10s %8zu %9zu %5zu  %s\n", name, result_name(h->result), n[2], n[1], n[0],
            what);
}

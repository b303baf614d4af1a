/*
 * The text report, written for the person who has to act on it: which mail it is (From, To,
 * Subject, Date, Message-ID, size), the verdict, numbered steps to take first (one list, each step
 * once, one contact), the decisive findings (most severe first; info-level ones only when verbose),
 * then the object tree. Japanese or English; colours only when asked (a terminal).
 *
 * It does not decide anything: the verdict and the findings come from the report as they are.
 */
#include "core/buf.h"
#include "core/report.h"
#include "verdict/evidence.h"
#include "verdict/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 6        /* a longer list is not read */
#define MAX_SHOWN 40       /* findings listed; the rest counted */
#define MAX_STEP_BYTES 600 /* one step after the contact is put in */
#define MAX_EVIDENCE 3     /* evidence lines under one finding */

typedef struct {
    const eg_report *r;
    eg_lang lang;
    bool color, verbose;
    const char *contact;
    uint32_t **kids; /* children ids per object */
    size_t *nkids;
    eg_buf *b;
} eg_explain;

static const char *C(const eg_explain *e, const char *code)
{
    return e->color ? code : "";
}
static bool ja(const eg_explain *e)
{
    return e->lang == EG_LANG_JA;
}

static const char *verdict_label(eg_verdict v, eg_lang lang)
{
    /* "clean" only says nothing was found: the Japanese word must not promise safety */
    static const char *const lja[] = {"検出なし", "要注意", "危険"};
    static const char *const len[] = {"CLEAN (nothing found)", "SUSPICIOUS", "MALICIOUS"};
    return lang == EG_LANG_JA ? lja[v] : len[v];
}

static const char *sev_word(eg_severity s, eg_lang lang)
{
    static const char *const lja[] = {"情報", "低", "中", "高", "重大"};
    return lang == EG_LANG_JA ? lja[s] : eg_severity_str(s);
}

/* The object types in words a Japanese reader uses; format names stay in Latin letters. */
static const char *type_label(eg_type t, eg_lang lang)
{
    static const char *const lja[EG_T__COUNT] = {
        [EG_T_UNKNOWN] = "不明",
        [EG_T_MAIL] = "メール",
        [EG_T_TEXT] = "テキスト",
        [EG_T_HTML] = "HTML",
        [EG_T_ZIP] = "ZIP",
        [EG_T_OOXML] = "Office 文書 (OOXML)",
        [EG_T_CFB] = "OLE 複合ファイル (CFB)",
        [EG_T_RTF] = "RTF",
        [EG_T_PDF] = "PDF",
        [EG_T_LNK] = "ショートカット (LNK)",
        [EG_T_ONENOTE] = "OneNote",
        [EG_T_PE] = "実行ファイル (PE)",
        [EG_T_SCRIPT] = "スクリプト",
        [EG_T_IMAGE] = "画像",
        [EG_T_ARCHIVE] = "圧縮ファイル",
        [EG_T_TNEF] = "TNEF",
        [EG_T_VBA_PROJECT] = "VBA プロジェクト",
        [EG_T_VBA_SOURCE] = "VBA ソース",
        [EG_T_XLM] = "XLM マクロ",
        [EG_T_BIFF8] = "Excel ブック (BIFF8)",
        [EG_T_XML] = "XML",
        [EG_T_REGF] = "レジストリハイブ",
        [EG_T_BINARY] = "バイナリ",
        [EG_T_SYLK] = "SYLK",
    };
    if (lang == EG_LANG_JA && (unsigned)t < EG_T__COUNT && lja[t])
        return lja[t];
    return eg_type_name(t);
}

/* writes a project text written in English (an object detail, a password origin) in the
 * report's language: its Japanese form from the evidence tables; text without one is shown as
 * it is (tests/e2e/test_lang_ja.c lists what is left) */
static void put_text(eg_explain *e, const char *s)
{
    char *t = ja(e) ? eg_evidence_translate(s) : NULL;
    eg_buf_puts(e->b, t ? t : s);
    free(t);
}

static const char *sev_color(eg_severity s)
{
    return s >= EG_SEV_HIGH ? "\033[1;31m" : s >= EG_SEV_MEDIUM ? "\033[33m" : "\033[36m";
}

static void human_size(uint64_t n, char *out, size_t sz)
{
    if (n < 1024)
        snprintf(out, sz, "%llu B", (unsigned long long)n);
    else if (n < 1024 * 1024)
        snprintf(out, sz, "%.1f KB", n / 1024.0);
    else if (n < 1024ull * 1024 * 1024)
        snprintf(out, sz, "%.1f MB", n / 1048576.0);
    else
        snprintf(out, sz, "%.2f GB", n / 1073741824.0);
}

/* names the analyzers give the objects they make, without brackets */
static bool generated_name(const char *name)
{
    static const char *const n[] = {"Excel 4.0 macros", "decoded strings"};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
        if (!strcmp(name, n[i]))
            return true;
    return false;
}

/* An object's name; one emoguard gave itself ("[decoded VBScript]", in brackets so that it is
 * not taken for a file name, or "Excel 4.0 macros") in the report's language. */
static void put_name(eg_explain *e, const char *name)
{
    char *t = ja(e) && name && (name[0] == '[' || generated_name(name))
                  ? eg_evidence_translate(name)
                  : NULL;
    eg_buf_puts(e->b, t ? t : name ? name : "");
    free(t);
}

static void object_line(eg_explain *e, const eg_object *o)
{
    char sz[32], sz2[32];
    human_size(o->size, sz, sizeof sz);
    eg_buf_puts(e->b, C(e, "\033[1m"));
    put_name(e, o->name);
    eg_buf_printf(e->b, "%s (%s", C(e, "\033[0m"), type_label(o->type, e->lang));
    if (o->detail) {
        eg_buf_puts(e->b, " ");
        put_text(e, o->detail);
    }
    eg_buf_printf(e->b, ", %s", sz);
    if (o->size_true != o->size) {
        human_size(o->size_true, sz2, sizeof sz2);
        eg_buf_printf(e->b, ja(e) ? ", 実サイズ %s" : ", real size %s", sz2);
    }
    if (o->flags & EG_OBJ_DECRYPTED) {
        eg_buf_printf(
            e->b, ja(e) ? ", 復号済み: パスワード「%s」(" : ", decrypted with password \"%s\" (",
            o->password ? o->password : "");
        put_text(e, o->password_origin ? o->password_origin : "");
        eg_buf_puts(e->b, ")");
    } else if (o->flags & EG_OBJ_ENCRYPTED)
        eg_buf_puts(e->b, ja(e) ? ", 暗号化" : ", encrypted");
    if (o->flags & EG_OBJ_NOT_OPENED)
        eg_buf_puts(e->b, ja(e) ? ", 未検査" : ", not inspected");
    if (o->flags & EG_OBJ_TRUNCATED)
        eg_buf_puts(e->b, ja(e) ? ", 途中まで検査" : ", truncated");
    if (o->flags & EG_OBJ_PADDED)
        eg_buf_puts(e->b, ja(e) ? ", 水増しあり" : ", padded");
    eg_buf_puts(e->b, ")\n");
}

/* the tree shows what was taken apart; each object's findings are named by rule id only (their
 * text is in the findings list above) */
static void rule_ids_of(eg_explain *e, uint32_t id, const char *prefix)
{
    bool any = false;
    for (size_t i = 0; i < e->r->n_findings; i++) {
        const eg_finding *f = &e->r->findings[i];
        const eg_rule *ru = eg_rule_get(f->rule);
        if (f->object != id || (ru->severity == EG_SEV_INFO && !e->verbose))
            continue;
        bool dup = false; /* the same rule twice on one object is named once */
        for (size_t k = 0; k < i && !dup; k++)
            dup = e->r->findings[k].object == id && e->r->findings[k].rule == f->rule;
        if (dup)
            continue;
        if (any)
            eg_buf_printf(e->b, ", %s", ru->id);
        else
            eg_buf_printf(e->b, "%s  ! %s", prefix, ru->id);
        any = true;
    }
    if (any)
        eg_buf_puts(e->b, "\n");
}

static void tree(eg_explain *e, uint32_t id, eg_buf *prefix, bool last, bool root, unsigned depth)
{
    const eg_object *o = e->r->objects[id];
    eg_buf_printf(e->b, "  %s%s", prefix->data ? (char *)prefix->data : "",
                  root   ? ""
                  : last ? "└── "
                         : "├── ");
    object_line(e, o);
    size_t plen = prefix->len;
    if (!root)
        eg_buf_puts(prefix, last ? "    " : "│   ");
    char *pd = prefix->data ? (char *)prefix->data : "";
    char pre[4096];
    snprintf(pre, sizeof pre, "  %s", pd);
    rule_ids_of(e, id, pre);
    /* the report's depth is bounded by max_depth; this guards a malformed parent chain */
    for (size_t k = 0; k < e->nkids[id] && depth < 64; k++)
        tree(e, e->kids[id][k], prefix, k + 1 == e->nkids[id], false, depth + 1);
    prefix->len = plen;
    if (prefix->data)
        prefix->data[plen] = 0;
}

/* ---- what to do first ------------------------------------------------------------------- */

/* The rule table's advice names the contact in a few ways; the report names one (--contact). */
static const char *const contact_terms_ja[] = {"情報システム部門", "管理者"};
static const char *const contact_terms_en[] = {"your IT department", "your IT team",
                                               "the administrator", "your administrator"};

static char *with_contact(const eg_explain *e, const char *a, size_t n)
{
    const char *const *terms = ja(e) ? contact_terms_ja : contact_terms_en;
    size_t nt = ja(e) ? 2 : 4;
    eg_buf b;
    eg_buf_init(&b, MAX_STEP_BYTES);
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        for (; k < nt; k++) {
            size_t l = strlen(terms[k]);
            if (l <= n - i && !strncmp(a + i, terms[k], l)) {
                eg_buf_puts(&b, e->contact);
                i += l;
                break;
            }
        }
        if (k == nt)
            eg_buf_append(&b, a + i++, 1);
    }
    char *r = eg_buf_steal(&b, NULL);
    eg_buf_free(&b);
    return r;
}

typedef struct {
    char *step[MAX_STEPS];
    size_t n;
    bool have_delete, have_if_opened, have_confirm;
} steps;

/* a sentence that asks for something (the advice also explains, and explanations are no steps) */
static bool is_action(const eg_explain *e, const char *s)
{
    if (ja(e))
        return strstr(s, "ください") != NULL;
    static const char *const verbs[] = {
        "delete", "Delete",     "open", "confirm", "Confirm", "contact", "call",  "report", "check",
        "Check",  "disconnect", "ask",  "Do not",  "do not",  "examine", "block", "Block"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strstr(s, verbs[i]))
            return true;
    return false;
}

static bool is_confirm_step(const eg_explain *e, const char *s)
{
    return ja(e) ? strstr(s, "確認してください") != NULL
                 : strstr(s, "confirm") || strstr(s, "Confirm");
}

/* Most rules' advice says the same two things in slightly different words: delete it without
 * opening it, and if it was opened, disconnect and call. Each is listed once, in the words of the
 * most severe rule; other sentences are listed when new. */
static bool is_delete_step(const eg_explain *e, const char *s)
{
    if (ja(e))
        return (strstr(s, "削除") || strstr(s, "開かないで")) && !strstr(s, "場合");
    size_t n = strlen(s);
    return ((strstr(s, "delete") || strstr(s, "Delete")) && strncmp(s, "If ", 3)) ||
           (n >= 14 && !strcmp(s + n - 14, "do not open it"));
}

static bool is_if_opened_step(const eg_explain *e, const char *s)
{
    if (ja(e))
        return strstr(s, "場合") && (strstr(s, "連絡") || strstr(s, "切り離"));
    return !strncmp(s, "If ", 3) && (strstr(s, "contact") || strstr(s, "call") ||
                                     strstr(s, "disconnect") || strstr(s, "report"));
}

/* adds one sentence as a step unless it is already there */
static void add_step(const eg_explain *e, steps *st, const char *a, size_t n)
{
    while (n && (*a == ' ' || *a == ';'))
        a++, n--;
    while (n && (a[n - 1] == ' ' || a[n - 1] == '.' || a[n - 1] == ';'))
        n--;
    if (!n || st->n >= MAX_STEPS)
        return;
    char *s = with_contact(e, a, n);
    if (!s)
        return;
    bool del = is_delete_step(e, s), ifo = !del && is_if_opened_step(e, s);
    bool conf = !del && !ifo && is_confirm_step(e, s);
    bool dup = !is_action(e, s) || (del && st->have_delete) || (ifo && st->have_if_opened) ||
               (conf && st->have_confirm);
    for (size_t i = 0; i < st->n && !dup; i++)
        dup = !strcmp(st->step[i], s);
    if (dup) {
        free(s);
        return;
    }
    st->have_delete |= del;
    st->have_if_opened |= ifo;
    st->have_confirm |= conf;
    st->step[st->n++] = s;
}

/* One piece of advice is split into its sentences, so that the steps several rules share
 * ("delete it without opening") are listed once. */
static void add_advice(const eg_explain *e, steps *st, const char *a)
{
    const char *sep = ja(e) ? "。" : ". ";
    size_t sl = strlen(sep);
    while (a && *a) {
        const char *q = strstr(a, sep);
        size_t n = q ? (size_t)(q - a) : strlen(a);
        add_step(e, st, a, n);
        a = q ? q + sl : NULL;
    }
}

static void what_to_do(eg_explain *e)
{
    steps st = {0};
    for (int sev = EG_SEV_CRITICAL; sev >= EG_SEV_MEDIUM; sev--)
        for (size_t i = 0; i < e->r->n_findings; i++) {
            const eg_rule *ru = eg_rule_get(e->r->findings[i].rule);
            if ((int)ru->severity == sev)
                add_advice(e, &st, ja(e) ? ru->advice_ja : ru->advice_en);
        }
    /* a suspicious mail whose rules give no advice still gets one step */
    if (!st.n && e->r->verdict != EG_VERDICT_CLEAN) {
        const char *s = ja(e) ? "開く前に送信者へ電話など別の方法で確認してください"
                              : "Before opening it, confirm with the sender by another channel";
        add_step(e, &st, s, strlen(s));
    }
    if (!st.n)
        return;
    eg_buf_puts(e->b, ja(e) ? "まず行うこと:\n" : "What to do first:\n");
    for (size_t i = 0; i < st.n; i++) {
        eg_buf_printf(e->b, ja(e) ? "  %zu. %s。\n" : "  %zu. %s.\n", i + 1, st.step[i]);
        free(st.step[i]);
    }
}

/* ---- findings, most severe first ------------------------------------------------------------ */

static void one_finding(eg_explain *e, const eg_finding *f)
{
    const eg_rule *ru = eg_rule_get(f->rule);
    const eg_object *o = f->object < e->r->n_objects ? e->r->objects[f->object] : NULL;
    eg_buf_printf(e->b, "  %s[%s] %s%s %s", C(e, sev_color(ru->severity)),
                  sev_word(ru->severity, e->lang), ru->id, C(e, "\033[0m"),
                  ja(e) ? ru->text_ja : ru->text_en);
    if (o && f->object != 0) {
        eg_buf_puts(e->b, ja(e) ? " (" : " (in ");
        put_name(e, o->name);
        eg_buf_puts(e->b, ")");
    }
    /* the same rule on the same object is one finding with its evidence lines under it */
    size_t shown = 0, more = 0;
    for (size_t i = (size_t)(f - e->r->findings); i < e->r->n_findings; i++) {
        const eg_finding *g = &e->r->findings[i];
        if (g->rule != f->rule || g->object != f->object || !g->evidence || !*g->evidence)
            continue;
        if (shown == MAX_EVIDENCE) {
            more++;
            continue;
        }
        eg_buf_puts(e->b, ja(e) ? "\n      根拠: " : "\n      evidence: ");
        /* evidence without a Japanese template is shown as it is (a test lists what is left) */
        eg_buf_puts(e->b, ja(e) && g->evidence_ja ? g->evidence_ja : g->evidence);
        shown++;
    }
    if (more)
        eg_buf_printf(e->b, ja(e) ? "\n      (ほか %zu 件の根拠)" : "\n      (%zu more)", more);
    eg_buf_puts(e->b, "\n");
}

static bool seen_before(const eg_explain *e, size_t i)
{
    const eg_finding *f = &e->r->findings[i];
    for (size_t k = 0; k < i; k++)
        if (e->r->findings[k].rule == f->rule && e->r->findings[k].object == f->object)
            return true;
    return false;
}

static void findings(eg_explain *e)
{
    size_t shown = 0, hidden = 0;
    for (int sev = EG_SEV_CRITICAL; sev >= EG_SEV_INFO; sev--)
        for (size_t i = 0; i < e->r->n_findings; i++) {
            const eg_rule *ru = eg_rule_get(e->r->findings[i].rule);
            if ((int)ru->severity != sev || seen_before(e, i))
                continue;
            if ((sev == EG_SEV_INFO && !e->verbose) || shown >= MAX_SHOWN) {
                hidden++;
                continue;
            }
            if (!shown)
                eg_buf_puts(e->b, ja(e) ? "検出:\n" : "Findings:\n");
            shown++;
            one_finding(e, &e->r->findings[i]);
        }
    if (hidden)
        eg_buf_printf(e->b,
                      ja(e) ? "  (ほか %zu 件の参考情報: --verbose で表示)\n"
                            : "  (%zu more of information level: shown with --verbose)\n",
                      hidden);
}

/* ---- which mail ----------------------------------------------------------------------------- */

static void mail_header(eg_explain *e)
{
    const eg_mail_info *m = e->r->mail;
    if (!m)
        return;
    if (m->from_display || m->from_addr) {
        eg_buf_puts(e->b, ja(e) ? "  差出人: " : "  From: ");
        if (m->from_display && m->from_addr)
            eg_buf_printf(e->b, "%s <%s>\n", m->from_display, m->from_addr);
        else
            eg_buf_printf(e->b, "%s\n", m->from_display ? m->from_display : m->from_addr);
    }
    if (m->to)
        eg_buf_printf(e->b, ja(e) ? "  宛先: %s\n" : "  To: %s\n", m->to);
    if (m->subject)
        eg_buf_printf(e->b, ja(e) ? "  件名: %s\n" : "  Subject: %s\n", m->subject);
    if (m->date)
        eg_buf_printf(e->b, ja(e) ? "  日時: %s\n" : "  Date: %s\n", m->date);
    if (m->message_id)
        eg_buf_printf(e->b, "  Message-ID: %s\n", m->message_id);
    char sz[32];
    human_size(m->size, sz, sizeof sz);
    eg_buf_printf(e->b, ja(e) ? "  サイズ: %s\n" : "  Size: %s\n", sz);
}

char *eg_report_text_opt(const eg_report *r, const eg_text_options *o)
{
    eg_buf b, prefix;
    eg_buf_init(&b, 0);
    eg_buf_init(&prefix, 0);
    eg_lang lang = o ? o->lang : EG_LANG_EN;
    const char *contact = o && o->contact && *o->contact ? o->contact
                          : lang == EG_LANG_JA           ? "情報システム部門"
                                                         : "your IT department";
    eg_explain e = {r, lang, o && o->color, o && o->verbose, contact, NULL, NULL, &b};
    size_t n = r->n_objects;
    e.kids = calloc(n ? n : 1, sizeof *e.kids);
    e.nkids = calloc(n ? n : 1, sizeof *e.nkids);
    if (!e.kids || !e.nkids)
        goto out;
    for (size_t i = 1; i < n; i++) {
        int32_t p = r->objects[i]->parent;
        if (p < 0 || (size_t)p >= i) /* a parent always comes before its children */
            continue;
        uint32_t *k = realloc(e.kids[p], (e.nkids[p] + 1) * sizeof *k);
        if (!k)
            goto out;
        k[e.nkids[p]++] = (uint32_t)i;
        e.kids[p] = k;
    }
    const char *vc = r->verdict == EG_VERDICT_MALICIOUS    ? "\033[1;41;97m"
                     : r->verdict == EG_VERDICT_SUSPICIOUS ? "\033[1;43;30m"
                                                           : "\033[1;42;30m";
    eg_buf_printf(&b, "■ %s", r->source);
    /* an mbox entry ("box.mbox#3") is named by its index and its Message-ID */
    const char *hash = strrchr(r->source, '#');
    if (hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1) && r->mail &&
        r->mail->message_id)
        eg_buf_printf(&b, " %s", r->mail->message_id);
    eg_buf_puts(&b, "\n");
    mail_header(&e);
    eg_buf_printf(&b,
                  lang == EG_LANG_JA ? "判定: %s%s%s  スコア %d\n" : "verdict: %s%s%s  score %d\n",
                  C(&e, vc), verdict_label(r->verdict, lang), C(&e, "\033[0m"), r->score);
    what_to_do(&e);
    if (r->passwords_summary) {
        /* each candidate quoted: they are the mail's words */
        eg_buf_puts(&b, lang == EG_LANG_JA ? "本文中のパスワード候補: "
                                           : "password candidates in the mail: ");
        for (size_t i = 0; i < r->n_password_list; i++)
            eg_buf_printf(&b, lang == EG_LANG_JA ? "%s「%s」" : "%s\"%s\"",
                          i ? (lang == EG_LANG_JA ? "、" : ", ") : "", r->password_list[i]);
        if (!r->n_password_list)
            eg_buf_puts(&b, r->passwords_summary);
        eg_buf_puts(&b, "\n");
    }
    findings(&e);
    if (n) {
        eg_buf_puts(&b, lang == EG_LANG_JA ? "構成:\n" : "Contents:\n");
        tree(&e, 0, &prefix, true, true, 0);
    }
out:
    for (size_t i = 0; e.kids && i < n; i++)
        free(e.kids[i]);
    free(e.kids);
    free(e.nkids);
    eg_buf_free(&prefix);
    return eg_buf_steal(&b, NULL);
}

char *eg_report_text(const eg_report *r, eg_lang lang, bool color)
{
    eg_text_options o = {.lang = lang, .color = color};
    return eg_report_text_opt(r, &o);
}

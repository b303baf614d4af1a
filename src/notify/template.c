/*
 * The notice texts (see notify.h): the mail to the administrator in Japanese or English, the
 * JSON object for the hook, the event kind names and the rate-limit key.
 *
 * Every value that comes from a mail is cleaned here (one line, no control characters, bounded
 * length, valid UTF-8) before it is placed anywhere: a sender's subject must not add a header to
 * the notice or a line to a ticket. Non-ASCII header text is RFC 2047-encoded (UTF-8, base64).
 * This file does not send anything.
 */
#include "notify/notify.h"

#include "core/buf.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[EG_NOTIFY__COUNT] = {"infected", "held", "rejected",
                                                         "campaign"};

const char *eg_notify_kind_str(eg_notify_kind k)
{
    return (unsigned)k < EG_NOTIFY__COUNT ? kind_names[k] : "?";
}

eg_status eg_notify_kind_parse(const char *s, eg_notify_kind *out)
{
    for (int i = 0; i < EG_NOTIFY__COUNT; i++)
        if (!strcasecmp(s, kind_names[i])) {
            *out = (eg_notify_kind)i;
            return EG_OK;
        }
    return EG_EFORMAT;
}

eg_status eg_notify_events_parse(const char *s, unsigned *mask, char *bad, size_t badlen)
{
    unsigned m = 0;
    while (s && *s) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++;
        size_t n = strcspn(s, ", \t");
        if (!n)
            break;
        char w[32];
        eg_notify_kind k;
        if (n >= sizeof w) {
            if (bad && badlen)
                snprintf(bad, badlen, "%.*s", (int)(n < 64 ? n : 64), s);
            return EG_EFORMAT;
        }
        memcpy(w, s, n);
        w[n] = 0;
        if (!strcasecmp(w, "all"))
            m = EG_NOTIFY_ALL;
        else if (!strcasecmp(w, "none"))
            m = 0;
        else if (eg_notify_kind_parse(w, &k) == EG_OK)
            m |= 1u << k;
        else {
            if (bad && badlen)
                snprintf(bad, badlen, "%s", w);
            return EG_EFORMAT;
        }
        s += n;
    }
    *mask = m;
    return EG_OK;
}

/* One clean line of at most max bytes (valid UTF-8, controls shown as U+FFFD by the sanitiser,
 * which keeps no newline here). Never NULL: "" on ENOMEM or NULL input. */
static char *clean(const char *s, size_t max)
{
    if (!s)
        return strdup("");
    char *c = eg_utf8_sanitize(s, strnlen(s, 65536), max, false);
    if (!c)
        return strdup("");
    for (char *p = c; *p; p++)
        if (*p == '\t')
            *p = ' ';
    return c;
}

/* Links in the notice mail are defanged ("hxxp[://]host[.]example /path"), and so are the words
 * that make a mail a lure ("en[a]ble", "pass[word]", "有[効]", "パス[ワード]"): the notice passes
 * through the gateway again and is scanned like any mail, and the evidence it quotes (a malware
 * link, "enable content", "Password: ...") must not make the admin's own notice suspicious, nor be
 * clickable. The forms are ones the scanner does not re-fang; the hook's JSON keeps the text as
 * found. Returns a malloc'd copy ("" on ENOMEM). */
static const struct {
    const char *word, *as;
} lure_words[] = {
    {"enable", "en[a]ble"}, {"password", "pass[word]"},     {"passcode", "pass[code]"},
    {"有効", "有[効]"},     {"パスワード", "パス[ワード]"}, {"解除", "解[除]"},
};

char *eg_notify_defang(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *o = malloc(n * 3 + 8); /* a '.' becomes "[.]"; every other change grows less */
    if (!o)
        return strdup("");
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t w = 0;
        for (; w < sizeof lure_words / sizeof lure_words[0]; w++)
            if (!strncasecmp(s + i, lure_words[w].word, strlen(lure_words[w].word)))
                break;
        if (w < sizeof lure_words / sizeof lure_words[0]) {
            /* keep the original letters' case: copy them, then add the brackets */
            const char *from = s + i, *as = lure_words[w].as;
            size_t wl = strlen(lure_words[w].word), j = 0;
            for (const char *a = as; *a; a++) {
                if (*a == '[' || *a == ']')
                    o[k++] = *a;
                else
                    o[k++] = j < wl ? from[j++] : *a;
            }
            i += wl;
            continue;
        }
        if (!strncmp(s + i, "://", 3)) {
            /* the scheme just written: http/https -> hxxp/hxxps */
            size_t b = k;
            while (b > 0 &&
                   ((o[b - 1] >= 'a' && o[b - 1] <= 'z') || (o[b - 1] >= 'A' && o[b - 1] <= 'Z')))
                b--;
            if (k - b >= 4 && !strncasecmp(o + b, "http", 4))
                o[b + 1] = o[b + 2] = 'x';
            memcpy(o + k, "[://]", 5);
            k += 5;
            i += 3;
            while (i < n && s[i] != '/' && s[i] != ' ' && s[i] != '?' && s[i] != '#') {
                if (s[i] == '.') {
                    memcpy(o + k, "[.]", 3);
                    k += 3;
                } else {
                    o[k++] = s[i];
                }
                i++;
            }
            if (i < n && s[i] == '/')
                o[k++] = ' ';
            continue;
        }
        o[k++] = s[i++];
    }
    o[k] = 0;
    return o;
}

void eg_notify_rate_key(const eg_notify_event *e, char *out, size_t n)
{
    switch (e->kind) {
    case EG_NOTIFY_INFECTED:
        snprintf(out, n, "%s", e->account && *e->account ? e->account : (e->from ? e->from : ""));
        break;
    case EG_NOTIFY_CAMPAIGN: snprintf(out, n, "%s", e->detail ? e->detail : ""); break;
    default: snprintf(out, n, "%s|%s", e->from ? e->from : "", e->rules ? e->rules : ""); break;
    }
}

/* An address as the MTA gave it ("<a@b>") without the brackets: the notice names, not quotes. */
static char *addr(const char *s, size_t max)
{
    char *c = clean(s, max);
    size_t n = strlen(c);
    if (n >= 2 && c[0] == '<' && c[n - 1] == '>') {
        memmove(c, c + 1, n - 2);
        c[n - 2] = 0;
    }
    return c;
}

/* ---- texts ---- */

typedef struct {
    const char *subject;  /* printf: %s = account / sender */
    const char *lead;     /* first paragraph */
    const char *first[3]; /* what to do first, in order */
} kind_text;

static const kind_text texts_en[EG_NOTIFY__COUNT] = {
    {"account %s is probably sending Emotet-like mail",
     "An internal account sent several mails that look like Emotet's (encrypted archives, macro "
     "documents or hijacked replies). The PC behind this account is probably infected and is "
     "sending mail with the user's credentials.",
     {"Take the PC of this account off the network (pull the cable or turn off Wi-Fi); do not shut "
      "it down.",
      "Change the account's mail password and end its sessions; check for forwarding rules it did "
      "not set.",
      "Run `emoguard hostcheck` on that PC and warn the recipients below not to open the "
      "attachments."}},
    {"mail from %s held",
     "A mail was put into the mail server's hold queue because it looks dangerous. It will not be "
     "delivered unless an administrator releases it.",
     {"Look at it with `emoguard quarantine show QUEUE_ID` (the evidence is below).",
      "Release it only when the sender confirms it by phone or another channel: "
      "`emoguard quarantine release QUEUE_ID`; otherwise `emoguard quarantine delete QUEUE_ID`.",
      "If it came from a partner, tell them: their PC or mail account may be infected."}},
    {"mail from %s rejected",
     "A mail was rejected at the gateway; the sending server was told why. Nothing reached the "
     "recipients.",
     {"Nothing needs to be undone. If the recipients expected this mail, ask the sender to send it "
      "another way (the evidence is below).",
      "If the sender is a partner, tell them: their PC or mail account may be infected.",
      "If many such notices arrive, check the campaign notices and the gateway's log."}},
    {"campaign: the same attachment or link reached many recipients (%s)",
     "The same attachment, archive password or link reached many recipients in a short time: a "
     "mail campaign is under way.",
     {"Search the mailboxes for mails with this attachment, password or link and remove them.",
      "Warn the staff: do not open the attachment and do not allow what the document asks for.",
      "Add the link or hash to the IOC feed (ioc_file) so the next wave is rejected."}},
};

static const kind_text texts_ja[EG_NOTIFY__COUNT] = {
    {"アカウント %s が Emotet 型のメールを送信している可能性があります",
     "社内アカウントが Emotet に似たメール (パスワード付き ZIP、マクロ付き文書、返信の乗っ取り) "
     "を続けて送信しました。このアカウントを使う PC が感染し、利用者の認証情報でメールを送って"
     "いる可能性があります。",
     {"このアカウントの PC をネットワークから切り離してください (LAN ケーブルを抜く/Wi-Fi を切る)。"
      "電源は切らないでください。",
      "このアカウントのメールパスワードを変更し、ログイン中のセッションを終了させてください。"
      "身に覚えのない転送設定がないか確認してください。",
      "その PC で `emoguard hostcheck` "
      "を実行し、下記の宛先に添付ファイルを開かないよう連絡してください。"}},
    {"%s からのメールを保留しました",
     "危険と思われるメールをメールサーバーの保留キューに入れました。管理者が解放しない限り配送"
     "されません。",
     {"`emoguard quarantine show キューID` で内容を確認してください (根拠は下記)。",
      "送信者に電話など別の手段で確認できた場合のみ `emoguard quarantine release キューID` "
      "で解放し、"
      "それ以外は `emoguard quarantine delete キューID` で削除してください。",
      "取引先からのメールであれば、先方の PC "
      "やメールアカウントが感染している可能性を伝えてください。"}},
    {"%s からのメールを拒否しました",
     "ゲートウェイでメールを拒否しました。送信元サーバーには理由を返しています。宛先には届いて"
     "いません。",
     {"取り消す必要はありません。宛先がこのメールを待っていた場合は、送信者に別の方法で送るよう"
      "依頼してください (根拠は下記)。",
      "送信者が取引先であれば、先方の PC やメールアカウントが感染している可能性を伝えてください。",
      "同様の通知が多い場合は、キャンペーン通知とゲートウェイのログを確認してください。"}},
    {"キャンペーン: 同じ添付ファイルまたはリンクが多数の宛先に届いています (%s)",
     "同じ添付ファイル、ZIP のパスワードまたはリンクが短時間に多数の宛先に届きました。ばらまき型"
     "のメール攻撃が進行中です。",
     {"この添付ファイル、パスワードまたはリンクを含むメールをメールボックスから探して削除してくださ"
      "い。",
      "社員に注意喚起してください: 添付ファイルを開かない、文書が求める操作を許可しない。",
      "リンクやハッシュを IOC フィード (ioc_file) "
      "に追加し、次の波を拒否できるようにしてください。"}},
};

typedef struct {
    const char *title, *what_first, *evidence, *details, *kind, *queue_id, *from, *account,
        *subject, *rcpts, *more, *verdict, *score, *action, *rules, *detail, *time, *gateway, *todo,
        *footer, *envelope, *login;
} labels;

static const labels labels_en = {
    "emoguard notice",
    "What to do first",
    "Evidence",
    "Details",
    "Event",
    "Queue id",
    "Sender",
    "Account",
    "Subject",
    "Recipients",
    "and %zu more",
    "Verdict",
    "Score",
    "Action",
    "Rules",
    "Why",
    "Time (UTC)",
    "Gateway",
    "what to do",
    "This notice was sent by emoguard. It is rate-limited: the same event for the same account or "
    "sender is reported once per window (notify_rate). Links and lure words are defanged.",
    "envelope",
    "SASL login or sender"};

static const labels labels_ja = {
    "emoguard 通知",
    "まず行うこと",
    "根拠",
    "詳細",
    "種類",
    "キューID",
    "送信者",
    "アカウント",
    "件名",
    "宛先",
    "ほか %zu 件",
    "判定",
    "スコア",
    "処置",
    "ルール",
    "理由",
    "時刻 (UTC)",
    "ゲートウェイ",
    "対処",
    "この通知は emoguard が送信しました。同じアカウント/送信者の同じ事象は、一定時間 (notify_rate) "
    "に 1 回だけ通知されます。リンクと誘導の語は無害化しています。",
    "エンベロープ",
    "SASL ログインまたは送信者"};

static const char *kind_name_ja[EG_NOTIFY__COUNT] = {"感染の疑い (送信)", "保留", "拒否",
                                                     "キャンペーン"};

void eg_notify_subject(const eg_notify_event *e, eg_lang lang, char *out, size_t n)
{
    const kind_text *t =
        &(lang == EG_LANG_JA ? texts_ja
                             : texts_en)[(unsigned)e->kind < EG_NOTIFY__COUNT ? e->kind : 0];
    const char *who = e->kind == EG_NOTIFY_INFECTED && e->account && *e->account ? e->account
                      : e->kind == EG_NOTIFY_CAMPAIGN                            ? e->detail
                                                                                 : e->from;
    char *w = e->kind == EG_NOTIFY_CAMPAIGN ? clean(who, 120) : addr(who, 120);
    if (!*w) {
        free(w);
        w = strdup("<>");
    }
    char body[512];
    snprintf(body, sizeof body, t->subject, w);
    free(w);
    snprintf(out, n, "[emoguard] %s", body);
}

static char *clean_defanged(const char *s, size_t max)
{
    char *c = clean(s, max), *d = eg_notify_defang(c);
    free(c);
    return d;
}

/* The text, or NULL when an append failed (out of memory): a notice cut short is not sent. */
static char *finish(eg_buf *b)
{
    size_t len = 0, before = b->len;
    if (eg_buf_putc(b, '\n') != EG_OK || !b->data) {
        eg_buf_free(b);
        return NULL;
    }
    b->len = before; /* the probe byte only checked that the buffer still grows */
    b->data[b->len] = 0;
    return eg_buf_steal(b, &len);
}

static char *b64(const uint8_t *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc((n + 2) / 3 * 4 + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        o[k++] = t[(v >> 18) & 63];
        o[k++] = t[(v >> 12) & 63];
        o[k++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        o[k++] = i + 2 < n ? t[v & 63] : '=';
    }
    o[k] = 0;
    return o;
}

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* A header value: as is when ASCII, else RFC 2047 encoded-words of whole UTF-8 characters
 * (each word at most 45 bytes of text, so a word stays under 75 characters). */
static void header_value(eg_buf *b, const char *name, const char *v)
{
    eg_buf_printf(b, "%s: ", name);
    if (ascii_only(v)) {
        eg_buf_printf(b, "%s\n", v);
        return;
    }
    size_t len = strlen(v), i = 0;
    bool first = true;
    while (i < len) {
        size_t j = i;
        while (j < len) {
            unsigned cp;
            size_t k = eg_utf8_decode((const unsigned char *)v + j, len - j, &cp);
            if (!k)
                k = 1;
            if (j + k - i > 45)
                break;
            j += k;
        }
        if (j == i)
            j = i + 1;
        char *enc = b64((const uint8_t *)v + i, j - i);
        eg_buf_printf(b, "%s=?UTF-8?B?%s?=", first ? "" : "\n ", enc ? enc : "");
        free(enc);
        first = false;
        i = j;
    }
    eg_buf_putc(b, '\n');
}

static void line(eg_buf *b, const char *label, const char *value)
{
    if (value && *value)
        eg_buf_printf(b, "  %s: %s\n", label, value);
}

char *eg_notify_mail(const eg_notify_event *e, const eg_notify_mail_opts *o)
{
    eg_lang lang = o->lang;
    unsigned k = (unsigned)e->kind < EG_NOTIFY__COUNT ? (unsigned)e->kind : 0;
    const kind_text *t = &(lang == EG_LANG_JA ? texts_ja : texts_en)[k];
    const labels *L = lang == EG_LANG_JA ? &labels_ja : &labels_en;
    eg_buf b;
    eg_buf_init(&b, 1u << 20);
    char subj[600], ts[64], hdrdate[64];
    eg_notify_subject(e, lang, subj, sizeof subj);
    struct tm tm;
    time_t when = e->time;
    gmtime_r(&when, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    strftime(hdrdate, sizeof hdrdate, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    /* headers: only our own, cleaned values; addresses come from the configuration */
    char *from = clean(o->from, 200);
    eg_buf_printf(&b, "From: %s\n", from);
    free(from);
    eg_buf_puts(&b, "To: ");
    for (size_t i = 0; i < o->n_to; i++) {
        char *to = clean(o->to[i], 200);
        eg_buf_printf(&b, "%s%s", i ? ", " : "", to);
        free(to);
    }
    eg_buf_putc(&b, '\n');
    header_value(&b, "Subject", subj);
    eg_buf_printf(&b, "Date: %s\n", hdrdate);
    if (o->message_id)
        eg_buf_printf(&b, "Message-ID: <%s>\n", o->message_id);
    eg_buf_puts(&b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                    "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n"
                    "X-Auto-Response-Suppress: All\n");
    if (o->marker)
        eg_buf_printf(&b, "%s: %s\n", EG_NOTIFY_HEADER, o->marker);
    eg_buf_putc(&b, '\n');

    /* body */
    char *title = eg_notify_defang(subj + strlen("[emoguard] ")), *lead = eg_notify_defang(t->lead);
    eg_buf_printf(&b, "%s: %s\n\n%s\n\n", L->title, title, lead);
    free(title);
    free(lead);
    eg_buf_printf(&b, "%s:\n", L->what_first);
    for (int i = 0; i < 3; i++) {
        char *step = eg_notify_defang(t->first[i]);
        eg_buf_printf(&b, "  %d. %s\n", i + 1, step);
        free(step);
    }
    eg_buf_printf(&b, "\n%s:\n", L->details);
    char *v;
    line(&b, L->kind, lang == EG_LANG_JA ? kind_name_ja[k] : kind_names[k]);
    line(&b, L->time, ts);
    v = clean(e->host, 200), line(&b, L->gateway, v), free(v);
    v = clean(e->queue_id, 64), line(&b, L->queue_id, v), free(v);
    /* an address alone at the end of a line reads as a signature's contact line to the scanner */
    v = addr(e->from, 300);
    eg_buf_printf(&b, "  %s: %s (%s)\n", L->from, *v ? v : "<>", L->envelope);
    free(v);
    v = clean(e->account, 300);
    if (*v)
        eg_buf_printf(&b, "  %s: %s (%s)\n", L->account, v, L->login);
    free(v);
    v = clean_defanged(e->subject, 300), line(&b, L->subject, v), free(v);
    if (e->n_rcpts) {
        eg_buf_printf(&b, "  %s:", L->rcpts);
        for (size_t i = 0; i < e->n_rcpts && i < EG_NOTIFY_MAX_RCPTS; i++) {
            v = addr(e->rcpts[i], 200);
            eg_buf_printf(&b, "%s %s", i ? "," : "", v);
            free(v);
        }
        eg_buf_puts(&b, " (");
        if (e->n_rcpts > EG_NOTIFY_MAX_RCPTS)
            eg_buf_printf(&b, L->more, e->n_rcpts - EG_NOTIFY_MAX_RCPTS);
        else
            eg_buf_printf(&b, "%zu", e->n_rcpts);
        eg_buf_putc(&b, ')');
        eg_buf_putc(&b, '\n');
    }
    v = clean(e->verdict, 32), line(&b, L->verdict, v), free(v);
    char num[32];
    snprintf(num, sizeof num, "%d", e->score);
    line(&b, L->score, num);
    v = clean(e->action, 32), line(&b, L->action, v), free(v);
    v = clean(e->rules, 500), line(&b, L->rules, v), free(v);
    v = clean_defanged(e->detail, 500), line(&b, L->detail, v), free(v);
    if (e->n_ev) {
        eg_buf_printf(&b, "\n%s:\n", L->evidence);
        for (size_t i = 0; i < e->n_ev && i < EG_NOTIFY_MAX_EVIDENCE; i++) {
            const eg_notify_evidence *x = &e->ev[i];
            char *r = clean(x->rule, 64), *m = clean_defanged(x->message, 400),
                 *ev = clean_defanged(x->evidence, 300);
            eg_buf_printf(&b, "  - %s (+%d) %s\n", r, x->score, m);
            if (*ev)
                eg_buf_printf(&b, "      %s\n", ev);
            if (x->todo && *x->todo) {
                char *td = clean_defanged(x->todo, 400);
                eg_buf_printf(&b, "      %s: %s\n", L->todo, td);
                free(td);
            }
            free(r);
            free(m);
            free(ev);
        }
    }
    eg_buf_printf(&b, "\n-- \n%s\n", L->footer);
    return finish(&b);
}

/* ---- the sender's notice: outbound mail that was held ---- */

typedef struct {
    const char *subject, *lead, *steps[3], *subj_label, *to_label, *qid_label, *why_label, *footer;
} sender_text;

static const sender_text sender_en = {
    "[emoguard] Your mail was held and has not been sent",
    "Your mail below has not been sent. The mail gateway held it because it looks like "
    "Emotet-style malware mail, and the IT department has been told. It will be sent only if "
    "they release it.",
    {"If you did not write this mail, your PC or your mail password may be used by someone else: "
     "do not shut the PC down, take it off the network (pull the cable or turn off Wi-Fi) and "
     "call the IT department now.",
     "If you wrote it and it is needed, call the IT department and give them the queue id below; "
     "do not send it again another way.",
     "Do not open attachments or links in mails you did not expect."},
    "Subject",
    "To",
    "Queue id",
    "Why",
    "This message was sent by the mail gateway (emoguard) to the sender of a held mail."};

static const sender_text sender_ja = {
    "[emoguard] 送信したメールを保留しました (まだ送られていません)",
    "下記のメールはまだ送信されていません。Emotet 型のマルウェアメールに似ているため、"
    "メールゲートウェイが保留し、情報システム部門に通知しました。部門が解放した場合にだけ"
    "送信されます。",
    {"このメールを書いた覚えがない場合は、PC またはメールのパスワードが他人に使われている"
     "可能性があります。PC の電源は切らずにネットワークから切り離し (LAN ケーブルを抜く/"
     "Wi-Fi を切る)、すぐに情報システム部門へ電話してください。",
     "ご自身で書いた必要なメールであれば、情報システム部門に電話し、下記のキューIDを伝えて"
     "ください。別の方法で送り直さないでください。",
     "心当たりのないメールの添付ファイルやリンクは開かないでください。"},
    "件名",
    "宛先",
    "キューID",
    "理由",
    "このメールは、保留したメールの送信者へメールゲートウェイ (emoguard) が送信しました。"};

char *eg_notify_sender_mail(const eg_notify_event *e, const eg_notify_mail_opts *o)
{
    const sender_text *t = o->lang == EG_LANG_JA ? &sender_ja : &sender_en;
    eg_buf b;
    eg_buf_init(&b, 1u << 18);
    char hdrdate[64];
    struct tm tm;
    time_t when = e->time;
    gmtime_r(&when, &tm);
    strftime(hdrdate, sizeof hdrdate, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    char *from = clean(o->from, 200), *to = addr(o->n_to ? o->to[0] : "", 200);
    eg_buf_printf(&b, "From: %s\nTo: %s\n", from, to);
    free(from);
    free(to);
    header_value(&b, "Subject", t->subject);
    eg_buf_printf(&b, "Date: %s\n", hdrdate);
    if (o->message_id)
        eg_buf_printf(&b, "Message-ID: <%s>\n", o->message_id);
    eg_buf_puts(&b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                    "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n"
                    "X-Auto-Response-Suppress: All\n");
    if (o->marker)
        eg_buf_printf(&b, "%s: %s\n", EG_NOTIFY_HEADER, o->marker);
    eg_buf_printf(&b, "\n%s\n\n", t->lead);
    char *v = clean_defanged(e->subject, 300);
    eg_buf_printf(&b, "  %s: %s\n", t->subj_label, v);
    free(v);
    eg_buf_printf(&b, "  %s:", t->to_label);
    for (size_t i = 0; i < e->n_rcpts && i < EG_NOTIFY_MAX_RCPTS; i++) {
        v = addr(e->rcpts[i], 200);
        eg_buf_printf(&b, "%s %s", i ? "," : "", v);
        free(v);
    }
    if (e->n_rcpts > EG_NOTIFY_MAX_RCPTS)
        eg_buf_printf(&b, " (+%zu)", e->n_rcpts - EG_NOTIFY_MAX_RCPTS);
    v = clean(e->queue_id, 64);
    eg_buf_printf(&b, "\n  %s: %s\n", t->qid_label, v);
    free(v);
    /* the rules' texts only: what the sender needs, without excerpts of the mail */
    if (e->n_ev) {
        eg_buf_printf(&b, "  %s:\n", t->why_label);
        for (size_t i = 0; i < e->n_ev && i < EG_NOTIFY_MAX_EVIDENCE; i++) {
            char *m = clean_defanged(e->ev[i].message, 400);
            eg_buf_printf(&b, "    - %s\n", m);
            free(m);
        }
    }
    eg_buf_putc(&b, '\n');
    for (int i = 0; i < 3; i++) {
        char *step = eg_notify_defang(t->steps[i]);
        eg_buf_printf(&b, "%d. %s\n", i + 1, step);
        free(step);
    }
    eg_buf_printf(&b, "\n-- \n%s\n", t->footer);
    return finish(&b);
}

/* ---- JSON ---- */

static void jstr(eg_buf *b, const char *s, size_t max)
{
    char *c = clean(s, max);
    eg_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)c; *p; p++) {
        if (*p == '"' || *p == '\\')
            eg_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            eg_buf_printf(b, "\\u%04x", *p);
        else
            eg_buf_putc(b, *p);
    }
    eg_buf_putc(b, '"');
    free(c);
}

char *eg_notify_json(const eg_notify_event *e)
{
    eg_buf b;
    eg_buf_init(&b, 1u << 20);
    char ts[32];
    struct tm tm;
    time_t when = e->time;
    gmtime_r(&when, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eg_buf_printf(&b,
                  "{\"schema\":\"emoguard-notice/1\",\"event\":\"%s\",\"time\":\"%s\",\"gateway\":",
                  eg_notify_kind_str(e->kind), ts);
    jstr(&b, e->host, 200);
    eg_buf_puts(&b, ",\"queue_id\":");
    jstr(&b, e->queue_id, 64);
    eg_buf_puts(&b, ",\"from\":");
    jstr(&b, e->from, 300);
    eg_buf_puts(&b, ",\"account\":");
    jstr(&b, e->account, 300);
    eg_buf_puts(&b, ",\"subject\":");
    jstr(&b, e->subject, 300);
    eg_buf_puts(&b, ",\"rcpts\":[");
    for (size_t i = 0; i < e->n_rcpts && i < EG_NOTIFY_MAX_RCPTS; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        jstr(&b, e->rcpts[i], 200);
    }
    eg_buf_printf(&b, "],\"rcpts_total\":%zu,\"verdict\":", e->n_rcpts);
    jstr(&b, e->verdict, 32);
    eg_buf_printf(&b, ",\"score\":%d,\"action\":", e->score);
    jstr(&b, e->action, 32);
    eg_buf_puts(&b, ",\"rules\":");
    jstr(&b, e->rules, 500);
    eg_buf_puts(&b, ",\"detail\":");
    jstr(&b, e->detail, 500);
    eg_buf_puts(&b, ",\"evidence\":[");
    for (size_t i = 0; i < e->n_ev && i < EG_NOTIFY_MAX_EVIDENCE; i++) {
        const eg_notify_evidence *x = &e->ev[i];
        eg_buf_puts(&b, i ? ",{\"rule\":" : "{\"rule\":");
        jstr(&b, x->rule, 64);
        eg_buf_printf(&b, ",\"score\":%d,\"message\":", x->score);
        jstr(&b, x->message, 400);
        eg_buf_puts(&b, ",\"evidence\":");
        jstr(&b, x->evidence, 300);
        eg_buf_putc(&b, '}');
    }
    eg_buf_puts(&b, "]}\n");
    return finish(&b);
}

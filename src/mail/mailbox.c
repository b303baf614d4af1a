/*
 * Mail containers and batch-level password pairing (mailbox.h).
 *
 * mbox: a message starts at a From_ line ("From sender date") at the start of the file or on a
 * line that looks like one (an address-like token and a time); ">From " lines (mboxrd) lose one
 * '>' in an owned copy, other messages point into the caller's buffer.
 *
 * Pairing: a mail with attachments (the target) and a later mail without attachments (the
 * source) from the same sender to the same recipients, sent within PAIR_WINDOW seconds, linked
 * by thread ids or by the target's subject appearing in the source's subject or text. Only the
 * headers of every mail are parsed; bodies only of the sources that pass those tests.
 */
#include "mail/mailbox.h"

#include "core/strutil.h"
#include "mail/brief.h"
#include "mail/password.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PAIR_WINDOW (2 * 3600) /* "sent shortly after" */
#define PAIR_SKEW 300          /* clocks of two sending hosts may disagree a little */
#define MAX_LINK_PASSWORDS 20
#define MAX_PAIR_BATCH 100000
#define MAX_GROUP_SCAN 2000 /* mails of one sender looked at around a target */

/* ---- mbox ------------------------------------------------------------------------------ */

bool eg_mbox_detect(const uint8_t *data, size_t len)
{
    return data && len >= 5 && !memcmp(data, "From ", 5);
}

/* "From addr Mon Jan  1 00:00:00 2024": a token, then something holding a time hh:mm */
static bool from_line(const uint8_t *l, size_t n)
{
    if (n < 5 || memcmp(l, "From ", 5))
        return false;
    size_t i = 5;
    while (i < n && l[i] != ' ' && l[i] != '\n')
        i++;
    if (i == 5 || i >= n)
        return false;
    for (; i + 4 < n && l[i] != '\n'; i++)
        if (isdigit(l[i]) && l[i + 1] == ':' && isdigit(l[i + 2]) && isdigit(l[i + 3]))
            return true;
    return false;
}

static bool needs_unescape(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] == '>')
            j++;
        if (j > i && n - j >= 5 && !memcmp(p + j, "From ", 5))
            return true;
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            break;
        i = (size_t)(nl - p) + 1;
    }
    return false;
}

static uint8_t *unescape(const uint8_t *p, size_t n, size_t *out_len)
{
    uint8_t *o = malloc(n ? n : 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) + 1 : n;
        size_t j = i;
        while (j < e && p[j] == '>')
            j++;
        size_t from = (j > i && e - j >= 5 && !memcmp(p + j, "From ", 5)) ? i + 1 : i;
        memcpy(o + k, p + from, e - from);
        k += e - from;
        i = e;
    }
    *out_len = k;
    return o;
}

static eg_status push_msg(eg_mbox_msg **msgs, size_t *n, size_t *cap, const uint8_t *p, size_t len,
                          size_t line)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        eg_mbox_msg *m = realloc(*msgs, nc * sizeof *m);
        if (!m)
            return EG_ENOMEM;
        *msgs = m;
        *cap = nc;
    }
    /* the blank line before the next From_ line belongs to the format, not the message */
    if (len && p[len - 1] == '\n') {
        size_t l2 = len - 1;
        if (l2 && p[l2 - 1] == '\r')
            l2--;
        if (l2 && p[l2 - 1] == '\n')
            len = l2;
    }
    eg_mbox_msg m = {p, len, NULL, line};
    if (needs_unescape(p, len)) {
        size_t ol;
        m.owned = unescape(p, len, &ol);
        if (!m.owned)
            return EG_ENOMEM;
        m.data = m.owned;
        m.len = ol;
    }
    (*msgs)[(*n)++] = m;
    return EG_OK;
}

eg_status eg_mbox_split(const uint8_t *data, size_t len, size_t max_msgs, eg_mbox_msg **msgs, size_t *n)
{
    *msgs = NULL;
    *n = 0;
    if (!eg_mbox_detect(data, len))
        return EG_EFORMAT;
    size_t cap = 0, line = 1, start = 0, start_line = 1;
    bool have = false;
    eg_status st = EG_OK;
    for (size_t i = 0; i < len && st == EG_OK;) {
        const uint8_t *nl = memchr(data + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - data) + 1 : len;
        if (from_line(data + i, e - i) || i == 0) {
            if (have) {
                if (*n >= max_msgs)
                    return EG_ELIMIT;
                st = push_msg(msgs, n, &cap, data + start, i - start, start_line);
            }
            have = true;
            start = e; /* the message begins after its From_ line */
            start_line = line;
        }
        i = e;
        line++;
    }
    if (st == EG_OK && have) {
        if (*n >= max_msgs)
            return EG_ELIMIT;
        st = push_msg(msgs, n, &cap, data + start, len - start, start_line);
    }
    if (st != EG_OK) {
        eg_mbox_free(*msgs, *n);
        *msgs = NULL;
        *n = 0;
    }
    return st;
}

void eg_mbox_free(eg_mbox_msg *msgs, size_t n)
{
    if (!msgs)
        return;
    for (size_t i = 0; i < n; i++)
        free(msgs[i].owned);
    free(msgs);
}

/* ---- Maildir --------------------------------------------------------------------------- */

static bool is_dir(const char *dir, const char *sub)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s/%s", dir, sub) >= (int)sizeof p)
        return false;
    struct stat st;
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

bool eg_maildir_detect(const char *dir)
{
    return dir && is_dir(dir, "cur") && is_dir(dir, "new");
}

/* ---- password pairing ------------------------------------------------------------------ */

/* The subject without reply/forward prefixes and [tags], trimmed. */
static char *subject_core(const char *s)
{
    if (!s)
        return eg_strdup("");
    for (bool again = true; again;) {
        again = false;
        while (*s == ' ' || *s == '\t')
            s++;
        static const char *const pre[] = {"re:", "fw:", "fwd:", "re：", "fw：", "返信:", "転送:", NULL};
        for (int i = 0; pre[i]; i++) {
            if (eg_has_prefix_ci(s, pre[i])) {
                s += strlen(pre[i]);
                again = true;
            }
        }
        const char *close = NULL;
        if (*s == '[')
            close = strchr(s, ']');
        else if (!strncmp(s, "【", 3))
            close = strstr(s, "】");
        if (close && close - s < 64) {
            s = close + (*close == ']' ? 1 : 3);
            again = true;
        }
    }
    char *r = eg_strdup(s);
    if (r) {
        size_t n = strlen(r);
        while (n && (r[n - 1] == ' ' || r[n - 1] == '\t'))
            r[--n] = 0;
    }
    return r;
}

static bool same_rcpts(const eg_mail_brief *a, const eg_mail_brief *b)
{
    if (a->n_rcpts != b->n_rcpts || a->n_rcpts == 0)
        return false;
    for (size_t i = 0; i < a->n_rcpts; i++)
        if (strcmp(a->rcpts[i], b->rcpts[i]))
            return false;
    return true;
}

static bool id_in(const char *id, const char *list)
{
    return id && list && *id && strstr(list, id);
}

static bool time_ok(const eg_mail_brief *t, const eg_mail_brief *s, size_t ti, size_t si)
{
    if (t->date == INT64_MIN || s->date == INT64_MIN)
        return si > ti; /* no dates: rely on the order of the batch */
    int64_t d = s->date - t->date;
    return d >= -PAIR_SKEW && d <= PAIR_WINDOW;
}

typedef struct {
    char **v;
    size_t n;
} pw_list;

static void collect(void *ud, const char *value, size_t len, int prio, const char *origin)
{
    pw_list *l = ud;
    (void)origin;
    if (prio >= EG_PW_BRACKETED || l->n >= MAX_LINK_PASSWORDS)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == len && !memcmp(l->v[i], value, len))
            return;
    char *c = eg_strndup(value, len);
    if (c)
        l->v[l->n++] = c;
}

/* qsort has no context argument in C11: the batch being sorted is held here for the comparison.
 * Pairing runs on one thread per batch (the front end calls it before scanning starts). */
static _Thread_local const eg_mail_brief *g_sort_b;
static _Thread_local const bool *g_sort_ok;

static int cmp_sender(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, c = *(const size_t *)y;
    const char *fa = g_sort_ok[a] ? g_sort_b[a].from : NULL, *fc = g_sort_ok[c] ? g_sort_b[c].from : NULL;
    if (!fa || !fc)
        return fa ? -1 : fc ? 1 : (a < c ? -1 : a > c);
    int r = strcmp(fa, fc);
    return r ? r : (a < c ? -1 : a > c);
}

static bool subject_linked(const char *tcore, const eg_mail_brief *src, const char *text)
{
    if (!tcore || strlen(tcore) < 3)
        return false;
    return (src->subject && strstr(src->subject, tcore)) || (text && strstr(text, tcore));
}

eg_status eg_mailbox_link_passwords(const uint8_t *const *data, const size_t *len, size_t n,
                                    eg_password_link **links, size_t *nlinks)
{
    *links = NULL;
    *nlinks = 0;
    if (n < 2)
        return EG_OK;
    if (n > MAX_PAIR_BATCH)
        n = MAX_PAIR_BATCH;
    eg_mail_brief *b = calloc(n, sizeof *b);
    bool *ok = calloc(n, sizeof *ok);
    bool *used = calloc(n, sizeof *used);
    if (!b || !ok || !used) {
        free(b);
        free(ok);
        free(used);
        return EG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        ok[i] = data[i] && len[i] && eg_mail_brief_read(data[i], len[i], false, &b[i]) == EG_OK;
    /* mails grouped by sender, so a target only looks at its sender's other mails */
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) {
        for (size_t i = 0; i < n; i++)
            if (ok[i])
                eg_mail_brief_free(&b[i]);
        free(b);
        free(ok);
        free(used);
        return EG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g_sort_b = b;
    g_sort_ok = ok;
    qsort(idx, n, sizeof *idx, cmp_sender);
    size_t *pos = malloc(n * sizeof *pos); /* where each mail sits in idx */
    if (pos)
        for (size_t i = 0; i < n; i++)
            pos[idx[i]] = i;
    eg_status st = pos ? EG_OK : EG_ENOMEM;
    size_t cap = 0;
    for (size_t t = 0; t < n && st == EG_OK; t++) {
        if (!ok[t] || !b[t].has_attachment || !b[t].from)
            continue;
        char *tcore = subject_core(b[t].subject);
        /* the closest later mail that qualifies */
        size_t best = SIZE_MAX;
        int64_t best_d = INT64_MAX;
        size_t g0 = pos[t], g1 = pos[t];
        while (g0 > 0 && pos[t] - g0 < MAX_GROUP_SCAN && ok[idx[g0 - 1]] && b[idx[g0 - 1]].from &&
               !strcmp(b[idx[g0 - 1]].from, b[t].from))
            g0--;
        while (g1 + 1 < n && g1 - pos[t] < MAX_GROUP_SCAN && ok[idx[g1 + 1]] && b[idx[g1 + 1]].from &&
               !strcmp(b[idx[g1 + 1]].from, b[t].from))
            g1++;
        for (size_t gi = g0; gi <= g1; gi++) {
            size_t s = idx[gi];
            if (s == t || !ok[s] || used[s] || b[s].has_attachment || !b[s].from ||
                strcmp(b[s].from, b[t].from) || !same_rcpts(&b[t], &b[s]) || !time_ok(&b[t], &b[s], t, s))
                continue;
            int64_t d = (b[t].date != INT64_MIN && b[s].date != INT64_MIN) ? b[s].date - b[t].date
                                                                           : (int64_t)(s > t ? s - t : t - s);
            if (d < 0)
                d = -d;
            if (d < best_d) {
                best_d = d;
                best = s;
            }
        }
        if (best == SIZE_MAX) {
            free(tcore);
            continue;
        }
        size_t s = best;
        bool thread = id_in(b[t].message_id, b[s].in_reply_to) || id_in(b[t].message_id, b[s].references);
        eg_mail_brief full;
        if (eg_mail_brief_read(data[s], len[s], true, &full) != EG_OK) {
            free(tcore);
            continue;
        }
        bool linked = thread || subject_linked(tcore, &full, full.text);
        free(tcore);
        pw_list pl = {calloc(MAX_LINK_PASSWORDS, sizeof(char *)), 0};
        if (linked && pl.v) {
            eg_password_extract(full.subject, strlen(full.subject), "subject", false, collect, &pl);
            if (full.text)
                eg_password_extract(full.text, strlen(full.text), "body", false, collect, &pl);
        }
        char *subj = full.subject;
        full.subject = NULL;
        eg_mail_brief_free(&full);
        if (!pl.n) {
            free(pl.v);
            free(subj);
            continue;
        }
        if (*nlinks == cap) {
            size_t nc = cap ? cap * 2 : 4;
            eg_password_link *nl = realloc(*links, nc * sizeof *nl);
            if (!nl) {
                for (size_t i = 0; i < pl.n; i++)
                    free(pl.v[i]);
                free(pl.v);
                free(subj);
                st = EG_ENOMEM;
                break;
            }
            *links = nl;
            cap = nc;
        }
        char origin[512];
        snprintf(origin, sizeof origin, "separate mail #%zu: Subject \"%.300s\"", s + 1,
                 subj ? subj : "");
        free(subj);
        (*links)[*nlinks] = (eg_password_link){t, s, pl.v, pl.n, eg_strdup(origin)};
        (*nlinks)++;
        used[s] = true;
    }
    for (size_t i = 0; i < n; i++)
        if (ok[i])
            eg_mail_brief_free(&b[i]);
    free(b);
    free(ok);
    free(used);
    free(idx);
    free(pos);
    if (st != EG_OK) {
        eg_password_links_free(*links, *nlinks);
        *links = NULL;
        *nlinks = 0;
    }
    return st;
}

void eg_password_links_free(eg_password_link *links, size_t n)
{
    if (!links)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < links[i].n_passwords; k++)
            free(links[i].passwords[k]);
        free(links[i].passwords);
        free(links[i].origin);
    }
    free(links);
}

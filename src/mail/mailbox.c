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

size_t eg_mbox_unescape(uint8_t *p, size_t n)
{
    /* writes never pass reads: the copy shrinks by one byte per escaped line */
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) + 1 : n;
        size_t j = i;
        while (j < e && p[j] == '>')
            j++;
        size_t from = (j > i && e - j >= 5 && !memcmp(p + j, "From ", 5)) ? i + 1 : i;
        memmove(p + k, p + from, e - from);
        k += e - from;
        i = e;
    }
    return k;
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
        m.owned = malloc(len ? len : 1);
        if (!m.owned)
            return EG_ENOMEM;
        memcpy(m.owned, p, len);
        m.data = m.owned;
        m.len = eg_mbox_unescape(m.owned, len);
    }
    (*msgs)[(*n)++] = m;
    return EG_OK;
}

eg_status eg_mbox_split(const uint8_t *data, size_t len, size_t max_msgs, eg_mbox_msg **msgs,
                        size_t *n)
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

/* ---- mbox, streamed -------------------------------------------------------------------- */

struct eg_mbox_reader {
    long (*read)(void *ud, uint8_t *buf, size_t n);
    void *ud;
    uint8_t *buf;
    size_t cap, have, pos; /* buf[pos..have) not yet looked at */
    uint64_t base;         /* file offset of buf[0] */
    bool eof, failed, done;
    size_t line;
    /* the message being collected */
    bool in_msg, unesc, last_blank;
    uint64_t mstart, last_start;
    size_t mline;
    uint8_t head[256]; /* the start of a line longer than the buffer */
};

eg_mbox_reader *eg_mbox_reader_new(long (*read)(void *ud, uint8_t *buf, size_t n), void *ud,
                                   size_t bufcap)
{
    if (!read || bufcap < 256)
        return NULL;
    eg_mbox_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->buf = malloc(bufcap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->read = read;
    r->ud = ud;
    r->cap = bufcap;
    r->line = 1;
    return r;
}

void eg_mbox_reader_free(eg_mbox_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

static bool fill(eg_mbox_reader *r)
{
    if (r->eof || r->have == r->cap)
        return false;
    long got = r->read(r->ud, r->buf + r->have, r->cap - r->have);
    if (got < 0) {
        r->failed = true;
        r->eof = true;
        return false;
    }
    if (got == 0) {
        r->eof = true;
        return false;
    }
    r->have += (size_t)got;
    return true;
}

/* The next line: its offset in the file, its end (past the '\n'), and its first bytes (at most
 * the buffer, valid until the next call). false at the end of the file. */
static bool next_line(eg_mbox_reader *r, uint64_t *start, uint64_t *end, const uint8_t **head,
                      size_t *hlen)
{
    for (;;) {
        const uint8_t *nl =
            r->pos < r->have ? memchr(r->buf + r->pos, '\n', r->have - r->pos) : NULL;
        if (nl || (r->eof && r->pos < r->have)) {
            size_t e = nl ? (size_t)(nl - r->buf) + 1 : r->have;
            *start = r->base + r->pos;
            *end = r->base + e;
            *head = r->buf + r->pos;
            *hlen = e - r->pos;
            r->pos = e;
            return true;
        }
        if (r->eof)
            return false;
        if (r->pos > 0) { /* keep the unfinished line, make room behind it */
            memmove(r->buf, r->buf + r->pos, r->have - r->pos);
            r->have -= r->pos;
            r->base += r->pos;
            r->pos = 0;
        }
        if (r->have < r->cap) {
            fill(r);
            continue;
        }
        /* a line longer than the buffer: judged by its head, the rest skipped */
        uint64_t s = r->base;
        memcpy(r->head, r->buf, sizeof r->head);
        for (;;) {
            r->base += r->have;
            r->have = r->pos = 0;
            if (!fill(r))
                break;
            const uint8_t *q = memchr(r->buf, '\n', r->have);
            if (q) {
                r->pos = (size_t)(q - r->buf) + 1;
                break;
            }
        }
        *start = s;
        *end = r->base + r->pos;
        *head = r->head;
        *hlen = sizeof r->head;
        return true;
    }
}

static bool escaped_from(const uint8_t *l, size_t n)
{
    size_t j = 0;
    while (j < n && l[j] == '>')
        j++;
    return j > 0 && n - j >= 5 && !memcmp(l + j, "From ", 5);
}

/* The message [mstart, end) less the blank line the format puts before the next From_ line. */
static void emit(eg_mbox_reader *r, uint64_t end, eg_mbox_entry *e)
{
    if (r->last_blank && r->last_start > r->mstart)
        end = r->last_start;
    *e = (eg_mbox_entry){r->mstart, end - r->mstart, r->unesc, r->mline};
}

int eg_mbox_reader_next(eg_mbox_reader *r, eg_mbox_entry *e)
{
    if (!r || r->done)
        return r && !r->failed ? 0 : -1;
    uint64_t s, end;
    const uint8_t *h;
    size_t hl;
    for (;;) {
        if (!next_line(r, &s, &end, &h, &hl)) {
            r->done = true;
            if (r->line == 1) /* nothing at all: not an mbox */
                r->failed = true;
            if (r->failed)
                return -1;
            if (!r->in_msg)
                return 0;
            emit(r, r->base + r->have, e);
            r->in_msg = false;
            return 1;
        }
        size_t line = r->line++;
        if (s == 0 && !eg_mbox_detect(h, hl)) {
            r->done = r->failed = true;
            return -1;
        }
        if (s == 0 || from_line(h, hl)) {
            bool had = r->in_msg;
            if (had)
                emit(r, s, e);
            r->in_msg = true;
            r->mstart = end;
            r->mline = line;
            r->unesc = r->last_blank = false;
            r->last_start = end;
            if (had)
                return 1;
            continue;
        }
        if (escaped_from(h, hl))
            r->unesc = true;
        r->last_start = s;
        r->last_blank = (hl == 1 && h[0] == '\n') || (hl == 2 && h[0] == '\r' && h[1] == '\n');
    }
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
        static const char *const pre[] = {"re:",  "fw:",   "fwd:",  "re：",
                                          "fw：", "返信:", "転送:", NULL};
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
    const char *fa = g_sort_ok[a] ? g_sort_b[a].from : NULL,
               *fc = g_sort_ok[c] ? g_sort_b[c].from : NULL;
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

bool eg_mailbox_pair_candidate(const eg_mail_brief *t, size_t ti, const eg_mail_brief *s, size_t si,
                               int64_t *dist)
{
    if (ti == si || !t->has_attachment || !t->from || s->has_attachment || !s->from ||
        strcmp(s->from, t->from) || !same_rcpts(t, s) || !time_ok(t, s, ti, si))
        return false;
    int64_t d = (t->date != INT64_MIN && s->date != INT64_MIN)
                    ? s->date - t->date
                    : (int64_t)(si > ti ? si - ti : ti - si);
    *dist = d < 0 ? -d : d;
    return true;
}

eg_status eg_mailbox_link_pair(const eg_mail_brief *t, size_t ti, const eg_mail_brief *s, size_t si,
                               const uint8_t *sdata, size_t slen, eg_password_link *out)
{
    memset(out, 0, sizeof *out);
    bool thread = id_in(t->message_id, s->in_reply_to) || id_in(t->message_id, s->references);
    eg_mail_brief full;
    if (!sdata || !slen || eg_mail_brief_read(sdata, slen, true, &full) != EG_OK)
        return EG_ENOTFOUND;
    char *tcore = subject_core(t->subject);
    bool linked = thread || subject_linked(tcore, &full, full.text);
    free(tcore);
    pw_list pl = {calloc(MAX_LINK_PASSWORDS, sizeof(char *)), 0};
    if (linked && pl.v) {
        eg_password_extract(full.subject, strlen(full.subject), "subject", false, collect, &pl);
        if (full.text)
            eg_password_extract(full.text, strlen(full.text), "body", false, collect, &pl);
    }
    char origin[512];
    snprintf(origin, sizeof origin, "separate mail #%zu: Subject \"%.300s\"", si + 1,
             full.subject ? full.subject : "");
    eg_mail_brief_free(&full);
    if (!pl.n) {
        free(pl.v);
        return pl.v || !linked ? EG_ENOTFOUND : EG_ENOMEM;
    }
    *out = (eg_password_link){ti, si, pl.v, pl.n, eg_strdup(origin)};
    if (!out->origin) {
        for (size_t i = 0; i < pl.n; i++)
            free(pl.v[i]);
        free(pl.v);
        memset(out, 0, sizeof *out);
        return EG_ENOMEM;
    }
    return EG_OK;
}

static eg_status add_link(eg_password_link **links, size_t *nlinks, size_t *cap,
                          eg_password_link *l)
{
    if (*nlinks == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        eg_password_link *nl = realloc(*links, nc * sizeof *nl);
        if (!nl)
            return EG_ENOMEM;
        *links = nl;
        *cap = nc;
    }
    (*links)[(*nlinks)++] = *l;
    return EG_OK;
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
    size_t *idx = malloc(n * sizeof *idx);
    size_t *pos = malloc(n * sizeof *pos); /* where each mail sits in idx */
    if (!b || !ok || !used || !idx || !pos) {
        free(b);
        free(ok);
        free(used);
        free(idx);
        free(pos);
        return EG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        ok[i] = data[i] && len[i] && eg_mail_brief_read(data[i], len[i], false, &b[i]) == EG_OK;
    /* mails grouped by sender, so a target only looks at its sender's other mails */
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g_sort_b = b;
    g_sort_ok = ok;
    qsort(idx, n, sizeof *idx, cmp_sender);
    for (size_t i = 0; i < n; i++)
        pos[idx[i]] = i;
    eg_status st = EG_OK;
    size_t cap = 0;
    for (size_t t = 0; t < n && st == EG_OK; t++) {
        if (!ok[t] || !b[t].has_attachment || !b[t].from)
            continue;
        /* the closest mail that qualifies */
        size_t best = SIZE_MAX;
        int64_t best_d = INT64_MAX;
        size_t g0 = pos[t], g1 = pos[t];
        while (g0 > 0 && pos[t] - g0 < MAX_GROUP_SCAN && ok[idx[g0 - 1]] && b[idx[g0 - 1]].from &&
               !strcmp(b[idx[g0 - 1]].from, b[t].from))
            g0--;
        while (g1 + 1 < n && g1 - pos[t] < MAX_GROUP_SCAN && ok[idx[g1 + 1]] &&
               b[idx[g1 + 1]].from && !strcmp(b[idx[g1 + 1]].from, b[t].from))
            g1++;
        for (size_t gi = g0; gi <= g1; gi++) {
            size_t s = idx[gi];
            int64_t d;
            if (ok[s] && !used[s] && eg_mailbox_pair_candidate(&b[t], t, &b[s], s, &d) &&
                d < best_d) {
                best_d = d;
                best = s;
            }
        }
        if (best == SIZE_MAX)
            continue;
        eg_password_link l;
        eg_status r = eg_mailbox_link_pair(&b[t], t, &b[best], best, data[best], len[best], &l);
        if (r == EG_ENOMEM)
            st = r;
        if (r != EG_OK)
            continue;
        if (add_link(links, nlinks, &cap, &l) != EG_OK) {
            for (size_t i = 0; i < l.n_passwords; i++)
                free(l.passwords[i]);
            free(l.passwords);
            free(l.origin);
            st = EG_ENOMEM;
            break;
        }
        used[best] = true;
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

/*
 * Small helpers shared by the office analyzers: per-project fact flags kept in the scan,
 * Base64, command-like text, and lure-text phrases (ASCII/UTF-8 and UTF-16LE).
 */
#include "office/office_int.h"

#include "core/base64.h"

#include "core/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct project_facts {
    uint32_t *ids;
    unsigned *flags;
    size_t n;
} project_facts;

static const int facts_tag;

static void facts_free(void *p)
{
    project_facts *f = p;
    free(f->ids);
    free(f->flags);
    free(f);
}

unsigned eg_office_project_flags(eg_scan *s, uint32_t project_id, unsigned add)
{
    project_facts *f = eg_scan_get_data(s, &facts_tag);
    if (!f) {
        f = calloc(1, sizeof *f);
        if (!f || eg_scan_set_data(s, &facts_tag, f, facts_free) != EG_OK) {
            free(f);
            return add;
        }
    }
    for (size_t i = 0; i < f->n; i++) {
        if (f->ids[i] == project_id) {
            f->flags[i] |= add;
            return f->flags[i];
        }
    }
    uint32_t *ids = realloc(f->ids, (f->n + 1) * sizeof *ids);
    if (!ids)
        return add;
    f->ids = ids;
    unsigned *fl = realloc(f->flags, (f->n + 1) * sizeof *fl);
    if (!fl)
        return add;
    f->flags = fl;
    f->ids[f->n] = project_id;
    f->flags[f->n] = add;
    f->n++;
    return add;
}

uint8_t *eg_office_b64_decode(const char *in, size_t len, size_t *outlen)
{
    /* strict: the whole text must be base64 (XML attributes and MIME bodies are nothing else) */
    eg_buf b;
    eg_buf_init(&b, 0);
    size_t used = 0;
    if (eg_buf_reserve(&b, len / 4 * 3 + 4) != EG_OK ||
        eg_base64_decode(in, len, &b, &used) != EG_OK) {
        eg_buf_free(&b);
        return NULL;
    }
    while (used < len && (in[used] == '=' || isspace((unsigned char)in[used])))
        used++;
    if (used != len) {
        eg_buf_free(&b);
        return NULL;
    }
    return (uint8_t *)eg_buf_steal(&b, outlen);
}

bool eg_office_looks_like_cmd(const char *s, size_t len)
{
    static const char *const words[] = {"powershell", "cmd.exe",     "cmd /c",   "cmd /k",
                                        "mshta",      "regsvr32",    "rundll32", "wscript.exe",
                                        "wscript ",   "cscript.exe", "cscript ", "certutil",
                                        "bitsadmin",  "schtasks",    "-enc",     "start-process"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (eg_memmem_ci(s, len, words[i], strlen(words[i])))
            return true;
    return false;
}

/* ---- lure phrases ---- */

typedef struct lure {
    const char *text; /* UTF-8 */
    unsigned kind;
} lure;

static const lure LURES[] = {
    {"enable content", EG_LURE_ENABLE},
    {"enable editing", EG_LURE_ENABLE},
    {"enable macros", EG_LURE_ENABLE},
    {"enable the content", EG_LURE_ENABLE},
    {"コンテンツの有効化", EG_LURE_ENABLE},
    {"編集を有効にする", EG_LURE_ENABLE},
    {"マクロを有効", EG_LURE_ENABLE},
    {"Microsoft Office\\Templates", EG_LURE_TEMPLATES},
    {"Microsoft Office\\root\\Templates", EG_LURE_TEMPLATES},
    {"Microsoft\\Templates", EG_LURE_TEMPLATES},
    {"Templates folder", EG_LURE_TEMPLATES},
    {"テンプレートフォルダ", EG_LURE_TEMPLATES},
    {"テンプレート フォルダ", EG_LURE_TEMPLATES},
};

/* UTF-8 -> UTF-16LE, ASCII lowered (for the case-insensitive compare below). */
static size_t to_u16(const char *s, uint16_t *out, size_t max)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < max) {
        unsigned cp;
        if (*p < 0x80)
            cp = (unsigned)tolower(*p++);
        else if ((*p & 0xE0) == 0xC0 && p[1]) {
            cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            p += 2;
        } else if ((*p & 0xF0) == 0xE0 && p[1] && p[2]) {
            cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            p += 3;
        } else
            return 0;
        out[n++] = (uint16_t)cp;
    }
    return n;
}

static bool u16_at(const uint8_t *p, const uint16_t *w, size_t wn)
{
    for (size_t k = 0; k < wn; k++) {
        unsigned c = (unsigned)(p[2 * k] | (p[2 * k + 1] << 8));
        if (c < 0x80)
            c = (unsigned)tolower((int)c);
        if (c != w[k])
            return false;
    }
    return true;
}

/* w (lower case) as UTF-16LE in d at any byte offset, ASCII letters in either case. The
 * candidates are the places of w's first byte in each case, found with memchr; each case's
 * pointer only moves forward, so the search stays linear. */
static bool find_u16(const uint8_t *d, size_t len, const uint16_t *w, size_t wn)
{
    if (!wn || len < wn * 2)
        return false;
    const uint8_t *end = d + (len - wn * 2) + 1; /* one past the last possible start */
    unsigned c0 = w[0], u0 = c0 < 0x80 ? (unsigned)toupper((int)c0) : c0;
    uint8_t b[2] = {(uint8_t)(c0 & 0xFF), (uint8_t)(u0 & 0xFF)};
    const uint8_t *at[2];
    for (int i = 0; i < 2; i++) {
        at[i] = memchr(d, b[i], (size_t)(end - d));
        if (!at[i] || (i == 1 && b[1] == b[0]))
            at[i] = end;
    }
    while (at[0] < end || at[1] < end) {
        const uint8_t *p = at[0] < at[1] ? at[0] : at[1];
        if (u16_at(p, w, wn))
            return true;
        for (int i = 0; i < 2; i++)
            if (at[i] == p) {
                const uint8_t *q = p + 1 < end ? memchr(p + 1, b[i], (size_t)(end - p - 1)) : NULL;
                at[i] = q ? q : end;
            }
    }
    return false;
}

static unsigned lure_scan(const uint8_t *d, size_t len, char ev[2][128])
{
    unsigned found = 0;
    ev[0][0] = ev[1][0] = '\0';
    for (size_t i = 0; i < sizeof LURES / sizeof LURES[0]; i++) {
        if (found & LURES[i].kind)
            continue;
        const char *t = LURES[i].text;
        bool hit = eg_memmem_ci((const char *)d, len, t, strlen(t)) != NULL;
        if (!hit) {
            uint16_t w[64];
            size_t wn = to_u16(t, w, 64);
            hit = find_u16(d, len, w, wn);
        }
        if (hit) {
            found |= LURES[i].kind;
            snprintf(ev[LURES[i].kind == EG_LURE_ENABLE ? 0 : 1], 128, "\"%s\"", t);
        }
    }
    /* the Japanese instruction is often split: "テンプレート" ... "コピー" in one text */
    if (!(found & EG_LURE_TEMPLATES)) {
        uint16_t a[16], b[16];
        size_t an = to_u16("テンプレート", a, 16), bn = to_u16("コピー", b, 16);
        bool ja = (memmem(d, len, "テンプレート", strlen("テンプレート")) &&
                   memmem(d, len, "コピー", strlen("コピー"))) ||
                  (find_u16(d, len, a, an) && find_u16(d, len, b, bn));
        uint16_t o[8];
        size_t on = to_u16("office", o, 8);
        /* ... and a path into Office: plain "copy the template" text is ordinary business mail */
        ja = ja && (eg_memmem_ci((const char *)d, len, "office", 6) || find_u16(d, len, o, on));
        if (ja) {
            found |= EG_LURE_TEMPLATES;
            snprintf(ev[1], 128, "テンプレート ... コピー ... Office");
        }
    }
    return found;
}

unsigned eg_office_lure_scan(const uint8_t *d, size_t len, char *ev, size_t evsize)
{
    char e[2][128];
    unsigned f = lure_scan(d, len, e);
    if (ev && evsize)
        snprintf(ev, evsize, "%s", e[0][0] ? e[0] : e[1]);
    return f;
}

void eg_office_lure_findings(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len)
{
    /* lure text sits at the start of a document; a padded 500 MB stream is not searched whole */
    if (len > (16u << 20))
        len = 16u << 20;
    char ev[2][128];
    unsigned l = lure_scan(d, len, ev);
    if (l & EG_LURE_ENABLE)
        eg_scan_finding(s, obj, EG_R_OFFICE_LURE_ENABLE, "%s", ev[0]);
    if (l & EG_LURE_TEMPLATES)
        eg_scan_finding(s, obj, EG_R_OFFICE_LURE_TEMPLATES, "%s", ev[1]);
}

/*
 * RTF documents: embedded OLE objects. The document is tokenised once, without recursion, the
 * way Word reads an \objdata destination, since exploit carriers are written against Word's
 * reader rather than the specification:
 *   - control words with their numeric parameters (any number of digits) and control symbols
 *     inside the hex data are skipped; whitespace and any other non-hex character too;
 *   - a group opening with \* (an ignorable destination) or with another destination control
 *     word is skipped whole; other nested groups are part of the data ("{\b 01}05");
 *   - \'hh drops the last hex digit read when their count is odd at that point (Word's rule);
 *   - an odd number of hex digits at the end loses the last one;
 *   - \binN puts N raw bytes into the data.
 * Every object's OLE1 ObjectHeader is read (class name, native data; the packager's file for a
 * "Package" object), and the native data is handed on as a child (a CFB is then checked for its
 * class id). Classes exploits use (Equation Editor, OLE2Link, htmlfile, MSCOMCTL controls) are a
 * finding of their own, compared without regard to case. Group nesting is only counted (memory
 * does not grow with it); past MAX_GROUP_DEPTH it is a LIMIT finding.
 *
 * RTF text itself is only searched for lure phrases; it is not rendered.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS 64
#define MAX_DEST 256         /* destinations tracked at once */
#define MAX_GROUP_DEPTH 1024 /* deeper nesting is reported (it is counted, never stored) */

enum { D_TEXT, D_SKIP, D_OBJDATA, D_OBJCLASS };

typedef struct dest {
    int kind;
    size_t level;
} dest;

typedef struct rtf_parse {
    const uint8_t *p;
    size_t n, i;
    size_t level, max_level;
    dest st[MAX_DEST];
    size_t nst;
    bool dest_overflow;
    /* the object being read */
    uint8_t *data;
    size_t len, cap, limit;
    int hi; /* pending high nibble, -1 none */
    size_t
        anomalies; /* what Word's own writer never puts in \objdata: control words, groups, junk */
    char objclass[128];
    size_t cls_len;
    eg_rtf_object_fn fn;
    void *ud;
    size_t objects;
    bool too_many, enomem;
} rtf_parse;

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Control words that open a destination: the ones of the RTF specification (1.7), its math and
 * Word 2007 additions. Text inside such a group nested in \objdata is not object data. Sorted, so
 * a binary search finds a word. */
static const char *const destinations[] = {
    "aftncn",
    "aftnsep",
    "aftnsepc",
    "annotation",
    "atndate",
    "atnicn",
    "atnid",
    "atnparent",
    "atnref",
    "atntime",
    "atrfend",
    "atrfstart",
    "author",
    "background",
    "bkmkend",
    "bkmkstart",
    "blipuid",
    "buptim",
    "category",
    "colorschememapping",
    "colortbl",
    "comment",
    "company",
    "creatim",
    "datafield",
    "datastore",
    "do",
    "doccomm",
    "docvar",
    "dptxbxtext",
    "ebcend",
    "ebcstart",
    "factoidname",
    "falt",
    "fchars",
    "ffdeftext",
    "ffentrymcr",
    "ffexitmcr",
    "ffformat",
    "ffhelptext",
    "ffl",
    "ffname",
    "ffstattext",
    "field",
    "file",
    "filetbl",
    "fldinst",
    "fldrslt",
    "fldtype",
    "fname",
    "fontemb",
    "fontfile",
    "fonttbl",
    "footer",
    "footerf",
    "footerl",
    "footnote",
    "formfield",
    "ftncn",
    "ftnsep",
    "ftnsepc",
    "g",
    "generator",
    "gridtbl",
    "header",
    "headerf",
    "headerl",
    "hl",
    "hlfr",
    "hlinkbase",
    "hlloc",
    "hlsrc",
    "htmltag",
    "info",
    "jclisttab",
    "keycode",
    "keywords",
    "l",
    "latentstyles",
    "lchars",
    "levelnumbers",
    "listname",
    "listoverridetable",
    "listpicture",
    "listtable",
    "listtext",
    "macc",
    "maccPr",
    "manager",
    "mbar",
    "mbarPr",
    "mbegChr",
    "mborderBox",
    "mborderBoxPr",
    "mbox",
    "mboxPr",
    "mchr",
    "mctrlPr",
    "md",
    "mdPr",
    "mdeg",
    "mden",
    "me",
    "mendChr",
    "meqArr",
    "meqArrPr",
    "mf",
    "mfName",
    "mfPr",
    "mfunc",
    "mfuncPr",
    "mgroupChr",
    "mgroupChrPr",
    "mhtmltag",
    "mlim",
    "mlimLow",
    "mlimLowPr",
    "mlimUpp",
    "mlimUppPr",
    "mlit",
    "mm",
    "mmPr",
    "mmath",
    "mmathPr",
    "mmr",
    "mnary",
    "mnaryPr",
    "mnum",
    "moMath",
    "moMathPara",
    "mphant",
    "mphantPr",
    "mpos",
    "mr",
    "mrPr",
    "mrad",
    "mradPr",
    "msPre",
    "msPrePr",
    "msSub",
    "msSubPr",
    "msSubSup",
    "msSubSupPr",
    "msSup",
    "msSupPr",
    "msepChr",
    "msub",
    "msup",
    "mvertJc",
    "nesttableprops",
    "nextfile",
    "nonesttables",
    "nonshppict",
    "objalias",
    "objclass",
    "objdata",
    "object",
    "objname",
    "objsect",
    "objtime",
    "oldcprops",
    "oldpprops",
    "oldsprops",
    "oldtprops",
    "oleclsid",
    "operator",
    "panose",
    "passwordhash",
    "pgdsc",
    "pgdsctbl",
    "pgp",
    "pgptbl",
    "picprop",
    "pict",
    "pn",
    "pnseclvl",
    "pntext",
    "pntxta",
    "pntxtb",
    "printim",
    "private",
    "protusertbl",
    "pwd",
    "pxe",
    "result",
    "revtbl",
    "revtim",
    "rsidtbl",
    "rxe",
    "shp",
    "shpinst",
    "shppict",
    "shprslt",
    "shptxt",
    "sn",
    "sp",
    "stylesheet",
    "subject",
    "sv",
    "svb",
    "tc",
    "tcn",
    "template",
    "themedata",
    "title",
    "txe",
    "ud",
    "upr",
    "urtf",
    "userprops",
    "wgrffmtfilter",
    "xe",
    "xform",
    "xmlnstbl",
    "xmlopen",
};

static int cmp_word(const void *a, const void *b)
{
    return strcmp((const char *)a, *(const char *const *)b);
}

static bool is_destination(const char *w)
{
    return bsearch(w, destinations, sizeof destinations / sizeof *destinations,
                   sizeof *destinations, cmp_word) != NULL;
}

static dest *top(rtf_parse *r)
{
    return r->nst ? &r->st[r->nst - 1] : NULL;
}

static int cur_kind(rtf_parse *r)
{
    dest *t = top(r);
    return t ? t->kind : D_TEXT;
}

static void put_nibble(rtf_parse *r, int v)
{
    if (r->hi < 0) {
        r->hi = v;
        return;
    }
    if (r->len == r->cap) {
        if (r->cap >= r->limit)
            return; /* capped: the prefix is kept */
        size_t nc = r->cap ? r->cap * 2 : 4096;
        if (nc > r->limit)
            nc = r->limit;
        uint8_t *nd = realloc(r->data, nc);
        if (!nd) {
            r->enomem = true;
            return;
        }
        r->data = nd, r->cap = nc;
    }
    r->data[r->len++] = (uint8_t)(r->hi << 4 | v);
    r->hi = -1;
}

static void finish_object(rtf_parse *r)
{
    /* an odd digit at the end is dropped, as Word does */
    r->hi = -1;
    if (r->objects >= MAX_OBJECTS) {
        r->too_many = true;
    } else if (r->len) {
        r->objects++;
        r->fn(r->ud, r->data, r->len, r->objclass, r->anomalies);
    }
    r->len = 0;
    r->anomalies = 0;
}

static void open_dest(rtf_parse *r, int kind)
{
    dest *t = top(r);
    if (t &&
        t->level == r->level) { /* a second destination word in the same group replaces the first */
        if (t->kind == D_OBJDATA)
            finish_object(r);
        if (t->kind == D_OBJCLASS)
            r->objclass[r->cls_len] = '\0';
        t->kind = kind;
    } else if (r->nst < MAX_DEST) {
        r->st[r->nst++] = (dest){kind, r->level};
    } else {
        r->dest_overflow = true;
        return;
    }
    if (kind == D_OBJDATA) {
        r->len = 0;
        r->hi = -1;
        r->anomalies = 0;
    } else if (kind == D_OBJCLASS) {
        r->cls_len = 0;
        r->objclass[0] = '\0';
    }
}

static void close_group(rtf_parse *r)
{
    dest *t = top(r);
    if (t && t->level == r->level) {
        if (t->kind == D_OBJDATA)
            finish_object(r);
        else if (t->kind == D_OBJCLASS)
            r->objclass[r->cls_len] = '\0';
        r->nst--;
    }
    if (r->level)
        r->level--;
}

static void class_char(rtf_parse *r, uint8_t ch)
{
    if (r->cls_len + 1 < sizeof r->objclass && ch >= 0x20 && ch != ' ')
        r->objclass[r->cls_len++] = (char)ch;
    r->objclass[r->cls_len] = '\0';
}

/* A control word or symbol at r->i (the backslash). after_brace: it is the first thing in a group.
 */
static void control(rtf_parse *r, bool *pending_star, bool after_brace)
{
    const uint8_t *p = r->p;
    size_t i = r->i + 1;
    if (i >= r->n) {
        r->i = i;
        return;
    }
    if (cur_kind(r) == D_OBJDATA && !(i + 7 <= r->n && !memcmp(p + i, "objdata", 7)))
        r->anomalies++;
    if (!isalpha(p[i])) { /* control symbol */
        uint8_t sym = p[i++];
        if (sym == '*') {
            *pending_star = after_brace;
        } else if (sym == '\'') {
            int a = i < r->n ? hexv(p[i]) : -1, b = i + 1 < r->n ? hexv(p[i + 1]) : -1;
            i += 2;
            int k = cur_kind(r);
            if (k == D_OBJDATA && r->hi >= 0)
                r->hi = -1; /* Word drops the odd digit before \'hh */
            else if (k == D_OBJCLASS && a >= 0 && b >= 0)
                class_char(r, (uint8_t)(a << 4 | b));
        }
        r->i = i > r->n ? r->n : i;
        return;
    }
    char w[33];
    size_t wl = 0;
    while (i < r->n && isalpha(p[i])) {
        if (wl + 1 < sizeof w)
            w[wl] = (char)p[i];
        wl++;
        i++;
    }
    w[wl < sizeof w ? wl : sizeof w - 1] = '\0';
    bool neg = false, has_num = false;
    uint64_t num = 0;
    if (i < r->n && p[i] == '-')
        neg = true, i++;
    while (i < r->n && isdigit(p[i])) {
        has_num = true;
        if (num < (1ull << 40))
            num = num * 10 + (uint64_t)(p[i] - '0');
        i++;
    }
    if (i < r->n && p[i] == ' ')
        i++;
    r->i = i;
    if (!strcmp(w, "bin")) {
        /* N raw bytes follow; a missing or negative N is 0 */
        uint64_t nb = (has_num && !neg) ? num : 0;
        if (nb > r->n - r->i)
            nb = r->n - r->i;
        if (cur_kind(r) == D_OBJDATA)
            for (size_t k = 0; k < nb; k++) {
                put_nibble(r, p[r->i + k] >> 4);
                put_nibble(r, p[r->i + k] & 15);
            }
        r->i += (size_t)nb;
        return;
    }
    bool star = *pending_star;
    *pending_star = false;
    if (!strcmp(w, "objdata"))
        open_dest(r, D_OBJDATA);
    else if (!strcmp(w, "objclass"))
        open_dest(r, D_OBJCLASS);
    else if (star || (after_brace && is_destination(w)) || is_destination(w))
        open_dest(r, D_SKIP);
}

eg_status eg_rtf_objects(const uint8_t *d, size_t n, size_t max_object, eg_rtf_object_fn fn,
                         void *ud, eg_rtf_stats *stats)
{
    rtf_parse *r = calloc(1, sizeof *r);
    if (!r)
        return EG_ENOMEM;
    r->p = d, r->n = n, r->fn = fn, r->ud = ud, r->hi = -1;
    r->limit = max_object ? max_object : 1;
    bool star = false, after_brace = false;
    while (r->i < n && !r->enomem) {
        uint8_t ch = d[r->i];
        if (ch == '{') {
            if (cur_kind(r) == D_OBJDATA)
                r->anomalies++;
            r->level++;
            if (r->level > r->max_level)
                r->max_level = r->level;
            r->i++;
            after_brace = true;
            star = false;
            continue;
        }
        if (ch == '}') {
            close_group(r);
            r->i++;
            after_brace = false;
            star = false;
            continue;
        }
        if (ch == '\\') {
            bool ab = after_brace;
            control(r, &star, ab);
            after_brace = star; /* \* keeps the group's start open for the word after it */
            continue;
        }
        after_brace = false;
        int k = cur_kind(r);
        if (k == D_OBJDATA) {
            int v = hexv(ch);
            if (v >= 0)
                put_nibble(r, v);
            else if (!isspace(ch) && ch != 0)
                r->anomalies++;
        } else if (k == D_OBJCLASS) {
            class_char(r, ch);
        }
        r->i++;
    }
    /* groups left open at the end close there */
    while (r->nst)
        close_group(r), r->level = r->nst ? r->st[r->nst - 1].level : 0;
    if (stats) {
        stats->objects = r->objects;
        stats->too_many = r->too_many;
        stats->max_depth = r->max_level;
        stats->dest_overflow = r->dest_overflow;
    }
    eg_status st = r->enomem ? EG_ENOMEM : EG_OK;
    free(r->data);
    free(r);
    return st;
}

static bool lp_string(eg_cur *c, char *out, size_t outsz)
{
    uint32_t n = eg_cur_u32le(c);
    const uint8_t *p = eg_cur_take(c, n);
    if (!p)
        return false;
    size_t k = n && p[n - 1] == 0 ? n - 1 : n;
    if (k >= outsz)
        k = outsz - 1;
    memcpy(out, p, k);
    out[k] = '\0';
    return true;
}

/* Class names of objects exploits use; compared without regard to case (Word does so). */
static bool exploit_class(const char *cls)
{
    static const char *const bad[] = {"equation",    "ole2link",  "htmlfile",
                                      "mscomctllib", "scriptlet", "soap.moniker"};
    size_t n = strlen(cls);
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        if (eg_memmem_ci(cls, n, bad[k], strlen(bad[k])))
            return true;
    return false;
}

/* http(s) addresses in the native data of a link object (ASCII or UTF-16LE), as indicators. */
static void link_urls(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t n)
{
    char buf[1024];
    for (size_t i = 0; i + 8 < n; i++) {
        bool wide = d[i] == 'h' && d[i + 1] == 0 && d[i + 2] == 't';
        bool narrow = d[i] == 'h' && d[i + 1] == 't' && d[i + 2] == 't' && d[i + 3] == 'p';
        if (!wide && !narrow)
            continue;
        size_t k = 0, j = i;
        while (j < n && k + 1 < sizeof buf && d[j] > 0x20 && d[j] < 0x7F) {
            buf[k++] = (char)d[j];
            j += wide ? 2 : 1;
            if (wide && (j - 1 >= n || d[j - 1] != 0))
                break;
        }
        buf[k] = '\0';
        if (k > 10 && !strncmp(buf, "http", 4)) {
            eg_scan_iocs_from_text(s, obj, buf, k);
            i = j;
        }
    }
}

typedef struct rtf_ud {
    eg_scan *s;
    const eg_object *obj;
} rtf_ud;

static void one_object(void *ud, const uint8_t *d, size_t len, const char *objclass,
                       size_t anomalies)
{
    rtf_ud *u = ud;
    eg_scan *s = u->s;
    const eg_object *obj = u->obj;
    eg_cur c = eg_cur_make(d, len);
    eg_cur_u32le(&c); /* OLEVersion */
    uint32_t fmt = eg_cur_u32le(&c);
    char cls[128] = "", topic[256] = "", item[256] = "";
    bool ok = (fmt == 1 || fmt == 2) && lp_string(&c, cls, sizeof cls) &&
              lp_string(&c, topic, sizeof topic) && lp_string(&c, item, sizeof item);
    uint32_t dl = ok && fmt == 2 ? eg_cur_u32le(&c) : 0;
    const uint8_t *data = ok && fmt == 2 ? eg_cur_take(&c, dl) : NULL;
    if (ok && fmt == 2 && !data) { /* declared longer than present: what is there */
        size_t left = len - (c.off <= len ? c.off : len);
        if (left)
            data = d + c.off, dl = (uint32_t)left;
    }
    const char *shown = cls[0] ? cls : objclass;
    eg_scan_finding(s, obj, EG_R_RTF_OBJECT, "class \"%s\", %zu bytes%s", shown[0] ? shown : "?",
                    len, fmt == 1 ? " (linked)" : "");
    if (anomalies)
        eg_scan_finding(s, obj, EG_R_RTF_OBFUSCATED,
                        "%zu control words, groups or stray characters inside \\objdata",
                        anomalies);
    if (exploit_class(cls) || exploit_class(objclass)) {
        eg_scan_finding(s, obj, EG_R_RTF_EXPLOIT_CLASS, "class \"%s\"", shown);
        link_urls(s, obj, d, len);
    }
    if (fmt == 1 && topic[0]) {
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT, "linked object \"%s\" \"%s\"", topic,
                        item);
        eg_scan_iocs_from_text(s, obj, topic, strlen(topic));
    }
    if (data && !strcasecmp(cls, "Package")) {
        /* the packager's native data: the Ole10Native layout without its leading size */
        uint8_t *tmp = malloc((size_t)dl + 4);
        if (tmp) {
            tmp[0] = (uint8_t)dl, tmp[1] = (uint8_t)(dl >> 8), tmp[2] = (uint8_t)(dl >> 16),
            tmp[3] = (uint8_t)(dl >> 24);
            memcpy(tmp + 4, data, dl);
            /* the scan copies a borrowed child's bytes, so tmp may go */
            eg_office_ole10native(s, obj, tmp, (size_t)dl + 4, "RTF Package object");
            free(tmp);
            return;
        }
    }
    eg_child ch = {.name = shown[0] ? shown : "objdata",
                   .data = data ? data : d,
                   .size = data ? dl : len,
                   .detail = data ? "RTF embedded object (native data)" : "RTF objdata"};
    eg_scan_add_child(s, obj, &ch, NULL);
}

eg_status eg_office_analyze_rtf(eg_scan *s, const eg_object *obj)
{
    uint64_t budget = eg_scan_budget(s);
    size_t cap = (size_t)obj->size / 2 + 1;
    if (cap > budget)
        cap = (size_t)budget;
    rtf_ud u = {s, obj};
    eg_rtf_stats st = {0};
    eg_status r = eg_rtf_objects(obj->data, (size_t)obj->size, cap, one_object, &u, &st);
    if (r != EG_OK)
        return r;
    if (st.too_many)
        eg_scan_finding(s, obj, EG_R_LIMIT_OBJECTS, "more than %d RTF objects", MAX_OBJECTS);
    if (st.max_depth > MAX_GROUP_DEPTH || st.dest_overflow)
        eg_scan_finding(s, obj, EG_R_LIMIT_DEPTH, "RTF groups nested %zu deep", st.max_depth);
    eg_office_lure_findings(s, obj, obj->data, (size_t)obj->size);
    return EG_OK;
}

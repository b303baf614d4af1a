/*
 * OOXML packages (.docx .docm .xlsx .xlsm .xlsb .pptm ...) read through the project's ZIP reader:
 * macro-enabled content types (and a macro-enabled package disguised by a macro-free extension),
 * vbaProject.bin handed on as EG_T_VBA_PROJECT, Excel 4.0 macro sheets in XML (.xlsm) and BIFF12
 * (.xlsb) turned into one EG_T_XLM text with the sheet states and defined names, external
 * relationships (remote templates, linked OLE objects, frames), DDE fields and links, embedded
 * objects, lure text in the document's strings, and worksheet text hidden by white or tiny fonts
 * or in hidden rows and columns.
 *
 * Parts are inflated with the scan's byte budget; XML is read with expat (which refuses entity
 * amplification).
 */
#include "office/office_int.h"
#include "office/xlm_int.h"

#include "archive/zip.h"
#include "core/strutil.h"
#include "payload/cmdline.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PART (64u << 20)
#define MAX_SHEETS 1024

typedef struct wb_sheet {
    char name[256];
    char rid[64];
    char target[512];
    int state; /* 0 visible, 1 hidden, 2 veryHidden */
    bool macro;
} wb_sheet;

typedef struct ox_ctx {
    eg_scan *s;
    const eg_object *obj;
    eg_zip *z;
    bool macro_ct, vba, macrosheet, xlsb_main;
    char ev_ct[200];
    wb_sheet *sheets;
    size_t nsheets;
    eg_buf xlm;
    eg_xlm_names names;
    unsigned xflags;
    /* word/document.xml's text and the objects that may hold a VBA project: the project's
     * ActiveDocument.Content reads that text (macros rebuild commands from the document) */
    char *doc_text;
    size_t doc_len;
    uint32_t project_ids[8];
    size_t n_projects;
} ox_ctx;

#define MAX_DOC_TEXT (1u << 20)

static void note_project(ox_ctx *c, uint32_t id)
{
    if (c->n_projects < sizeof c->project_ids / sizeof *c->project_ids)
        c->project_ids[c->n_projects++] = id;
}

static eg_status read_part(ox_ctx *c, size_t idx, uint8_t **out, size_t *len)
{
    uint64_t budget = eg_scan_budget(c->s);
    eg_zip_extract_opts o = {.max_out = budget < MAX_PART ? budget : MAX_PART,
                             .collapse_zero_runs = true};
    eg_zip_extract_result r;
    memset(&r, 0, sizeof r);
    if (!o.max_out) {
        eg_scan_charge(c->s, c->obj, 1);
        return EG_ELIMIT;
    }
    *out = NULL;
    *len = 0;
    eg_status st = eg_zip_extract(c->z, idx, &o, out, len, &r);
    if (st == EG_OK || st == EG_ELIMIT) {
        if (eg_scan_charge(c->s, c->obj, *len) != EG_OK) {
            free(*out);
            *out = NULL;
            return EG_ELIMIT;
        }
        if (!*out) { /* empty part */
            *out = calloc(1, 1);
            *len = 0;
            if (!*out)
                return EG_ENOMEM;
        }
        return EG_OK;
    }
    /* a corrupt part may still come with the bytes inflated so far: not used, so freed */
    free(*out);
    *out = NULL;
    return st;
}

static eg_status read_named(ox_ctx *c, const char *name, uint8_t **out, size_t *len)
{
    size_t idx;
    *out = NULL;
    if (eg_zip_find(c->z, name, &idx) != EG_OK)
        return EG_ENOTFOUND;
    return read_part(c, idx, out, len);
}

/* Runs expat over a part; handlers get ud. */
static bool xml_parse(const uint8_t *d, size_t len, void *ud, XML_StartElementHandler st,
                      XML_EndElementHandler en, XML_CharacterDataHandler tx)
{
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p)
        return false;
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, st, en);
    if (tx)
        XML_SetCharacterDataHandler(p, tx);
    bool ok = true;
    size_t off = 0;
    do {
        size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
        if (XML_Parse(p, (const char *)d + off, (int)n, off + n == len) == XML_STATUS_ERROR) {
            ok = false;
            break;
        }
        off += n;
    } while (off < len);
    XML_ParserFree(p);
    return ok;
}

static const char *local_name(const char *n)
{
    const char *l = strrchr(n, ':');
    return l ? l + 1 : n;
}

static const char *attr(const XML_Char **at, const char *name)
{
    for (size_t i = 0; at[i] && at[i + 1]; i++, i++)
        if (!strcmp(local_name(at[i]), name))
            return at[i + 1];
    return NULL;
}

/* ---------------- relationships ---------------- */

typedef struct rels_ud {
    ox_ctx *c;
    const char *part;
    bool workbook;
} rels_ud;

static void resolve_target(const char *target, char *out, size_t n)
{
    if (target[0] == '/')
        snprintf(out, n, "%s", target + 1);
    else
        snprintf(out, n, "xl/%s", target);
}

/* A target Word or Excel would fetch from another machine: a URL, a UNC path or a file: URL
 * naming a host. A local path (C:\..., file:///C:/...) is not remote. */
static bool remote_target(const char *t)
{
    while (*t == ' ')
        t++;
    if (eg_has_prefix_ci(t, "http://") || eg_has_prefix_ci(t, "https://") ||
        eg_has_prefix_ci(t, "ftp://") || eg_has_prefix_ci(t, "\\\\") || eg_has_prefix_ci(t, "//"))
        return true;
    if (eg_has_prefix_ci(t, "file:")) {
        const char *p = t + 5;
        size_t slashes = 0;
        while (p[slashes] == '/' || p[slashes] == '\\')
            slashes++;
        p += slashes;
        /* file:///C:/x and file:C:\x are local; file://host/x and file:////host/x are not */
        bool drive = ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && (p[1] == ':' || p[1] == '|');
        return !drive && slashes >= 2;
    }
    return false;
}

static bool web_scheme(const char *t)
{
    while (*t == ' ')
        t++;
    return eg_has_prefix_ci(t, "http://") || eg_has_prefix_ci(t, "https://") ||
           eg_has_prefix_ci(t, "ftp://");
}

/* A document, template or script type that Office or Windows would open and run when fetched:
 * the extension of the target's path (before any query). */
static bool fetched_runs(const char *t)
{
    static const char *const ext[] = {"dot", "dotm", "dotx", "doc",  "docm", "rtf", "hta",
                                      "sct", "wsc",  "xls",  "xlsm", "xlam", "xlt", "xltm",
                                      "ppt", "pptm", "potm", "html", "htm",  "mht"};
    char path[512];
    snprintf(path, sizeof path, "%s", t);
    path[strcspn(path, "?#")] = '\0';
    const char *e = eg_path_ext(path);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (!strcasecmp(e, ext[i]))
            return true;
    return false;
}

/* An external relationship: a remote template, a frame or linked object that loads a document
 * or script (the fetched file is the attack), other linked objects, and cross-workbook links. */
static void external_rel(ox_ctx *c, const char *part, const char *t, const char *target)
{
    bool remote = remote_target(target);
    if (!strcmp(t, "attachedTemplate")) {
        if (remote)
            eg_scan_finding(c->s, c->obj, EG_R_OOXML_REMOTE_TEMPLATE, "\"%s\": template \"%s\"",
                            part, target);
        return;
    }
    if (!strcmp(t, "externalLinkPath") || !strcmp(t, "externalLink")) {
        /* a formula referring to another workbook on a drive or share is ordinary; one on a web
         * server is fetched when the book opens (DDE links are found in the link part itself) */
        if (web_scheme(target))
            eg_scan_finding(c->s, c->obj, EG_R_OOXML_EXTERNAL_OBJECT, "\"%s\": %s -> \"%s\"", part,
                            t, target);
        return;
    }
    if (!strcmp(t, "oleObject") || !strcmp(t, "frame") || !strcmp(t, "subDocument") ||
        !strcmp(t, "package")) {
        if (remote && fetched_runs(target))
            eg_scan_finding(c->s, c->obj, EG_R_OOXML_REMOTE_TEMPLATE, "\"%s\": %s loads \"%s\"",
                            part, t, target);
        else
            eg_scan_finding(c->s, c->obj, EG_R_OOXML_EXTERNAL_OBJECT, "\"%s\": %s -> \"%s\"", part,
                            t, target);
    }
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    rels_ud *r = ud;
    ox_ctx *c = r->c;
    if (strcmp(local_name(name), "Relationship"))
        return;
    const char *type = attr(at, "Type"), *target = attr(at, "Target"),
               *mode = attr(at, "TargetMode");
    const char *id = attr(at, "Id");
    if (!type || !target)
        return;
    const char *t = strrchr(type, '/');
    t = t ? t + 1 : type;
    if (mode && !strcasecmp(mode, "External")) {
        eg_scan_iocs_from_text(c->s, c->obj, target, strlen(target));
        external_rel(c, r->part, t, target);
        return;
    }
    if (r->workbook && id) {
        for (size_t i = 0; i < c->nsheets; i++)
            if (!strcmp(c->sheets[i].rid, id)) {
                resolve_target(target, c->sheets[i].target, sizeof c->sheets[i].target);
                if (!strcmp(t, "xlMacrosheet") || !strcmp(t, "xlIntlMacrosheet") ||
                    strstr(target, "macrosheets/"))
                    c->sheets[i].macro = true;
            }
    }
}

static void do_rels(ox_ctx *c, size_t idx, const char *name, bool workbook)
{
    uint8_t *d;
    size_t len;
    if (read_part(c, idx, &d, &len) != EG_OK)
        return;
    rels_ud r = {c, name, workbook};
    xml_parse(d, len, &r, rels_start, NULL, NULL);
    free(d);
}

/* ---------------- workbook.xml ---------------- */

typedef struct wb_ud {
    ox_ctx *c;
    bool in_name;
    char name[256];
    bool hidden;
    eg_buf text;
} wb_ud;

static int state_of(const char *s)
{
    if (!s)
        return 0;
    if (!strcmp(s, "veryHidden"))
        return 2;
    if (!strcmp(s, "hidden"))
        return 1;
    return 0;
}

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    wb_ud *w = ud;
    ox_ctx *c = w->c;
    const char *l = local_name(name);
    if (!strcmp(l, "sheet") && c->nsheets < MAX_SHEETS) {
        wb_sheet *sh = &c->sheets[c->nsheets++];
        memset(sh, 0, sizeof *sh);
        const char *n = attr(at, "name"), *id = attr(at, "id");
        snprintf(sh->name, sizeof sh->name, "%s", n ? n : "?");
        snprintf(sh->rid, sizeof sh->rid, "%s", id ? id : "");
        sh->state = state_of(attr(at, "state"));
    } else if (!strcmp(l, "definedName")) {
        const char *n = attr(at, "name"), *h = attr(at, "hidden");
        w->in_name = true;
        snprintf(w->name, sizeof w->name, "%s", n ? n : "");
        w->hidden = h && (!strcmp(h, "1") || !strcmp(h, "true"));
        w->text.len = 0;
    }
}

static void XMLCALL wb_text(void *ud, const XML_Char *s, int n)
{
    wb_ud *w = ud;
    if (w->in_name && n > 0)
        eg_buf_append(&w->text, s, (size_t)n);
}

static void XMLCALL wb_end(void *ud, const XML_Char *name)
{
    wb_ud *w = ud;
    ox_ctx *c = w->c;
    if (strcmp(local_name(name), "definedName") || !w->in_name)
        return;
    w->in_name = false;
    eg_xlm_names_add(&c->names, w->name);
    if (eg_memmem_ci(w->name, strlen(w->name), "auto_open", 9))
        c->xflags |= EG_XLM_F_AUTO_OPEN;
    eg_buf_puts(&c->xlm, "' name \"");
    eg_xlm_put_flat(&c->xlm, w->name, strlen(w->name));
    eg_buf_printf(&c->xlm, "\"%s = ", w->hidden ? " hidden" : "");
    eg_xlm_put_flat(&c->xlm, w->text.data ? (const char *)w->text.data : "", w->text.len);
    eg_buf_putc(&c->xlm, '\n');
}

static void do_workbook_xml(ox_ctx *c, const uint8_t *d, size_t len)
{
    wb_ud w = {.c = c};
    eg_office_buf_init(&w.text, 1 << 16);
    xml_parse(d, len, &w, wb_start, wb_end, wb_text);
    eg_buf_free(&w.text);
}

/* ---------------- workbook.bin (BIFF12) ---------------- */

static void do_workbook_bin(ox_ctx *c, const uint8_t *d, size_t len)
{
    eg_cur cur = eg_cur_make(d, len);
    unsigned records = 0;
    while (eg_cur_left(&cur) > 0 && ++records < 1000000) {
        uint32_t id, size;
        if (!eg_b12_record(&cur, &id, &size))
            break;
        const uint8_t *p = eg_cur_take(&cur, size);
        if (!p)
            break;
        eg_cur rc = eg_cur_make(p, size);
        if (id == 0x9C && c->nsheets < MAX_SHEETS) { /* BrtBundleSh */
            wb_sheet *sh = &c->sheets[c->nsheets];
            memset(sh, 0, sizeof *sh);
            sh->state = (int)(eg_cur_u32le(&rc) & 3);
            eg_cur_u32le(&rc);
            eg_buf rid, nm;
            eg_office_buf_init(&rid, sizeof sh->rid - 1);
            eg_office_buf_init(&nm, sizeof sh->name - 1);
            eg_b12_wstr(&rc, &rid);
            eg_b12_wstr(&rc, &nm);
            snprintf(sh->rid, sizeof sh->rid, "%s", rid.data ? (char *)rid.data : "");
            snprintf(sh->name, sizeof sh->name, "%s", nm.data ? (char *)nm.data : "?");
            eg_buf_free(&rid);
            eg_buf_free(&nm);
            c->nsheets++;
        } else if (id == 0x16A &&
                   !c->names.xti) { /* BrtExternSheet: ixti -> sheet for 3-D references */
            uint32_t n = eg_cur_u32le(&rc);
            if (n && n <= 4096 && (c->names.xti = calloc(n, sizeof *c->names.xti))) {
                c->names.n_xti = n;
                for (uint32_t i = 0; i < n && !rc.err; i++) {
                    eg_cur_u32le(&rc);
                    uint32_t first = eg_cur_u32le(&rc);
                    eg_cur_u32le(&rc);
                    if (!rc.err && first < c->nsheets)
                        c->names.xti[i] = c->sheets[first].name;
                }
            }
        } else if (id == 0x27) { /* BrtName */
            uint32_t fl = eg_cur_u32le(&rc);
            eg_cur_u8(&rc);
            eg_cur_u32le(&rc);
            eg_buf nm;
            eg_office_buf_init(&nm, 255);
            eg_b12_wstr(&rc, &nm);
            const char *name = nm.data ? (char *)nm.data : "";
            eg_xlm_names_add(&c->names, name);
            if (eg_memmem_ci(name, strlen(name), "auto_open", 9))
                c->xflags |= EG_XLM_F_AUTO_OPEN;
            eg_buf_puts(&c->xlm, "' name \"");
            eg_xlm_put_flat(&c->xlm, name, strlen(name));
            eg_buf_printf(&c->xlm, "\"%s%s = ", (fl & 0x20) ? " builtin" : "",
                          (fl & 1) ? " hidden" : "");
            uint32_t cce = eg_cur_u32le(&rc);
            const uint8_t *f = eg_cur_take(&rc, cce);
            if (f)
                eg_xlm_decode_ctx(f, cce, true, &c->names, &c->xlm);
            eg_buf_putc(&c->xlm, '\n');
            eg_buf_free(&nm);
        }
    }
}

/* ---------------- shared strings (constants of macro sheets) ---------------- */

typedef struct sst_ud {
    eg_xlm_sst *t;
    bool in_si, in_t, in_rph;
    eg_buf cur;
} sst_ud;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    sst_ud *u = ud;
    const char *l = local_name(name);
    (void)at;
    if (!strcmp(l, "si")) {
        u->in_si = true;
        u->cur.len = 0;
    } else if (!strcmp(l, "rPh"))
        u->in_rph = true;
    else if (!strcmp(l, "t") && u->in_si && !u->in_rph)
        u->in_t = true;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    sst_ud *u = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "t"))
        u->in_t = false;
    else if (!strcmp(l, "rPh"))
        u->in_rph = false;
    else if (!strcmp(l, "si") && u->in_si) {
        u->in_si = false;
        eg_xlm_sst_add(u->t, u->cur.data ? (const char *)u->cur.data : "", u->cur.len);
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int n)
{
    sst_ud *u = ud;
    if (u->in_t && n > 0)
        eg_buf_append(&u->cur, s, (size_t)n);
}

static void load_shared_strings(ox_ctx *c)
{
    uint8_t *d;
    size_t len;
    if (read_named(c, "xl/sharedStrings.xml", &d, &len) == EG_OK) {
        sst_ud u = {.t = &c->names.sst};
        eg_office_buf_init(&u.cur, 1u << 17);
        xml_parse(d, len, &u, sst_start, sst_end, sst_text);
        eg_buf_free(&u.cur);
        free(d);
    } else if (read_named(c, "xl/sharedStrings.bin", &d, &len) == EG_OK) {
        eg_cur cur = eg_cur_make(d, len);
        unsigned records = 0;
        eg_buf t;
        eg_office_buf_init(&t, 1u << 17);
        while (eg_cur_left(&cur) > 0 && ++records < 2000000 && !eg_scan_timed_out(c->s, c->obj)) {
            uint32_t id, size;
            if (!eg_b12_record(&cur, &id, &size))
                break;
            const uint8_t *p = eg_cur_take(&cur, size);
            if (!p)
                break;
            if (id != 0x13) /* BrtSSTItem: RichStr = flags, XLWideString, ... */
                continue;
            eg_cur rc = eg_cur_make(p, size);
            eg_cur_u8(&rc);
            t.len = 0;
            eg_b12_wstr(&rc, &t);
            if (!eg_xlm_sst_add(&c->names.sst, t.data ? (const char *)t.data : "", t.len))
                break;
        }
        eg_buf_free(&t);
        free(d);
    }
}

/* ---------------- macro sheets ---------------- */

static void do_sheets(ox_ctx *c)
{
    for (size_t i = 0; i < c->nsheets; i++) {
        wb_sheet *sh = &c->sheets[i];
        if (!sh->macro) {
            if (sh->state)
                eg_scan_finding(c->s, c->obj, EG_R_OFFICE_HIDDEN_SHEET, "sheet \"%s\" (%s)",
                                sh->name, sh->state == 2 ? "veryHidden" : "hidden");
            continue;
        }
        c->macrosheet = true;
        eg_buf_puts(&c->xlm, "' sheet \"");
        eg_xlm_put_flat(&c->xlm, sh->name, strlen(sh->name));
        eg_buf_printf(&c->xlm, "\" type=macro state=%s\n",
                      sh->state == 2 ? "veryHidden"
                      : sh->state    ? "hidden"
                                     : "visible");
    }
    for (size_t i = 0; i < c->nsheets && !eg_scan_timed_out(c->s, c->obj); i++) {
        wb_sheet *sh = &c->sheets[i];
        if (!sh->macro || !sh->target[0])
            continue;
        uint8_t *d;
        size_t len;
        if (read_named(c, sh->target, &d, &len) != EG_OK)
            continue;
        if (eg_has_suffix_ci(sh->target, ".bin"))
            eg_biff12_sheet_read_ctx(d, len, sh->name, &c->names, &c->xlm, &c->xflags);
        else
            eg_xlm_xml_sheet_read_ctx(d, len, sh->name, &c->names, &c->xlm, &c->xflags);
        free(d);
    }
    /* next to a macro sheet, the constants of the worksheets, which the macro may read */
    size_t done = 0;
    for (size_t i = 0;
         c->macrosheet && i < c->nsheets && done < 64 && !eg_scan_timed_out(c->s, c->obj); i++) {
        wb_sheet *sh = &c->sheets[i];
        uint8_t *d;
        size_t len;
        if (sh->macro || !sh->target[0] || read_named(c, sh->target, &d, &len) != EG_OK)
            continue;
        done++;
        if (eg_has_suffix_ci(sh->target, ".bin"))
            eg_biff12_sheet_consts(d, len, sh->name, &c->names, &c->xlm);
        else
            eg_xlm_xml_sheet_consts(d, len, sh->name, &c->names, &c->xlm);
        free(d);
    }
}

/* Macro sheets that no workbook relationship names (a damaged or hand-made package). */
static void orphan_macrosheet(ox_ctx *c, size_t idx, const char *name)
{
    for (size_t i = 0; i < c->nsheets; i++)
        if (!strcasecmp(c->sheets[i].target, name))
            return;
    uint8_t *d;
    size_t len;
    if (read_part(c, idx, &d, &len) != EG_OK)
        return;
    c->macrosheet = true;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    eg_buf_printf(&c->xlm, "' sheet \"%s\" type=macro state=unknown\n", base);
    if (eg_has_suffix_ci(name, ".bin"))
        eg_biff12_sheet_read_ctx(d, len, base, &c->names, &c->xlm, &c->xflags);
    else
        eg_xlm_xml_sheet_read_ctx(d, len, base, &c->names, &c->xlm, &c->xflags);
    free(d);
}

/* ---------------- document text: DDE and lures ---------------- */

/* Visible text of an XML part (tags dropped), for lure phrases split over runs. */
static char *strip_tags(const uint8_t *d, size_t len, size_t *outlen)
{
    char *o = malloc(len + 1);
    if (!o)
        return NULL;
    size_t n = 0;
    bool tag = false;
    for (size_t i = 0; i < len; i++) {
        if (d[i] == '<')
            tag = true;
        else if (d[i] == '>')
            tag = false;
        else if (!tag)
            o[n++] = (char)d[i];
    }
    o[n] = '\0';
    *outlen = n;
    return o;
}

static void check_dde(ox_ctx *c, const char *part, const uint8_t *d, size_t len)
{
    const char *t = (const char *)d;
    const char *dl = memmem(t, len, "<ddeLink", 8);
    if (dl) {
        /* ddeService="cmd" ddeTopic="/c ...": shown as service|topic */
        char ev[600] = "";
        const char *end = memchr(dl, '>', len - (size_t)(dl - t));
        size_t n = end ? (size_t)(end - dl) : len - (size_t)(dl - t);
        const char *sv = eg_memmem_ci(dl, n, "ddeService=\"", 12),
                   *tp = eg_memmem_ci(dl, n, "ddeTopic=\"", 10);
        if (sv && tp) {
            sv += 12, tp += 10;
            const char *se = memchr(sv, '"', n - (size_t)(sv - dl)),
                       *te = memchr(tp, '"', n - (size_t)(tp - dl));
            if (se && te)
                snprintf(ev, sizeof ev, "%.*s|%.*s", (int)(se - sv > 200 ? 200 : se - sv), sv,
                         (int)(te - tp > 300 ? 300 : te - tp), tp);
        }
        eg_scan_finding(c->s, c->obj, EG_R_OOXML_DDE, "\"%s\": DDE link \"%s\"", part, ev);
        if (ev[0] && eg_office_dde_runs(ev, strlen(ev)))
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DDE_EXEC, "\"%s\": \"%s\"", part, ev);
        return;
    }
    const char *p = t;
    while ((p = memmem(p, (size_t)(t + len - p), "DDE", 3))) {
        const char *q = p;
        while (q > t && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        bool start = q > t && (q[-1] == '>' || q[-1] == '"');
        bool end = p + 3 < t + len && (p[3] == ' ' || !strncmp(p + 3, "AUTO", 4));
        if (start && end) {
            size_t n = (size_t)(t + len - p);
            const char *lt = memchr(p, '<', n);
            const char *qt = memchr(p, '"', n);
            const char *e = lt && (!qt || lt < qt) ? lt : qt ? qt : t + len;
            eg_scan_finding(c->s, c->obj, EG_R_OOXML_DDE, "\"%s\": \"%.*s\"", part,
                            (int)(e - p > 200 ? 200 : e - p), p);
            if (eg_office_dde_runs(p, (size_t)(e - p)))
                eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DDE_EXEC, "\"%s\": \"%.*s\"", part,
                                (int)(e - p > 200 ? 200 : e - p), p);
            if (eg_office_looks_like_cmd(p, (size_t)(e - p)))
                eg_cmdline_analyze(c->s, c->obj, p, (size_t)(e - p), "DDE field");
            return;
        }
        p += 3;
    }
}

/* Word runs whose text a reader does not see: white colour, the hidden (vanish) attribute, or a
 * font under 2 points. Their text is collected; lure phrases are searched in all text anyway. */
typedef struct hidden_ud {
    bool in_rpr, hidden, in_t;
    eg_buf text;
} hidden_ud;

static void XMLCALL hid_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    hidden_ud *h = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "r"))
        h->hidden = false;
    else if (!strcmp(l, "rPr"))
        h->in_rpr = true;
    else if (h->in_rpr && !strcmp(l, "vanish")) {
        const char *v = attr(at, "val");
        h->hidden = !v || strcmp(v, "0") != 0;
    } else if (h->in_rpr && !strcmp(l, "color")) {
        const char *v = attr(at, "val");
        if (v && !strcasecmp(v, "FFFFFF"))
            h->hidden = true;
    } else if (h->in_rpr && !strcmp(l, "sz")) {
        const char *v = attr(at, "val");
        if (v && atoi(v) > 0 && atoi(v) < 4) /* half-points */
            h->hidden = true;
    } else if (!strcmp(l, "t"))
        h->in_t = true;
}

static void XMLCALL hid_end(void *ud, const XML_Char *name)
{
    hidden_ud *h = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "rPr"))
        h->in_rpr = false;
    else if (!strcmp(l, "t"))
        h->in_t = false;
}

static void XMLCALL hid_text(void *ud, const XML_Char *s, int n)
{
    hidden_ud *h = ud;
    if (h->in_t && h->hidden && n > 0)
        eg_buf_append(&h->text, s, (size_t)n);
}

static void check_hidden_text(ox_ctx *c, const char *part, const uint8_t *d, size_t len)
{
    hidden_ud h = {0};
    eg_office_buf_init(&h.text, 1u << 20);
    xml_parse(d, len, &h, hid_start, hid_end, hid_text);
    if (h.text.len >= 200)
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_HIDDEN_TEXT,
                        "\"%s\": %zu bytes of hidden text: \"%.100s\"", part, h.text.len,
                        (const char *)h.text.data);
    eg_buf_free(&h.text);
}

/* ---- Excel: cell text a reader does not see ----
 * A cell style (xl/styles.xml cellXfs) whose font is white (rgb FFFFFF, theme 0, palette 1/9) on a
 * cell without a coloured fill, or under 3 points, hides the cell's text; so do hidden rows and
 * columns of a worksheet. The text of such cells is collected per workbook. */

#define XL_MAX_STYLES 65536
#define XL_MAX_FONTS 4096
#define XL_MAX_HIDDEN_COLS 256

typedef struct xl_styles {
    uint8_t font_hidden[XL_MAX_FONTS]; /* 1 white, 2 tiny */
    uint8_t fill_colored[XL_MAX_FONTS];
    size_t nfonts, nfills;
    uint8_t *xf; /* per cellXfs entry: 0 visible, 1 white, 2 tiny */
    size_t nxf;
    int in; /* 1 fonts, 2 fills, 3 cellXfs */
    bool in_font;
} xl_styles;

static bool white_color(const XML_Char **at)
{
    const char *rgb = attr(at, "rgb"), *theme = attr(at, "theme"), *ix = attr(at, "indexed");
    if (rgb) {
        size_t n = strlen(rgb);
        return n >= 6 && !strcasecmp(rgb + n - 6, "FFFFFF");
    }
    if (theme)
        return !strcmp(theme, "0");
    if (ix)
        return !strcmp(ix, "1") || !strcmp(ix, "9");
    return false;
}

static void XMLCALL sty_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    xl_styles *y = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "fonts"))
        y->in = 1;
    else if (!strcmp(l, "fills"))
        y->in = 2;
    else if (!strcmp(l, "cellXfs"))
        y->in = 3;
    else if (y->in == 1 && !strcmp(l, "font") && y->nfonts < XL_MAX_FONTS) {
        y->font_hidden[y->nfonts++] = 0;
        y->in_font = true;
    } else if (y->in == 1 && y->in_font && y->nfonts) {
        if (!strcmp(l, "color") && white_color(at))
            y->font_hidden[y->nfonts - 1] |= 1;
        else if (!strcmp(l, "sz")) {
            const char *v = attr(at, "val");
            if (v && atof(v) > 0 && atof(v) < 3)
                y->font_hidden[y->nfonts - 1] |= 2;
        }
    } else if (y->in == 2 && !strcmp(l, "fill") && y->nfills < XL_MAX_FONTS)
        y->fill_colored[y->nfills++] = 0;
    else if (y->in == 2 && y->nfills && !strcmp(l, "patternFill")) {
        const char *t = attr(at, "patternType");
        if (t && strcmp(t, "none") && strcmp(t, "gray125"))
            y->fill_colored[y->nfills - 1] = 1; /* until its colour says white */
    } else if (y->in == 2 && y->nfills && !strcmp(l, "fgColor") && white_color(at))
        y->fill_colored[y->nfills - 1] = 0;
    else if (y->in == 2 && y->nfills && !strcmp(l, "gradientFill"))
        y->fill_colored[y->nfills - 1] = 1;
    else if (y->in == 3 && !strcmp(l, "xf") && y->nxf < XL_MAX_STYLES) {
        const char *f = attr(at, "fontId"), *fl = attr(at, "fillId");
        size_t font = f ? strtoul(f, NULL, 10) : 0, fill = fl ? strtoul(fl, NULL, 10) : 0;
        uint8_t h = font < y->nfonts ? y->font_hidden[font] : 0;
        if ((h & 1) && fill < y->nfills && y->fill_colored[fill])
            h &= (uint8_t)~1u; /* white on a coloured fill is readable */
        y->xf[y->nxf++] = h;
    }
}

static void XMLCALL sty_end(void *ud, const XML_Char *name)
{
    xl_styles *y = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "fonts") || !strcmp(l, "fills") || !strcmp(l, "cellXfs"))
        y->in = 0;
    else if (!strcmp(l, "font"))
        y->in_font = false;
}

typedef struct xl_sheet {
    const xl_styles *y;
    const eg_xlm_sst *sst;
    eg_buf *styled, *layout; /* text hidden by its style / by a hidden row or column */
    uint32_t hcol_min[XL_MAX_HIDDEN_COLS], hcol_max[XL_MAX_HIDDEN_COLS];
    size_t nhcols;
    bool row_hidden, in_v, in_is, in_t, in_rph;
    uint8_t style;
    bool col_hidden;
    char type[16];
    eg_buf v;
} xl_sheet;

static void XMLCALL xs2_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    xl_sheet *x = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "row")) {
        const char *h = attr(at, "hidden");
        x->row_hidden = h && (!strcmp(h, "1") || !strcmp(h, "true"));
    } else if (!strcmp(l, "col") && x->nhcols < XL_MAX_HIDDEN_COLS) {
        const char *h = attr(at, "hidden"), *mn = attr(at, "min"), *mx = attr(at, "max");
        if (h && (!strcmp(h, "1") || !strcmp(h, "true")) && mn && mx) {
            x->hcol_min[x->nhcols] = (uint32_t)strtoul(mn, NULL, 10);
            x->hcol_max[x->nhcols++] = (uint32_t)strtoul(mx, NULL, 10);
        }
    } else if (!strcmp(l, "c")) {
        const char *sa = attr(at, "s"), *t = attr(at, "t"), *r = attr(at, "r");
        size_t si = sa ? strtoul(sa, NULL, 10) : 0;
        x->style = si < x->y->nxf ? x->y->xf[si] : 0;
        snprintf(x->type, sizeof x->type, "%s", t ? t : "");
        x->col_hidden = false;
        unsigned row, col;
        if (r && x->nhcols && eg_xlm_a1(r, &row, &col))
            for (size_t i = 0; i < x->nhcols; i++)
                x->col_hidden |= col + 1 >= x->hcol_min[i] && col + 1 <= x->hcol_max[i];
        x->v.len = 0;
    } else if (!strcmp(l, "v"))
        x->in_v = true;
    else if (!strcmp(l, "is"))
        x->in_is = true;
    else if (!strcmp(l, "rPh"))
        x->in_rph = true;
    else if (!strcmp(l, "t") && x->in_is)
        x->in_t = true;
}

static void XMLCALL xs2_text(void *ud, const XML_Char *s, int n)
{
    xl_sheet *x = ud;
    if (n > 0 && (x->in_v || (x->in_t && !x->in_rph)))
        eg_buf_append(&x->v, s, (size_t)n);
}

static void XMLCALL xs2_end(void *ud, const XML_Char *name)
{
    xl_sheet *x = ud;
    const char *l = local_name(name);
    if (!strcmp(l, "v"))
        x->in_v = false;
    else if (!strcmp(l, "is"))
        x->in_is = false;
    else if (!strcmp(l, "rPh"))
        x->in_rph = false;
    else if (!strcmp(l, "t"))
        x->in_t = false;
    else if (!strcmp(l, "row"))
        x->row_hidden = false;
    else if (!strcmp(l, "c") && x->v.len && (x->style || x->row_hidden || x->col_hidden)) {
        const char *text = (const char *)x->v.data;
        size_t n = x->v.len;
        if (!strcmp(x->type, "s")) {
            char *e;
            unsigned long i = strtoul(text, &e, 10);
            text = e != text ? eg_xlm_sst_get(x->sst, i, &n) : NULL;
        } else if (strcmp(x->type, "inlineStr") && strcmp(x->type, "str"))
            text = NULL; /* numbers and booleans hide nothing worth reading */
        if (text && n) {
            eg_buf *b = x->style ? x->styled : x->layout;
            eg_buf_append(b, text, n);
            eg_buf_putc(b, '\n');
        }
    }
}

static void excel_hidden_text(ox_ctx *c)
{
    xl_styles *y = calloc(1, sizeof *y);
    if (!y || !(y->xf = calloc(XL_MAX_STYLES, 1))) {
        free(y);
        return;
    }
    uint8_t *d;
    size_t len;
    if (read_named(c, "xl/styles.xml", &d, &len) == EG_OK) {
        xml_parse(d, len, y, sty_start, sty_end, NULL);
        free(d);
    }
    if (!c->names.sst.n)
        load_shared_strings(c);
    eg_buf styled, layout;
    eg_office_buf_init(&styled, 1u << 20);
    eg_office_buf_init(&layout, 1u << 20);
    size_t n = eg_zip_count(c->z), sheets = 0;
    for (size_t i = 0; i < n && sheets < 64 && !eg_scan_timed_out(c->s, c->obj); i++) {
        const eg_zip_entry *e = eg_zip_entry_at(c->z, i);
        if (!e->name || !eg_has_prefix_ci(e->name, "xl/worksheets/") ||
            !eg_has_suffix_ci(e->name, ".xml") || strchr(e->name + 14, '/'))
            continue;
        if (read_part(c, i, &d, &len) != EG_OK)
            continue;
        sheets++;
        xl_sheet x = {.y = y, .sst = &c->names.sst, .styled = &styled, .layout = &layout};
        eg_office_buf_init(&x.v, 1u << 17);
        xml_parse(d, len, &x, xs2_start, xs2_end, xs2_text);
        eg_buf_free(&x.v);
        free(d);
    }
    /* white or tiny text in quantity, or any hidden text that lures, runs or links */
    const eg_buf *bufs[2] = {&styled, &layout};
    for (int k = 0; k < 2; k++) {
        const eg_buf *b = bufs[k];
        if (!b->len)
            continue;
        const char *t = (const char *)b->data;
        char ev[128];
        bool lure = eg_office_lure_scan(b->data, b->len, ev, sizeof ev) != 0;
        bool cmd = eg_office_looks_like_cmd(t, b->len);
        bool url = eg_memmem_ci(t, b->len, "http://", 7) || eg_memmem_ci(t, b->len, "https://", 8);
        if ((k == 0 && b->len >= 200) || lure || cmd || url) {
            char ex[104];
            size_t m = b->len < 100 ? b->len : 100;
            for (size_t j = 0; j < m; j++)
                ex[j] = t[j] == '\n' ? ' ' : t[j];
            ex[m] = '\0';
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_HIDDEN_TEXT,
                            "%zu bytes of worksheet text %s: \"%s\"", b->len,
                            k == 0 ? "in white or tiny fonts" : "in hidden rows or columns", ex);
        }
        eg_office_lure_findings(c->s, c->obj, b->data, b->len);
        eg_scan_iocs_from_text(c->s, c->obj, t, b->len);
        for (size_t a = 0; cmd && a < b->len;) { /* one cell per line */
            const char *e = memchr(t + a, '\n', b->len - a);
            size_t ln = e ? (size_t)(e - (t + a)) : b->len - a;
            if (eg_office_looks_like_cmd(t + a, ln))
                eg_cmdline_analyze(c->s, c->obj, t + a, ln, "hidden worksheet text");
            a += ln + 1;
        }
    }
    eg_buf_free(&styled);
    eg_buf_free(&layout);
    free(y->xf);
    free(y);
}

static bool is_text_part(const char *n)
{
    return !strcasecmp(n, "word/document.xml") || !strcasecmp(n, "xl/sharedStrings.xml") ||
           (eg_has_prefix_ci(n, "ppt/slides/slide") && eg_has_suffix_ci(n, ".xml")) ||
           (eg_has_prefix_ci(n, "word/header") && eg_has_suffix_ci(n, ".xml")) ||
           (eg_has_prefix_ci(n, "word/footer") && eg_has_suffix_ci(n, ".xml"));
}

static void text_part(ox_ctx *c, size_t idx, const char *name)
{
    uint8_t *d;
    size_t len;
    if (read_part(c, idx, &d, &len) != EG_OK)
        return;
    if (eg_has_prefix_ci(name, "word/")) {
        check_dde(c, name, d, len);
        check_hidden_text(c, name, d, len);
    }
    size_t tl;
    char *t = strip_tags(d, len, &tl);
    if (t) {
        eg_office_lure_findings(c->s, c->obj, (const uint8_t *)t, tl);
        if (!c->doc_text && !strcasecmp(name, "word/document.xml")) {
            c->doc_text = t;
            c->doc_len = tl < MAX_DOC_TEXT ? tl : MAX_DOC_TEXT;
            t = NULL;
        }
        free(t);
    }
    free(d);
}

static void child_part(ox_ctx *c, size_t idx, const char *name, eg_type type, const char *detail)
{
    uint8_t *d;
    size_t len;
    if (read_part(c, idx, &d, &len) != EG_OK)
        return;
    eg_child ch = {
        .name = name, .data = d, .size = len, .owned = true, .type = type, .detail = detail};
    uint32_t id;
    if (eg_scan_add_child(c->s, c->obj, &ch, &id) == EG_OK && type == EG_T_VBA_PROJECT)
        note_project(c, id);
}

static bool macro_free_ext(const char *name)
{
    static const char *const ext[] = {"docx", "xlsx", "pptx", "dotx", "xltx", "potx", "ppsx"};
    const char *e = eg_path_ext(name ? name : "");
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (!strcasecmp(e, ext[i]))
            return true;
    return false;
}

/* [Content_Types].xml: the package is macro-enabled when the Override of its main part says so
 * (a Default entry for some extension, or a part that is not the main one, does not make it so).
 * The main part of every .xlsb is "sheet.binary.macroEnabled.main" whether or not it has macros,
 * so there only a VBA project counts. */
static void XMLCALL ct_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    ox_ctx *c = ud;
    if (strcmp(local_name(name), "Override"))
        return;
    const char *ct = attr(at, "ContentType"), *pn = attr(at, "PartName");
    if (ct && eg_memmem_ci(ct, strlen(ct), "binary.macroEnabled.main", 24)) {
        c->xlsb_main = true;
        snprintf(c->ev_ct, sizeof c->ev_ct, "\"%.100s\": \"%.90s\"", pn ? pn : "?", ct);
    }
    if (!ct || !eg_memmem_ci(ct, strlen(ct), "macroEnabled", 12) ||
        !eg_has_suffix_ci(ct, ".main+xml"))
        return;
    c->macro_ct = true;
    snprintf(c->ev_ct, sizeof c->ev_ct, "\"%.100s\": \"%.90s\"", pn ? pn : "?", ct);
}

static void content_types(ox_ctx *c, const uint8_t *d, size_t len)
{
    xml_parse(d, len, c, ct_start, NULL, NULL);
}

/* A part no relationship explains may still be a compound file: a VBA project stored as
 * "media/vba1.bin" or "word/foo.dat" is missed by a look-up by name, and Office itself only
 * ignores it while a scanner that trusted the names would call the package clean. Parts of other
 * binary kinds (images, XML) are not opened for this. */
static bool may_hide_ole(const char *name, uint64_t usize)
{
    static const char *const skip[] = {"xml",   "rels",    "png",  "jpg", "jpeg", "gif", "emf",
                                       "wmf",   "tif",     "tiff", "bmp", "svg",  "wdp", "ttf",
                                       "odttf", "fntdata", "mp3",  "mp4", "wav",  "txt"};
    if (usize < 512)
        return false;
    /* parts read elsewhere as what they are (BIFF12 sheets and workbook parts can be large:
     * they are not inflated a second time just to look at their first bytes) */
    static const char *const known[] = {
        "printerSettings",  "xl/worksheets/",   "xl/macrosheets/",  "xl/chartsheets/",
        "xl/dialogsheets/", "binaryIndex",      "xl/workbook.bin",  "xl/sharedStrings.bin",
        "xl/styles.bin",    "xl/calcChain.bin", "xl/externalLinks/"};
    for (size_t k = 0; k < sizeof known / sizeof *known; k++)
        if (eg_memmem_ci(name, strlen(name), known[k], strlen(known[k])))
            return false;
    const char *e = eg_path_ext(name);
    for (size_t k = 0; k < sizeof skip / sizeof *skip; k++)
        if (!strcasecmp(e, skip[k]))
            return false;
    return true;
}

static void stray_ole_part(ox_ctx *c, size_t idx, const char *name)
{
    static const uint8_t cfb_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    uint8_t *d;
    size_t len;
    if (read_part(c, idx, &d, &len) != EG_OK)
        return;
    if (len < sizeof cfb_magic || memcmp(d, cfb_magic, sizeof cfb_magic)) {
        free(d);
        return;
    }
    eg_child ch = {.name = name,
                   .data = d,
                   .size = len,
                   .owned = true,
                   .type = EG_T_UNKNOWN,
                   .detail = "compound file in a package part"};
    uint32_t id;
    if (eg_scan_add_child(c->s, c->obj, &ch, &id) == EG_OK)
        note_project(c, id);
}

static void walk_entries(ox_ctx *c)
{
    size_t n = eg_zip_count(c->z);
    size_t wb_rels = (size_t)-1;
    /* first pass: the workbook, so relationships can be mapped to sheets */
    for (size_t i = 0; i < n; i++) {
        const eg_zip_entry *e = eg_zip_entry_at(c->z, i);
        if (!e->name)
            continue;
        if (!strcasecmp(e->name, "xl/workbook.xml") || !strcasecmp(e->name, "xl/workbook.bin")) {
            uint8_t *d;
            size_t len;
            if (read_part(c, i, &d, &len) == EG_OK) {
                if (eg_has_suffix_ci(e->name, ".bin"))
                    do_workbook_bin(c, d, len);
                else
                    do_workbook_xml(c, d, len);
                free(d);
            }
        } else if (!strcasecmp(e->name, "xl/_rels/workbook.xml.rels") ||
                   !strcasecmp(e->name, "xl/_rels/workbook.bin.rels"))
            wb_rels = i;
    }
    if (wb_rels != (size_t)-1)
        do_rels(c, wb_rels, eg_zip_entry_at(c->z, wb_rels)->name, true);
    for (size_t i = 0; i < n; i++) {
        const eg_zip_entry *e = eg_zip_entry_at(c->z, i);
        if (e->name && eg_memmem_ci(e->name, strlen(e->name), "/macrosheets/", 13)) {
            load_shared_strings(c);
            break;
        }
    }
    for (size_t i = 0; i < n && !eg_scan_timed_out(c->s, c->obj); i++) {
        const eg_zip_entry *e = eg_zip_entry_at(c->z, i);
        const char *name = e->name;
        if (!name || e->is_dir)
            continue;
        if (!strcasecmp(name, "[Content_Types].xml")) {
            uint8_t *d;
            size_t len;
            if (read_part(c, i, &d, &len) == EG_OK) {
                content_types(c, d, len);
                free(d);
            }
        } else if (eg_has_suffix_ci(name, "vbaProject.bin")) {
            c->vba = true;
            child_part(c, i, name, EG_T_VBA_PROJECT, "VBA project");
        } else if (eg_has_suffix_ci(name, ".rels") && i != wb_rels) {
            do_rels(c, i, name, false);
        } else if (eg_memmem_ci(name, strlen(name), "/macrosheets/", 13) &&
                   !eg_memmem_ci(name, strlen(name), "binaryIndex", 11)) {
            /* (a .xlsb's binaryIndexN.bin cell index sits beside its sheet: not a sheet) */
            orphan_macrosheet(c, i, name);
        } else if (eg_memmem_ci(name, strlen(name), "/embeddings/", 12)) {
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_EMBEDDED_OBJECT, "\"%s\" (%llu bytes)", name,
                            (unsigned long long)e->usize);
            child_part(c, i, name, EG_T_UNKNOWN, "embedded object");
        } else if (eg_has_prefix_ci(name, "xl/externalLinks/") && eg_has_suffix_ci(name, ".bin")) {
            uint8_t *d;
            size_t len;
            if (read_part(c, i, &d, &len) == EG_OK) {
                eg_office_xlsb_ddelinks(c->s, c->obj, d, len, name);
                free(d);
            }
        } else if (eg_has_prefix_ci(name, "xl/externalLinks/") && eg_has_suffix_ci(name, ".xml")) {
            uint8_t *d;
            size_t len;
            if (read_part(c, i, &d, &len) == EG_OK) {
                check_dde(c, name, d, len);
                free(d);
            }
        } else if (is_text_part(name)) {
            text_part(c, i, name);
        } else if (may_hide_ole(name, e->usize)) {
            stray_ole_part(c, i, name);
        }
    }
}

eg_status eg_office_analyze_ooxml(eg_scan *s, const eg_object *obj)
{
    eg_zip *z = NULL;
    eg_status st = eg_zip_open(obj->data, (size_t)obj->size, NULL, &z);
    if (st != EG_OK)
        return st;
    ox_ctx *c = calloc(1, sizeof *c);
    /* not zeroed: each sheet is cleared when it is added and none past nsheets is read (zeroing
     * 860 KB per document was a noticeable part of an OOXML scan) */
    if (!c || !(c->sheets = malloc(MAX_SHEETS * sizeof *c->sheets))) {
        free(c);
        eg_zip_free(z);
        return EG_ENOMEM;
    }
    c->s = s;
    c->obj = obj;
    c->z = z;
    eg_office_buf_init(&c->xlm, 16u << 20);
    walk_entries(c);
    do_sheets(c);
    if (eg_zip_find(z, "xl/styles.xml", &(size_t){0}) == EG_OK || c->nsheets)
        excel_hidden_text(c);
    if (c->macro_ct || (c->xlsb_main && c->vba))
        eg_scan_finding(s, obj, EG_R_OOXML_MACRO_ENABLED, "%s", c->ev_ct);
    if ((c->macro_ct || c->vba || c->macrosheet) && macro_free_ext(obj->name))
        eg_scan_finding(s, obj, EG_R_OOXML_MACRO_RENAMED, "\"%s\" holds %s", obj->name,
                        c->vba          ? "a VBA project"
                        : c->macrosheet ? "an Excel 4.0 macro sheet"
                                        : "a macro-enabled content type");
    if (c->macrosheet && c->xlm.len) {
        eg_child ch = {.name = "Excel 4.0 macros",
                       .data = c->xlm.data,
                       .size = c->xlm.len,
                       .type = EG_T_XLM,
                       .detail = "decoded XLM formulas (OOXML)"};
        /* the sheets' text stopped at its cap: what follows was not inspected */
        if (c->xlm.limit && c->xlm.len >= c->xlm.limit) {
            ch.flags |= EG_OBJ_TRUNCATED;
            eg_scan_finding(s, obj, EG_R_LIMIT_BYTES, "XLM text cut at %zu bytes", c->xlm.len);
        }
        eg_scan_add_child(s, obj, &ch, NULL);
    }
    /* children are analysed after this analyzer returns, so the projects find the text kept */
    for (size_t i = 0; c->doc_text && c->doc_len && i < c->n_projects; i++)
        eg_office_vba_project_prop(s, c->project_ids[i], "\001document", c->doc_text, c->doc_len);
    free(c->doc_text);
    eg_buf_free(&c->xlm);
    free(c->names.xti);
    eg_xlm_names_free(&c->names);
    free(c->sheets);
    free(c);
    eg_zip_free(z);
    return EG_OK;
}

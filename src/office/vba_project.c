/*
 * The VBA storage of a CFB (MS-OVBA 2.2): the dir stream is read, every module's source is found
 * and decompressed, compared with its compiled code (stomping), and handed on as an
 * EG_T_VBA_SOURCE child. UserForm storages next to the VBA storage are read for the strings their
 * controls hold (oform.c), and those and the project's whole source are kept per project in the
 * scan, so the module analyzer can resolve Form.Control.Tag and calls into other modules.
 *
 * A module's stream is looked up by every name the dir stream gives (MODULESTREAMNAME in the
 * project codepage, MODULESTREAMNAMEUNICODE, MODULENAME, MODULENAMEUNICODE), compared without
 * case as CFB does, and failing that among the storage's unclaimed streams for a compressed
 * container at the module's offset or anywhere in the stream: builders that tamper the dir stream
 * do not lose a module.
 *
 * It does not interpret the compiled code (_VBA_PROJECT, __SRP_*) beyond the string comparison.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <glib.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STREAMS 1024

/* ---------------- per-project context ---------------- */

typedef struct proj {
    uint32_t id;
    eg_buf src;        /* every module's source, one after the other */
    eg_buf props;      /* "key\tvalue\n" per control property, key lower case */
    eg_vba_defs *defs; /* built from src on first use (src is complete by then) */
    bool defs_tried;
} proj;

typedef struct projects {
    proj *p;
    size_t n;
} projects;

static const int projects_tag;

static void projects_free(void *v)
{
    projects *ps = v;
    for (size_t i = 0; i < ps->n; i++) {
        eg_buf_free(&ps->p[i].src);
        eg_buf_free(&ps->p[i].props);
        eg_vba_defs_free(ps->p[i].defs);
    }
    free(ps->p);
    free(ps);
}

static proj *project_get(const eg_scan *s, uint32_t id)
{
    projects *ps = eg_scan_get_data(s, &projects_tag);
    for (size_t i = 0; ps && i < ps->n; i++)
        if (ps->p[i].id == id)
            return &ps->p[i];
    return NULL;
}

static proj *project_make(eg_scan *s, uint32_t id)
{
    proj *p = project_get(s, id);
    if (p)
        return p;
    projects *ps = eg_scan_get_data(s, &projects_tag);
    if (!ps) {
        ps = calloc(1, sizeof *ps);
        if (!ps || eg_scan_set_data(s, &projects_tag, ps, projects_free) != EG_OK) {
            free(ps);
            return NULL;
        }
    }
    if (ps->n >= 64)
        return NULL;
    proj *np = realloc(ps->p, (ps->n + 1) * sizeof *np);
    if (!np)
        return NULL;
    ps->p = np;
    p = &ps->p[ps->n++];
    memset(p, 0, sizeof *p);
    p->id = id;
    eg_office_buf_init(&p->src, 8u << 20);
    eg_office_buf_init(&p->props, 1u << 20);
    return p;
}

void eg_office_vba_project_prop(eg_scan *s, uint32_t id, const char *key, const char *val,
                                size_t vlen)
{
    proj *p = project_make(s, id);
    if (!p)
        return;
    size_t mark = p->props.len;
    bool ok = true;
    for (const char *k = key; *k && ok; k++)
        ok = eg_buf_putc(&p->props, (uint8_t)((*k >= 'A' && *k <= 'Z') ? *k + 32 : *k)) == EG_OK;
    ok = ok && eg_buf_putc(&p->props, '\t') == EG_OK;
    for (size_t i = 0; i < vlen && ok; i++)
        ok = eg_buf_putc(&p->props, (val[i] == '\n' || val[i] == '\r' || val[i] == '\t')
                                        ? ' '
                                        : (uint8_t)val[i]) == EG_OK;
    ok = ok && eg_buf_putc(&p->props, '\n') == EG_OK;
    if (!ok)
        p->props.len = mark;
}

const char *eg_office_vba_project_lookup(const eg_scan *s, uint32_t id, const char *key,
                                         size_t klen, size_t *vlen)
{
    proj *p = project_get(s, id);
    if (!p || !p->props.len)
        return NULL;
    const char *d = (const char *)p->props.data, *end = d + p->props.len;
    while (d < end) {
        const char *nl = memchr(d, '\n', (size_t)(end - d));
        if (!nl)
            break;
        const char *tab = memchr(d, '\t', (size_t)(nl - d));
        if (tab && (size_t)(tab - d) == klen && !strncasecmp(d, key, klen)) {
            *vlen = (size_t)(nl - tab - 1);
            return tab + 1;
        }
        d = nl + 1;
    }
    return NULL;
}

const char *eg_office_vba_project_source(const eg_scan *s, uint32_t id, size_t *len)
{
    proj *p = project_get(s, id);
    if (!p || !p->src.len)
        return NULL;
    *len = p->src.len;
    return (const char *)p->src.data;
}

const eg_vba_defs *eg_office_vba_project_defs(eg_scan *s, uint32_t id)
{
    proj *p = project_get(s, id);
    if (!p || !p->src.len)
        return NULL;
    if (!p->defs_tried) {
        p->defs_tried = true;
        p->defs = eg_vba_defs_build((const char *)p->src.data, p->src.len);
    }
    return p->defs;
}

/* ---------------- storage access ---------------- */

/* CFB names compare without case (MS-CFB 2.6.4); libgsf's lookup by name is case-sensitive. */
bool eg_office_name_eq(const char *a, const char *b)
{
    if (!g_utf8_validate(a, -1, NULL) || !g_utf8_validate(b, -1, NULL))
        return !strcasecmp(a, b);
    gchar *fa = g_utf8_casefold(a, -1), *fb = g_utf8_casefold(b, -1);
    bool eq = fa && fb && !strcmp(fa, fb);
    g_free(fa);
    g_free(fb);
    return eq;
}

GsfInput *eg_office_child_ci(GsfInfile *dir, const char *name)
{
    int n = gsf_infile_num_children(dir);
    if (n > MAX_STREAMS)
        n = MAX_STREAMS;
    for (int i = 0; i < n; i++) {
        const char *cn = gsf_infile_name_by_index(dir, i);
        if (cn && eg_office_name_eq(cn, name))
            return gsf_infile_child_by_index(dir, i);
    }
    return NULL;
}

/* The whole stream, capped by the scan budget (EG_ELIMIT keeps the prefix). */
static eg_status read_all(eg_scan *s, GsfInput *in, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    gsf_off_t size = gsf_input_size(in);
    if (size < 0)
        return EG_EFORMAT;
    uint64_t cap = eg_scan_budget(s), n = (uint64_t)size;
    eg_status st = EG_OK;
    if (n > cap) {
        n = cap;
        st = EG_ELIMIT;
    }
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf)
        return EG_ENOMEM;
    if (n && (gsf_input_seek(in, 0, G_SEEK_SET) || !gsf_input_read(in, (size_t)n, buf))) {
        free(buf);
        return EG_EFORMAT;
    }
    *out = buf;
    *len = (size_t)n;
    return st;
}

/* ---------------- stomping ---------------- */

static bool id_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '\\' || c == '-' || c == '%' || c == ' ';
}

/* The source explains the word when it holds it, or it less one or two bytes at either end: the
 * compiled copy of a name may carry a length or type byte that happens to be printable. */
static bool explained(const char *w, size_t n, const char *mark, size_t ml, const char *src,
                      size_t srclen)
{
    for (size_t cut = 0; cut <= 2 && cut < n; cut++) {
        for (size_t lead = 0; lead <= cut; lead++) {
            const char *p = w + lead;
            size_t m = n - cut;
            if (m < ml || !eg_memmem_ci(p, m, mark, ml))
                continue;
            if (eg_memmem_ci(src, srclen, p, m))
                return true;
        }
    }
    return false;
}

/* Compiled code holding a string or identifier with a telling word (http, powershell ...) that
 * the source, Attribute lines included, lacks. */
bool eg_office_pcode_disagrees(const uint8_t *p, size_t n, const char *src, size_t srclen, char *ev,
                               size_t evsz)
{
    static const char *const marks[] = {"http",        "powershell", "cmd.exe", "shell",
                                        "urldownload", "regsvr32",   "mshta"};
    size_t i = 0;
    while (i < n) {
        size_t a = i;
        while (i < n && id_char(p[i]))
            i++;
        size_t run = i - a;
        i++;
        if (run < 6)
            continue;
        const char *w = (const char *)p + a;
        for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
            size_t ml = strlen(marks[k]);
            if (eg_memmem_ci(w, run, marks[k], ml) &&
                !explained(w, run, marks[k], ml, src, srclen)) {
                snprintf(ev, evsz, "compiled code holds \"%.*s\" which the source lacks",
                         (int)(run > 120 ? 120 : run), w);
                return true;
            }
        }
    }
    return false;
}

/* ---------------- modules ---------------- */

typedef struct vctx {
    eg_scan *s;
    const eg_object *obj;
    GsfInfile *vba;
    const eg_vba_dir *dir;
    int nstreams;
    bool claimed[MAX_STREAMS];
    char *fold[MAX_STREAMS];   /* case-folded stream names, made on first use */
    bool probed[MAX_STREAMS];  /* read once for the fallback search ... */
    char *vbname[MAX_STREAMS]; /* ... and the VB_Name its source gives (UTF-8; "" none; NULL no
                                  source) */
} vctx;

static void vctx_free(vctx *v)
{
    for (int i = 0; i < v->nstreams; i++) {
        g_free(v->fold[i]);
        free(v->vbname[i]);
    }
    free(v);
}

static char *fold_name(const char *n)
{
    if (!g_utf8_validate(n, -1, NULL))
        return g_ascii_strdown(n, -1);
    return g_utf8_casefold(n, -1);
}

static int index_of(vctx *v, const char *name)
{
    if (!name || !*name)
        return -1;
    char *want = fold_name(name);
    int found = -1;
    for (int i = 0; want && i < v->nstreams && found < 0; i++) {
        if (!v->fold[i]) {
            const char *cn = gsf_infile_name_by_index(v->vba, i);
            v->fold[i] = fold_name(cn ? cn : "");
        }
        if (v->fold[i] && !strcmp(v->fold[i], want))
            found = i;
    }
    g_free(want);
    return found;
}

static bool reserved_stream(const char *n)
{
    return !strcasecmp(n, "dir") || !strcasecmp(n, "_VBA_PROJECT") ||
           !strncasecmp(n, "__SRP_", 6) || !strncasecmp(n, "PROJECT", 7);
}

/* Where the module's compressed source starts in d: at the offset when a container is there,
 * else the first "Attribut" container (a source always starts with Attribute lines). */
static size_t find_container(const uint8_t *d, size_t len, uint32_t off)
{
    if (off < len && d[off] == 0x01 && off + 3 <= len && ((eg_rd16le(d + off + 1) >> 12) & 7) == 3)
        return off;
    for (size_t i = 3; i + 9 <= len; i++)
        if (d[i] == 0 && !memcmp(d + i + 1, "Attribut", 8) && d[i - 3] == 0x01)
            return i - 3;
    return SIZE_MAX;
}

/* Reads stream i once: does it hold a source, and which module does it name? */
static void probe(vctx *v, int i)
{
    if (v->probed[i])
        return;
    v->probed[i] = true;
    GsfInput *in = gsf_infile_child_by_index(v->vba, i);
    if (!in)
        return;
    uint8_t *d;
    size_t len;
    read_all(v->s, in, &d, &len);
    g_object_unref(in);
    if (!d)
        return;
    size_t at = find_container(d, len, UINT32_MAX);
    if (at != SIZE_MAX) {
        eg_buf b;
        eg_office_buf_init(&b, 4096);
        eg_ovba_decompress(d + at, len - at, &b);
        const char *k =
            b.len ? eg_memmem_ci((const char *)b.data, b.len, "Attribute VB_Name = \"", 21) : NULL;
        if (k) {
            const char *q = k + 21, *e = memchr(q, '"', (size_t)((const char *)b.data + b.len - q));
            size_t ul = 0;
            v->vbname[i] = e ? eg_office_codepage_to_utf8((const uint8_t *)q, (size_t)(e - q),
                                                          v->dir->codepage, &ul)
                             : NULL;
        }
        if (!v->vbname[i] && b.len)
            v->vbname[i] = eg_strndup("", 0);
        eg_buf_free(&b);
    }
    free(d);
}

/* The index of the module's stream: by each name in turn, then the unclaimed stream whose source
 * names this module (Attribute VB_Name), else the first unclaimed one holding any source. Each
 * stream is read at most once for this, whatever the number of modules. */
static int find_module_stream(vctx *v, const eg_vba_module *m, const char *name_utf8,
                              const char *stream_utf8)
{
    const char *names[] = {stream_utf8, m->stream_name, m->stream_name_u,
                           name_utf8,   m->name,        m->name_u};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        int i = index_of(v, names[k]);
        if (i >= 0 && !v->claimed[i])
            return i;
    }
    int any = -1;
    for (int i = 0; i < v->nstreams && !eg_scan_timed_out(v->s, v->obj); i++) {
        const char *cn = gsf_infile_name_by_index(v->vba, i);
        if (v->claimed[i] || !cn || reserved_stream(cn))
            continue;
        probe(v, i);
        if (!v->vbname[i])
            continue;
        if (any < 0)
            any = i;
        if ((name_utf8 && eg_office_name_eq(v->vbname[i], name_utf8)) ||
            (m->name_u && eg_office_name_eq(v->vbname[i], m->name_u)))
            return i;
    }
    return any;
}

static void vba_module(vctx *v, const eg_vba_module *m, const char *path, proj *pj)
{
    size_t nl = 0, sl = 0;
    char *name = eg_office_codepage_to_utf8((const uint8_t *)m->name, strlen(m->name),
                                            v->dir->codepage, &nl);
    char *sname = m->stream_name
                      ? eg_office_codepage_to_utf8((const uint8_t *)m->stream_name,
                                                   strlen(m->stream_name), v->dir->codepage, &sl)
                      : NULL;
    const char *shown = m->name_u ? m->name_u : name ? name : m->name;
    int idx = find_module_stream(v, m, name, sname);
    uint8_t *data = NULL;
    size_t len = 0;
    eg_status st = EG_ENOTFOUND;
    if (idx >= 0) {
        GsfInput *in = gsf_infile_child_by_index(v->vba, idx);
        if (in) {
            st = read_all(v->s, in, &data, &len);
            g_object_unref(in);
        }
        v->claimed[idx] = true;
        const char *cn = gsf_infile_name_by_index(v->vba, idx);
        const char *want = sname ? sname : m->stream_name_u ? m->stream_name_u : shown;
        if (cn && !eg_office_name_eq(cn, want) &&
            !(m->stream_name_u && eg_office_name_eq(cn, m->stream_name_u)))
            eg_scan_finding(v->s, v->obj, EG_R_VBA_DIR_MISMATCH,
                            "module \"%.100s\": dir names stream \"%.100s\", read from \"%.100s\"",
                            shown, want, cn);
    }
    if (!data) {
        eg_scan_finding(v->s, v->obj, EG_R_PARSE_ERROR, "VBA module stream \"%s\" missing",
                        sname              ? sname
                        : m->stream_name_u ? m->stream_name_u
                                           : shown);
        free(name);
        free(sname);
        return;
    }
    (void)st;
    eg_buf src;
    eg_office_buf_init(&src, eg_office_cap(v->s, SIZE_MAX / 2));
    eg_status dst = EG_EFORMAT;
    size_t at = find_container(data, len, m->text_offset);
    if (at != SIZE_MAX)
        dst = eg_ovba_decompress(data + at, len - at, &src);
    size_t ulen = 0;
    char *utf8 =
        src.data ? eg_office_codepage_to_utf8(src.data, src.len, v->dir->codepage, &ulen) : NULL;
    char ev[200];
    bool pcode = m->text_offset > 0 && m->text_offset <= len;
    if (pcode && (dst != EG_OK && dst != EG_ELIMIT)) {
        eg_scan_finding(v->s, v->obj, EG_R_VBA_STOMPING,
                        "module \"%s\": source missing or unreadable, %u bytes of compiled code",
                        shown, m->text_offset);
    } else if (pcode && utf8 && !eg_memmem_ci(utf8, ulen, "Attribute VB_Name", 17) && ulen < 16) {
        eg_scan_finding(v->s, v->obj, EG_R_VBA_STOMPING,
                        "module \"%s\": empty source, %u bytes of compiled code", shown,
                        m->text_offset);
    } else if (pcode && utf8 &&
               eg_office_pcode_disagrees(data, m->text_offset, utf8, ulen, ev, sizeof ev)) {
        eg_scan_finding(v->s, v->obj, EG_R_VBA_STOMPING, "module \"%s\": %s", shown, ev);
    }
    if (utf8 && ulen) {
        if (pj) {
            eg_buf_append(&pj->src, utf8, ulen);
            eg_buf_putc(&pj->src, '\n');
        }
        char cname[512];
        snprintf(cname, sizeof cname, "%.300s/%.200s", path, shown);
        eg_child ch = {.name = cname,
                       .data = (uint8_t *)utf8,
                       .size = ulen,
                       .owned = true,
                       .type = EG_T_VBA_SOURCE,
                       .detail = m->is_class ? "VBA document/class module" : "VBA module"};
        if (dst == EG_ELIMIT)
            ch.flags |= EG_OBJ_TRUNCATED;
        eg_scan_add_child(v->s, v->obj, &ch, NULL);
        utf8 = NULL;
    }
    free(utf8);
    free(name);
    free(sname);
    eg_buf_free(&src);
    free(data);
}

/* ---------------- UserForm storages ---------------- */

typedef struct form_cb_ctx {
    eg_scan *s;
    uint32_t project;
    const char *form;
} form_cb_ctx;

static void form_prop(void *ud, const char *control, const char *prop, const char *val, size_t vlen)
{
    form_cb_ctx *f = ud;
    char key[400];
    if (control)
        snprintf(key, sizeof key, "%.120s.%.120s.%.40s", f->form, control, prop);
    else
        snprintf(key, sizeof key, "%.120s.%.40s", f->form, prop);
    eg_office_vba_project_prop(f->s, f->project, key, val, vlen);
}

/* A designer module's storage (named like the module, next to the VBA storage) holds the form
 * ('f') and its controls' data ('o'). */
static void read_forms(vctx *v, GsfInfile *parent, proj *pj)
{
    if (!parent || !pj)
        return;
    for (size_t i = 0; i < v->dir->n_modules && !eg_scan_timed_out(v->s, v->obj); i++) {
        const eg_vba_module *m = &v->dir->modules[i];
        if (!m->is_class)
            continue;
        size_t nl;
        char *name = m->name_u ? NULL
                               : eg_office_codepage_to_utf8((const uint8_t *)m->name,
                                                            strlen(m->name), v->dir->codepage, &nl);
        const char *fname = m->name_u ? m->name_u : name;
        GsfInput *st = fname ? eg_office_child_ci(parent, fname) : NULL;
        if (st && GSF_IS_INFILE(st) && gsf_infile_num_children(GSF_INFILE(st)) > 0) {
            GsfInput *fi = eg_office_child_ci(GSF_INFILE(st), "f");
            GsfInput *oi = eg_office_child_ci(GSF_INFILE(st), "o");
            uint8_t *f = NULL, *o = NULL;
            size_t fl = 0, ol = 0;
            if (fi)
                read_all(v->s, fi, &f, &fl);
            if (oi)
                read_all(v->s, oi, &o, &ol);
            if (f) {
                form_cb_ctx fc = {v->s, pj->id, fname};
                if (eg_oform_parse(f, fl, o, o ? ol : 0, v->dir->codepage, form_prop, &fc) ==
                    EG_EFORMAT)
                    eg_scan_finding(v->s, v->obj, EG_R_PARSE_ERROR,
                                    "UserForm \"%.200s/f\": not a FormControl", fname);
            }
            free(f);
            free(o);
            if (fi)
                g_object_unref(fi);
            if (oi)
                g_object_unref(oi);
        }
        if (st)
            g_object_unref(st);
        free(name);
    }
}

/* ---------------- the document's text ---------------- */

#define MAX_DOC_TEXT (1u << 20)

/* MS-DOC 2.4.1: the main story (the first ccpText characters) through the piece table (Clx) in
 * the table stream. Encrypted documents are left alone. */
static void word_text(const uint8_t *w, size_t wl, const uint8_t *t, size_t tl, eg_buf *out)
{
    if (wl < 34 || eg_rd16le(w) != 0xA5EC)
        return;
    uint16_t fl = eg_rd16le(w + 0x0A);
    if (fl & 0x0100)
        return;
    eg_cur c = eg_cur_make(w, wl);
    eg_cur_skip(&c, 32);
    uint16_t csw = eg_cur_u16le(&c);
    eg_cur_skip(&c, (size_t)csw * 2);
    uint16_t cslw = eg_cur_u16le(&c);
    size_t lw = c.off;
    eg_cur_skip(&c, (size_t)cslw * 4);
    uint16_t cb = eg_cur_u16le(&c);
    size_t blob = c.off;
    if (c.err || cslw < 4 || cb < 34 || !eg_in_bounds(wl, blob, 34 * 8))
        return;
    uint32_t ccp = eg_rd32le(w + lw + 12);
    uint32_t fc_clx = eg_rd32le(w + blob + 33 * 8), lcb_clx = eg_rd32le(w + blob + 33 * 8 + 4);
    if (!t || !eg_in_bounds(tl, fc_clx, lcb_clx))
        return;
    const uint8_t *x = t + fc_clx;
    size_t i = 0, xl = lcb_clx;
    while (i < xl && x[i] == 0x01) { /* Prc: grpprl skipped */
        if (!eg_in_bounds(xl, i + 1, 2))
            return;
        i += 3 + eg_rd16le(x + i + 1);
    }
    if (i + 5 > xl || x[i] != 0x02)
        return;
    uint32_t lcb = eg_rd32le(x + i + 1);
    const uint8_t *plc = x + i + 5;
    if (lcb < 16 || !eg_in_bounds(xl, i + 5, lcb))
        return;
    size_t n = (lcb - 4) / 12;
    const uint8_t *pcd = plc + (n + 1) * 4;
    for (size_t k = 0; k < n && out->len < MAX_DOC_TEXT; k++) {
        uint32_t cp0 = eg_rd32le(plc + k * 4), cp1 = eg_rd32le(plc + (k + 1) * 4);
        if (cp0 >= ccp || cp1 <= cp0)
            continue;
        if (cp1 > ccp)
            cp1 = ccp;
        size_t chars = cp1 - cp0;
        if (chars > MAX_DOC_TEXT)
            chars = MAX_DOC_TEXT;
        uint32_t fc = eg_rd32le(pcd + k * 8 + 2);
        bool compressed = fc & 0x40000000u;
        fc &= 0x3FFFFFFFu;
        size_t at = compressed ? fc / 2 : fc, bytes = compressed ? chars : chars * 2;
        if (!eg_in_bounds(wl, at, bytes))
            continue;
        size_t ul = 0;
        char *u = eg_office_codepage_to_utf8(w + at, bytes, compressed ? 1252 : 1200, &ul);
        if (u)
            eg_buf_append(out, u, ul);
        free(u);
    }
}

/* The text of the .doc around the project, kept for ActiveDocument.Content and the like. */
static void document_text(eg_scan *s, GsfInfile *parent, proj *pj)
{
    if (!parent || !pj)
        return;
    GsfInfile *root = gsf_input_container(GSF_INPUT(parent));
    GsfInput *wi = root ? eg_office_child_ci(root, "WordDocument") : NULL;
    if (!wi)
        return;
    uint8_t *w = NULL, *t = NULL;
    size_t wl = 0, tl = 0;
    read_all(s, wi, &w, &wl);
    g_object_unref(wi);
    if (w && wl >= 34) {
        GsfInput *ti =
            eg_office_child_ci(root, (eg_rd16le(w + 0x0A) & 0x0200) ? "1Table" : "0Table");
        if (ti) {
            read_all(s, ti, &t, &tl);
            g_object_unref(ti);
        }
        eg_buf text;
        eg_office_buf_init(&text, MAX_DOC_TEXT + 4096);
        word_text(w, wl, t, tl, &text);
        if (text.len)
            eg_office_vba_project_prop(s, pj->id, "\001document", (const char *)text.data,
                                       text.len);
        eg_buf_free(&text);
    }
    free(w);
    free(t);
}

void eg_office_vba_storage(eg_scan *s, const eg_object *obj, GsfInfile *vba, GsfInfile *parent,
                           const char *path)
{
    GsfInput *in = eg_office_child_ci(vba, "dir");
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    if (in) {
        read_all(s, in, &raw, &rawlen);
        g_object_unref(in);
    }
    if (!raw)
        return;
    eg_buf dirb;
    eg_office_buf_init(&dirb, 16u << 20);
    eg_status st = eg_ovba_decompress(raw, rawlen, &dirb);
    free(raw);
    eg_vba_dir *dir = NULL;
    if ((st == EG_OK || st == EG_ELIMIT) && dirb.data)
        st = eg_vba_dir_parse(dirb.data, dirb.len, &dir);
    eg_buf_free(&dirb);
    if (st != EG_OK || !dir) {
        eg_scan_finding(s, obj, EG_R_VBA_MACRO, "\"%s\" (dir stream unreadable)", path);
        eg_scan_finding(s, obj, EG_R_PARSE_ERROR, "\"%s/dir\": %s", path, eg_status_str(st));
        return;
    }
    char names[200] = "";
    size_t nl = 0;
    for (size_t i = 0; i < dir->n_modules && nl + 2 < sizeof names; i++) {
        const eg_vba_module *m = &dir->modules[i];
        size_t ul = 0;
        char *u = m->name_u ? NULL
                            : eg_office_codepage_to_utf8((const uint8_t *)m->name, strlen(m->name),
                                                         dir->codepage, &ul);
        nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s\"%s\"", i ? ", " : "",
                               m->name_u ? m->name_u
                               : u       ? u
                                         : m->name);
        free(u);
    }
    eg_scan_finding(s, obj, EG_R_VBA_MACRO, "\"%s\": %zu module(s): %s (codepage %u)", path,
                    dir->n_modules, names, dir->codepage);
    vctx *v = calloc(1, sizeof *v);
    if (!v) {
        eg_vba_dir_free(dir);
        return;
    }
    v->s = s;
    v->obj = obj;
    v->vba = vba;
    v->dir = dir;
    v->nstreams = gsf_infile_num_children(vba);
    if (v->nstreams > MAX_STREAMS)
        v->nstreams = MAX_STREAMS;
    proj *pj = project_make(s, obj->id);
    read_forms(v, parent, pj);
    document_text(s, parent, pj);
    for (size_t i = 0; i < dir->n_modules && !eg_scan_timed_out(s, obj); i++)
        vba_module(v, &dir->modules[i], path, pj);
    vctx_free(v);
    eg_vba_dir_free(dir);
}

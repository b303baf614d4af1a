/*
 * The part of the OneNote revision store (MS-ONESTORE) that says which name belongs to which
 * embedded file. A section's embedded file is three things in three places:
 *
 *   jcidEmbeddedFileNode (ObjectDeclaration2RefCountFND and kin): a property set holding
 *       EmbeddedFileName (0x1C001D9C) and EmbeddedFileContainer (0x20001D9B, an object id);
 *   that object id, declared by ObjectDeclarationFileData3RefCountFND with a reference string
 *       "<ifndf>{GUID}";
 *   FileDataStoreObjectReferenceFND with that GUID and the offset of the FileDataStoreObject.
 *
 * Object ids are CompactIDs: an index into the global identification table in effect where they
 * are declared (each object group brings its own), so they are resolved to ExtendedGUIDs before
 * they are compared. We walk the file node lists from the header's root reference, follow every
 * list reference (object spaces, revision manifests, object groups, the file data store), and
 * read only the nodes above. Revisions of an embedded file node (ObjectRevisionWithRefCountFNDX)
 * replace its earlier name.
 *
 * Not done: the transaction log (node counts per list; we stop at the chunk terminator or at
 * zero padding instead), encrypted object data, .onetoc2 declarations (ObjectDeclarationWith-
 * RefCountFNDX), files kept outside the section ("<file>" references to a onefiles folder).
 *
 * Limits: 8 levels of nested lists, 4096 fragments, 65536 file nodes, 1024 objects of each kind,
 * global id tables of 1024 entries and 65536 entries written in all, property sets nested 8 deep
 * with 4096 properties (nested sets counted); every offset and size is checked against the
 * section. A store that breaks any of these is reported as unreadable (with the reason) and what
 * was read up to there is kept.
 */
#include "payload/payload_int.h"

#include "core/buf.h"
#include "core/safe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OS_MAX_DEPTH 8
#define OS_MAX_FRAGMENTS 4096
#define OS_MAX_NODES 65536
#define OS_MAX_OBJECTS 1024
#define OS_MAX_GIDS 1024      /* entries of one global id table */
#define OS_MAX_GID_PUTS 65536 /* entries written to all tables (copies included) */
#define OS_MAX_PROP_DEPTH 8
#define OS_MAX_PROPS 4096
#define OS_MAX_NAME 2048 /* bytes of a UTF-16 file name */

#define FRAG_MAGIC 0xA4567AB1F5F7F4C4ull
#define FRAG_FOOTER 0x8BC215C38233BA4Bull

#define JCID_EMBEDDED_FILE_NODE 0x00060035u
#define PRID_EMBEDDED_FILE_CONTAINER 0x20001D9Bu
#define PRID_EMBEDDED_FILE_NAME 0x1C001D9Cu

typedef struct {
    uint8_t guid[16];
    uint32_t n;
} xguid;

typedef struct {
    uint32_t index;
    uint8_t guid[16];
} gid_entry;

/* A global identification table: CompactID.guidIndex -> GUID. */
typedef struct {
    gid_entry *v;
    size_t n;
} gid_table;

typedef struct { /* FileDataStoreObjectReferenceFND */
    uint8_t guid[16];
    uint64_t stp;
} fds_ref;

typedef struct { /* ObjectDeclarationFileData3RefCountFND */
    xguid oid;
    uint32_t jcid;
    bool has_guid;
    uint8_t guid[16];
    char *ext;
} fdo_decl;

typedef struct { /* a jcidEmbeddedFileNode (latest revision) */
    xguid oid;
    bool has_container;
    xguid container;
    char *name;
} efn_node;

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    const uint8_t *p;
    size_t n;
    size_t nodes, fragments, gid_puts;
    uint64_t *visited; /* fragment offsets already read */
    fds_ref *fds;
    size_t nfds;
    fdo_decl *fdo;
    size_t nfdo;
    efn_node *efn;
    size_t nefn;
    bool failed;
    char why[128];
} walker;

static bool fail(walker *w, const char *fmt, ...)
{
    if (!w->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof w->why, fmt, ap);
        va_end(ap);
        w->failed = true;
    }
    return false;
}

/* ---- identifiers ---- */

static bool resolve(const gid_table *t, uint32_t compact, xguid *out)
{
    uint32_t index = compact >> 8;
    for (size_t i = 0; t && i < t->n; i++)
        if (t->v[i].index == index) {
            memcpy(out->guid, t->v[i].guid, 16);
            out->n = compact & 0xFF;
            return true;
        }
    return false;
}

static bool xguid_eq(const xguid *a, const xguid *b)
{
    return a->n == b->n && !memcmp(a->guid, b->guid, 16);
}

static bool table_put(walker *w, gid_table *t, uint32_t index, const uint8_t guid[16])
{
    if (++w->gid_puts > OS_MAX_GID_PUTS)
        return fail(w, "over %d global id entries", OS_MAX_GID_PUTS);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].index == index) {
            memcpy(t->v[i].guid, guid, 16);
            return true;
        }
    if (t->n >= OS_MAX_GIDS)
        return fail(w, "global id table over %d entries", OS_MAX_GIDS);
    gid_entry *v = realloc(t->v, (t->n + 1) * sizeof *v);
    if (!v)
        return fail(w, "out of memory");
    t->v = v;
    t->v[t->n].index = index;
    memcpy(t->v[t->n].guid, guid, 16);
    t->n++;
    return true;
}

static int hexval(unsigned c)
{
    return c >= '0' && c <= '9'   ? (int)(c - '0')
           : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10)
                                  : -1;
}

/* "<ifndf>{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" in UTF-16LE to the GUID's 16 bytes as stored
 * (Data1..Data3 little-endian). */
static bool parse_ifndf(const uint8_t *s, size_t cch, uint8_t guid[16])
{
    static const char prefix[] = "<ifndf>{";
    const size_t pl = sizeof prefix - 1, gl = 36;
    if (cch < pl + gl + 1)
        return false;
    char a[64];
    for (size_t i = 0; i < pl + gl + 1; i++) {
        unsigned c = eg_rd16le(s + 2 * i);
        if (c >= 0x80)
            return false;
        a[i] = (char)c;
    }
    if (strncasecmp(a, prefix, pl) || a[pl + gl] != '}')
        return false;
    const char *g = a + pl;
    uint8_t raw[16];
    size_t k = 0;
    for (size_t i = 0; i < gl; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (g[i] != '-')
                return false;
            continue;
        }
        int hi = hexval((unsigned char)g[i]), lo = hexval((unsigned char)g[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        raw[k++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    /* raw is in text order; Data1, Data2 and Data3 are stored little-endian */
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; i++)
        guid[i] = raw[order[i]];
    return true;
}

static char *utf16_dup(const uint8_t *p, size_t bytes)
{
    while (bytes >= 2 && eg_rd16le(p + bytes - 2) == 0)
        bytes -= 2; /* trailing NULs */
    if (bytes < 2)
        return NULL;
    eg_buf b;
    eg_buf_init(&b, 4 * OS_MAX_NAME);
    eg_pl_utf16le_to_utf8(p, bytes > OS_MAX_NAME ? OS_MAX_NAME : bytes, &b);
    size_t l;
    return eg_buf_steal(&b, &l);
}

/* ---- property sets (ObjectSpaceObjectPropSet) ---- */

typedef struct {
    const uint8_t *oids;
    uint32_t n_oids;
    uint64_t oid_i; /* next CompactID of the OIDs stream */
    size_t props;
    bool has_container;
    uint32_t container;
    char *name;
} propwalk;

/* One PropertySet at c; nested sets (types 0x10, 0x11) consume object ids in order. */
static bool walk_props(eg_cur *c, propwalk *pw, int depth)
{
    if (depth > OS_MAX_PROP_DEPTH || ++pw->props > OS_MAX_PROPS)
        return false;
    uint16_t count = eg_cur_u16le(c);
    const uint8_t *prids = eg_cur_take(c, (size_t)count * 4);
    if (!prids)
        return false;
    for (uint16_t i = 0; i < count; i++) {
        if (++pw->props > OS_MAX_PROPS)
            return false;
        uint32_t prid = eg_rd32le(prids + 4 * i), type = (prid >> 26) & 0x1F;
        uint32_t u;
        switch (type) {
        case 0x1:
        case 0x2: break;
        case 0x3:
        case 0x4:
        case 0x5:
        case 0x6:
            if (!eg_cur_skip(c, type == 3 ? 1u : type == 4 ? 2u : type == 5 ? 4u : 8u))
                return false;
            break;
        case 0x7: {
            u = eg_cur_u32le(c);
            const uint8_t *d = eg_cur_take(c, u);
            if (!d)
                return false;
            if ((prid & 0x7FFFFFFF) == PRID_EMBEDDED_FILE_NAME && !pw->name)
                pw->name = utf16_dup(d, u);
            break;
        }
        case 0x8:
            if ((prid & 0x7FFFFFFF) == PRID_EMBEDDED_FILE_CONTAINER && pw->oid_i < pw->n_oids) {
                pw->has_container = true;
                pw->container = eg_rd32le(pw->oids + 4 * pw->oid_i);
            }
            pw->oid_i++;
            break;
        case 0x9: pw->oid_i += eg_cur_u32le(c); break;
        case 0xA:
        case 0xC: break;
        case 0xB:
        case 0xD: eg_cur_u32le(c); break;
        case 0x10:
            u = eg_cur_u32le(c);
            if (u) {
                eg_cur_u32le(c); /* the prid of the elements */
                for (uint32_t k = 0; k < u; k++)
                    if (!walk_props(c, pw, depth + 1))
                        return false;
            }
            break;
        case 0x11:
            if (!walk_props(c, pw, depth + 1))
                return false;
            break;
        default: return false;
        }
        if (c->err)
            return false;
    }
    return true;
}

static bool read_propset(walker *w, uint64_t stp, uint64_t cb, propwalk *pw)
{
    memset(pw, 0, sizeof *pw);
    if (!eg_in_bounds(w->n, stp, cb))
        return fail(w, "property set at %llu runs past the end", (unsigned long long)stp);
    eg_cur c = eg_cur_make(w->p + stp, (size_t)cb);
    uint32_t h = eg_cur_u32le(&c);
    pw->n_oids = h & 0xFFFFFF;
    pw->oids = eg_cur_take(&c, (size_t)pw->n_oids * 4);
    if (!(h & 0x80000000u)) { /* OSIDs present */
        uint32_t h2 = eg_cur_u32le(&c);
        eg_cur_skip(&c, (size_t)(h2 & 0xFFFFFF) * 4);
        if (h2 & 0x40000000u) { /* ContextIDs present */
            uint32_t h3 = eg_cur_u32le(&c);
            eg_cur_skip(&c, (size_t)(h3 & 0xFFFFFF) * 4);
        }
    }
    if (c.err || !walk_props(&c, pw, 0)) {
        free(pw->name);
        pw->name = NULL;
        return fail(w, "property set at %llu unreadable", (unsigned long long)stp);
    }
    return true;
}

/* ---- file nodes ---- */

typedef struct {
    uint32_t id, size, stpf, cbf, base;
    const uint8_t *d; /* fnd: size - 4 bytes */
    size_t dl;
} fnode;

/* FileNodeChunkReference in the formats the node's header gives. */
static bool read_ref(eg_cur *c, const fnode *f, uint64_t *stp, uint64_t *cb)
{
    switch (f->stpf) {
    case 0: *stp = eg_cur_u64le(c); break;
    case 1: *stp = eg_cur_u32le(c); break;
    case 2: *stp = (uint64_t)eg_cur_u16le(c) * 8; break;
    default: *stp = (uint64_t)eg_cur_u32le(c) * 8; break;
    }
    switch (f->cbf) {
    case 0: *cb = eg_cur_u32le(c); break;
    case 1: *cb = eg_cur_u64le(c); break;
    case 2: *cb = (uint64_t)eg_cur_u8(c) * 8; break;
    default: *cb = (uint64_t)eg_cur_u16le(c) * 8; break;
    }
    return !c->err;
}

/* fcrNil and fcrZero both have cb 0; a list or object of no bytes is absent either way */
static bool ref_is_nil(uint64_t stp, uint64_t cb)
{
    (void)stp;
    return cb == 0;
}

static bool walk_list(walker *w, uint64_t stp, uint64_t cb, int depth, const gid_table *outer);

static bool add_fds(walker *w, const fnode *f)
{
    eg_cur c = eg_cur_make(f->d, f->dl);
    uint64_t stp, cb;
    const uint8_t *g;
    if (!read_ref(&c, f, &stp, &cb) || !(g = eg_cur_take(&c, 16)))
        return fail(w, "file data reference cut short");
    if (w->nfds >= OS_MAX_OBJECTS)
        return fail(w, "over %d file data references", OS_MAX_OBJECTS);
    fds_ref *v = realloc(w->fds, (w->nfds + 1) * sizeof *v);
    if (!v)
        return fail(w, "out of memory");
    w->fds = v;
    memcpy(v[w->nfds].guid, g, 16);
    v[w->nfds].stp = stp;
    w->nfds++;
    return true;
}

static bool add_fdo(walker *w, const fnode *f, const gid_table *t)
{
    eg_cur c = eg_cur_make(f->d, f->dl);
    uint32_t oid = eg_cur_u32le(&c), jcid = eg_cur_u32le(&c);
    eg_cur_skip(&c, f->id == 0x072 ? 1 : 4); /* cRef */
    uint32_t cch = eg_cur_u32le(&c);
    const uint8_t *ref = cch <= 4096 ? eg_cur_take(&c, (size_t)cch * 2) : NULL;
    uint32_t ecch = eg_cur_u32le(&c);
    const uint8_t *ext = ecch <= 256 ? eg_cur_take(&c, (size_t)ecch * 2) : NULL;
    if (!ref || !ext || c.err)
        return fail(w, "file data declaration cut short");
    fdo_decl d = {.jcid = jcid};
    if (!resolve(t, oid, &d.oid))
        return fail(w, "file data object id not in the global id table");
    d.has_guid = parse_ifndf(ref, cch, d.guid);
    if (w->nfdo >= OS_MAX_OBJECTS)
        return fail(w, "over %d file data objects", OS_MAX_OBJECTS);
    fdo_decl *v = realloc(w->fdo, (w->nfdo + 1) * sizeof *v);
    if (!v)
        return fail(w, "out of memory");
    w->fdo = v;
    d.ext = utf16_dup(ext, (size_t)ecch * 2);
    v[w->nfdo++] = d;
    return true;
}

static efn_node *find_efn(walker *w, const xguid *oid)
{
    for (size_t i = 0; i < w->nefn; i++)
        if (xguid_eq(&w->efn[i].oid, oid))
            return &w->efn[i];
    return NULL;
}

/* An object declaration (0xA4/0xA5/0xC4/0xC5) or revision (0x41/0x42) whose property set may be
 * an embedded file node's. */
static bool object_decl(walker *w, const fnode *f, const gid_table *t)
{
    eg_cur c = eg_cur_make(f->d, f->dl);
    uint64_t stp, cb;
    if (!read_ref(&c, f, &stp, &cb))
        return fail(w, "object declaration cut short");
    uint32_t oid = eg_cur_u32le(&c);
    bool revision = f->id == 0x041 || f->id == 0x042;
    uint32_t jcid = revision ? 0 : eg_cur_u32le(&c);
    if (c.err)
        return fail(w, "object declaration cut short");
    if (!revision && jcid != JCID_EMBEDDED_FILE_NODE)
        return true; /* other objects' ids are not needed */
    xguid x;
    if (!resolve(t, oid, &x))
        return revision ? true : fail(w, "object id not in the global id table");
    efn_node *e = find_efn(w, &x);
    if (revision && !e)
        return true; /* a revision of some other object */
    propwalk pw;
    if (!read_propset(w, stp, cb, &pw))
        return false;
    if (!e) {
        if (w->nefn >= OS_MAX_OBJECTS) {
            free(pw.name);
            return fail(w, "over %d embedded file nodes", OS_MAX_OBJECTS);
        }
        efn_node *v = realloc(w->efn, (w->nefn + 1) * sizeof *v);
        if (!v) {
            free(pw.name);
            return fail(w, "out of memory");
        }
        w->efn = v;
        e = &v[w->nefn++];
        memset(e, 0, sizeof *e);
        e->oid = x;
    }
    if (pw.name) {
        free(e->name);
        e->name = pw.name;
    }
    if (pw.has_container) {
        if (!resolve(t, pw.container, &e->container))
            return fail(w, "embedded file container id not in the global id table");
        e->has_container = true;
    }
    return true;
}

/* The global identification tables of one list: the one in effect (cur) and, for the copying
 * entries 0x025/0x026, the one before it (prev). A list starts with its parent's table. */
typedef struct {
    gid_table t[2];
    const gid_table *cur, *prev;
} gid_scope;

static gid_table *scope_start(gid_scope *g)
{
    gid_table *next = g->cur == &g->t[0] ? &g->t[1] : &g->t[0];
    g->prev = g->cur;
    next->n = 0;
    g->cur = next;
    return next;
}

/* entries without a start node open a table of their own */
static gid_table *scope_local(gid_scope *g)
{
    if (g->cur == &g->t[0])
        return &g->t[0];
    if (g->cur == &g->t[1])
        return &g->t[1];
    return scope_start(g);
}

static bool gid_copy(walker *w, const gid_table *from, gid_table *to, uint32_t src, uint32_t dst)
{
    for (size_t i = 0; from && i < from->n; i++)
        if (from->v[i].index == src)
            return table_put(w, to, dst, from->v[i].guid);
    return fail(w, "global id table copies an index it does not have");
}

static bool gid_node(walker *w, const fnode *f, gid_scope *g)
{
    eg_cur c = eg_cur_make(f->d, f->dl);
    switch (f->id) {
    case 0x021:
    case 0x022: scope_start(g); return true;
    case 0x024: {
        uint32_t index = eg_cur_u32le(&c);
        const uint8_t *guid = eg_cur_take(&c, 16);
        if (!guid)
            return fail(w, "global id entry cut short");
        return table_put(w, scope_local(g), index, guid);
    }
    case 0x025: {
        uint32_t from = eg_cur_u32le(&c), to = eg_cur_u32le(&c);
        if (c.err)
            return fail(w, "global id entry cut short");
        gid_table *t = scope_local(g);
        return gid_copy(w, g->prev, t, from, to);
    }
    default: { /* 0x026 */
        uint32_t from = eg_cur_u32le(&c), count = eg_cur_u32le(&c), to = eg_cur_u32le(&c);
        if (c.err || count > OS_MAX_GIDS)
            return fail(w, "global id entry cut short");
        gid_table *t = scope_local(g);
        for (uint32_t k = 0; k < count; k++)
            if (!gid_copy(w, g->prev, t, from + k, to + k))
                return false;
        return true;
    }
    }
}

static bool node(walker *w, const fnode *f, int depth, gid_scope *g)
{
    switch (f->id) {
    case 0x021:
    case 0x022:
    case 0x024:
    case 0x025:
    case 0x026: return gid_node(w, f, g);
    case 0x094: return add_fds(w, f);
    case 0x072:
    case 0x073: return add_fdo(w, f, g->cur);
    case 0x0A4:
    case 0x0A5:
    case 0x0C4:
    case 0x0C5:
    case 0x041:
    case 0x042: return object_decl(w, f, g->cur);
    default: break;
    }
    if (f->base == 2) { /* a reference to another file node list */
        eg_cur c = eg_cur_make(f->d, f->dl);
        uint64_t stp, cb;
        if (!read_ref(&c, f, &stp, &cb))
            return fail(w, "list reference cut short");
        if (!ref_is_nil(stp, cb))
            return walk_list(w, stp, cb, depth + 1, g->cur);
    }
    return true;
}

static bool seen_fragment(walker *w, uint64_t stp)
{
    for (size_t i = 0; i < w->fragments; i++)
        if (w->visited[i] == stp)
            return true;
    w->visited[w->fragments++] = stp;
    return false;
}

/* One file node list: its fragments in chain order. */
static bool walk_list(walker *w, uint64_t stp, uint64_t cb, int depth, const gid_table *outer)
{
    if (depth > OS_MAX_DEPTH)
        return fail(w, "file node lists nested over %d deep", OS_MAX_DEPTH);
    gid_scope g = {.cur = outer, .prev = NULL};
    bool ok = true;
    uint32_t list_id = 0;
    for (int seq = 0; ok; seq++) {
        if (w->fragments >= OS_MAX_FRAGMENTS) {
            ok = fail(w, "over %d list fragments", OS_MAX_FRAGMENTS);
            break;
        }
        if (cb < 36 || !eg_in_bounds(w->n, stp, cb)) {
            ok = fail(w, "list fragment at %llu (%llu bytes) outside the file",
                      (unsigned long long)stp, (unsigned long long)cb);
            break;
        }
        if (seen_fragment(w, stp)) {
            ok = fail(w, "list fragment at %llu read twice (a loop)", (unsigned long long)stp);
            break;
        }
        const uint8_t *fr = w->p + stp;
        size_t end = (size_t)cb - 20; /* nextFragment, then the footer */
        uint32_t id = eg_rd32le(fr + 8);
        if (eg_rd64le(fr) != FRAG_MAGIC || eg_rd64le(fr + cb - 8) != FRAG_FOOTER ||
            (seq && id != list_id)) {
            ok = fail(w, "list fragment at %llu: bad header or footer", (unsigned long long)stp);
            break;
        }
        list_id = id;
        for (size_t at = 16; ok && end - at >= 4;) {
            uint32_t h = eg_rd32le(fr + at);
            fnode f = {.id = h & 0x3FF,
                       .size = (h >> 10) & 0x1FFF,
                       .stpf = (h >> 23) & 3,
                       .cbf = (h >> 25) & 3,
                       .base = (h >> 27) & 0xF};
            if (f.id == 0xFF || h == 0)
                break; /* chunk terminator, or zero padding up to nextFragment */
            if (f.size < 4 || f.size > end - at) {
                ok = fail(w, "file node at %llu runs past its fragment",
                          (unsigned long long)(stp + at));
                break;
            }
            if (++w->nodes > OS_MAX_NODES) {
                ok = fail(w, "over %d file nodes", OS_MAX_NODES);
                break;
            }
            if ((w->nodes & 0x3FF) == 0 && eg_scan_timed_out(w->s, w->obj)) {
                ok = fail(w, "time limit");
                break;
            }
            f.d = fr + at + 4;
            f.dl = f.size - 4;
            ok = node(w, &f, depth, &g);
            at += f.size;
        }
        if (!ok)
            break;
        uint64_t nstp = eg_rd64le(fr + end);
        uint64_t ncb = eg_rd32le(fr + end + 8);
        if (ref_is_nil(nstp, ncb))
            break;
        stp = nstp;
        cb = ncb;
    }
    free(g.t[0].v);
    free(g.t[1].v);
    return ok;
}

/* ---- the map ---- */

static const fdo_decl *fdo_of(const walker *w, const xguid *oid)
{
    const fdo_decl *r = NULL;
    for (size_t i = 0; i < w->nfdo; i++)
        if (xguid_eq(&w->fdo[i].oid, oid))
            r = &w->fdo[i]; /* the last declaration is the current one */
    return r;
}

static const fds_ref *fds_of(const walker *w, const uint8_t guid[16])
{
    for (size_t i = 0; i < w->nfds; i++)
        if (!memcmp(w->fds[i].guid, guid, 16))
            return &w->fds[i];
    return NULL;
}

static eg_one_ref *map_slot(eg_one_map *m, uint64_t stp)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].stp == stp)
            return &m->v[i];
    eg_one_ref *v = realloc(m->v, (m->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    m->v = v;
    memset(&v[m->n], 0, sizeof v[m->n]);
    v[m->n].stp = stp;
    return &v[m->n++];
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void build_map(const walker *w, eg_one_map *m)
{
    /* every file data object the store declares, named or not */
    for (size_t i = 0; i < w->nfdo; i++) {
        const fds_ref *r = w->fdo[i].has_guid ? fds_of(w, w->fdo[i].guid) : NULL;
        eg_one_ref *e = r ? map_slot(m, r->stp) : NULL;
        if (!e)
            continue;
        e->jcid = w->fdo[i].jcid;
        free(e->ext);
        e->ext = dup_or_null(w->fdo[i].ext);
    }
    for (size_t i = 0; i < w->nefn; i++) {
        const efn_node *n = &w->efn[i];
        const fdo_decl *d = n->has_container ? fdo_of(w, &n->container) : NULL;
        const fds_ref *r = d && d->has_guid ? fds_of(w, d->guid) : NULL;
        eg_one_ref *e = r && n->name ? map_slot(m, r->stp) : NULL;
        if (!e)
            continue;
        free(e->name);
        e->name = strdup(n->name);
    }
}

static void walker_free(walker *w)
{
    free(w->visited);
    free(w->fds);
    for (size_t i = 0; i < w->nfdo; i++)
        free(w->fdo[i].ext);
    free(w->fdo);
    for (size_t i = 0; i < w->nefn; i++)
        free(w->efn[i].name);
    free(w->efn);
}

eg_status eg_one_store_map(eg_scan *s, const eg_object *obj, eg_one_map *out)
{
    memset(out, 0, sizeof *out);
    walker w = {.s = s, .obj = obj, .p = obj->data, .n = (size_t)obj->size};
    if (!w.p || w.n < 1024) {
        snprintf(out->why, sizeof out->why, "section header cut short");
        return EG_OK;
    }
    w.visited = malloc(OS_MAX_FRAGMENTS * sizeof *w.visited);
    if (!w.visited)
        return EG_ENOMEM;
    uint64_t stp = eg_rd64le(w.p + 172), cb = eg_rd32le(w.p + 180); /* fcrFileNodeListRoot */
    bool ok =
        ref_is_nil(stp, cb) ? fail(&w, "no root file node list") : walk_list(&w, stp, cb, 0, NULL);
    build_map(&w, out);
    out->walked = ok;
    if (!ok)
        snprintf(out->why, sizeof out->why, "%s", w.why);
    out->names = 0;
    for (size_t i = 0; i < out->n; i++)
        out->names += out->v[i].name != NULL;
    walker_free(&w);
    return EG_OK;
}

void eg_one_map_free(eg_one_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].ext);
    }
    free(m->v);
    memset(m, 0, sizeof *m);
}

const eg_one_ref *eg_one_map_find(const eg_one_map *m, uint64_t stp)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].stp == stp)
            return &m->v[i];
    return NULL;
}

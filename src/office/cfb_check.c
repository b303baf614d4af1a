/*
 * CFB pre-check (MS-CFB): our own iterative walk over the header, the DIFAT (with its chained
 * sectors), the FAT, the mini FAT, the directory chain and the directory tree, run before a file
 * is handed to libgsf. libgsf reads the directory with a recursion one stack frame (about 256
 * bytes) per left/right/child link, builds every storage's child list by sorted insertion
 * (quadratic) and sizes a scratch array by the directory's byte length times 128: a sibling chain
 * 40 000 deep exhausts an 8 MiB stack. What it cannot take safely, and what a well-formed file
 * never holds, is refused here with a reason:
 *   - sector shift other than 9 or 12, mini sector shift other than 6, mini cutoff other than
 *     4096, counts (FAT, DIFAT, mini FAT sectors) larger than the file;
 *   - DIFAT, FAT and mini FAT chains that loop, cross each other or leave the file, and stream
 *     chains too short for the stream's size (libgsf drops such a stream without a word);
 *   - a directory tree with an entry reached twice (cycles), links to unused or missing entries,
 *     a stream with children or larger than the file, a root that is not a root or that has
 *     siblings;
 *   - a FAT of more than 2^21 entries (libgsf allocates it, and a bitmap of it on the stack for
 *     every chain it follows);
 *   - more than EG_CFB_MAX_ENTRIES entries or link depth beyond EG_CFB_MAX_DEPTH (libgsf's
 *     recursion then needs at most 2048 x 256 bytes = 512 KiB of stack).
 * The walk goes on past libgsf's bounds (to EG_CFB_WALK_MAX entries) so that a macro storage
 * (a VBA storage holding a dir stream, Macros, _VBA_PROJECT_CUR) is still seen in a refused file.
 *
 * It reads no stream content and does not decide what the document is; cfb.c does (through
 * libgsf) once the check has passed.
 */
#include "office/office_int.h"

#include "core/safe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENDOFCHAIN 0xFFFFFFFEu
#define FREESECT 0xFFFFFFFFu
#define NOSTREAM 0xFFFFFFFFu
#define MAXREGSECT 0xFFFFFFFAu
#define HDR_DIFAT 109u
#define DIRENT 128u
#define MINI_CUTOFF 4096u
/* our own walk: far beyond any document, small enough for its arrays (12 bytes an entry) */
#define EG_CFB_WALK_MAX (1u << 18)
#define EG_CFB_MAX_FAT_ENTRIES (1u << 21)

typedef struct ck {
    const uint8_t *d;
    size_t len;
    unsigned shift;
    uint32_t ssz;      /* sector size */
    uint32_t nsec;     /* sectors that start inside the file */
    uint32_t *fat;     /* nsec entries */
    uint8_t *owner;    /* one bit per sector: already on some chain */
    uint32_t *minifat; /* nmini entries */
    uint32_t nmini;
    uint8_t *mowner;
    uint32_t *dirsec; /* directory chain */
    uint32_t ndirsec;
    eg_cfb_info *info;
} ck;

static bool bit_test_set(uint8_t *bm, uint32_t i)
{
    bool was = bm[i >> 3] & (1u << (i & 7));
    bm[i >> 3] |= (uint8_t)(1u << (i & 7));
    return was;
}

static eg_status fail(ck *c, eg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static eg_status fail(ck *c, eg_status st, const char *fmt, ...)
{
    if (!c->info->reason[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->info->reason, sizeof c->info->reason, fmt, ap);
        va_end(ap);
        c->info->status = st;
    }
    return st;
}

/* A whole sector inside the file, or NULL. Sector i follows the header sector. */
static const uint8_t *sector(const ck *c, uint32_t i)
{
    uint64_t off = ((uint64_t)i + 1) << c->shift;
    return eg_in_bounds(c->len, off, c->ssz) ? c->d + off : NULL;
}

static eg_status read_header(ck *c)
{
    static const uint8_t sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (c->len < 512 || memcmp(c->d, sig, 8))
        return fail(c, EG_EFORMAT, "no CFB header");
    uint16_t shift = eg_rd16le(c->d + 0x1E), mshift = eg_rd16le(c->d + 0x20);
    if (shift != 9 && shift != 12)
        return fail(c, EG_EFORMAT, "sector shift %u (only 9 and 12 exist)", shift);
    if (mshift != 6)
        return fail(c, EG_EFORMAT, "mini sector shift %u (only 6 exists)", mshift);
    uint32_t cutoff = eg_rd32le(c->d + 0x38);
    if (cutoff != MINI_CUTOFF)
        return fail(c, EG_EFORMAT, "mini stream cutoff %u (only 4096 exists)", cutoff);
    c->shift = shift;
    c->ssz = 1u << shift;
    if (c->len <= c->ssz)
        return fail(c, EG_EFORMAT, "no sector after the header");
    uint64_t n = (c->len - c->ssz + c->ssz - 1) >> shift;
    c->nsec = n > MAXREGSECT ? MAXREGSECT : (uint32_t)n;
    return EG_OK;
}

/* FAT sectors from the header's 109 DIFAT slots and the chained DIFAT sectors, then the FAT. */
static eg_status read_fat(ck *c)
{
    const uint8_t *h = c->d;
    uint32_t nfat = eg_rd32le(h + 0x2C), ndif = eg_rd32le(h + 0x48), dif = eg_rd32le(h + 0x44);
    uint32_t per = c->ssz / 4;
    if (nfat == 0 || nfat > c->nsec)
        return fail(c, EG_EFORMAT, "%u FAT sectors in a file of %u sectors", nfat, c->nsec);
    if (ndif > c->nsec)
        return fail(c, EG_EFORMAT, "%u DIFAT sectors in a file of %u sectors", ndif, c->nsec);
    /* a FAT of nfat sectors needs exactly this many DIFAT sectors */
    uint32_t need = nfat <= HDR_DIFAT ? 0 : (nfat - HDR_DIFAT + per - 2) / (per - 1);
    if (ndif < need)
        return fail(c, EG_EFORMAT, "%u DIFAT sectors for %u FAT sectors (%u needed)", ndif, nfat,
                    need);
    uint32_t *fs = malloc((size_t)nfat * sizeof *fs);
    if (!fs)
        return EG_ENOMEM;
    uint32_t got = 0;
    for (uint32_t i = 0; i < HDR_DIFAT && got < nfat; i++)
        fs[got++] = eg_rd32le(h + 0x4C + 4 * i);
    for (uint32_t k = 0; k < ndif; k++) {
        const uint8_t *p = dif < c->nsec ? sector(c, dif) : NULL;
        if (!p) {
            free(fs);
            return fail(c, EG_EFORMAT, "DIFAT sector %u outside the file", dif);
        }
        if (bit_test_set(c->owner, dif)) {
            free(fs);
            return fail(c, EG_EFORMAT, "DIFAT chain loops (sector %u again)", dif);
        }
        for (uint32_t i = 0; i + 1 < per && got < nfat; i++)
            fs[got++] = eg_rd32le(p + 4 * i);
        dif = eg_rd32le(p + 4 * (per - 1));
    }
    /* a next pointer after the last counted DIFAT sector is not followed (nor by libgsf) */
    /* libgsf allocates the FAT for nfat sectors and a bitmap of it on the stack (alloca) for
     * every chain it follows: at most 2^21 entries (a 256 KiB bitmap, an 8 MiB table, a 1 GiB
     * file). Writers do allocate FAT sectors the file does not need (Office's encrypted
     * packages: 3 for 36 sectors), so the bound is absolute, not the file's own need. */
    if ((uint64_t)nfat * per > EG_CFB_MAX_FAT_ENTRIES) {
        free(fs);
        return fail(c, EG_EFORMAT, "%u FAT sectors (%llu entries, more than %u)", nfat,
                    (unsigned long long)nfat * per, EG_CFB_MAX_FAT_ENTRIES);
    }
    eg_status st = EG_OK;
    for (uint32_t i = 0; i < nfat && st == EG_OK; i++) {
        if (fs[i] == FREESECT) /* some writers leave gaps; libgsf reads them as free */
            continue;
        if (fs[i] >= c->nsec || !sector(c, fs[i]))
            st = fail(c, EG_EFORMAT, "FAT sector %u outside the file", fs[i]);
        else if (bit_test_set(c->owner, fs[i]))
            st = fail(c, EG_EFORMAT, "FAT sector %u listed twice or shared with the DIFAT", fs[i]);
    }
    for (uint32_t i = 0; i < c->nsec; i++)
        c->fat[i] = FREESECT;
    for (uint32_t i = 0; i < nfat && st == EG_OK; i++) {
        if (fs[i] == FREESECT)
            continue;
        const uint8_t *p = sector(c, fs[i]);
        for (uint32_t k = 0; k < per; k++) {
            uint64_t idx = (uint64_t)i * per + k;
            if (idx >= c->nsec)
                break;
            c->fat[idx] = eg_rd32le(p + 4 * k);
        }
    }
    free(fs);
    return st;
}

/* Follows a FAT chain from start, each sector at most once over all chains. When out is set the
 * sectors are stored there (at most max). */
static eg_status chain(ck *c, uint32_t start, const char *what, uint32_t max, uint32_t **out,
                       uint32_t *n)
{
    uint32_t cnt = 0, cap = 0;
    uint32_t *v = NULL;
    for (uint32_t s = start; s != ENDOFCHAIN;) {
        eg_status st = EG_OK;
        if (s >= c->nsec)
            st = fail(c, EG_EFORMAT, "%s chain leaves the file (sector 0x%X)", what, s);
        else if (bit_test_set(c->owner, s))
            st =
                fail(c, EG_EFORMAT, "%s chain loops or crosses another chain (sector %u)", what, s);
        else if (cnt >= max)
            st = fail(c, EG_ELIMIT, "%s chain longer than %u sectors", what, max);
        if (st == EG_OK && out && cnt == cap) {
            cap = cap ? cap * 2 : 64;
            uint32_t *nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv)
                st = EG_ENOMEM;
            else
                v = nv;
        }
        if (st != EG_OK) {
            free(v);
            return st;
        }
        if (out)
            v[cnt] = s;
        cnt++;
        s = c->fat[s];
    }
    if (out)
        *out = v;
    if (n)
        *n = cnt;
    return EG_OK;
}

static eg_status read_minifat(ck *c)
{
    uint32_t first = eg_rd32le(c->d + 0x3C), n = eg_rd32le(c->d + 0x40);
    if (n > c->nsec)
        return fail(c, EG_EFORMAT, "%u mini FAT sectors in a file of %u sectors", n, c->nsec);
    if (first == ENDOFCHAIN || first == FREESECT)
        return EG_OK;
    uint32_t *secs = NULL, ns = 0;
    eg_status st = chain(c, first, "mini FAT", c->nsec, &secs, &ns);
    if (st != EG_OK)
        return st;
    uint32_t per = c->ssz / 4;
    c->nmini = ns * per;
    c->minifat = malloc(((size_t)c->nmini + 1) * sizeof *c->minifat);
    c->mowner = calloc((size_t)c->nmini / 8 + 1, 1);
    if (!c->minifat || !c->mowner) {
        free(secs);
        return EG_ENOMEM;
    }
    for (uint32_t i = 0; i < ns; i++) {
        const uint8_t *p = sector(c, secs[i]);
        if (!p) {
            uint32_t bad = secs[i]; /* named before the list is freed */
            free(secs);
            return fail(c, EG_EFORMAT, "mini FAT sector %u outside the file", bad);
        }
        for (uint32_t k = 0; k < per; k++)
            c->minifat[i * per + k] = eg_rd32le(p + 4 * k);
    }
    free(secs);
    return EG_OK;
}

/* A small stream's chain in the mini FAT; size bytes must fit in it (libgsf drops a stream whose
 * chain is too short, and with it what the stream holds). */
static eg_status mini_chain(ck *c, uint32_t start, uint64_t size, uint64_t mini_len)
{
    uint64_t n = 0;
    for (uint32_t s = start; s != ENDOFCHAIN; s = c->minifat[s], n++) {
        if (s >= c->nmini || ((uint64_t)s + 1) * 64 > mini_len)
            return fail(c, EG_EFORMAT, "mini stream chain leaves the mini stream (sector 0x%X)", s);
        if (bit_test_set(c->mowner, s))
            return fail(c, EG_EFORMAT,
                        "mini stream chain loops or crosses another (mini sector %u)", s);
    }
    if (n * 64 < size)
        return fail(c, EG_EFORMAT, "a stream of %llu bytes in %llu mini sectors",
                    (unsigned long long)size, (unsigned long long)n);
    return EG_OK;
}

typedef struct dent {
    uint8_t type;
    uint32_t left, right, child, start;
    uint64_t size;
    char name[33]; /* ASCII part of the name, '?' for the rest */
} dent;

static const uint8_t *dirent_at(const ck *c, uint32_t id)
{
    uint32_t per = c->ssz / DIRENT;
    uint32_t si = id / per;
    if (si >= c->ndirsec)
        return NULL;
    const uint8_t *p = sector(c, c->dirsec[si]);
    return p ? p + (size_t)(id % per) * DIRENT : NULL;
}

static void dent_read(const uint8_t *p, bool v3, dent *e)
{
    uint16_t nl = eg_rd16le(p + 0x40);
    size_t chars = nl >= 2 && nl <= 64 ? nl / 2 - 1 : 0;
    size_t k = 0;
    for (size_t i = 0; i < chars && k < sizeof e->name - 1; i++) {
        uint16_t u = eg_rd16le(p + 2 * i);
        e->name[k++] = u >= 0x20 && u < 0x7F ? (char)u : '?';
    }
    e->name[k] = '\0';
    e->type = p[0x42];
    e->left = eg_rd32le(p + 0x44);
    e->right = eg_rd32le(p + 0x48);
    e->child = eg_rd32le(p + 0x4C);
    e->start = eg_rd32le(p + 0x74);
    e->size = v3 ? eg_rd32le(p + 0x78) : eg_rd64le(p + 0x78);
}

typedef struct item {
    uint32_t id, parent, depth;
} item;

/* Notes macro storages: a VBA storage holding "dir", and the storages Office keeps them in. */
static void note_macro(ck *c, const dent *e, uint32_t parent, const uint32_t *parents,
                       const char *const *names)
{
    eg_cfb_info *in = c->info;
    if (e->type == 1 &&
        (!strcasecmp(e->name, "Macros") || !strcasecmp(e->name, "_VBA_PROJECT_CUR")))
        in->macro_storage = true;
    if (e->type == 2 && !strcasecmp(e->name, "dir") && parent != NOSTREAM && names[parent] &&
        !strcasecmp(names[parent], "VBA") && !in->vba_dir) {
        in->vba_dir = true;
        uint32_t gp = parents[parent];
        snprintf(in->vba_path, sizeof in->vba_path, "%s%sVBA",
                 gp != NOSTREAM && gp != 0 && names[gp] ? names[gp] : "",
                 gp != NOSTREAM && gp != 0 ? "/" : "");
    }
}

static eg_status walk_dir(ck *c, bool v3, uint64_t *mini_len, uint32_t *mini_start)
{
    uint32_t slots64 = c->ndirsec * (c->ssz / DIRENT);
    uint32_t slots = slots64 > EG_CFB_WALK_MAX ? EG_CFB_WALK_MAX : slots64;
    uint8_t *seen = calloc((size_t)slots / 8 + 1, 1);
    uint32_t *parents = malloc((size_t)slots * sizeof *parents);
    char **names = calloc(slots, sizeof *names); /* only storages keep a name */
    size_t cap = 256, top = 0;
    item *stk = malloc(cap * sizeof *stk);
    eg_status st = EG_OK;
    if (!seen || !parents || !names || !stk) {
        st = EG_ENOMEM;
        goto out;
    }
    stk[top++] = (item){0, NOSTREAM, 1};
    while (top && st != EG_ENOMEM) {
        item it = stk[--top];
        if (it.id == NOSTREAM)
            continue;
        if (it.id >= slots) {
            st = fail(c, it.id >= slots64 ? EG_EFORMAT : EG_ELIMIT,
                      "directory link to entry %u of %u", it.id, slots64);
            if (it.id >= slots64)
                continue;
            break;
        }
        if (bit_test_set(seen, it.id)) {
            st = fail(c, EG_EFORMAT,
                      "directory entry %u reached twice (a cycle in the directory tree)", it.id);
            continue;
        }
        const uint8_t *p = dirent_at(c, it.id);
        if (!p) {
            st = fail(c, EG_EFORMAT, "directory entry %u outside the file", it.id);
            continue;
        }
        dent e;
        dent_read(p, v3, &e);
        c->info->entries++;
        if (it.depth > c->info->depth)
            c->info->depth = it.depth;
        if (it.depth > EG_CFB_MAX_DEPTH)
            fail(c, EG_EFORMAT, "directory tree more than %u links deep", EG_CFB_MAX_DEPTH);
        if (c->info->entries > EG_CFB_MAX_ENTRIES)
            fail(c, EG_ELIMIT, "more than %u directory entries", EG_CFB_MAX_ENTRIES);
        parents[it.id] = it.parent;
        if (it.id == 0) {
            if (e.type != 5)
                st = fail(c, EG_EFORMAT, "the first directory entry is not the root (type %u)",
                          e.type);
            *mini_start = e.start;
            *mini_len = e.size;
            /* MS-CFB: the root has no siblings. libgsf follows them anyway, with no parent to
             * hang them on (it leaks them) and with the same recursion per link, so they are
             * neither walked here nor allowed through. */
            if (e.left != NOSTREAM || e.right != NOSTREAM)
                st = fail(c, EG_EFORMAT, "the root entry has siblings (%u, %u)", e.left, e.right);
        } else if (e.type != 1 && e.type != 2) {
            st = fail(c, EG_EFORMAT, "directory entry %u of type %u linked into the tree", it.id,
                      e.type);
            continue;
        }
        if (e.type != 2)
            names[it.id] = strdup(e.name);
        note_macro(c, &e, it.parent, parents, (const char *const *)names);
        if (e.type == 2 && e.child != NOSTREAM)
            st = fail(c, EG_EFORMAT, "stream entry %u has children", it.id);
        if (e.type == 2 && e.size > c->len)
            st = fail(c, EG_EFORMAT, "stream \"%s\" claims %llu bytes in a file of %zu", e.name,
                      (unsigned long long)e.size, c->len);
        if (e.type == 2 && e.size >= MINI_CUTOFF && e.size <= c->len) {
            uint32_t n = 0;
            eg_status cs = chain(c, e.start, "stream", c->nsec, NULL, &n);
            if (cs == EG_ENOMEM)
                st = cs;
            else if (cs == EG_OK && (uint64_t)n * c->ssz < e.size)
                st = fail(c, EG_EFORMAT, "stream \"%s\" of %llu bytes in %u sectors", e.name,
                          (unsigned long long)e.size, n);
        }
        if (top + 3 > cap) {
            item *ns = realloc(stk, cap * 2 * sizeof *ns);
            if (!ns) {
                st = EG_ENOMEM;
                break;
            }
            stk = ns;
            cap *= 2;
        }
        /* root and storages: the child subtree; everyone: both siblings (same parent) */
        if (e.type != 2)
            stk[top++] = (item){e.child, it.id, it.depth + 1};
        if (it.id != 0) {
            stk[top++] = (item){e.right, it.parent, it.depth + 1};
            stk[top++] = (item){e.left, it.parent, it.depth + 1};
        }
    }
    /* mini streams once the root (and so the mini stream's length) is known: a second pass over
     * the entries reached */
    if (st != EG_ENOMEM) {
        for (uint32_t id = 1; id < slots && st != EG_ENOMEM; id++) {
            if (!(seen[id >> 3] & (1u << (id & 7))))
                continue;
            const uint8_t *p = dirent_at(c, id);
            dent e;
            if (!p)
                continue;
            dent_read(p, v3, &e);
            if (e.type != 2 || e.size == 0 || e.size >= MINI_CUTOFF)
                continue;
            if (!c->minifat)
                st = fail(c, EG_EFORMAT, "stream \"%s\" in a mini stream without a mini FAT",
                          e.name);
            else
                mini_chain(c, e.start, e.size, *mini_len);
        }
    }
out:
    if (names)
        for (uint32_t i = 0; i < slots; i++)
            free(names[i]);
    free(names);
    free(parents);
    free(seen);
    free(stk);
    return st;
}

eg_status eg_cfb_check(const uint8_t *d, size_t len, eg_cfb_info *info)
{
    memset(info, 0, sizeof *info);
    ck c = {.d = d, .len = len, .info = info};
    eg_status st = read_header(&c);
    if (st == EG_OK) {
        c.fat = malloc((size_t)c.nsec * sizeof *c.fat);
        c.owner = calloc((size_t)c.nsec / 8 + 1, 1);
        st = c.fat && c.owner ? read_fat(&c) : EG_ENOMEM;
    }
    uint32_t maxdir = (uint32_t)((uint64_t)EG_CFB_WALK_MAX * DIRENT >> c.shift);
    if (st == EG_OK)
        st = chain(&c, eg_rd32le(d + 0x30), "directory", maxdir, &c.dirsec, &c.ndirsec);
    if (st == EG_OK || st == EG_ELIMIT) {
        eg_status ms = read_minifat(&c);
        if (ms == EG_ENOMEM)
            st = ms;
    }
    if (st == EG_OK || st == EG_ELIMIT) {
        uint64_t mini_len = 0;
        uint32_t mini_start = ENDOFCHAIN;
        eg_status ws = walk_dir(&c, eg_rd16le(d + 0x1A) == 3, &mini_len, &mini_start);
        if (ws == EG_ENOMEM)
            st = ws;
        else if (mini_len && !info->reason[0])
            chain(&c, mini_start, "mini stream", c.nsec, NULL, NULL);
        /* libgsf sizes a scratch array by the directory's length times 128 */
        if ((uint64_t)c.ndirsec * c.ssz / DIRENT > EG_CFB_MAX_ENTRIES)
            fail(&c, EG_ELIMIT, "directory of %u sectors (%u entries, more than %u)", c.ndirsec,
                 (unsigned)((uint64_t)c.ndirsec * c.ssz / DIRENT), EG_CFB_MAX_ENTRIES);
    }
    free(c.fat);
    free(c.owner);
    free(c.minifat);
    free(c.mowner);
    free(c.dirsec);
    if (st == EG_ENOMEM)
        return st;
    return info->reason[0] ? info->status : EG_OK;
}

/* ---- findings ---------------------------------------------------------------------------- */

static void macros_unread(eg_scan *s, const eg_object *obj, const eg_cfb_info *ci, const char *why)
{
    if (ci->vba_dir)
        eg_scan_finding(s, obj, EG_R_VBA_MACRO, "\"%s\" (macros present but not read: %s)",
                        ci->vba_path[0] ? ci->vba_path : "VBA", why);
    else if (ci->macro_storage)
        eg_scan_finding(s, obj, EG_R_VBA_MACRO, "macro storage present but not read: %s", why);
}

bool eg_office_cfb_precheck(eg_scan *s, const eg_object *obj, eg_cfb_info *ci)
{
    eg_status st = eg_cfb_check(obj->data, obj->size, ci);
    if (st == EG_OK)
        return true;
    if (st == EG_ENOMEM) {
        eg_scan_finding(s, obj, EG_R_OFFICE_CFB_MALFORMED, "not checked: out of memory");
        return false;
    }
    eg_scan_finding(s, obj, st == EG_ELIMIT ? EG_R_LIMIT_OBJECTS : EG_R_OFFICE_CFB_MALFORMED, "%s",
                    ci->reason);
    if (st == EG_ELIMIT)
        eg_scan_finding(s, obj, EG_R_OFFICE_CFB_MALFORMED, "not opened: %s", ci->reason);
    macros_unread(s, obj, ci, ci->reason);
    return false;
}

void eg_office_cfb_unread(eg_scan *s, const eg_object *obj, const eg_cfb_info *ci, const char *why)
{
    eg_scan_finding(s, obj, EG_R_OFFICE_CFB_MALFORMED, "%s", why);
    macros_unread(s, obj, ci, why);
}

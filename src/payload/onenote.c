/*
 * OneNote sections (.one) and packages' sections (MS-ONESTORE). Embedded files live in
 * FileDataStoreObject structures: header GUID {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}, a 64-bit
 * length, 12 reserved bytes, the file's bytes, padding to 8 bytes and the footer GUID
 * {71FBA722-0F79-4A0B-BB13-899256426B24}. We find them by their header GUID wherever they sit,
 * check the length and the footer, and hand each file on as a child: a file the revision store
 * does not reference is still analysed.
 *
 * Names come from the revision store (onestore.c): the embedded file node's EmbeddedFileName,
 * paired with the FileDataStoreObject its EmbeddedFileContainer references. Only when the store
 * cannot be walked (damaged, cut short, over a limit), or for a file it does not reference, do
 * we guess: the UTF-16 strings of the section that look like file names are collected and each
 * such file gets the unused name whose extension fits its content (a <job> gets the .wsf name,
 * an MZ image the .exe/.dll name), else none. A guess can swap names between files of the same
 * kind (contents are never mixed up); the evidence says which names were guessed and why.
 * Page text is searched for the "double click to view" lure.
 *
 * .onepkg (a CAB of sections) is read by the archive module; its sections come back here.
 */
#include "payload/payload.h"

#include "core/buf.h"
#include "core/safe.h"
#include "core/strutil.h"
#include "core/utf8.h"
#include "payload/payload_int.h"
#include "scan/detect.h"
#include "scan/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONE_MAX_FILES 64
#define ONE_MAX_NAMES 128

static const uint8_t FDSO_HEADER[16] = {0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45,
                                        0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC};
static const uint8_t FDSO_FOOTER[16] = {0x22, 0xA7, 0xFB, 0x71, 0x79, 0x0F, 0x0B, 0x4A,
                                        0xBB, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6B, 0x24};

typedef struct {
    char *v[ONE_MAX_NAMES];
    bool used[ONE_MAX_NAMES];
    size_t n;
} names;

static bool name_char(unsigned c)
{
    return c >= 0x20 && c != '\\' && c != '/' && c != ':' && c != '*' && c != '?' && c != '"' && c != '<' &&
           c != '>' && c != '|' && c != 0x7F && c < 0xFFFE;
}

/* A UTF-16 run that looks like "something.ext". */
static bool file_like(const char *s)
{
    const char *dot = strrchr(s, '.');
    if (!dot || dot == s || strlen(dot + 1) < 1 || strlen(dot + 1) > 6)
        return false;
    for (const char *q = dot + 1; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
            return false;
    return true;
}

/* Property data is not always 2-byte aligned in the file: both parities are read. */
static void collect_names_from(const uint8_t *p, size_t n, size_t first, names *nm, eg_scan *s,
                               const eg_object *obj)
{
    for (size_t i = first; i + 1 < n && nm->n < ONE_MAX_NAMES; i += 2) {
        size_t j = i;
        while (j + 1 < n && j - i < 512 && name_char(eg_rd16le(p + j)))
            j += 2;
        if ((j - i) / 2 >= 3 && j + 1 < n && eg_rd16le(p + j) == 0) {
            eg_buf b;
            eg_buf_init(&b, 2048);
            eg_pl_utf16le_to_utf8(p + i, j - i, &b);
            size_t bl;
            char *str = eg_buf_steal(&b, &bl);
            if (str && file_like(str))
                nm->v[nm->n++] = str;
            else
                free(str);
        }
        i = j > i ? j : i;
        if ((i & 0xFFFFF) == 0 && eg_scan_timed_out(s, obj))
            return;
    }
}

static void collect_names(const uint8_t *p, size_t n, names *nm, eg_scan *s, const eg_object *obj)
{
    collect_names_from(p, n, 0, nm, s, obj);
    collect_names_from(p, n, 1, nm, s, obj);
}

static void names_free(names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->v[i]);
}

/* Extensions that fit content of a detected type. */
static bool ext_fits(const char *ext, eg_type t, const uint8_t *d, size_t n)
{
    static const char *const pe[] = {"exe", "dll", "scr", "com", "cpl", "ocx", "sys", NULL};
    static const char *const scr[] = {"wsf", "vbs", "vbe", "js", "jse", "bat", "cmd", "ps1", "hta", "wsh", NULL};
    static const char *const img[] = {"png", "jpg", "jpeg", "gif", "bmp", "emf", "wmf", "tif", "tiff", NULL};
    const char *const *l = t == EG_T_PE ? pe : t == EG_T_SCRIPT ? scr : t == EG_T_IMAGE ? img : NULL;
    if (t == EG_T_LNK)
        return !strcasecmp(ext, "lnk");
    if (t == EG_T_HTML)
        return !strcasecmp(ext, "hta") || !strcasecmp(ext, "htm") || !strcasecmp(ext, "html");
    if (t == EG_T_CFB || t == EG_T_OOXML)
        return !strncasecmp(ext, "doc", 3) || !strncasecmp(ext, "xls", 3) || !strncasecmp(ext, "ppt", 3) ||
               !strcasecmp(ext, "msi");
    if (t == EG_T_ZIP || t == EG_T_ARCHIVE)
        return !strcasecmp(ext, "zip") || !strcasecmp(ext, "7z") || !strcasecmp(ext, "rar") ||
               !strcasecmp(ext, "iso") || !strcasecmp(ext, "img") || !strcasecmp(ext, "cab") ||
               !strcasecmp(ext, "chm");
    if (n >= 4 && !memcmp(d, "ITSF", 4))
        return !strcasecmp(ext, "chm");
    for (size_t i = 0; l && l[i]; i++)
        if (!strcasecmp(ext, l[i]))
            return true;
    return false;
}

static const char *pick_name(names *nm, const uint8_t *d, size_t n)
{
    eg_type t = eg_detect_type(d, n, NULL, NULL);
    for (size_t i = 0; i < nm->n; i++)
        if (!nm->used[i] && ext_fits(eg_path_ext(nm->v[i]), t, d, n)) {
            nm->used[i] = true;
            return nm->v[i];
        }
    return NULL;
}

/* Active content: what Windows would run from a double click on the embedded file's icon. */
static const char *active_kind(const char *name, const uint8_t *d, size_t n)
{
    const char *detail = NULL;
    eg_type t = eg_detect_type(d, n, name, &detail);
    if (t == EG_T_PE)
        return "executable";
    if (t == EG_T_LNK)
        return "shortcut";
    if (t == EG_T_SCRIPT)
        return "script";
    if (n >= 4 && !memcmp(d, "ITSF", 4))
        return "compiled HTML help";
    if (eg_memmem_ci((const char *)d, n < 65536 ? n : 65536, "<hta:application", 16))
        return "HTML application";
    if (name && eg_name_ext_is_executable(eg_path_ext(name)))
        return "file with an executable extension";
    return NULL;
}

static bool has_lure(const uint8_t *p, size_t n, char *which, size_t cap)
{
    static const char *const lures[] = {"double click to view", "double-click to view", "double click here",
                                        "click to view", "double click", "double-click", "to view the document",
                                        "to view this document", "open the attachment", NULL};
    static const char *const lures_ja[] = {"ダブルクリック", "クリックして表示", "クリックして開", NULL};
    for (size_t i = 0; lures[i]; i++) {
        size_t ln = strlen(lures[i]);
        uint8_t wide[64];
        for (size_t k = 0; k < ln; k++) {
            wide[2 * k] = (uint8_t)lures[i][k];
            wide[2 * k + 1] = 0;
        }
        /* page text is UTF-16LE: a wide pattern, ASCII case folded byte by byte */
        if (eg_memmem_ci((const char *)p, n, (const char *)wide, 2 * ln)) {
            snprintf(which, cap, "%s", lures[i]);
            return true;
        }
    }
    for (size_t i = 0; lures_ja[i]; i++) {
        eg_buf w;
        eg_buf_init(&w, 256);
        const unsigned char *q = (const unsigned char *)lures_ja[i];
        size_t ql = strlen(lures_ja[i]);
        while (ql) {
            unsigned cp;
            size_t u = eg_utf8_decode(q, ql, &cp);
            if (!u)
                break;
            uint8_t le[2] = {(uint8_t)(cp & 0xFF), (uint8_t)(cp >> 8)};
            eg_pl_append(&w, le, 2);
            q += u;
            ql -= u;
        }
        bool hit = w.data && memmem(p, n, w.data, w.len);
        eg_buf_free(&w);
        if (hit) {
            snprintf(which, cap, "%s", lures_ja[i]);
            return true;
        }
    }
    return false;
}

/* A name from the revision store takes its place among the guesses too, so that no other file
 * is given it by a guess. */
static void mark_used(names *nm, const char *name)
{
    for (size_t i = 0; i < nm->n; i++)
        if (!nm->used[i] && !strcmp(nm->v[i], name)) {
            nm->used[i] = true;
            return;
        }
}

/* The name of the file at offset off and, in note, where it came from. */
static const char *name_for(const eg_one_map *map, names *nm, size_t off, const uint8_t *d, size_t dlen,
                            char *note, size_t cap)
{
    const eg_one_ref *r = eg_one_map_find(map, off);
    note[0] = 0;
    if (r && r->name) {
        /* pairs read before a damaged part of the store are still right */
        snprintf(note, cap, ", name from the revision store%s%s%s", map->walked ? "" : " (which is damaged: ",
                 map->walked ? "" : map->why, map->walked ? "" : ")");
        return r->name;
    }
    if (r && map->walked) { /* declared without a name (a picture): nothing to guess */
        snprintf(note, cap, ", %s in the revision store%s%.16s%s",
                 r->jcid == 0x00080039u ? "a picture" : "no name", r->ext ? " (stored as " : "", r->ext ? r->ext : "",
                 r->ext ? ")" : "");
        return NULL;
    }
    const char *g = pick_name(nm, d, dlen);
    if (!g) {
        if (map->walked)
            snprintf(note, cap, ", not referenced by the revision store");
        else
            snprintf(note, cap, ", no name (revision store not readable: %s)", map->why);
        return NULL;
    }
    if (map->walked)
        snprintf(note, cap, ", not referenced by the revision store: name guessed by file type");
    else
        snprintf(note, cap, ", name guessed by file type (revision store not readable: %s)", map->why);
    return g;
}

eg_status eg_payload_analyze_onenote(eg_scan *s, const eg_object *obj)
{
    const uint8_t *p = obj->data;
    size_t n = (size_t)obj->size;
    if (!p || n < 16)
        return EG_EFORMAT;
    eg_one_map map;
    eg_status st = eg_one_store_map(s, obj, &map);
    if (st != EG_OK)
        return st;
    names nm = {.n = 0};
    collect_names(p, n, &nm, s, obj);
    for (size_t i = 0; i < map.n; i++)
        if (map.v[i].name)
            mark_used(&nm, map.v[i].name);
    int files = 0, active = 0;
    for (size_t at = 0; at + 16 <= n && files < ONE_MAX_FILES;) {
        const uint8_t *h = memmem(p + at, n - at, FDSO_HEADER, 16);
        if (!h)
            break;
        size_t off = (size_t)(h - p);
        at = off + 16;
        if (!eg_in_bounds(n, off, 36)) {
            eg_scan_finding(s, obj, EG_R_ONE_TRUNCATED, "embedded file header at offset %zu cut short", off);
            break;
        }
        uint64_t cb = eg_rd64le(p + off + 16);
        size_t data = off + 36;
        bool cut = !eg_in_bounds(n, data, cb);
        size_t dlen = cut ? n - data : (size_t)cb;
        if (!cut) {
            size_t foot = data + ((dlen + 7) & ~(size_t)7);
            if (!eg_in_bounds(n, foot, 16) || memcmp(p + foot, FDSO_FOOTER, 16))
                eg_scan_finding(s, obj, EG_R_ONE_TRUNCATED, "embedded file at offset %zu: footer GUID missing", off);
            else
                at = foot + 16;
        } else {
            eg_scan_finding(s, obj, EG_R_ONE_TRUNCATED, "embedded file at offset %zu declares %llu bytes, %zu present",
                            off, (unsigned long long)cb, dlen);
        }
        files++;
        char note[192];
        const char *name = name_for(&map, &nm, off, p + data, dlen, note, sizeof note);
        char fallback[64];
        if (!name) {
            snprintf(fallback, sizeof fallback, "[OneNote embedded file %d]", files);
            name = fallback;
        }
        const char *kind = active_kind(name == fallback ? NULL : name, p + data, dlen);
        eg_scan_finding(s, obj, EG_R_ONE_EMBEDDED_FILE, "\"%s\", %zu bytes%s", name, dlen, note);
        if (kind) {
            active++;
            eg_scan_finding(s, obj, EG_R_ONE_EMBEDDED_ACTIVE, "%s \"%s\" (%zu bytes)", kind, name, dlen);
        }
        eg_child c = {.name = name, .data = p + data, .size = dlen, .owned = false, .type = EG_T_UNKNOWN,
                      .flags = cut ? EG_OBJ_TRUNCATED : 0u, .size_true = cut ? cb : 0,
                      .detail = "OneNote embedded file"};
        st = eg_scan_add_child(s, obj, &c, NULL);
        if (st != EG_OK)
            break;
        if (eg_scan_timed_out(s, obj)) {
            st = EG_ETIME;
            break;
        }
    }
    char lure[64];
    if (has_lure(p, n, lure, sizeof lure))
        eg_scan_finding(s, obj, EG_R_ONE_LURE, "page text: \"%s\"%s", lure,
                        active ? " next to an embedded file that runs" : "");
    names_free(&nm);
    eg_one_map_free(&map);
    return st == EG_ELIMIT ? EG_OK : st;
}

/*
 * Windows shortcuts (MS-SHLLINK). Our own parser, because the shell item names of the target ID
 * list are what a shortcut without LinkInfo runs, and no Debian library reads them. Parsed: the
 * header and flags, LinkTargetIDList with the names of root, volume, file-entry (incl. the
 * 0xBEEF0004 long name), network, URI (0x61: the URL a shortcut opens) and Control Panel (0x71)
 * items, LinkInfo (volume, local base path, network share, suffix), StringData, ExtraData
 * blocks (environment, icon environment, tracker machine id, special and known folder, darwin,
 * shim, property store strings, Vista ID list) and the end of the link: whatever follows it is
 * appended data, which becomes a child object (the 2022 Emotet shortcut carried its VBS there
 * and pulled it out with findstr).
 *
 * The command the shortcut runs (target + arguments) goes to the command-line analyser.
 * Not done: console, codepage and serialized-property type details beyond their strings.
 */
#include "payload/payload.h"

#include "core/buf.h"
#include "core/safe.h"
#include "core/strutil.h"
#include "payload/cmdline.h"
#include "payload/payload_int.h"
#include "text/charset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LNK_MAX_STR 65536u
#define LNK_MAX_ITEMS 64
#define LNK_MAX_BLOCKS 64
#define LNK_MAX_PATH 8192u

enum {
    F_IDLIST = 1u << 0,
    F_LINKINFO = 1u << 1,
    F_NAME = 1u << 2,
    F_RELPATH = 1u << 3,
    F_WORKDIR = 1u << 4,
    F_ARGS = 1u << 5,
    F_ICON = 1u << 6,
    F_UNICODE = 1u << 7,
    F_FORCE_NO_LINKINFO = 1u << 8,
};

static const uint8_t LNK_CLSID[16] = {0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};

/* ---- strings ---- */

static char *utf16_str(const uint8_t *p, size_t nbytes)
{
    eg_buf b;
    eg_buf_init(&b, LNK_MAX_STR * 3);
    size_t n = 0;
    while (n + 1 < nbytes && (p[n] || p[n + 1]))
        n += 2;
    eg_pl_utf16le_to_utf8(p, n, &b);
    size_t len;
    return eg_buf_steal(&b, &len);
}

static char *ansi_str(const uint8_t *p, size_t max)
{
    size_t n = 0;
    while (n < max && p[n])
        n++;
    if (n > LNK_MAX_STR)
        n = LNK_MAX_STR;
    char *out = NULL;
    size_t olen = 0;
    eg_charset_to_utf8(NULL, p, n, LNK_MAX_STR * 3, &out, &olen, NULL);
    if (!out)
        out = eg_strndup((const char *)p, n);
    return out;
}

/* NUL-terminated string at off inside [base, base+len). */
static char *str_at(const uint8_t *base, size_t len, uint64_t off, bool unicode)
{
    if (off == 0 || off >= len)
        return NULL;
    return unicode ? utf16_str(base + off, len - (size_t)off) : ansi_str(base + off, len - (size_t)off);
}

/* ---- shell items ---- */

/* Root folder and Control Panel item CLSIDs; cpl marks the Control Panel and its items (a
 * shortcut to one runs a control panel applet, not a file). */
static const struct {
    const char *guid, *name;
    bool cpl;
} known_guids[] = {
    {"20D04FE0-3AEA-1069-A2D8-08002B30309D", "My Computer", false},
    {"450D8FBA-AD25-11D0-98A8-0800361B1103", "My Documents", false},
    {"208D2C60-3AEA-1069-A2D7-08002B30309D", "My Network Places", false},
    {"F02C1A0D-BE21-4350-88B0-7367FC96EF3C", "Network", false},
    {"59031A47-3F72-44A7-89C5-5595FE6B30EE", "Users", false},
    {"645FF040-5081-101B-9F08-00AA002F954E", "Recycle Bin", false},
    {"031E4825-7B94-4DC3-B131-E946B44C8DD5", "Libraries", false},
    {"679F85CB-0220-4080-B29B-5540CC05AAB6", "Quick Access", false},
    {"871C5380-42A0-1069-A2EA-08002B30309D", "Internet", false},
    {"21EC2020-3AEA-1069-A2DD-08002B30309D", "Control Panel", true},
    {"26EE0668-A00A-44D7-9371-BEB064C98683", "Control Panel", true},
    {"ED7BA470-8E54-465E-825C-99712043E01C", "All Tasks", true},
    {"2227A280-3AEA-1069-A2DE-08002B30309D", "Printers", true},
    {"7007ACC7-3202-11D1-AAD2-00805FC1270E", "Network Connections", true},
    {"8E908FC9-BECC-40F6-915B-F4CA0E70D03D", "Network and Sharing Center", true},
    {"BB06C0E4-D293-4F75-8A90-CB05B6477EEE", "System", true},
    {"7B81BE6A-CE2B-4676-A29E-EB907A5126C5", "Programs and Features", true},
    {"60632754-C523-4B62-B45C-4172DA012619", "User Accounts", true},
    {"ED834ED6-4B5A-4BFE-8F11-A626DCB6A921", "Personalization", true},
    {"D20EA4E1-3957-11D2-A40B-0C5020524153", "Administrative Tools", true},
    {"4026492F-2F69-46B8-B9BF-5654FC07E423", "Windows Firewall", true},
};

static void guid_str(const uint8_t *g, char out[37])
{
    snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", eg_rd32le(g), eg_rd16le(g + 4),
             eg_rd16le(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *guid_name(const char *g, bool *cpl)
{
    for (size_t i = 0; i < sizeof known_guids / sizeof known_guids[0]; i++)
        if (!strcmp(g, known_guids[i].guid)) {
            if (cpl)
                *cpl = known_guids[i].cpl;
            return known_guids[i].name;
        }
    return NULL;
}

/* Long name from a 0xBEEF0004 extension block at e (n bytes available). */
static char *beef0004_name(const uint8_t *e, size_t n)
{
    if (n < 20)
        return NULL;
    size_t esz = eg_rd16le(e), ver = eg_rd16le(e + 2);
    if (esz < 20 || esz > n)
        return NULL;
    size_t off = 18;
    if (ver >= 7)
        off += 18;
    if (ver >= 3)
        off += 2;
    if (ver >= 9)
        off += 4;
    if (ver >= 8)
        off += 4;
    if (off + 2 > esz)
        return NULL;
    char *r = utf16_str(e + off, esz - off);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

/* File entry item (class 0x30-0x3F): data d of n bytes starting at the class byte. */
static char *file_entry_name(const uint8_t *d, size_t n)
{
    if (n < 14)
        return NULL;
    bool uni = d[0] & 0x04;
    size_t i = 12, start = i;
    if (uni) {
        while (i + 1 < n && (d[i] || d[i + 1]))
            i += 2;
    } else {
        while (i < n && d[i])
            i++;
    }
    char *primary = uni ? utf16_str(d + start, i - start + 2 <= n ? i - start + 2 : i - start)
                        : ansi_str(d + start, i - start);
    /* the extension block begins on an even offset after the name's terminator */
    for (size_t j = i; j + 8 <= n; j++) {
        if (eg_rd32le(d + j + 4) == 0xBEEF0004u) {
            char *longname = beef0004_name(d + j, n - j);
            if (longname) {
                free(primary);
                return longname;
            }
            break;
        }
    }
    return primary;
}

/* What an ID list yields besides the path: the URI and the Control Panel items. */
typedef struct {
    char *uri;
    eg_buf cpl;
} idl_extra;

/* A URI is a scheme and a colon (http:, https:, ftp:, file:, search-ms: ...) or a UNC path. */
static bool uri_like(const char *u)
{
    if (u && u[0] == '\\' && u[1] == '\\')
        return true;
    size_t i = 0;
    while (u && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') || (i && u[i] >= '0' && u[i] <= '9') ||
                 (i && (u[i] == '-' || u[i] == '+' || u[i] == '.'))))
        i++;
    return i >= 2 && u[i] == ':' && u[i + 1];
}

/* URI shell item (0x61), d at the class byte: flags (0x80: strings are UTF-16), the size of the
 * optional data counting its own two bytes (0: none), the data (times and up to three strings,
 * of FTP browsing), zero bytes, then the URI. */
static char *uri_item(const uint8_t *d, size_t n)
{
    if (n < 5)
        return NULL;
    bool uni = d[1] & 0x80;
    size_t dsz = eg_rd16le(d + 2), at = dsz ? 2 + dsz : 4;
    while (at < n && d[at] == 0)
        at++;
    if (at >= n)
        return NULL;
    char *u = uni ? utf16_str(d + at, n - at) : ansi_str(d + at, n - at);
    if (!uri_like(u)) {
        free(u);
        return NULL;
    }
    return u;
}

static void note_cpl(idl_extra *x, const char *g, const char *nm)
{
    if (!x)
        return;
    if (x->cpl.len)
        eg_pl_puts(&x->cpl, "; ");
    eg_buf_printf(&x->cpl, "{%s}%s%s", g, nm ? " " : "", nm ? nm : "");
}

static char *item_name(const uint8_t *d, size_t n, idl_extra *x)
{
    if (n < 1)
        return NULL;
    uint8_t cls = d[0];
    char g[37], buf[96];
    if (cls == 0x1F && n >= 18) {
        guid_str(d + 2, g);
        bool cpl = false;
        const char *nm = guid_name(g, &cpl);
        if (cpl)
            note_cpl(x, g, nm);
        snprintf(buf, sizeof buf, "::{%s}%s%s", g, nm ? " " : "", nm ? nm : "");
        return eg_strdup(nm && !strcmp(nm, "My Computer") ? "" : buf);
    }
    if (cls == 0x61) {
        char *u = uri_item(d, n);
        if (u && x && !x->uri)
            x->uri = eg_strdup(u);
        return u ? u : eg_strdup("[URI shell item]");
    }
    if (cls == 0x71 && n >= 28) {
        guid_str(d + 12, g);
        const char *nm = guid_name(g, NULL);
        note_cpl(x, g, nm);
        snprintf(buf, sizeof buf, "::{%s}%s%s", g, nm ? " " : "", nm ? nm : "");
        return eg_strdup(buf);
    }
    if ((cls & 0x70) == 0x20 && n >= 2)
        return ansi_str(d + 1, n - 1 < 20 ? n - 1 : 20);
    if ((cls & 0x70) == 0x30)
        return file_entry_name(d, n);
    if ((cls & 0x70) == 0x40 && n >= 4)
        return ansi_str(d + 3, n - 3);
    snprintf(buf, sizeof buf, "[shell item 0x%02X]", cls);
    return eg_strdup(buf);
}

static void append_component(eg_buf *path, const char *name)
{
    if (!name || !*name)
        return;
    if (path->len && path->data[path->len - 1] != '\\')
        eg_buf_putc(path, '\\');
    eg_pl_puts(path, name);
}

/* Walks an IDList (the part after IDListSize); returns the joined names. */
static char *idlist_path(const uint8_t *p, size_t n, uint32_t *n_items, unsigned *problems, idl_extra *x)
{
    eg_buf path;
    eg_buf_init(&path, LNK_MAX_PATH);
    eg_cur c = eg_cur_make(p, n);
    uint32_t items = 0;
    while (items < LNK_MAX_ITEMS) {
        if (!eg_cur_has(&c, 2)) {
            (*problems)++;
            break;
        }
        uint16_t sz = eg_cur_u16le(&c);
        if (sz == 0)
            break;
        if (sz < 2 || !eg_cur_has(&c, sz - 2u)) {
            (*problems)++;
            break;
        }
        const uint8_t *d = eg_cur_take(&c, sz - 2u);
        char *nm = item_name(d, sz - 2u, x);
        append_component(&path, nm);
        free(nm);
        items++;
    }
    if (n_items)
        *n_items = items;
    size_t len;
    char *r = eg_buf_steal(&path, &len);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

/* ---- LinkInfo ---- */

static void parse_linkinfo(eg_lnk *l, const uint8_t *li, size_t size)
{
    if (size < 0x1C) {
        l->problems++;
        return;
    }
    uint32_t hsize = eg_rd32le(li + 4), fl = eg_rd32le(li + 8);
    uint32_t vol = eg_rd32le(li + 12), lbp = eg_rd32le(li + 16), cnrl = eg_rd32le(li + 20), cps = eg_rd32le(li + 24);
    uint32_t lbp_u = 0, cps_u = 0;
    if (hsize >= 0x24 && size >= 0x24) {
        lbp_u = eg_rd32le(li + 28);
        cps_u = eg_rd32le(li + 32);
    }
    if ((fl & 1) && eg_in_bounds(size, vol, 16)) {
        const uint8_t *v = li + vol;
        uint32_t vsize = eg_rd32le(v);
        if (vsize < 16 || !eg_in_bounds(size, vol, vsize))
            l->problems++;
        else {
            l->drive_type = eg_rd32le(v + 4);
            l->drive_serial = eg_rd32le(v + 8);
            uint32_t lo = eg_rd32le(v + 12);
            if (lo == 0x14 && vsize >= 20)
                l->volume_label = str_at(v, vsize, eg_rd32le(v + 16), true);
            else
                l->volume_label = str_at(v, vsize, lo, false);
        }
        l->local_base_path = lbp_u ? str_at(li, size, lbp_u, true) : str_at(li, size, lbp, false);
    }
    if ((fl & 2) && eg_in_bounds(size, cnrl, 20)) {
        const uint8_t *r = li + cnrl;
        uint32_t rsize = eg_rd32le(r), rfl = eg_rd32le(r + 4), net = eg_rd32le(r + 8), dev = eg_rd32le(r + 12);
        if (rsize < 20 || !eg_in_bounds(size, cnrl, rsize))
            l->problems++;
        else if (net > 0x14 && rsize >= 28) {
            l->net_name = str_at(r, rsize, eg_rd32le(r + 20), true);
            if (rfl & 1)
                l->device_name = str_at(r, rsize, eg_rd32le(r + 24), true);
        } else {
            l->net_name = str_at(r, rsize, net, false);
            if (rfl & 1)
                l->device_name = str_at(r, rsize, dev, false);
        }
    }
    l->common_path_suffix = cps_u ? str_at(li, size, cps_u, true) : str_at(li, size, cps, false);
    if (l->common_path_suffix && !*l->common_path_suffix) {
        free(l->common_path_suffix);
        l->common_path_suffix = NULL;
    }
}

/* ---- ExtraData ---- */

/* Printable UTF-16LE runs of 4+ characters, separated by "; " (property store values). */
static char *utf16_runs(const uint8_t *p, size_t n)
{
    eg_buf out;
    eg_buf_init(&out, 4096);
    size_t i = 0;
    while (i + 1 < n) {
        size_t j = i;
        while (j + 1 < n && p[j + 1] == 0 && p[j] >= 0x20 && p[j] < 0x7F)
            j += 2;
        if ((j - i) / 2 >= 4) {
            if (out.len)
                eg_pl_puts(&out, "; ");
            for (size_t k = i; k < j; k += 2)
                eg_buf_putc(&out, p[k]);
            i = j;
        } else {
            i += 1; /* values are not aligned in the serialized storage */
        }
    }
    size_t len;
    char *r = eg_buf_steal(&out, &len);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

static void set_once(char **slot, char *v)
{
    if (*slot || !v || !*v)
        free(v);
    else
        *slot = v;
}

static void parse_block(eg_lnk *l, uint32_t sig, const uint8_t *b, size_t size)
{
    char g[37];
    switch (sig) {
    case 0xA0000001: /* EnvironmentVariableDataBlock */
    case 0xA0000006: /* DarwinDataBlock */
    case 0xA0000007: /* IconEnvironmentDataBlock */
        if (size < 0x314) {
            l->problems++;
            return;
        }
        {
            char *u = utf16_str(b + 8 + 260, 520);
            if (!u || !*u) {
                free(u);
                u = ansi_str(b + 8, 260);
            }
            set_once(sig == 0xA0000001 ? &l->env_target : sig == 0xA0000006 ? &l->darwin_id : &l->icon_env_target, u);
        }
        return;
    case 0xA0000003: /* TrackerDataBlock */
        if (size >= 0x60)
            set_once(&l->machine_id, ansi_str(b + 16, 16));
        return;
    case 0xA0000005: /* SpecialFolderDataBlock */
        if (size >= 0x10)
            l->special_folder_id = eg_rd32le(b + 8);
        return;
    case 0xA0000008: /* ShimDataBlock */
        if (size > 8)
            set_once(&l->shim_layer, utf16_str(b + 8, size - 8));
        return;
    case 0xA0000009: /* PropertyStoreDataBlock */
        if (size > 8)
            set_once(&l->property_strings, utf16_runs(b + 8, size - 8));
        return;
    case 0xA000000A: /* VistaAndAboveIDListDataBlock */
        if (size > 8) {
            uint32_t items = 0;
            idl_extra x = {.uri = NULL};
            eg_buf_init(&x.cpl, 4096);
            set_once(&l->vista_idlist_path, idlist_path(b + 8, size - 8, &items, &l->problems, &x));
            set_once(&l->uri, x.uri); /* when the target ID list has none */
            size_t cl;
            set_once(&l->control_panel, eg_buf_steal(&x.cpl, &cl));
        }
        return;
    case 0xA000000B: /* KnownFolderDataBlock */
        if (size >= 0x1C) {
            guid_str(b + 8, g);
            const char *nm = guid_name(g, NULL);
            char buf[80];
            snprintf(buf, sizeof buf, "{%s}%s%s", g, nm ? " " : "", nm ? nm : "");
            set_once(&l->known_folder, eg_strdup(buf));
        }
        return;
    default:
        return;
    }
}

static size_t parse_extra(eg_lnk *l, const uint8_t *p, size_t len, size_t off)
{
    for (int k = 0; k < LNK_MAX_BLOCKS; k++) {
        if (!eg_in_bounds(len, off, 4)) {
            l->problems++;
            return len;
        }
        uint32_t bs = eg_rd32le(p + off);
        if (bs < 4)
            return off + 4; /* TerminalBlock */
        if (bs < 8 || !eg_in_bounds(len, off, bs)) {
            l->problems++;
            return len;
        }
        parse_block(l, eg_rd32le(p + off + 4), p + off, bs);
        off += bs;
    }
    l->problems++;
    return off;
}

/* ---- the link ---- */

void eg_lnk_free(eg_lnk *l)
{
    if (!l)
        return;
    char **all[] = {&l->idlist_path, &l->local_base_path, &l->common_path_suffix, &l->net_name, &l->device_name,
                    &l->volume_label, &l->name, &l->relative_path, &l->working_dir, &l->arguments,
                    &l->icon_location, &l->env_target, &l->icon_env_target, &l->darwin_id, &l->machine_id,
                    &l->shim_layer, &l->known_folder, &l->property_strings, &l->vista_idlist_path, &l->uri,
                    &l->control_panel};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(*all[i]);
    free(l);
}

eg_status eg_lnk_parse(const uint8_t *p, size_t len, eg_lnk **out)
{
    *out = NULL;
    if (len < 76 || eg_rd32le(p) != 0x4C || memcmp(p + 4, LNK_CLSID, 16))
        return EG_EFORMAT;
    eg_lnk *l = calloc(1, sizeof *l);
    if (!l)
        return EG_ENOMEM;
    l->flags = eg_rd32le(p + 20);
    l->file_attributes = eg_rd32le(p + 24);
    l->file_size = eg_rd32le(p + 52);
    l->icon_index = eg_rd32le(p + 56);
    l->show_command = eg_rd32le(p + 60);
    size_t off = 76;
    if (l->flags & F_IDLIST) {
        if (!eg_in_bounds(len, off, 2)) {
            l->problems++;
            goto done;
        }
        uint16_t isz = eg_rd16le(p + off);
        off += 2;
        if (!eg_in_bounds(len, off, isz)) {
            l->problems++;
            goto done;
        }
        idl_extra x = {.uri = NULL};
        eg_buf_init(&x.cpl, 4096);
        l->idlist_path = idlist_path(p + off, isz, &l->n_items, &l->problems, &x);
        l->uri = x.uri;
        size_t cl;
        l->control_panel = eg_buf_steal(&x.cpl, &cl);
        if (l->control_panel && !*l->control_panel) {
            free(l->control_panel);
            l->control_panel = NULL;
        }
        off += isz;
    }
    if ((l->flags & F_LINKINFO) && !(l->flags & F_FORCE_NO_LINKINFO)) {
        if (!eg_in_bounds(len, off, 4)) {
            l->problems++;
            goto done;
        }
        uint32_t lsz = eg_rd32le(p + off);
        if (lsz < 4 || !eg_in_bounds(len, off, lsz)) {
            l->problems++;
            goto done;
        }
        parse_linkinfo(l, p + off, lsz);
        off += lsz;
    } else if (l->flags & F_LINKINFO) {
        /* ForceNoLinkInfo: the structure is present but must be ignored; skip it */
        if (eg_in_bounds(len, off, 4) && eg_in_bounds(len, off, eg_rd32le(p + off)))
            off += eg_rd32le(p + off);
    }
    char **slots[] = {&l->name, &l->relative_path, &l->working_dir, &l->arguments, &l->icon_location};
    for (int i = 0; i < 5; i++) {
        if (!(l->flags & (F_NAME << i)))
            continue;
        if (!eg_in_bounds(len, off, 2)) {
            l->problems++;
            goto done;
        }
        size_t cnt = eg_rd16le(p + off), bytes = (l->flags & F_UNICODE) ? cnt * 2 : cnt;
        off += 2;
        if (!eg_in_bounds(len, off, bytes)) {
            l->problems++;
            bytes = len - off;
        }
        if (l->flags & F_UNICODE) {
            eg_buf b;
            eg_buf_init(&b, LNK_MAX_STR * 3);
            eg_pl_utf16le_to_utf8(p + off, bytes, &b);
            size_t bl;
            *slots[i] = eg_buf_steal(&b, &bl);
        } else {
            char *o = NULL;
            size_t ol = 0;
            eg_charset_to_utf8(NULL, p + off, bytes, LNK_MAX_STR * 3, &o, &ol, NULL);
            *slots[i] = o;
        }
        off += bytes;
    }
    off = parse_extra(l, p, len, off);
done:
    l->link_end = off > len ? len : off;
    *out = l;
    return EG_OK;
}

const char *eg_lnk_target(const eg_lnk *l, char **tofree)
{
    *tofree = NULL;
    if (l->env_target && *l->env_target)
        return l->env_target;
    if (l->local_base_path && *l->local_base_path) {
        if (!l->common_path_suffix)
            return l->local_base_path;
        size_t n = strlen(l->local_base_path) + strlen(l->common_path_suffix) + 2;
        if ((*tofree = malloc(n)))
            snprintf(*tofree, n, "%s%s", l->local_base_path, l->common_path_suffix);
        return *tofree;
    }
    if (l->net_name && *l->net_name) {
        size_t n = strlen(l->net_name) + (l->common_path_suffix ? strlen(l->common_path_suffix) : 0) + 2;
        if ((*tofree = malloc(n)))
            snprintf(*tofree, n, "%s\\%s", l->net_name, l->common_path_suffix ? l->common_path_suffix : "");
        return *tofree;
    }
    if (l->uri && *l->uri)
        return l->uri; /* the ID list's path would be "::{Internet}\\<URI>" */
    if (l->idlist_path && *l->idlist_path)
        return l->idlist_path;
    if (l->vista_idlist_path && *l->vista_idlist_path)
        return l->vista_idlist_path;
    if (l->relative_path && *l->relative_path)
        return l->relative_path;
    return NULL;
}

/* ---- the analyzer ---- */

static const char *const interpreters[] = {"cmd.exe", "powershell.exe", "pwsh.exe", "mshta.exe", "wscript.exe",
                                           "cscript.exe", "rundll32.exe", "regsvr32.exe", "certutil.exe",
                                           "bitsadmin.exe", "forfiles.exe", "conhost.exe", "msiexec.exe",
                                           "curl.exe", "schtasks.exe", "wmic.exe", "msbuild.exe", "cmd",
                                           "powershell", NULL};

static const char *basename_of(const char *path)
{
    const char *b = path;
    for (const char *q = path; *q; q++)
        if (*q == '\\' || *q == '/')
            b = q + 1;
    return b;
}

static const char *interpreter_of(const char *path)
{
    if (!path)
        return NULL;
    const char *b = basename_of(path);
    for (size_t i = 0; interpreters[i]; i++)
        if (!strcasecmp(b, interpreters[i]))
            return interpreters[i];
    return NULL;
}

static bool icon_disguised(const eg_lnk *l)
{
    static const char *const doc[] = {".pdf", ".doc", ".xls", ".txt", ".jpg", ".png", "winword", "excel",
                                      "acrord", "acrobat", "msedge", "chrome", "firefox", "shell32.dll",
                                      "imageres.dll", "notepad", "wordpad", "explorer.exe", "moricons", NULL};
    const char *ic[] = {l->icon_location, l->icon_env_target};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; ic[k] && doc[i]; i++)
            if (eg_memmem_ci(ic[k], strlen(ic[k]), doc[i], strlen(doc[i])))
                return true;
    return false;
}

static const char *show_name(uint32_t sc)
{
    return sc == 3 ? "maximized" : sc == 7 ? "minimized" : sc == 0 ? "hidden" : "normal";
}

static void report_target(eg_scan *s, const eg_object *obj, const eg_lnk *l, const char *target)
{
    eg_buf b;
    eg_buf_init(&b, 2048);
    eg_buf_printf(&b, "target: \"%s\"%s", target ? target : "(none)",
                  target && target == l->uri ? " (URI shell item)" : "");
    if (l->arguments && *l->arguments) {
        /* blank runs collapsed: padding must not push the arguments out of the evidence */
        eg_pl_puts(&b, " | arguments: \"");
        size_t shown = 0;
        const char *a = l->arguments;
        while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
            a++;
        for (const char *q = a; *q && shown < 400; q++) {
            bool blank = *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n';
            if (blank && (q[1] == ' ' || q[1] == '\t' || q[1] == '\r' || q[1] == '\n'))
                continue;
            eg_buf_putc(&b, blank ? ' ' : (uint8_t)*q);
            shown++;
        }
        eg_buf_putc(&b, '"');
    }
    if (l->uri && *l->uri && l->uri != target)
        eg_buf_printf(&b, " | URI: \"%.400s\"", l->uri);
    if (l->control_panel && *l->control_panel)
        eg_buf_printf(&b, " | control panel: \"%.300s\"", l->control_panel);
    if (l->working_dir && *l->working_dir)
        eg_buf_printf(&b, " | working dir: \"%.200s\"", l->working_dir);
    if (l->icon_location && *l->icon_location)
        eg_buf_printf(&b, " | icon: \"%.200s\",%d", l->icon_location, (int)l->icon_index);
    if (l->name && *l->name)
        eg_buf_printf(&b, " | comment: \"%.200s\"", l->name);
    eg_buf_printf(&b, " | window: %s", show_name(l->show_command));
    eg_scan_finding(s, obj, EG_R_LNK_TARGET, "%s", b.data ? (const char *)b.data : "");
    eg_buf_free(&b);
    if (l->machine_id && *l->machine_id)
        eg_scan_finding(s, obj, EG_R_LNK_MACHINE_ID, "\"%s\"", l->machine_id);
}

static void add_appended(eg_scan *s, const eg_object *obj, const eg_lnk *l)
{
    size_t len = (size_t)obj->size;
    if (l->link_end >= len)
        return;
    const uint8_t *a = obj->data + l->link_end;
    size_t n = len - l->link_end, nz = 0;
    for (size_t i = 0; i < n; i++)
        nz += a[i] != 0;
    if (nz < 8)
        return; /* slack zeros */
    bool text = eg_pl_text_percent(a, n) >= 90;
    eg_scan_finding(s, obj, EG_R_LNK_APPENDED_DATA, "%zu bytes after the end of the link%s", n,
                    text ? " (text: analysed as a script)" : "");
    char name[300];
    snprintf(name, sizeof name, "[appended to %.250s]", obj->name ? obj->name : "shortcut");
    eg_child c = {.name = name, .data = a, .size = n, .owned = false, .type = text ? EG_T_SCRIPT : EG_T_UNKNOWN,
                  .detail = "data appended to a shortcut"};
    eg_scan_add_child(s, obj, &c, NULL);
}

static void iocs_of(eg_scan *s, const eg_object *obj, const char *t)
{
    if (t && *t)
        eg_scan_iocs_from_text(s, obj, t, strlen(t));
}

eg_status eg_payload_analyze_lnk(eg_scan *s, const eg_object *obj)
{
    eg_lnk *l = NULL;
    eg_status st = eg_lnk_parse(obj->data, (size_t)obj->size, &l);
    if (st != EG_OK)
        return st;
    char *tofree = NULL;
    const char *target = eg_lnk_target(l, &tofree);
    report_target(s, obj, l, target);
    /* any of the paths may name the program: the shell prefers the environment block */
    const char *interp = interpreter_of(target);
    if (!interp)
        interp = interpreter_of(l->relative_path);
    if (!interp)
        interp = interpreter_of(l->idlist_path);
    if (!interp)
        interp = interpreter_of(l->local_base_path);
    if (interp)
        eg_scan_finding(s, obj, EG_R_LNK_RUNS_INTERPRETER, "\"%s\"%s%s", interp,
                        l->show_command == 7 ? ", window minimized" : "",
                        l->arguments && *l->arguments ? " with arguments" : "");
    eg_cmdline_facts facts = {0};
    if (l->arguments && *l->arguments) {
        eg_buf cmd;
        eg_buf_init(&cmd, LNK_MAX_STR * 4);
        eg_buf_printf(&cmd, "%s %s", target ? target : "", l->arguments);
        if (cmd.data)
            eg_cmdline_analyze_ex(s, obj, (const char *)cmd.data, cmd.len, "LNK", &facts);
        eg_buf_free(&cmd);
    }
    if (interp && facts.download)
        eg_scan_finding(s, obj, EG_R_LNK_DOWNLOADER, "\"%s\" downloads%s", interp,
                        facts.execute ? " and runs" : "");
    if (interp && icon_disguised(l))
        eg_scan_finding(s, obj, EG_R_LNK_ICON_DISGUISE, "runs \"%s\", shows the icon of \"%s\"",
                        interp, l->icon_location ? l->icon_location : l->icon_env_target);
    if ((target && target[0] == '\\' && target[1] == '\\') || (l->net_name && *l->net_name) ||
        (target && eg_has_prefix_ci(target, "http")))
        eg_scan_finding(s, obj, EG_R_LNK_REMOTE_TARGET, "\"%s\"", target ? target : l->net_name);
    if (l->problems)
        eg_scan_finding(s, obj, EG_R_LNK_MALFORMED, "%u structure(s) cut short or inconsistent", l->problems);
    iocs_of(s, obj, l->arguments);
    iocs_of(s, obj, target);
    if (l->uri != target)
        iocs_of(s, obj, l->uri);
    iocs_of(s, obj, l->property_strings);
    iocs_of(s, obj, l->working_dir);
    add_appended(s, obj, l);
    free(tofree);
    eg_lnk_free(l);
    return EG_OK;
}

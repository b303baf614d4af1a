/*
 * OLE2/CFB containers (.doc .xls .ppt, vbaProject.bin, encrypted OOXML) read from memory through
 * libgsf. The tree is walked with depth and count limits; what matters becomes a child or a
 * finding: VBA storages (modules decompressed here, source handed on as EG_T_VBA_SOURCE),
 * Workbook streams (EG_T_BIFF8), embedded packages and Ole10Native payloads, the encrypted
 * package of an encrypted OOXML file (decrypted when a password opens it), and lure text in the
 * document streams.
 *
 * It does not interpret WordDocument or PowerPoint structures beyond the encryption flag and the
 * RC4 header (an RC4-encrypted WordDocument is decrypted for the lure-text search) and the
 * PowerPoint storages that ppt.c hands on.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16
#define MAX_ENTRIES 4096

typedef struct cfb_ctx {
    eg_scan *s;
    const eg_object *obj;
    size_t entries;
    bool vba_found;
    bool objectpool;
    uint8_t *enc_info, *enc_pkg;
    size_t enc_info_len, enc_pkg_len;
    /* an RC4-encrypted WordDocument and the heads of both table streams, decrypted after the walk
     */
    uint8_t *word, *table[2];
    size_t word_len, table_len[2];
    bool hwp; /* a Hangul Word Processor document (FileHeader), hwp_flags its header flags */
    unsigned hwp_flags;
} cfb_ctx;

/* Reads a whole stream (or its first max bytes when max != 0), capped by the scan budget.
 * EG_ELIMIT keeps a truncated prefix. */
static eg_status read_stream_max(cfb_ctx *c, GsfInput *in, uint64_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    gsf_off_t size = gsf_input_size(in);
    if (size < 0)
        return EG_EFORMAT;
    uint64_t cap = eg_scan_budget(c->s);
    if (max && max < cap && (uint64_t)size > max) {
        /* only the head is wanted (flags, lure text): not a limit hit */
        size = (gsf_off_t)max;
    }
    eg_status st = EG_OK;
    uint64_t n = (uint64_t)size;
    if (n > cap) {
        n = cap;
        st = EG_ELIMIT;
    }
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf)
        return EG_ENOMEM;
    if (n && !gsf_input_read(in, (size_t)n, buf)) {
        free(buf);
        return EG_EFORMAT;
    }
    *out = buf;
    *len = (size_t)n;
    return st;
}

static void handle_vba(cfb_ctx *c, GsfInfile *vba, GsfInfile *parent, const char *path)
{
    c->vba_found = true;
    eg_office_vba_storage(c->s, c->obj, vba, parent, path);
}

/* \x01Ole10Native: the packager's embedded file (oleobj.c). */
static void handle_ole10native(cfb_ctx *c, const uint8_t *d, size_t len, const char *path)
{
    eg_office_ole10native(c->s, c->obj, d, len, path);
}

static void handle_stream(cfb_ctx *c, GsfInput *in, const char *name, const char *path, int depth)
{
    bool wb = !strcasecmp(name, "Workbook") || !strcasecmp(name, "Book");
    bool word = !strcasecmp(name, "WordDocument");
    bool ppt = !strcasecmp(name, "PowerPoint Document");
    bool native = !strcasecmp(name, "\001Ole10Native");
    bool package = !strcasecmp(name, "Package");
    bool enc_info = depth == 0 && !strcasecmp(name, "EncryptionInfo");
    bool enc_pkg = depth == 0 && !strcasecmp(name, "EncryptedPackage");
    int table = depth == 0 && !strcasecmp(name, "0Table")   ? 0
                : depth == 0 && !strcasecmp(name, "1Table") ? 1
                                                            : -1;
    if (table >= 0 && !c->table[table]) {
        /* only the encryption header at its start is needed */
        read_stream_max(c, in, 64u << 10, &c->table[table], &c->table_len[table]);
        return;
    }
    if (depth == 0 && !strcasecmp(name, "Current User")) {
        /* CurrentUserAtom: headerToken 0xF3D1C4DF marks an encrypted PowerPoint document (RC4
         * CryptoAPI; not decrypted here, so never cleared) */
        uint8_t *u;
        size_t ul;
        read_stream_max(c, in, 64, &u, &ul);
        if (u && ul >= 16 && eg_rd32le(u + 12) == 0xF3D1C4DFu)
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_ENCRYPTED,
                            "PowerPoint RC4 CryptoAPI encryption (not decrypted)");
        free(u);
        return;
    }
    if (c->hwp &&
        (eg_has_prefix_ci(path, "BinData/") || !strcasecmp(path, "Scripts/DefaultJScript"))) {
        uint8_t *h;
        size_t hl;
        eg_status hs = read_stream_max(c, in, 0, &h, &hl);
        if (hs == EG_ELIMIT)
            eg_scan_finding(c->s, c->obj, EG_R_LIMIT_BYTES, "\"%s\"", path);
        if (h)
            eg_office_hwp_stream(c->s, c->obj, h, hl, path, c->hwp_flags);
        free(h);
        return;
    }
    if (!(wb || word || ppt || native || package || enc_info || enc_pkg))
        return;
    uint8_t *d;
    size_t len;
    eg_status st = read_stream_max(c, in, (word || ppt) ? (16u << 20) : 0, &d, &len);
    if (!d)
        return;
    if (st == EG_ELIMIT)
        eg_scan_finding(c->s, c->obj, EG_R_LIMIT_BYTES, "\"%s\"", path);
    if (wb) {
        eg_child ch = {.name = path,
                       .data = d,
                       .size = len,
                       .owned = true,
                       .type = EG_T_BIFF8,
                       .detail = "Excel workbook stream"};
        eg_scan_add_child(c->s, c->obj, &ch, NULL);
        return;
    }
    if (word) {
        /* FIB base: fEncrypted is bit 8 of the flags word at offset 0x0A */
        uint16_t fl = len >= 68 ? eg_rd16le(d + 0x0A) : 0;
        if ((fl & 0x0100) && !(fl & 0x8000) && depth == 0 && !c->word) {
            /* RC4: decrypted once the table stream with the header is known */
            c->word = d, c->word_len = len;
            return;
        }
        if (fl & 0x0100)
            eg_scan_finding(
                c->s, c->obj, EG_R_OFFICE_ENCRYPTED, "\"%s\"",
                (fl & 0x8000)
                    ? "Word binary encryption (XOR obfuscation, not decrypted)"
                    : "Word binary RC4 encryption of an embedded document (not decrypted)");
        eg_office_lure_findings(c->s, c->obj, d, len);
        eg_office_doc_fields(c->s, c->obj, d, len);
    } else if (ppt) {
        eg_office_lure_findings(c->s, c->obj, d, len);
        if (depth == 0)
            eg_office_ppt_objects(c->s, c->obj, d, len);
    } else if (native) {
        handle_ole10native(c, d, len, path);
    } else if (package) {
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_EMBEDDED_OBJECT,
                        "\"%s\": embedded package (%zu bytes)", path, len);
        eg_child ch = {
            .name = path, .data = d, .size = len, .owned = true, .detail = "embedded package"};
        eg_scan_add_child(c->s, c->obj, &ch, NULL);
        return;
    } else if (enc_info) {
        c->enc_info = d, c->enc_info_len = len;
        return;
    } else if (enc_pkg) {
        c->enc_pkg = d, c->enc_pkg_len = len;
        return;
    }
    free(d);
}

/* The class id in a storage's directory entry: an embedded object whose class is a component
 * exploits load (Equation Editor, OLE2Link ...) is the attack whatever its content. */
static void check_clsid(cfb_ctx *c, GsfInfile *stg, const char *path)
{
    guint8 id[16];
    if (!GSF_IS_INFILE_MSOLE(stg) || !gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(stg), id))
        return;
    char str[37];
    eg_office_clsid_str(id, str);
    const char *what = eg_office_exploit_clsid(str);
    if (what)
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_EXPLOIT_CLSID, "\"%s\": {%s} \"%s\"",
                        *path ? path : "root storage", str, what);
}

static void walk(cfb_ctx *c, GsfInfile *dir, const char *path, int depth)
{
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; i++) {
        if (++c->entries > MAX_ENTRIES || eg_scan_timed_out(c->s, c->obj))
            return;
        GsfInput *ch = gsf_infile_child_by_index(dir, i);
        if (!ch)
            continue;
        const char *name = gsf_input_name(ch);
        if (!name)
            name = "";
        /* control characters in entry names (\001Ole10Native, \005SummaryInformation) are shown
         * escaped rather than as replacement characters */
        char shown[256];
        size_t k = 0;
        for (const char *q = name; *q && k + 5 < sizeof shown; q++) {
            if ((unsigned char)*q < 0x20)
                k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02X", (unsigned char)*q);
            else
                shown[k++] = *q;
        }
        shown[k] = '\0';
        char sub[512];
        snprintf(sub, sizeof sub, "%.250s%s%s", path, *path ? "/" : "", shown);
        bool storage = GSF_IS_INFILE(ch) && gsf_infile_num_children(GSF_INFILE(ch)) >= 0;
        if (storage) {
            check_clsid(c, GSF_INFILE(ch), sub);
            GsfInput *d = NULL;
            if (!strcasecmp(name, "VBA") && (d = eg_office_child_ci(GSF_INFILE(ch), "dir"))) {
                g_object_unref(d);
                handle_vba(c, GSF_INFILE(ch), dir, sub);
            } else {
                if (!strcasecmp(name, "ObjectPool"))
                    c->objectpool = true;
                if (depth + 1 < MAX_DEPTH)
                    walk(c, GSF_INFILE(ch), sub, depth + 1);
            }
        } else {
            handle_stream(c, ch, name, sub, depth);
        }
        g_object_unref(ch);
    }
}

static void handle_encryption(cfb_ctx *c)
{
    uint8_t *out = NULL;
    size_t outlen = 0;
    eg_office_pw pw = {0};
    eg_status st = eg_office_decrypt(c->s, c->obj, c->enc_info, c->enc_info_len, c->enc_pkg,
                                     c->enc_pkg_len, &out, &outlen, &pw);
    if (st == EG_OK) {
        if (pw.is_default)
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DEFAULT_PASSWORD, "VelvetSweatshop");
        else
            eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DECRYPTED, "password from %s",
                            pw.origin ? pw.origin : "?");
        /* the decrypted package is the document itself: it keeps the file's name */
        eg_child ch = {.name = c->obj->name ? c->obj->name : "EncryptedPackage",
                       .data = out,
                       .size = outlen,
                       .owned = true,
                       .flags = EG_OBJ_DECRYPTED,
                       .password = pw.value,
                       .password_origin = pw.origin,
                       .detail = "decrypted Office package"};
        eg_scan_add_child(c->s, c->obj, &ch, NULL);
    } else {
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_ENCRYPTED, "EncryptionInfo/EncryptedPackage: %s",
                        st == EG_EPASSWORD      ? "no candidate password opened it"
                        : st == EG_EUNSUPPORTED ? "unsupported encryption"
                                                : eg_status_str(st));
    }
}

/* MS-DOC 2.2.6.2/2.2.6.3: the RC4 header is the first lKey bytes of the table stream that
 * fWhichTblStm names; WordDocument is encrypted from byte 68 in 512-byte blocks. Decrypted, its
 * text is searched for lure phrases (the VBA storage is never encrypted and is read as usual). */
static void handle_word_rc4(cfb_ctx *c)
{
    uint16_t fl = eg_rd16le(c->word + 0x0A);
    uint32_t lkey = eg_rd32le(c->word + 0x0E);
    int t = (fl & 0x0200) ? 1 : 0;
    eg_office_rc4_hdr h;
    eg_office_rc4_key k;
    eg_office_pw pw = {0};
    eg_status st = EG_EFORMAT;
    if (c->table[t] && lkey <= c->table_len[t])
        st = eg_office_rc4_parse(c->table[t], lkey, &h);
    if (st == EG_OK)
        st = eg_office_rc4_find_key(c->s, c->obj, &h, &k, &pw);
    if (st != EG_OK) {
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_ENCRYPTED, "Word binary RC4 encryption: %s",
                        st == EG_EPASSWORD      ? "no candidate password opened it"
                        : st == EG_EUNSUPPORTED ? "unsupported encryption header"
                                                : eg_status_str(st));
        return;
    }
    eg_office_rc4_apply(&k, 512, c->word, c->word_len, 68);
    if (pw.is_default)
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DEFAULT_PASSWORD, "VelvetSweatshop (Word %s)",
                        h.cryptoapi ? "RC4 CryptoAPI" : "RC4");
    else
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_DECRYPTED, "Word %s, password from %s",
                        h.cryptoapi ? "RC4 CryptoAPI" : "RC4", pw.origin ? pw.origin : "?");
    eg_office_lure_findings(c->s, c->obj, c->word, c->word_len);
}

/* HWP: known before the walk, since its BinData streams are read differently */
static void check_hwp(cfb_ctx *c, GsfInfile *root)
{
    GsfInput *fh = eg_office_child_ci(root, "FileHeader");
    if (!fh)
        return;
    uint8_t *d;
    size_t len;
    read_stream_max(c, fh, 256, &d, &len);
    g_object_unref(fh);
    if (d && eg_hwp_header(d, len, &c->hwp_flags)) {
        c->hwp = true;
        eg_scan_finding(c->s, c->obj, EG_R_HWP_DOCUMENT, "FileHeader \"%.17s\" %u.%u.%u.%u%s%s",
                        (const char *)d, d[35], d[34], d[33], d[32],
                        (c->hwp_flags & EG_HWP_F_COMPRESSED) ? ", compressed" : "",
                        (c->hwp_flags & EG_HWP_F_PASSWORD) ? ", password" : "");
    }
    free(d);
}

eg_status eg_office_analyze_cfb(eg_scan *s, const eg_object *obj)
{
    /* libgsf recurses over the directory tree: what it cannot take safely never reaches it */
    eg_cfb_info ci;
    if (!eg_office_cfb_precheck(s, obj, &ci))
        return EG_OK;
    GsfInput *in = gsf_input_memory_new(obj->data, (gsf_off_t)obj->size, FALSE);
    if (!in)
        return EG_ENOMEM;
    GError *err = NULL;
    GsfInfile *ole = gsf_infile_msole_new(in, &err);
    if (!ole) {
        char why[200];
        snprintf(why, sizeof why, "libgsf refused it: \"%s\"",
                 err && err->message ? err->message : "?");
        if (err)
            g_error_free(err);
        g_object_unref(in);
        eg_office_cfb_unread(s, obj, &ci, why);
        return EG_OK;
    }
    cfb_ctx c = {.s = s, .obj = obj};
    check_hwp(&c, ole);
    check_clsid(&c, ole, "");
    walk(&c, ole, "", 0);
    if (ci.vba_dir && !c.vba_found && c.entries <= MAX_ENTRIES && !eg_scan_timed_out(s, obj))
        eg_office_cfb_unread(
            s, obj, &ci,
            "the macro storage was not reached (nested too deep or dropped by libgsf)");
    if (c.entries > MAX_ENTRIES)
        eg_scan_finding(s, obj, EG_R_LIMIT_OBJECTS, "more than %d CFB entries", MAX_ENTRIES);
    if (c.objectpool)
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT, "ObjectPool (embedded OLE objects)");
    if (c.enc_info && c.enc_pkg)
        handle_encryption(&c);
    if (c.word)
        handle_word_rc4(&c);
    free(c.enc_info);
    free(c.enc_pkg);
    free(c.word);
    free(c.table[0]);
    free(c.table[1]);
    g_object_unref(ole);
    g_object_unref(in);
    return EG_OK;
}

eg_status eg_office_analyze_vba_project(eg_scan *s, const eg_object *obj)
{
    /* a vbaProject.bin is a CFB whose root holds the VBA storage */
    return eg_office_analyze_cfb(s, obj);
}

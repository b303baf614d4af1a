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

static eg_status read_stream(cfb_ctx *c, GsfInput *in, uint8_t **out, size_t *len)
{
    return read_stream_max(c, in, 0, out, len);
}

static eg_status read_child(cfb_ctx *c, GsfInfile *dir, const char *name, uint8_t **out,
                            size_t *len)
{
    GsfInput *in = gsf_infile_child_by_name(dir, name);
    if (!in)
        return EG_ENOTFOUND;
    eg_status st = read_stream(c, in, out, len);
    g_object_unref(in);
    return st;
}

/* Looks for string constants in the compiled part that the source does not have. */
static bool pcode_disagrees(const uint8_t *p, size_t n, const char *src, size_t srclen, char *ev,
                            size_t evsz)
{
    static const char *const marks[] = {"http",        "powershell", "cmd.exe", "shell",
                                        "urldownload", "regsvr32",   "mshta"};
    size_t i = 0;
    while (i < n) {
        size_t a = i;
        while (i < n && p[i] >= 0x20 && p[i] < 0x7F)
            i++;
        size_t run = i - a;
        i++;
        if (run < 6)
            continue;
        for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
            if (eg_memmem_ci((const char *)p + a, run, marks[k], strlen(marks[k])) &&
                !eg_memmem_ci(src, srclen, (const char *)p + a, run)) {
                snprintf(ev, evsz, "compiled code holds \"%.*s\" which the source lacks",
                         (int)(run > 120 ? 120 : run), (const char *)p + a);
                return true;
            }
        }
    }
    return false;
}

/* A module's stream: its name is in the project's code page (Cyrillic, Japanese ...) while
 * libgsf gives entry names in UTF-8, so the converted name is tried first, then the bytes as
 * they are. */
static eg_status read_module_stream(cfb_ctx *c, GsfInfile *vba, const char *stream,
                                    unsigned codepage, uint8_t **data, size_t *len)
{
    size_t ul = 0;
    char *u = eg_office_codepage_to_utf8((const uint8_t *)stream, strlen(stream), codepage, &ul);
    eg_status st = EG_ENOTFOUND;
    if (u && strcmp(u, stream))
        st = read_child(c, vba, u, data, len);
    free(u);
    if (st == EG_ENOTFOUND)
        st = read_child(c, vba, stream, data, len);
    return st;
}

static void vba_module(cfb_ctx *c, GsfInfile *vba, const eg_vba_dir *dir, const eg_vba_module *m,
                       const char *path)
{
    const char *stream = m->stream_name ? m->stream_name : m->name;
    uint8_t *data;
    size_t len;
    eg_status st = read_module_stream(c, vba, stream, dir->codepage, &data, &len);
    if (st == EG_ENOTFOUND) {
        eg_scan_finding(c->s, c->obj, EG_R_PARSE_ERROR, "VBA module stream %s missing", stream);
        return;
    }
    if (!data)
        return;
    eg_buf src;
    eg_office_buf_init(&src, eg_office_cap(c->s, SIZE_MAX / 2));
    eg_status dst = EG_EFORMAT;
    if (m->text_offset < len)
        dst = eg_ovba_decompress(data + m->text_offset, len - m->text_offset, &src);
    size_t ulen = 0;
    char *utf8 =
        src.data ? eg_office_codepage_to_utf8(src.data, src.len, dir->codepage, &ulen) : NULL;
    char ev[200];
    bool pcode = m->text_offset > 0 && m->text_offset <= len;
    if (pcode && (dst != EG_OK && dst != EG_ELIMIT)) {
        eg_scan_finding(c->s, c->obj, EG_R_VBA_STOMPING,
                        "module %s: source missing or unreadable, %u bytes of compiled code",
                        m->name, m->text_offset);
    } else if (pcode && utf8 && !eg_memmem_ci(utf8, ulen, "Attribute VB_Name", 17) && ulen < 16) {
        eg_scan_finding(c->s, c->obj, EG_R_VBA_STOMPING,
                        "module %s: empty source, %u bytes of compiled code", m->name,
                        m->text_offset);
    } else if (pcode && utf8 && pcode_disagrees(data, m->text_offset, utf8, ulen, ev, sizeof ev)) {
        eg_scan_finding(c->s, c->obj, EG_R_VBA_STOMPING, "module %s: %s", m->name, ev);
    }
    if (utf8 && ulen) {
        char name[512];
        snprintf(name, sizeof name, "%.300s/%.200s", path, m->name);
        eg_child ch = {.name = name,
                       .data = (uint8_t *)utf8,
                       .size = ulen,
                       .owned = true,
                       .type = EG_T_VBA_SOURCE,
                       .detail = m->is_class ? "VBA document/class module" : "VBA module"};
        if (dst == EG_ELIMIT)
            ch.flags |= EG_OBJ_TRUNCATED;
        eg_scan_add_child(c->s, c->obj, &ch, NULL);
        utf8 = NULL;
    }
    free(utf8);
    eg_buf_free(&src);
    free(data);
}

static void handle_vba(cfb_ctx *c, GsfInfile *vba, const char *path)
{
    uint8_t *raw;
    size_t rawlen;
    if (read_child(c, vba, "dir", &raw, &rawlen) != EG_OK && !raw)
        return;
    eg_buf dirb;
    eg_office_buf_init(&dirb, 16u << 20);
    eg_status st = eg_ovba_decompress(raw, rawlen, &dirb);
    free(raw);
    eg_vba_dir *dir = NULL;
    if ((st == EG_OK || st == EG_ELIMIT) && dirb.data)
        st = eg_vba_dir_parse(dirb.data, dirb.len, &dir);
    eg_buf_free(&dirb);
    c->vba_found = true;
    if (st != EG_OK || !dir) {
        eg_scan_finding(c->s, c->obj, EG_R_VBA_MACRO, "%s (dir stream unreadable)", path);
        eg_scan_finding(c->s, c->obj, EG_R_PARSE_ERROR, "%s/dir: %s", path, eg_status_str(st));
        return;
    }
    char names[200] = "";
    size_t nl = 0;
    for (size_t i = 0; i < dir->n_modules && nl + 2 < sizeof names; i++)
        nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", i ? ", " : "",
                               dir->modules[i].name);
    eg_scan_finding(c->s, c->obj, EG_R_VBA_MACRO, "%s: %zu module(s): %s (codepage %u)", path,
                    dir->n_modules, names, dir->codepage);
    for (size_t i = 0; i < dir->n_modules && !eg_scan_timed_out(c->s, c->obj); i++)
        vba_module(c, vba, dir, &dir->modules[i], path);
    eg_vba_dir_free(dir);
}

/* \x01Ole10Native: the packager's embedded file (oleobj.c). */
static void handle_ole10native(cfb_ctx *c, const uint8_t *d, size_t len, const char *path)
{
    eg_office_ole10native(c->s, c->obj, d, len, path);
}

static void handle_stream(cfb_ctx *c, GsfInput *in, const char *name, const char *path, int depth)
{
    bool wb = !strcasecmp(name, "Workbook") || !strcasecmp(name, "Book");
    bool word = !strcmp(name, "WordDocument");
    bool ppt = !strcmp(name, "PowerPoint Document");
    bool native = !strcmp(name, "\001Ole10Native");
    bool package = !strcmp(name, "Package");
    bool enc_info = depth == 0 && !strcmp(name, "EncryptionInfo");
    bool enc_pkg = depth == 0 && !strcmp(name, "EncryptedPackage");
    int table = depth == 0 && !strcmp(name, "0Table")   ? 0
                : depth == 0 && !strcmp(name, "1Table") ? 1
                                                        : -1;
    if (table >= 0 && !c->table[table]) {
        /* only the encryption header at its start is needed */
        read_stream_max(c, in, 64u << 10, &c->table[table], &c->table_len[table]);
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
        eg_scan_finding(c->s, c->obj, EG_R_LIMIT_BYTES, "%s", path);
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
                c->s, c->obj, EG_R_OFFICE_ENCRYPTED, "%s",
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
                        "%s: embedded package (%zu bytes)", path, len);
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
        eg_scan_finding(c->s, c->obj, EG_R_OFFICE_EXPLOIT_CLSID, "%s: {%s} %s",
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
            if (!strcasecmp(name, "VBA") && (d = gsf_infile_child_by_name(GSF_INFILE(ch), "dir"))) {
                g_object_unref(d);
                handle_vba(c, GSF_INFILE(ch), sub);
            } else {
                if (!strcmp(name, "ObjectPool"))
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
        snprintf(why, sizeof why, "libgsf refused it: %s",
                 err && err->message ? err->message : "?");
        if (err)
            g_error_free(err);
        g_object_unref(in);
        eg_office_cfb_unread(s, obj, &ci, why);
        return EG_OK;
    }
    cfb_ctx c = {.s = s, .obj = obj};
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

/*
 * Hangul Word Processor 5.x documents (.hwp): a CFB whose "FileHeader" stream starts with
 * "HWP Document File", with the text in BodyText/Section*, embedded files in BinData/BIN*.*
 * and document scripts in Scripts/DefaultJScript. Streams are raw-deflate compressed when bit 0
 * of the header's flags is set.
 *
 * What matters for mail: HWP exploits ship as PostScript/EPS in BinData (Hangul renders it
 * through a bundled Ghostscript; the 2017-2020 campaigns hide their code in a hex string that
 * the PostScript turns into code with `cvx exec`), OLE objects in BinData (handed on as
 * children) and non-empty document scripts. This file recognises the format and reports those;
 * it does not parse the BodyText records and never interprets PostScript.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HWP_SIG "HWP Document File"
#define HWP_MAX_OUT (32u << 20)

bool eg_hwp_header(const uint8_t *d, size_t len, unsigned *flags)
{
    *flags = 0;
    if (len < 40 || memcmp(d, HWP_SIG, sizeof HWP_SIG - 1))
        return false;
    uint32_t f = eg_rd32le(d + 36);
    if (f & 1)
        *flags |= EG_HWP_F_COMPRESSED;
    if (f & 2)
        *flags |= EG_HWP_F_PASSWORD;
    if (f & 4)
        *flags |= EG_HWP_F_DISTRIBUTION;
    return true;
}

eg_status eg_hwp_inflate(const uint8_t *d, size_t len, size_t cap, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    return eg_office_inflate_raw(d, len, cap ? cap : 1, out, outlen);
}

/* The longest run of hex digits (white space inside allowed) in d. */
static size_t longest_hex(const uint8_t *d, size_t len)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = d[i];
        if ((ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'))
            run++;
        else if (ch != ' ' && ch != '\r' && ch != '\n' && ch != '\t') {
            if (run > best)
                best = run;
            run = 0;
        }
    }
    return run > best ? run : best;
}

unsigned eg_hwp_judge_ps(const char *name, const uint8_t *d, size_t len)
{
    unsigned k = 0;
    const char *e = eg_path_ext(name ? name : "");
    size_t head = len < 4096 ? len : 4096;
    if (!strcasecmp(e, "ps") || !strcasecmp(e, "eps") || (len >= 4 && !memcmp(d, "%!PS", 4)) ||
        (len >= 4 && eg_rd32le(d) == 0xC6D3D0C5u) || /* DOS EPS binary header */
        eg_memmem_ci((const char *)d, head, "%!PS-Adobe", 10))
        k |= EG_HWP_PS;
    if (!k)
        return 0;
    /* code kept as data and turned into code: a long hex or ASCII85 string run through
     * `cvx exec` (or `token`/`filter` then exec), the shape of the HWP EPS exploits */
    bool cvx = eg_memmem_ci((const char *)d, len, "cvx", 3) != NULL;
    bool exec = eg_memmem_ci((const char *)d, len, "exec", 4) != NULL;
    if (cvx && exec && longest_hex(d, len) >= 512)
        k |= EG_HWP_PS_EXEC;
    return k;
}

/* An OLE object in BinData: a u32 size, then the compound file. */
static void bindata_ole(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                        const char *path)
{
    static const uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    size_t off = (len >= 12 && !memcmp(d + 4, magic, 8)) ? 4
                 : (len >= 8 && !memcmp(d, magic, 8))    ? 0
                                                         : (size_t)-1;
    if (off == (size_t)-1)
        return;
    eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT,
                    "\"%s\": OLE object in the HWP document (%zu bytes)", path, len - off);
    uint8_t *copy = malloc(len - off);
    if (!copy)
        return;
    memcpy(copy, d + off, len - off);
    eg_child ch = {.name = path,
                   .data = copy,
                   .size = len - off,
                   .owned = true,
                   .type = EG_T_CFB,
                   .detail = "OLE object embedded in an HWP document"};
    eg_scan_add_child(s, obj, &ch, NULL);
}

/* Scripts/DefaultJScript: after decompression a u32 count of UTF-16 characters and the text of
 * the document's script (empty documents store zero). The text becomes a JScript child. */
static void script(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len, const char *path)
{
    eg_buf t;
    eg_office_buf_init(&t, 1u << 20);
    size_t letters = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint16_t u = eg_rd16le(d + i);
        if (u == '\r' || u == '\n' || u == '\t' || (u >= 0x20 && u < 0x7F)) {
            eg_buf_putc(&t, (char)u);
            if (u > 0x20)
                letters++;
        } else if (u >= 0x80 && u < 0xFFFF) {
            eg_buf_putc(&t, '?');
        }
    }
    if (letters >= 16) {
        eg_scan_finding(s, obj, EG_R_HWP_SCRIPT, "\"%s\": %zu characters", path, letters);
        eg_child ch = {.name = "DefaultJScript.js",
                       .data = t.data,
                       .size = t.len,
                       .type = EG_T_SCRIPT,
                       .detail = "script of an HWP document"};
        eg_scan_add_child(s, obj, &ch, NULL);
    }
    eg_buf_free(&t);
}

void eg_office_hwp_stream(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                          const char *path, unsigned hflags)
{
    bool bindata = eg_has_prefix_ci(path, "BinData/");
    bool js = !strcasecmp(path, "Scripts/DefaultJScript");
    if (!bindata && !js)
        return;
    uint8_t *plain = NULL;
    size_t plen = 0;
    if (hflags & EG_HWP_F_COMPRESSED) {
        eg_status st = eg_hwp_inflate(d, len, eg_office_cap(s, HWP_MAX_OUT), &plain, &plen);
        if (st == EG_ELIMIT)
            eg_scan_finding(s, obj, EG_R_LIMIT_BYTES, "\"%s\" inflated past %zu bytes", path, plen);
        else if (st != EG_OK) {
            /* BinData streams may be stored as they are even in a compressed document */
            free(plain);
            plain = NULL;
        }
    }
    const uint8_t *p = plain ? plain : d;
    size_t n = plain ? plen : len;
    if (js) {
        script(s, obj, p, n, path);
    } else {
        unsigned k = eg_hwp_judge_ps(path, p, n);
        if (k & EG_HWP_PS_EXEC)
            eg_scan_finding(s, obj, EG_R_HWP_POSTSCRIPT_EXEC,
                            "\"%s\": a %zu-digit hex string turned into code (cvx exec)", path,
                            longest_hex(p, n));
        else if (k & EG_HWP_PS)
            eg_scan_finding(s, obj, EG_R_HWP_POSTSCRIPT, "\"%s\" (%zu bytes)", path, n);
        else
            bindata_ole(s, obj, p, n, path);
    }
    free(plain);
}

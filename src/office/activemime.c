/*
 * VBA hidden in Word 2003 XML and MHT documents: the project travels as an "ActiveMime" blob
 * (editdata.mso), Base64 in a <w:binData w:name="editdata.mso"> element of the XML, or a MIME part
 * of the MHT (which the mail analyzer hands on as bytes). The blob is a small header followed by
 * a zlib stream holding a CFB with the VBA storage; that CFB becomes a child.
 *
 * Only the zlib payload is used; the header's other fields are not interpreted.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define AM_MAGIC "ActiveMime"

/* zlib (window_bits 15) or raw deflate (-15) into at most cap bytes; a stream that decodes to
 * fewer than min_len bytes is refused. */
static eg_status inflate_stream(const uint8_t *d, size_t len, size_t cap, int window_bits,
                                size_t min_len, uint8_t **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, window_bits) != Z_OK)
        return EG_ENOMEM;
    eg_buf b;
    eg_office_buf_init(&b, cap);
    uint8_t tmp[16384];
    z.next_in = (Bytef *)d;
    z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    int r;
    eg_status st = EG_OK;
    do {
        z.next_out = tmp;
        z.avail_out = sizeof tmp;
        r = inflate(&z, Z_NO_FLUSH);
        if (r != Z_OK && r != Z_STREAM_END)
            break;
        st = eg_buf_append(&b, tmp, sizeof tmp - z.avail_out);
        if (st != EG_OK)
            break;
    } while (r != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
    inflateEnd(&z);
    /* a stream whose input simply runs out (PowerPoint writes ExOleObjStg streams without their
     * final block) keeps what it gave; a corrupt one does not */
    bool ran_out = (r == Z_OK || r == Z_BUF_ERROR) && z.avail_in == 0;
    if (b.len < min_len || (r != Z_STREAM_END && st != EG_ELIMIT && !ran_out)) {
        eg_buf_free(&b);
        return EG_EFORMAT;
    }
    *out = (uint8_t *)eg_buf_steal(&b, outlen);
    return st;
}

eg_status eg_office_inflate(const uint8_t *d, size_t len, size_t cap, uint8_t **out, size_t *outlen)
{
    return inflate_stream(d, len, cap, 15, 8, out, outlen);
}

eg_status eg_office_inflate_raw(const uint8_t *d, size_t len, size_t cap, uint8_t **out,
                                size_t *outlen)
{
    return inflate_stream(d, len, cap, -15, 0, out, outlen);
}

static eg_status activemime(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                            const char *where)
{
    if (len < 0x32 || memcmp(d, AM_MAGIC, 10))
        return EG_EFORMAT;
    size_t cand[4] = {(size_t)eg_rd16le(d + 0x1E) + 46, 0x32, 0x22A, 0};
    /* last resort: the first zlib header in the first KiB */
    for (size_t i = 0x20; i + 1 < len && i < 1024; i++)
        if (d[i] == 0x78 && (d[i + 1] == 0x9C || d[i + 1] == 0x01 || d[i + 1] == 0xDA)) {
            cand[3] = i;
            break;
        }
    size_t cap = eg_office_cap(s, SIZE_MAX / 2);
    for (size_t k = 0; k < 4; k++) {
        if (!cand[k] || cand[k] >= len)
            continue;
        uint8_t *out;
        size_t n;
        eg_status st = eg_office_inflate(d + cand[k], len - cand[k], cap, &out, &n);
        if (st != EG_OK && st != EG_ELIMIT)
            continue;
        if (eg_scan_charge(s, obj, n) != EG_OK) {
            free(out);
            return EG_ELIMIT;
        }
        eg_child ch = {.name = "editdata.mso (ActiveMime)",
                       .data = out,
                       .size = n,
                       .owned = true,
                       .flags = st == EG_ELIMIT ? EG_OBJ_TRUNCATED : 0,
                       .detail = where};
        eg_scan_add_child(s, obj, &ch, NULL);
        return EG_OK;
    }
    return EG_EFORMAT;
}

eg_status eg_office_analyze_activemime(eg_scan *s, const eg_object *obj)
{
    if (obj->size < 10 || memcmp(obj->data, AM_MAGIC, 10))
        return EG_OK; /* some other binary: nothing to do here */
    return activemime(s, obj, obj->data, (size_t)obj->size, "VBA project from an ActiveMime blob");
}

/* Word 2003 XML: every <w:binData w:name="editdata.mso"> (or any binData whose content decodes
 * to ActiveMime). Other XML is left to intel and YARA. */
eg_status eg_office_analyze_xml(eg_scan *s, const eg_object *obj)
{
    const char *t = (const char *)obj->data, *end = t + obj->size;
    const char *p = t;
    unsigned found = 0;
    /* DDE: Word 2003 XML field instructions, Excel 2003 XML ss:Formula */
    eg_office_dde_fields_text(s, obj, t, (size_t)obj->size, "XML field");
    eg_office_dde_formulas(s, obj, t, (size_t)obj->size, "XML formula");
    while (p < end && found < 16 && !eg_scan_timed_out(s, obj)) {
        const char *b = memmem(p, (size_t)(end - p), "binData", 7);
        if (!b)
            break;
        const char *gt = memchr(b, '>', (size_t)(end - b));
        if (!gt)
            break;
        const char *close = memmem(gt, (size_t)(end - gt), "</", 2);
        if (!close)
            break;
        p = close;
        size_t n = (size_t)(close - gt - 1);
        if (n < 64)
            continue;
        size_t dl;
        uint8_t *d = eg_office_b64_decode(gt + 1, n, &dl);
        if (!d)
            continue;
        if (dl >= 10 && !memcmp(d, AM_MAGIC, 10)) {
            found++;
            eg_scan_finding(s, obj, EG_R_VBA_MACRO,
                            "Word 2003 XML: editdata.mso (ActiveMime, %zu bytes)", dl);
            activemime(s, obj, d, dl, "VBA project from Word 2003 XML editdata.mso");
        }
        free(d);
    }
    return EG_OK;
}

/*
 * MS-OVBA: the VBA compression format (2.4.1) and the dir stream (2.3.4.2), plus codepage
 * conversion of module source. Written from the specification; libgsf's own VBA helper is not
 * used because it appends bytes past the end of the last chunk.
 *
 * Decompression never writes more than the output buffer's limit and never reads outside the
 * input: every copy token is checked against what was decompressed in the current chunk.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAX 4096

/* One CompressedChunk: returns EG_OK and advances *pos past the chunk. */
static eg_status decompress_chunk(const uint8_t *in, size_t len, size_t *pos, eg_buf *out)
{
    if (!eg_in_bounds(len, *pos, 2))
        return EG_EFORMAT;
    uint16_t hdr = eg_rd16le(in + *pos);
    size_t csize = (size_t)(hdr & 0x0FFF) + 3; /* header included */
    if (((hdr >> 12) & 7) != 3)
        return EG_EFORMAT;
    size_t end = *pos + csize;
    if (end > len)
        end = len; /* a truncated last chunk: decode what is there */
    size_t p = *pos + 2;
    size_t start = out->len;
    eg_status st = EG_OK;
    if (!(hdr & 0x8000)) {
        /* raw chunk: 4096 bytes of literal data */
        size_t n = end - p < CHUNK_MAX ? end - p : CHUNK_MAX;
        st = eg_buf_append(out, in + p, n);
        *pos = p + n;
        return st;
    }
    /* one reservation per chunk: the bytes are then written directly (a chunk never
     * decompresses to more than 4096 bytes); near the output limit, byte by byte */
    bool fast = eg_buf_reserve(out, CHUNK_MAX) == EG_OK;
    while (p < end && st == EG_OK) {
        uint8_t flags = in[p++];
        for (int bit = 0; bit < 8 && p < end; bit++) {
            size_t diff = out->len - start;
            if (diff >= CHUNK_MAX) {
                p = end;
                break;
            }
            if (!(flags & (1u << bit))) {
                if (fast)
                    out->data[out->len++] = in[p++];
                else if ((st = eg_buf_putc(out, in[p++])) != EG_OK)
                    break;
                continue;
            }
            if (end - p < 2) {
                p = end;
                break;
            }
            uint16_t tok = eg_rd16le(in + p);
            p += 2;
            unsigned bits = 4;
            while (bits < 12 && ((size_t)1 << bits) < diff)
                bits++;
            uint16_t lmask = (uint16_t)(0xFFFFu >> bits);
            size_t off = (size_t)(tok >> (16 - bits)) + 1;
            size_t n = (size_t)(tok & lmask) + 3;
            if (off > diff) {
                st = EG_EFORMAT;
                break;
            }
            if (n > CHUNK_MAX - diff)
                n = CHUNK_MAX - diff;
            /* byte by byte: the copy may overlap the bytes it produces */
            for (size_t k = 0; k < n; k++) {
                uint8_t c = out->data[out->len - off];
                if (fast)
                    out->data[out->len++] = c;
                else if ((st = eg_buf_putc(out, c)) != EG_OK)
                    break;
            }
        }
    }
    if (fast)
        out->data[out->len] = 0;
    *pos = end;
    return st;
}

eg_status eg_ovba_decompress(const uint8_t *in, size_t len, eg_buf *out)
{
    eg_buf_reserve(out, 1); /* never a NULL data pointer, even for empty output */
    if (!in || len < 1 || in[0] != 0x01)
        return EG_EFORMAT;
    size_t pos = 1;
    while (pos < len) {
        eg_status st = decompress_chunk(in, len, &pos, out);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

static char *dup_field(const uint8_t *p, size_t n)
{
    if (n > 1024)
        n = 1024;
    return eg_strndup((const char *)p, n);
}

/* A UTF-16LE name as UTF-8 (at most 1024 bytes of input). */
static char *utf16_field(const uint8_t *p, size_t n)
{
    if (n > 1024)
        n = 1024;
    n &= ~(size_t)1;
    size_t ul;
    return eg_office_codepage_to_utf8(p, n, 1200, &ul);
}

void eg_vba_dir_free(eg_vba_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_modules; i++) {
        free(d->modules[i].name);
        free(d->modules[i].stream_name);
        free(d->modules[i].stream_name_u);
        free(d->modules[i].name_u);
    }
    free(d->modules);
    free(d->project_name);
    free(d);
}

static eg_status add_module(eg_vba_dir *d, const uint8_t *name, size_t n)
{
    if (d->n_modules >= EG_VBA_MAX_MODULES)
        return EG_ELIMIT;
    eg_vba_module *m = realloc(d->modules, (d->n_modules + 1) * sizeof *m);
    if (!m)
        return EG_ENOMEM;
    d->modules = m;
    m = &d->modules[d->n_modules];
    memset(m, 0, sizeof *m);
    if (!(m->name = dup_field(name, n)))
        return EG_ENOMEM;
    d->n_modules++;
    return EG_OK;
}

eg_status eg_vba_dir_parse(const uint8_t *dir, size_t len, eg_vba_dir **out)
{
    *out = NULL;
    eg_vba_dir *d = calloc(1, sizeof *d);
    if (!d)
        return EG_ENOMEM;
    d->codepage = 1252;
    eg_cur c = eg_cur_make(dir, len);
    eg_status st = EG_OK;
    bool seen_any = false;
    while (eg_cur_left(&c) >= 6 && st == EG_OK) {
        uint16_t id = eg_cur_u16le(&c);
        uint32_t size = eg_cur_u32le(&c);
        /* PROJECTVERSION's size field says 4 but 6 bytes follow (MS-OVBA 2.3.4.2.1.11) */
        if (id == 0x0009)
            size = 6;
        const uint8_t *p = eg_cur_take(&c, size);
        if (!p)
            break;
        seen_any = true;
        eg_vba_module *cur = d->n_modules ? &d->modules[d->n_modules - 1] : NULL;
        switch (id) {
        case 0x0003: /* PROJECTCODEPAGE */
            if (size >= 2)
                d->codepage = eg_rd16le(p);
            break;
        case 0x0004: /* PROJECTNAME */
            if (!d->project_name && !(d->project_name = dup_field(p, size)))
                st = EG_ENOMEM;
            break;
        case 0x0019: /* MODULENAME starts a module */ st = add_module(d, p, size); break;
        case 0x001A: /* MODULESTREAMNAME */
            if (cur && !cur->stream_name && !(cur->stream_name = dup_field(p, size)))
                st = EG_ENOMEM;
            break;
        case 0x0032: /* MODULESTREAMNAMEUNICODE (UTF-16LE) */
            if (cur && !cur->stream_name_u && size && !(cur->stream_name_u = utf16_field(p, size)))
                st = EG_ENOMEM;
            break;
        case 0x0047: /* MODULENAMEUNICODE (UTF-16LE) */
            if (cur && !cur->name_u && size && !(cur->name_u = utf16_field(p, size)))
                st = EG_ENOMEM;
            break;
        case 0x0031: /* MODULEOFFSET */
            if (cur && size >= 4)
                cur->text_offset = eg_rd32le(p);
            break;
        case 0x0022: /* MODULETYPE: document, class or designer module */
            if (cur)
                cur->is_class = true;
            break;
        default: break;
        }
        if (id == 0x0010) /* dir terminator */
            break;
    }
    if (st == EG_ELIMIT)
        st = EG_OK; /* keep the first EG_VBA_MAX_MODULES */
    if (st != EG_OK || (!seen_any) || (!d->n_modules && c.err)) {
        eg_vba_dir_free(d);
        return st != EG_OK ? st : EG_EFORMAT;
    }
    *out = d;
    return EG_OK;
}

static const char *codepage_name(unsigned cp, char *tmp, size_t n)
{
    switch (cp) {
    case 65001: return "UTF-8";
    case 932: return "CP932";
    case 1200: return "UTF-16LE";
    case 10000: return "MACINTOSH";
    case 20127: return "ASCII";
    case 51932: return "EUC-JP-MS";
    case 50220: return "ISO-2022-JP";
    default: snprintf(tmp, n, "CP%u", cp); return tmp;
    }
}

char *eg_office_codepage_to_utf8(const uint8_t *in, size_t len, unsigned codepage, size_t *outlen)
{
    char tmp[16];
    eg_buf b;
    eg_office_buf_init(&b, 0);
    iconv_t cd = iconv_open("UTF-8", codepage_name(codepage, tmp, sizeof tmp));
    if (cd == (iconv_t)-1)
        cd = iconv_open("UTF-8", "CP1252");
    if (cd == (iconv_t)-1)
        return NULL;
    char *ip = (char *)in;
    size_t ileft = len;
    char obuf[4096];
    while (ileft > 0) {
        char *op = obuf;
        size_t oleft = sizeof obuf;
        size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
        if (eg_buf_append(&b, obuf, sizeof obuf - oleft) != EG_OK)
            goto fail;
        if (r == (size_t)-1 && errno != E2BIG) {
            /* invalid or incomplete sequence: one replacement character, skip one byte */
            if (eg_buf_append(&b, "\xEF\xBF\xBD", 3) != EG_OK)
                goto fail;
            ip++;
            ileft--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    if (eg_buf_reserve(&b, 1) != EG_OK) {
        eg_buf_free(&b);
        return NULL;
    }
    return eg_buf_steal(&b, outlen);
fail:
    iconv_close(cd);
    eg_buf_free(&b);
    return NULL;
}

/*
 * TNEF reader (tnef.h), written from MS-OXTNEF: a signature, a key, then attribute records
 * (level, id, length, data, checksum). Attachment records start at attAttachRendData; the file
 * bytes come from attAttachData or the PR_ATTACH_DATA_BIN/OBJ MAPI property, the name from
 * PR_ATTACH_LONG_FILENAME or attAttachTitle. Every length is checked through eg_cur; the record,
 * property and file counts are capped.
 */
#include "mail/tnef.h"

#include "core/safe.h"
#include "core/strutil.h"
#include "text/charset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATT_ATTACH_REND_DATA 0x00069002u
#define ATT_ATTACH_TITLE 0x00018010u
#define ATT_ATTACH_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u
#define ATT_OEM_CODEPAGE 0x00069007u
#define ATT_BODY 0x0002800Cu
#define ATT_MSG_PROPS 0x00069003u

#define PR_ATTACH_DATA 0x3701u
#define PR_ATTACH_FILENAME 0x3704u
#define PR_ATTACH_LONG_FILENAME 0x3707u
#define PR_RTF_COMPRESSED 0x1009u

#define MAX_RECORDS 100000
#define MAX_PROPS 10000
#define MAX_VALUES 1000
#define MAX_NAME 1024

typedef struct {
    const uint8_t *data;
    size_t len;
    char *title;     /* from attAttachTitle */
    char *long_name; /* from PR_ATTACH_LONG_FILENAME or PR_ATTACH_FILENAME */
    bool open;
} pending;

static void set_problem(eg_tnef *t, const char *msg)
{
    if (!t->malformed)
        snprintf(t->problem, sizeof t->problem, "%s", msg);
    t->malformed = true;
}

static char *decode_name(const uint8_t *p, size_t n, bool unicode, unsigned codepage)
{
    if (unicode) {
        while (n >= 2 && p[n - 1] == 0 && p[n - 2] == 0)
            n -= 2;
    } else {
        const uint8_t *z = memchr(p, 0, n);
        if (z)
            n = (size_t)(z - p);
    }
    if (n == 0)
        return NULL;
    const char *cs = unicode ? "UTF-16LE" : codepage == 932 ? "CP932" : NULL;
    char cpbuf[16];
    if (!unicode && codepage && codepage != 932) {
        snprintf(cpbuf, sizeof cpbuf, "CP%u", codepage);
        cs = cpbuf;
    }
    char *u = NULL;
    eg_charset_to_utf8(cs, p, n, MAX_NAME, &u, NULL, NULL);
    return u;
}

static eg_status push_file(eg_tnef *t, pending *pd, size_t max_files)
{
    if (!pd->open)
        return EG_OK;
    pd->open = false;
    char *name = pd->long_name ? pd->long_name : pd->title;
    char *other = pd->long_name ? pd->title : NULL;
    free(other);
    pd->long_name = pd->title = NULL;
    if (!pd->data) {
        free(name);
        return EG_OK;
    }
    if (t->n_files >= max_files) {
        free(name);
        set_problem(t, "too many attachments");
        return EG_ELIMIT;
    }
    eg_tnef_file *f = realloc(t->files, (t->n_files + 1) * sizeof *f);
    if (!f) {
        free(name);
        return EG_ENOMEM;
    }
    t->files = f;
    t->files[t->n_files++] = (eg_tnef_file){name, pd->data, pd->len};
    pd->data = NULL;
    pd->len = 0;
    return EG_OK;
}

/* Size of a fixed-width MAPI value (0 = variable or unknown). */
static size_t fixed_size(unsigned type)
{
    switch (type) {
    case 0x0001: case 0x0002: case 0x0003: case 0x0004: case 0x000A: case 0x000B:
        return 4;
    case 0x0005: case 0x0006: case 0x0007: case 0x0014: case 0x0040:
        return 8;
    case 0x0048:
        return 16;
    default:
        return 0;
    }
}

static void read_props(eg_tnef *t, pending *pd, const uint8_t *p, size_t n, unsigned codepage)
{
    /* pd == NULL: the message's own properties, where only the compressed RTF body matters */
    eg_cur c = eg_cur_make(p, n);
    uint32_t count = eg_cur_u32le(&c);
    for (uint32_t i = 0; i < count && i < MAX_PROPS && !c.err; i++) {
        unsigned type = eg_cur_u16le(&c), id = eg_cur_u16le(&c);
        if (id >= 0x8000) { /* named property: GUID, kind, then an id or a name */
            eg_cur_skip(&c, 16);
            uint32_t kind = eg_cur_u32le(&c);
            if (kind == 0) {
                eg_cur_skip(&c, 4);
            } else {
                uint32_t nl = eg_cur_u32le(&c);
                eg_cur_skip(&c, nl);
                eg_cur_skip(&c, (4 - nl % 4) % 4);
            }
        }
        bool multi = type & 0x1000;
        unsigned base = type & 0x0FFF;
        size_t fs = fixed_size(base);
        uint32_t nv = 1;
        if (multi || !fs)
            nv = eg_cur_u32le(&c);
        if (nv > MAX_VALUES) {
            set_problem(t, "MAPI property with too many values");
            return;
        }
        for (uint32_t k = 0; k < nv && !c.err; k++) {
            if (fs) {
                eg_cur_skip(&c, fs);
                continue;
            }
            if (base != 0x001E && base != 0x001F && base != 0x0102 && base != 0x000D) {
                set_problem(t, "unknown MAPI property type");
                return;
            }
            uint32_t vl = eg_cur_u32le(&c);
            const uint8_t *v = eg_cur_take(&c, vl);
            eg_cur_skip(&c, (4 - vl % 4) % 4);
            if (!v || multi)
                continue;
            if (!pd) {
                if (id == PR_RTF_COMPRESSED && base == 0x0102 && !t->rtf) {
                    t->rtf = v;
                    t->rtf_len = vl;
                }
                continue;
            }
            if ((id == PR_ATTACH_LONG_FILENAME || (id == PR_ATTACH_FILENAME && !pd->long_name)) &&
                (base == 0x001E || base == 0x001F)) {
                char *nm = decode_name(v, vl, base == 0x001F, codepage);
                if (nm) {
                    free(pd->long_name);
                    pd->long_name = nm;
                }
            } else if (id == PR_ATTACH_DATA && !pd->data && (base == 0x0102 || base == 0x000D)) {
                /* an embedded object starts with its interface id */
                size_t skip = base == 0x000D && vl >= 16 ? 16 : 0;
                pd->data = v + skip;
                pd->len = vl - skip;
            }
        }
    }
    if (c.err)
        set_problem(t, "MAPI property list runs past its record");
}

/* ---- compressed RTF (MS-OXRTFCP) ------------------------------------------------------ */

static const char RTF_PRELOAD[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
    "\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    "\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

eg_status eg_tnef_rtf_decompress(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    eg_cur c = eg_cur_make(in, len);
    uint32_t comp = eg_cur_u32le(&c), raw = eg_cur_u32le(&c), type = eg_cur_u32le(&c);
    eg_cur_skip(&c, 4); /* CRC: damage shows as garbage RTF, which the RTF reader copes with */
    if (c.err)
        return EG_EFORMAT;
    size_t end = comp >= 12 && (size_t)comp - 12 <= eg_cur_left(&c) ? 16 + (size_t)comp - 12 : len;
    size_t cap = raw;
    if (max_out && cap > max_out)
        cap = max_out;
    if (cap > len * 9 + 64) /* one control byte and 16 bytes of references give at most 136 */
        cap = len * 9 + 64;
    uint8_t *o = malloc(cap + 1);
    if (!o)
        return EG_ENOMEM;
    size_t n = 0;
    if (type == 0x414C454Du) { /* "MELA": stored */
        size_t k = end - 16 < cap ? end - 16 : cap;
        memcpy(o, in + 16, k);
        n = k;
    } else if (type == 0x75465A4Cu) { /* "LZFu" */
        uint8_t dict[4096];
        size_t pre = sizeof RTF_PRELOAD - 1;
        memcpy(dict, RTF_PRELOAD, pre);
        memset(dict + pre, 0, sizeof dict - pre);
        unsigned wpos = (unsigned)pre;
        size_t i = 16;
        bool done = false;
        while (i < end && !done && n < cap) {
            uint8_t ctl = in[i++];
            for (int bit = 0; bit < 8 && !done && n < cap; bit++) {
                if (!(ctl & (1u << bit))) {
                    if (i >= end) {
                        done = true;
                        break;
                    }
                    o[n++] = dict[wpos] = in[i++];
                    wpos = (wpos + 1) & 4095u;
                    continue;
                }
                if (i + 1 >= end) {
                    done = true;
                    break;
                }
                unsigned ref = (unsigned)in[i] << 8 | in[i + 1];
                i += 2;
                unsigned off = ref >> 4, cnt = (ref & 15u) + 2;
                if (off == wpos) {
                    done = true; /* the end marker */
                    break;
                }
                for (unsigned k = 0; k < cnt && n < cap; k++) {
                    uint8_t b = dict[(off + k) & 4095u];
                    o[n++] = dict[wpos] = b;
                    wpos = (wpos + 1) & 4095u;
                }
            }
        }
    } else {
        free(o);
        return EG_EUNSUPPORTED;
    }
    o[n] = 0;
    *out = o;
    *out_len = n;
    return (max_out && raw > max_out) ? EG_ELIMIT : EG_OK;
}

eg_status eg_tnef_parse(const uint8_t *data, size_t len, size_t max_files, eg_tnef *t)
{
    memset(t, 0, sizeof *t);
    eg_cur c = eg_cur_make(data, len);
    if (eg_cur_u32le(&c) != EG_TNEF_SIGNATURE)
        return EG_EFORMAT;
    eg_cur_skip(&c, 2); /* legacy key */
    if (c.err)
        return EG_EFORMAT;
    pending pd = {0};
    eg_status st = EG_OK;
    for (size_t r = 0; r < MAX_RECORDS && eg_cur_left(&c) > 0 && st == EG_OK; r++) {
        uint8_t level = eg_cur_u8(&c);
        uint32_t id = eg_cur_u32le(&c);
        uint32_t n = eg_cur_u32le(&c);
        const uint8_t *p = eg_cur_take(&c, n);
        uint16_t sum = eg_cur_u16le(&c);
        if (c.err || !p) {
            /* keep what a truncated last record still holds */
            set_problem(t, "record runs past the end");
            break;
        }
        uint16_t calc = 0;
        for (uint32_t k = 0; k < n; k++)
            calc = (uint16_t)(calc + p[k]);
        if (calc != sum)
            set_problem(t, "record checksum mismatch");
        if (level != 1 && level != 2) {
            set_problem(t, "unknown record level");
            continue;
        }
        switch (id) {
        case ATT_OEM_CODEPAGE:
            if (n >= 4)
                t->codepage = eg_rd32le(p);
            break;
        case ATT_BODY:
            t->body = p;
            t->body_len = n;
            break;
        case ATT_ATTACH_REND_DATA:
            st = push_file(t, &pd, max_files);
            pd.open = true;
            break;
        case ATT_ATTACH_TITLE:
            pd.open = true;
            free(pd.title);
            pd.title = decode_name(p, n, false, t->codepage);
            break;
        case ATT_ATTACH_DATA:
            pd.open = true;
            pd.data = p;
            pd.len = n;
            break;
        case ATT_ATTACHMENT:
            pd.open = true;
            read_props(t, &pd, p, n, t->codepage);
            break;
        case ATT_MSG_PROPS:
            if (level == 1)
                read_props(t, NULL, p, n, t->codepage);
            break;
        default:
            break;
        }
    }
    if (st == EG_OK)
        st = push_file(t, &pd, max_files);
    free(pd.title);
    free(pd.long_name);
    return st == EG_ENOMEM ? st : EG_OK;
}

void eg_tnef_free(eg_tnef *t)
{
    for (size_t i = 0; i < t->n_files; i++)
        free(t->files[i].name);
    free(t->files);
    memset(t, 0, sizeof *t);
}

eg_status eg_mail_analyze_tnef(eg_scan *s, const eg_object *obj)
{
    eg_tnef t;
    size_t max = eg_scan_limits(s)->max_objects;
    eg_status st = eg_tnef_parse(obj->data, (size_t)obj->size, max, &t);
    if (st != EG_OK) {
        if (st == EG_EFORMAT)
            eg_scan_finding(s, obj, EG_R_MAIL_TNEF_MALFORMED, "no TNEF signature");
        return st == EG_EFORMAT ? EG_OK : st;
    }
    if (t.malformed)
        eg_scan_finding(s, obj, EG_R_MAIL_TNEF_MALFORMED, "%s", t.problem);
    if (t.body && t.body_len) {
        char *u = NULL;
        size_t un = 0;
        eg_charset_to_utf8(t.codepage == 932 ? "CP932" : NULL, t.body, t.body_len,
                           (size_t)eg_scan_budget(s) + 1, &u, &un, NULL);
        if (u) {
            eg_child c = {.name = "tnef-body.txt", .data = (uint8_t *)u, .size = un, .owned = true,
                          .type = EG_T_TEXT, .detail = "TNEF message body"};
            if (eg_scan_charge(s, obj, un) == EG_OK)
                eg_scan_add_child(s, obj, &c, NULL);
            else
                free(u);
        }
    }
    if (t.rtf && t.rtf_len) {
        uint8_t *r = NULL;
        size_t rn = 0;
        uint64_t budget = eg_scan_budget(s);
        eg_status rs = budget ? eg_tnef_rtf_decompress(t.rtf, t.rtf_len, (size_t)budget, &r, &rn) : EG_ELIMIT;
        if (r && rn) {
            eg_child c = {.name = "tnef-body.rtf", .data = r, .size = rn, .owned = true,
                          .detail = "TNEF compressed RTF body"};
            if (rs == EG_ELIMIT)
                c.flags |= EG_OBJ_TRUNCATED;
            if (eg_scan_charge(s, obj, rn) == EG_OK)
                eg_scan_add_child(s, obj, &c, NULL);
            else
                free(r);
        } else {
            free(r);
            if (rs == EG_EFORMAT || rs == EG_EUNSUPPORTED)
                eg_scan_finding(s, obj, EG_R_MAIL_TNEF_MALFORMED, "compressed RTF body unreadable");
        }
    }
    for (size_t i = 0; i < t.n_files; i++) {
        if (eg_scan_timed_out(s, obj))
            break;
        char fallback[48];
        snprintf(fallback, sizeof fallback, "tnef-attachment-%zu", i + 1);
        eg_child c = {.name = t.files[i].name ? t.files[i].name : fallback,
                      .data = t.files[i].data, .size = t.files[i].len, .owned = false,
                      .detail = "from winmail.dat"};
        if (eg_scan_add_child(s, obj, &c, NULL) != EG_OK)
            break;
    }
    eg_tnef_free(&t);
    return EG_OK;
}

/*
 * MS-OFORMS: the strings a VBA UserForm's controls hold. The 'f' stream (FormControl, 2.2.10)
 * lists the sites (controls) with their Name, Tag, ControlTipText and the size of each control's
 * record in the 'o' stream; the 'o' records of text boxes, combo/list boxes, option buttons,
 * check and toggle buttons (MorphDataControl, 2.2.5), labels (2.2.4) and command buttons (2.2.1)
 * give Value, Caption and GroupName. Macros read these (UserForm1.TextBox1.Text, .Tag) to hide
 * their command lines.
 *
 * Only string properties are read: pictures, fonts and sizes are skipped by their lengths. Every
 * read is bounds-checked; a record that does not fit ends the walk (what was read is kept).
 * Nested frames and multipage controls are not descended into.
 */
#include "office/office_int.h"

#include "core/safe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SITES 1024
#define MAX_STR 65536

typedef struct rd {
    const uint8_t *d;
    size_t len, pos;
    bool err;
} rd;

static const uint8_t *take(rd *r, size_t n)
{
    if (r->err || !eg_in_bounds(r->len, r->pos, n)) {
        r->err = true;
        return NULL;
    }
    const uint8_t *p = r->d + r->pos;
    r->pos += n;
    return p;
}

static uint32_t u32(rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? eg_rd32le(p) : 0;
}

static uint16_t u16(rd *r)
{
    const uint8_t *p = take(r, 2);
    return p ? eg_rd16le(p) : 0;
}

/* aligns pos to a multiple of n counted from base */
static void align(rd *r, size_t base, size_t n)
{
    size_t off = (r->pos - base) % n;
    if (off)
        take(r, n - off);
}

/* A field of a padded DataBlock: aligned to its own size from the block's start. */
static uint32_t field(rd *r, size_t base, size_t n)
{
    align(r, base, n);
    const uint8_t *p = take(r, n);
    if (!p)
        return 0;
    return n == 4 ? eg_rd32le(p) : n == 2 ? eg_rd16le(p) : p[0];
}

/* An fmString of the ExtraDataBlock: count with the compression flag (bit 31: one byte per
 * character in the project codepage, else UTF-16LE), padded to 4 bytes. */
static void string_at(rd *r, uint32_t cnt, unsigned cp, const char *control, const char *prop,
                      eg_oform_cb cb, void *ud)
{
    size_t n = cnt & 0x7FFFFFFFu;
    if (!n)
        return;
    size_t start = r->pos;
    const uint8_t *p = take(r, n);
    if (!p)
        return;
    align(r, start, 4);
    r->err = false; /* a missing pad at the very end is harmless */
    if (n > MAX_STR)
        n = MAX_STR;
    size_t ul = 0;
    char *u = eg_office_codepage_to_utf8(p, n, (cnt & 0x80000000u) ? cp : 1200, &ul);
    if (u && ul)
        cb(ud, control, prop, u, ul);
    free(u);
}

typedef struct site {
    char name[128];
    uint32_t size;  /* ObjectStreamSize */
    uint16_t clsid; /* ClsidCacheIndex */
} site;

/* OleSiteConcreteControl (2.2.10.12): name, tag and tip text reported, the rest measured. */
static bool read_site(rd *r, unsigned cp, site *st, eg_oform_cb cb, void *ud)
{
    if (u16(r) != 0)
        return false;
    uint16_t cb_site = u16(r);
    size_t end = r->pos + cb_site;
    if (r->err || end > r->len)
        return false;
    rd s = {r->d, end, r->pos, false};
    uint32_t mask = u32(&s);
    size_t base = s.pos;
    uint32_t name_n = 0, tag_n = 0, tip_n = 0;
    if (mask & (1u << 0))
        name_n = field(&s, base, 4);
    if (mask & (1u << 1))
        tag_n = field(&s, base, 4);
    if (mask & (1u << 2))
        field(&s, base, 4); /* ID */
    if (mask & (1u << 3))
        field(&s, base, 4); /* HelpContextID */
    if (mask & (1u << 4))
        field(&s, base, 4); /* BitFlags */
    if (mask & (1u << 5))
        st->size = field(&s, base, 4);
    if (mask & (1u << 6))
        field(&s, base, 2); /* TabIndex */
    if (mask & (1u << 7))
        st->clsid = (uint16_t)field(&s, base, 2);
    if (mask & (1u << 9))
        field(&s, base, 2); /* GroupID */
    if (mask & (1u << 11))
        tip_n = field(&s, base, 4);
    for (int b = 12; b <= 14; b++)
        if (mask & (1u << b))
            field(&s, base, 4); /* RuntimeLicKey, ControlSource, RowSource */
    align(&s, base, 4);
    /* the name first: the other strings are reported under it */
    size_t nn = name_n & 0x7FFFFFFFu;
    if (nn) {
        size_t at = s.pos;
        const uint8_t *p = take(&s, nn);
        if (p) {
            size_t ul = 0;
            char *u = eg_office_codepage_to_utf8(p, nn > 120 ? 120 : nn,
                                                 (name_n & 0x80000000u) ? cp : 1200, &ul);
            if (u)
                snprintf(st->name, sizeof st->name, "%s", u);
            free(u);
            align(&s, at, 4);
            s.err = false;
        }
    }
    const char *cname = st->name[0] ? st->name : "?";
    string_at(&s, tag_n, cp, cname, "Tag", cb, ud);
    if (mask & (1u << 8))
        take(&s, 8); /* SitePosition */
    string_at(&s, tip_n, cp, cname, "ControlTipText", cb, ud);
    r->pos = end;
    return true;
}

/* MorphDataControl (2.2.5): Value, Caption, GroupName. */
static void read_morph(rd *r, unsigned cp, const char *name, eg_oform_cb cb, void *ud)
{
    take(r, 2); /* versions */
    uint16_t cbm = u16(r);
    size_t end = r->pos + cbm;
    if (r->err || end > r->len)
        end = r->len;
    rd s = {r->d, end, r->pos, false};
    const uint8_t *mp = take(&s, 8);
    if (!mp)
        return;
    uint64_t mask = eg_rd32le(mp) | ((uint64_t)eg_rd32le(mp + 4) << 32);
    size_t base = s.pos;
    static const uint8_t sizes[] = {4, 4, 4, 4, 1, 1, 1, 1, 0, 2, 4,
                                    2, 2, 2, 2, 2, 1, 1, 1, 0, 1, 1};
    for (int b = 0; b < 22; b++)
        if ((mask & (1ull << b)) && sizes[b])
            field(&s, base, sizes[b]);
    uint32_t value_n = (mask & (1ull << 22)) ? field(&s, base, 4) : 0;
    uint32_t caption_n = (mask & (1ull << 23)) ? field(&s, base, 4) : 0;
    static const uint8_t later[] = {4, 4, 4, 2, 2, 2}; /* bits 24..29 */
    for (int b = 24; b < 30; b++)
        if (mask & (1ull << b))
            field(&s, base, later[b - 24]);
    uint32_t group_n = (mask & (1ull << 32)) ? field(&s, base, 4) : 0;
    align(&s, base, 4);
    if (mask & (1ull << 8))
        take(&s, 8); /* Size */
    string_at(&s, value_n, cp, name, "Value", cb, ud);
    string_at(&s, caption_n, cp, name, "Caption", cb, ud);
    string_at(&s, group_n, cp, name, "GroupName", cb, ud);
}

/* LabelControl (2.2.4) and CommandButtonControl (2.2.1): Caption. */
static void read_caption(rd *r, unsigned cp, const char *name, bool label, eg_oform_cb cb, void *ud)
{
    take(r, 2);
    uint16_t cbc = u16(r);
    size_t end = r->pos + cbc;
    if (r->err || end > r->len)
        end = r->len;
    rd s = {r->d, end, r->pos, false};
    uint32_t mask = u32(&s);
    size_t base = s.pos;
    for (int b = 0; b < 3; b++)
        if (mask & (1u << b))
            field(&s, base, 4); /* ForeColor, BackColor, VariousPropertyBits */
    uint32_t cap = (mask & (1u << 3)) ? field(&s, base, 4) : 0;
    static const uint8_t lab[] = {4, 0, 1, 4, 2, 2, 2, 2, 2}; /* bits 4..12 of a label */
    static const uint8_t btn[] = {4, 0, 1, 2, 2, 0, 2};       /* bits 4..10 of a button */
    const uint8_t *sz = label ? lab : btn;
    int nb = label ? 9 : 7;
    for (int b = 0; b < nb; b++)
        if ((mask & (1u << (b + 4))) && sz[b])
            field(&s, base, sz[b]);
    align(&s, base, 4);
    string_at(&s, cap, cp, name, "Caption", cb, ud);
}

eg_status eg_oform_parse(const uint8_t *f, size_t flen, const uint8_t *o, size_t olen,
                         unsigned codepage, eg_oform_cb cb, void *ud)
{
    rd r = {f, flen, 0, false};
    const uint8_t *ver = take(&r, 2);
    if (!ver || ver[1] != 4)
        return EG_EFORMAT;
    uint16_t cb_form = u16(&r);
    size_t data_start = r.pos;
    uint32_t mask = u32(&r);
    uint32_t boolprops = 0;
    size_t base = r.pos;
    for (int b = 1; b <= 3; b++)
        if (mask & (1u << b))
            field(&r, base, 4);
    if (mask & (1u << 6))
        boolprops = field(&r, base, 4);
    if (r.err || !eg_in_bounds(flen, data_start, cb_form))
        return EG_EFORMAT;
    if (!(mask & (1u << 22)))
        cb(ud, NULL, "Zoom", "100", 3); /* the default, which macros read as a number */
    r.pos = data_start + cb_form;
    /* StreamData: MouseIcon, Font, Picture */
    static const int sbits[] = {15, 20, 21};
    for (size_t k = 0; k < 3 && !r.err; k++) {
        if (!(mask & (1u << sbits[k])))
            continue;
        const uint8_t *g = take(&r, 16);
        if (!g)
            break;
        if (sbits[k] == 20) {
            /* StdFont or TextProps */
            if (g[0] == 0x03) {
                take(&r, 10);
                const uint8_t *fl = take(&r, 1);
                if (fl)
                    take(&r, fl[0]);
            } else {
                take(&r, 2);
                take(&r, u16(&r));
            }
        } else {
            u32(&r); /* preamble */
            take(&r, u32(&r));
        }
    }
    if (!(boolprops & (1u << 15))) {
        uint16_t nci = u16(&r);
        for (uint16_t i = 0; i < nci && !r.err; i++) {
            u16(&r);
            take(&r, u16(&r));
        }
    }
    uint32_t nsites = u32(&r);
    uint32_t nbytes = u32(&r);
    if (r.err)
        return EG_EFORMAT;
    if (nsites > MAX_SITES)
        nsites = MAX_SITES;
    size_t sites_end = eg_in_bounds(flen, r.pos, nbytes) ? r.pos + nbytes : flen;
    rd sr = {f, sites_end, r.pos, false};
    /* FormObjectDepthTypeCount entries, padded to 4 */
    size_t dstart = sr.pos;
    for (uint32_t left = nsites; left > 0 && !sr.err;) {
        take(&sr, 1);
        const uint8_t *t = take(&sr, 1);
        if (!t)
            break;
        uint32_t k = 1;
        if (t[0] & 0x80) {
            take(&sr, 1);
            k = t[0] & 0x7F;
        }
        left = k >= left ? 0 : left - k;
    }
    align(&sr, dstart, 4);
    size_t opos = 0;
    for (uint32_t i = 0; i < nsites && !sr.err; i++) {
        site st;
        memset(&st, 0, sizeof st);
        if (!read_site(&sr, codepage, &st, cb, ud))
            break;
        if (!o || !eg_in_bounds(olen, opos, st.size)) {
            opos = olen;
            continue;
        }
        rd orr = {o, opos + st.size, opos, false};
        const char *name = st.name[0] ? st.name : "?";
        if (st.clsid == 15 || (st.clsid >= 23 && st.clsid <= 28))
            read_morph(&orr, codepage, name, cb, ud);
        else if (st.clsid == 21 || st.clsid == 17)
            read_caption(&orr, codepage, name, st.clsid == 21, cb, ud);
        opos += st.size;
    }
    return EG_OK;
}

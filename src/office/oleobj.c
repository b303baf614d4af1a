/*
 * Embedded OLE objects: the \001Ole10Native stream of the Packager ("Package" class), which
 * carries a whole file (exe, lnk, js, docm ...) inside a .doc/.xls/.ppt or an RTF/OOXML object,
 * and the class ids (CLSIDs) of embedded storages that name components exploits go through
 * (Equation Editor, OLE2Link and its monikers, MSCOMCTL controls ...).
 *
 * The Ole10Native layout (as the packager writes it): u32 size of what follows; u16 flags; the
 * label (NUL-terminated ANSI); the source path (NUL-terminated); u32 type (0x00030000 for an
 * embedded file, 0x00010000 for a link); u32 length of the temporary path and the path (with its
 * NUL); u32 data size and the data; then, optionally, the temporary path, label and source path
 * again in UTF-16 (each u32 character count first). Only the data and the names are used.
 *
 * It does not judge the payload: the data becomes a child, and the analyzer of its type (PE, LNK,
 * script, Office) says what it is.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"
#include "scan/names.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A NUL-terminated ANSI string at cur (at most to the end); the cursor moves past the NUL. */
static void take_cstr(eg_cur *c, const char **s, size_t *n)
{
    size_t k = 0;
    while (c->off + k < c->len && c->p[c->off + k])
        k++;
    *s = (const char *)c->p + c->off;
    *n = k;
    eg_cur_skip(c, c->off + k < c->len ? k + 1 : k);
}

eg_status eg_ole10native_parse(const uint8_t *d, size_t len, eg_ole10native *o)
{
    memset(o, 0, sizeof *o);
    eg_cur c = eg_cur_make(d, len);
    eg_cur_u32le(&c); /* size of the rest: often wrong in hand-made files, not relied upon */
    eg_cur_u16le(&c);
    if (c.err)
        return EG_EFORMAT;
    take_cstr(&c, &o->label, &o->label_len);
    take_cstr(&c, &o->src, &o->src_len);
    o->kind = eg_cur_u32le(&c);
    if (c.err)
        return EG_EFORMAT;
    if ((o->kind >> 16) == 1) { /* a link to a file: no data follows */
        o->linked = true;
        return EG_OK;
    }
    uint32_t tl = eg_cur_u32le(&c);
    size_t at = c.off;
    if (!c.err && tl && tl <= eg_cur_left(&c) && d[at + tl - 1] == 0) {
        o->tmp = (const char *)d + at;
        o->tmp_len = tl - 1;
        eg_cur_skip(&c, tl);
    } else if (!c.err) {
        /* some writers leave the length out: a NUL-terminated path instead */
        c.off = at - 4;
        take_cstr(&c, &o->tmp, &o->tmp_len);
    }
    uint32_t dl = eg_cur_u32le(&c);
    if (c.err)
        return EG_EFORMAT;
    size_t left = eg_cur_left(&c);
    o->data = d + c.off;
    o->data_len = dl <= left ? dl : left;
    o->declared_len = dl;
    o->truncated = dl > left;
    return EG_OK;
}

/* The name a payload is shown and judged by: the label when it looks like a file name, else the
 * last element of the temporary or source path. */
static void payload_name(const eg_ole10native *o, char *out, size_t n)
{
    const char *cand[3] = {o->label, o->tmp, o->src};
    size_t lens[3] = {o->label_len, o->tmp_len, o->src_len};
    for (int i = 0; i < 3; i++) {
        if (!cand[i] || !lens[i])
            continue;
        size_t a = lens[i];
        while (a > 0 && cand[i][a - 1] != '\\' && cand[i][a - 1] != '/')
            a--;
        size_t k = lens[i] - a;
        if (k && (i > 0 || memchr(cand[i] + a, '.', k))) {
            snprintf(out, n, "%.*s", (int)(k > 200 ? 200 : k), cand[i] + a);
            return;
        }
    }
    snprintf(out, n, "Ole10Native");
}

void eg_office_ole10native(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                           const char *path)
{
    eg_ole10native o;
    if (eg_ole10native_parse(d, len, &o) != EG_OK) {
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT, "\"%s\": unreadable Ole10Native",
                        path);
        eg_scan_finding(s, obj, EG_R_PARSE_ERROR,
                        "\"%s\": Ole10Native header cut short (%zu bytes)", path, len);
        return;
    }
    char name[256];
    payload_name(&o, name, sizeof name);
    if (o.linked) {
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT, "\"%s\": packaged link to \"%.*s\"",
                        path, (int)(o.src_len > 200 ? 200 : o.src_len), o.src);
        eg_scan_iocs_from_text(s, obj, o.src, o.src_len);
        char target[256];
        snprintf(target, sizeof target, "%.*s", (int)(o.src_len > 250 ? 250 : o.src_len), o.src);
        if (eg_name_ext_is_executable(eg_path_ext(target)))
            eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_EXECUTABLE,
                            "\"%s\": packaged link to \"%s\"", path, target);
        return;
    }
    eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT,
                    "\"%s\": embedded file \"%s\" (%zu bytes%s), from \"%.*s\"", path, name,
                    o.data_len, o.truncated ? ", cut short" : "",
                    (int)(o.src_len > 160 ? 160 : o.src_len), o.src ? o.src : "");
    /* a size field larger than the data is common in droppers (the builder pads the claim); what is
     * there is the file, analysed whole, so this is no parse failure */
    if (eg_name_ext_is_executable(eg_path_ext(name)))
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_EXECUTABLE, "\"%s\": packaged file \"%s\"",
                        path, name);
    eg_child ch = {
        .name = name, .data = o.data, .size = o.data_len, .detail = "Ole10Native payload"};
    if (o.truncated)
        ch.flags |= EG_OBJ_TRUNCATED;
    eg_scan_add_child(s, obj, &ch, NULL);
}

/* Class ids of components that exploits in documents load (the ones public tooling lists with
 * a CVE); an embedded object of one of these classes is the attack, whatever its content. */
static const struct {
    const char *clsid, *what;
} exploit_clsids[] = {
    {"0002CE02-0000-0000-C000-000000000046", "Equation Editor 3.0 (CVE-2017-11882, CVE-2018-0802)"},
    {"0002CE03-0000-0000-C000-000000000046", "Equation object (MathType, Equation Editor class)"},
    {"00021700-0000-0000-C000-000000000046", "Equation Editor 2.0 (CVE-2017-11882, CVE-2018-0802)"},
    {"0003000B-0000-0000-C000-000000000046", "Equation Editor (CVE-2017-11882, CVE-2018-0802)"},
    {"0004A6B0-0000-0000-C000-000000000046", "Equation Editor 2.0 (CVE-2017-11882, CVE-2018-0802)"},
    {"00000300-0000-0000-C000-000000000046",
     "StdOleLink / OLE2Link (CVE-2017-0199, CVE-2017-8570)"},
    {"00000303-0000-0000-C000-000000000046", "File Moniker (CVE-2017-0199, CVE-2017-8570)"},
    {"00000309-0000-0000-C000-000000000046", "Composite Moniker (CVE-2017-8570)"},
    {"79EAC9E0-BAF9-11CE-8C82-00AA004BA90B", "URL Moniker (CVE-2017-0199, CVE-2018-8174)"},
    {"06290BD3-48AA-11D2-8432-006008C3FBFC", "Script Moniker (CVE-2017-0199)"},
    {"ECABB0C7-7F19-11D2-978E-0000F8757E2A", "SOAP Moniker (CVE-2017-8759)"},
    {"3050F4D8-98B5-11CF-BB82-00AA00BDCE0B", "HTML Application (CVE-2017-0199)"},
    {"4315D437-5B8C-11D0-BD3B-00A0C911CE86", "Device Moniker (CVE-2016-0015)"},
    {"00000535-0000-0010-8000-00AA006D2EA4", "ADODB.RecordSet (CVE-2015-0097)"},
    {"0E59F1D5-1FBE-11D0-8FF2-00A0D10038BC", "MSScriptControl.ScriptControl (CVE-2015-0097)"},
    {"66833FE6-8583-11D1-B16A-00C0F0283628", "MSCOMCTL.Toolbar (CVE-2012-0158)"},
    {"9181DC5F-E07D-418A-ACA6-8EEA1ECB8E9E", "MSCOMCTL.TreeCtrl (CVE-2012-0158)"},
    {"C74190B6-8589-11D1-B16A-00C0F0283628", "MSCOMCTL.TreeCtrl (CVE-2012-0158)"},
    {"996BF5E0-8044-4650-ADEB-0B013914E99C", "MSCOMCTL.ListViewCtrl (CVE-2012-0158)"},
    {"BDD1F04B-858B-11D1-B16A-00C0F0283628", "MSCOMCTL.ListViewCtrl (CVE-2012-0158)"},
    {"1EFB6596-857C-11D1-B16A-00C0F0283628", "MSCOMCTL.TabStrip (CVE-2012-1856)"},
    {"DD9DA666-8594-11D1-B16A-00C0F0283628", "MSCOMCTL.ImageComboCtrl (CVE-2014-1761)"},
    {"D27CDB6E-AE6D-11CF-96B8-444553540000", "Shockwave Flash object"},
    {"D27CDB70-AE6D-11CF-96B8-444553540000", "Shockwave Flash object"},
};

void eg_office_clsid_str(const uint8_t id[16], char out[37])
{
    snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", eg_rd32le(id),
             eg_rd16le(id + 4), eg_rd16le(id + 6), id[8], id[9], id[10], id[11], id[12], id[13],
             id[14], id[15]);
}

const char *eg_office_exploit_clsid(const char *clsid)
{
    for (size_t i = 0; i < sizeof exploit_clsids / sizeof *exploit_clsids; i++)
        if (!strcasecmp(clsid, exploit_clsids[i].clsid))
            return exploit_clsids[i].what;
    return NULL;
}

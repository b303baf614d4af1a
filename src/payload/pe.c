/*
 * Windows executables (MZ/PE). A short summary for the report: EXE or DLL, machine, build time,
 * exported names (DllRegisterServer is what regsvr32 calls), whether a signature is present (a
 * certificate table; the Authenticode signature is not verified, and the summary says so), data
 * after the image. An executable in a mail is
 * reported, more so when its name hides what it is (a DLL called .ocx, .dat, .ooccxx or .jpg).
 * Zero padding after the image is measured by the padding check.
 *
 * Not done: disassembly, imports, resources, Authenticode verification, packer detection.
 */
#include "payload/payload.h"

#include "core/buf.h"
#include "core/safe.h"
#include "core/strutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define PE_MAX_SECTIONS 96
#define PE_MAX_EXPORTS_SHOWN 12

typedef struct {
    uint32_t va, vsize, raw, rawsize;
} section;

typedef struct {
    bool pe, dll, x64;
    uint16_t machine, nsec;
    uint32_t timestamp;
    section sec[PE_MAX_SECTIONS];
    uint32_t export_rva, export_size, cert_off, cert_size, clr_size;
    uint64_t image_end; /* end of the last section's raw data */
} pe_info;

static bool rva_to_off(const pe_info *pe, uint32_t rva, size_t len, size_t *off)
{
    for (uint16_t i = 0; i < pe->nsec; i++) {
        const section *s = &pe->sec[i];
        uint32_t span = s->vsize > s->rawsize ? s->vsize : s->rawsize;
        if (rva >= s->va && rva - s->va < span && rva - s->va < s->rawsize) {
            uint64_t o = (uint64_t)s->raw + (rva - s->va);
            if (o >= len)
                return false;
            *off = (size_t)o;
            return true;
        }
    }
    return false;
}

static eg_status parse_headers(const uint8_t *p, size_t len, pe_info *pe)
{
    memset(pe, 0, sizeof *pe);
    if (len < 2 || p[0] != 'M' || p[1] != 'Z')
        return EG_EFORMAT;
    if (len < 0x40)
        return EG_OK; /* MZ only, cut */
    uint32_t lfanew = eg_rd32le(p + 0x3C);
    eg_cur c = eg_cur_make(p, len);
    if (!eg_cur_seek(&c, lfanew) || eg_cur_u32le(&c) != 0x00004550u)
        return EG_OK; /* MZ only */
    pe->pe = true;
    pe->machine = eg_cur_u16le(&c);
    uint16_t nsec = eg_cur_u16le(&c);
    pe->timestamp = eg_cur_u32le(&c);
    eg_cur_skip(&c, 8);
    uint16_t optsz = eg_cur_u16le(&c), ch = eg_cur_u16le(&c);
    pe->dll = ch & 0x2000;
    size_t opt = c.off;
    uint16_t magic = eg_cur_u16le(&c);
    pe->x64 = magic == 0x20B;
    size_t nrva_at = opt + (pe->x64 ? 108 : 92), dirs = nrva_at + 4;
    uint32_t nrva = 0;
    if (optsz >= (nrva_at - opt) + 4 && eg_in_bounds(len, nrva_at, 4))
        nrva = eg_rd32le(p + nrva_at);
    uint32_t room = optsz > dirs - opt ? (uint32_t)((optsz - (dirs - opt)) / 8) : 0;
    if (nrva > room)
        nrva = room;
    if (nrva > 0 && eg_in_bounds(len, dirs, 8)) {
        pe->export_rva = eg_rd32le(p + dirs);
        pe->export_size = eg_rd32le(p + dirs + 4);
    }
    if (nrva > 4 && eg_in_bounds(len, dirs + 32, 8)) {
        pe->cert_off = eg_rd32le(p + dirs + 32);
        pe->cert_size = eg_rd32le(p + dirs + 36);
    }
    if (nrva > 14 && eg_in_bounds(len, dirs + 112, 8))
        pe->clr_size = eg_rd32le(p + dirs + 116);
    size_t st = opt + optsz;
    pe->nsec = nsec > PE_MAX_SECTIONS ? PE_MAX_SECTIONS : nsec;
    for (uint16_t i = 0; i < pe->nsec; i++) {
        size_t so = st + (size_t)i * 40;
        if (!eg_in_bounds(len, so, 40)) {
            pe->nsec = i;
            break;
        }
        section *s = &pe->sec[i];
        s->vsize = eg_rd32le(p + so + 8);
        s->va = eg_rd32le(p + so + 12);
        s->rawsize = eg_rd32le(p + so + 16);
        s->raw = eg_rd32le(p + so + 20);
        uint64_t end = (uint64_t)s->raw + s->rawsize;
        if (end > pe->image_end)
            pe->image_end = end;
    }
    return EG_OK;
}

/* Export names, comma-separated, into out; returns the number of names. */
static uint32_t exports(const pe_info *pe, const uint8_t *p, size_t len, eg_buf *out, char *dllname, size_t cap,
                        bool *regsvr)
{
    size_t ed;
    dllname[0] = 0;
    *regsvr = false;
    if (!pe->export_rva || !rva_to_off(pe, pe->export_rva, len, &ed) || !eg_in_bounds(len, ed, 40))
        return 0;
    size_t no;
    if (rva_to_off(pe, eg_rd32le(p + ed + 12), len, &no)) {
        size_t k = 0;
        while (no + k < len && p[no + k] && k + 1 < cap && p[no + k] >= 0x20 && p[no + k] < 0x7F) {
            dllname[k] = (char)p[no + k];
            k++;
        }
        dllname[k] = 0;
    }
    uint32_t nnames = eg_rd32le(p + ed + 24);
    size_t names;
    if (!rva_to_off(pe, eg_rd32le(p + ed + 32), len, &names))
        return 0;
    uint32_t shown = 0;
    for (uint32_t i = 0; i < nnames && i < 100000; i++) {
        if (!eg_in_bounds(len, names + (size_t)i * 4, 4))
            break;
        size_t so;
        if (!rva_to_off(pe, eg_rd32le(p + names + (size_t)i * 4), len, &so))
            continue;
        size_t k = 0;
        while (so + k < len && k < 128 && p[so + k] >= 0x20 && p[so + k] < 0x7F)
            k++;
        if (k == 17 && !memcmp(p + so, "DllRegisterServer", 17))
            *regsvr = true;
        if (shown < PE_MAX_EXPORTS_SHOWN && k) {
            eg_buf_printf(out, "%s%.*s", shown ? ", " : "", (int)k, (const char *)p + so);
            shown++;
        }
    }
    if (nnames > shown)
        eg_buf_printf(out, ", ... (%u in all)", nnames);
    return nnames;
}

static const char *machine_name(uint16_t m)
{
    switch (m) {
    case 0x14C:
        return "x86";
    case 0x8664:
        return "x64";
    case 0xAA64:
        return "ARM64";
    case 0x1C4:
        return "ARM";
    default:
        return "other CPU";
    }
}

static bool disguised_name(const char *name)
{
    static const char *const real[] = {"exe", "dll", "scr", "com", "cpl", "ocx", "sys", "drv", "efi", "mui",
                                       "ax", "pif", NULL};
    if (!name || name[0] == '[' || name[0] == '(')
        return false; /* a synthetic name: nothing was chosen to mislead */
    const char *ext = eg_path_ext(name);
    for (size_t i = 0; real[i]; i++)
        if (!strcasecmp(ext, real[i]))
            return false;
    return true;
}

eg_status eg_payload_analyze_pe(eg_scan *s, const eg_object *obj)
{
    /* the image is parsed whole (its own zero-filled sections may look like padding); the padding
     * check only says where meaningful bytes end */
    size_t len = (size_t)obj->size, content = len;
    eg_payload_check_padding(s, obj, &content);
    pe_info pe;
    eg_status st = parse_headers(obj->data, len, &pe);
    if (st != EG_OK)
        return st;
    if (!pe.pe) {
        eg_scan_finding(s, obj, EG_R_PE_EXECUTABLE, "MZ executable without a PE header (DOS or damaged)");
        return EG_OK;
    }
    eg_buf ex;
    eg_buf_init(&ex, 2048);
    char dllname[96];
    bool regsvr = false;
    uint32_t nexp = exports(&pe, obj->data, len, &ex, dllname, sizeof dllname, &regsvr);
    bool cert = pe.cert_size >= 8 && eg_in_bounds(len, pe.cert_off, pe.cert_size);
    /* Only the presence of a certificate table is known: Authenticode is not checked, so a
     * forged, expired or copied signature reads the same. The summary says so in words. */
    const char *sig = cert              ? "signature present, not verified"
                      : pe.cert_size    ? "signature directory points outside the file"
                                        : "unsigned";
    char when[32] = "?";
    time_t t = (time_t)pe.timestamp;
    struct tm tmv;
    if (pe.timestamp && gmtime_r(&t, &tmv))
        strftime(when, sizeof when, "%Y-%m-%d", &tmv);
    eg_scan_finding(s, obj, EG_R_PE_EXECUTABLE, "%s %s%s, built %s, %s%s%s%s%s%s%s",
                    pe.dll ? "DLL" : "EXE", machine_name(pe.machine), pe.clr_size ? " .NET" : "",
                    when, sig, nexp ? ", exports: \"" : "", ex.data ? (const char *)ex.data : "",
                    nexp ? "\"" : "", dllname[0] ? " (internal name \"" : "", dllname,
                    dllname[0] ? "\")" : "");
    eg_buf_free(&ex);
    if (disguised_name(obj->name))
        eg_scan_finding(s, obj, EG_R_PE_DISGUISED, "%s \"%s\"%s", pe.dll ? "DLL named" : "executable named",
                        obj->name, regsvr ? ", exports DllRegisterServer (made for regsvr32)" : "");
    uint64_t end = pe.image_end;
    if (cert && (uint64_t)pe.cert_off + pe.cert_size > end)
        end = (uint64_t)pe.cert_off + pe.cert_size;
    if (content == len && end < len && len - end >= 1024 * 1024) /* padding is reported as such */
        eg_scan_finding(s, obj, EG_R_PE_OVERLAY, "%llu bytes after the image", (unsigned long long)(len - end));
    return EG_OK;
}

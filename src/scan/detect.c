/*
 * Content-based type detection. Magic numbers first, then light structure checks where a magic
 * alone lies (a ZIP that is really OOXML, an MZ that has no PE header, text that is a script).
 * libmagic is deliberately not used here: it misnames exactly the types that matter (.xlsm,
 * OneNote, GIF+ZIP polyglots), see docs.
 */
#include "scan/detect.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <string.h>
#include <strings.h>

static bool has(const uint8_t *d, size_t len, size_t off, const void *m, size_t n)
{
    return eg_in_bounds(len, off, n) && !memcmp(d + off, m, n);
}

static const uint8_t CFB_MAGIC[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
static const uint8_t LNK_MAGIC[20] = {0x4C, 0, 0,    0, 0x01, 0x14, 0x02, 0, 0, 0,
                                      0,    0, 0xC0, 0, 0,    0,    0,    0, 0, 0x46};
/* {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}: OneNote section file */
static const uint8_t ONE_MAGIC[16] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                                      0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};
/* {43FF2FA1-EFD9-4C76-9EE2-10EA5722765F}: OneNote table of contents */
static const uint8_t ONETOC_MAGIC[16] = {0xA1, 0x2F, 0xFF, 0x43, 0xD9, 0xEF, 0x76, 0x4C,
                                         0x9E, 0xE2, 0x10, 0xEA, 0x57, 0x22, 0x76, 0x5F};

static eg_type detect_zip(const uint8_t *d, size_t len, const char **detail)
{
    const char *hay = (const char *)d;
    if (!memmem(hay, len, "[Content_Types].xml", 19))
        return EG_T_ZIP;
    if (detail) {
        if (memmem(hay, len, "vbaProject.bin", 14) || memmem(hay, len, "macrosheets/", 12))
            *detail = "macro-enabled";
        else if (memmem(hay, len, "word/", 5))
            *detail = "word";
        else if (memmem(hay, len, "xl/", 3))
            *detail = "excel";
        else if (memmem(hay, len, "ppt/", 4))
            *detail = "powerpoint";
    }
    return EG_T_OOXML;
}

static bool ext_in(const char *ext, const char *const *l);

static eg_type detect_pe(const uint8_t *d, size_t len, const char *name, const char **detail)
{
    uint32_t off = 0;
    if (len >= 0x40) {
        off = eg_rd32le(d + 0x3C);
        if (has(d, len, off, "PE\0\0", 4)) {
            if (detail && eg_in_bounds(len, (uint64_t)off + 22, 2))
                *detail = (eg_rd16le(d + off + 22) & 0x2000) ? "DLL" : "EXE";
            return EG_T_PE;
        }
    }
    if (detail)
        *detail = "MZ without PE header";
    /* "MZ" alone starts one random file in 65,536. Without a PE header it is an executable only
     * when its name says so (a DOS .com/.exe) or its header points at a plausible PE offset (an
     * image cut short); otherwise it is data. */
    static const char *const exe_ext[] = {"exe", "com", "dll", "scr", "ocx",
                                          "cpl", "sys", "pif", NULL};
    if ((name && ext_in(eg_path_ext(name), exe_ext)) ||
        (off >= 0x40 && off < 0x1000 && off % 8 == 0))
        return EG_T_PE;
    return EG_T_BINARY;
}

static bool is_iso(const uint8_t *d, size_t len)
{
    static const size_t offs[] = {0x8001, 0x8801, 0x9001};
    for (size_t i = 0; i < 3; i++)
        if (has(d, len, offs[i], "CD001", 5))
            return true;
    return false;
}

static eg_type detect_archive(const uint8_t *d, size_t len, const char **detail)
{
    static const struct {
        size_t off;
        const char *m;
        size_t n;
        const char *what;
    } t[] = {
        {0, "7z\xBC\xAF\x27\x1C", 6, "7z"},
        {0, "Rar!\x1A\x07", 6, "rar"},
        {0, "\x1F\x8B", 2, "gzip"},
        {0, "BZh", 3, "bzip2"},
        {0,
         "\xFD"
         "7zXZ\0",
         6, "xz"},
        {0, "\x28\xB5\x2F\xFD", 4, "zstd"},
        {0, "MSCF\0\0\0\0", 8, "cab"},
        {257, "ustar", 5, "tar"},
        {0, "vhdxfile", 8, "vhdx"},
        {0, "conectix", 8, "vhd"},
        {0, "xar!", 4, "xar"},
        {0, "!<arch>\n", 8, "ar"},
        {0, "\x60\xEA", 2, "arj"},
        {2, "-lh", 3, "lzh"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (has(d, len, t[i].off, t[i].m, t[i].n)) {
            if (detail)
                *detail = t[i].what;
            return EG_T_ARCHIVE;
        }
    }
    if (is_iso(d, len)) {
        if (detail)
            *detail = "iso9660";
        return EG_T_ARCHIVE;
    }
    static const char *const udf[] = {"BEA01", "NSR02", "NSR03"};
    for (size_t i = 0; i < 3; i++) {
        if (has(d, len, 0x8001, udf[i], 5)) { /* UDF-only optical image */
            if (detail)
                *detail = "udf";
            return EG_T_ARCHIVE;
        }
    }
    if (len >= 512 && d[510] == 0x55 && d[511] == 0xAA && has(d, len, 3, "NTFS    ", 8)) {
        if (detail)
            *detail = "ntfs disk image";
        return EG_T_ARCHIVE;
    }
    /* an MBR: boot signature and at least one partition entry with a known type and sane
     * status byte; a plain 0x55AA at 510 alone is too weak */
    if (len >= 1024 && d[510] == 0x55 && d[511] == 0xAA) {
        for (int p = 0; p < 4; p++) {
            const uint8_t *e = d + 446 + 16 * p;
            uint8_t type = e[4];
            if ((e[0] == 0x00 || e[0] == 0x80) &&
                (type == 0x07 || type == 0x0B || type == 0x0C || type == 0x0E || type == 0x83) &&
                eg_rd32le(e + 12) != 0) {
                if (detail)
                    *detail = "mbr disk image";
                return EG_T_ARCHIVE;
            }
        }
    }
    if (len >= 512 && d[510] == 0x55 && d[511] == 0xAA &&
        (has(d, len, 0x36, "FAT", 3) || has(d, len, 0x52, "FAT32", 5))) {
        if (detail)
            *detail = "fat disk image";
        return EG_T_ARCHIVE;
    }
    if (len >= 512 && has(d, len, len - 512, "conectix", 8)) { /* fixed VHD: footer at the end */
        if (detail)
            *detail = "vhd";
        return EG_T_ARCHIVE;
    }
    return EG_T_UNKNOWN;
}

static bool is_image(const uint8_t *d, size_t len)
{
    return has(d, len, 0, "\x89PNG\r\n\x1A\n", 8) || has(d, len, 0, "\xFF\xD8\xFF", 3) ||
           has(d, len, 0, "GIF87a", 6) || has(d, len, 0, "GIF89a", 6) ||
           (has(d, len, 0, "RIFF", 4) && has(d, len, 8, "WEBP", 4)) || has(d, len, 0, "II*\0", 4) ||
           has(d, len, 0, "MM\0*", 4) ||
           (has(d, len, 0, "BM", 2) && len > 26 && eg_rd32le(d + 2) == len);
}

/* Text: no NUL in the first 8 KiB and few control bytes. ESC counts as text (ISO-2022-JP). */
static bool looks_text(const uint8_t *d, size_t len)
{
    size_t n = len < 8192 ? len : 8192, ctl = 0;
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if (c == 0)
            return false;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1B && c != '\f')
            ctl++;
    }
    return ctl * 50 < n;
}

/* Skips a UTF-8/UTF-16 BOM and leading white space. */
static size_t skip_lead(const uint8_t *d, size_t len)
{
    size_t i = has(d, len, 0, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < len && i < 4096 && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    return i;
}

static bool starts_ci(const uint8_t *d, size_t len, size_t off, const char *s)
{
    if (off >= len || (d[off] | 0x20) != (s[0] | 0x20)) /* the first byte decides most calls */
        return false;
    size_t n = strlen(s);
    return eg_in_bounds(len, off, n) && !strncasecmp((const char *)d + off, s, n);
}

/* A mail: the input starts with an RFC 5322 header block. Every line up to the end of the block
 * must be a field ("name:", or the obsolete "name WSP :") or a folded continuation, and at least
 * two of the fields must be ones mail carries (From, Received, X-...), or the block must be long
 * enough that nothing but a header looks like it (LOOK_MAIL_FIELDS). Lines are followed to their
 * end however long they are (a 1 MB first line is still a field; the mail analyzer cuts it), at
 * most LOOK_MAIL_LINES of them. A field name is any run of bytes up to the colon without white
 * space: RFC 5322 allows names of any length, and 8-bit or control bytes in a name make the mail
 * odd (MAIL.HEADER_MALFORMED, reported by the mail analyzer), not "not a mail". Nothing after the
 * header block is looked at, so bytes placed in the body (a NUL in a MIME preamble, a binary
 * attachment) cannot change the answer. */
#define LOOK_MAIL_LINES 1000
#define LOOK_MAIL_FIELDS 200 /* header-form lines that make a header block without known fields */
static bool looks_mail(const uint8_t *d, size_t len)
{
    static const char *const key[] = {"from",         "received",    "return-path", "message-id",
                                      "mime-version", "date",        "subject",     "delivered-to",
                                      "to",           "cc",          "reply-to",    "sender",
                                      "content-type", "in-reply-to", "references",  NULL};
    size_t i = 0, lines = 0, fields = 0, keys = 0;
    size_t f = 4;
    while (f < len && f < 64 && d[f] == ' ')
        f++;
    if (has(d, len, 0, "From ", 5) && f < len && d[f] != ':') { /* mbox line, not "From :" */
        const uint8_t *nl = memchr(d, '\n', len);
        if (!nl)
            return false;
        i = (size_t)(nl - d) + 1;
    }
    while (i < len && lines < LOOK_MAIL_LINES) {
        if (d[i] == '\n' || (d[i] == '\r' && i + 1 < len && d[i + 1] == '\n'))
            break; /* end of header */
        if (d[i] == ' ' || d[i] == '\t') {
            if (lines == 0)
                return false; /* a continuation before any field */
        } else {
            size_t j = i;
            while (j < len && d[j] != ':' && d[j] != ' ' && d[j] != '\t' && d[j] != '\n' &&
                   d[j] != '\r')
                j++;
            size_t name_len = j - i;
            while (j < len && (d[j] == ' ' || d[j] == '\t')) /* obsolete WSP before the colon */
                j++;
            if (j >= len || d[j] != ':' || name_len == 0)
                return false;
            fields++;
            if (name_len >= 2 && (d[i] | 0x20) == 'x' && d[i + 1] == '-') {
                keys++;
            } else {
                for (size_t k = 0; key[k]; k++)
                    if (strlen(key[k]) == name_len && starts_ci(d, len, i, key[k])) {
                        keys++;
                        break;
                    }
            }
        }
        const uint8_t *nl = memchr(d + i, '\n', len - i);
        i = nl ? (size_t)(nl - d) + 1 : len;
        lines++;
    }
    return keys >= 2 || fields >= LOOK_MAIL_FIELDS ||
           (keys >= 1 && lines >= 1 && lines < 3 && i >= len);
}

static const char *const script_ext[] = {"js",   "jse",  "vbs", "vbe", "wsf", "wsh",
                                         "wsc",  "sct",  "hta", "bat", "cmd", "ps1",
                                         "psm1", "psd1", "sh",  "py",  "url", NULL};

static bool ext_in(const char *ext, const char *const *l)
{
    for (; *l; l++)
        if (!strcasecmp(ext, *l))
            return true;
    return false;
}

/* Strong markers of a Windows script in text that is not labelled as one. */
static bool looks_script(const uint8_t *d, size_t len)
{
    size_t n = len < 65536 ? len : 65536;
    const char *h = (const char *)d;
    static const char *const m[] = {
        "#@~^", "WScript.", "CreateObject(", "ActiveXObject", "@echo off", "powershell",
        "Invoke-Expression", "IEX(", "<job", "<package>", "<HTA:APPLICATION", "Shell.Application",
        "cmd.exe /c", "cmd /c",
        /* PowerShell, VBScript and JScript idioms no prose uses */
        "$env:", "[convert]::", "FromBase64String", "On Error Resume Next", "ExecuteGlobal",
        "String.fromCharCode", "New-Object ", NULL};
    for (size_t i = 0; m[i]; i++)
        if (eg_memmem_ci(h, n, m[i], strlen(m[i])))
            return true;
    return false;
}

/* An HTML page or HTA by its first tag after white space. Checked before the text test: pages
 * padded with control bytes (Emotet's 2021 pp.html) are still pages for the browser or mshta. */
static bool starts_html(const uint8_t *d, size_t len, size_t i)
{
    return starts_ci(d, len, i, "<!doctype html") || starts_ci(d, len, i, "<html") ||
           starts_ci(d, len, i, "<hta:application") || starts_ci(d, len, i, "<head") ||
           starts_ci(d, len, i, "<body") || starts_ci(d, len, i, "<script");
}

static bool find_ci(const uint8_t *d, size_t len, size_t lim, const char *s)
{
    return eg_memmem_ci((const char *)d, len < lim ? len : lim, s, strlen(s)) != NULL;
}

/* Text run by a script host although it is no plain script: Windows Script Components
 * (<scriptlet>, <component> with <script>, loaded by regsvr32 /i: or GetObject("script:")), XSL
 * stylesheets carrying script (<msxsl:script>, run by wmic /format: or MSXML) and Internet
 * shortcuts (.url: [InternetShortcut] with URL=, opened by Explorer). The markers are searched in
 * the first 64 KiB, case-insensitively: samples put junk in front (a scriptlet behind 9 KiB of
 * Unicode padding) and write <?XML, <SCRIPTLET or <scriptleT. */
static const char *active_text(const uint8_t *d, size_t len, size_t i)
{
    if (find_ci(d, len, 65536, "<scriptlet"))
        return "scriptlet";
    if (find_ci(d, len, 65536, "<component") && find_ci(d, len, 65536, "<script"))
        return "scriptlet";
    if (find_ci(d, len, 65536, "msxsl:script") || find_ci(d, len, 65536, "<ms:script") ||
        (find_ci(d, len, 4096, "<xsl:") &&
         find_ci(d, len, 65536, "urn:schemas-microsoft-com:xslt")))
        return "xsl with script";
    if (starts_ci(d, len, i, "[InternetShortcut]") ||
        (starts_ci(d, len, i, "[{") && find_ci(d, len, 4096, "[InternetShortcut]")))
        return "internet shortcut";
    return NULL;
}

eg_type eg_detect_type(const uint8_t *d, size_t len, const char *name, const char **detail)
{
    const char *ignored;
    if (!detail)
        detail = &ignored;
    *detail = NULL;
    if (!d || len == 0)
        return EG_T_BINARY;
    if (has(d, len, 0, CFB_MAGIC, 8))
        return EG_T_CFB;
    if (has(d, len, 0, "PK\3\4", 4) || has(d, len, 0, "PK\5\6", 4) || has(d, len, 0, "PK\7\x08", 4))
        return detect_zip(d, len, detail);
    if (has(d, len, 0, LNK_MAGIC, 20))
        return EG_T_LNK;
    if (has(d, len, 0, ONE_MAGIC, 16) || has(d, len, 0, ONETOC_MAGIC, 16))
        return EG_T_ONENOTE;
    if (has(d, len, 0, "MZ", 2))
        return detect_pe(d, len, name, detail);
    if (has(d, len, 0, "\x78\x9F\x3E\x22", 4))
        return EG_T_TNEF;
    if (has(d, len, 0, "regf", 4))
        return EG_T_REGF;
    if (has(d, len, 0, "{\\rt", 4))
        return EG_T_RTF;
    if (has(d, len, 0, "ID;P", 4)) /* SYLK: Excel runs the XLM formulas it may hold */
        return EG_T_SYLK;
    /* compiled HTML help: no analyzer of its own; the script analyzer reports it (it runs
     * script and programs when opened, and no business mail carries one) */
    if (has(d, len, 0, "ITSF", 4) && len >= 0x38 && eg_rd32le(d + 4) >= 2 &&
        eg_rd32le(d + 4) <= 4) {
        *detail = "compiled HTML help (CHM)";
        return EG_T_SCRIPT;
    }
    if (memmem(d, len < 1024 ? len : 1024, "%PDF-", 5))
        return EG_T_PDF;
    eg_type a = detect_archive(d, len, detail);
    if (a != EG_T_UNKNOWN)
        return a;
    /* an archive behind a block of zeros (a gzip after 512 zero bytes): extractors that look for
     * a signature find it; the archive analyzer skips the zeros too */
    if (len > 512 && d[0] == 0) {
        size_t z = 0, zmax = len < (1u << 20) ? len : (1u << 20);
        while (z < zmax && d[z] == 0)
            z++;
        if (z >= 512 && z < zmax && detect_archive(d + z, len - z, detail) != EG_T_UNKNOWN)
            return EG_T_ARCHIVE;
    }
    /* a ZIP with junk in front (GIF+ZIP polyglots): the end of central directory gives it away;
     * checked before images because the archive is what an unzip tool will open */
    size_t tail = len < 65557 ? 0 : len - 65557;
    if (memmem(d + tail, len - tail, "PK\5\6", 4) && memmem(d, len, "PK\3\4", 4))
        return detect_zip(d, len, detail);
    if (is_image(d, len))
        return EG_T_IMAGE;
    size_t i = skip_lead(d, len);
    const char *ext = name ? eg_path_ext(name) : "";
    if (starts_html(d, len, i)) /* an .hta is read as a script, as before */
        return ext_in(ext, script_ext) ? EG_T_SCRIPT : EG_T_HTML;
    /* a header block makes a mail whatever its body holds: looks_text's NUL and control-byte
     * rule must not be flipped by a NUL in the preamble or an X- header of control bytes, and a
     * mail's body quoting a script does not make the mail a script */
    bool mail = looks_mail(d + i, len - i);
    if (!mail && !looks_text(d, len))
        return EG_T_BINARY;
    const char *act = mail ? NULL : active_text(d, len, i);
    if (act) {
        *detail = act;
        return EG_T_SCRIPT;
    }
    if (ext_in(ext, script_ext) || has(d, len, i, "#@~^", 4))
        return EG_T_SCRIPT;
    if (starts_ci(d, len, i, "<!doctype html") || starts_ci(d, len, i, "<html") ||
        starts_ci(d, len, i, "<head") || starts_ci(d, len, i, "<body") ||
        starts_ci(d, len, i, "<script") || starts_ci(d, len, i, "<meta") ||
        (starts_ci(d, len, i, "<!--") &&
         eg_memmem_ci((const char *)d, len < 4096 ? len : 4096, "<html", 5)))
        return EG_T_HTML;
    if (mail)
        return EG_T_MAIL;
    if (starts_ci(d, len, i, "<?xml")) {
        if (eg_memmem_ci((const char *)d, len < 4096 ? len : 4096, "<html", 5))
            return EG_T_HTML;
        if (eg_memmem_ci((const char *)d, len < 4096 ? len : 4096, "<job", 4) ||
            eg_memmem_ci((const char *)d, len < 4096 ? len : 4096, "<package", 8))
            return EG_T_SCRIPT;
        return EG_T_XML;
    }
    if (looks_script(d, len))
        return EG_T_SCRIPT;
    return EG_T_TEXT;
}

eg_type eg_detect_root_type(const uint8_t *d, size_t len, const char *name, const char **detail)
{
    if (detail)
        *detail = NULL;
    /* a file named as another type (invoice.js, a.pdf) is sniffed as usual: JScript labels can
     * look like a header ("from:1") and must not turn a script into a mail's text */
    eg_type by_name = eg_detect_type_from_name(name);
    bool other = by_name != EG_T_UNKNOWN && by_name != EG_T_MAIL && by_name != EG_T_TEXT;
    if (d && len && !other) {
        size_t i = skip_lead(d, len);
        if (looks_mail(d + i, len - i))
            return EG_T_MAIL;
    }
    return eg_detect_type(d, len, name, detail);
}

eg_type eg_detect_type_from_name(const char *name)
{
    static const struct {
        const char *ext;
        eg_type t;
    } m[] = {
        {"doc", EG_T_CFB},     {"xls", EG_T_CFB},     {"ppt", EG_T_CFB},      {"dot", EG_T_CFB},
        {"xlt", EG_T_CFB},     {"msg", EG_T_CFB},     {"docx", EG_T_OOXML},   {"docm", EG_T_OOXML},
        {"dotm", EG_T_OOXML},  {"xlsx", EG_T_OOXML},  {"xlsm", EG_T_OOXML},   {"xlsb", EG_T_OOXML},
        {"xltm", EG_T_OOXML},  {"xlam", EG_T_OOXML},  {"pptx", EG_T_OOXML},   {"pptm", EG_T_OOXML},
        {"zip", EG_T_ZIP},     {"pdf", EG_T_PDF},     {"rtf", EG_T_RTF},      {"lnk", EG_T_LNK},
        {"one", EG_T_ONENOTE}, {"exe", EG_T_PE},      {"dll", EG_T_PE},       {"scr", EG_T_PE},
        {"ocx", EG_T_PE},      {"cpl", EG_T_PE},      {"sys", EG_T_PE},       {"js", EG_T_SCRIPT},
        {"jse", EG_T_SCRIPT},  {"vbs", EG_T_SCRIPT},  {"vbe", EG_T_SCRIPT},   {"wsf", EG_T_SCRIPT},
        {"hta", EG_T_SCRIPT},  {"bat", EG_T_SCRIPT},  {"cmd", EG_T_SCRIPT},   {"ps1", EG_T_SCRIPT},
        {"jpg", EG_T_IMAGE},   {"jpeg", EG_T_IMAGE},  {"png", EG_T_IMAGE},    {"gif", EG_T_IMAGE},
        {"bmp", EG_T_IMAGE},   {"txt", EG_T_TEXT},    {"csv", EG_T_TEXT},     {"htm", EG_T_HTML},
        {"html", EG_T_HTML},   {"xml", EG_T_XML},     {"eml", EG_T_MAIL},     {"7z", EG_T_ARCHIVE},
        {"rar", EG_T_ARCHIVE}, {"gz", EG_T_ARCHIVE},  {"tar", EG_T_ARCHIVE},  {"iso", EG_T_ARCHIVE},
        {"img", EG_T_ARCHIVE}, {"vhd", EG_T_ARCHIVE}, {"vhdx", EG_T_ARCHIVE}, {"cab", EG_T_ARCHIVE},
        {"dat", EG_T_UNKNOWN}, {"url", EG_T_SCRIPT},  {"sct", EG_T_SCRIPT},   {"wsc", EG_T_SCRIPT},
        {"chm", EG_T_SCRIPT},
    };
    const char *ext = name ? eg_path_ext(name) : "";
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcasecmp(ext, m[i].ext))
            return m[i].t;
    return EG_T_UNKNOWN;
}

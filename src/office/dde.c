/*
 * DDE outside OOXML: Word field codes (DDE, DDEAUTO) in the text of a .doc WordDocument stream
 * (8-bit or UTF-16LE, between the field marks 0x13 and 0x14/0x15) and in Word 2003 XML
 * (w:instrText, w:fldSimple w:instr), and Excel DDE formulas (=app|'topic'!item, also after +, -,
 * @ or inside a function: @SUM(cmd|'/c calc'!A1)) in Excel 2003 XML, CSV and other text, and the
 * DDE SupBook of an .xlsb external link part and of a BIFF8 workbook stream (SUPBOOK records, also
 * in a workbook decrypted with Excel's default password).
 *
 * It finds the construct and hands the command on to the command-line checks; it does not
 * evaluate fields (QUOTE-built field codes are not rebuilt).
 */
#include "office/office_int.h"
#include "office/xlm_int.h"

#include "core/safe.h"
#include "core/strutil.h"
#include "payload/cmdline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_DDE_FINDINGS 8

bool eg_office_dde_runs(const char *t, size_t n)
{
    /* a DDE link to a data feed (IDT|IMKB, REUTER|...) is ordinary; one whose server is a command
     * interpreter or a program file runs that program */
    return eg_office_looks_like_cmd(t, n) || eg_memmem_ci(t, n, ".exe", 4) ||
           eg_memmem_ci(t, n, "cmd|", 4) || eg_memmem_ci(t, n, "cmd'", 4) ||
           eg_memmem_ci(t, n, "msexcel|", 8) || eg_memmem_ci(t, n, "\\..\\", 4);
}

static void report(eg_scan *s, const eg_object *obj, const char *where, const char *t, size_t n)
{
    if (n > 200)
        n = 200;
    eg_scan_finding(s, obj, EG_R_OOXML_DDE, "%s: \"%.*s\"", where, (int)n, t);
    if (eg_office_dde_runs(t, n))
        eg_scan_finding(s, obj, EG_R_OFFICE_DDE_EXEC, "%s: \"%.*s\"", where, (int)n, t);
    if (eg_office_looks_like_cmd(t, n))
        eg_cmdline_analyze(s, obj, t, n, "DDE");
}

/* A field instruction that starts (after spaces) with DDE or DDEAUTO followed by a space. */
static size_t dde_word(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (n - i >= 4 && !strncasecmp(t + i, "DDE ", 4))
        return i;
    if (n - i >= 8 && !strncasecmp(t + i, "DDEAUTO ", 8))
        return i;
    return (size_t)-1;
}

size_t eg_office_dde_fields_text(eg_scan *s, const eg_object *obj, const char *t, size_t len,
                                 const char *where)
{
    size_t found = 0;
    for (size_t i = 0; i < len && found < MAX_DDE_FINDINGS; i++) {
        /* a field instruction begins after a tag, an attribute quote or Word's field-begin mark */
        if (t[i] != '>' && t[i] != '"' && t[i] != 0x13)
            continue;
        size_t a = dde_word(t + i + 1, len - i - 1);
        if (a == (size_t)-1)
            continue;
        const char *p = t + i + 1 + a;
        size_t k = 0, rest = len - (size_t)(p - t);
        while (k < rest && p[k] != '<' && p[k] != 0x14 && p[k] != 0x15 &&
               !(p[k] == '"' && t[i] == '"'))
            k++;
        report(s, obj, where, p, k);
        found++;
        i += a + k;
    }
    return found;
}

void eg_office_doc_fields(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len)
{
    /* 8-bit text pieces */
    if (eg_office_dde_fields_text(s, obj, (const char *)d, len, "WordDocument field"))
        return;
    /* UTF-16LE pieces: the ASCII of each field found is rebuilt */
    for (size_t i = 0; i + 4 < len; i++) {
        if (d[i] != 0x13 || d[i + 1] != 0)
            continue;
        char buf[260];
        size_t k = 0;
        buf[k++] = 0x13;
        for (size_t j = i + 2; j + 1 < len && k + 1 < sizeof buf; j += 2) {
            uint16_t ch = eg_rd16le(d + j);
            if (ch == 0x14 || ch == 0x15 || ch == 0x13)
                break;
            buf[k++] = ch < 0x80 ? (char)ch : '?';
        }
        if (eg_office_dde_fields_text(s, obj, buf, k, "WordDocument field"))
            return;
    }
}

/* Is t[i] ('|') the pipe of a DDE formula: an application name right before it that follows a
 * formula start (= + - @ ( , ;), and a quoted topic followed by '! after it? *start gets where the
 * application name starts. */
static bool dde_pipe(const char *t, size_t len, size_t i, size_t *start)
{
    size_t a = i;
    while (a > 0 && (isalnum((unsigned char)t[a - 1]) || t[a - 1] == '_' || t[a - 1] == '.' ||
                     t[a - 1] == '\\'))
        a--;
    if (a == i)
        return false;
    size_t b = a;
    while (b > 0 && t[b - 1] == ' ')
        b--;
    if (b == 0)
        return false;
    char before = t[b - 1];
    if (!strchr("=+-@(,;\"", before))
        return false;
    size_t j = i + 1;
    while (j < len && t[j] == ' ')
        j++;
    if (j >= len || (t[j] != '\'' && t[j] != '"' && !(j + 5 < len && !memcmp(t + j, "&apos;", 6))))
        return false;
    for (size_t k = j + 1; k < len && k < j + 1024; k++)
        if ((t[k] == '\'' || t[k] == ';' || t[k] == '"') && k + 1 < len && t[k + 1] == '!') {
            *start = a;
            return true;
        }
    return false;
}

size_t eg_office_dde_formulas(eg_scan *s, const eg_object *obj, const char *t, size_t len,
                              const char *where)
{
    size_t found = 0;
    for (size_t i = 0; i < len && found < MAX_DDE_FINDINGS; i++) {
        /* every text is searched: jump from one '|' to the next instead of testing each byte */
        const char *bar = memchr(t + i, '|', len - i);
        if (!bar)
            break;
        i = (size_t)(bar - t);
        size_t a;
        if (!dde_pipe(t, len, i, &a))
            continue;
        size_t e = i;
        while (e < len && t[e] != '!' && t[e] != '\n' && t[e] != '<')
            e++;
        report(s, obj, where, t + a, e - a);
        found++;
        i = e;
    }
    return found;
}

void eg_office_xlsb_ddelinks(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                             const char *part)
{
    eg_cur cur = eg_cur_make(d, len);
    unsigned records = 0;
    while (eg_cur_left(&cur) > 0 && ++records < 100000) {
        uint32_t id, size;
        if (!eg_b12_record(&cur, &id, &size))
            break;
        const uint8_t *p = eg_cur_take(&cur, size);
        if (!p)
            break;
        if (id != 0x168) /* BrtBeginSupBook */
            continue;
        eg_cur rc = eg_cur_make(p, size);
        if (eg_cur_u16le(&rc) != 1) /* sbt: 1 = a DDE link */
            continue;
        eg_buf app, topic;
        eg_office_buf_init(&app, 256);
        eg_office_buf_init(&topic, 1024);
        eg_b12_wstr(&rc, &app);
        eg_b12_wstr(&rc, &topic);
        char ev[1400];
        int n = snprintf(ev, sizeof ev, "%s|%s", app.data ? (char *)app.data : "",
                         topic.data ? (char *)topic.data : "");
        report(s, obj, part, ev, n < 0 ? 0 : (size_t)n);
        eg_buf_free(&app);
        eg_buf_free(&topic);
    }
}

/* BIFF8 SUPBOOK (0x01AE): ctab, cch, then virtPath as an XLUnicodeStringNoCch of cch characters.
 * A DDE link's virtPath is "application\x03topic", with no sheets (ctab 0); cch 0x0401 and
 * 0x3A01 mark the workbook itself and add-ins. */
void eg_office_biff8_ddelinks(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len)
{
    size_t off = 0, found = 0;
    while (off + 4 <= len && found < MAX_DDE_FINDINGS) {
        uint16_t type = eg_rd16le(d + off), rl = eg_rd16le(d + off + 2);
        const uint8_t *p = d + off + 4;
        if ((size_t)rl > len - off - 4)
            break;
        off += 4 + (size_t)rl;
        if (type != 0x01AE || rl < 5)
            continue;
        uint16_t ctab = eg_rd16le(p), cch = eg_rd16le(p + 2);
        /* an external workbook has sheets (ctab) and an encoded path starting with 0x01, in
         * which 0x03 separates folders; a DDE link has neither */
        if (cch == 0x0401 || cch == 0x3A01 || cch == 0 || ctab != 0 || p[5] == 0x01)
            continue;
        bool wide = p[4] & 1;
        size_t avail = (size_t)rl - 5, need = wide ? (size_t)cch * 2 : cch;
        if (need > avail)
            need = wide ? avail & ~(size_t)1 : avail;
        char text[600];
        size_t n = 0;
        bool sep = false;
        for (size_t i = 0; i < need && n + 1 < sizeof text; i += wide ? 2 : 1) {
            unsigned ch = wide ? eg_rd16le(p + 5 + i) : p[5 + i];
            if (ch == 3) {
                sep = true;
                text[n++] = '|';
            } else {
                text[n++] = (ch >= 0x20 && ch < 0x7F) ? (char)ch : '?';
            }
        }
        if (!sep)
            continue; /* a path to another workbook, not a DDE link */
        report(s, obj, "SUPBOOK", text, n);
        found++;
    }
}

/*
 * Windows scripts: .js .jse .vbs .vbe .wsf .hta .bat .cmd .ps1. The script is classified from its
 * content (the name only breaks ties), Script Encoder blocks (#@~^...^#~@) are decoded into a
 * child, string-building tricks (Chr(), String.fromCharCode, "a" & "b") are undone, and the
 * script is searched for the objects that download (XMLHTTP, WinHttp, ADODB.Stream) and run
 * (WScript.Shell.Run, Shell.Application, WMI Win32_Process). Command strings found in it go to
 * the command-line analyser; batch files and PowerShell scripts are command lines as a whole.
 *
 * It does not interpret the script: variables assigned in one line and used in another are not
 * followed, so heavily packed scripts are reported as obfuscated rather than understood.
 */
#include "payload/payload.h"

#include "core/buf.h"
#include "core/strutil.h"
#include "payload/cmdline.h"
#include "payload/payload_int.h"

#include <stdlib.h>
#include <string.h>

#define SCRIPT_MAX (8u << 20) /* bytes of a script examined */
#define MAX_LITERALS 400      /* string literals handed to the command-line analyser */

typedef enum { K_UNKNOWN, K_BAT, K_PS1, K_VBS, K_JS, K_WSF, K_HTA, K_SCT, K_XSL } kind;

static const char *const kind_name[] = {"script",           "batch file", "PowerShell script",
                                        "VBScript",         "JScript",    "Windows Script File",
                                        "HTML application", "scriptlet",  "XSL stylesheet"};

/* ---- Script Encoder ---- */

/* Decoding table of the Microsoft Script Encoder for bytes 0x20..0x7F; the column used for a byte
 * follows the 64-step pattern below, advanced once per ASCII byte of the encoded text. */
static const char vbe_tab[3][97] = {
    ".GzVBj/"
    "&IA42[vrC89pEhqO\011bD#uJ~J^@wJa]\"KoN;LPg*}tT+-,0nkf5%!dMRc?{x)(sY3\177mUS|:_eFX1ilZH'\\=$y7`"
    "Q 6",
    "-uR`q^I\\b})6 "
    "|z\177kc3+hQfv1dTCL:L~LE,*t'7DyY/o&rj9{?8wgSG4x]0#Z[lHUpi.L!$NP\011Vs5aKX;W\"mM%(FJ2A=_OBe",
    "20!)[83=X:5e9\\VsfNEkbYx^}JmqA`AS@B'Hru17MR\"TjGd- "
    "\177.L]~loytC&v%$+(#A4\011*D?w;UiacPgQIOFh|6pnz/_KZ,W",
};
static const char vbe_tab_tab[3] = {'W', 'n', '{'};
static const char vbe_pick[65] = "0120121221210212021200122102122100212120200120210212001220012021";

unsigned char eg_pl_vbe_plain(int col, unsigned char enc)
{
    if (col < 0 || col > 2)
        return enc;
    if (enc == '\t')
        return (unsigned char)vbe_tab_tab[col];
    if (enc >= 0x20 && enc < 0x80 && enc != '<' && enc != '>' && enc != '@')
        return (unsigned char)vbe_tab[col][enc - 0x20];
    return enc;
}

int eg_pl_vbe_column(unsigned idx)
{
    return vbe_pick[idx % 64] - '0';
}

static eg_status decode_block(const char *p, size_t n, eg_buf *out)
{
    unsigned idx = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '@' && i + 1 < n) {
            static const char esc[] = "&\n#\r*>!<$@";
            const char *e = memchr(esc, p[i + 1], 10);
            if (e && ((e - esc) % 2) == 0) {
                eg_status st = eg_buf_putc(out, (uint8_t)e[1]);
                if (st != EG_OK)
                    return st;
                i++;
                idx++;
                continue;
            }
        }
        if (c < 0x80)
            c = eg_pl_vbe_plain(eg_pl_vbe_column(idx++), c);
        eg_status st = eg_buf_putc(out, c);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

eg_status eg_script_decode_encoded(const char *text, size_t len, eg_buf *out, int *decoded_blocks)
{
    *decoded_blocks = 0;
    size_t i = 0;
    while (i < len) {
        const char *b = memmem(text + i, len - i, "#@~^", 4);
        size_t stop = b ? (size_t)(b - text) : len;
        eg_status st = eg_pl_append(out, text + i, stop - i);
        if (st != EG_OK || !b)
            return st;
        size_t body = stop + 4 + 8; /* length field: 6 base64 characters and "==" */
        const char *e = body <= len ? memmem(text + body, len - body, "^#~@", 4) : NULL;
        if (!e) {
            return eg_pl_append(out, text + stop, len - stop);
        }
        size_t end = (size_t)(e - text);
        /* the 8 bytes before the trailer are a checksum, not script */
        size_t bend = end >= body + 8 ? end - 8 : body;
        if ((st = decode_block(text + body, bend - body, out)) != EG_OK)
            return st;
        (*decoded_blocks)++;
        i = end + 4;
    }
    return EG_OK;
}

/* ---- classification ---- */

static bool has_ci(const char *t, size_t n, const char *s)
{
    return eg_memmem_ci(t, n, s, strlen(s)) != NULL;
}

static kind classify(const char *name, const char *t, size_t n)
{
    size_t m = n < 65536 ? n : 65536;
    if (has_ci(t, m, "<scriptlet") || (has_ci(t, m, "<component") && has_ci(t, m, "<script")))
        return K_SCT;
    if (has_ci(t, m, "msxsl:script") || has_ci(t, m, "<ms:script") ||
        (has_ci(t, m, "<xsl:") && has_ci(t, m, "urn:schemas-microsoft-com:xslt")))
        return K_XSL;
    if (has_ci(t, m, "<job") || has_ci(t, m, "<package"))
        return K_WSF;
    if (has_ci(t, m, "<hta:application"))
        return K_HTA;
    const char *ext = name ? eg_path_ext(name) : "";
    static const struct {
        const char *ext;
        kind k;
    } by_ext[] = {{"bat", K_BAT}, {"cmd", K_BAT}, {"ps1", K_PS1}, {"psm1", K_PS1},
                  {"vbs", K_VBS}, {"vbe", K_VBS}, {"js", K_JS},   {"jse", K_JS},
                  {"wsf", K_WSF}, {"hta", K_HTA}, {"sct", K_SCT}, {"wsc", K_SCT}};
    for (size_t i = 0; i < sizeof by_ext / sizeof by_ext[0]; i++)
        if (!strcasecmp(ext, by_ext[i].ext))
            return by_ext[i].k;
    if (name && name[0] == '[') {
        if (strstr(name, "VBScript"))
            return K_VBS;
        if (strstr(name, "JScript"))
            return K_JS;
    }
    int bat = has_ci(t, m, "@echo off") * 3 + has_ci(t, m, "\nset ") + has_ci(t, m, "%~dp0") * 2 +
              has_ci(t, m, "goto ") + has_ci(t, m, "\nrem ");
    int ps = has_ci(t, m, "$env:") * 2 + has_ci(t, m, "new-object") * 2 + has_ci(t, m, "invoke-") +
             has_ci(t, m, "param(") + has_ci(t, m, "-join") + has_ci(t, m, "[system.") +
             has_ci(t, m, "write-host");
    int vbs = has_ci(t, m, "dim ") * 2 + has_ci(t, m, "end sub") * 2 +
              has_ci(t, m, "end function") * 2 + has_ci(t, m, "createobject(") +
              has_ci(t, m, "on error resume next") * 2 + has_ci(t, m, "\nset ") +
              has_ci(t, m, "wscript.sleep");
    int js = has_ci(t, m, "var ") * 2 + has_ci(t, m, "function(") + has_ci(t, m, "function ") +
             has_ci(t, m, "activexobject") * 2 + has_ci(t, m, "};") + has_ci(t, m, "===") +
             has_ci(t, m, "let ");
    int best = bat;
    kind k = bat ? K_BAT : K_UNKNOWN;
    if (ps > best)
        best = ps, k = K_PS1;
    if (vbs > best)
        best = vbs, k = K_VBS;
    if (js > best)
        best = js, k = K_JS;
    return k;
}

/* ---- undoing string building ---- */

/* Chr(104), ChrW(&H68), String.fromCharCode(104,116) become quoted literals; "a" & "b" and
 * "a" + "b" become "ab". Returns the number of character conversions. */
static int parse_num(const char *t, size_t n, size_t *i, long *v)
{
    size_t j = *i;
    while (j < n && t[j] == ' ')
        j++;
    long r = 0;
    size_t d0;
    if (j + 1 < n && t[j] == '&' && (t[j + 1] == 'h' || t[j + 1] == 'H')) {
        j += 2;
        d0 = j;
        while (j < n && j - d0 < 6 && strchr("0123456789abcdefABCDEF", t[j]) && t[j]) {
            char c = t[j++];
            r = r * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
    } else {
        d0 = j;
        while (j < n && j - d0 < 7 && t[j] >= '0' && t[j] <= '9')
            r = r * 10 + (t[j++] - '0');
    }
    if (j == d0)
        return 0;
    while (j < n && t[j] == ' ')
        j++;
    *i = j;
    *v = r;
    return 1;
}

/* The quote character of the literal just before: a converted character joins it ('a' + Chr(98)).
 */
static char near_quote(const eg_buf *out)
{
    for (size_t i = out->len, k = 0; i > 0 && k < 200; i--, k++)
        if (out->data[i - 1] == '"' || out->data[i - 1] == '\'')
            return (char)out->data[i - 1];
    return '"';
}

static eg_status put_char_lit(eg_buf *out, long v)
{
    char q = near_quote(out);
    if (v < 0x20 || v > 0x7E || v == q)
        return eg_buf_printf(out, "%c\\x%02lx%c", q, v & 0xFFFF, q);
    char lit[3] = {q, (char)v, q};
    return eg_pl_append(out, lit, 3);
}

static int esc_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* JScript escapes inside string literals (\u0041ctiveXObject, '\x57Script.Shell'): printable
 * ASCII written back as itself, so names hidden this way are seen by the keyword checks. Quotes
 * and backslashes stay escaped (writing them back would end or change the literal). */
static int undo_escapes(const char *t, size_t n, eg_buf *out)
{
    int conv = 0;
    for (size_t i = 0; i < n;) {
        const char *bs = memchr(t + i, '\\', n - i);
        size_t r = bs ? (size_t)(bs - t) : n;
        if (r > i && eg_pl_append(out, t + i, r - i) != EG_OK)
            break;
        i = r;
        if (i >= n)
            break;
        size_t digits = 0;
        if (i + 5 < n && t[i + 1] == 'u')
            digits = 4;
        else if (i + 3 < n && t[i + 1] == 'x')
            digits = 2;
        long v = 0;
        bool ok = digits != 0;
        for (size_t k = 0; ok && k < digits; k++) {
            int d = esc_hex(t[i + 2 + k]);
            if (d < 0)
                ok = false;
            else
                v = v * 16 + d;
        }
        if (ok && v > 0x20 && v < 0x7F && v != '"' && v != '\'' && v != '\\') {
            eg_buf_putc(out, (uint8_t)v);
            conv++;
            i += 2 + digits;
            continue;
        }
        /* any other escape is copied with the character it escapes */
        size_t m = i + 1 < n ? 2 : 1;
        if (eg_pl_append(out, t + i, m) != EG_OK)
            break;
        i += m;
    }
    return conv;
}

static int undo_chars(const char *t, size_t n, eg_buf *out)
{
    int conv = 0;
    for (size_t i = 0; i < n;) {
        /* copy the run up to the next possible Chr( / String.fromCharCode( at once */
        size_t r = i;
        while (r < n && (t[r] | 0x20) != 'c' && (t[r] | 0x20) != 's')
            r++;
        if (r > i) {
            if (eg_pl_append(out, t + i, r - i) != EG_OK)
                break;
            i = r;
            continue;
        }
        size_t rest = n - i;
        size_t skip = 0;
        if (rest > 5 && !strncasecmp(t + i, "chrw(", 5))
            skip = 5;
        else if (rest > 5 && !strncasecmp(t + i, "chrb(", 5))
            skip = 5;
        else if (rest > 4 && !strncasecmp(t + i, "chr(", 4))
            skip = 4;
        if (skip && (i == 0 || !(t[i - 1] == '_' ||
                                 ((t[i - 1] | 0x20) >= 'a' && (t[i - 1] | 0x20) <= 'z')))) {
            size_t j = i + skip;
            long v;
            if (parse_num(t, n, &j, &v) && j < n && t[j] == ')') {
                put_char_lit(out, v);
                conv++;
                i = j + 1;
                continue;
            }
        }
        if (rest > 20 && !strncasecmp(t + i, "string.fromcharcode(", 20)) {
            size_t j = i + 20, start = out->len;
            long v;
            int k = 0;
            char q = near_quote(out);
            eg_buf_putc(out, (uint8_t)q);
            while (parse_num(t, n, &j, &v) && k < 4096) {
                if (v >= 0x20 && v <= 0x7E && v != q)
                    eg_buf_putc(out, (uint8_t)v);
                k++;
                if (j < n && t[j] == ',')
                    j++;
                else
                    break;
            }
            if (k && j < n && t[j] == ')') {
                eg_buf_putc(out, (uint8_t)q);
                conv += k;
                i = j + 1;
                continue;
            }
            out->len = start; /* not a literal call: copy as is */
        }
        if (eg_buf_putc(out, (uint8_t)t[i++]) != EG_OK)
            break;
    }
    return conv;
}

static int join_strings(const char *t, size_t n, eg_buf *out)
{
    int joins = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = i;
        while (r < n && t[r] != '"' && t[r] != '\'')
            r++;
        if (r > i) {
            if (eg_pl_append(out, t + i, r - i) != EG_OK)
                break;
            i = r - 1;
            continue;
        }
        char c = t[i];
        if ((c == '"' || c == '\'') && i + 2 < n) {
            size_t j = i + 1;
            while (j < n && j - i < 8 &&
                   (t[j] == ' ' || t[j] == '\t' || t[j] == '_' || t[j] == '\r' || t[j] == '\n'))
                j++;
            if (j < n && (t[j] == '&' || t[j] == '+')) {
                j++;
                while (j < n && j - i < 16 &&
                       (t[j] == ' ' || t[j] == '\t' || t[j] == '_' || t[j] == '\r' || t[j] == '\n'))
                    j++;
                if (j < n && t[j] == c) {
                    joins++;
                    i = j;
                    continue;
                }
            }
        }
        if (eg_buf_putc(out, (uint8_t)c) != EG_OK)
            break;
    }
    return joins;
}

/* ---- what the script does ---- */

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    const char *t, *lc;
    size_t n;
    kind k;
} sview;

static bool lhas(const sview *v, const char *s)
{
    return memmem(v->lc, v->n, s, strlen(s)) != NULL;
}

static const char *first_of(const sview *v, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (lhas(v, list[i]))
            return list[i];
    return NULL;
}

static void script_behaviour(sview *v)
{
    static const char *const dl[] = {"msxml2.xmlhttp",
                                     "msxml2.serverxmlhttp",
                                     "microsoft.xmlhttp",
                                     "winhttp.winhttprequest",
                                     "urldownloadtofile",
                                     "net.webclient",
                                     "downloadstring",
                                     "downloadfile",
                                     "invoke-webrequest",
                                     "start-bitstransfer",
                                     "bitsadmin",
                                     "internetexplorer.application",
                                     NULL};
    static const char *const ex[] = {"wscript.shell",
                                     "shell.application",
                                     "win32_process",
                                     "shellexecute",
                                     "start-process",
                                     "invoke-expression",
                                     "regsvr32",
                                     "rundll32",
                                     "mshta",
                                     "createprocess",
                                     NULL};
    static const char *const wr[] = {
        "adodb.stream", "savetofile", "scripting.filesystemobject", "createtextfile", "out-file",
        "set-content",  NULL};
    const char *d = first_of(v, dl), *e = first_of(v, ex), *w = first_of(v, wr);
    bool runs =
        e && (lhas(v, ".run") || lhas(v, ".exec") || lhas(v, "shellexecute") ||
              lhas(v, "create(") || lhas(v, "start-process") || lhas(v, "invoke-expression") ||
              lhas(v, "regsvr32") || lhas(v, "rundll32") || lhas(v, "mshta") || lhas(v, ".create"));
    bool url = lhas(v, "http://") || lhas(v, "https://");
    if (d && runs)
        eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_DOWNLOAD_EXECUTE,
                        "%s: downloads (\"%s\"%s%s%s) and runs (\"%s\")", kind_name[v->k], d,
                        w ? ", writes with \"" : "", w ? w : "", w ? "\"" : "", e);
    else if (d && (url || w))
        eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_DOWNLOADER, "%s: \"%s\"%s%s%s", kind_name[v->k],
                        d, w ? ", writes with \"" : "", w ? w : "", w ? "\"" : "");
    else if (runs)
        eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_EXECUTES, "%s: runs programs through \"%s\"",
                        kind_name[v->k], e);
    if ((lhas(v, "currentversion\\run") || lhas(v, "currentversion\\\\run")) &&
        (lhas(v, "regwrite") || lhas(v, "reg add") || lhas(v, "set-itemproperty") ||
         lhas(v, "new-itemproperty")))
        eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_PERSISTENCE, "%s: writes a Run key",
                        kind_name[v->k]);
    if (lhas(v, "getobject(\"winmgmts") || lhas(v, "win32_process"))
        if (lhas(v, ".create"))
            eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_EXECUTES, "%s: WMI Win32_Process.Create",
                            kind_name[v->k]);
}

static bool literal_is_command(const char *lc, size_t n)
{
    static const char *const trig[] = {
        "cmd",     "powershell", "pwsh",          "mshta",     "regsvr32", "rundll32",
        "wscript", "cscript",    "certutil",      "bitsadmin", "curl",     "findstr",
        "http://", "https://",   "start-process", "iex",       NULL};
    for (size_t i = 0; trig[i]; i++)
        if (memmem(lc, n, trig[i], strlen(trig[i])))
            return true;
    return false;
}

/* Every string literal that looks like a command goes to the command-line analyser. */
static void scan_literals(sview *v)
{
    int done = 0;
    for (size_t i = 0; i < v->n && done < MAX_LITERALS; i++) {
        char q = v->t[i];
        if (q != '"' && q != '\'')
            continue;
        if (q == '\'' && v->k == K_VBS)
            continue; /* a VBScript comment, not a string */
        size_t j = i + 1;
        while (j < v->n && v->t[j] != q && v->t[j] != '\n')
            j++;
        if (j >= v->n || v->t[j] != q) {
            i = j;
            continue;
        }
        if (j - i - 1 >= 6 && literal_is_command(v->lc + i + 1, j - i - 1)) {
            eg_cmdline_analyze(v->s, v->obj, v->t + i + 1, j - i - 1, kind_name[v->k]);
            done++;
        }
        i = j;
        if ((done & 31) == 0 && eg_scan_timed_out(v->s, v->obj))
            return;
    }
}

static void long_blobs(sview *v)
{
    size_t run = 0, best = 0;
    for (size_t i = 0; i < v->n; i++) {
        char c = v->t[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '+' || c == '/' || c == '=';
        run = b64 ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    if (best >= 2000)
        eg_scan_finding(v->s, v->obj, EG_R_SCRIPT_OBFUSCATED,
                        "%s: a %zu-character base64/packed string", kind_name[v->k], best);
}

/* Batch files and PowerShell scripts are command text as a whole; the analyser reads at most
 * CHUNK bytes at a time, so long files go in pieces cut at line ends (junk in front of the
 * command cannot push it out of view). */
#define CHUNK (240u * 1024u)
static void command_chunks(eg_scan *s, const eg_object *obj, const char *t, size_t n,
                           const char *ctx)
{
    while (n) {
        size_t m = n < CHUNK ? n : CHUNK;
        if (m < n) {
            const char *nl = NULL;
            for (size_t i = m; i > m / 2; i--)
                if (t[i - 1] == '\n') {
                    nl = t + i;
                    break;
                }
            if (nl)
                m = (size_t)(nl - t);
        }
        eg_cmdline_analyze(s, obj, t, m, ctx);
        t += m;
        n -= m;
        if (eg_scan_timed_out(s, obj))
            return;
    }
}

/* ---- code assembled at run time (script_eval.c) ---- */

/* A decoded or recovered text becomes a child, analysed like any script. */
static void add_text_child(eg_scan *s, const eg_object *obj, const char *p, size_t n,
                           const char *name, const char *detail, eg_type type)
{
    if (!n || eg_scan_charge(s, obj, n) != EG_OK)
        return;
    char *d = malloc(n);
    if (!d)
        return;
    memcpy(d, p, n);
    eg_child c = {.name = name,
                  .data = (const uint8_t *)d,
                  .size = n,
                  .owned = true,
                  .type = type,
                  .detail = detail};
    eg_scan_add_child(s, obj, &c, NULL);
}

/* A container (scriptlet, XSL, HTA, WSF) whose script blocks are VBScript: language="VBScript",
 * language = 'vbs' */
static bool declares_vbs(const char *t, size_t n)
{
    size_t m = n < 65536 ? n : 65536;
    for (const char *p = t; (p = eg_memmem_ci(p, m - (size_t)(p - t), "language", 8)) != NULL;
         p += 8) {
        size_t rest = m - (size_t)(p - t) - 8;
        if (eg_memmem_ci(p + 8, rest < 16 ? rest : 16, "vb", 2))
            return true;
    }
    return false;
}

static void eval_checks(eg_scan *s, const eg_object *obj, const char *t, size_t n, kind k,
                        eg_buf *rec)
{
    bool vbs = k == K_VBS || (k != K_JS && declares_vbs(t, n));
    eg_pl_eval ev;
    eg_pl_script_eval(t, n, vbs, rec, &ev);
    if (ev.sinks) {
        eg_scan_finding(s, obj, EG_R_SCRIPT_DYNAMIC_CODE,
                        "%s: \"%s(%s)\", %zu bytes of it recovered", kind_name[k], ev.sink,
                        ev.sink_arg, ev.code ? ev.code_len : (size_t)0);
        if (ev.code)
            add_text_child(s, obj, ev.code, ev.code_len,
                           vbs ? "[VBScript run by Execute]" : "[JScript run by eval]",
                           "code the script assembles and runs", EG_T_SCRIPT);
    }
    if (ev.stopped) /* not read to the end: never clean for that */
        eg_scan_finding(s, obj, EG_R_LIMIT_BYTES,
                        "%s: values assembled at run time followed only up to the work limit",
                        kind_name[k]);
    if (ev.progids)
        eg_scan_finding(s, obj, EG_R_SCRIPT_COMPUTED_PROGID, "%s: object created from \"%s\"%s%s%s",
                        kind_name[k], ev.progid_arg,
                        ev.progid[0] ? " = \"" : " (value not recovered)", ev.progid,
                        ev.progid[0] ? "\"" : "");
    eg_pl_eval_free(&ev);
}

/* ---- hexadecimal character codes ---- */

static int hexd(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A literal of hex byte pairs, optionally separated by one space, comma, dash or colon, that the
 * script turns back into text with a hex conversion (Qakbot's OneNote PowerShell:
 * '0d 0a 40 65 ...' -split ' ' | foreach {[char]([convert]::toint16($_,16))}). Decoded text of
 * at least 32 bytes becomes a child. */
static void hex_literals(eg_scan *s, const eg_object *obj, const char *t, size_t n, kind k)
{
    size_t m = n < SCRIPT_MAX ? n : SCRIPT_MAX;
    if (!has_ci(t, m, "toint16") && !has_ci(t, m, "toint32") && !has_ci(t, m, "tobyte(") &&
        !has_ci(t, m, "parseint(") && !has_ci(t, m, "\"&h\"") && !has_ci(t, m, "fromhex"))
        return;
    int found = 0;
    for (size_t i = 0; i < m && found < 4; i++) {
        char q = t[i];
        if (q != '"' && q != '\'')
            continue;
        eg_buf out;
        eg_buf_init(&out, SCRIPT_MAX);
        size_t j = i + 1;
        while (j + 1 < m && hexd(t[j]) >= 0 && hexd(t[j + 1]) >= 0) {
            eg_buf_putc(&out, (uint8_t)(hexd(t[j]) * 16 + hexd(t[j + 1])));
            j += 2;
            if (j < m && (t[j] == ' ' || t[j] == ',' || t[j] == '-' || t[j] == ':') && j + 1 < m &&
                t[j + 1] != q)
                j++;
        }
        if (j < m && t[j] == q && out.len >= 32 && out.data &&
            eg_pl_text_percent(out.data, out.len) >= 95) {
            found++;
            eg_scan_finding(s, obj, EG_R_SCRIPT_HEX_DECODE,
                            "%s: %zu hex characters decode to %zu bytes of text", kind_name[k],
                            j - i - 1, out.len);
            add_text_child(s, obj, (const char *)out.data, out.len, "[decoded hex text]",
                           "hex character codes decoded", EG_T_UNKNOWN);
        }
        eg_buf_free(&out);
        i = j > i ? j : i;
    }
}

/* ---- Internet shortcuts (.url) ---- */

static bool active_ext(const char *p, size_t n)
{
    static const char *const ext[] = {
        "exe", "scr", "com", "pif",  "cpl", "dll", "msi",        "hta",       "js",  "jse",
        "vbs", "vbe", "wsf", "wsh",  "bat", "cmd", "ps1",        "lnk",       "url", "chm",
        "iso", "img", "vhd", "vhdx", "one", "sct", "library-ms", "search-ms", NULL};
    size_t e = n;
    while (e > 0 && (p[e - 1] == '/' || p[e - 1] == ' ' || p[e - 1] == '"'))
        e--;
    for (size_t i = 0; ext[i]; i++) {
        size_t l = strlen(ext[i]);
        if (e > l && p[e - l - 1] == '.' && !strncasecmp(p + e - l, ext[i], l))
            return true;
    }
    return false;
}

/* file://host/share, file:\\host, \\host@SSL\..., //host/...: a target on another machine */
static bool remote_path(const char *v, size_t n)
{
    size_t i = 0;
    if (n >= 5 && !strncasecmp(v, "file:", 5))
        i = 5;
    size_t sl = 0;
    while (i + sl < n && (v[i + sl] == '/' || v[i + sl] == '\\'))
        sl++;
    if (i == 0 && sl < 2)
        return false;
    const char *h = v + i + sl;
    size_t hn = n - i - sl;
    if (i && sl >= 3) /* file:///C:/... is local; file:////host is not */
        return sl >= 4;
    if (hn >= 2 && h[1] == ':') /* file://C:/... */
        return false;
    return hn > 0 && !(hn >= 9 && !strncasecmp(h, "localhost", 9));
}

static void url_checks(eg_scan *s, const eg_object *obj, const char *t, size_t n)
{
    size_t lines = 0;
    bool any = false;
    for (size_t i = 0; i < n && lines < 4096; lines++) {
        size_t e = i;
        while (e < n && t[e] != '\n')
            e++;
        size_t ls = i, le = e;
        i = e + 1;
        while (ls < le && (t[ls] == ' ' || t[ls] == '\t'))
            ls++;
        while (le > ls && (t[le - 1] == '\r' || t[le - 1] == ' '))
            le--;
        bool url = le - ls > 4 && !strncasecmp(t + ls, "URL=", 4);
        bool icon = le - ls > 9 && !strncasecmp(t + ls, "IconFile=", 9);
        if (!url && !icon)
            continue;
        const char *v = t + ls + (url ? 4 : 9);
        size_t vn = le - ls - (url ? 4 : 9);
        int ev = (int)(vn < 200 ? vn : 200);
        if (url) {
            any = true;
            eg_scan_finding(s, obj, EG_R_URLFILE_SHORTCUT, "URL=\"%.*s\"", ev, v);
        }
        bool search = (vn > 10 && !strncasecmp(v, "search-ms:", 10)) ||
                      (vn > 7 && !strncasecmp(v, "search:", 7));
        if (url && search) {
            eg_scan_finding(s, obj, EG_R_URLFILE_SEARCH_MS, "URL=\"%.*s\"", ev, v);
            const char *loc = eg_memmem_ci(v, vn, "location:", 9);
            if (loc && (eg_memmem_ci(loc, vn - (size_t)(loc - v), "%5c%5c", 6) ||
                        memmem(loc, vn - (size_t)(loc - v), "\\\\", 2) ||
                        eg_memmem_ci(loc, vn - (size_t)(loc - v), "http", 4) ||
                        eg_memmem_ci(loc, vn - (size_t)(loc - v), "@ssl", 4)))
                eg_scan_finding(s, obj, EG_R_URLFILE_REMOTE_FILE,
                                "search shows a remote folder: \"%.*s\"", ev, v);
        } else if (remote_path(v, vn)) {
            bool dav = eg_memmem_ci(v, vn, "@ssl", 4) || eg_memmem_ci(v, vn, "davwwwroot", 10) ||
                       eg_memmem_ci(v, vn, "@80", 3);
            if (url)
                eg_scan_finding(s, obj, EG_R_URLFILE_REMOTE_FILE, "%sURL=\"%.*s\"",
                                dav ? "WebDAV: " : "", ev, v);
            else
                eg_scan_finding(s, obj, EG_R_URLFILE_ACTIVE_TARGET,
                                "icon fetched from a remote share: \"%.*s\"", ev, v);
        } else if (url && (active_ext(v, vn) || (vn > 8 && !strncasecmp(v, "ms-msdt:", 8)))) {
            eg_scan_finding(s, obj, EG_R_URLFILE_ACTIVE_TARGET, "URL=\"%.*s\"", ev, v);
        }
    }
    if (!any)
        eg_scan_finding(s, obj, EG_R_URLFILE_SHORTCUT, "[InternetShortcut] without URL=");
    eg_scan_iocs_from_text(s, obj, t, n);
}

/* ---- compiled HTML help ---- */

static void chm_checks(eg_scan *s, const eg_object *obj, const char *t, size_t n)
{
    /* HHCtrl's ActiveX (a "ShortCut" command runs a program) is visible when the page is stored
     * uncompressed; the LZX-compressed content is not unpacked here */
    bool hhctrl = eg_memmem_ci(t, n, "adb880a6-d8ff-11cf-9377-00aa003b7a11", 36) != NULL;
    eg_scan_finding(s, obj, EG_R_SCRIPT_CHM, "ITSF header, %zu bytes%s", n,
                    hhctrl ? "; HHCtrl ActiveX object (can run programs)" : "");
    eg_scan_iocs_from_text(s, obj, t, n);
}

static bool is_url_shortcut(const char *t, size_t n)
{
    size_t m = n < 4096 ? n : 4096, i = 0;
    if (m >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < m && (t[i] == ' ' || t[i] == '\r' || t[i] == '\n' || t[i] == '\t'))
        i++;
    return m - i >= 18 && (!strncasecmp(t + i, "[InternetShortcut]", 18) ||
                           (t[i] == '[' && eg_memmem_ci(t + i, m - i, "\n[InternetShortcut]", 19)));
}

static void analyze_text(eg_scan *s, const eg_object *obj, const char *t, size_t n, kind k)
{
    eg_buf a, b, e;
    eg_buf_init(&a, SCRIPT_MAX * 2);
    eg_buf_init(&b, SCRIPT_MAX * 2);
    eg_buf_init(&e, SCRIPT_MAX * 2);
    int conv = 0;
    if (k != K_BAT && k != K_PS1 && k != K_VBS && memchr(t, '\\', n)) {
        conv = undo_escapes(t, n, &e);
        if (e.data && conv) {
            t = (const char *)e.data;
            n = e.len;
        }
    }
    conv += undo_chars(t, n, &a);
    int joins = a.data ? join_strings((const char *)a.data, a.len, &b) : 0;
    if (conv >= 10 || joins >= 20)
        eg_scan_finding(s, obj, EG_R_SCRIPT_OBFUSCATED, "%s: %d character codes, %d split strings",
                        kind_name[k], conv, joins);
    const char *nt = b.data ? (const char *)b.data : t;
    size_t nn = b.data ? b.len : n;
    eg_buf all; /* the script followed by the values it assembles, one quoted line each */
    eg_buf_init(&all, SCRIPT_MAX * 3);
    if (k != K_BAT && k != K_PS1) {
        eg_buf rec;
        eg_buf_init(&rec, SCRIPT_MAX);
        eval_checks(s, obj, nt, nn, k, &rec);
        if (rec.len && eg_pl_append(&all, nt, nn) == EG_OK && eg_buf_putc(&all, '\n') == EG_OK &&
            eg_pl_append(&all, rec.data, rec.len) == EG_OK) {
            nt = (const char *)all.data;
            nn = all.len;
        }
        eg_buf_free(&rec);
    }
    hex_literals(s, obj, nt, nn, k);
    char *lc = eg_pl_lower_dup(nt, nn);
    if (lc) {
        sview v = {s, obj, nt, lc, nn, k};
        if (k != K_BAT && k != K_PS1) /* command lines as a whole: the analyser below */
            script_behaviour(&v);
        long_blobs(&v);
        if (k == K_BAT || k == K_PS1)
            command_chunks(s, obj, nt, nn, k == K_BAT ? "batch file" : "PowerShell script");
        else if (k == K_UNKNOWN) /* text detected as a script by its commands: read them as such */
            command_chunks(s, obj, nt, nn, "script");
        else
            scan_literals(&v);
        eg_scan_iocs_from_text(s, obj, nt, nn);
        free(lc);
    }
    eg_buf_free(&all);
    eg_buf_free(&a);
    eg_buf_free(&b);
    eg_buf_free(&e);
}

void eg_pl_script_checks(eg_scan *s, const eg_object *obj, const char *t, size_t n)
{
    analyze_text(s, obj, t, n, K_HTA);
}

eg_status eg_payload_analyze_script(eg_scan *s, const eg_object *obj)
{
    const char *t = (const char *)obj->data;
    size_t n = obj->size > SCRIPT_MAX ? SCRIPT_MAX : (size_t)obj->size;
    if (!t || !n)
        return EG_OK;
    eg_buf u16;
    eg_buf_init(&u16, SCRIPT_MAX * 2);
    if (n >= 4 && ((uint8_t)t[0] == 0xFF && (uint8_t)t[1] == 0xFE)) { /* UTF-16LE with BOM */
        eg_pl_utf16le_to_utf8((const uint8_t *)t + 2, n - 2, &u16);
        if (u16.data) {
            t = (const char *)u16.data;
            n = u16.len;
        }
    }
    if (memmem(t, n, "#@~^", 4)) {
        eg_buf dec;
        eg_buf_init(&dec, eg_pl_out_cap(s, SCRIPT_MAX));
        int blocks = 0;
        eg_script_decode_encoded(t, n, &dec, &blocks);
        if (blocks && dec.data) {
            bool js = has_ci(t, n < 4096 ? n : 4096, "jscript.encode") ||
                      eg_has_suffix_ci(obj->name, ".jse");
            eg_scan_finding(s, obj, EG_R_SCRIPT_ENCODED,
                            "%d Script Encoder block(s), %zu bytes decoded", blocks, dec.len);
            size_t dlen;
            char *d = eg_buf_steal(&dec, &dlen);
            if (d && eg_scan_charge(s, obj, dlen) != EG_OK) {
                free(d);
                eg_buf_free(&u16);
                return EG_OK;
            }
            eg_child c = {.name = js ? "[decoded JScript]" : "[decoded VBScript]",
                          .data = (const uint8_t *)d,
                          .size = dlen,
                          .owned = true,
                          .type = EG_T_SCRIPT,
                          .detail = "decoded Script Encoder"};
            eg_status st = eg_scan_add_child(s, obj, &c, NULL);
            eg_buf_free(&u16);
            return st == EG_ELIMIT ? EG_OK : st;
        }
        eg_buf_free(&dec);
    }
    if (n >= 8 && !memcmp(t, "ITSF", 4)) {
        chm_checks(s, obj, t, n);
        eg_buf_free(&u16);
        return EG_OK;
    }
    if (is_url_shortcut(t, n)) {
        url_checks(s, obj, t, n);
        eg_buf_free(&u16);
        return EG_OK;
    }
    kind k = classify(obj->name, t, n);
    if (k == K_HTA)
        eg_pl_html_element_payloads(s, obj, t, n);
    if (k == K_SCT)
        eg_scan_finding(s, obj, EG_R_SCRIPT_SCRIPTLET, "%s",
                        has_ci(t, n, "<registration") ? "<registration> with script"
                                                      : "<scriptlet>/<component> with script");
    else if (k == K_XSL)
        eg_scan_finding(s, obj, EG_R_SCRIPT_XSL_SCRIPT, "%s",
                        has_ci(t, n, "<ms:script") ? "<ms:script>" : "msxsl:script");
    analyze_text(s, obj, t, n, k);
    eg_buf_free(&u16);
    return EG_OK;
}

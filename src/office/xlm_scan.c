/*
 * The XLM analyzer (EG_T_XLM: the readable macro text produced by the BIFF8, BIFF12 and XML
 * readers) and the BIFF8 analyzer (EG_T_BIFF8: a Workbook stream). Judging happens on the text
 * only, so the three containers share one set of rules: sheet state, Auto_Open names, EXEC /
 * CALL / REGISTER, URLDownloadToFileA, LOLBins, disguised DLLs, CHAR() chains that are decoded
 * statically, and what the static resolver (xlm_eval.c) rebuilds from SET.NAME and FORMULA writes,
 * which is judged like the formulas themselves.
 */
#include "office/office_int.h"
#include "office/xlm_int.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "payload/cmdline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xlm_ctx {
    eg_scan *s;
    const eg_object *obj;
    bool macro, hidden, very_hidden, auto_open, exec, download, lolbin, renamed, obf_set;
    size_t n_char;
    char ev_sheet[200], ev_auto[200], ev_exec[200], ev_dl[200], ev_lol[200], ev_ren[200],
        ev_obf[200];
} xlm_ctx;

static void keep(char *dst, size_t dsz, const char *l, size_t n)
{
    if (!dst[0])
        snprintf(dst, dsz, "\"%.*s\"", (int)(n > 180 ? 180 : n), l);
}

static bool has(const char *l, size_t n, const char *w)
{
    return eg_memmem_ci(l, n, w, strlen(w)) != NULL;
}

static void judge_text(xlm_ctx *c, const char *l, size_t n)
{
    if (has(l, n, "EXEC(") || has(l, n, "CALL(") || has(l, n, "REGISTER(") ||
        has(l, n, "SHELLEXECUTE") || has(l, n, "CreateProcess") || has(l, n, "WinExec")) {
        c->exec = true;
        keep(c->ev_exec, sizeof c->ev_exec, l, n);
    }
    if (has(l, n, "URLDownloadToFile") || has(l, n, "URLMON") || has(l, n, "InternetOpenUrl")) {
        c->download = true;
        keep(c->ev_dl, sizeof c->ev_dl, l, n);
    }
    if (has(l, n, "regsvr32") || has(l, n, "rundll32") || has(l, n, "mshta") ||
        has(l, n, "powershell") || has(l, n, "cmd /c") || has(l, n, "cmd.exe")) {
        c->lolbin = true;
        keep(c->ev_lol, sizeof c->ev_lol, l, n);
    }
    if (has(l, n, ".ooccxx") || has(l, n, ".ocx") || has(l, n, "..\\")) {
        c->renamed = true;
        keep(c->ev_ren, sizeof c->ev_ren, l, n);
    }
}

/* "lit" & CHAR(n) & ... -> decoded string when at least one CHAR() takes part */
static size_t decode_chars(const char *l, size_t n, eg_buf *out)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(l[i] == '"' || (i + 5 <= n && !strncasecmp(l + i, "CHAR(", 5))))
            continue;
        if (i > 0 && (isalnum((unsigned char)l[i - 1]) || l[i - 1] == '.') && l[i] != '"')
            continue;
        eg_buf v;
        eg_office_buf_init(&v, 1 << 16);
        size_t j = i, chars = 0, terms = 0;
        for (;;) {
            if (j < n && l[j] == '"') {
                j++;
                while (j < n) {
                    if (l[j] == '"' && j + 1 < n && l[j + 1] == '"') {
                        eg_buf_putc(&v, '"');
                        j += 2;
                    } else if (l[j] == '"') {
                        break;
                    } else
                        eg_buf_putc(&v, (uint8_t)l[j++]);
                }
                if (j >= n)
                    break;
                j++;
            } else if (j + 5 <= n && !strncasecmp(l + j, "CHAR(", 5)) {
                size_t k = j + 5;
                unsigned long num = 0;
                size_t digits = 0;
                while (k < n && isdigit((unsigned char)l[k]) && digits < 6)
                    num = num * 10 + (unsigned long)(l[k++] - '0'), digits++;
                if (!digits || k >= n || l[k] != ')' || num > 255)
                    break;
                char u[4];
                eg_buf_append(&v, u, eg_utf8_encode((unsigned)num, u));
                j = k + 1;
                chars++;
            } else
                break;
            terms++;
            if (j < n && l[j] == '&')
                j++;
            else
                break;
        }
        if (chars && terms >= 2 && v.len >= 3) {
            eg_buf_append(out, v.data, v.len);
            eg_buf_putc(out, '\n');
            found++;
            i = j;
        } else if (j > i + 1) {
            /* no chain: go on where it stopped. A start inside the literals it read would only
             * re-read them (a line of quotes was once read again from each quote, quadratic) */
            i = j - 1;
        }
        eg_buf_free(&v);
    }
    return found;
}

static void cmd_literals(xlm_ctx *c, const char *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i] != '"')
            continue;
        size_t a = ++i;
        while (i < n && l[i] != '"')
            i++;
        if (i - a >= 6 && eg_office_looks_like_cmd(l + a, i - a))
            eg_cmdline_analyze(c->s, c->obj, l + a, i - a, "XLM EXEC");
    }
}

static void header_line(xlm_ctx *c, const char *l, size_t n)
{
    if (!strncmp(l, "' sheet ", 8) && has(l, n, "type=macro")) {
        c->macro = true;
        keep(c->ev_sheet, sizeof c->ev_sheet, l + 2, n - 2);
        if (has(l, n, "state=veryHidden")) {
            c->very_hidden = true;
            c->ev_sheet[0] = '\0';
            keep(c->ev_sheet, sizeof c->ev_sheet, l + 2, n - 2);
        } else if (has(l, n, "state=hidden"))
            c->hidden = true;
    } else if (!strncmp(l, "' name ", 7)) {
        const char *q = memchr(l + 8, '"', n - 8);
        size_t nl = q ? (size_t)(q - (l + 8)) : n - 8;
        if (has(l + 8, nl, "auto_open")) {
            c->auto_open = true;
            keep(c->ev_auto, sizeof c->ev_auto, l + 2, n - 2);
        }
    }
}

/* ---- what the static resolver (xlm_eval.c) rebuilt ---- */

typedef struct res_ud {
    xlm_ctx *c;
    eg_buf *text;
    size_t shown;
} res_ud;

static void on_resolved(void *ud, eg_xlm_res_kind k, const char *where, const char *t, size_t n)
{
    res_ud *r = ud;
    xlm_ctx *c = r->c;
    eg_buf line;
    eg_office_buf_init(&line, 70000);
    switch (k) {
    case EG_XLM_RES_NAME: eg_buf_printf(&line, "name %s = ", where); break;
    case EG_XLM_RES_WRITE: eg_buf_printf(&line, "%s <- ", where); break;
    case EG_XLM_RES_CALL: eg_buf_printf(&line, "%s: ", where); break;
    case EG_XLM_RES_ARG: eg_buf_printf(&line, "%s argument: ", where); break;
    }
    eg_xlm_put_flat(&line, t, n);
    const char *l = (const char *)line.data;
    if (r->shown++ < 16)
        eg_scan_finding(c->s, c->obj, EG_R_XLM_RESOLVED, "\"%.*s\"",
                        (int)(line.len > 280 ? 280 : line.len), l);
    judge_text(c, l, line.len);
    if (k == EG_XLM_RES_ARG && eg_office_looks_like_cmd(t, n))
        eg_cmdline_analyze(c->s, c->obj, t, n, "XLM resolved argument");
    eg_buf_append(r->text, line.data, line.len);
    eg_buf_putc(r->text, '\n');
    eg_buf_free(&line);
}

static bool res_stop(void *ud)
{
    xlm_ctx *c = ud;
    return eg_scan_timed_out(c->s, c->obj);
}

/* Runs the resolver over the XLM text; its lines go to the findings, the judgement, the
 * command-line analyser, the IOCs and (appended to out) the decoded-strings child. */
static void resolve(xlm_ctx *c, const char *t, size_t len, eg_buf *out)
{
    eg_buf text;
    eg_office_buf_init(&text, eg_office_cap(c->s, 4u << 20));
    res_ud r = {c, &text, 0};
    eg_status st = eg_xlm_resolve(t, len, on_resolved, &r, res_stop, c);
    if (st == EG_ELIMIT)
        eg_buf_puts(&text, "' static resolution stopped at its limits\n");
    if (r.shown) {
        eg_scan_iocs_from_text(c->s, c->obj, (const char *)text.data, text.len);
        eg_buf_append(out, text.data, text.len);
    }
    eg_buf_free(&text);
}

eg_status eg_office_analyze_xlm(eg_scan *s, const eg_object *obj)
{
    const char *t = (const char *)obj->data;
    size_t len = (size_t)obj->size;
    xlm_ctx c = {.s = s, .obj = obj};
    eg_buf dec;
    eg_office_buf_init(&dec, 4u << 20);
    size_t i = 0;
    while (i < len) {
        if (eg_scan_timed_out(s, obj))
            break;
        size_t a = i;
        while (i < len && t[i] != '\n')
            i++;
        const char *l = t + a;
        size_t n = i - a;
        i++;
        if (n >= 2 && l[0] == '\'' && l[1] == ' ') {
            header_line(&c, l, n);
            continue;
        }
        /* a cell constant ("Macro1!B1: "text"") is judged through what the resolver makes of it:
         * text in a worksheet cell is not a macro by itself */
        const char *colon = memmem(l, n, ": ", 2);
        if (colon && colon + 2 < l + n && colon[2] != '=')
            continue;
        judge_text(&c, l, n);
        size_t nc = 0;
        const char *p = l;
        while ((p = eg_memmem_ci(p, (size_t)(l + n - p), "CHAR(", 5)))
            nc++, p += 5;
        c.n_char += nc;
        if (nc >= 5)
            keep(c.ev_obf, sizeof c.ev_obf, l, n);
        if (has(l, n, "SET.NAME(") || has(l, n, "FORMULA(") || has(l, n, "FORMULA.FILL(")) {
            c.obf_set = true;
            keep(c.ev_obf, sizeof c.ev_obf, l, n);
        }
        decode_chars(l, n, &dec);
        if (has(l, n, "EXEC(") || has(l, n, "CALL("))
            cmd_literals(&c, l, n);
    }
    eg_scan_iocs_from_text(s, obj, t, len);
    if (dec.len) {
        size_t k = 0, shown = 0;
        while (k < dec.len) {
            const char *l = (const char *)dec.data + k;
            const char *e = memchr(l, '\n', dec.len - k);
            size_t n = e ? (size_t)(e - l) : dec.len - k;
            k += n + 1;
            if (shown++ < 8)
                eg_scan_finding(s, obj, EG_R_VBA_DECODED, "\"%.*s\"", (int)(n > 240 ? 240 : n), l);
            judge_text(&c, l, n);
            if (eg_office_looks_like_cmd(l, n))
                eg_cmdline_analyze(s, obj, l, n, "XLM decoded string");
        }
        eg_scan_iocs_from_text(s, obj, (const char *)dec.data, dec.len);
    }
    if (!eg_scan_timed_out(s, obj))
        resolve(&c, t, len, &dec);
    if (dec.len) {
        eg_child ch = {.name = "decoded strings",
                       .data = dec.data,
                       .size = dec.len,
                       .type = EG_T_TEXT,
                       .detail = "statically decoded and resolved XLM strings"};
        eg_scan_add_child(s, obj, &ch, NULL);
    }
    eg_buf_free(&dec);

    if (c.macro)
        eg_scan_finding(s, obj, EG_R_XLM_MACRO_SHEET, "%s", c.ev_sheet);
    if (c.very_hidden)
        eg_scan_finding(s, obj, EG_R_XLM_VERY_HIDDEN, "%s", c.ev_sheet);
    else if (c.hidden)
        eg_scan_finding(s, obj, EG_R_XLM_HIDDEN, "%s", c.ev_sheet);
    if (c.auto_open)
        eg_scan_finding(s, obj, EG_R_XLM_AUTO_OPEN, "%s", c.ev_auto);
    if (c.exec)
        eg_scan_finding(s, obj, EG_R_XLM_EXECUTION, "%s", c.ev_exec);
    if (c.download)
        eg_scan_finding(s, obj, EG_R_XLM_DOWNLOAD, "%s", c.ev_dl);
    if (c.lolbin)
        eg_scan_finding(s, obj, EG_R_XLM_LOLBIN, "%s", c.ev_lol);
    if (c.renamed)
        eg_scan_finding(s, obj, EG_R_XLM_RENAMED_DLL, "%s", c.ev_ren);
    if (c.n_char >= 10 || c.obf_set)
        eg_scan_finding(s, obj, EG_R_XLM_OBFUSCATION, "%zu CHAR() calls%s; %s", c.n_char,
                        c.obf_set ? ", formulas written at run time" : "", c.ev_obf);
    /* a macro that starts by itself and hides its own formulas: what it runs is out of static
     * sight (the resolver cannot follow every run-time write), but no business workbook
     * obfuscates an auto-start macro; test files with a plain Auto_Open stay suspicious */
    if (c.auto_open && (c.n_char >= 10 || c.obf_set))
        eg_scan_finding(s, obj, EG_R_XLM_AUTO_OPEN_OBFUSCATED, "%s; %zu CHAR() calls%s", c.ev_auto,
                        c.n_char, c.obf_set ? ", formulas written at run time" : "");
    if (c.auto_open && (c.exec || c.download || c.lolbin))
        eg_scan_finding(s, obj, EG_R_XLM_AUTO_OPEN_EXECUTION, "%s / %s", c.ev_auto,
                        c.ev_exec[0] ? c.ev_exec
                        : c.ev_dl[0] ? c.ev_dl
                                     : c.ev_lol);
    return EG_OK;
}

eg_status eg_office_analyze_biff8(eg_scan *s, const eg_object *obj)
{
    eg_buf out;
    eg_office_buf_init(&out, eg_office_cap(s, 16u << 20));
    unsigned flags = 0;
    eg_status st = eg_biff8_read(obj->data, (size_t)obj->size, &out, &flags);
    if (flags & EG_XLM_F_ENCRYPTED)
        eg_office_biff8_decrypt(s, obj); /* the decrypted stream comes back here as a child */
    if (!(flags & EG_XLM_F_ENCRYPTED) || (obj->flags & EG_OBJ_DECRYPTED))
        eg_office_biff8_ddelinks(s, obj, obj->data, (size_t)obj->size);
    if (flags & EG_XLM_F_HIDDEN_SHEET)
        eg_scan_finding(s, obj, EG_R_OFFICE_HIDDEN_SHEET, "hidden worksheet");
    if ((flags & (EG_XLM_F_MACROSHEET | EG_XLM_F_FORMULAS)) && out.len) {
        eg_child ch = {.name = "Excel 4.0 macros",
                       .data = out.data,
                       .size = out.len,
                       .type = EG_T_XLM,
                       .detail = "decoded XLM formulas (BIFF8)"};
        if (st == EG_ELIMIT) {
            ch.flags |= EG_OBJ_TRUNCATED;
            eg_scan_finding(s, obj, EG_R_LIMIT_BYTES, "XLM text cut at %zu bytes", out.len);
        }
        eg_scan_add_child(s, obj, &ch, NULL);
    }
    eg_buf_free(&out);
    eg_office_lure_findings(s, obj, obj->data, (size_t)obj->size);
    return st == EG_ELIMIT ? EG_OK : st;
}

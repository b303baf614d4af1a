/*
 * The command-line analyser. A Windows command line arrives from an LNK's arguments, a script
 * line, a VBA Shell call or an XLM EXEC; this file undoes the static obfuscations cmd.exe and
 * PowerShell allow (carets, long space runs, %VAR:~x,y% slices and %VAR:a=b% substitutions of
 * variables set in the same line, PowerShell backticks and split strings, -EncodedCommand and
 * FromBase64String literals) and then says what the command would do: download, execute, load a
 * DLL, pull a script out of the file itself. It records CMD.* findings and URL IOCs.
 *
 * It deliberately does not emulate cmd.exe or PowerShell: no control flow, no variables set by
 * other lines, no arithmetic. What cannot be undone stays as it is and is matched as text.
 */
#include "payload/cmdline.h"

#include "core/buf.h"
#include "core/strutil.h"
#include "payload/payload_int.h"

#include <stdlib.h>
#include <string.h>

#define CMD_MAX_IN (256u * 1024u)  /* bytes of one command line looked at */
#define CMD_MAX_OUT (512u * 1024u) /* after variable expansion */
#define CMD_MAX_DEPTH 3            /* nested -EncodedCommand / base64 layers */
#define CMD_MAX_DECODES 16         /* base64 layers decoded per command text, all depths */
#define PAD_RUN 32                 /* spaces that hide the rest of an argument list */
#define MAX_VARS 32
#define MAX_DROPPED 8
#define NPOS ((size_t)-1)

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    const char *ctx;
    int depth;
    eg_cmdline_facts *facts; /* shared by nested layers */
    int *decodes;            /* base64 layers left for this command text */
} cctx;

typedef struct {
    char name[64];
    char *val;
    size_t vlen;
} cvar;

typedef struct {
    cvar v[MAX_VARS];
    size_t n;
    int slices;  /* slices or substitutions applied */
    int expands; /* plain expansions of variables set in the line */
} cvars;

static void analyze(cctx *c, const char *cmd, size_t len);

/* ---- evidence ---- */

/* Copies n bytes of p for evidence, line breaks and tabs as single spaces. */
static const char *clip(char *buf, size_t cap, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        char ch = p[i];
        if (ch == '\r' || ch == '\n' || ch == '\t')
            ch = ' ';
        if (ch == ' ' && o && buf[o - 1] == ' ')
            continue;
        buf[o++] = ch;
    }
    buf[o] = 0;
    return buf;
}

static void finding_at(cctx *c, eg_rule_id r, const char *t, size_t n, size_t pos, const char *what)
{
    char ex[240];
    size_t a = pos > 24 ? pos - 24 : 0;
    size_t m = n - a < 400 ? n - a : 400;
    eg_scan_finding(c->s, c->obj, r, "%s: %s\"%s%s\"", c->ctx, what ? what : "", a ? "..." : "",
                    clip(ex, sizeof ex, t + a, m));
}

/* ---- stage 1: long white-space runs ---- */

static void check_padding(cctx *c, const char *t, size_t n)
{
    size_t best = 0, best_end = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            if (++run > best) {
                best = run;
                best_end = i + 1;
            }
        } else {
            run = 0;
        }
    }
    if (best < PAD_RUN || best_end >= n)
        return; /* trailing blanks hide nothing */
    c->facts->obfuscated = true;
    char ex[200];
    size_t m = n - best_end < 400 ? n - best_end : 400;
    eg_scan_finding(c->s, c->obj, EG_R_CMD_WHITESPACE_PADDING, "%s: %zu blanks, then \"%s\"",
                    c->ctx, best, clip(ex, sizeof ex, t + best_end, m));
}

/* ---- stage 2: carets ---- */

static bool alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* cmd.exe drops a caret outside double quotes and keeps the next byte literally. */
static eg_status strip_carets(const char *t, size_t n, eg_buf *out, int *inword)
{
    bool quoted = false;
    *inword = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == '"')
            quoted = !quoted;
        if (ch == '^' && !quoted && i + 1 < n) {
            char nx = t[++i];
            if (out->len && alnum((char)out->data[out->len - 1]) && alnum(nx))
                (*inword)++;
            if (nx == '\r' || nx == '\n')
                continue; /* line continuation */
            ch = nx;
        }
        eg_status st = eg_buf_putc(out, (uint8_t)ch);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

/* ---- stage 3: variables ---- */

static const struct {
    const char *name, *val;
} builtin_vars[] = {
    {"comspec", "C:\\WINDOWS\\system32\\cmd.exe"},
    {"windir", "C:\\WINDOWS"},
    {"systemroot", "C:\\WINDOWS"},
    {"systemdrive", "C:"},
    {"homedrive", "C:"},
    {"programdata", "C:\\ProgramData"},
    {"programfiles", "C:\\Program Files"},
    {"public", "C:\\Users\\Public"},
    {"userprofile", "C:\\Users\\user"},
    {"appdata", "C:\\Users\\user\\AppData\\Roaming"},
    {"localappdata", "C:\\Users\\user\\AppData\\Local"},
    {"temp", "C:\\Users\\user\\AppData\\Local\\Temp"},
    {"tmp", "C:\\Users\\user\\AppData\\Local\\Temp"},
    {"pathext", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"},
    {"commonprogramfiles", "C:\\Program Files\\Common Files"},
};

static void vars_free(cvars *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i].val);
    v->n = 0;
}

static const cvar *var_find(const cvars *v, const char *name, size_t nlen)
{
    for (size_t i = v->n; i-- > 0;)
        if (strlen(v->v[i].name) == nlen && !strncasecmp(v->v[i].name, name, nlen))
            return &v->v[i];
    return NULL;
}

static const char *builtin_find(const char *name, size_t nlen)
{
    for (size_t i = 0; i < sizeof builtin_vars / sizeof builtin_vars[0]; i++)
        if (strlen(builtin_vars[i].name) == nlen && !strncasecmp(builtin_vars[i].name, name, nlen))
            return builtin_vars[i].val;
    return NULL;
}

static long parse_int(const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    bool neg = false;
    long v = 0;
    while (i < n && p[i] == ' ')
        i++;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    size_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9' && v < 1000000)
        v = v * 10 + (p[i++] - '0');
    if (i == d0) {
        *used = 0;
        return 0;
    }
    *used = i;
    return neg ? -v : v;
}

/* %VAR:~start[,len]% as cmd.exe computes it, clamped to the value. */
static eg_status apply_slice(const char *val, size_t vlen, const char *spec, size_t slen,
                             eg_buf *out)
{
    size_t u1 = 0, u2 = 0;
    long len = (long)vlen;
    long st = parse_int(spec, slen, &u1);
    long cnt = len;
    if (u1 < slen && spec[u1] == ',')
        cnt = parse_int(spec + u1 + 1, slen - u1 - 1, &u2);
    if (st < 0)
        st = len + st < 0 ? 0 : len + st;
    if (st > len)
        st = len;
    long end = cnt < 0 ? len + cnt : st + cnt;
    if (end > len)
        end = len;
    if (end <= st)
        return EG_OK;
    return eg_pl_append(out, val + st, (size_t)(end - st));
}

/* %VAR:from=to%: replace every case-insensitive occurrence; "*from" replaces up to the first. */
static eg_status apply_subst(const char *val, size_t vlen, const char *spec, size_t slen,
                             eg_buf *out)
{
    const char *eq = memchr(spec, '=', slen);
    if (!eq)
        return eg_pl_append(out, val, vlen);
    size_t flen = (size_t)(eq - spec);
    const char *to = eq + 1;
    size_t tlen = slen - flen - 1;
    bool star = flen && spec[0] == '*';
    const char *from = star ? spec + 1 : spec;
    if (star)
        flen--;
    if (flen == 0)
        return eg_pl_append(out, val, vlen);
    size_t i = 0;
    eg_status st = EG_OK;
    while (i < vlen && st == EG_OK) {
        const char *hit = eg_memmem_ci(val + i, vlen - i, from, flen);
        if (!hit)
            break;
        size_t at = (size_t)(hit - val);
        if (!star)
            st = eg_pl_append(out, val + i, at - i);
        if (st == EG_OK)
            st = eg_pl_append(out, to, tlen);
        i = at + flen;
        if (star)
            break;
    }
    if (st == EG_OK && i < vlen)
        st = eg_pl_append(out, val + i, vlen - i);
    return st;
}

/* Expands %NAME...% or !NAME...! at t[i] (t[i] is the sign); *adv gets the bytes consumed or 0. */
static eg_status expand_one(cvars *v, const char *t, size_t n, size_t i, eg_buf *out, size_t *adv)
{
    char sign = t[i];
    *adv = 0;
    size_t lim = n - i - 1 < 512 ? n - i - 1 : 512;
    const char *close = memchr(t + i + 1, sign, lim);
    if (!close)
        return EG_OK;
    const char *inner = t + i + 1;
    size_t ilen = (size_t)(close - inner);
    const char *colon = memchr(inner, ':', ilen);
    size_t nlen = colon ? (size_t)(colon - inner) : ilen;
    if (nlen == 0 || nlen >= 64)
        return EG_OK;
    const cvar *cv = var_find(v, inner, nlen);
    const char *val = cv ? cv->val : NULL;
    size_t vlen = cv ? cv->vlen : 0;
    if (!cv && colon) { /* built-ins only when sliced: plain %TEMP% stays readable */
        val = builtin_find(inner, nlen);
        vlen = val ? strlen(val) : 0;
    }
    if (!val)
        return EG_OK;
    eg_status st;
    if (colon && colon + 1 < close && colon[1] == '~') {
        st = apply_slice(val, vlen, colon + 2, (size_t)(close - colon - 2), out);
        v->slices++;
    } else if (colon) {
        st = apply_subst(val, vlen, colon + 1, (size_t)(close - colon - 1), out);
        v->slices++;
    } else {
        st = eg_pl_append(out, val, vlen);
        v->expands++;
    }
    *adv = ilen + 2;
    return st;
}

static eg_status expand(cvars *v, const char *t, size_t n, eg_buf *out)
{
    for (size_t i = 0; i < n;) {
        if ((t[i] == '%' || t[i] == '!') && i + 1 < n) {
            size_t adv;
            eg_status st = expand_one(v, t, n, i, out, &adv);
            if (st != EG_OK)
                return st;
            if (adv) {
                i += adv;
                continue;
            }
        }
        eg_status st = eg_buf_putc(out, (uint8_t)t[i++]);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

/* Reads "set NAME=value" and set "NAME=value" statements, in order; a value may use earlier
 * variables. */
static void collect_vars(cvars *v, const char *t, size_t n, const char *lc)
{
    size_t at = 0;
    while (v->n < MAX_VARS && (at = eg_pl_find_word(lc, n, at, "set")) != NPOS) {
        size_t i = at + 3;
        at = i;
        while (i < n && (t[i] == ' ' || t[i] == '\t'))
            i++;
        if (i + 1 < n && t[i] == '/' && (lc[i + 1] == 'a' || lc[i + 1] == 'p'))
            continue; /* arithmetic and prompts are not evaluated */
        bool quoted = i < n && t[i] == '"';
        if (quoted)
            i++;
        size_t ns = i;
        while (i < n && t[i] != '=' && t[i] != ' ' && t[i] != '&' && t[i] != '|' && t[i] != '"' &&
               i - ns < 63)
            i++;
        if (i >= n || t[i] != '=' || i == ns)
            continue;
        size_t ne = i++, vs = i;
        while (i < n && t[i] != '\r' && t[i] != '\n' &&
               (quoted ? t[i] != '"' : (t[i] != '&' && t[i] != '|' && t[i] != '"')))
            i++;
        eg_buf val;
        eg_buf_init(&val, 8192);
        if (expand(v, t + vs, i - vs, &val) != EG_OK && !val.data) {
            eg_buf_free(&val);
            continue;
        }
        cvar *cv = &v->v[v->n];
        memcpy(cv->name, t + ns, ne - ns);
        cv->name[ne - ns] = 0;
        cv->val = eg_buf_steal(&val, &cv->vlen);
        if (!cv->val)
            continue;
        v->n++;
        at = i;
    }
}

/* ---- stage 4: PowerShell spelling tricks ---- */

/* Drops backticks before letters and joins 'a'+'b' / "a"+"b"; counts what it undid. */
static eg_status ps_normalise(const char *t, size_t n, eg_buf *out, int *ticks, int *joins)
{
    *ticks = *joins = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == '`' && i + 1 < n && alnum(t[i + 1])) {
            (*ticks)++;
            continue;
        }
        if ((ch == '\'' || ch == '"') && i + 2 < n) {
            size_t j = i + 1;
            while (j < n && j - i < 4 && t[j] == ' ')
                j++;
            if (j < n && t[j] == '+') {
                j++;
                while (j < n && j - i < 8 && t[j] == ' ')
                    j++;
                if (j < n && t[j] == ch) {
                    (*joins)++;
                    i = j;
                    continue;
                }
            }
        }
        eg_status st = eg_buf_putc(out, (uint8_t)ch);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

/* ---- stage 5: what it does ---- */

typedef struct {
    const char *t;  /* deobfuscated text */
    const char *lc; /* same, lower case, same offsets */
    size_t n;
    bool download, execute, ps;
    size_t dl_pos;
    const char *dl_what;
} view;

static bool has(const view *w, const char *s)
{
    return memmem(w->lc, w->n, s, strlen(s)) != NULL;
}
static size_t word(const view *w, const char *s)
{
    return eg_pl_find_word(w->lc, w->n, 0, s);
}

static void set_download(view *w, size_t pos, const char *what)
{
    if (!w->download) {
        w->download = true;
        w->dl_pos = pos;
        w->dl_what = what;
    }
}

static size_t skip_blank(const view *w, size_t i)
{
    while (i < w->n && (w->t[i] == ' ' || w->t[i] == '\t' || w->t[i] == '"' || w->t[i] == '\''))
        i++;
    return i;
}

/* The next argument after position i: skips blanks and opening quotes; quoted arguments may
 * hold spaces. */
static void next_arg(const view *w, size_t i, size_t *a, size_t *b)
{
    while (i < w->n && (w->t[i] == ' ' || w->t[i] == '\t'))
        i++;
    if (i < w->n && (w->t[i] == '"' || w->t[i] == '\'')) {
        char q = w->t[i++];
        size_t j = i;
        while (j < w->n && w->t[j] != q)
            j++;
        *a = i;
        *b = j;
        return;
    }
    size_t j = i;
    while (j < w->n && w->t[j] != ' ' && w->t[j] != '\t' && w->t[j] != '\r' && w->t[j] != '\n' &&
           w->t[j] != '"' && w->t[j] != '\'' && w->t[j] != '&' && w->t[j] != '|' &&
           w->t[j] != ';' && w->t[j] != ')')
        j++;
    *a = i;
    *b = j;
}

/* Position just after a program name found at p (skips ".exe" and a closing quote). */
static size_t after_prog(const view *w, size_t p, const char *prog)
{
    size_t i = p + strlen(prog);
    if (i + 4 <= w->n && !memcmp(w->lc + i, ".exe", 4))
        i += 4;
    if (i < w->n && w->t[i] == '"')
        i++;
    return i;
}

static void decode_layer(cctx *c, const char *b64, size_t len, const char *label, bool require_text)
{
    if (c->depth >= CMD_MAX_DEPTH || *c->decodes <= 0)
        return;
    (*c->decodes)--;
    eg_buf raw, txt;
    eg_buf_init(&raw, CMD_MAX_IN);
    eg_buf_init(&txt, CMD_MAX_IN);
    eg_base64_decode(b64, len, &raw, NULL);
    const uint8_t *p = raw.data;
    size_t n = raw.len;
    if (p && n >= 4 && eg_pl_looks_utf16le(p, n)) {
        eg_pl_utf16le_to_utf8(p, n, &txt);
        p = txt.data;
        n = txt.len;
    } else if (!require_text) {
        p = NULL; /* -EncodedCommand is always UTF-16LE: anything else is not a command */
    }
    if (p && n && (!require_text || eg_pl_text_percent(p, n) >= 90)) {
        cctx sub = {c->s, c->obj, label, c->depth + 1, c->facts, c->decodes};
        c->facts->encoded = true;
        char ex[200];
        eg_scan_finding(
            c->s, c->obj,
            require_text ? EG_R_CMD_POWERSHELL_OBFUSCATION : EG_R_CMD_POWERSHELL_ENCODED,
            "%s: %s decodes to \"%s\"", c->ctx, label, clip(ex, sizeof ex, (const char *)p, n));
        analyze(&sub, (const char *)p, n);
    }
    eg_buf_free(&raw);
    eg_buf_free(&txt);
}

static size_t b64_run(const char *t, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && (alnum(t[j]) || t[j] == '+' || t[j] == '/' || t[j] == '='))
        j++;
    return j - i;
}

/* PowerShell parameters are matched by prefix, as powershell.exe does. */
static bool param_is(const char *p, size_t n, const char *full, size_t minlen)
{
    return n >= minlen && n <= strlen(full) && !strncmp(p, full, n);
}

static void check_powershell(cctx *c, view *w)
{
    size_t ps = word(w, "powershell");
    if (ps == NPOS)
        ps = word(w, "pwsh");
    if (ps == NPOS && c->depth == 0 && !strstr(c->ctx, "PowerShell"))
        return;
    w->ps = true;
    bool hidden = false, bypass = false; /* once per text: long scripts repeat them */
    for (size_t i = ps == NPOS ? 0 : ps; i + 1 < w->n; i++) {
        if ((w->lc[i] != '-' && w->lc[i] != '/') ||
            (i && w->lc[i - 1] != ' ' && w->lc[i - 1] != '"'))
            continue;
        size_t a = i + 1, b = a;
        while (b < w->n && w->lc[b] >= 'a' && w->lc[b] <= 'z')
            b++;
        const char *p = w->lc + a;
        size_t pn = b - a, va, vb;
        if (pn == 0 || (b < w->n && w->lc[b] != ' ' && w->lc[b] != ':'))
            continue;
        next_arg(w, b + (b < w->n && w->lc[b] == ':'), &va, &vb);
        if (param_is(p, pn, "encodedcommand", 1) || (pn == 2 && !memcmp(p, "ec", 2))) {
            size_t r = b64_run(w->t, w->n, va);
            if (r >= 8)
                decode_layer(c, w->t + va, r, "PowerShell -EncodedCommand", false);
        } else if (param_is(p, pn, "windowstyle", 1)) {
            if (!hidden && vb > va && (w->lc[va] == 'h' || (vb - va == 1 && w->lc[va] == '1'))) {
                finding_at(c, EG_R_CMD_HIDDEN_WINDOW, w->t, w->n, i, NULL);
                hidden = true;
            }
        } else if (param_is(p, pn, "executionpolicy", 2) || (pn == 2 && !memcmp(p, "ep", 2))) {
            if (!bypass && vb > va && (w->lc[va] == 'b' || w->lc[va] == 'u')) {
                finding_at(c, EG_R_CMD_EXECPOLICY_BYPASS, w->t, w->n, i, NULL);
                bypass = true;
            }
        }
    }
}

static void check_ps_body(cctx *c, view *w)
{
    size_t p = word(w, "iex");
    if (p == NPOS)
        p = word(w, "invoke-expression");
    if (p != NPOS) {
        finding_at(c, EG_R_CMD_INVOKE_EXPRESSION, w->t, w->n, p, NULL);
        w->execute = true;
    }
    const char *fb = memmem(w->lc, w->n, "frombase64string(", 17);
    if (fb) {
        size_t i = skip_blank(w, (size_t)(fb - w->lc) + 17);
        size_t r = b64_run(w->t, w->n, i);
        if (r >= 16)
            decode_layer(c, w->t + i, r, "base64 string", true);
        else
            finding_at(c, EG_R_CMD_POWERSHELL_OBFUSCATION, w->t, w->n, (size_t)(fb - w->lc), NULL);
    }
    size_t chars = 0;
    for (const char *q = w->lc; (q = memmem(q, w->n - (size_t)(q - w->lc), "[char]", 6)); q += 6)
        chars++;
    if (chars >= 5)
        eg_scan_finding(c->s, c->obj, EG_R_CMD_POWERSHELL_OBFUSCATION, "%s: %zu [char] conversions",
                        c->ctx, chars);
}

static void check_downloads(cctx *c, view *w)
{
    static const char *const apis[] = {"downloadstring",
                                       "downloadfile",
                                       "downloaddata",
                                       "invoke-webrequest",
                                       "invoke-restmethod",
                                       "start-bitstransfer",
                                       "net.webclient",
                                       "urldownloadtofile",
                                       "msxml2.xmlhttp",
                                       "msxml2.serverxmlhttp",
                                       "winhttp.winhttprequest",
                                       "microsoft.xmlhttp",
                                       "openread(",
                                       NULL};
    for (size_t i = 0; apis[i]; i++) {
        const char *h = memmem(w->lc, w->n, apis[i], strlen(apis[i]));
        if (h)
            set_download(w, (size_t)(h - w->lc), apis[i]);
    }
    bool url = has(w, "http://") || has(w, "https://") || has(w, "ftp://");
    static const char *const tools[] = {"iwr", "irm", "wget", "curl", NULL};
    for (size_t i = 0; tools[i] && url; i++) {
        size_t p = word(w, tools[i]);
        if (p != NPOS)
            set_download(w, p, tools[i]);
    }
    size_t cu = word(w, "certutil");
    if (cu != NPOS) {
        if (has(w, "urlcache") || has(w, "verifyctl"))
            set_download(w, cu, "certutil");
        if (has(w, "-decode") || has(w, "/decode"))
            finding_at(c, EG_R_CMD_CERTUTIL_DECODE, w->t, w->n, cu, NULL);
    }
    size_t ba = word(w, "bitsadmin");
    if (ba != NPOS && (has(w, "/transfer") || has(w, "/addfile") || has(w, "/download")))
        set_download(w, ba, "bitsadmin");
}

static bool ext_usual_dll(const char *p, size_t n)
{
    static const char *const ok[] = {".dll", ".ocx", ".cpl", ".ax", NULL};
    for (size_t i = 0; ok[i]; i++) {
        size_t k = strlen(ok[i]);
        if (n >= k && !strncasecmp(p + n - k, ok[i], k))
            return true;
    }
    return false;
}

static void check_regsvr32(cctx *c, view *w)
{
    size_t p = word(w, "regsvr32");
    if (p == NPOS)
        return;
    w->execute = true;
    size_t i = after_prog(w, p, "regsvr32"), a = w->n, b = w->n;
    char flags[96] = "";
    for (int k = 0; k < 8; k++) {
        next_arg(w, i, &a, &b);
        if (a >= w->n || b == a)
            break;
        if (w->t[a] != '/' && w->t[a] != '-')
            break;
        if (strlen(flags) + (b - a) + 2 < sizeof flags)
            strncat(strcat(flags, flags[0] ? " " : ""), w->t + a, b - a);
        if (b - a > 3 && !strncasecmp(w->t + a + 1, "i:", 2) &&
            eg_memmem_ci(w->t + a, b - a, "http", 4))
            set_download(w, a, "regsvr32 /i: remote scriptlet");
        i = b + (b < w->n && (w->t[b] == '"' || w->t[b] == '\''));
    }
    bool remote = b > a + 1 && w->t[a] == '\\' && w->t[a + 1] == '\\';
    if (remote)
        set_download(w, a, "regsvr32 of a DLL on a remote share");
    eg_scan_finding(
        c->s, c->obj, EG_R_CMD_REGSVR32, "%s: regsvr32%s%s%sDLL \"%.*s\"%s", c->ctx,
        flags[0] ? " \"" : " ", flags, flags[0] ? "\", " : "", (int)(b - a < 200 ? b - a : 200),
        w->t + a, b > a && !ext_usual_dll(w->t + a, b - a) ? " (unusual extension for a DLL)" : "");
}

static void check_rundll32(cctx *c, view *w)
{
    size_t p = word(w, "rundll32");
    if (p == NPOS)
        return;
    w->execute = true;
    size_t i = after_prog(w, p, "rundll32"), a, b;
    next_arg(w, i, &a, &b);
    size_t comma = a;
    while (comma < b && w->t[comma] != ',')
        comma++;
    size_t ea = comma < b ? comma + 1 : b, eb = b;
    if (comma == b && b < w->n) { /* "C:\x.dll",Export */
        size_t j = b + (w->t[b] == '"' || w->t[b] == '\'');
        while (j < w->n && w->t[j] == ' ')
            j++;
        if (j < w->n && w->t[j] == ',') {
            size_t x, y;
            next_arg(w, j + 1, &x, &y);
            ea = x;
            eb = y;
        }
    }
    if (b > a + 1 && w->t[a] == '\\' && w->t[a + 1] == '\\')
        set_download(w, a, "rundll32 of a DLL on a remote share");
    if (eg_memmem_ci(w->t + a, b - a, "javascript:", 11))
        set_download(w, a, "rundll32 javascript:");
    eg_scan_finding(c->s, c->obj, EG_R_CMD_RUNDLL32, "%s: rundll32 DLL \"%.*s\" export \"%.*s\"",
                    c->ctx, (int)(comma - a < 200 ? comma - a : 200), w->t + a,
                    (int)(eb - ea < 80 ? eb - ea : 80), w->t + ea);
}

static void check_hosts(cctx *c, view *w)
{
    size_t p = word(w, "mshta");
    if (p != NPOS) {
        w->execute = true;
        size_t a, b;
        next_arg(w, after_prog(w, p, "mshta"), &a, &b);
        if (eg_memmem_ci(w->t + a, b - a, "http", 4))
            set_download(w, a, "mshta of a remote page");
        finding_at(c, EG_R_CMD_MSHTA, w->t, w->n, p, NULL);
    }
    static const char *const hosts[] = {"wscript", "cscript", NULL};
    for (size_t k = 0; hosts[k]; k++) {
        size_t q = 0;
        /* the program, not the WScript.Shell object or WScript.Echo */
        while ((q = eg_pl_find_word(w->lc, w->n, q, hosts[k])) != NPOS) {
            size_t e = q + strlen(hosts[k]);
            if (e >= w->n || w->lc[e] != '.' || (e + 4 <= w->n && !memcmp(w->lc + e, ".exe", 4)))
                break;
            q = e;
        }
        if (q == NPOS)
            continue;
        w->execute = true;
        size_t i = after_prog(w, q, hosts[k]), a, b;
        for (int j = 0; j < 6; j++) {
            next_arg(w, i, &a, &b);
            if (a >= w->n || (w->t[a] != '/' && w->t[a] != '-'))
                break;
            i = b;
        }
        eg_scan_finding(c->s, c->obj, EG_R_CMD_SCRIPT_HOST, "%s: \"%s\" \"%.*s\"%s", c->ctx,
                        hosts[k], (int)(b - a < 200 ? b - a : 200), w->t + a,
                        has(w, "//e:") ? " (engine forced with //E:)" : "");
    }
}

static void check_findstr(cctx *c, view *w)
{
    size_t p = word(w, "findstr");
    if (p == NPOS)
        return;
    size_t end = p;
    while (end < w->n && w->t[end] != '&' && w->t[end] != '|')
        end++;
    const char *seg = w->lc + p;
    size_t sn = end - p;
    bool self =
        memmem(seg, sn, ".lnk", 4) || memmem(seg, sn, "%~f0", 4) || memmem(seg, sn, "%~0", 3);
    const char *gt = memchr(seg, '>', sn);
    bool to_script = false;
    if (gt) {
        static const char *const ext[] = {".vbs", ".js",  ".jse", ".vbe", ".wsf",
                                          ".hta", ".bat", ".cmd", ".ps1", NULL};
        for (size_t i = 0; ext[i]; i++)
            if (memmem(gt, sn - (size_t)(gt - seg), ext[i], strlen(ext[i])))
                to_script = true;
    }
    if (self || to_script) {
        w->execute = true;
        c->facts->self_extract = true;
        finding_at(c, EG_R_CMD_FINDSTR_EXTRACT, w->t, w->n, p, NULL);
    }
}

static void check_cmd_chain(cctx *c, view *w)
{
    size_t p = word(w, "cmd");
    if (p == NPOS)
        return;
    size_t i = after_prog(w, p, "cmd");
    bool run = false;
    for (size_t j = i; j < w->n && j < i + 24; j++)
        if (w->lc[j] == '/' && j + 1 < w->n &&
            (w->lc[j + 1] == 'c' || w->lc[j + 1] == 'k' || w->lc[j + 1] == 'r'))
            run = true;
    if (!run)
        return;
    int chain = 0;
    bool quoted = false;
    for (size_t j = i; j < w->n; j++) {
        if (w->t[j] == '"')
            quoted = !quoted;
        else if (!quoted && (w->t[j] == '&' || w->t[j] == '|')) {
            chain++;
            if (j + 1 < w->n && w->t[j + 1] == w->t[j])
                j++;
        }
    }
    /* cmd.exe strips one level of quotes around the /c string, so count inside them too */
    if (!chain)
        for (size_t j = i; j < w->n; j++)
            if (w->t[j] == '&' || (w->t[j] == '|' && j + 1 < w->n && w->t[j + 1] == '|')) {
                chain++;
                j++;
            }
    if (chain) {
        char ex[200];
        eg_scan_finding(c->s, c->obj, EG_R_CMD_SHELL_CHAIN, "%s: %d chained commands%s: \"%s\"",
                        c->ctx, chain + 1, has(w, "/v:on") ? " (delayed expansion on)" : "",
                        clip(ex, sizeof ex, w->t + p, w->n - p));
    }
}

static void check_executors(view *w)
{
    static const char *const words[] = {"start-process", "saps",         "invoke-item",
                                        "start",         "shellexecute", "invoke-wmimethod",
                                        "win32_process", "call",         NULL};
    for (size_t i = 0; words[i] && !w->execute; i++)
        if (word(w, words[i]) != NPOS)
            w->execute = true;
    if (!w->execute &&
        (has(w, ".run(") || has(w, ".run ") || has(w, ".exec(") || has(w, ".shellexecute") ||
         has(w, "& $") || has(w, "&$") || has(w, "&(") || has(w, " -file ")))
        w->execute = true;
}

static void check_dropped(cctx *c, view *w)
{
    static const char *const dirs[] = {"%temp%",
                                       "%tmp%",
                                       "%appdata%",
                                       "%localappdata%",
                                       "%programdata%",
                                       "%public%",
                                       "%userprofile%",
                                       "\\appdata\\",
                                       "\\temp\\",
                                       "\\programdata\\",
                                       "\\users\\public\\",
                                       "$env:temp",
                                       "$env:tmp",
                                       "$env:appdata",
                                       "$env:localappdata",
                                       "$env:public",
                                       "$env:programdata",
                                       NULL};
    int found = 0;
    for (size_t d = 0; dirs[d] && found < MAX_DROPPED; d++) {
        size_t dl = strlen(dirs[d]);
        /* the next search starts after the token a match is in: one token is judged once, so a
         * text of nothing but "\temp\" stays linear */
        size_t next = 0;
        for (const char *h = w->lc; found < MAX_DROPPED && next < w->n &&
                                    (h = memmem(w->lc + next, w->n - next, dirs[d], dl));) {
            size_t a, b, at = (size_t)(h - w->lc);
            eg_pl_token_at(w->t, w->n, at, &a, &b);
            next = b > at + dl ? b : at + dl;
            const char *dot = NULL;
            for (size_t k = b; k > a; k--) {
                if (w->t[k - 1] == '.') {
                    dot = w->t + k - 1;
                    break;
                }
                if (w->t[k - 1] == '\\' || w->t[k - 1] == '/')
                    break;
            }
            if (!dot || (size_t)(w->t + b - dot) < 2 || (size_t)(w->t + b - dot) > 8)
                continue;
            eg_scan_finding(c->s, c->obj, EG_R_CMD_DROPPED_FILE, "%s: \"%.*s\"", c->ctx,
                            (int)(b - a), w->t + a);
            found++;
        }
    }
}

static void judge(cctx *c, view *w)
{
    c->facts->download |= w->download;
    c->facts->execute |= w->execute;
    if (!w->download)
        return;
    if (w->execute)
        finding_at(c, EG_R_CMD_DOWNLOAD_EXECUTE, w->t, w->n, w->dl_pos, NULL);
    else
        finding_at(c, EG_R_CMD_DOWNLOAD, w->t, w->n, w->dl_pos, NULL);
}

/* ---- driver ---- */

static eg_status deobfuscate(cctx *c, const char *cmd, size_t len, eg_buf *out)
{
    eg_buf b1, b2, b3;
    eg_buf_init(&b1, CMD_MAX_OUT);
    eg_buf_init(&b2, CMD_MAX_OUT);
    eg_buf_init(&b3, CMD_MAX_OUT);
    int inword = 0, ticks = 0, joins = 0;
    cvars vars = {.n = 0};
    eg_status st = strip_carets(cmd, len, &b1, &inword);
    if (st == EG_OK && b1.data) {
        char *lc = eg_pl_lower_dup((const char *)b1.data, b1.len);
        if (!lc)
            st = EG_ENOMEM;
        else {
            collect_vars(&vars, (const char *)b1.data, b1.len, lc);
            free(lc);
            st = expand(&vars, (const char *)b1.data, b1.len, &b2);
        }
    }
    if (st == EG_OK && b2.data && (vars.slices || memchr(b2.data, '%', b2.len))) {
        st = expand(&vars, (const char *)b2.data, b2.len, &b3); /* a slice may build another */
        eg_buf_free(&b2);
        b2 = b3;
        eg_buf_init(&b3, CMD_MAX_OUT);
    }
    if (st == EG_OK && b2.data)
        st = ps_normalise((const char *)b2.data, b2.len, out, &ticks, &joins);
    char ex[200];
    const char *shown = out->data ? clip(ex, sizeof ex, (const char *)out->data, out->len) : "";
    if (inword >= 2 || vars.slices || vars.expands >= 3 || ticks >= 3 || joins >= 2)
        c->facts->obfuscated = true;
    if (inword >= 2)
        eg_scan_finding(c->s, c->obj, EG_R_CMD_CARET_OBFUSCATION,
                        "%s: %d carets inside words: \"%s\"", c->ctx, inword, shown);
    if (vars.slices || vars.expands >= 3)
        eg_scan_finding(c->s, c->obj, EG_R_CMD_ENV_OBFUSCATION,
                        "%s: %d slices/substitutions, %d variables set: \"%s\"", c->ctx,
                        vars.slices, (int)vars.n, shown);
    if (ticks >= 3 || joins >= 2)
        eg_scan_finding(c->s, c->obj, EG_R_CMD_POWERSHELL_OBFUSCATION,
                        "%s: %d backticks, %d split strings: \"%s\"", c->ctx, ticks, joins, shown);
    vars_free(&vars);
    eg_buf_free(&b1);
    eg_buf_free(&b2);
    eg_buf_free(&b3);
    return st == EG_ELIMIT ? EG_OK : st; /* a truncated line is still analysed */
}

static void analyze(cctx *c, const char *cmd, size_t len)
{
    if (!cmd || !len || eg_scan_timed_out(c->s, c->obj))
        return;
    if (len > CMD_MAX_IN)
        len = CMD_MAX_IN;
    check_padding(c, cmd, len);
    eg_buf clean;
    eg_buf_init(&clean, CMD_MAX_OUT);
    if (deobfuscate(c, cmd, len, &clean) != EG_OK || !clean.data) {
        eg_buf_free(&clean);
        return;
    }
    char *lc = eg_pl_lower_dup((const char *)clean.data, clean.len);
    if (lc) {
        view w = {.t = (const char *)clean.data, .lc = lc, .n = clean.len};
        check_powershell(c, &w);
        check_ps_body(c, &w);
        check_downloads(c, &w);
        check_regsvr32(c, &w);
        check_rundll32(c, &w);
        check_hosts(c, &w);
        check_findstr(c, &w);
        check_cmd_chain(c, &w);
        check_executors(&w);
        check_dropped(c, &w);
        judge(c, &w);
        eg_scan_iocs_from_text(c->s, c->obj, w.t, w.n);
        free(lc);
    }
    eg_buf_free(&clean);
}

void eg_cmdline_analyze_ex(eg_scan *s, const eg_object *obj, const char *cmd, size_t len,
                           const char *context, eg_cmdline_facts *facts)
{
    eg_cmdline_facts local;
    memset(&local, 0, sizeof local);
    int decodes = CMD_MAX_DECODES;
    cctx c = {s, obj, context ? context : "command line", 0, &local, &decodes};
    analyze(&c, cmd, len);
    if (facts)
        *facts = local;
}

void eg_cmdline_analyze(eg_scan *s, const eg_object *obj, const char *cmd, size_t len,
                        const char *context)
{
    eg_cmdline_analyze_ex(s, obj, cmd, len, context, NULL);
}

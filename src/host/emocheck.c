/*
 * EmoCheck's published algorithms, reimplemented from their description: the v1 dictionary name
 * from the volume serial (with the pick() quirk), the v2 XOR decoding of the Explorer value, the
 * v4 name patterns, the v5 seven-day window and PathUnification; plus the command-line splitting
 * (CommandLineToArgvW rules) and %VAR% expansion the persistence rules need. Pure functions over
 * strings: no I/O, no snapshot walking (check.c does that).
 */
#include "host/host.h"

#include "core/buf.h"
#include "core/strutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 64 words, 356 characters, as EmoCheck v1 and Emotet (up to 2020-02-05) use them. */
static const char kw[] =
    "duck,mfidl,targets,ptr,khmer,purge,metrics,acc,inet,msra,symbol,driver,sidebar,restore,msg,"
    "volume,cards,shext,query,roam,etw,mexico,basic,url,createa,blb,pal,cors,send,devices,radio,"
    "bid,format,thrd,taskmgr,timeout,vmd,ctl,bta,shlp,avi,exce,dbt,pfx,rtp,edge,mult,clr,wmistr,"
    "ellipse,vol,cyan,ses,guid,wce,wmp,dvb,elem,channel,space,digital,pdeft,violet,thunk";

/* EmoCheck's pick(): scan back to index 1 for a comma, skip it, copy the word. With whole_words
 * the scan reaches index 0, so offsets inside the first word give "duck" instead of "uck". */
static size_t pick(size_t p, bool whole_words, char *out, size_t cap)
{
    size_t i = p, stop = whole_words ? 0 : 1;
    bool found = false;
    for (;;) {
        if (kw[i] == ',') {
            p = i;
            found = true;
            break;
        }
        if (i <= stop)
            break;
        i--;
    }
    if (!found && whole_words)
        p = 0;
    if (kw[p] == ',')
        p++;
    size_t n = 0;
    while (kw[p + n] && kw[p + n] != ',' && n + 1 < cap)
        out[n] = kw[p + n], n++;
    out[n] = 0;
    return n;
}

void eg_host_v1_name(uint32_t serial, bool whole_words, char out[64])
{
    const uint32_t L = (uint32_t)(sizeof kw - 1);
    uint32_t q = serial / L, p1 = serial % L;
    uint32_t p2 = (0xFFFFFFFFu - q) % L;
    size_t n = pick(p1, whole_words, out, 32);
    pick(p2, whole_words, out + n, 32);
}

size_t eg_host_v2_decode(uint32_t serial, const uint8_t *data, size_t len, char *out)
{
    uint8_t key[4] = {(uint8_t)serial, (uint8_t)(serial >> 8), (uint8_t)(serial >> 16),
                      (uint8_t)(serial >> 24)};
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i] ^ key[i % 4];
        if (b > 0x20 && b < 0x7E)
            out[n++] = (char)b;
    }
    out[n] = 0;
    return n;
}

void eg_host_serial_hex(uint32_t serial, char out[9])
{
    static const char hx[] = "0123456789abcdef";
    char tmp[8];
    int n = 0;
    do {
        tmp[n++] = hx[serial & 15];
        serial >>= 4;
    } while (serial);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

bool eg_host_parse_serial(const char *s, uint32_t *out)
{
    if (!s || !*s)
        return false;
    char hex[9];
    size_t n = 0;
    if (!strncasecmp(s, "d:", 2)) { /* decimal, as Win32_LogicalDisk may print it */
        char *end;
        unsigned long long v = strtoull(s + 2, &end, 10);
        if (end == s + 2 || *end || v > 0xFFFFFFFFull)
            return false;
        *out = (uint32_t)v;
        return true;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (; *s; s++) {
        if (*s == '-' || *s == ' ')
            continue;
        if (!isxdigit((unsigned char)*s) || n >= 8)
            return false;
        hex[n++] = *s;
    }
    if (!n)
        return false;
    hex[n] = 0;
    *out = (uint32_t)strtoul(hex, NULL, 16);
    return true;
}

char *eg_host_unify(const char *s)
{
    size_t n = strlen(s);
    char *r = malloc(n + 1), *w = r;
    if (!r)
        return NULL;
    bool space = false;
    for (; *s; s++) {
        char c = *s;
        if (c == '"')
            continue;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && w != r)
            *w++ = ' ';
        space = false;
        *w++ = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    *w = 0;
    return r;
}

static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool eg_host_letters(const char *s, size_t n, size_t min, size_t max)
{
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]))
            return false;
    return true;
}

bool eg_host_v4_dir_name(const char *s) { return eg_host_letters(s, strlen(s), 4, 16); }

bool eg_host_v4_file_name(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || strchr(dot + 1, '.'))
        return false;
    if (!eg_host_letters(s, (size_t)(dot - s), 3, 15) || !eg_host_letters(dot + 1, strlen(dot + 1), 3, 3))
        return false;
    /* EmoCheck excludes only lowercase .exe/.dll; Windows names are case-insensitive, so do we */
    return strcasecmp(dot + 1, "exe") && strcasecmp(dot + 1, "dll");
}

bool eg_host_v5_delta(uint64_t dir_mtime, uint64_t file_mtime)
{
    if (!dir_mtime || !file_mtime || dir_mtime < file_mtime)
        return false;
    uint64_t d = (dir_mtime - file_mtime) / 1000000u;
    return d >= 6047997u && d <= 6048002u;
}

/* ---- %VAR% expansion ---------------------------------------------------------------------- */

static const char *user_field(const eg_host_snapshot *s, int user, int which)
{
    if (user < 0 || (size_t)user >= s->nusers)
        return NULL;
    const eg_host_user *u = &s->users[user];
    return which ? u->local_appdata : u->profile;
}

static eg_status expand_var(const eg_host_snapshot *s, int user, const char *v, size_t n, eg_buf *b)
{
    const char *root = s->system_root ? s->system_root : "C:\\Windows";
    const char *prof = user_field(s, user, 0), *local = user_field(s, user, 1);
#define IS(x) (n == sizeof x - 1 && !strncasecmp(v, x, n))
    if (IS("SystemRoot") || IS("windir"))
        return eg_buf_puts(b, root);
    if (IS("SystemDrive"))
        return eg_buf_append(b, root, strlen(root) >= 2 ? 2 : strlen(root));
    if (IS("ProgramData") || IS("ALLUSERSPROFILE")) {
        eg_status st = eg_buf_append(b, root, strlen(root) >= 2 ? 2 : strlen(root));
        return st ? st : eg_buf_puts(b, "\\ProgramData");
    }
    if (IS("LOCALAPPDATA") && local)
        return eg_buf_puts(b, local);
    if ((IS("TEMP") || IS("TMP")) && local) {
        eg_status st = eg_buf_puts(b, local);
        return st ? st : eg_buf_puts(b, "\\Temp");
    }
    if (IS("USERPROFILE") && prof)
        return eg_buf_puts(b, prof);
    if (IS("APPDATA") && prof) {
        eg_status st = eg_buf_puts(b, prof);
        return st ? st : eg_buf_puts(b, "\\AppData\\Roaming");
    }
#undef IS
    /* unknown: keep it as written so the evidence still shows it */
    eg_status st = eg_buf_putc(b, '%');
    if (!st)
        st = eg_buf_append(b, v, n);
    return st ? st : eg_buf_putc(b, '%');
}

char *eg_host_expand(const eg_host_snapshot *s, int user, const char *in)
{
    eg_buf b;
    eg_buf_init(&b, 4 * EG_HOST_MAX_FIELD);
    eg_status st = EG_OK;
    for (const char *p = in; *p && !st;) {
        const char *e = p[0] == '%' ? strchr(p + 1, '%') : NULL;
        if (e && e > p + 1 && (size_t)(e - p) < 64) {
            st = expand_var(s, user, p + 1, (size_t)(e - p - 1), &b);
            p = e + 1;
        } else
            st = eg_buf_putc(&b, (uint8_t)*p++);
    }
    if (!st)
        st = eg_buf_putc(&b, 0); /* an empty input still yields a string */
    if (st) {
        eg_buf_free(&b);
        return NULL;
    }
    return eg_buf_steal(&b, NULL);
}

/* ---- command lines ------------------------------------------------------------------------ */

/* One argument by CommandLineToArgvW's rules (2n backslashes + quote -> n and toggle, 2n+1 ->
 * n and a literal quote); argv[0] is special: quoted up to the next quote, else up to space. */
static const char *next_arg(const char *p, bool first, eg_buf *out)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    if (first) {
        if (*p == '"') {
            const char *e = strchr(p + 1, '"');
            size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
            eg_buf_append(out, p + 1, n);
            return e ? e + 1 : p + 1 + n;
        }
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        eg_buf_append(out, p, (size_t)(e - p));
        return e;
    }
    bool inq = false;
    while (*p) {
        if (!inq && (*p == ' ' || *p == '\t'))
            break;
        if (*p == '\\') {
            size_t k = 0;
            while (p[k] == '\\')
                k++;
            if (p[k] == '"') {
                for (size_t i = 0; i < k / 2; i++)
                    eg_buf_putc(out, '\\');
                if (k % 2) {
                    eg_buf_putc(out, '"');
                    p += k + 1;
                } else
                    p += k;
                continue;
            }
            eg_buf_append(out, p, k);
            p += k;
            continue;
        }
        if (*p == '"') {
            if (inq && p[1] == '"') {
                eg_buf_putc(out, '"');
                p += 2;
                continue;
            }
            inq = !inq;
            p++;
            continue;
        }
        eg_buf_putc(out, (uint8_t)*p++);
    }
    return p;
}

static char *take(eg_buf *b)
{
    if (eg_buf_putc(b, 0)) { /* makes sure data exists even when empty */
        eg_buf_free(b);
        return NULL;
    }
    return eg_buf_steal(b, NULL);
}

static const char *base_name(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return b;
}

static void prog_of(const char *argv0, char out[16])
{
    const char *b = base_name(argv0);
    size_t n = strlen(b);
    if (n >= 4 && !strcasecmp(b + n - 4, ".exe"))
        n -= 4;
    out[0] = 0;
    if (n == 8 && !strncasecmp(b, "rundll32", 8))
        strcpy(out, "rundll32");
    else if (n == 8 && !strncasecmp(b, "regsvr32", 8))
        strcpy(out, "regsvr32");
}

static eg_status parse_rundll32(const char *rest, eg_host_launch *out)
{
    /* rundll32 reads "<dll>,<export> [args]": quotes removed, split at the first comma */
    char *u = malloc(strlen(rest) + 1), *w = u;
    if (!u)
        return EG_ENOMEM;
    for (const char *p = rest; *p; p++)
        if (*p != '"')
            *w++ = *p;
    *w = 0;
    char *s = u;
    while (*s == ' ' || *s == '\t')
        s++;
    char *comma = strchr(s, ',');
    char *exp = NULL;
    if (comma) {
        *comma = 0;
        exp = comma + 1;
        while (*exp == ' ')
            exp++;
    }
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    char *args = NULL;
    if (exp) {
        char *sp = strpbrk(exp, " \t");
        if (sp) {
            *sp = 0;
            args = sp + 1;
            while (*args == ' ' || *args == '\t')
                args++;
        }
        out->export_name = eg_strdup(exp);
    }
    /* shell32.dll,Control_RunDLL <file>: the file that runs is the argument */
    const char *b = base_name(s);
    if (exp && args && *args && (!strcasecmp(b, "shell32.dll") || !strcasecmp(b, "shell32")) &&
        eg_has_prefix_ci(exp, "Control_RunDLL"))
        s = args;
    out->target = *s ? eg_strdup(s) : NULL;
    bool oom = (exp && !out->export_name) || (*s && !out->target);
    free(u); /* s and exp point into u */
    return oom ? EG_ENOMEM : EG_OK;
}

eg_status eg_host_parse_launch(const eg_host_snapshot *s, int user, const char *cmd,
                               eg_host_launch *out)
{
    memset(out, 0, sizeof *out);
    char *x = eg_host_expand(s, user, cmd);
    if (!x)
        return EG_ENOMEM;
    eg_buf a;
    eg_buf_init(&a, EG_HOST_MAX_FIELD);
    const char *p = next_arg(x, true, &a);
    char *argv0 = p ? take(&a) : NULL;
    eg_status st = EG_OK;
    if (!p) {
        eg_buf_free(&a);
        free(x);
        return EG_OK;
    }
    if (!argv0) {
        free(x);
        return EG_ENOMEM;
    }
    prog_of(argv0, out->prog);
    if (!strcmp(out->prog, "rundll32")) {
        st = parse_rundll32(p, out);
    } else if (!strcmp(out->prog, "regsvr32")) {
        for (int guard = 0; guard < 64; guard++) {
            eg_buf_init(&a, EG_HOST_MAX_FIELD);
            p = next_arg(p, false, &a);
            if (!p) {
                eg_buf_free(&a);
                break;
            }
            char *arg = take(&a);
            if (!arg) {
                st = EG_ENOMEM;
                break;
            }
            if (arg[0] == '/' || arg[0] == '-') {
                if (!strcasecmp(arg + 1, "s"))
                    out->silent = true;
                free(arg);
                continue;
            }
            out->target = arg;
            break;
        }
    } else {
        out->target = argv0; /* a plain program: the file that runs is argv[0] */
        argv0 = NULL;
    }
    free(argv0);
    free(x);
    if (st)
        eg_host_launch_free(out);
    return st;
}

void eg_host_launch_free(eg_host_launch *l)
{
    free(l->target);
    free(l->export_name);
    l->target = l->export_name = NULL;
}

/*
 * The containment audit (see audit.h): which registry keys the loaders fetch, the policy export
 * of collect.ps1, and the evaluation of every control of audit_rules.def per user, per Office
 * version and per application, each with the value that decided it. Missing values take the
 * Windows / Office default, which is "not blocked" for every control here; a hive that was not
 * collected makes a control unknown, never closed.
 */
#include "host/audit.h"

#include "core/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- keys --------------------------------------------------------------------------------- */

#define OFFICE_KEYS(v)                                                                             \
    {EG_AK_HKCU, "Microsoft\\Office\\" v "\\Word\\Security", 0},                                   \
        {EG_AK_HKCU, "Microsoft\\Office\\" v "\\Excel\\Security", 0},                              \
        {EG_AK_HKCU, "Microsoft\\Office\\" v "\\PowerPoint\\Security", 0},                         \
        {EG_AK_HKCU, "Microsoft\\Office\\" v "\\OneNote\\Options", 0},                             \
    {                                                                                              \
        EG_AK_HKCU, "Microsoft\\Office\\" v "\\Common\\Security", 0                                \
    }

#define CLASS_KEYS(ext, prog)                                                                      \
    {EG_AK_HKLM, "Classes\\" ext, 0}, {EG_AK_HKLM, "Classes\\" prog "\\Shell", 2},                 \
        {EG_AK_HKCU, "Classes\\" ext, 0},                                                          \
    {                                                                                              \
        EG_AK_HKCU, "Classes\\" prog "\\Shell", 2                                                  \
    }

const eg_audit_key eg_audit_keys[] = {
    {EG_AK_HKLM, "Policies\\Microsoft\\Windows Defender", 4},
    {EG_AK_HKLM, "Microsoft\\Windows Defender\\Windows Defender Exploit Guard\\ASR", 1},
    {EG_AK_HKLM, "Policies\\Microsoft\\Windows\\SrpV2", 2},
    {EG_AK_HKLM, "Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers", 3},
    {EG_AK_HKLM, "Microsoft\\Windows Script Host\\Settings", 0},
    {EG_AK_HKLM, "Microsoft\\Windows\\CurrentVersion\\Policies\\Attachments", 0},
    CLASS_KEYS(".js", "JSFile"),
    CLASS_KEYS(".jse", "JSEFile"),
    CLASS_KEYS(".vbs", "VBSFile"),
    CLASS_KEYS(".vbe", "VBEFile"),
    CLASS_KEYS(".wsf", "WSFFile"),
    CLASS_KEYS(".hta", "htafile"),
    {EG_AK_HKCU, "Policies\\Microsoft\\Office", 4},
    OFFICE_KEYS("14.0"),
    OFFICE_KEYS("15.0"),
    OFFICE_KEYS("16.0"),
    {EG_AK_HKCU, "Microsoft\\Windows\\CurrentVersion\\Policies\\Attachments", 0},
    {EG_AK_HKCU, "Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced", 0},
    {EG_AK_HKCU, "Microsoft\\Windows Script Host\\Settings", 0},
    {EG_AK_SYSTEM, "Control\\Lsa", 0},
};
const size_t eg_audit_nkeys = sizeof eg_audit_keys / sizeof eg_audit_keys[0];

void eg_audit_store_path(eg_audit_hive h, const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s\\%s", h == EG_AK_SYSTEM ? "System\\CurrentControlSet" : "Software",
             path);
}

/* ---- policy export ------------------------------------------------------------------------ */

static eg_status add_export(eg_host_snapshot *s, const char *sub, const char *name, const char *v,
                            size_t len)
{
    return eg_host_add_reg(s, EG_HREG_POLICY, "EXPORT", sub, name, 1, (const uint8_t *)v, len, -1);
}

eg_status eg_audit_load_policy_txt(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                   size_t errlen)
{
    if (len > (1u << 20)) {
        snprintf(err, errlen, "policy.txt: file too large");
        return EG_ELIMIT;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3;
    size_t line = 0, n = 0;
    eg_status st = EG_OK;
    for (size_t off = 0; off < len && !st;) {
        const char *nl = memchr(data + off, '\n', len - off);
        size_t e = nl ? (size_t)(nl - data) : len;
        char buf[512];
        size_t l = e - off;
        line++;
        if (l >= sizeof buf) {
            snprintf(err, errlen, "policy.txt:%zu: line too long", line);
            return EG_EFORMAT;
        }
        memcpy(buf, data + off, l);
        buf[l] = 0;
        off = e + 1;
        while (l && (buf[l - 1] == '\r' || buf[l - 1] == ' '))
            buf[--l] = 0;
        if (!l || buf[0] == '#')
            continue;
        char *eq = strchr(buf, '=');
        if (!eq || eq == buf || memchr(buf, 0, l)) {
            snprintf(err, errlen, "policy.txt:%zu: not key=value", line);
            return EG_EFORMAT;
        }
        if (++n > 10000) {
            snprintf(err, errlen, "policy.txt: more than 10000 settings");
            return EG_ELIMIT;
        }
        *eq = 0;
        const char *k = buf, *v = eq + 1;
        if (!strncasecmp(k, "asr.", 4))
            st = add_export(s, "asr", k + 4, v, strlen(v));
        else
            st = add_export(s, "info", k, v, strlen(v));
    }
    if (!st)
        s->have_policy_export = true;
    return st;
}

eg_status eg_audit_load_applocker_xml(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                      size_t errlen)
{
    if (len > EG_HOST_MAX_VALUE) {
        snprintf(err, errlen, "applocker.xml: larger than %u bytes", EG_HOST_MAX_VALUE);
        return EG_ELIMIT;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3;
    eg_al_policy p;
    eg_al_init(&p);
    eg_status st = eg_al_parse(&p, data, len, -1); /* checked now so a broken file is an error */
    eg_al_free(&p);
    if (st) {
        snprintf(err, errlen, "applocker.xml: %s",
                 st == EG_EFORMAT ? "broken XML tag" : eg_status_str(st));
        return st;
    }
    /* kept as bytes (type 3): the XML may hold NULs or be long; parsed again by the audit */
    st = eg_host_add_reg(s, EG_HREG_POLICY, "EXPORT", "applocker", "xml", 3, (const uint8_t *)data,
                         len, -1);
    if (!st)
        s->have_policy_export = true;
    return st;
}

/* ---- lookups ------------------------------------------------------------------------------ */

/* A POLICY value of user (-1: machine, HKLM) or, with root, of the export. */
static const eg_host_regval *val(const eg_host_snapshot *s, int user, const char *root,
                                 const char *sub, const char *name)
{
    for (size_t i = 0; i < s->nregs; i++) {
        const eg_host_regval *r = &s->regs[i];
        if (r->kind != EG_HREG_POLICY || r->user != user)
            continue;
        if (root ? strcasecmp(r->root, root) : (user < 0 && strcasecmp(r->root, "HKLM")))
            continue;
        if (!strcasecmp(r->subkey, sub) && !strcasecmp(r->name, name))
            return r;
    }
    return NULL;
}

static bool num(const eg_host_regval *r, uint32_t *out)
{
    if (!r)
        return false;
    if (r->type == 4 && r->len >= 4) {
        *out = (uint32_t)r->data[0] | (uint32_t)r->data[1] << 8 | (uint32_t)r->data[2] << 16 |
               (uint32_t)r->data[3] << 24;
        return true;
    }
    if ((r->type == 1 || r->type == 2) && r->len) {
        char *e;
        unsigned long v = strtoul((const char *)r->data, &e, 0);
        if (e != (const char *)r->data && !*e && v <= 0xFFFFFFFFul) {
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static const char *text(const eg_host_regval *r)
{
    return r && (r->type == 1 || r->type == 2) ? (const char *)r->data : NULL;
}

/* "HKCU(alice)\...\name = 1" or "...\name not set" into a growing evidence line. */
static void ev(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ev(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 3 >= cap)
        return;
    if (n)
        buf[n++] = ';', buf[n++] = ' ', buf[n] = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static void ev_val(char *buf, size_t cap, const eg_host_regval *r, const char *label)
{
    uint32_t v;
    if (!r)
        ev(buf, cap, "%s not set", label);
    else if (num(r, &v))
        ev(buf, cap, "%s\\%s = %u", r->key, r->name, v);
    else if (text(r))
        ev(buf, cap, "%s\\%s = \"%s\"", r->key, r->name, text(r));
    else
        ev(buf, cap, "%s\\%s (type %u)", r->key, r->name, r->type);
}

/* ---- results ------------------------------------------------------------------------------ */

static eg_status item(eg_audit_result *r, eg_audit_ctl c, eg_audit_state st, int user,
                      const char *where, const char *evidence)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        if (nc > 100000)
            return EG_ELIMIT;
        eg_audit_item *x = realloc(r->items, nc * sizeof *x);
        if (!x)
            return EG_ENOMEM;
        r->items = x;
        r->cap = nc;
    }
    eg_audit_item *it = &r->items[r->n];
    it->ctl = c;
    it->state = st;
    it->user = user;
    it->where = where ? eg_strdup(where) : NULL;
    it->evidence = eg_strdup(evidence ? evidence : "");
    if ((where && !it->where) || !it->evidence) {
        free(it->where), free(it->evidence);
        return EG_ENOMEM;
    }
    r->n++;
    return EG_OK;
}

typedef struct {
    const eg_host_snapshot *s;
    eg_audit_result *r;
    eg_al_policy al;
    bool al_loaded;
} actx;

/* ---- ASR ---------------------------------------------------------------------------------- */

#define ASR_RULES "Windows Defender Exploit Guard\\ASR"

static eg_audit_state asr_value(uint32_t v)
{
    return v == 1 ? EG_AS_CLOSED : (v == 2 || v == 6) ? EG_AS_AUDIT : EG_AS_OPEN;
}

/* The rule's state from the export (Get-MpPreference, what Defender really uses), else the
 * Group Policy values, the MDM "Policy Manager" string, then the local (Set-MpPreference) ones. */
static eg_audit_state asr_state(const eg_host_snapshot *s, const char *guid, char *e, size_t cap)
{
    const eg_host_regval *mode = val(s, -1, "EXPORT", "info", "defender.mode");
    if (mode && text(mode) && strcasecmp(text(mode), "Normal")) {
        ev(e, cap,
           "policy export: Defender Antivirus runs in '%s' mode; ASR rules act only in Normal "
           "(active) mode",
           text(mode));
        return EG_AS_OPEN;
    }
    uint32_t v;
    const eg_host_regval *off =
        val(s, -1, NULL, "Software\\Policies\\Microsoft\\Windows Defender", "DisableAntiSpyware");
    if (num(off, &v) && v == 1) {
        ev_val(e, cap, off, "");
        return EG_AS_OPEN;
    }
    const eg_host_regval *x = val(s, -1, "EXPORT", "asr", guid);
    if (num(x, &v)) {
        ev(e, cap, "policy export (Get-MpPreference): %s = %u", guid, v);
        return asr_value(v);
    }
    const eg_host_regval *on =
        val(s, -1, NULL, "Software\\Policies\\Microsoft\\Windows Defender\\" ASR_RULES,
            "ExploitGuard_ASR_Rules");
    const eg_host_regval *g = val(
        s, -1, NULL, "Software\\Policies\\Microsoft\\Windows Defender\\" ASR_RULES "\\Rules", guid);
    if (g && num(g, &v)) {
        uint32_t o;
        if (num(on, &o) && o == 0) {
            ev_val(e, cap, on, "");
            return EG_AS_OPEN;
        }
        ev_val(e, cap, g, "");
        return asr_value(v);
    }
    const eg_host_regval *pm = val(
        s, -1, NULL, "Software\\Policies\\Microsoft\\Windows Defender\\Policy Manager", "ASRRules");
    const char *pt = text(pm);
    const char *hit = pt ? eg_memmem_ci(pt, strlen(pt), guid, strlen(guid)) : NULL;
    if (hit && hit[strlen(guid)] == '=') {
        v = (uint32_t)strtoul(hit + strlen(guid) + 1, NULL, 10);
        ev(e, cap, "%s\\ASRRules: %s=%u", pm->key, guid, v);
        return asr_value(v);
    }
    const eg_host_regval *l =
        val(s, -1, NULL, "Software\\Microsoft\\Windows Defender\\" ASR_RULES "\\Rules", guid);
    if (num(l, &v)) {
        ev_val(e, cap, l, "");
        return asr_value(v);
    }
    ev(e, cap, "ASR rule %s not configured (Windows default: off)", guid);
    return EG_AS_OPEN;
}

static eg_status asr_item(actx *c, eg_audit_ctl ctl, const char *guid)
{
    char e[2048] = "";
    if (!c->s->have_software && !c->s->have_policy_export)
        return item(c->r, ctl, EG_AS_UNKNOWN, -1, NULL, "SOFTWARE hive not collected");
    eg_audit_state st = asr_state(c->s, guid, e, sizeof e);
    return item(c->r, ctl, st, -1, NULL, e);
}

/* ---- Office ------------------------------------------------------------------------------- */

static const eg_host_regval *office(const eg_host_snapshot *s, int u, const char *ver,
                                    const char *app, const char *key, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "Software\\Policies\\Microsoft\\Office\\%s\\%s\\%s", ver, app, key);
    const eg_host_regval *r = val(s, u, NULL, p, name);
    if (r)
        return r;
    snprintf(p, sizeof p, "Software\\Microsoft\\Office\\%s\\%s\\%s", ver, app, key);
    return val(s, u, NULL, p, name);
}

static bool macros_blocked(const eg_host_snapshot *s, int u, const char *ver, const char *app,
                           char *e, size_t cap)
{
    const eg_host_regval *b =
        office(s, u, ver, app, "Security", "blockcontentexecutionfrominternet");
    const eg_host_regval *w = office(s, u, ver, app, "Security", "VBAWarnings");
    uint32_t bv = 0, wv = 2;
    bool hb = num(b, &bv), hw = num(w, &wv);
    ev_val(e, cap, hb ? b : NULL, "blockcontentexecutionfrominternet");
    ev_val(e, cap, hw ? w : NULL, "VBAWarnings");
    return wv == 4 || (bv == 1 && wv != 1);
}

static void find_versions(const eg_host_snapshot *s, eg_audit_result *r)
{
    static const char *const vers[] = {"16.0", "15.0", "14.0"};
    r->nversions = 0;
    for (int i = 0; i < 3; i++) {
        bool found = i == 0;
        char a[64], b[64];
        snprintf(a, sizeof a, "Software\\Policies\\Microsoft\\Office\\%s\\", vers[i]);
        snprintf(b, sizeof b, "Software\\Microsoft\\Office\\%s\\", vers[i]);
        for (size_t k = 0; k < s->nregs && !found; k++)
            found = s->regs[k].kind == EG_HREG_POLICY && (eg_has_prefix_ci(s->regs[k].subkey, a) ||
                                                          eg_has_prefix_ci(s->regs[k].subkey, b));
        if (found)
            snprintf(r->office_versions[r->nversions++], 8, "%s", vers[i]);
    }
}

static eg_status office_user(actx *c, int u)
{
    static const char *const apps[] = {"Word", "Excel", "PowerPoint"};
    eg_status st = EG_OK;
    for (int v = 0; v < c->r->nversions && !st; v++) {
        const char *ver = c->r->office_versions[v];
        bool excel_ok = false;
        for (int a = 0; a < 3 && !st; a++) {
            char e[2048] = "", where[64];
            bool ok = macros_blocked(c->s, u, ver, apps[a], e, sizeof e);
            if (a == 1)
                excel_ok = ok;
            snprintf(where, sizeof where, "Office %s %s", ver, apps[a]);
            st = item(c->r, EG_AC_OFFICE_MACROS, ok ? EG_AS_CLOSED : EG_AS_OPEN, u, where, e);
        }
        char e[2048] = "", where[64];
        uint32_t off = 0, follow = 0;
        const eg_host_regval *xo = office(c->s, u, ver, "Excel", "Security", "XL4MacroOff");
        const eg_host_regval *xf =
            office(c->s, u, ver, "Excel", "Security", "XL4MacroWarningFollowVBA");
        num(xo, &off), num(xf, &follow);
        ev_val(e, sizeof e, xo, "XL4MacroOff");
        ev_val(e, sizeof e, xf, "XL4MacroWarningFollowVBA");
        bool xl4 = off == 1 || (follow == 1 && excel_ok);
        if (follow == 1 && !excel_ok && off != 1)
            ev(e, sizeof e,
               "XLM follows the VBA setting, which does not block macros from the internet");
        snprintf(where, sizeof where, "Office %s Excel", ver);
        if (!st)
            st = item(c->r, EG_AC_OFFICE_XL4, xl4 ? EG_AS_CLOSED : EG_AS_OPEN, u, where, e);
        e[0] = 0;
        uint32_t d = 0;
        const eg_host_regval *one =
            office(c->s, u, ver, "OneNote", "Options", "DisableEmbeddedFiles");
        num(one, &d);
        ev_val(e, sizeof e, one, "OneNote\\Options\\DisableEmbeddedFiles");
        snprintf(where, sizeof where, "Office %s OneNote", ver);
        if (!st)
            st =
                item(c->r, EG_AC_ONENOTE_EMBEDDED, d == 1 ? EG_AS_CLOSED : EG_AS_OPEN, u, where, e);
        e[0] = 0;
        uint32_t scope = 1;
        const eg_host_regval *ms = office(c->s, u, ver, "Common", "Security", "macroruntimescope");
        bool have = num(ms, &scope);
        ev_val(e, sizeof e, have ? ms : NULL, "Common\\Security\\macroruntimescope (default: on)");
        snprintf(where, sizeof where, "Office %s", ver);
        if (!st)
            st = item(c->r, EG_AC_OFFICE_AMSI, scope == 0 ? EG_AS_OPEN : EG_AS_CLOSED, u, where, e);
    }
    return st;
}

#define ATTACH "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Attachments"

static eg_status motw_user(actx *c, int u)
{
    char e[1024] = "";
    uint32_t a = 0, b = 0;
    const eg_host_regval *ru = val(c->s, u, NULL, ATTACH, "SaveZoneInformation");
    const eg_host_regval *rm = val(c->s, -1, NULL, ATTACH, "SaveZoneInformation");
    num(ru, &a), num(rm, &b);
    ev_val(e, sizeof e, ru, "HKCU " ATTACH "\\SaveZoneInformation");
    if (rm)
        ev_val(e, sizeof e, rm, "");
    if (a != 1 && b != 1)
        ev(e, sizeof e, "zone information is kept (Windows default)");
    return item(c->r, EG_AC_MOTW, (a == 1 || b == 1) ? EG_AS_OPEN : EG_AS_CLOSED, u, NULL, e);
}

static eg_status showext_user(actx *c, int u)
{
    char e[1024] = "";
    uint32_t v = 1;
    const eg_host_regval *r =
        val(c->s, u, NULL, "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced",
            "HideFileExt");
    bool have = num(r, &v);
    ev_val(e, sizeof e, have ? r : NULL, "HideFileExt (Windows default: hidden)");
    return item(c->r, EG_AC_SHOW_EXT, v == 0 ? EG_AS_CLOSED : EG_AS_OPEN, u, NULL, e);
}

/* ---- script files ------------------------------------------------------------------------- */

static const struct {
    const char *ext, *prog;
    bool wsh;
} scripts[] = {{".js", "JSFile", true},   {".jse", "JSEFile", true}, {".vbs", "VBSFile", true},
               {".vbe", "VBEFile", true}, {".wsf", "WSFFile", true}, {".hta", "htafile", false}};

/* A class value: the user's Software\Classes first, then the machine's. */
static const eg_host_regval *cls(const eg_host_snapshot *s, int u, const char *sub,
                                 const char *name)
{
    char p[300];
    snprintf(p, sizeof p, "Software\\Classes\\%s", sub);
    const eg_host_regval *r = u >= 0 ? val(s, u, NULL, p, name) : NULL;
    return r ? r : val(s, -1, NULL, p, name);
}

static bool opens_in_editor(const eg_host_snapshot *s, int u, int i, char *e, size_t cap)
{
    const char *prog = text(cls(s, u, scripts[i].ext, ""));
    if (!prog || !*prog || strlen(prog) > 200)
        prog = scripts[i].prog;
    char sub[300];
    snprintf(sub, sizeof sub, "%s\\Shell", prog);
    const char *verb = text(cls(s, u, sub, ""));
    if (verb && !strcasecmp(verb, "Edit")) {
        ev(e, cap, "%s opens with the Edit verb", scripts[i].ext);
        return true;
    }
    snprintf(sub, sizeof sub, "%s\\Shell\\%s\\Command", prog,
             verb && *verb && strlen(verb) < 64 ? verb : "Open");
    const eg_host_regval *cmd = cls(s, u, sub, "");
    const char *t = text(cmd);
    if (t && eg_memmem_ci(t, strlen(t), "notepad", 7)) {
        ev(e, cap, "%s -> %s\\(default) = \"%s\"", scripts[i].ext, cmd->key, t);
        return true;
    }
    return false;
}

#define WSH "Software\\Microsoft\\Windows Script Host\\Settings"

static eg_status scripts_user(actx *c, int u)
{
    char e[2048] = "";
    uint32_t v;
    const eg_host_regval *hu = u >= 0 ? val(c->s, u, NULL, WSH, "Enabled") : NULL;
    const eg_host_regval *hm = val(c->s, -1, NULL, WSH, "Enabled");
    bool wsh_off;
    if (num(hu, &v)) { /* the user's own setting is read first by Windows Script Host */
        wsh_off = v == 0;
        ev_val(e, sizeof e, hu, "");
    } else {
        wsh_off = num(hm, &v) && v == 0;
        ev_val(e, sizeof e, hm, "HKLM " WSH "\\Enabled (default: enabled)");
    }
    bool all = true;
    char open[128] = "";
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        bool ok = (scripts[i].wsh && wsh_off) || opens_in_editor(c->s, u, (int)i, e, sizeof e);
        if (!ok) {
            all = false;
            size_t n = strlen(open);
            snprintf(open + n, sizeof open - n, "%s%s", n ? " " : "", scripts[i].ext);
        }
    }
    if (!all)
        ev(e, sizeof e, "runs when opened: %s", open);
    return item(c->r, EG_AC_SCRIPT_FILES, all ? EG_AS_CLOSED : EG_AS_OPEN, u, NULL, e);
}

/* ---- AppLocker / SRP ---------------------------------------------------------------------- */

#define SRPV2 "Software\\Policies\\Microsoft\\Windows\\SrpV2"
#define SAFER "Software\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers"

static const char *const coll_names[] = {"Exe", "Dll", "Script", "Msi"};

/* The effective AppLocker policy: the export when collected, else the SrpV2 registry values. */
static eg_status load_applocker(actx *c)
{
    if (c->al_loaded)
        return EG_OK;
    c->al_loaded = true;
    const eg_host_snapshot *s = c->s;
    const eg_host_regval *x = val(s, -1, "EXPORT", "applocker", "xml");
    if (x)
        return eg_al_parse(&c->al, (const char *)x->data, x->len, -1);
    for (int k = 0; k < EG_AL__N; k++) {
        char key[128];
        snprintf(key, sizeof key, SRPV2 "\\%s", coll_names[k]);
        size_t kl = strlen(key);
        uint32_t m;
        if (num(val(s, -1, NULL, key, "EnforcementMode"), &m)) {
            c->al.mode_set[k] = true;
            c->al.mode[k] = m == 1 ? EG_ALM_ENFORCE : EG_ALM_AUDIT;
        }
        for (size_t i = 0; i < s->nregs; i++) {
            const eg_host_regval *r = &s->regs[i];
            if (r->kind != EG_HREG_POLICY || r->user != -1 || strcasecmp(r->name, "Value") ||
                strncasecmp(r->subkey, key, kl) || r->subkey[kl] != '\\' || !text(r))
                continue;
            eg_status st = eg_al_parse(&c->al, text(r), r->len, k);
            if (st == EG_EFORMAT)
                continue; /* one broken rule: the others still count; the report says so below */
            if (st)
                return st;
        }
    }
    return EG_OK;
}

/* SRP: the most specific matching path rule decides (disallowed wins a tie), else DefaultLevel. */
static bool srp_blocks(const eg_host_snapshot *s, int u, bool dll, const char *path, char *e,
                       size_t cap)
{
    uint32_t te = 0, def = 0x40000;
    if (!num(val(s, -1, NULL, SAFER, "TransparentEnabled"), &te) || te == 0 || (dll && te != 2))
        return false;
    num(val(s, -1, NULL, SAFER, "DefaultLevel"), &def);
    size_t best = 0;
    int best_level = -1;
    static const char *const levels[] = {"0", "262144"};
    for (int l = 0; l < 2; l++) {
        char pre[256];
        snprintf(pre, sizeof pre, SAFER "\\%s\\Paths\\", levels[l]);
        for (size_t i = 0; i < s->nregs; i++) {
            const eg_host_regval *r = &s->regs[i];
            if (r->kind != EG_HREG_POLICY || r->user != -1 || strcasecmp(r->name, "ItemData") ||
                !eg_has_prefix_ci(r->subkey, pre) || !text(r))
                continue;
            if (!eg_al_path_match(s, u, text(r), path))
                continue;
            size_t spec = 0;
            for (const char *p = text(r); *p; p++)
                spec += *p != '*' && *p != '?';
            if (spec > best || (spec == best && l == 0)) {
                best = spec;
                best_level = l == 0 ? 0 : 0x40000;
            }
        }
    }
    uint32_t level = best_level >= 0 ? (uint32_t)best_level : def;
    if (level == 0)
        ev(e, cap, "Software Restriction Policy disallows %s (%s)", path,
           best_level >= 0 ? "path rule" : "DefaultLevel = 0");
    return level == 0;
}

/* AppIDSvc must start for AppLocker to act: its Start value, or the export's service state. */
static eg_audit_state appid_state(const eg_host_snapshot *s, char *e, size_t cap)
{
    const eg_host_regval *x = val(s, -1, "EXPORT", "info", "appidsvc");
    if (x && text(x)) {
        ev(e, cap, "policy export: AppIDSvc %s", text(x));
        return !strcasecmp(text(x), "Running") ? EG_AS_CLOSED : EG_AS_OPEN;
    }
    if (!s->have_services) {
        ev(e, cap, "services not collected (SYSTEM hive)");
        return EG_AS_UNKNOWN;
    }
    for (size_t i = 0; i < s->nsvcs; i++)
        if (!strcasecmp(s->svcs[i].name, "AppIDSvc")) {
            ev(e, cap, "service AppIDSvc Start = %u", s->svcs[i].start);
            return s->svcs[i].start == 2 ? EG_AS_CLOSED : EG_AS_OPEN;
        }
    ev(e, cap, "service AppIDSvc not found");
    return EG_AS_OPEN;
}

static eg_status user_dirs(actx *c, int u, eg_al_coll coll, eg_audit_ctl ctl)
{
    const eg_host_snapshot *s = c->s;
    char prof[400];
    const eg_host_user *us = u >= 0 ? &s->users[u] : NULL;
    if (us && us->profile)
        snprintf(prof, sizeof prof, "%s", us->profile);
    else
        snprintf(prof, sizeof prof, "%.2s\\Users\\%s",
                 s->system_root ? s->system_root : "C:", us ? us->name : "user");
    const char *ext = coll == EG_AL_DLL ? "dll" : "exe";
    char paths[4][512];
    snprintf(paths[0], sizeof paths[0], "%s\\AppData\\Local\\Vqkwyfejbj\\dkrtkhv.%s", prof, ext);
    snprintf(paths[1], sizeof paths[1], "%s\\AppData\\Roaming\\Vqkwyfejbj\\dkrtkhv.%s", prof, ext);
    snprintf(paths[2], sizeof paths[2], "%s\\AppData\\Local\\Temp\\dkrtkhv.%s", prof, ext);
    snprintf(paths[3], sizeof paths[3], "%s\\Downloads\\dkrtkhv.%s", prof, ext);
    eg_audit_state worst = EG_AS_CLOSED;
    char e[2048] = "";
    char appid[256] = "";
    eg_audit_state app = appid_state(s, appid, sizeof appid);
    for (int i = 0; i < 4; i++) {
        eg_audit_state st = EG_AS_OPEN;
        char pe[2048] = "";
        if (srp_blocks(s, u, coll == EG_AL_DLL, paths[i], pe, sizeof pe))
            st = EG_AS_CLOSED;
        else if (eg_al_blocks(s, u, &c->al, coll, paths[i])) {
            eg_al_mode m = c->al.mode_set[coll] ? c->al.mode[coll] : EG_ALM_ENFORCE;
            if (m == EG_ALM_AUDIT) {
                st = EG_AS_AUDIT;
                snprintf(pe, sizeof pe, "AppLocker %s rules would deny %s (audit only)",
                         coll_names[coll], paths[i]);
            } else if (app != EG_AS_CLOSED) {
                st = app;
                snprintf(pe, sizeof pe, "AppLocker %s rules deny %s, but %s", coll_names[coll],
                         paths[i], appid);
            } else {
                st = EG_AS_CLOSED;
                snprintf(pe, sizeof pe, "AppLocker %s rules deny %s", coll_names[coll], paths[i]);
            }
        } else
            snprintf(
                pe, sizeof pe,
                "%s is allowed (no AppLocker %s rule or Software Restriction Policy denies it)",
                paths[i], coll_names[coll]);
        if (i == 0 || st > worst) {
            worst = st;
            memcpy(e, pe, sizeof pe);
        }
    }
    return item(c->r, ctl, worst, u, coll == EG_AL_DLL ? "DLL" : "EXE", e);
}

/* ---- LSASS -------------------------------------------------------------------------------- */

static eg_status lsass(actx *c)
{
    char e[1024] = "";
    eg_audit_state st = asr_state(c->s, "9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2", e, sizeof e);
    if (st != EG_AS_CLOSED) {
        uint32_t v = 0;
        const eg_host_regval *p =
            val(c->s, -1, NULL, "System\\CurrentControlSet\\Control\\Lsa", "RunAsPPL");
        if (num(p, &v) && (v == 1 || v == 2)) {
            e[0] = 0;
            ev_val(e, sizeof e, p, "");
            st = EG_AS_CLOSED;
        } else if (!c->s->have_system && st == EG_AS_OPEN) {
            ev(e, sizeof e, "RunAsPPL unknown (SYSTEM hive not collected)");
            st = EG_AS_UNKNOWN;
        } else
            ev_val(e, sizeof e, p, "Control\\Lsa\\RunAsPPL");
    }
    if (!c->s->have_software && !c->s->have_policy_export && st != EG_AS_CLOSED)
        st = EG_AS_UNKNOWN;
    return item(c->r, EG_AC_LSASS, st, -1, NULL, e);
}

/* ---- driver ------------------------------------------------------------------------------- */

static eg_status machine_or_unknown(actx *c, eg_audit_ctl ctl, eg_status (*fn)(actx *, int))
{
    return c->s->have_software
               ? fn(c, -1)
               : item(c->r, ctl, EG_AS_UNKNOWN, -1, NULL, "SOFTWARE hive not collected");
}

eg_status eg_audit_run(const eg_host_snapshot *s, eg_audit_result **out)
{
    *out = NULL;
    eg_audit_result *r = calloc(1, sizeof *r);
    if (!r)
        return EG_ENOMEM;
    actx c = {s, r, {0}, false};
    eg_al_init(&c.al);
    find_versions(s, r);
    eg_status st = EG_OK;
    bool any_user = false;
    for (size_t u = 0; u < s->nusers && !st; u++) {
        if (!s->users[u].have_hive)
            continue;
        any_user = true;
        st = office_user(&c, (int)u);
        if (!st)
            st = motw_user(&c, (int)u);
        if (!st)
            st = showext_user(&c, (int)u);
        if (!st)
            st = s->have_software ? scripts_user(&c, (int)u)
                                  : item(r, EG_AC_SCRIPT_FILES, EG_AS_UNKNOWN, (int)u, NULL,
                                         "SOFTWARE hive not collected");
    }
    if (!any_user && !st) {
        static const eg_audit_ctl per_user[] = {EG_AC_OFFICE_MACROS,    EG_AC_OFFICE_XL4,
                                                EG_AC_ONENOTE_EMBEDDED, EG_AC_MOTW,
                                                EG_AC_OFFICE_AMSI,      EG_AC_SHOW_EXT};
        for (size_t i = 0; i < sizeof per_user / sizeof per_user[0] && !st; i++)
            st = item(r, per_user[i], EG_AS_UNKNOWN, -1, NULL,
                      "no user registry (NTUSER.DAT) collected");
        if (!st)
            st = machine_or_unknown(&c, EG_AC_SCRIPT_FILES, scripts_user);
    }
    static const struct {
        eg_audit_ctl c;
        const char *guid;
    } asr[] = {
        {EG_AC_ASR_WIN32API, "92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b"},
        {EG_AC_ASR_OFFICE_CHILD, "d4f940ab-401b-4efc-aadc-ad5f3c50688a"},
        {EG_AC_ASR_OBFUSCATED, "5beb7efe-fd9a-4556-801d-275e5ffc04cc"},
        {EG_AC_ASR_SCRIPT_DOWNLOAD, "d3e037e1-3eb8-44c8-a917-57927947596d"},
        {EG_AC_ASR_MAIL_EXEC, "be9ba2d9-53ea-4cdc-84e5-9b1eeee46550"},
        {EG_AC_ASR_OFFICE_EXEC, "3b576869-a4ec-4529-8536-b80a7769e899"},
        {EG_AC_ASR_OFFICE_INJECT, "75668c1f-73b5-4cf0-bb93-3ecf5cb7cc84"},
    };
    for (size_t i = 0; i < sizeof asr / sizeof asr[0] && !st; i++)
        st = asr_item(&c, asr[i].c, asr[i].guid);
    if (!st)
        st = load_applocker(&c);
    for (size_t u = 0; !st && u < (any_user ? s->nusers : 1); u++) {
        int ui = any_user ? (int)u : -1;
        if (ui >= 0 && !s->users[u].have_hive)
            continue;
        if (!s->have_software && !s->have_policy_export) {
            st = item(r, EG_AC_DLL_USER_DIRS, EG_AS_UNKNOWN, ui, "DLL",
                      "SOFTWARE hive not collected");
            if (!st)
                st = item(r, EG_AC_EXE_USER_DIRS, EG_AS_UNKNOWN, ui, "EXE",
                          "SOFTWARE hive not collected");
        } else {
            st = user_dirs(&c, ui, EG_AL_DLL, EG_AC_DLL_USER_DIRS);
            if (!st)
                st = user_dirs(&c, ui, EG_AL_EXE, EG_AC_EXE_USER_DIRS);
        }
    }
    if (!st) {
        char e[512] = "";
        eg_audit_state a = appid_state(s, e, sizeof e);
        st = item(r, EG_AC_APPIDSVC, a, -1, NULL, e);
    }
    if (!st)
        st = lsass(&c);
    eg_al_free(&c.al);
    if (st) {
        eg_audit_free(r);
        return st;
    }
    for (int k = 0; k < EG_AC__COUNT; k++)
        r->ctl_state[k] = EG_AS_CLOSED;
    for (int g = 0; g < EG_AUDIT_STAGES; g++)
        r->stage[g] = EG_AS_CLOSED;
    for (size_t i = 0; i < r->n; i++) {
        eg_audit_item *it = &r->items[i];
        if (it->state > r->ctl_state[it->ctl])
            r->ctl_state[it->ctl] = it->state;
        const eg_audit_ctl_info *ci = eg_audit_ctl_get(it->ctl);
        if (ci->required && it->state > r->stage[ci->stage - 1])
            r->stage[ci->stage - 1] = it->state;
    }
    *out = r;
    return EG_OK;
}

void eg_audit_free(eg_audit_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].where), free(r->items[i].evidence);
    free(r->items);
    free(r);
}

int eg_audit_exit_code(const eg_audit_result *r)
{
    for (int g = 0; g < EG_AUDIT_STAGES; g++)
        if (r->stage[g] != EG_AS_CLOSED)
            return 4;
    return 0;
}

static const eg_audit_ctl_info ctl_table[] = {
#define EG_AUDIT_CTL(sym, id, stage, required, ja, en) {id, stage, required, ja, en},
#include "host/audit_rules.def"
#undef EG_AUDIT_CTL
};

const eg_audit_ctl_info *eg_audit_ctl_get(eg_audit_ctl c)
{
    return &ctl_table[(unsigned)c < EG_AC__COUNT ? c : 0];
}

const char *eg_audit_state_name(eg_audit_state st)
{
    switch (st) {
    case EG_AS_CLOSED: return "closed";
    case EG_AS_AUDIT: return "audit";
    case EG_AS_UNKNOWN: return "unknown";
    default: return "open";
    }
}

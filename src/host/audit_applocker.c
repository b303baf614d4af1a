/*
 * AppLocker rules as the audit needs them: a small tag scanner over AppLocker XML (a whole
 * policy from Get-AppLockerPolicy -Xml, or one rule as Group Policy stores it in a SrpV2 value)
 * that keeps, per rule, the collection, allow/deny, who it applies to and its path conditions
 * and exceptions; and the path matching AppLocker does (its %OSDRIVE%-style variables, '*' and
 * '?', case-insensitive). It is not a general XML parser: no DTDs, no entities beyond the five
 * predefined ones, no namespaces; one linear pass, no recursion, bounded rule and path counts.
 */
#include "host/audit.h"

#include "core/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PATTERN 1024u

void eg_al_init(eg_al_policy *p)
{
    memset(p, 0, sizeof *p);
}

void eg_al_free(eg_al_policy *p)
{
    for (size_t i = 0; i < p->n; i++)
        for (unsigned j = 0; j < (unsigned)p->rules[i].npaths + p->rules[i].nexc; j++)
            free(p->rules[i].paths[j]);
    free(p->rules);
    memset(p, 0, sizeof *p);
}

/* The value of attribute name inside one tag [t, e), unescaped into out; false if absent. */
static bool attr(const char *t, const char *e, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = t; p + nl + 2 <= e; p++) {
        if (strncasecmp(p, name, nl) ||
            (p > t && p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r'))
            continue;
        const char *q = p + nl;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (q >= e || *q != '=')
            continue;
        q++;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (q >= e || (*q != '"' && *q != '\''))
            continue;
        char quote = *q++;
        size_t n = 0;
        while (q < e && *q != quote) {
            char c = *q++;
            if (c == '&') {
                static const struct {
                    const char *ent;
                    char c;
                } ents[] = {
                    {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
                for (size_t k = 0; k < 5; k++) {
                    size_t el = strlen(ents[k].ent);
                    if ((size_t)(e - q) >= el && !memcmp(q, ents[k].ent, el)) {
                        c = ents[k].c;
                        q += el;
                        break;
                    }
                }
            }
            if (n + 1 < cap)
                out[n++] = c;
        }
        out[n] = 0;
        return true;
    }
    return false;
}

static bool name_is(const char *t, const char *e, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(e - t) >= n && !strncasecmp(t, name, n) &&
           ((size_t)(e - t) == n || t[n] == ' ' || t[n] == '/' || t[n] == '\t' || t[n] == '\r' ||
            t[n] == '\n' || t[n] == '>');
}

static int coll_of(const char *v)
{
    static const char *const names[] = {"Exe", "Dll", "Script", "Msi"};
    for (int i = 0; i < EG_AL__N; i++)
        if (!strcasecmp(v, names[i]))
            return i;
    return -1;
}

static bool standard_sid(const char *sid)
{
    /* Everyone, Users, Authenticated Users, Interactive */
    return !strcasecmp(sid, "S-1-1-0") || !strcasecmp(sid, "S-1-5-32-545") ||
           !strcasecmp(sid, "S-1-5-11") || !strcasecmp(sid, "S-1-5-4");
}

static eg_status add_path(eg_al_rule *r, const char *path, bool exception)
{
    if ((unsigned)r->npaths + r->nexc >= EG_AL_MAX_PATHS)
        return EG_OK; /* further paths ignored: a deny rule only loses strength, see below */
    if (!exception && r->nexc) /* conditions come before exceptions in AppLocker's schema */
        return EG_OK;
    char *c = eg_strdup(path);
    if (!c)
        return EG_ENOMEM;
    r->paths[r->npaths + r->nexc] = c;
    if (exception)
        r->nexc++;
    else
        r->npaths++;
    return EG_OK;
}

eg_status eg_al_parse(eg_al_policy *p, const char *xml, size_t len, int coll)
{
    if (len > EG_HOST_MAX_VALUE)
        return EG_ELIMIT;
    const char *x = xml, *end = xml + len;
    int cur_coll = coll;
    eg_al_rule *rule = NULL; /* the rule being read */
    bool in_exc = false;
    while (x < end) {
        const char *lt = memchr(x, '<', (size_t)(end - x));
        if (!lt)
            break;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return EG_EFORMAT;
        const char *t = lt + 1, *e = gt;
        x = gt + 1;
        if (t < e && (*t == '?' || *t == '!'))
            continue; /* declaration or comment (a '>' inside a comment ends it early: harmless) */
        bool closing = t < e && *t == '/';
        if (closing)
            t++;
        bool selfclose = e > t && e[-1] == '/';
        char v[MAX_PATTERN];
        if (name_is(t, e, "RuleCollection")) {
            if (closing) {
                cur_coll = coll;
                continue;
            }
            cur_coll = attr(t, e, "Type", v, sizeof v) ? coll_of(v) : -1;
            if (cur_coll >= 0 && attr(t, e, "EnforcementMode", v, sizeof v)) {
                p->mode_set[cur_coll] = true;
                p->mode[cur_coll] = !strcasecmp(v, "Enabled")     ? EG_ALM_ENFORCE
                                    : !strcasecmp(v, "AuditOnly") ? EG_ALM_AUDIT
                                                                  : EG_ALM_NONE;
                /* NotConfigured with rules present is enforced (AppLocker's documented default) */
                if (!strcasecmp(v, "NotConfigured"))
                    p->mode_set[cur_coll] = false;
            }
            if (selfclose)
                cur_coll = coll;
            continue;
        }
        bool is_rule = name_is(t, e, "FilePathRule") || name_is(t, e, "FilePublisherRule") ||
                       name_is(t, e, "FileHashRule");
        if (is_rule) {
            if (closing) {
                rule = NULL;
                in_exc = false;
                continue;
            }
            if (cur_coll < 0) {
                rule = NULL;
                continue;
            }
            if (p->n >= EG_AL_MAX_RULES) {
                p->truncated++;
                rule = NULL;
                continue;
            }
            if (p->n == p->cap) {
                size_t nc = p->cap ? p->cap * 2 : 16;
                eg_al_rule *r = realloc(p->rules, nc * sizeof *r);
                if (!r)
                    return EG_ENOMEM;
                p->rules = r;
                p->cap = nc;
            }
            rule = &p->rules[p->n++];
            memset(rule, 0, sizeof *rule);
            rule->coll = (eg_al_coll)cur_coll;
            rule->path_rule = name_is(t, e, "FilePathRule");
            rule->deny = attr(t, e, "Action", v, sizeof v) && !strcasecmp(v, "Deny");
            if (attr(t, e, "UserOrGroupSid", v, sizeof v)) {
                rule->standard_user = standard_sid(v);
                rule->admin_only = !strcasecmp(v, "S-1-5-32-544");
            }
            in_exc = false;
            if (selfclose)
                rule = NULL;
            continue;
        }
        if (name_is(t, e, "Exceptions")) {
            in_exc = !closing && !selfclose;
            continue;
        }
        if (rule && !closing && name_is(t, e, "FilePathCondition") &&
            attr(t, e, "Path", v, sizeof v)) {
            eg_status st = add_path(rule, v, in_exc);
            if (st)
                return st;
        }
    }
    return EG_OK;
}

/* AppLocker's own path variables; NULL when the variable is not one of them. */
static const char *al_var(const eg_host_snapshot *s, const char *name, size_t n, char *buf,
                          size_t cap)
{
    const char *sr = s && s->system_root ? s->system_root : "C:\\Windows";
    if (n == 7 && !strncasecmp(name, "OSDRIVE", 7)) {
        snprintf(buf, cap, "%.2s", sr);
        return buf;
    }
    if (n == 6 && !strncasecmp(name, "WINDIR", 6))
        return sr;
    if (n == 8 && !strncasecmp(name, "SYSTEM32", 8)) {
        snprintf(buf, cap, "%s\\System32", sr);
        return buf;
    }
    if (n == 12 && !strncasecmp(name, "PROGRAMFILES", 12)) {
        snprintf(buf, cap, "%.2s\\Program Files", sr);
        return buf;
    }
    if ((n == 9 && !strncasecmp(name, "REMOVABLE", 9)) || (n == 3 && !strncasecmp(name, "HOT", 3)))
        return "\x01"; /* removable media: never a path on the system drive */
    return NULL;
}

/* The pattern with variables replaced; false when it cannot match a fixed-disk path. */
static bool expand_pattern(const eg_host_snapshot *s, int user, const char *pat, char *out,
                           size_t cap)
{
    char *env = s ? eg_host_expand(s, user, pat) : NULL; /* %LOCALAPPDATA% etc. first */
    const char *p = env ? env : pat;
    size_t n = 0;
    bool ok = true;
    while (*p && ok) {
        if (*p == '%') {
            const char *q = strchr(p + 1, '%');
            char buf[MAX_PATTERN];
            const char *v = q ? al_var(s, p + 1, (size_t)(q - p - 1), buf, sizeof buf) : NULL;
            if (v) {
                if (*v == '\x01')
                    ok = false;
                size_t vl = strlen(v);
                if (n + vl >= cap)
                    ok = false;
                else
                    memcpy(out + n, v, vl), n += vl;
                p = q + 1;
                continue;
            }
        }
        if (n + 1 >= cap)
            ok = false;
        else
            out[n++] = *p;
        p++;
    }
    out[n] = 0;
    free(env);
    return ok;
}

static char low(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Iterative wildcard match ('*' any run, '?' one character), ASCII case-insensitive. */
static bool glob(const char *pat, const char *str)
{
    const char *star = NULL, *mark = NULL;
    while (*str) {
        if (*pat == '*') {
            star = pat++;
            mark = str;
        } else if (*pat == '?' || (*pat && low(*pat) == low(*str))) {
            pat++, str++;
        } else if (star) {
            pat = star + 1;
            str = ++mark;
        } else
            return false;
    }
    while (*pat == '*')
        pat++;
    return !*pat;
}

bool eg_al_path_match(const eg_host_snapshot *s, int user, const char *pattern, const char *path)
{
    char pat[MAX_PATTERN + 4];
    if (!pattern || !path || !expand_pattern(s, user, pattern, pat, MAX_PATTERN))
        return false;
    size_t n = strlen(pat);
    if (!n)
        return false;
    if (pat[n - 1] == '\\') /* "C:\Dir\" is the folder and everything in it */
        pat[n++] = '*', pat[n] = 0;
    if (!strchr(pat, '*')) {
        /* a file, or a folder meaning everything below it */
        size_t pl = strlen(path);
        if (pl == n)
            return glob(pat, path);
        if (pl > n && path[n] == '\\') {
            char head[MAX_PATTERN + 4];
            memcpy(head, path, n);
            head[n] = 0;
            return glob(pat, head);
        }
        return false;
    }
    return glob(pat, path);
}

static bool rule_matches(const eg_host_snapshot *s, int user, const eg_al_rule *r, const char *path)
{
    if (!r->path_rule) /* publisher and hash conditions never match an unknown unsigned file */
        return false;
    bool hit = false;
    for (unsigned i = 0; i < r->npaths && !hit; i++)
        hit = eg_al_path_match(s, user, r->paths[i], path);
    for (unsigned i = 0; i < r->nexc && hit; i++)
        if (eg_al_path_match(s, user, r->paths[r->npaths + i], path))
            hit = false;
    return hit;
}

bool eg_al_blocks(const eg_host_snapshot *s, int user, const eg_al_policy *p, eg_al_coll c,
                  const char *path)
{
    size_t nrules = 0;
    for (size_t i = 0; i < p->n; i++) {
        const eg_al_rule *r = &p->rules[i];
        if (r->coll != c)
            continue;
        nrules++;
        if (r->deny && r->standard_user && rule_matches(s, user, r, path))
            return true; /* an explicit deny beats every allow */
    }
    if (!nrules) /* a collection without rules allows everything */
        return false;
    for (size_t i = 0; i < p->n; i++) {
        const eg_al_rule *r = &p->rules[i];
        /* allow rules for other groups may include the user: counted as allowing */
        if (r->coll == c && !r->deny && !r->admin_only && rule_matches(s, user, r, path))
            return false;
    }
    return true; /* rules exist and none allows it: implicitly denied */
}

/*
 * YARA rule sets (see yrules.h). Compilation reports every error with its file and line, and a
 * set with any error is refused whole: a rule file half compiled would silently scan with the
 * rules that happened to come before the typo. Concurrent scans are gated at YR_MAX_THREADS,
 * the most libyara allows on one YR_RULES; further threads wait instead of failing. An include
 * statement may only name a file inside the rules folder (resolved, symbolic links and ..
 * followed): libyara's own include reader opens any path the process can read.
 */
#include "intel/yrules.h"

#include "core/strutil.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#define MAX_RULE_FILES 4096
#define MAX_RULE_FILE_BYTES (64u << 20)
#define MAX_DIR_DEPTH 4
#define MAX_INCLUDES 256 /* include statements followed in one load */

struct eg_yrules {
    YR_RULES *rules;
    size_t count;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int active;
};

static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;
static int lib_refs;

eg_status eg_yara_acquire(void)
{
    eg_status st = EG_OK;
    pthread_mutex_lock(&lib_mu);
    if (lib_refs == 0 && yr_initialize() != ERROR_SUCCESS)
        st = EG_EINTERNAL;
    else
        lib_refs++;
    pthread_mutex_unlock(&lib_mu);
    return st;
}

void eg_yara_release(void)
{
    pthread_mutex_lock(&lib_mu);
    if (lib_refs > 0 && --lib_refs == 0)
        yr_finalize();
    pthread_mutex_unlock(&lib_mu);
}

/* ---- loading --------------------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n, cap;
} strvec;

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static bool strvec_push(strvec *s, char *p)
{
    if (!p)
        return false;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        char **nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) {
            free(p);
            return false;
        }
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = p;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool rule_ext(const char *name)
{
    return eg_has_suffix_ci(name, ".yar") || eg_has_suffix_ci(name, ".yara");
}

/* Rule files under dir (sorted per directory, so the order never depends on the file system). */
static eg_status collect(const char *dir, int depth, strvec *out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open directory", dir);
        return EG_EIO;
    }
    strvec here = {0}, subdirs = {0};
    struct dirent *e;
    eg_status st = EG_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            st = EG_ENOMEM;
            break;
        }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0) {
            free(p);
            continue;
        }
        bool ok = true;
        if (S_ISDIR(sb.st_mode) && depth < MAX_DIR_DEPTH)
            ok = strvec_push(&subdirs, p);
        else if (S_ISREG(sb.st_mode) && rule_ext(e->d_name))
            ok = strvec_push(&here, p);
        else
            free(p);
        if (!ok) {
            st = EG_ENOMEM;
            break;
        }
    }
    closedir(d);
    if (here.n)
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    if (subdirs.n)
        qsort(subdirs.v, subdirs.n, sizeof *subdirs.v, cmp_str);
    for (size_t i = 0; st == EG_OK && i < here.n; i++) {
        if (out->n >= MAX_RULE_FILES) {
            snprintf(err, errlen, "%s: more than %d rule files", dir, MAX_RULE_FILES);
            st = EG_ELIMIT;
            break;
        }
        if (!strvec_push(out, here.v[i]))
            st = EG_ENOMEM;
        here.v[i] = NULL;
    }
    for (size_t i = 0; st == EG_OK && i < subdirs.n; i++)
        st = collect(subdirs.v[i], depth + 1, out, err, errlen);
    strvec_free(&here);
    strvec_free(&subdirs);
    return st;
}

typedef struct {
    eg_yrules_diag_fn diag;
    void *ud;
    char *err;
    size_t errlen;
    bool have_err;
    char root[PATH_MAX]; /* the rules folder, resolved: includes must stay inside it */
    /* includes followed so far: the name as written and where it resolved (a nested include's
     * "calling file" is the name as written) */
    char *inc_name[MAX_INCLUDES], *inc_path[MAX_INCLUDES];
    size_t n_inc;
} compile_ctx;

static void compiler_cb(int level, const char *file, int line, const YR_RULE *rule, const char *msg,
                        void *ud)
{
    compile_ctx *c = ud;
    bool error = level == YARA_ERROR_LEVEL_ERROR;
    if (error && !c->have_err) {
        snprintf(c->err, c->errlen, "%s:%d: %s", file ? file : "(rules)", line, msg);
        c->have_err = true;
    }
    if (c->diag)
        c->diag(c->ud, file ? file : "(rules)", line > 0 ? (uint32_t)line : 0, error, msg);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void include_refused(compile_ctx *c, const char *from, const char *name, const char *why)
{
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, "include \"%s\" refused: %s", name, why);
    if (!c->have_err) {
        snprintf(c->err, c->errlen, "%s: %s", from ? from : "(rules)", msg);
        c->have_err = true;
    }
    if (c->diag)
        c->diag(c->ud, from ? from : "(rules)", 0, true, msg);
}

/* The directory an include is relative to: the including file's own folder. */
static void including_dir(const compile_ctx *c, const char *calling, char *dir, size_t n)
{
    const char *path = calling;
    for (size_t i = 0; calling && i < c->n_inc; i++)
        if (!strcmp(c->inc_name[i], calling))
            path = c->inc_path[i];
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash || path[0] != '/')
        snprintf(dir, n, "%s", c->root);
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

/* libyara's include callback: the file must resolve (symbolic links and .. followed) to a regular
 * file inside the rules folder; the rules are trusted to match, not to read /etc/shadow. Returns
 * the file's text (freed by include_free) or NULL, which libyara reports as an error. */
static const char *include_cb(const char *name, const char *calling, const char *ns, void *ud)
{
    (void)ns;
    compile_ctx *c = ud;
    char dir[PATH_MAX], cand[PATH_MAX * 2], real[PATH_MAX];
    if (c->n_inc >= MAX_INCLUDES) {
        include_refused(c, calling, name, "too many includes");
        return NULL;
    }
    including_dir(c, calling, dir, sizeof dir);
    if (name[0] == '/')
        snprintf(cand, sizeof cand, "%s", name);
    else
        snprintf(cand, sizeof cand, "%s/%s", dir, name);
    size_t rl = strlen(c->root);
    struct stat sb;
    if (!realpath(cand, real)) {
        include_refused(c, calling, name, "no such file");
        return NULL;
    }
    if (strncmp(real, c->root, rl) != 0 || (real[rl] != '/' && c->root[rl - 1] != '/')) {
        include_refused(c, calling, name, "outside the rules folder");
        return NULL;
    }
    if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > MAX_RULE_FILE_BYTES) {
        include_refused(c, calling, name, "not a regular file, or too large");
        return NULL;
    }
    FILE *f = fopen(real, "r");
    char *text = f ? malloc((size_t)sb.st_size + 1) : NULL;
    size_t got = text ? fread(text, 1, (size_t)sb.st_size, f) : 0;
    if (f)
        fclose(f);
    if (!text) {
        include_refused(c, calling, name, "cannot read");
        return NULL;
    }
    text[got] = 0;
    c->inc_name[c->n_inc] = eg_strdup(name);
    c->inc_path[c->n_inc] = eg_strdup(real);
    c->n_inc++;
    return text;
}

static void include_free(const char *text, void *ud)
{
    (void)ud;
    free((void *)text);
}

static eg_status define_externals(YR_COMPILER *c)
{
    if (yr_compiler_define_string_variable(c, "eg_type", "") != ERROR_SUCCESS ||
        yr_compiler_define_string_variable(c, "eg_name", "") != ERROR_SUCCESS ||
        yr_compiler_define_integer_variable(c, "eg_depth", 0) != ERROR_SUCCESS ||
        yr_compiler_define_boolean_variable(c, "eg_decrypted", 0) != ERROR_SUCCESS)
        return EG_EINTERNAL;
    return EG_OK;
}

static eg_status compile_files(const strvec *files, compile_ctx *cc, YR_RULES **rules)
{
    YR_COMPILER *comp = NULL;
    if (yr_compiler_create(&comp) != ERROR_SUCCESS)
        return EG_ENOMEM;
    yr_compiler_set_callback(comp, compiler_cb, cc);
    yr_compiler_set_include_callback(comp, include_cb, include_free, cc);
    eg_status st = define_externals(comp);
    for (size_t i = 0; st == EG_OK && i < files->n; i++) {
        const char *path = files->v[i];
        struct stat sb;
        FILE *f = NULL;
        if (stat(path, &sb) != 0 || (f = fopen(path, "r")) == NULL) {
            snprintf(cc->err, cc->errlen, "%s: cannot open", path);
            if (cc->diag)
                cc->diag(cc->ud, path, 0, true, "cannot open");
            st = EG_EIO;
            break;
        }
        if ((uint64_t)sb.st_size > MAX_RULE_FILE_BYTES) {
            fclose(f);
            snprintf(cc->err, cc->errlen, "%s: larger than %u bytes", path, MAX_RULE_FILE_BYTES);
            if (cc->diag)
                cc->diag(cc->ud, path, 0, true, "rule file too large");
            st = EG_ELIMIT;
            break;
        }
        /* one namespace per file: two community files may both define "Emotet_Doc" */
        int nerr = yr_compiler_add_file(comp, f, base_name(path), path);
        fclose(f);
        if (nerr > 0)
            st = EG_EFORMAT; /* the compiler cannot be used after an error */
    }
    if (st == EG_OK && yr_compiler_get_rules(comp, rules) != ERROR_SUCCESS)
        st = EG_ENOMEM;
    yr_compiler_destroy(comp);
    return st;
}

/* The folder includes are confined to: the rules directory, or the rule file's folder. */
static bool rules_root(const char *path, bool is_dir, char *root, size_t n)
{
    char tmp[PATH_MAX];
    if (is_dir) {
        snprintf(tmp, sizeof tmp, "%s", path);
    } else {
        const char *slash = strrchr(path, '/');
        if (!slash)
            snprintf(tmp, sizeof tmp, ".");
        else if (slash == path)
            snprintf(tmp, sizeof tmp, "/");
        else
            snprintf(tmp, sizeof tmp, "%.*s", (int)(slash - path), path);
    }
    char real[PATH_MAX];
    if (!realpath(tmp, real) || strlen(real) >= n)
        return false;
    snprintf(root, n, "%s", real);
    return true;
}

eg_status eg_yrules_load(const char *path, eg_yrules **out, eg_yrules_diag_fn diag, void *ud,
                         char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        if (diag)
            diag(ud, path, 0, true, "no such file or directory");
        return EG_EIO;
    }
    strvec files = {0};
    eg_status st = EG_OK;
    if (S_ISDIR(sb.st_mode)) {
        st = collect(path, 0, &files, err, errlen);
        if (st == EG_OK && files.n == 0) {
            snprintf(err, errlen, "%s: no .yar or .yara files", path);
            if (diag)
                diag(ud, path, 0, true, "no .yar or .yara files");
            st = EG_EFORMAT;
        }
    } else if (!strvec_push(&files, eg_strdup(path))) {
        st = EG_ENOMEM;
    }
    if (st != EG_OK) {
        strvec_free(&files);
        return st;
    }
    if ((st = eg_yara_acquire()) != EG_OK) {
        strvec_free(&files);
        snprintf(err, errlen, "libyara could not be initialised");
        return st;
    }
    compile_ctx cc = {.diag = diag, .ud = ud, .err = err, .errlen = errlen};
    if (!rules_root(path, S_ISDIR(sb.st_mode), cc.root, sizeof cc.root)) {
        strvec_free(&files);
        eg_yara_release();
        snprintf(err, errlen, "%s: cannot resolve the rules folder", path);
        return EG_EIO;
    }
    YR_RULES *rules = NULL;
    st = compile_files(&files, &cc, &rules);
    strvec_free(&files);
    for (size_t i = 0; i < cc.n_inc; i++) {
        free(cc.inc_name[i]);
        free(cc.inc_path[i]);
    }
    eg_yrules *y = NULL;
    if (st == EG_OK && !(y = calloc(1, sizeof *y)))
        st = EG_ENOMEM;
    if (st != EG_OK) {
        if (rules)
            yr_rules_destroy(rules);
        eg_yara_release();
        if (!err[0])
            snprintf(err, errlen, "%s: %s", path, eg_status_str(st));
        return st;
    }
    y->rules = rules;
    YR_RULES_STATS stats;
    if (yr_rules_get_stats(rules, &stats) == ERROR_SUCCESS)
        y->count = stats.num_rules;
    pthread_mutex_init(&y->gate_mu, NULL);
    pthread_cond_init(&y->gate_cv, NULL);
    *out = y;
    return EG_OK;
}

void eg_yrules_free(eg_yrules *y)
{
    if (!y)
        return;
    yr_rules_destroy(y->rules);
    pthread_mutex_destroy(&y->gate_mu);
    pthread_cond_destroy(&y->gate_cv);
    free(y);
    eg_yara_release();
}

size_t eg_yrules_count(const eg_yrules *y)
{
    return y ? y->count : 0;
}

/* ---- scanning -------------------------------------------------------------------------- */

typedef struct {
    eg_yrules_match_fn cb;
    void *ud;
    bool too_many;
} scan_ctx;

static bool parse_severity(const char *s, eg_severity *out)
{
    static const char *const n[] = {"info", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, n[i])) {
            *out = (eg_severity)i;
            return true;
        }
    return false;
}

static void describe(const YR_RULE *rule, eg_yrules_match *m, char *tags, size_t tsz, char *meta,
                     size_t msz)
{
    const char *tag;
    size_t o = 0;
    tags[0] = meta[0] = 0;
    yr_rule_tags_foreach(rule, tag)
    {
        int n = snprintf(tags + o, tsz - o, "%s%s", o ? " " : "", tag);
        if (n < 0 || (size_t)n >= tsz - o)
            break;
        o += (size_t)n;
    }
    const YR_META *mt;
    o = 0;
    m->has_severity = false;
    yr_rule_metas_foreach(rule, mt)
    {
        int n;
        if (mt->type == META_TYPE_STRING) {
            if (!strcmp(mt->identifier, "severity") && parse_severity(mt->string, &m->severity)) {
                m->has_severity = true;
                continue;
            }
            n = snprintf(meta + o, msz - o, "%s%s=%s", o ? ", " : "", mt->identifier, mt->string);
        } else if (mt->type == META_TYPE_INTEGER) {
            n = snprintf(meta + o, msz - o, "%s%s=%lld", o ? ", " : "", mt->identifier,
                         (long long)mt->integer);
        } else {
            n = snprintf(meta + o, msz - o, "%s%s=%s", o ? ", " : "", mt->identifier,
                         mt->integer ? "true" : "false");
        }
        if (n < 0 || (size_t)n >= msz - o) {
            meta[o] = 0;
            break;
        }
        o += (size_t)n;
    }
}

static int scan_cb(YR_SCAN_CONTEXT *ctx, int message, void *data, void *ud)
{
    scan_ctx *sc = ud;
    if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
        sc->too_many = true;
        return CALLBACK_CONTINUE;
    }
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YR_RULE *rule = data;
    char tags[256], meta[400];
    eg_yrules_match m = {0};
    describe(rule, &m, tags, sizeof tags, meta, sizeof meta);
    m.rule = rule->identifier;
    m.ns = rule->ns ? rule->ns->name : "";
    m.tags = tags;
    m.meta = meta;
    sc->cb(sc->ud, &m);
    return CALLBACK_CONTINUE;
}

static void gate_enter(eg_yrules *y)
{
    pthread_mutex_lock(&y->gate_mu);
    while (y->active >= YR_MAX_THREADS)
        pthread_cond_wait(&y->gate_cv, &y->gate_mu);
    y->active++;
    pthread_mutex_unlock(&y->gate_mu);
}

static void gate_leave(eg_yrules *y)
{
    pthread_mutex_lock(&y->gate_mu);
    y->active--;
    pthread_cond_signal(&y->gate_cv);
    pthread_mutex_unlock(&y->gate_mu);
}

eg_status eg_yrules_scan(const eg_yrules *cy, const uint8_t *data, size_t len, const eg_object *obj,
                         int timeout_s, eg_yrules_match_fn cb, void *ud)
{
    eg_yrules *y = (eg_yrules *)cy; /* only the gate counter changes, under its mutex */
    if (!y || !data || !len)
        return EG_OK;
    YR_SCANNER *s;
    if (yr_scanner_create(y->rules, &s) != ERROR_SUCCESS)
        return EG_ENOMEM;
    scan_ctx sc = {cb, ud, false};
    yr_scanner_set_callback(s, scan_cb, &sc);
    yr_scanner_set_flags(s, SCAN_FLAGS_FAST_MODE);
    if (timeout_s > 0)
        yr_scanner_set_timeout(s, timeout_s);
    if (obj) {
        yr_scanner_define_string_variable(s, "eg_type", eg_type_name(obj->type));
        yr_scanner_define_string_variable(s, "eg_name", obj->name ? obj->name : "");
        yr_scanner_define_integer_variable(s, "eg_depth", obj->depth);
        yr_scanner_define_boolean_variable(s, "eg_decrypted", (obj->flags & EG_OBJ_DECRYPTED) != 0);
    }
    gate_enter(y);
    int r = yr_scanner_scan_mem(s, data, len);
    gate_leave(y);
    yr_scanner_destroy(s);
    if (r == ERROR_SCAN_TIMEOUT)
        return EG_ETIME;
    if (r == ERROR_TOO_MANY_MATCHES || sc.too_many)
        return EG_ELIMIT;
    if (r == ERROR_INSUFFICIENT_MEMORY)
        return EG_ENOMEM;
    return r == ERROR_SUCCESS ? EG_OK : EG_EINTERNAL;
}

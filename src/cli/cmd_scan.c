/*
 * `emoguard scan`: reads mails from files, directories, mboxes, Maildirs or stdin, scans them
 * (in parallel with -j N), prints one report per mail (text or JSON Lines) in input order, a
 * summary, and exits with the worst verdict. --extract writes decoded objects for analysts.
 *
 * Only the front end lives here: input enumeration is in inputs.c, analysis in the library.
 */
#include "cli/cli.h"
#include "cli/extract.h"
#include "cli/inputs.h"

#include "core/utf8.h"
#include "verdict/rules.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LIST 64
/* stack of each scan worker thread */
#define EG_SCAN_STACK (8u << 20)

typedef struct {
    const char *format; /* text | json */
    eg_lang lang;
    int jobs;
    bool color, quiet, summary;
    const char *extract_dir;
    const char *passwords[MAX_LIST];
    size_t n_passwords;
    const char *iocs[MAX_LIST];
    size_t n_iocs;
    const char *own[MAX_LIST];
    size_t n_own;
    const char *authserv[MAX_LIST];
    size_t n_authserv;
    const char *rules, *data_dir, *known;
    uint64_t max_input;
} scan_args;

typedef struct {
    eg_scanner *sc;
    eg_inputs *in;
    const scan_args *a;
    eg_report **reports;
    eg_status *status;
    atomic_size_t next;
    atomic_size_t done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pool;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: emoguard scan [options] FILE|DIR|- ...\n"
            "  FILE may be a single mail (.eml), an mbox; DIR a Maildir or a tree of them; - is stdin\n"
            "  --format text|json      report format (json: one JSON object per line)\n"
            "  --lang ja|en            report language (default: from the locale)\n"
            "  -j N                    scan N mails in parallel\n"
            "  --extract DIR           write every decoded object to DIR (mode 0600, safe names)\n"
            "  --password P            extra password candidate (repeatable)\n"
            "  --ioc FILE              IOC feed (repeatable)\n"
            "  --rules FILE|DIR        YARA rules\n"
            "  --own-domain D          the organisation's own mail domain (repeatable)\n"
            "  --known FILE            known correspondents file\n"
            "  --trusted-authserv ID   read Authentication-Results only from ID (repeatable)\n"
            "  --data-dir DIR          domain lists (default: built-in)\n"
            "  --max-size BYTES        largest mail scanned whole (default 100 MiB)\n"
            "  --summary               print only the summary\n"
            "  --no-color              no colours on a terminal\n"
            "exit codes: 0 clean, 1 suspicious, 2 malicious, 3 usage error, 4 input unreadable\n");
}

static int add_list(const char **list, size_t *n, const char *v)
{
    if (*n >= MAX_LIST) {
        fprintf(stderr, "emoguard scan: too many values (max %d)\n", MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

/* returns index of first path argument, or -1 on usage error, -2 for --help */
static int parse_args(int argc, char **argv, scan_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "text";
    a->lang = (eg_cli_lang_is_ja() ? EG_LANG_JA : EG_LANG_EN);
    a->jobs = 1;
    a->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    int i = 1;
    for (; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                                    \
    do {                                                                                           \
        if (!v) {                                                                                  \
            fprintf(stderr, "emoguard scan: %s needs a value\n", o);                              \
            return -1;                                                                             \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(o, "--help") || !strcmp(o, "-h"))
            return -2;
        else if (!strcmp(o, "--format")) {
            NEEDV();
            if (strcmp(v, "text") && strcmp(v, "json")) {
                fprintf(stderr, "emoguard scan: --format is text or json\n");
                return -1;
            }
            a->format = v;
        } else if (!strcmp(o, "--json"))
            a->format = "json";
        else if (!strcmp(o, "--lang")) {
            NEEDV();
            if (strcmp(v, "ja") && strcmp(v, "en")) {
                fprintf(stderr, "emoguard scan: --lang is ja or en\n");
                return -1;
            }
            a->lang = !strcmp(v, "ja") ? EG_LANG_JA : EG_LANG_EN;
        } else if (!strcmp(o, "-j") || !strcmp(o, "--jobs")) {
            NEEDV();
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "emoguard scan: -j takes 1..256\n");
                return -1;
            }
            a->jobs = (int)n;
        } else if (!strcmp(o, "--extract")) {
            NEEDV();
            a->extract_dir = v;
        } else if (!strcmp(o, "--password")) {
            NEEDV();
            if (add_list(a->passwords, &a->n_passwords, v))
                return -1;
        } else if (!strcmp(o, "--ioc")) {
            NEEDV();
            if (add_list(a->iocs, &a->n_iocs, v))
                return -1;
        } else if (!strcmp(o, "--own-domain")) {
            NEEDV();
            if (add_list(a->own, &a->n_own, v))
                return -1;
        } else if (!strcmp(o, "--trusted-authserv")) {
            NEEDV();
            if (add_list(a->authserv, &a->n_authserv, v))
                return -1;
        } else if (!strcmp(o, "--rules")) {
            NEEDV();
            a->rules = v;
        } else if (!strcmp(o, "--known")) {
            NEEDV();
            a->known = v;
        } else if (!strcmp(o, "--data-dir")) {
            NEEDV();
            a->data_dir = v;
        } else if (!strcmp(o, "--max-size")) {
            NEEDV();
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || n == 0) {
                fprintf(stderr, "emoguard scan: --max-size takes a byte count\n");
                return -1;
            }
            a->max_input = n;
        } else if (!strcmp(o, "--summary"))
            a->summary = a->quiet = true;
        else if (!strcmp(o, "--no-color"))
            a->color = false;
        else if (!strcmp(o, "--"))
            return i + 1;
        else if (o[0] == '-' && o[1])
            return fprintf(stderr, "emoguard scan: unknown option %s\n", o), -1;
        else
            break;
#undef NEEDV
    }
    return i;
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= eg_inputs_count(p->in))
            break;
        const eg_input_item *it = eg_inputs_at(p->in, i);
        eg_report *r = NULL;
        eg_status st = it->error ? EG_EIO : EG_OK;
        if (st == EG_OK) {
            eg_scan_input in = {.source = it->source, .data = it->data, .len = it->len,
                                .is_mail = it->is_mail,
                                .passwords = (const char *const *)it->passwords,
                                .n_passwords = it->n_passwords,
                                .passwords_origin = it->passwords_origin};
            eg_extractor ex;
            if (p->a->extract_dir) {
                eg_extractor_init(&ex, p->a->extract_dir, i);
                in.on_object = eg_extractor_cb;
                in.on_object_ud = &ex;
            }
            st = eg_scanner_scan(p->sc, &in, &r);
        }
        pthread_mutex_lock(&p->mu);
        p->reports[i] = r;
        p->status[i] = st;
        atomic_fetch_add(&p->done, 1);
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

typedef struct {
    size_t counts[3], errors;
    size_t *rule_hits;
    int worst;
} summary;

static void account(summary *sm, const eg_report *r)
{
    sm->counts[eg_report_verdict(r)]++;
    if ((int)eg_report_verdict(r) > sm->worst)
        sm->worst = (int)eg_report_verdict(r);
    int seen_last = -1;
    for (size_t k = 0; k < eg_report_finding_count(r); k++) {
        int rule = eg_report_finding(r, k)->rule;
        if (rule != seen_last) /* rough per-mail dedup is enough for a top list */
            sm->rule_hits[rule]++;
        seen_last = rule;
    }
}

static void print_report(const scan_args *a, const eg_report *r)
{
    if (a->quiet)
        return;
    char *s = !strcmp(a->format, "json") ? eg_report_json(r, a->lang) : eg_report_text(r, a->lang, a->color);
    if (s) {
        fputs(s, stdout);
        fputs(!strcmp(a->format, "json") ? "\n" : "\n", stdout);
        free(s);
    }
}

static void print_error(const scan_args *a, const eg_input_item *it, eg_status st)
{
    const char *why = it->error ? it->error : eg_status_str(st);
    fprintf(stderr, "emoguard scan: %s: %s\n", it->source, why);
    if (!strcmp(a->format, "json") && !a->quiet) {
        char *src = eg_utf8_sanitize(it->source, strlen(it->source), 4096, false);
        char *w = eg_utf8_sanitize(why, strlen(why), 512, false);
        json_t *j = json_pack("{s:i, s:s, s:s}", "schema_version", EG_JSON_SCHEMA_VERSION, "source",
                              src ? src : "?", "error", w ? w : "?");
        char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(j);
        free(src);
        free(w);
    }
}

static void progress(size_t done, size_t total)
{
    int w = 40, filled = total ? (int)(done * (size_t)w / total) : w;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "########################################", w - filled,
            "", done, total);
    if (done == total)
        fputc('\n', stderr);
}

static void print_summary(const scan_args *a, const summary *sm, size_t total)
{
    FILE *f = a->summary ? stdout : stderr;
    bool ja = a->lang == EG_LANG_JA;
    fprintf(f, ja ? "合計 %zu 通: 安全 %zu, 要注意 %zu, 危険 %zu, 読めない入力 %zu\n"
                  : "%zu mails: %zu clean, %zu suspicious, %zu malicious, %zu unreadable\n",
            total, sm->counts[0], sm->counts[1], sm->counts[2], sm->errors);
    for (int shown = 0; shown < 5; shown++) {
        size_t best = 0;
        int bi = -1;
        for (size_t r = 0; r < eg_rule_count(); r++)
            if (sm->rule_hits[r] > best) {
                best = sm->rule_hits[r];
                bi = (int)r;
            }
        if (bi < 0)
            break;
        if (shown == 0)
            fprintf(f, ja ? "多かった検出:\n" : "top rules:\n");
        fprintf(f, "  %6zu  %s\n", best, eg_rule_get(bi)->id);
        ((summary *)sm)->rule_hits[bi] = 0;
    }
}

static int run(const scan_args *a, eg_scanner *sc, eg_inputs *in)
{
    size_t n = eg_inputs_count(in);
    pool p = {.sc = sc, .in = in, .a = a};
    p.reports = calloc(n ? n : 1, sizeof *p.reports);
    p.status = calloc(n ? n : 1, sizeof *p.status);
    summary sm = {.rule_hits = calloc(eg_rule_count(), sizeof(size_t))};
    if (!p.reports || !p.status || !sm.rule_hits) {
        fprintf(stderr, "emoguard scan: out of memory\n");
        return 4;
    }
    atomic_init(&p.next, 0);
    atomic_init(&p.done, 0);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    int nt = a->jobs < (int)n ? a->jobs : (int)n;
    pthread_t th[256];
    int started = 0;
    /* An explicit stack, not the default (RLIMIT_STACK, or 2 MiB when that is unlimited): the
     * deepest recursion a scan may reach is bounded (libgsf's directory walk at most
     * EG_CFB_MAX_DEPTH frames of 256 bytes = 512 KiB, the XLM resolver 48 levels), so 8 MiB
     * leaves a wide margin whatever the shell's ulimit says. */
    pthread_attr_t attr;
    bool have_attr = pthread_attr_init(&attr) == 0;
    if (have_attr && pthread_attr_setstacksize(&attr, EG_SCAN_STACK) != 0) {
        pthread_attr_destroy(&attr);
        have_attr = false;
    }
    for (int t = 0; t < nt; t++)
        if (pthread_create(&th[t], have_attr ? &attr : NULL, worker, &p) == 0)
            started++;
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (started == 0 && n)
        worker(&p);
    bool show_progress = isatty(STDERR_FILENO) && n > 1 && !getenv("EG_NO_PROGRESS");
    /* print in input order as soon as the next report is there */
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&p.mu);
        while (!p.reports[i] && p.status[i] == EG_OK)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        const eg_input_item *it = eg_inputs_at(in, i);
        if (p.reports[i]) {
            account(&sm, p.reports[i]);
            print_report(a, p.reports[i]);
            eg_report_free(p.reports[i]);
            p.reports[i] = NULL;
        } else {
            sm.errors++;
            print_error(a, it, p.status[i]);
        }
        eg_inputs_release(in, i); /* free the mail's bytes as soon as it is reported */
        if (show_progress)
            progress(i + 1, n);
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    if (n > 1 || a->summary)
        print_summary(a, &sm, n);
    free(p.reports);
    free(p.status);
    free(sm.rule_hits);
    /* malicious outranks an unreadable input (it is what needs action now); otherwise an
     * unreadable input must not pass as clean */
    if (sm.worst == EG_VERDICT_MALICIOUS)
        return 2;
    if (sm.errors || n == 0)
        return 4;
    return sm.worst;
}

int eg_cmd_scan(int argc, char **argv)
{
    scan_args a;
    int first = parse_args(argc, argv, &a);
    if (first == -2) {
        usage(stdout);
        return 0;
    }
    if (first < 0 || first >= argc) {
        if (first >= argc)
            fprintf(stderr, "emoguard scan: no input given (use - for stdin)\n");
        usage(stderr);
        return 3;
    }
    if (a.extract_dir && eg_extract_prepare(a.extract_dir) != 0)
        return 4;
    eg_status st = eg_global_init();
    if (st != EG_OK) {
        fprintf(stderr, "emoguard scan: initialisation failed: %s\n", eg_status_str(st));
        return 4;
    }
    eg_options opt;
    eg_options_default(&opt);
    if (a.max_input)
        opt.limits.max_input = a.max_input;
    opt.passwords = a.passwords;
    opt.n_passwords = a.n_passwords;
    opt.ioc_files = a.iocs;
    opt.n_ioc_files = a.n_iocs;
    opt.yara_rules = a.rules;
    opt.own_domains = a.own;
    opt.n_own_domains = a.n_own;
    opt.trusted_authserv_ids = a.authserv;
    opt.n_trusted_authserv_ids = a.n_authserv;
    opt.known_correspondents_file = a.known;
    opt.data_dir = a.data_dir;
    char err[512] = "";
    eg_scanner *sc = NULL;
    st = eg_scanner_new(&opt, &sc, err, sizeof err);
    if (st != EG_OK) {
        fprintf(stderr, "emoguard scan: %s\n", *err ? err : eg_status_str(st));
        return 3;
    }
    eg_inputs *in = eg_inputs_new(opt.limits.max_input);
    if (!in) {
        eg_scanner_free(sc);
        return 4;
    }
    for (int i = first; i < argc; i++)
        eg_inputs_add(in, argv[i]);
    eg_inputs_link_passwords(in);
    int rc = run(&a, sc, in);
    eg_inputs_free(in);
    eg_scanner_free(sc);
    return rc;
}

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

#include <getopt.h>
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
    bool color, quiet, summary, verbose, force;
    const char *contact;
    char contact_buf[256];
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
            "  FILE may be a single mail (.eml), an mbox; DIR a Maildir or a tree of them; - is "
            "stdin.\n"
            "  In a directory, files that are not mail are skipped with a note (name them to scan "
            "them).\n"
            "  -f, --format=text|json  report format (json: one JSON object per line)\n"
            "  -l, --lang=ja|en        report language (default: from the locale)\n"
            "  -j, --jobs=N            scan N mails in parallel\n"
            "  -v, --verbose           also list information-level findings\n"
            "      --contact=TEXT      who to call in the steps (default: the config's 'contact',\n"
            "                          else \"情報システム部門\" / \"your IT department\")\n"
            "  -c, --config=FILE       read 'contact' from FILE (default /etc/emoguard/scan.conf)\n"
            "  -x, --extract=DIR       write every decoded object to DIR (mode 0600, safe names)\n"
            "                          and DIR/index.json (id, parent, name, type, size, SHA-256,\n"
            "                          password); DIR must be empty or new\n"
            "      --force             with --extract: use a non-empty DIR, replacing its files\n"
            "  -p, --password=P        extra password candidate (repeatable)\n"
            "      --ioc=FILE          IOC feed (repeatable)\n"
            "      --rules=FILE|DIR    YARA rules\n"
            "      --own-domain=D      the organisation's own mail domain (repeatable)\n"
            "      --known=FILE        known correspondents file\n"
            "      --trusted-authserv=ID  read Authentication-Results only from ID (repeatable)\n"
            "      --data-dir=DIR      domain lists (default: built-in)\n"
            "      --max-size=BYTES    largest mail scanned whole (default 100 MiB)\n"
            "  -s, --summary           print only the summary (counts, then the flagged mails)\n"
            "      --no-color          no colours on a terminal\n"
            "  -h, --help              this help\n"
            "Options may follow the files; '--' ends the options.\n" EG_EXIT_TABLE);
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

enum {
    O_IOC = 256,
    O_RULES,
    O_OWN,
    O_KNOWN,
    O_AUTHSERV,
    O_DATA,
    O_MAXSIZE,
    O_NOCOLOR,
    O_CONTACT,
    O_FORCE,
    O_JSON
};

static const struct option scan_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"json", no_argument, NULL, O_JSON},
    {"lang", required_argument, NULL, 'l'},
    {"jobs", required_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"contact", required_argument, NULL, O_CONTACT},
    {"config", required_argument, NULL, 'c'},
    {"extract", required_argument, NULL, 'x'},
    {"force", no_argument, NULL, O_FORCE},
    {"password", required_argument, NULL, 'p'},
    {"ioc", required_argument, NULL, O_IOC},
    {"rules", required_argument, NULL, O_RULES},
    {"own-domain", required_argument, NULL, O_OWN},
    {"known", required_argument, NULL, O_KNOWN},
    {"trusted-authserv", required_argument, NULL, O_AUTHSERV},
    {"data-dir", required_argument, NULL, O_DATA},
    {"max-size", required_argument, NULL, O_MAXSIZE},
    {"summary", no_argument, NULL, 's'},
    {"no-color", no_argument, NULL, O_NOCOLOR},
    {"help", no_argument, NULL, 'h'},
    {0, 0, 0, 0},
};

/* The contact named in the steps: --contact, else the config file's "contact", else the
 * language's default (the text writer's). */
static void load_contact(scan_args *a, const char *config, bool config_given)
{
    if (a->contact)
        return;
    int r = eg_cli_conf_value(config, "contact", a->contact_buf, sizeof a->contact_buf);
    if (r == 1 && a->contact_buf[0])
        a->contact = a->contact_buf;
    else if (r < 0 && config_given)
        fprintf(stderr, "emoguard scan: %s: cannot read the configuration\n", config);
}

/* returns index of first path argument, or -1 on usage error, -2 for --help */
static int parse_args(int argc, char **argv, scan_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "text";
    a->lang = (eg_cli_lang_is_ja() ? EG_LANG_JA : EG_LANG_EN);
    a->jobs = 1;
    a->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    const char *config = "/etc/emoguard/scan.conf";
    bool config_given = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":f:l:j:vc:x:p:sh", scan_opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'h': return -2;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "emoguard scan: --format is text or json\n");
                return -1;
            }
            a->format = optarg;
            break;
        case O_JSON: a->format = "json"; break;
        case 'l':
            if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
                fprintf(stderr, "emoguard scan: --lang is ja or en\n");
                return -1;
            }
            a->lang = !strcmp(optarg, "ja") ? EG_LANG_JA : EG_LANG_EN;
            break;
        case 'j': {
            long n = strtol(optarg, &end, 10);
            if (*end || end == optarg || n < 1 || n > 256) {
                fprintf(stderr, "emoguard scan: -j takes 1..256\n");
                return -1;
            }
            a->jobs = (int)n;
            break;
        }
        case 'v': a->verbose = true; break;
        case O_CONTACT: a->contact = optarg; break;
        case 'c':
            config = optarg;
            config_given = true;
            break;
        case 'x': a->extract_dir = optarg; break;
        case O_FORCE: a->force = true; break;
        case 'p':
            if (add_list(a->passwords, &a->n_passwords, optarg))
                return -1;
            break;
        case O_IOC:
            if (add_list(a->iocs, &a->n_iocs, optarg))
                return -1;
            break;
        case O_OWN:
            if (add_list(a->own, &a->n_own, optarg))
                return -1;
            break;
        case O_AUTHSERV:
            if (add_list(a->authserv, &a->n_authserv, optarg))
                return -1;
            break;
        case O_RULES: a->rules = optarg; break;
        case O_KNOWN: a->known = optarg; break;
        case O_DATA: a->data_dir = optarg; break;
        case O_MAXSIZE: {
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || end == optarg || n == 0) {
                fprintf(stderr, "emoguard scan: --max-size takes a byte count\n");
                return -1;
            }
            a->max_input = n;
            break;
        }
        case 's': a->summary = a->quiet = true; break;
        case O_NOCOLOR: a->color = false; break;
        case ':': fprintf(stderr, "emoguard scan: %s needs a value\n", argv[optind - 1]); return -1;
        default:
            if (optopt)
                fprintf(stderr, "emoguard scan: unknown option -%c\n", optopt);
            else
                fprintf(stderr, "emoguard scan: unknown option %s\n", argv[optind - 1]);
            return -1;
        }
    }
    load_contact(a, config, config_given);
    return optind;
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
            eg_scan_input in = {.source = it->source,
                                .data = it->data,
                                .len = it->len,
                                .is_mail = it->is_mail,
                                .passwords = (const char *const *)it->passwords,
                                .n_passwords = it->n_passwords,
                                .passwords_origin = it->passwords_origin};
            eg_extractor ex;
            if (p->a->extract_dir) {
                eg_extractor_init(&ex, p->a->extract_dir, i, p->a->force);
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

#define MAX_FLAGGED 1000 /* flagged mails listed in the summary; the rest counted */

typedef struct {
    eg_verdict verdict;
    char *line; /* "source  From  Subject  RULE" for the summary, malloc'd */
} flagged;

typedef struct {
    size_t counts[3], errors, skipped;
    size_t *rule_hits;
    int worst;
    flagged *flag;
    size_t n_flag, more_flag;
} summary;

/* the most severe (then highest-scoring) rule of a report, for the summary */
static const eg_rule *top_rule(const eg_report *r)
{
    const eg_rule *best = NULL;
    for (size_t k = 0; k < eg_report_finding_count(r); k++) {
        const eg_rule *ru = eg_rule_get(eg_report_finding(r, k)->rule);
        if (!best || ru->severity > best->severity ||
            (ru->severity == best->severity && ru->score > best->score))
            best = ru;
    }
    return best;
}

static void remember_flagged(summary *sm, const eg_report *r)
{
    if (eg_report_verdict(r) == EG_VERDICT_CLEAN || !sm->flag)
        return;
    if (sm->n_flag >= MAX_FLAGGED) {
        sm->more_flag++;
        return;
    }
    const eg_mail_info *m = eg_report_mail(r);
    const eg_rule *ru = top_rule(r);
    const char *from = m ? (m->from_addr ? m->from_addr : m->from_display) : NULL;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s | %s | %s | %s", eg_report_source(r), from ? from : "-",
             m && m->subject ? m->subject : "-", ru ? ru->id : "-");
    char *line = eg_utf8_sanitize(buf, strlen(buf), sizeof buf, false);
    if (!line)
        return;
    sm->flag[sm->n_flag++] = (flagged){eg_report_verdict(r), line};
}

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
    remember_flagged(sm, r);
}

static void print_report(const scan_args *a, const eg_report *r)
{
    if (a->quiet)
        return;
    char *s;
    if (!strcmp(a->format, "json")) {
        s = eg_report_json(r, a->lang);
    } else {
        eg_text_options to = {a->lang, a->color, a->verbose, a->contact};
        s = eg_report_text_opt(r, &to);
    }
    if (s) {
        fputs(s, stdout);
        fputs("\n", stdout);
        free(s);
    }
}

/* The bar lives on stderr, the reports on stdout: both may be one terminal (or one pipe with
 * 2>&1), so stdout is flushed before stderr is written and the bar's line is erased before a
 * report is printed. */
static void bar_erase(bool shown)
{
    if (shown)
        fputs("\r\033[K", stderr);
}

static void print_error(const scan_args *a, const eg_input_item *it, eg_status st)
{
    const char *why = it->error ? it->error : eg_status_str(st);
    fflush(stdout);
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
    fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu", filled, "########################################",
            w - filled, "", done, total);
    fflush(stderr);
}

static const char *verdict_word(eg_verdict v, bool ja)
{
    static const char *const wja[] = {"検出なし", "要注意", "危険"};
    static const char *const wen[] = {"clean", "suspicious", "malicious"};
    return ja ? wja[v] : wen[v];
}

static void print_summary(const scan_args *a, summary *sm, size_t total)
{
    FILE *f = a->summary ? stdout : stderr;
    bool ja = a->lang == EG_LANG_JA;
    fflush(stdout);
    fprintf(f,
            ja ? "合計 %zu 通: 検出なし %zu, 要注意 %zu, 危険 %zu, 読めない入力 %zu\n"
               : "%zu mails: %zu clean, %zu suspicious, %zu malicious, %zu unreadable\n",
            total, sm->counts[0], sm->counts[1], sm->counts[2], sm->errors);
    if (sm->skipped)
        fprintf(f,
                ja ? "メールではないため飛ばしたファイル: %zu\n"
                   : "files skipped as not mail: %zu\n",
                sm->skipped);
    /* the mails to act on, worst first */
    if (sm->n_flag)
        fprintf(f, ja ? "要対応のメール (判定 | 入力 | 差出人 | 件名 | 主な検出):\n"
                      : "flagged mails (verdict | input | From | Subject | top rule):\n");
    for (int v = EG_VERDICT_MALICIOUS; v >= EG_VERDICT_SUSPICIOUS; v--)
        for (size_t i = 0; i < sm->n_flag; i++)
            if ((int)sm->flag[i].verdict == v)
                fprintf(f, "  %s | %s\n", verdict_word(sm->flag[i].verdict, ja), sm->flag[i].line);
    if (sm->more_flag)
        fprintf(f, ja ? "  ほか %zu 通\n" : "  and %zu more\n", sm->more_flag);
    /* the commonest rules that count (information-level ones say nothing to act on) */
    for (int shown = 0; shown < 5; shown++) {
        size_t best = 0;
        int bi = -1;
        for (size_t r = 0; r < eg_rule_count(); r++)
            if (sm->rule_hits[r] > best && eg_rule_get((int)r)->severity > EG_SEV_INFO) {
                best = sm->rule_hits[r];
                bi = (int)r;
            }
        if (bi < 0)
            break;
        if (shown == 0)
            fprintf(f, ja ? "多かった検出:\n" : "top rules:\n");
        fprintf(f, "  %6zu  %s\n", best, eg_rule_get(bi)->id);
        sm->rule_hits[bi] = 0;
    }
    fflush(f);
}

static int run(const scan_args *a, eg_scanner *sc, eg_inputs *in)
{
    size_t n = eg_inputs_count(in);
    pool p = {.sc = sc, .in = in, .a = a};
    p.reports = calloc(n ? n : 1, sizeof *p.reports);
    p.status = calloc(n ? n : 1, sizeof *p.status);
    summary sm = {.rule_hits = calloc(eg_rule_count(), sizeof(size_t)),
                  .flag = calloc(MAX_FLAGGED, sizeof(flagged)),
                  .skipped = eg_inputs_skipped(in)};
    if (!p.reports || !p.status || !sm.rule_hits || !sm.flag) {
        fprintf(stderr, "emoguard scan: out of memory\n");
        free(p.reports);
        free(p.status);
        free(sm.rule_hits);
        free(sm.flag);
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
    eg_extract_index *ix = a->extract_dir ? eg_extract_index_new() : NULL;
    bool show_progress = isatty(STDERR_FILENO) && n > 1 && !getenv("EG_NO_PROGRESS");
    /* print in input order as soon as the next report is there */
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&p.mu);
        while (!p.reports[i] && p.status[i] == EG_OK)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        const eg_input_item *it = eg_inputs_at(in, i);
        bar_erase(show_progress);
        if (p.reports[i]) {
            account(&sm, p.reports[i]);
            eg_extract_index_add(ix, i, p.reports[i]);
            print_report(a, p.reports[i]);
            fflush(stdout);
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
    bar_erase(show_progress);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    bool index_failed = ix && eg_extract_index_write(ix, a->extract_dir, a->force) != 0;
    if (n > 1 || a->summary)
        print_summary(a, &sm, n);
    for (size_t i = 0; i < sm.n_flag; i++)
        free(sm.flag[i].line);
    free(sm.flag);
    free(p.reports);
    free(p.status);
    free(sm.rule_hits);
    /* malicious outranks an unreadable input (it is what needs action now); otherwise an
     * unreadable input must not pass as clean */
    if (sm.worst == EG_VERDICT_MALICIOUS)
        return 2;
    if (sm.errors || n == 0 || index_failed)
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
    if (a.extract_dir) {
        int pr = eg_extract_prepare(a.extract_dir, a.force);
        if (pr != 0)
            return pr == -2 ? 3 : 4; /* a non-empty directory is a usage error */
    }
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
    eg_inputs_set_japanese(in, a.lang == EG_LANG_JA);
    for (int i = first; i < argc; i++)
        eg_inputs_add(in, argv[i]);
    eg_inputs_link_passwords(in);
    int rc = run(&a, sc, in);
    eg_inputs_free(in);
    eg_scanner_free(sc);
    return rc;
}

/*
 * `emoguard intel`: validate feeds and YARA rules, look values up in feeds, and check which of
 * an organisation's addresses appear in leak or botnet-spam data. Front end only: parsing and
 * matching live in src/intel.
 *
 *   intel check [--rules PATH]... FILE...       exit 0 all valid, 1 something refused, 3 usage
 *   intel match --ioc FILE... [--rules PATH] [--file PATH]... [VALUE...]
 *                                               exit 0 no match, 1 match, 3 usage, 4 load failed
 *   intel exposure --domains D[,D...] --feed FILE... [--format text|json] [--lang ja|en]
 *                                               exit 0 none exposed, 1 exposed, 3 usage, 4 feed
 * refused
 */
#include "cli/cli.h"

#include "core/utf8.h"
#include "emoguard/emoguard.h"
#include "intel/exposure.h"
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/intel.h"
#include "intel/yrules.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_ARGS 1024
#define MAX_MATCH_FILE (256u << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: emoguard intel check [--rules FILE|DIR]... FILE...\n"
        "       emoguard intel match --ioc FILE... [--rules FILE|DIR] [--file PATH]... [VALUE...]\n"
        "       emoguard intel exposure --domains D[,D...] --feed FILE... [--format text|json] "
        "[--lang ja|en]\n"
        "\n"
        "check     validate IOC feeds (plain lists, Feodo Tracker, URLhaus, MalwareBazaar, MISP "
        "CSV)\n"
        "          and YARA rules (*.yar, *.yara or a directory); errors name file and line.\n"
        "          exit 0 all valid, 1 something would be refused, 3 usage error\n"
        "match     look hashes, URLs, domains, IPs and addresses up in the feeds; --file hashes a\n"
        "          file and runs the YARA rules over it. exit 0 no match, 1 match, 3 usage, 4 load "
        "failed\n"
        "exposure  list the organisation's addresses found in leak or botnet-spam feeds (CSV:\n"
        "          address,source,first_seen,last_seen), grouped by account, with advice.\n"
        "          exit 0 none found, 1 accounts found, 3 usage, 4 a feed was refused\n"
        "\n" EG_EXIT_TABLE);
}

static void print_diag(void *ud, const char *file, uint32_t line, bool error, const char *msg)
{
    size_t *errors = ud;
    if (error && errors)
        (*errors)++;
    if (line)
        fprintf(stderr, "%s:%u: %s: %s\n", file, line, error ? "error" : "warning", msg);
    else
        fprintf(stderr, "%s: %s: %s\n", file, error ? "error" : "warning", msg);
}

static bool is_rules_path(const char *p)
{
    struct stat sb;
    size_t n = strlen(p);
    if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
        return true;
    return (n > 4 && !strcasecmp(p + n - 4, ".yar")) || (n > 5 && !strcasecmp(p + n - 5, ".yara"));
}

/* ---- check ----------------------------------------------------------------------------- */

static bool check_rules(const char *path)
{
    size_t errors = 0;
    eg_yrules *y = NULL;
    eg_status st = eg_yrules_load(path, &y, print_diag, &errors, NULL, 0);
    if (st != EG_OK) {
        printf("%s: REFUSED (YARA rules: %s)\n", path, eg_status_str(st));
        return false;
    }
    printf("%s: ok, YARA rules, %zu rules compiled\n", path, eg_yrules_count(y));
    eg_yrules_free(y);
    return true;
}

static bool check_feed(const char *path)
{
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    if (eg_iocset_new(lim.max_entries, &set) != EG_OK) {
        fprintf(stderr, "emoguard intel: out of memory\n");
        return false;
    }
    size_t errors = 0;
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, print_diag, &errors};
    eg_feed_stats fs;
    eg_status st = eg_feed_load(&c, path, &fs);
    if (st != EG_OK) {
        printf("%s: REFUSED (%s, %zu errors)\n", path, eg_feed_format_name(fs.format), fs.errors);
    } else {
        printf("%s: ok, %s, %zu indicators", path, eg_feed_format_name(fs.format),
               eg_iocset_total(set));
        const char *sep = " (";
        for (int k = EG_IK_SHA256; k < EG_IK_NOTE; k++)
            if (fs.added[k]) {
                printf("%s%zu %s", sep, fs.added[k], eg_ikind_name((eg_ikind)k));
                sep = ", ";
            }
        printf("%s, %zu duplicates, %zu skipped, %zu warnings\n", *sep == ',' ? ")" : "",
               fs.duplicates, fs.skipped, fs.warnings);
    }
    eg_iocset_free(set);
    return st == EG_OK;
}

/* getopt_long for the intel subcommands: 'h' is --help, ':' a missing value, '?' unknown */
static int intel_opt_error(const char *sub, int c, char **argv)
{
    if (c == ':')
        fprintf(stderr, "emoguard intel %s: %s needs a value\n", sub, argv[optind - 1]);
    else
        fprintf(stderr, "emoguard intel %s: unknown option %s\n", sub, argv[optind - 1]);
    return 3;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"ioc", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    int bad = 0, n = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case 'r': bad += !check_rules(optarg); break;
        case 'i': bad += !check_feed(optarg); break;
        default: return intel_opt_error("check", c, argv);
        }
        n++;
    }
    for (int i = optind; i < argc; i++, n++)
        bad += is_rules_path(argv[i]) ? !check_rules(argv[i]) : !check_feed(argv[i]);
    if (!n) {
        usage(stderr);
        return 3;
    }
    return bad ? 1 : 0;
}

/* ---- match ----------------------------------------------------------------------------- */

typedef struct {
    const char *what;
    size_t n;
} match_out;

/* Feed remarks and rule meta are text from files: sanitised so they cannot drive a terminal. */
static void put_clean(const char *s)
{
    char *c = eg_utf8_sanitize(s, strlen(s), 600, false);
    fputs(c ? c : "?", stdout);
    free(c);
}

static void print_match(void *ud, const eg_intel_match *m)
{
    match_out *o = ud;
    o->n++;
    put_clean(o->what);
    printf("\tMATCH\t%s ", m->kind);
    put_clean(m->value);
    printf("\t");
    put_clean(m->feed);
    printf(":%u\t%s", m->line, m->format);
    if (m->note) {
        putchar('\t');
        put_clean(m->note);
    }
    putchar('\n');
}

static void print_yara(void *ud, const eg_intel_yara_hit *h)
{
    match_out *o = ud;
    o->n++;
    put_clean(o->what);
    printf("\tYARA\t%s\t", h->rule);
    put_clean(h->file);
    putchar('\t');
    put_clean(h->tags);
    if (h->meta[0]) {
        putchar('\t');
        put_clean(h->meta);
    }
    putchar('\n');
}

static size_t match_file(const eg_intel *in, const char *path, bool *failed)
{
    uint8_t *data;
    size_t len;
    char err[200];
    match_out o = {path, 0};
    if (eg_feed_read_file(path, MAX_MATCH_FILE, &data, &len, err, sizeof err) != EG_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        *failed = true;
        return 0;
    }
    eg_intel_lookup_bytes(in, data, len, print_match, &o);
    eg_status st = eg_intel_yara(in, data, len, NULL, 60, print_yara, &o);
    if (st != EG_OK)
        fprintf(stderr, "%s: YARA scan incomplete: %s\n", path, eg_status_str(st));
    if (!o.n)
        printf("%s\tno match\n", path);
    free(data);
    return o.n;
}

static int cmd_match(int argc, char **argv)
{
    const char *feeds[MAX_ARGS], *values[MAX_ARGS], *files[MAX_ARGS], *rules = NULL;
    size_t nf = 0, nv = 0, nfi = 0;
    static const struct option opts[] = {
        {"ioc", required_argument, NULL, 'i'},   {"feed", required_argument, NULL, 'i'},
        {"rules", required_argument, NULL, 'r'}, {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},        {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":i:r:f:h", opts, NULL)) != -1) {
        if (nf >= MAX_ARGS || nfi >= MAX_ARGS) {
            fprintf(stderr, "emoguard intel match: too many arguments\n");
            return 3;
        }
        switch (c) {
        case 'h': usage(stdout); return 0;
        case 'i': feeds[nf++] = optarg; break;
        case 'r': rules = optarg; break;
        case 'f': files[nfi++] = optarg; break;
        default: return intel_opt_error("match", c, argv);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (nv >= MAX_ARGS) {
            fprintf(stderr, "emoguard intel match: too many arguments\n");
            return 3;
        }
        values[nv++] = argv[i];
    }
    if ((!nf && !rules) || (!nv && !nfi)) {
        usage(stderr);
        return 3;
    }
    eg_intel *in;
    char err[512];
    if (eg_intel_load_ex(feeds, nf, rules, print_diag, NULL, &in, err, sizeof err) != EG_OK) {
        fprintf(stderr, "emoguard intel match: %s\n", err);
        return 4;
    }
    size_t hits = 0;
    bool failed = false;
    for (size_t i = 0; i < nv; i++) {
        bool valid;
        match_out o = {values[i], 0};
        size_t n = eg_intel_lookup_value(in, values[i], &valid, print_match, &o);
        if (!valid) {
            fprintf(stderr, "%s: not a hash, URL, domain, IP address or mail address\n", values[i]);
            failed = true;
        } else if (!n) {
            printf("%s\tno match\n", values[i]);
        }
        hits += n;
    }
    for (size_t i = 0; i < nfi; i++)
        hits += match_file(in, files[i], &failed);
    eg_intel_free(in);
    if (hits)
        return 1;
    return failed ? 3 : 0;
}

/* ---- exposure -------------------------------------------------------------------------- */

static int split_domains(char *list, const char **out, size_t *n)
{
    for (char *tok = strtok(list, ", "); tok; tok = strtok(NULL, ", ")) {
        if (*n >= MAX_ARGS)
            return -1;
        out[(*n)++] = tok;
    }
    return 0;
}

static void exposure_text(const eg_exposure *e, const char *const *domains, size_t nd, eg_lang lang)
{
    size_t n = eg_exposure_count(e), rows, matched;
    eg_exposure_totals(e, &rows, &matched);
    bool ja = lang == EG_LANG_JA;
    printf(ja ? "対象ドメイン: " : "Domains: ");
    for (size_t i = 0; i < nd; i++)
        printf("%s%s", i ? ", " : "", domains[i]);
    if (ja)
        printf("\nフィードの %zu 行を確認し、%zu "
               "行が該当しました。流出・悪用が確認されたアカウント: %zu 件\n",
               rows, matched, n);
    else
        printf("\n%zu feed rows read, %zu about these domains. Accounts exposed: %zu\n", rows,
               matched, n);
    for (size_t i = 0; i < n; i++) {
        const eg_exposure_account *a = eg_exposure_get(e, i);
        printf("\n%s\n", a->address);
        for (size_t j = 0; j < a->n_sources; j++) {
            const eg_exposure_source *s = &a->sources[j];
            const char *src =
                s->source[0] ? s->source : (ja ? "（出典なし）" : "(no source given)");
            if (ja)
                printf("  - %s  初回: %s  最終: %s  （%s、%zu 行）\n", src,
                       s->first_seen[0] ? s->first_seen : "不明",
                       s->last_seen[0] ? s->last_seen : "不明", s->where, s->rows);
            else
                printf("  - %s  first seen: %s  last seen: %s  (%s, %zu rows)\n", src,
                       s->first_seen[0] ? s->first_seen : "unknown",
                       s->last_seen[0] ? s->last_seen : "unknown", s->where, s->rows);
        }
        if (ja)
            printf(
                "  対処: "
                "このアカウントのパスワードを直ちに変更してください（同じパスワードを使っている他の"
                "サービスも含む）。\n        "
                "このアカウントを使っているPCがEmotetに感染していないか、"
                "emoguard hostcheck や EmoCheck で確認してください。\n");
        else
            printf("  Advice: change this account's password now (and wherever the same password "
                   "is used).\n"
                   "          Check the PCs that use this account for Emotet (emoguard hostcheck "
                   "or EmoCheck).\n");
    }
}

/* feed text may hold invalid UTF-8, which jansson refuses: null then, never a broken document */
static json_t *jstr(const char *s)
{
    json_t *j = s && s[0] ? json_string(s) : NULL;
    return j ? j : json_null();
}

static int exposure_json(const eg_exposure *e, const char *const *domains, size_t nd)
{
    size_t rows, matched;
    eg_exposure_totals(e, &rows, &matched);
    json_t *root = json_object(), *jd = json_array(), *ja = json_array();
    for (size_t i = 0; i < nd; i++)
        json_array_append_new(jd, jstr(domains[i]));
    for (size_t i = 0; i < eg_exposure_count(e); i++) {
        const eg_exposure_account *a = eg_exposure_get(e, i);
        json_t *acc = json_object(), *srcs = json_array();
        json_object_set_new(acc, "address", jstr(a->address));
        for (size_t j = 0; j < a->n_sources; j++) {
            const eg_exposure_source *s = &a->sources[j];
            json_t *js = json_object();
            json_object_set_new(js, "source", jstr(s->source));
            json_object_set_new(js, "first_seen", jstr(s->first_seen));
            json_object_set_new(js, "last_seen", jstr(s->last_seen));
            json_object_set_new(js, "where", jstr(s->where));
            json_object_set_new(js, "rows", json_integer((json_int_t)s->rows));
            json_array_append_new(srcs, js);
        }
        json_object_set_new(acc, "sources", srcs);
        json_object_set_new(acc, "advice", json_string("reset-password,check-pc"));
        json_array_append_new(ja, acc);
    }
    json_object_set_new(root, "domains", jd);
    json_object_set_new(root, "rows", json_integer((json_int_t)rows));
    json_object_set_new(root, "matched_rows", json_integer((json_int_t)matched));
    json_object_set_new(root, "accounts", ja);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

static int cmd_exposure(int argc, char **argv)
{
    const char *domains[MAX_ARGS], *feeds[MAX_ARGS];
    size_t nd = 0, nf = 0;
    bool json = false;
    eg_lang lang = (eg_cli_lang_is_ja() ? EG_LANG_JA : EG_LANG_EN);
    char *dlist[MAX_ARGS];
    size_t ndl = 0;
    static const struct option opts[] = {
        {"domains", required_argument, NULL, 'd'}, {"feed", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},  {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},          {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:i:f:l:h", opts, NULL)) != -1) {
        if (nf >= MAX_ARGS || ndl >= MAX_ARGS) {
            fprintf(stderr, "emoguard intel exposure: too many arguments\n");
            return 3;
        }
        switch (c) {
        case 'h': usage(stdout); return 0;
        case 'd': dlist[ndl++] = optarg; break;
        case 'i': feeds[nf++] = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
                fprintf(stderr, "emoguard intel exposure: --format is text or json\n");
                return 3;
            }
            json = !strcmp(optarg, "json");
            break;
        case 'l':
            if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
                fprintf(stderr, "emoguard intel exposure: --lang is ja or en\n");
                return 3;
            }
            lang = !strcmp(optarg, "ja") ? EG_LANG_JA : EG_LANG_EN;
            break;
        default: return intel_opt_error("exposure", c, argv);
        }
    }
    for (int i = optind; i < argc; i++) { /* "--feed a.csv b.csv" */
        if (nf >= MAX_ARGS) {
            fprintf(stderr, "emoguard intel exposure: too many arguments\n");
            return 3;
        }
        feeds[nf++] = argv[i];
    }
    for (size_t i = 0; i < ndl; i++)
        if (split_domains(dlist[i], domains, &nd) != 0) {
            fprintf(stderr, "emoguard intel exposure: too many domains\n");
            return 3;
        }
    if (!nd || !nf) {
        usage(stderr);
        return 3;
    }
    eg_exposure *e;
    if (eg_exposure_new(domains, nd, &e) != EG_OK) {
        fprintf(stderr, "emoguard intel exposure: invalid domain in --domains\n");
        return 3;
    }
    bool refused = false;
    for (size_t i = 0; i < nf; i++)
        if (eg_exposure_load(e, feeds[i], print_diag, NULL) != EG_OK) {
            fprintf(stderr, "%s: refused (see the errors above)\n", feeds[i]);
            refused = true;
        }
    if (refused) {
        eg_exposure_free(e);
        return 4;
    }
    int rc = eg_exposure_count(e) ? 1 : 0;
    if (json) {
        if (exposure_json(e, domains, nd) != 0)
            rc = 4;
    } else {
        exposure_text(e, domains, nd, lang);
    }
    eg_exposure_free(e);
    return rc;
}

int eg_cmd_intel(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 3;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(sub, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(sub, "match"))
        return cmd_match(argc - 1, argv + 1);
    if (!strcmp(sub, "exposure"))
        return cmd_exposure(argc - 1, argv + 1);
    fprintf(stderr, "emoguard intel: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return 3;
}

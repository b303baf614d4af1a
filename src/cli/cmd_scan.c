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
#include "mail/brief.h"
#include "mail/mailbox.h"
#include "verdict/rules.h"

#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
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

/* Mails in flight: enumerated, being scanned, or scanned and waiting for an earlier one to be
 * written. The enumerator waits when the window is full, so a slow mail holds back at most
 * WINDOW reports, whatever the batch. */
#define WINDOW 256
/* A password mail is looked for among this many inputs before and after its archive mail. */
#define LINK_SPAN 64
/* slots: the window, and behind it the inputs a pending archive mail may still pair with */
#define RING (WINDOW + LINK_SPAN)

enum { BRIEF_NONE, BRIEF_OK, BRIEF_FAILED };

typedef struct {
    size_t seq;
    eg_input_ref ref; /* how to read the input (again) */
    /* result, set by the worker that scanned it */
    bool done;
    bool skipped; /* a file in a walked directory that is not a mail */
    eg_status st;
    char why[256];
    eg_report *rep;
    char *out; /* the formatted report */
    /* pairing, only for inputs near a mail whose encrypted content stayed closed */
    int brief_state;
    eg_mail_brief brief;
    bool used; /* already gave its passwords to an archive mail */
} slot;

typedef struct summary summary;

typedef struct {
    eg_scanner *sc;
    eg_inputs *in;
    const scan_args *a;
    slot *ring;
    pthread_mutex_t mu;
    pthread_cond_t cv_work;  /* an input was enumerated, or the end */
    pthread_cond_t cv_space; /* the output advanced: room in the window */
    pthread_cond_t cv_enum;  /* for a mail waiting for the inputs after it to be enumerated */
    bool space_waiting;      /* the enumerator waits for room */
    int enum_waiting;
    size_t produced; /* inputs enumerated */
    bool eof;        /* enumeration finished */
    size_t next;     /* next input to scan */
    size_t written;  /* inputs written */
    bool writing;    /* a worker is writing */
    /* owned by the writing worker */
    summary *sm;
    eg_extract_index *ix;
    bool show_progress, bar_drawn;
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

#define MAX_FLAGGED 1000 /* flagged mails listed in the summary; the rest counted */

typedef struct {
    eg_verdict verdict;
    char *line; /* "source  From  Subject  RULE" for the summary, malloc'd */
} flagged;

struct summary {
    size_t counts[3], errors, skipped;
    size_t *rule_hits;
    int worst;
    flagged *flag;
    size_t n_flag, more_flag;
};

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

/* The report as printed, made by the worker that scanned the mail (formatting is a good part of
 * the cost of a small mail), NULL with --summary. */
static char *format_report(const scan_args *a, const eg_report *r)
{
    if (a->quiet)
        return NULL;
    if (!strcmp(a->format, "json"))
        return eg_report_json(r, a->lang);
    eg_text_options to = {a->lang, a->color, a->verbose, a->contact};
    return eg_report_text_opt(r, &to);
}

/* The bar lives on stderr, the reports on stdout: both may be one terminal (or one pipe with
 * 2>&1), so stdout is flushed before stderr is written and the bar's line is erased before a
 * report is printed. */
static void bar_erase(bool shown)
{
    if (shown)
        fputs("\r\033[K", stderr);
}

static void print_error(const scan_args *a, const char *source, const char *why)
{
    fflush(stdout);
    fprintf(stderr, "emoguard scan: %s: %s\n", source, why);
    if (!strcmp(a->format, "json") && !a->quiet) {
        char *src = eg_utf8_sanitize(source, strlen(source), 4096, false);
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

static void print_skipped(const scan_args *a, const char *source)
{
    fflush(stdout);
    fprintf(stderr,
            a->lang == EG_LANG_JA
                ? "emoguard scan: %s: メールではないため飛ばしました "
                  "(ファイル名を指定すれば検査します)\n"
                : "emoguard scan: %s: not a mail, skipped (name it to scan it anyway)\n",
            source);
}

/* total 0: not known yet (the inputs are still being enumerated) */
static void progress(size_t done, size_t total)
{
    int w = 40, filled = total ? (int)(done * (size_t)w / total) : 0;
    if (total)
        fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu", filled,
                "########################################", w - filled, "", done, total);
    else
        fprintf(stderr, "\r\033[K[%*s] %zu", w, "", done);
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

/* ---- the pipeline -------------------------------------------------------------------------
 *
 * The main thread enumerates inputs into a ring of slots (never more than WINDOW ahead of the
 * output); workers take the next input, read it into their own buffer, scan it, format the
 * report, and hand the slot back; whichever worker finds the next slot in input order done
 * writes it (one writer at a time, outside the lock). Memory is bounded by the window, not by
 * the batch: a slot holds a reference to where the input's bytes are, and its report until the
 * report is written.
 *
 * A separate password mail: when a mail's encrypted content (an archive, a document) stayed
 * closed, its worker reads the headers of the inputs within LINK_SPAN before and after it
 * (waiting until those are enumerated), picks the password mail as eg_mailbox_link_passwords
 * does, and scans the mail again with that mail's passwords. Nothing is read for pairing in a
 * batch without such a mail. */

static slot *slot_of(pool *p, size_t seq)
{
    return &p->ring[seq % RING];
}

static void slot_clear(slot *sl)
{
    eg_input_ref_free(&sl->ref);
    if (sl->brief_state == BRIEF_OK)
        eg_mail_brief_free(&sl->brief);
    eg_report_free(sl->rep);
    free(sl->out);
    memset(sl, 0, sizeof *sl);
}

/* What says that encrypted content could not be opened, so a password from elsewhere may help. */
static bool needs_password(const eg_report *r)
{
    /* by table index: no search of the rule table per mail */
    return r && (eg_report_has_rule_index(r, EG_R_ARCHIVE_NOT_OPENED) ||
                 eg_report_has_rule_index(r, EG_R_ARCHIVE_ENCRYPTED_NAMES) ||
                 eg_report_has_rule_index(r, EG_R_OFFICE_ENCRYPTED));
}

/* The headers-only brief of input j (read again from where it is), cached in its slot. The
 * caller's mail is not written yet, so j's slot (within LINK_SPAN of it) is not reused. */
static void ensure_brief(pool *p, size_t j, eg_input_buf *aux)
{
    slot *sl = slot_of(p, j);
    pthread_mutex_lock(&p->mu);
    int state = sl->brief_state;
    pthread_mutex_unlock(&p->mu);
    if (state != BRIEF_NONE)
        return;
    const uint8_t *d;
    size_t n;
    const char *why;
    eg_mail_brief b;
    bool ok = sl->ref.kind != EG_IN_ERROR && eg_input_load(&sl->ref, aux, &d, &n, &why) == EG_OK &&
              n > 0 && eg_input_looks_like_mail(&sl->ref, d, n) &&
              eg_mail_brief_read(d, n, false, &b) == EG_OK;
    eg_input_buf_release(aux);
    pthread_mutex_lock(&p->mu);
    if (sl->brief_state == BRIEF_NONE) {
        sl->brief_state = ok ? BRIEF_OK : BRIEF_FAILED;
        if (ok)
            sl->brief = b;
    } else if (ok) {
        eg_mail_brief_free(&b); /* another worker was faster */
    }
    pthread_mutex_unlock(&p->mu);
}

/* Looks for the password mail of input t (bytes d/n); on success scans it again with that
 * mail's passwords and replaces *r. */
static void link_and_rescan(pool *p, size_t t, const uint8_t *d, size_t n, eg_scan_input *in,
                            eg_report **r, eg_input_buf *aux)
{
    eg_mail_brief tb;
    if (eg_mail_brief_read(d, n, false, &tb) != EG_OK)
        return;
    if (!tb.from || !tb.has_attachment) {
        eg_mail_brief_free(&tb);
        return;
    }
    /* the inputs after t must be enumerated: the enumerator may run WINDOW past the output,
     * which cannot pass t, so this wait ends */
    pthread_mutex_lock(&p->mu);
    p->enum_waiting++;
    while (!p->eof && p->produced <= t + LINK_SPAN)
        pthread_cond_wait(&p->cv_enum, &p->mu);
    p->enum_waiting--;
    size_t hi = p->produced;
    pthread_mutex_unlock(&p->mu);
    size_t lo = t > LINK_SPAN ? t - LINK_SPAN : 0;
    if (hi > t + LINK_SPAN + 1)
        hi = t + LINK_SPAN + 1;
    for (size_t j = lo; j < hi; j++)
        if (j != t)
            ensure_brief(p, j, aux);
    size_t best = SIZE_MAX;
    int64_t best_d = INT64_MAX;
    pthread_mutex_lock(&p->mu);
    for (size_t j = lo; j < hi; j++) {
        slot *sl = slot_of(p, j);
        int64_t dist;
        if (j != t && sl->brief_state == BRIEF_OK && !sl->used &&
            eg_mailbox_pair_candidate(&tb, t, &sl->brief, j, &dist) && dist < best_d) {
            best = j;
            best_d = dist;
        }
    }
    if (best != SIZE_MAX)
        slot_of(p, best)->used = true; /* claimed while its text is read */
    pthread_mutex_unlock(&p->mu);
    if (best == SIZE_MAX) {
        eg_mail_brief_free(&tb);
        return;
    }
    slot *src = slot_of(p, best);
    const uint8_t *sd;
    size_t sn;
    const char *why;
    eg_password_link l;
    eg_status st = eg_input_load(&src->ref, aux, &sd, &sn, &why);
    if (st == EG_OK)
        st = eg_mailbox_link_pair(&tb, t, &src->brief, best, sd, sn, &l);
    eg_input_buf_release(aux);
    eg_mail_brief_free(&tb);
    if (st != EG_OK) {
        pthread_mutex_lock(&p->mu);
        src->used = false;
        pthread_mutex_unlock(&p->mu);
        return;
    }
    in->passwords = (const char *const *)l.passwords;
    in->n_passwords = l.n_passwords;
    in->passwords_origin = l.origin;
    eg_report *again = NULL;
    if (eg_scanner_scan(p->sc, in, &again) == EG_OK) {
        eg_report_free(*r);
        *r = again;
    }
    in->passwords = NULL;
    in->n_passwords = 0;
    in->passwords_origin = NULL;
    for (size_t k = 0; k < l.n_passwords; k++)
        free(l.passwords[k]);
    free(l.passwords);
    free(l.origin);
}

/* Scans input i (its slot's reference) and fills the slot's result. */
static void scan_one(pool *p, size_t i, eg_input_buf *buf, eg_input_buf *aux)
{
    slot *sl = slot_of(p, i);
    const scan_args *a = p->a;
    const uint8_t *d;
    size_t n;
    const char *why = NULL;
    eg_report *r = NULL;
    bool skipped = false;
    eg_status st = eg_input_load(&sl->ref, buf, &d, &n, &why);
    if (st == EG_OK && !eg_input_looks_like_mail(&sl->ref, d, n)) {
        skipped = true;
    } else if (st == EG_OK) {
        eg_scan_input in = {
            .source = sl->ref.source, .data = d, .len = n, .is_mail = sl->ref.is_mail};
        eg_extractor ex;
        if (a->extract_dir) {
            eg_extractor_init(&ex, a->extract_dir, i, a->force);
            in.on_object = eg_extractor_cb;
            in.on_object_ud = &ex;
        }
        st = eg_scanner_scan(p->sc, &in, &r);
        if (st == EG_OK && needs_password(r)) {
            if (a->extract_dir) /* the second scan writes the same objects again, and more */
                eg_extractor_init(&ex, a->extract_dir, i, true);
            link_and_rescan(p, i, d, n, &in, &r, aux);
        }
        if (st != EG_OK)
            why = eg_status_str(st);
    }
    eg_input_buf_release(buf); /* the mail's bytes are not needed past its scan */
    char *out = r ? format_report(a, r) : NULL;
    pthread_mutex_lock(&p->mu);
    sl->skipped = skipped;
    sl->st = skipped ? EG_OK : st;
    if (why)
        snprintf(sl->why, sizeof sl->why, "%s", why);
    sl->rep = r;
    sl->out = out;
    sl->done = true;
    pthread_mutex_unlock(&p->mu);
}

/* Writes every finished slot that is next in input order. Called with the lock held; returns
 * with it held. Only one worker writes at a time; the writing itself is done unlocked. */
static void write_ready(pool *p)
{
    if (p->writing)
        return;
    p->writing = true;
    for (;;) {
        slot *sl = slot_of(p, p->written);
        if (p->written >= p->produced || !sl->done || sl->seq != p->written)
            break;
        /* take the result out of the slot; its reference and brief stay for pairing */
        size_t seq = sl->seq;
        eg_report *r = sl->rep;
        char *out = sl->out;
        bool skipped = sl->skipped;
        eg_status st = sl->st;
        char why[sizeof sl->why];
        memcpy(why, sl->why, sizeof why);
        const char *source = sl->ref.source ? sl->ref.source : "?";
        sl->rep = NULL;
        sl->out = NULL;
        size_t total = p->eof ? p->produced : 0;
        bool bar = p->show_progress && p->produced > 1; /* no bar for a single mail */
        pthread_mutex_unlock(&p->mu);
        bar_erase(p->bar_drawn);
        if (skipped) {
            p->sm->skipped++;
            print_skipped(p->a, source);
        } else if (r) {
            account(p->sm, r);
            eg_extract_index_add(p->ix, seq, r);
            if (out) {
                fputs(out, stdout);
                fputs("\n", stdout);
            }
            fflush(stdout);
        } else {
            p->sm->errors++;
            print_error(p->a, source, *why ? why : eg_status_str(st));
        }
        eg_report_free(r);
        free(out);
        if (bar) { /* mails, not the files skipped as not mail */
            progress(seq + 1 - p->sm->skipped, total ? total - p->sm->skipped : 0);
            p->bar_drawn = true;
        }
        pthread_mutex_lock(&p->mu);
        p->written++; /* after the print: the slot's source was still in use */
        if (p->space_waiting && p->produced + WINDOW / 4 <= p->written + WINDOW)
            pthread_cond_signal(&p->cv_space);
    }
    p->writing = false;
}

static void *worker(void *arg)
{
    pool *p = arg;
    eg_input_buf buf = {0}, aux = {0};
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next >= p->produced && !p->eof)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->next >= p->produced)
            break;
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        scan_one(p, i, &buf, &aux);
        pthread_mutex_lock(&p->mu);
        write_ready(p);
    }
    pthread_mutex_unlock(&p->mu);
    eg_input_buf_free(&buf);
    eg_input_buf_free(&aux);
    return NULL;
}

/* The main thread's part: hand out inputs in order, never more than WINDOW ahead of the output. */
static void enumerate(pool *p)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->produced >= p->written + WINDOW) {
            /* woken when a quarter of the window is free, not at every mail */
            p->space_waiting = true;
            while (p->produced + WINDOW / 4 > p->written + WINDOW)
                pthread_cond_wait(&p->cv_space, &p->mu);
            p->space_waiting = false;
        }
        pthread_mutex_unlock(&p->mu);
        eg_input_ref ref;
        int more = eg_inputs_next(p->in, &ref);
        pthread_mutex_lock(&p->mu);
        if (!more) {
            p->eof = true;
            pthread_cond_broadcast(&p->cv_work);
            pthread_cond_broadcast(&p->cv_enum);
            pthread_mutex_unlock(&p->mu);
            return;
        }
        /* the slot last held input produced - RING, written and out of every pairing span */
        slot *sl = slot_of(p, p->produced);
        slot_clear(sl);
        sl->seq = p->produced;
        sl->ref = ref;
        p->produced++;
        pthread_cond_signal(&p->cv_work);
        if (p->enum_waiting)
            pthread_cond_broadcast(&p->cv_enum);
        pthread_mutex_unlock(&p->mu);
    }
}

static int run(const scan_args *a, eg_scanner *sc, eg_inputs *in)
{
    pool p = {.sc = sc, .in = in, .a = a};
    summary sm = {.rule_hits = calloc(eg_rule_count(), sizeof(size_t)),
                  .flag = calloc(MAX_FLAGGED, sizeof(flagged))};
    p.ring = calloc(RING, sizeof *p.ring);
    p.sm = &sm;
    if (!p.ring || !sm.rule_hits || !sm.flag) {
        fprintf(stderr, "emoguard scan: out of memory\n");
        free(p.ring);
        free(sm.rule_hits);
        free(sm.flag);
        return 4;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_work, NULL);
    pthread_cond_init(&p.cv_space, NULL);
    pthread_cond_init(&p.cv_enum, NULL);
    p.ix = a->extract_dir ? eg_extract_index_new() : NULL;
    p.show_progress = isatty(STDERR_FILENO) && !getenv("EG_NO_PROGRESS");
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
    for (int t = 0; t < a->jobs; t++)
        if (pthread_create(&th[t], have_attr ? &attr : NULL, worker, &p) == 0)
            started++;
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (started == 0) {
        fprintf(stderr, "emoguard scan: cannot start a scan thread\n");
        free(p.ring);
        free(sm.rule_hits);
        free(sm.flag);
        return 4;
    }
    enumerate(&p);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    size_t n = p.produced - sm.skipped; /* mails, not the files skipped as not mail */
    if (p.show_progress && n > 1) {
        progress(n, n);
        bar_erase(true);
    }
    bool index_failed = p.ix && eg_extract_index_write(p.ix, a->extract_dir, a->force) != 0;
    if (n > 1 || a->summary)
        print_summary(a, &sm, n);
    for (size_t i = 0; i < RING; i++)
        slot_clear(&p.ring[i]);
    free(p.ring);
    for (size_t i = 0; i < sm.n_flag; i++)
        free(sm.flag[i].line);
    free(sm.flag);
    free(sm.rule_hits);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv_work);
    pthread_cond_destroy(&p.cv_space);
    pthread_cond_destroy(&p.cv_enum);
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
        if (eg_inputs_add(in, argv[i]) != 0) {
            fprintf(stderr, "emoguard scan: out of memory\n");
            eg_inputs_free(in);
            eg_scanner_free(sc);
            return 4;
        }
    int rc = run(&a, sc, in);
    eg_inputs_free(in);
    eg_scanner_free(sc);
    return rc;
}

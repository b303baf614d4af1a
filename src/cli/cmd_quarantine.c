/*
 * `emoguard quarantine list|show|release|delete`: the mail the milter put into Postfix's hold
 * queue, with emoguard's verdict, score and decisive rules from the records it kept in state_dir
 * (src/quarantine). Postfix's queue is read and changed only through Postfix's own tools.
 * `list` also removes the records of queue ids Postfix no longer has. This command does not scan.
 */
#include "cli/cli.h"

#include "core/utf8.h"

#include "milter/config.h"
#include "quarantine/postfix.h"
#include "quarantine/quarantine.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *conf;
    const char *pf_dir; /* Postfix configuration directory, NULL = default */
    char state_dir[4096];
    bool json;
} qopts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: emoguard quarantine [options] list\n"
            "       emoguard quarantine [options] show QUEUE_ID\n"
            "       emoguard quarantine [options] release QUEUE_ID...\n"
            "       emoguard quarantine [options] delete QUEUE_ID...\n"
            "  -c, --config FILE        emoguard.conf, for state_dir (default "
            "/etc/emoguard/emoguard.conf)\n"
            "  -C, --postfix-config DIR Postfix configuration directory (postqueue -c)\n"
            "  -s, --state-dir DIR      where the milter keeps its records (overrides the config)\n"
            "      --json               list/show: one JSON object per mail\n"
            "release: postsuper -H, then postqueue -i (delivered at once); delete: postsuper -d.\n"
            "Both remove emoguard's record. list also drops records of mail no longer queued.\n");
}

static bool find(const eg_pfq_entry *q, size_t n, const char *id, const eg_pfq_entry **hit)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(q[i].queue_id, id)) {
            if (hit)
                *hit = &q[i];
            return true;
        }
    return false;
}

typedef struct {
    const eg_pfq_entry *q;
    size_t n;
} queue_view;

static bool still_queued(const char *id, void *ud)
{
    const queue_view *v = ud;
    return find(v->q, v->n, id, NULL);
}

/* A JSON string of s made valid UTF-8 first (held mail's headers are the sender's bytes). */
static void jstr(const char *s)
{
    char *c = eg_utf8_sanitize(s ? s : "", s ? strlen(s) : 0, 0, true);
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(c ? c : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
    free(c);
}

static void print_json(const eg_pfq_entry *e, const eg_qrec *r, const char *headers)
{
    printf("{\"queue_id\":");
    jstr(e->queue_id);
    printf(",\"queue\":");
    jstr(e->queue_name);
    printf(",\"arrival_time\":%lld,\"size\":%llu,\"sender\":", (long long)e->arrival_time,
           (unsigned long long)e->size);
    jstr(e->sender);
    printf(",\"recipients\":%u,\"record\":%s", e->n_rcpts, r ? "true" : "false");
    if (r) {
        printf(",\"verdict\":");
        jstr(r->verdict);
        printf(",\"score\":%d,\"rules\":", r->score);
        jstr(r->rules);
        printf(",\"reason\":");
        jstr(r->reason);
        printf(",\"subject\":");
        jstr(r->subject);
        printf(",\"account\":");
        jstr(r->account);
        printf(",\"findings\":[");
        for (size_t i = 0; i < r->n_findings; i++) {
            printf(i ? ",{\"rule\":" : "{\"rule\":");
            jstr(r->findings[i].rule);
            printf(",\"score\":%d,\"evidence\":", r->findings[i].score);
            jstr(r->findings[i].evidence);
            putchar('}');
        }
        putchar(']');
    }
    if (headers) {
        printf(",\"headers\":");
        jstr(headers);
    }
    printf("}\n");
}

/* A queue entry's text cleaned for the terminal (sender addresses are the sender's words). */
static const char *tty(const char *s, char *buf, size_t n)
{
    eg_qrec_set(buf, n, s);
    return buf;
}

static int cmd_list(const qopts *o)
{
    eg_pfq_entry *q = NULL;
    size_t n = 0;
    char err[600];
    if (eg_pfq_list(o->pf_dir, &q, &n, err, sizeof err) != EG_OK) {
        fprintf(stderr, "emoguard quarantine: cannot read the queue: %s\n", err);
        return EG_EXIT_USAGE;
    }
    queue_view v = {q, n};
    size_t pruned = 0;
    eg_qrec_prune(o->state_dir, still_queued, &v, &pruned);
    if (!o->json)
        printf("%-20s %-19s %8s %-11s %5s  %-30s %s\n", "QUEUE_ID", "ARRIVAL (UTC)", "SIZE",
               "VERDICT", "SCORE", "SENDER", "RULES");
    eg_qrec *r = malloc(sizeof *r);
    size_t held = 0;
    for (size_t i = 0; r && i < n; i++) {
        if (strcmp(q[i].queue_name, "hold"))
            continue;
        held++;
        bool have = eg_qrec_load(o->state_dir, q[i].queue_id, r) == EG_OK;
        if (o->json) {
            print_json(&q[i], have ? r : NULL, NULL);
            continue;
        }
        char ts[32] = "-", b1[256];
        time_t t = (time_t)q[i].arrival_time;
        struct tm tm;
        if (t && gmtime_r(&t, &tm))
            strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        char score[16] = "-";
        if (have)
            snprintf(score, sizeof score, "%d", r->score);
        printf("%-20s %-19s %8llu %-11s %5s  %-30s %s\n", q[i].queue_id, ts,
               (unsigned long long)q[i].size, have ? r->verdict : "-", score,
               tty(q[i].sender[0] ? q[i].sender : "<>", b1, sizeof b1),
               have ? (r->rules[0] ? r->rules : "-") : "(held, but not by emoguard: no record)");
    }
    if (!o->json)
        printf("%zu held%s", held, pruned ? "" : "\n");
    if (!o->json && pruned)
        printf("; %zu record%s of mail no longer queued removed\n", pruned, pruned == 1 ? "" : "s");
    free(r);
    free(q);
    return EG_EXIT_CLEAN;
}

static int cmd_show(const qopts *o, const char *id)
{
    if (!eg_qrec_valid_id(id)) {
        fprintf(stderr, "emoguard quarantine: '%s' is not a queue id\n", id);
        return EG_EXIT_USAGE;
    }
    eg_pfq_entry *q = NULL;
    size_t n = 0;
    char err[600];
    if (eg_pfq_list(o->pf_dir, &q, &n, err, sizeof err) != EG_OK) {
        fprintf(stderr, "emoguard quarantine: cannot read the queue: %s\n", err);
        return EG_EXIT_USAGE;
    }
    const eg_pfq_entry *e = NULL;
    if (!find(q, n, id, &e)) {
        fprintf(stderr, "emoguard quarantine: %s is not in the queue\n", id);
        free(q);
        return EG_EXIT_USAGE;
    }
    eg_qrec *r = calloc(1, sizeof *r);
    bool have = r && eg_qrec_load(o->state_dir, id, r) == EG_OK;
    char *headers = NULL;
    if (eg_pfq_headers(o->pf_dir, id, &headers, err, sizeof err) != EG_OK)
        fprintf(stderr, "emoguard quarantine: headers: %s\n", err);
    if (o->json) {
        print_json(e, have ? r : NULL, headers);
    } else {
        char b[600];
        printf("Queue id:   %s (%s queue)\n", e->queue_id, e->queue_name);
        printf("Sender:     %s\n", tty(e->sender[0] ? e->sender : "<>", b, sizeof b));
        printf("Recipients: %u%s%s\n", e->n_rcpts, e->rcpt[0] ? ", first " : "",
               tty(e->rcpt, b, sizeof b));
        if (have) {
            printf("Verdict:    %s\nScore:      %d\nRules:      %s\nReason:     %s\n", r->verdict,
                   r->score, r->rules[0] ? r->rules : "-", r->reason);
            if (r->account[0])
                printf("Account:    %s\n", r->account);
            if (r->subject[0])
                printf("Subject:    %s\n", r->subject);
            for (size_t i = 0; i < r->n_findings; i++)
                printf("  %-28s +%-4d %s\n", r->findings[i].rule, r->findings[i].score,
                       r->findings[i].evidence);
        } else {
            printf("No emoguard record (held by something else, or the record was removed).\n");
        }
        if (headers) {
            /* the headers are the sender's bytes: control characters other than newline are hidden
             */
            for (char *p = headers; *p; p++)
                if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
                    *p = '?';
            printf("\n%s", headers);
        }
    }
    free(headers);
    free(r);
    free(q);
    return EG_EXIT_CLEAN;
}

static int cmd_change(const qopts *o, bool release, int n_ids, char **ids)
{
    eg_pfq_entry *q = NULL;
    size_t n = 0;
    char err[600];
    if (eg_pfq_list(o->pf_dir, &q, &n, err, sizeof err) != EG_OK) {
        fprintf(stderr, "emoguard quarantine: cannot read the queue: %s\n", err);
        return EG_EXIT_USAGE;
    }
    int rc = EG_EXIT_CLEAN;
    for (int i = 0; i < n_ids; i++) {
        const char *id = ids[i];
        const eg_pfq_entry *e = NULL;
        if (!eg_qrec_valid_id(id)) {
            fprintf(stderr, "emoguard quarantine: '%s' is not a queue id\n", id);
            rc = EG_EXIT_USAGE;
            continue;
        }
        /* only held mail: releasing or deleting mail on its way would be a different tool's job */
        if (!find(q, n, id, &e) || strcmp(e->queue_name, "hold")) {
            fprintf(stderr, "emoguard quarantine: %s is not in the hold queue\n", id);
            rc = EG_EXIT_USAGE;
            continue;
        }
        eg_status st = release ? eg_pfq_release(o->pf_dir, id, err, sizeof err)
                               : eg_pfq_delete(o->pf_dir, id, err, sizeof err);
        if (st != EG_OK) {
            fprintf(stderr, "emoguard quarantine: %s: %s\n", id, err);
            rc = EG_EXIT_USAGE;
            continue;
        }
        eg_qrec_remove(o->state_dir, id);
        printf("%s: %s\n", id, release ? "released (delivery started)" : "deleted");
    }
    free(q);
    return rc;
}

int eg_cmd_quarantine(int argc, char **argv)
{
    qopts o = {"/etc/emoguard/emoguard.conf", NULL, "", false};
    const char *state = NULL;
    bool conf_given = false;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"postfix-config", required_argument, NULL, 'C'},
                                         {"state-dir", required_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:C:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o.conf = optarg;
            conf_given = true;
            break;
        case 'C': o.pf_dir = optarg; break;
        case 's': state = optarg; break;
        case 'j': o.json = true; break;
        case 'h': usage(stdout); return EG_EXIT_CLEAN;
        default: usage(stderr); return EG_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EG_EXIT_USAGE;
    }
    if (state) {
        snprintf(o.state_dir, sizeof o.state_dir, "%s", state);
    } else {
        eg_milter_config cfg;
        eg_milter_config_init(&cfg);
        char err[600] = "";
        eg_status st = eg_milter_config_load(&cfg, o.conf, err, sizeof err);
        if (st != EG_OK &&
            (conf_given || st != EG_EIO)) { /* a missing default file: the defaults */
            fprintf(stderr, "emoguard quarantine: %s\n", err);
            eg_milter_config_free(&cfg);
            return EG_EXIT_USAGE;
        }
        if (st != EG_OK) { /* the defaults, as the milter would use them */
            eg_milter_config_free(&cfg);
            eg_milter_config_init(&cfg);
        }
        snprintf(o.state_dir, sizeof o.state_dir, "%s", cfg.state_dir);
        eg_milter_config_free(&cfg);
    }
    const char *verb = argv[optind];
    int rest = argc - optind - 1;
    char **ids = argv + optind + 1;
    if (!strcmp(verb, "list") && rest == 0)
        return cmd_list(&o);
    if (!strcmp(verb, "show") && rest == 1)
        return cmd_show(&o, ids[0]);
    if ((!strcmp(verb, "release") || !strcmp(verb, "delete")) && rest >= 1)
        return cmd_change(&o, !strcmp(verb, "release"), rest, ids);
    usage(stderr);
    return EG_EXIT_USAGE;
}

/*
 * `emoguard hostcheck`: front end of the host checker. Offline it reads one host's artifacts
 * (--hive, --processes, --files, --tasks, --info or --dir) or a directory of many hosts
 * (--hosts: one summary table plus one report file per host); on Windows without a source
 * option it examines the live system. It prints the report (text in Japanese or English, or
 * JSON), optionally writes it as <HOST>_<time>_emoguard.(txt|json), and with --remediate shows
 * (and on Windows with --yes carries out) the clean-up. No analysis happens here.
 *
 * With --audit it reports instead whether the PC blocks each stage of the Emotet chain, and
 * `emoguard harden` (eg_cmd_harden) writes, or on Windows applies and reverts, the policy that
 * closes the open stages.
 *
 * Exit codes: 0 clean, 1 infection found, 2 artifacts only, 3 error (never a detection);
 * --audit: 0 every stage blocked, 4 a stage not blocked, 3 error.
 * Built with -DEG_HOSTCHECK_MAIN (the Windows executable) this file also provides main().
 */
#include "cli/cli.h"

#include "host/audit.h"
#include "host/host.h"

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_HIVES 256

typedef struct {
    const char *hives[MAX_HIVES];
    int nhives;
    const char *procs, *files, *tasks, *info, *dir, *hosts, *output, *hostname, *quarantine;
    const char *out_prefix, *backup;
    eg_host_opts opt;
    bool json, remediate, yes, live;
    bool audit;                          /* hostcheck --audit */
    bool harden, enforce, apply, revert; /* emoguard harden */
    eg_lang lang;
} hc_args;

static void usage(FILE *f)
{
    fputs(
        "usage: emoguard hostcheck [options]\n"
        "Checks a Windows PC for Emotet (EmoCheck's detections and more).\n\n"
        "offline sources (any combination; see docs/hostcheck.md):\n"
        "  --hive FILE         NTUSER.DAT, SOFTWARE or SYSTEM hive (repeatable)\n"
        "  --processes FILE    process list CSV (docs/collect.ps1)\n"
        "  --files FILE        file list CSV\n"
        "  --tasks FILE        scheduled task CSV\n"
        "  --info FILE         host.txt (hostname, serial, systemroot)\n"
        "  --dir DIR           one host's artifact directory\n"
        "  --hosts DIR         a directory of artifact directories: summary + a report per host\n"
        "  --live              the running Windows system (default on Windows)\n\n"
        "options:\n"
        "  --serial XXXX-XXXX  volume serial of the system drive (EmoCheck v1/v2)\n"
        "  --hostname NAME     host name for the report\n"
        "  --format text|json  report format (default text)\n"
        "  --lang ja|en        report language (default from the locale)\n"
        "  --output DIR        also write <HOST>_<time>_emoguard.(txt|json) into DIR\n"
        "  --no-allowlist      do not skip EmoCheck v4 folders named like Program Files ones\n"
        "  --audit             containment audit instead: does this PC block each stage of the\n"
        "                      Emotet chain (exit 0 all blocked, 4 a stage not blocked)\n"
        "  --remediate         show what clean-up would do (dry run)\n"
        "  --yes               with --remediate on the live Windows system: do it\n"
        "  --quarantine DIR    quarantine folder (default %ProgramData%\\emoguard\\quarantine)\n"
        "  --help              this help\n\n",
        f);
    fputs(EG_EXIT_TABLE, f);
}

static eg_lang default_lang(void)
{
#ifdef _WIN32
    if (!getenv("LANG"))
        return eg_host_win32_lang_ja() ? EG_LANG_JA : EG_LANG_EN;
#endif
    const char *v = getenv("LC_ALL");
    if (!v || !*v)
        v = getenv("LC_MESSAGES");
    if (!v || !*v)
        v = getenv("LANG");
    return (v && !strncasecmp(v, "ja", 2)) ? EG_LANG_JA : EG_LANG_EN;
}

/* Returns 0 on success, 3 on a usage error, -1 for --help. */
static int parse_args(int argc, char **argv, hc_args *a, bool harden)
{
    memset(a, 0, sizeof *a);
    a->harden = harden;
    a->lang = default_lang();
    enum {
        O_HIVE = 256, O_PROCS, O_FILES, O_TASKS, O_INFO, O_DIR, O_HOSTS, O_OUTPUT, O_HOSTNAME,
        O_QUAR, O_SERIAL, O_FORMAT, O_LANG, O_NOALLOW, O_REMEDIATE, O_AUDIT, O_ENFORCE, O_APPLY,
        O_REVERT, O_OUT, O_BACKUP, O_YES, O_LIVE
    };
    static const struct option opts[] = {
        {"hive", required_argument, NULL, O_HIVE},
        {"processes", required_argument, NULL, O_PROCS},
        {"files", required_argument, NULL, O_FILES},
        {"tasks", required_argument, NULL, O_TASKS},
        {"info", required_argument, NULL, O_INFO},
        {"dir", required_argument, NULL, O_DIR},
        {"hosts", required_argument, NULL, O_HOSTS},
        {"output", required_argument, NULL, O_OUTPUT},
        {"hostname", required_argument, NULL, O_HOSTNAME},
        {"quarantine", required_argument, NULL, O_QUAR},
        {"serial", required_argument, NULL, O_SERIAL},
        {"format", required_argument, NULL, O_FORMAT},
        {"lang", required_argument, NULL, O_LANG},
        {"no-allowlist", no_argument, NULL, O_NOALLOW},
        {"remediate", no_argument, NULL, O_REMEDIATE},
        {"audit", no_argument, NULL, O_AUDIT},
        {"enforce", no_argument, NULL, O_ENFORCE},
        {"apply", no_argument, NULL, O_APPLY},
        {"revert", no_argument, NULL, O_REVERT},
        {"out", required_argument, NULL, O_OUT},
        {"backup", required_argument, NULL, O_BACKUP},
        {"yes", no_argument, NULL, O_YES},
        {"live", no_argument, NULL, O_LIVE},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        const char *v = optarg;
        bool bad = false;
        switch (c) {
        case 'h': return -1;
        case O_HIVE:
            if (a->nhives >= MAX_HIVES) {
                fprintf(stderr, "hostcheck: too many --hive options\n");
                return 3;
            }
            a->hives[a->nhives++] = v;
            break;
        case O_PROCS: a->procs = v; break;
        case O_FILES: a->files = v; break;
        case O_TASKS: a->tasks = v; break;
        case O_INFO: a->info = v; break;
        case O_DIR: a->dir = v; break;
        case O_HOSTS: a->hosts = v; break;
        case O_OUTPUT: a->output = v; break;
        case O_HOSTNAME: a->hostname = v; break;
        case O_QUAR: a->quarantine = v; break;
        case O_SERIAL:
            if (!eg_host_parse_serial(v, &a->opt.serial)) {
                fprintf(stderr, "hostcheck: --serial '%s' is not a volume serial (XXXX-XXXX)\n", v);
                return 3;
            }
            a->opt.have_serial = true;
            break;
        case O_FORMAT:
            if (strcmp(v, "text") && strcmp(v, "json")) {
                fprintf(stderr, "hostcheck: --format is text or json\n");
                return 3;
            }
            a->json = !strcmp(v, "json");
            break;
        case O_LANG:
            if (strcmp(v, "ja") && strcmp(v, "en")) {
                fprintf(stderr, "hostcheck: --lang is ja or en\n");
                return 3;
            }
            a->lang = !strcmp(v, "ja") ? EG_LANG_JA : EG_LANG_EN;
            break;
        case O_NOALLOW: a->opt.no_allowlist = true; break;
        case O_REMEDIATE: bad = harden, a->remediate = true; break;
        case O_AUDIT: bad = harden, a->audit = true; break;
        case O_ENFORCE: bad = !harden, a->enforce = true; break;
        case O_APPLY: bad = !harden, a->apply = true; break;
        case O_REVERT: bad = !harden, a->revert = true; break;
        case O_OUT: bad = !harden, a->out_prefix = v; break;
        case O_BACKUP: bad = !harden, a->backup = v; break;
        case O_YES: a->yes = true; break;
        case O_LIVE: a->live = true; break;
        case ':':
            fprintf(stderr, "hostcheck: %s needs a value\n", argv[optind - 1]);
            return 3;
        default: bad = true; break;
        }
        if (bad) {
            fprintf(stderr, "hostcheck: unknown option '%s'\n", argv[optind - 1]);
            return 3;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hostcheck: unexpected argument '%s' (the sources are given by options)\n",
                argv[optind]);
        return 3;
    }
    bool offline = a->nhives || a->procs || a->files || a->tasks || a->info || a->dir || a->hosts;
    if (a->hosts && (a->nhives || a->procs || a->files || a->tasks || a->info || a->dir)) {
        fprintf(stderr, "hostcheck: --hosts cannot be combined with single-host sources\n");
        return 3;
    }
    if (harden && a->hosts) {
        fprintf(stderr, "harden: one host at a time (--dir, --hive ... or the live system)\n");
        return 3;
    }
    if (a->apply && a->revert) {
        fprintf(stderr, "harden: --apply or --revert, not both\n");
        return 3;
    }
    if (a->revert && offline) {
        fprintf(stderr,
                "harden: --revert restores the live system from its backup; it takes no sources\n");
        return 3;
    }
    if (a->live && offline) {
        fprintf(stderr, "hostcheck: --live cannot be combined with offline sources\n");
        return 3;
    }
#ifdef _WIN32
    if (!offline)
        a->live = true;
#else
    if (a->live || a->apply || a->revert) {
        fprintf(stderr, "hostcheck: --live, --apply and --revert work only on Windows "
                        "(emoguard.exe from `make windows`)\n");
        return 3;
    }
    if (!offline) {
        fprintf(stderr, "hostcheck: give the artifacts to check (--dir, --hosts, --hive, --processes, --files)\n");
        return 3;
    }
#endif
    if (a->yes && !a->remediate && !a->apply && !a->revert) {
        fprintf(stderr, "hostcheck: --yes only confirms --remediate, --apply or --revert\n");
        return 3;
    }
    if (a->apply && !a->live) {
        fprintf(stderr,
                "harden: --apply acts only on the live Windows system; offline, harden writes "
                "the .reg and .ps1 files\n");
        return 3;
    }
    if (a->yes && !a->live && !a->revert) {
        fprintf(stderr, "hostcheck: --remediate --yes acts only on the live Windows system; "
                        "offline, --remediate shows the plan\n");
        return 3;
    }
    return 0;
}

static eg_status load_text(eg_host_snapshot *s, const char *path,
                           eg_status (*fn)(eg_host_snapshot *, const char *, size_t, char *, size_t),
                           char *err, size_t errlen)
{
    char *data;
    size_t len;
    eg_status st = eg_host_read_file(path, EG_HOST_MAX_CSV, &data, &len);
    if (st) {
        snprintf(err, errlen, "%s: %s", path,
                 st == EG_ELIMIT ? "file too large (limit 512 MiB), not read" : st == EG_ENOTFOUND ? "no such file" : "cannot read");
        return st;
    }
    char e2[512] = "";
    st = fn(s, data, len, e2, sizeof e2);
    if (st)
        snprintf(err, errlen, "%s: %s", path, e2[0] ? e2 : eg_status_str(st));
    free(data);
    return st;
}

/* Fills the snapshot of one host from the options. */
static eg_status load_single(const hc_args *a, eg_host_snapshot *s, char *err, size_t errlen)
{
    eg_status st = EG_OK;
#ifdef _WIN32
    if (a->live) {
        st = eg_host_set_str(&s->source, "live");
        return st ? st : eg_host_load_live(s, err, errlen);
    }
#endif
    if (a->dir)
        st = eg_host_load_dir(s, a->dir, err, errlen);
    else
        st = eg_host_set_str(&s->source, "files given on the command line");
    if (!st && a->info)
        st = load_text(s, a->info, eg_host_load_info, err, errlen);
    /* SOFTWARE and SYSTEM before NTUSER.DAT so profiles are known; the loader sorts that out */
    for (int pass = 0; pass < 2 && !st; pass++)
        for (int i = 0; i < a->nhives && !st; i++) {
            const char *b = strrchr(a->hives[i], '/');
            b = b ? b + 1 : a->hives[i];
            bool user = !strncasecmp(b, "NTUSER", 6);
            if (user != (pass == 1))
                continue;
#ifdef EG_HOST_NO_HIVEX
            snprintf(err, errlen, "%s: this build reads no hive files; use the Linux build", a->hives[i]);
            st = EG_EUNSUPPORTED;
#else
            st = eg_host_load_hive(s, a->hives[i], err, errlen);
#endif
        }
    if (!st && a->procs)
        st = load_text(s, a->procs, eg_host_load_procs_csv, err, errlen);
    if (!st && a->files)
        st = load_text(s, a->files, eg_host_load_files_csv, err, errlen);
    if (!st && a->tasks)
        st = load_text(s, a->tasks, eg_host_load_tasks_csv, err, errlen);
    return st;
}

static void now_utc(char *out, size_t cap, char *stamp, size_t scap)
{
    time_t t = time(NULL);
    struct tm *tm = gmtime(&t);
    if (!tm) {
        snprintf(out, cap, "1970-01-01 00:00:00");
        snprintf(stamp, scap, "19700101000000");
        return;
    }
    strftime(out, cap, "%Y-%m-%d %H:%M:%S", tm);
    strftime(stamp, scap, "%Y%m%d%H%M%S", tm);
}

static eg_status write_report(FILE *f, const hc_args *a, const eg_host_snapshot *s,
                              const eg_host_findings *h, const char *when)
{
    return a->json ? eg_host_report_json(f, s, h, when) : eg_host_report_text(f, s, h, a->lang, when);
}

/* <dir>/<HOST>_<stamp>_emoguard.(txt|json); the host name is reduced to safe characters. */
static eg_status write_report_file(const hc_args *a, const char *dir, const char *host,
                                   const eg_host_snapshot *s, const eg_host_findings *h,
                                   const char *when, const char *stamp, char *path, size_t cap)
{
    char safe[128];
    size_t n = 0;
    for (const char *p = host && *host ? host : "host"; *p && n + 1 < sizeof safe; p++)
    {
        bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  *p == '-' || *p == '_' || (*p == '.' && n > 0);
        safe[n++] = ok ? *p : '_';
    }
    safe[n] = 0;
    snprintf(path, cap, "%s/%s_%s_emoguard.%s", dir, safe, stamp, a->json ? "json" : "txt");
    FILE *f = fopen(path, "wb");
    if (!f)
        return EG_EIO;
    if (!a->json && a->lang == EG_LANG_JA)
        fputs("\xEF\xBB\xBF", f); /* Notepad on older Windows needs the BOM to read UTF-8 */
    eg_status st = write_report(f, a, s, h, when);
    if (fclose(f) != 0)
        st = EG_EIO;
    return st;
}

/* The report folder is created when missing (one level, like EmoCheck's /output). */
static void ensure_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return;
#ifdef _WIN32
    mkdir(dir);
#else
    mkdir(dir, 0755);
#endif
}

static int remediate(const hc_args *a, const eg_host_snapshot *s, const eg_host_findings *h)
{
    eg_host_plan *p;
    if (eg_host_plan_build(s, h, &p)) {
        fprintf(stderr, "hostcheck: out of memory\n");
        return 3;
    }
    FILE *o = a->json ? stderr : stdout;
    bool ja = a->lang == EG_LANG_JA;
    if (!p->n) {
        fprintf(o, ja ? "駆除: 対象はありません。\n" : "Remediation: nothing to do.\n");
        eg_host_plan_free(p);
        return 0;
    }
    fprintf(o, a->yes ? (ja ? "駆除を実行します:\n" : "Remediation (carrying out):\n")
                      : (ja ? "駆除の予定 (まだ何も変更していません。実行するには --yes を付けてください):\n"
                            : "Remediation plan (dry run, nothing changed; add --yes to act):\n"));
    eg_host_plan_print(o, p, a->lang);
    int rc = 0;
#ifdef _WIN32
    if (a->yes) {
        char q[1024];
        if (a->quarantine)
            snprintf(q, sizeof q, "%s", a->quarantine);
        else if (eg_host_win32_default_quarantine(q, sizeof q)) {
            fprintf(stderr, "hostcheck: no quarantine folder; give --quarantine DIR\n");
            eg_host_plan_free(p);
            return 3;
        }
        if (eg_host_plan_execute(p, q, o) != EG_OK) {
            fprintf(stderr, ja ? "hostcheck: 一部の駆除に失敗しました (上の記録を確認してください)\n"
                               : "hostcheck: some remediation steps failed (see the log above)\n");
            rc = 3;
        }
    }
#endif
    eg_host_plan_free(p);
    return rc;
}

/* ---- containment audit and harden -------------------------------------------------------- */

static eg_status write_audit(FILE *f, const hc_args *a, const eg_host_snapshot *s,
                             const eg_audit_result *r, const char *when)
{
    return a->json ? eg_audit_report_json(f, s, r, when)
                   : eg_audit_report_text(f, s, r, a->lang, when);
}

/* <dir>/<HOST>_<stamp>_audit.(txt|json) */
static eg_status write_audit_file(const hc_args *a, const char *dir, const char *host,
                                  const eg_host_snapshot *s, const eg_audit_result *r,
                                  const char *when, const char *stamp, char *path, size_t cap)
{
    char safe[128];
    size_t n = 0;
    for (const char *p = host && *host ? host : "host"; *p && n + 1 < sizeof safe; p++) {
        bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || (*p == '.' && n > 0);
        safe[n++] = ok ? *p : '_';
    }
    safe[n] = 0;
    snprintf(path, cap, "%s/%s_%s_audit.%s", dir, safe, stamp, a->json ? "json" : "txt");
    FILE *f = fopen(path, "wb");
    if (!f)
        return EG_EIO;
    if (!a->json && a->lang == EG_LANG_JA)
        fputs("\xEF\xBB\xBF", f);
    eg_status st = write_audit(f, a, s, r, when);
    if (fclose(f) != 0)
        st = EG_EIO;
    return st;
}

static int audit_one(const hc_args *a, eg_host_snapshot *s)
{
    char when[32], stamp[32];
    eg_audit_result *r;
    if (eg_audit_run(s, &r)) {
        fprintf(stderr, "hostcheck: the audit failed (out of memory or limits)\n");
        return 3;
    }
    now_utc(when, sizeof when, stamp, sizeof stamp);
    int rc = eg_audit_exit_code(r);
    if (write_audit(stdout, a, s, r, when) != EG_OK || fflush(stdout) != 0)
        rc = 3;
    if (a->output) {
        char path[2048];
        ensure_dir(a->output);
        if (write_audit_file(a, a->output, s->hostname, s, r, when, stamp, path, sizeof path)) {
            fprintf(stderr, "hostcheck: cannot write %s: %s\n", path, strerror(errno));
            rc = 3;
        } else
            fprintf(stderr,
                    a->lang == EG_LANG_JA ? "レポートを出力しました: %s\n"
                                          : "Report written to %s\n",
                    path);
    }
    eg_audit_free(r);
    return rc;
}

static int write_policy_files(const hc_args *a, const eg_harden_plan *p)
{
    const char *prefix = a->out_prefix ? a->out_prefix : "emoguard-harden";
    static const char *const ext[] = {"reg", "ps1"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%s", prefix, ext[i]);
        FILE *f = fopen(path, "wb");
        if (!f) {
            fprintf(stderr, "harden: cannot write %s: %s\n", path, strerror(errno));
            return 3;
        }
        eg_status st = i == 0 ? eg_harden_write_reg(f, p) : eg_harden_write_ps1(f, p);
        if (fclose(f) != 0 || st) {
            fprintf(stderr, "harden: cannot write %s\n", path);
            return 3;
        }
        fprintf(stderr, a->lang == EG_LANG_JA ? "出力しました: %s\n" : "Written: %s\n", path);
    }
    return 0;
}

static int harden(const hc_args *a)
{
    bool ja = a->lang == EG_LANG_JA;
#ifdef _WIN32
    char backup[2048];
    if (a->backup)
        snprintf(backup, sizeof backup, "%s", a->backup);
    else if (eg_harden_default_backup(backup, sizeof backup)) {
        fprintf(stderr, "harden: no backup location; give --backup FILE\n");
        return 3;
    }
    if (a->revert) {
        if (!a->yes)
            printf(ja ? "元に戻す内容 (まだ何も変更していません。実行するには --yes "
                        "を付けてください):\n"
                      : "Revert (dry run, nothing changed; add --yes to act):\n");
        return eg_harden_revert(backup, a->yes, stdout) == EG_OK ? 0 : 3;
    }
#endif
    eg_host_snapshot *s;
    char err[1024] = "";
    if (eg_host_snapshot_new(&s)) {
        fprintf(stderr, "harden: out of memory\n");
        return 3;
    }
    eg_status st = load_single(a, s, err, sizeof err);
    eg_audit_result *r = NULL;
    eg_harden_plan *p = NULL;
    if (!st)
        st = eg_audit_run(s, &r);
    if (!st)
        st = eg_harden_build(s, r, a->enforce, &p);
    if (st) {
        fprintf(stderr, "harden: %s\n", err[0] ? err : eg_status_str(st));
        eg_audit_free(r);
        eg_host_snapshot_free(s);
        return 3;
    }
    int rc = 0;
    printf(ja ? "ポリシー (%s):\n" : "Policy (%s):\n", a->enforce
                                                           ? (ja ? "ブロックモード" : "block mode")
                                                           : (ja ? "監査モード" : "audit mode"));
    eg_harden_print(stdout, p, a->lang);
    if (!a->apply)
        rc = p->n ? write_policy_files(a, p) : 0;
#ifdef _WIN32
    else if (!a->yes)
        printf(ja ? "(まだ何も変更していません。適用するには --yes を付けてください)\n"
                  : "(dry run, nothing changed; add --yes to apply)\n");
    else if (p->n && eg_harden_apply(p, backup, stdout) != EG_OK)
        rc = 3;
#endif
    eg_harden_free(p);
    eg_audit_free(r);
    eg_host_snapshot_free(s);
    return rc;
}

static int check_one(const hc_args *a)
{
    eg_host_snapshot *s;
    char err[1024] = "", when[32], stamp[32];
    if (eg_host_snapshot_new(&s)) {
        fprintf(stderr, "hostcheck: out of memory\n");
        return 3;
    }
    eg_status st = load_single(a, s, err, sizeof err);
    if (!st && a->hostname)
        st = eg_host_set_str(&s->hostname, a->hostname);
    if (st && a->audit) {
        fprintf(stderr, "hostcheck: %s\n", err[0] ? err : eg_status_str(st));
        eg_host_snapshot_free(s);
        return 3;
    }
    if (a->audit) {
        int rc = audit_one(a, s);
        eg_host_snapshot_free(s);
        return rc;
    }
    eg_host_findings *h = NULL;
    if (!st)
        st = eg_host_check(s, &a->opt, &h);
    if (st) {
        fprintf(stderr, "hostcheck: %s\n", err[0] ? err : eg_status_str(st));
        eg_host_snapshot_free(s);
        return 3;
    }
    now_utc(when, sizeof when, stamp, sizeof stamp);
    int rc = eg_host_exit_code(h->result);
    if (write_report(stdout, a, s, h, when) != EG_OK || fflush(stdout) != 0)
        rc = 3;
    if (a->output) {
        char path[2048];
        ensure_dir(a->output);
        if (write_report_file(a, a->output, s->hostname, s, h, when, stamp, path, sizeof path)) {
            fprintf(stderr, "hostcheck: cannot write %s: %s\n", path, strerror(errno));
            rc = 3;
        } else
            fprintf(stderr, a->lang == EG_LANG_JA ? "レポートを出力しました: %s\n" : "Report written to %s\n", path);
    }
    if (a->remediate && rc != 3 && remediate(a, s, h) == 3)
        rc = 3;
    eg_host_findings_free(h);
    eg_host_snapshot_free(s);
    return rc;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* Many hosts: a summary table on stdout, a report file per host in --output (default "."). */
static int check_hosts(const hc_args *a)
{
    const char *outdir = a->output ? a->output : ".";
    ensure_dir(outdir);
    DIR *d = opendir(a->hosts);
    if (!d) {
        fprintf(stderr, "hostcheck: %s: %s\n", a->hosts, strerror(errno));
        return 3;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", a->hosts, e->d_name);
        if (stat(p, &sb) || !S_ISDIR(sb.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **x = realloc(names, cap * sizeof *x);
            if (!x) {
                rc = 3;
                break;
            }
            names = x;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = 3;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc) {
        fprintf(stderr, "hostcheck: out of memory\n");
        goto out;
    }
    if (!n) {
        fprintf(stderr, "hostcheck: %s holds no host directories\n", a->hosts);
        rc = 3;
        goto out;
    }
    qsort(names, n, sizeof *names, cmp_str);
    char when[32], stamp[32];
    now_utc(when, sizeof when, stamp, sizeof stamp);
    bool infected = false, error = false, artifacts = false, stages_open = false;
    if (a->audit) { /* the stage columns first: the last column has no fixed width */
        eg_audit_summary_cols(stdout, NULL, a->lang, true);
    }
    eg_host_summary_row(stdout, NULL, NULL, a->lang, NULL);
    for (size_t i = 0; i < n; i++) {
        char dir[4096], err[5000] = "";
        snprintf(dir, sizeof dir, "%s/%s", a->hosts, names[i]);
        eg_host_snapshot *s = NULL;
        eg_host_findings *h = NULL;
        eg_status st = eg_host_snapshot_new(&s);
        if (!st)
            st = eg_host_load_dir(s, dir, err, sizeof err);
        if (!st && !s->hostname)
            st = eg_host_set_str(&s->hostname, names[i]);
        if (!st)
            st = eg_host_check(s, &a->opt, &h);
        if (!st) {
            char path[4096];
            if (write_report_file(a, outdir, names[i], s, h, when, stamp, path, sizeof path)) {
                snprintf(err, sizeof err, "cannot write %s", path);
                eg_host_findings_free(h);
                h = NULL;
                st = EG_EIO;
            }
        }
        if (a->audit) {
            eg_audit_result *ar = NULL;
            if (!st && eg_audit_run(s, &ar) == EG_OK) {
                char path[4096];
                if (write_audit_file(a, outdir, names[i], s, ar, when, stamp, path, sizeof path))
                    fprintf(stderr, "hostcheck: cannot write %s\n", path);
                if (eg_audit_exit_code(ar))
                    stages_open = true;
            }
            eg_audit_summary_cols(stdout, ar, a->lang, false);
            eg_audit_free(ar);
        }
        eg_host_summary_row(stdout, names[i], st ? NULL : h, a->lang, err[0] ? err : eg_status_str(st));
        if (st)
            error = true;
        else if (h->result == EG_HOST_INFECTED)
            infected = true;
        else if (h->result == EG_HOST_ARTIFACTS)
            artifacts = true;
        eg_host_findings_free(h);
        eg_host_snapshot_free(s);
    }
    /* an infected host outranks an unreadable one; an unreadable one outranks artifacts */
    rc = infected ? 1 : error ? 3 : artifacts ? 2 : stages_open ? 4 : 0;
    fprintf(stderr, a->lang == EG_LANG_JA ? "ホストごとのレポート: %s\n" : "Per-host reports in %s\n", outdir);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static void harden_usage(FILE *f)
{
    fputs("usage: emoguard harden [sources] [options]\n"
          "Writes the policy that closes each stage of the Emotet chain the containment audit\n"
          "(hostcheck --audit) finds open: a .reg file and a PowerShell script.\n\n"
          "sources: as for hostcheck (--dir, --hive ..., or the live system on Windows)\n\n"
          "options:\n"
          "  --enforce           block mode (default: audit mode for ASR rules and AppLocker)\n"
          "  --out PREFIX        write PREFIX.reg and PREFIX.ps1 (default emoguard-harden)\n"
          "  --apply             Windows: show the registry changes (dry run)\n"
          "  --yes               with --apply: make them, saving the old values to the backup;\n"
          "                      with --revert: restore them\n"
          "  --revert            Windows: put back what the backup holds (dry run without --yes)\n"
          "  --backup FILE       backup file (default %ProgramData%\\emoguard\\harden-backup.txt)\n"
          "  --lang ja|en        language\n"
          "  --help              this help\n\n",
          f);
    fputs(EG_EXIT_TABLE, f);
}

int eg_cmd_harden(int argc, char **argv)
{
    hc_args a;
    int r = parse_args(argc, argv, &a, true);
    if (r == -1) {
        harden_usage(stdout);
        return 0;
    }
    if (r) {
        harden_usage(stderr);
        return 3;
    }
#ifdef _WIN32
    eg_host_win32_console_utf8();
#endif
    return harden(&a);
}

int eg_cmd_hostcheck(int argc, char **argv)
{
    hc_args a;
    int r = parse_args(argc, argv, &a, false);
    if (r == -1) {
        usage(stdout);
        return 0;
    }
    if (r) {
        usage(stderr);
        return 3;
    }
#ifdef _WIN32
    eg_host_win32_console_utf8();
#endif
    return a.hosts ? check_hosts(&a) : check_one(&a);
}

#ifdef EG_HOSTCHECK_MAIN
/* The Windows executable: `emoguard.exe hostcheck ...`, or `emoguard.exe ...` for short. */
int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        printf("emoguard %s (hostcheck only)\n", EG_VERSION);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "hostcheck"))
        return eg_cmd_hostcheck(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "harden"))
        return eg_cmd_harden(argc - 1, argv + 1);
    if (argc >= 2 && argv[1][0] != '-') {
        fprintf(stderr, "emoguard: this build has only the hostcheck and harden commands\n");
        return 3;
    }
    argv[0] = (char *)"hostcheck";
    return eg_cmd_hostcheck(argc, argv);
}
#endif

/*
 * hostcheck: is this Windows PC infected with Emotet?
 *
 * One rule engine runs over a snapshot of a host: processes (name, image path, command line),
 * files (path, size, last-write time in 100 ns ticks, first bytes), registry values (Run,
 * RunOnce, Explorer), services and scheduled tasks. A snapshot is filled from offline artifacts
 * (registry hives read with hivex, CSV process and file lists written by docs/collect.ps1) or, on
 * Windows only, from the live system (host_win32.c). The engine reproduces EmoCheck's five
 * detections (dictionary name from the volume serial, XOR-encoded Explorer value, System32-name
 * folders, random-letter DLL started by rundll32, the 7-day timestamp rule) and the 2021-2023
 * loader patterns (regsvr32 / rundll32 of random-named files under %LOCALAPPDATA% and SysWOW64),
 * but reports artifacts even when nothing runs, for every user, matching case-insensitively.
 *
 * The module deliberately does not: include GLib or GMime (it builds for Windows with mingw),
 * execute or open for writing anything it inspects, replay hive transaction logs (it warns), or
 * act on a host by itself: remediation is a plan here, carried out only by the Win32 source.
 */
#ifndef EG_HOST_HOST_H
#define EG_HOST_HOST_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Hard limits on what a snapshot holds; hostile inputs hit these, never memory exhaustion. */
#define EG_HOST_MAX_ITEMS 1000000u        /* processes, files, values, services each */
#define EG_HOST_MAX_FIELD (64u * 1024u)   /* one CSV field, one registry string */
#define EG_HOST_MAX_CSV (512u << 20)      /* one CSV file */
#define EG_HOST_MAX_VALUE (1u << 20)      /* registry value data read */
#define EG_HOST_MAX_SUBKEYS 100000u       /* children of one key that are looked at */
#define EG_HOST_MAX_DEPTH 32u             /* key nesting followed below a walked key */
#define EG_HOST_HEAD 16u                  /* first bytes kept per file */
#define EG_HOST_MAX_HITS 5000u            /* findings per host; more are counted, not kept */

/* ---- snapshot ---------------------------------------------------------------------------- */

typedef struct eg_host_proc {
    uint32_t pid, ppid;
    char *name;    /* "rundll32.exe" */
    char *image;   /* full path or NULL when unreadable */
    char *cmdline; /* NULL when unreadable */
} eg_host_proc;

typedef struct eg_host_file {
    char *path;     /* Windows path, "C:\Users\a\AppData\Local\X\y.dll" */
    uint64_t size;
    uint64_t mtime; /* FILETIME ticks (100 ns since 1601, UTC); 0 = unknown */
    bool is_dir;
    uint8_t head[EG_HOST_HEAD];
    uint8_t head_len;
} eg_host_file;

typedef enum {
    EG_HREG_RUN = 0,  /* ...\CurrentVersion\Run */
    EG_HREG_RUNONCE,  /* ...\CurrentVersion\RunOnce */
    EG_HREG_EXPLORER, /* ...\CurrentVersion\Explorer (EmoCheck v2 value) */
    EG_HREG_POLICY, /* a containment setting read for the audit (host/audit.h); never a launcher */
} eg_hreg_kind;

typedef struct eg_host_regval {
    eg_hreg_kind kind;
    char *key;    /* display path: "HKCU(alice)\Software\...\Run", "HKLM\Software\...\Run" */
    char *root;   /* "HKCU", "HKU\<SID>" or "HKLM": what remediation opens */
    char *subkey; /* path below root */
    char *name;
    uint32_t type; /* REG_SZ = 1, REG_EXPAND_SZ = 2, REG_BINARY = 3 ... */
    uint8_t *data; /* strings already UTF-8 and NUL-terminated */
    size_t len;
    int user;      /* index into users, -1 for machine-wide */
} eg_host_regval;

typedef struct eg_host_service {
    char *name;
    char *image_path; /* ImagePath, as stored */
    char *service_dll; /* Parameters\ServiceDll or NULL */
    uint32_t start, type;
} eg_host_service;

typedef struct eg_host_task {
    char *name;
    char *command; /* program and arguments joined */
} eg_host_task;

typedef struct eg_host_user {
    char *name;          /* account or hive label */
    char *sid;           /* may be NULL */
    char *profile;       /* C:\Users\alice, may be NULL */
    char *local_appdata; /* C:\Users\alice\AppData\Local, may be NULL */
    bool have_hive;      /* the user's own registry (NTUSER.DAT or HKU\<SID>) was read */
} eg_host_user;

typedef struct eg_host_snapshot {
    char *hostname;
    char *source;      /* "live", or the artifact directory / file names */
    char *system_root; /* "C:\Windows" */
    bool is64;         /* a SysWOW64 folder exists */
    bool have_serial;
    uint32_t serial;
    bool have_procs, have_files, have_registry, have_services;
    bool have_software, have_system; /* HKLM\SOFTWARE and HKLM\SYSTEM were read (hive or live) */
    bool have_policy_export;         /* policy.txt / applocker.xml from collect.ps1 */
    eg_host_proc *procs;
    size_t nprocs, cap_procs;
    eg_host_file *files;
    size_t nfiles, cap_files;
    eg_host_regval *regs;
    size_t nregs, cap_regs;
    eg_host_service *svcs;
    size_t nsvcs, cap_svcs;
    eg_host_task *tasks;
    size_t ntasks, cap_tasks;
    eg_host_user *users;
    size_t nusers, cap_users;
    char **warnings; /* collection problems shown in the report (dirty hive, unreadable ...) */
    size_t nwarn, cap_warn;
    bool sorted;     /* file index built */
    size_t *by_path; /* files sorted by lowercased path (built by the engine) */
} eg_host_snapshot;

eg_status eg_host_snapshot_new(eg_host_snapshot **out);
void eg_host_snapshot_free(eg_host_snapshot *s);
/* Adders copy every string (sanitised to UTF-8); NULL strings stay NULL. */
eg_status eg_host_add_proc(eg_host_snapshot *s, uint32_t pid, uint32_t ppid, const char *name,
                           const char *image, const char *cmdline);
eg_status eg_host_add_file(eg_host_snapshot *s, const char *path, uint64_t size, uint64_t mtime,
                           bool is_dir, const uint8_t *head, size_t head_len);
eg_status eg_host_add_reg(eg_host_snapshot *s, eg_hreg_kind kind, const char *root,
                          const char *subkey, const char *name, uint32_t type,
                          const uint8_t *data, size_t len, int user);
eg_status eg_host_add_service(eg_host_snapshot *s, const char *name, const char *image_path,
                              const char *service_dll, uint32_t start, uint32_t type);
eg_status eg_host_add_task(eg_host_snapshot *s, const char *name, const char *command);
/* Returns the user's index in *idx (an existing one with the same sid or profile is reused). */
eg_status eg_host_add_user(eg_host_snapshot *s, const char *name, const char *sid,
                           const char *profile, const char *local_appdata, int *idx);
eg_status eg_host_warn(eg_host_snapshot *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
eg_status eg_host_set_str(char **field, const char *v);

/* ---- offline sources (Linux and Windows) -------------------------------------------------- */

/* Process list CSV (UTF-8, optional BOM, header row; columns found by name, any order:
 * ProcessId, ParentProcessId, Name, ExecutablePath, CommandLine). err gets a line-numbered
 * message on EG_EFORMAT / EG_ELIMIT. */
eg_status eg_host_load_procs_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen);
/* File list CSV: Path, Size, LastWriteTime (FILETIME integer), Type (D or F), Head (hex). */
eg_status eg_host_load_files_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen);
/* Scheduled task CSV (Get-ScheduledTask actions): TaskPath, TaskName, Execute, Arguments. */
eg_status eg_host_load_tasks_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen);
/* host.txt: key=value lines (hostname, serial, systemroot, arch). */
eg_status eg_host_load_info(eg_host_snapshot *s, const char *data, size_t len, char *err,
                            size_t errlen);
/* Reads a whole file up to max bytes (EG_ELIMIT beyond; a regular file larger than max is refused
 * from its size, before anything is read). */
eg_status eg_host_read_file(const char *path, size_t max, char **out, size_t *len);

/* Registry hive file (regf). The hive's kind (NTUSER.DAT, SOFTWARE, SYSTEM) is recognised from
 * its keys. A dirty hive (sequence numbers differ) adds a warning. */
eg_status eg_host_load_hive(eg_host_snapshot *s, const char *path, char *err, size_t errlen);
/* Loads an artifact directory written by docs/collect.ps1: host.txt, processes.csv, files.csv,
 * SOFTWARE, SYSTEM, and every NTUSER*.DAT (also in sub-directories up to 2 levels). */
eg_status eg_host_load_dir(eg_host_snapshot *s, const char *dir, char *err, size_t errlen);

/* Parses a serial as "1234-ABCD", "0x1234abcd", "1234abcd" (hex) or decimal with a "d:" prefix. */
bool eg_host_parse_serial(const char *s, uint32_t *out);

/* ---- live source (Windows only; host_win32.c) --------------------------------------------- */
eg_status eg_host_load_live(eg_host_snapshot *s, char *err, size_t errlen);
/* UTF-8 console output and the default quarantine folder (%ProgramData%\emoguard\quarantine). */
void eg_host_win32_console_utf8(void);
bool eg_host_win32_lang_ja(void); /* the user's UI language is Japanese */
eg_status eg_host_win32_default_quarantine(char *out, size_t cap);

/* ---- EmoCheck algorithms ------------------------------------------------------------------ */

/* v1: "<w1><w2>" (no ".exe") from the volume serial, with EmoCheck's pick() quirk when
 * whole_words is false. out must hold 64 bytes. */
void eg_host_v1_name(uint32_t serial, bool whole_words, char out[64]);
/* v2: XOR-decodes an Explorer value with the serial's little-endian bytes and keeps 0x21..0x7D.
 * out must hold len + 1 bytes. Returns the decoded length. */
size_t eg_host_v2_decode(uint32_t serial, const uint8_t *data, size_t len, char *out);
/* Lowercase hex without leading zeros: the Explorer value name for a serial. out[9]. */
void eg_host_serial_hex(uint32_t serial, char out[9]);
/* EmoCheck's PathUnification: drop '"', collapse whitespace runs, ASCII lowercase. malloc'd. */
char *eg_host_unify(const char *s);
/* Pattern helpers (ASCII letters only, lengths inclusive). */
bool eg_host_letters(const char *s, size_t n, size_t min, size_t max);
bool eg_host_v4_dir_name(const char *s);  /* ^[A-Za-z]{4,16}$ */
bool eg_host_v4_file_name(const char *s); /* ^(?!.*\.(exe|dll)$)[A-Za-z]{3,15}\.[A-Za-z]{3}$ */
bool eg_host_v5_delta(uint64_t dir_mtime, uint64_t file_mtime); /* 7 days +- 0.3 s */

/* A loader command line taken apart: the program and the file it makes run. */
typedef struct eg_host_launch {
    char prog[16];     /* "rundll32", "regsvr32" or "" */
    char *target;      /* the DLL / file path, expanded and unquoted; NULL if none */
    char *export_name; /* rundll32 export after ',' or NULL */
    bool silent;       /* regsvr32 /s */
} eg_host_launch;
/* Splits a command line (CommandLineToArgvW rules) and finds a rundll32/regsvr32 target.
 * Environment variables are expanded from the user's profile when user >= 0. */
eg_status eg_host_parse_launch(const eg_host_snapshot *s, int user, const char *cmd,
                               eg_host_launch *out);
void eg_host_launch_free(eg_host_launch *l);
/* Expands %LOCALAPPDATA% %APPDATA% %USERPROFILE% %SystemRoot% %windir% %ProgramData% %TEMP%. */
char *eg_host_expand(const eg_host_snapshot *s, int user, const char *in);

/* ---- rules and results -------------------------------------------------------------------- */

typedef enum {
    EG_HLVL_NOTE = 0,     /* weak, worth a look; does not change the result */
    EG_HLVL_ARTIFACT = 1, /* Emotet persistence or file present, no linked process running */
    EG_HLVL_INFECTED = 2, /* a running process linked to an Emotet artifact */
} eg_host_level;

typedef enum {
#define EG_HOST_RULE(sym, id, lvl, ja, en) EG_HR_##sym,
#include "host/host_rules.def"
#undef EG_HOST_RULE
    EG_HR__COUNT
} eg_host_rule;

typedef struct eg_host_rule_info {
    const char *id; /* "HOST.V4_RUNDLL32_RUN" */
    eg_host_level level;
    const char *ja, *en;
} eg_host_rule_info;
const eg_host_rule_info *eg_host_rule_get(eg_host_rule r);

typedef struct eg_host_hit {
    eg_host_rule rule;
    eg_host_level level;
    int proc;       /* index into snapshot procs or -1 */
    int file;       /* index into snapshot files or -1 */
    int reg;        /* index into snapshot regs or -1 */
    int svc;        /* index into snapshot svcs or -1 */
    int task;       /* index into snapshot tasks or -1 */
    char *path;     /* the Emotet file path (may be set without a listed file) */
    char *evidence; /* why: the decoded name, the 7-day delta, the command line ... */
} eg_host_hit;

typedef enum {
    EG_HOST_CLEAN = 0,
    EG_HOST_INFECTED = 1,
    EG_HOST_ARTIFACTS = 2,
    EG_HOST_ERROR = 3,
} eg_host_result;

typedef struct eg_host_opts {
    bool have_serial; /* overrides the snapshot's serial */
    uint32_t serial;
    bool no_allowlist; /* EmoCheck v4 allowlist of folder names off */
} eg_host_opts;

typedef struct eg_host_findings {
    eg_host_hit *hits;
    size_t nhits, cap;
    eg_host_result result;
    size_t dropped;   /* hits beyond EG_HOST_MAX_HITS (a hostile or very sick host) */
    bool serial_known;
    uint32_t serial;
    char v1_name[80]; /* EmoCheck's name for the serial ("" when unknown) */
} eg_host_findings;

/* Runs every rule. Never fails open: an error leaves *out NULL and returns the status. */
eg_status eg_host_check(eg_host_snapshot *s, const eg_host_opts *opt, eg_host_findings **out);
void eg_host_findings_free(eg_host_findings *f);
int eg_host_exit_code(eg_host_result r); /* 0 clean, 1 infected, 2 artifacts, 3 error */

/* ---- report ------------------------------------------------------------------------------- */

/* Text report in the EmoCheck layout (header, [Result], a block per hit, what to do next).
 * scan_time is "YYYY-mm-dd HH:MM:SS" (UTC). Returns EG_EIO if writing fails. */
eg_status eg_host_report_text(FILE *f, const eg_host_snapshot *s, const eg_host_findings *h,
                              eg_lang lang, const char *scan_time);
eg_status eg_host_report_json(FILE *f, const eg_host_snapshot *s, const eg_host_findings *h,
                              const char *scan_time);
/* The numbered steps for an infected PC or one with artifacts (the end of the text report and the
 * fleet reports): *n steps, unnumbered. EG_HOST_STEP_REMOVE is the one the remediation plan
 * details. */
#define EG_HOST_STEP_REMOVE 2
const char *const *eg_host_next_steps(eg_lang lang, size_t *n);
/* One row of the fleet summary table (header when s is NULL). */
void eg_host_summary_row(FILE *f, const char *name, const eg_host_findings *h, eg_lang lang,
                         const char *error);

/* ---- remediation -------------------------------------------------------------------------- */

typedef enum {
    EG_HACT_KILL = 0,     /* terminate pid */
    EG_HACT_DEL_VALUE,    /* delete registry value root\subkey\name */
    EG_HACT_DEL_SERVICE,  /* stop and delete service name */
    EG_HACT_DEL_TASK,     /* delete scheduled task name */
    EG_HACT_QUARANTINE,   /* move file path into the quarantine folder */
} eg_host_action_kind;

typedef struct eg_host_action {
    eg_host_action_kind kind;
    uint32_t pid;
    char *root, *subkey, *name; /* registry value / service name / process name */
    char *path;                 /* file, or process image */
    const char *skip;           /* non-NULL: shown but never done, and why (English) */
    const char *skip_ja;
} eg_host_action;

typedef struct eg_host_plan {
    eg_host_action *acts;
    size_t n, cap;
} eg_host_plan;

/* What remediation would do for the infected and artifact hits (notes are never acted on):
 * processes first, then persistence, then files. Duplicates are merged. */
eg_status eg_host_plan_build(const eg_host_snapshot *s, const eg_host_findings *h,
                             eg_host_plan **out);
void eg_host_plan_free(eg_host_plan *p);
/* One line per action ("kill pid 1234 (rundll32.exe)" ...) for the dry run and the log. */
void eg_host_plan_print(FILE *f, const eg_host_plan *p, eg_lang lang);
/* One action as a line of text (without the "- " / "[skip]" lead), cut to cap. */
void eg_host_action_text(const eg_host_action *a, eg_lang lang, char *out, size_t cap);
/* Windows only: carries the plan out, logging each step to log; quarantine_dir is created.
 * Returns EG_OK when every step succeeded. */
eg_status eg_host_plan_execute(const eg_host_plan *p, const char *quarantine_dir, FILE *log);

#endif

/*
 * Containment audit and hardening: would this PC stop the Emotet chain once a user opens the
 * attachment? The chain is cut into four stages -- 1 a macro / embedded file from mail runs,
 * 2 Office starts cmd/PowerShell/mshta or a script file runs, 3 regsvr32/rundll32 loads a DLL
 * (or an EXE starts) from a user-writable folder, 4 credentials are read from LSASS -- and each
 * stage has controls (audit_rules.def) read from the same host snapshot as the infection rules:
 * registry policy values (kind EG_HREG_POLICY, fetched by the hive and live loaders from the
 * key list below), the optional policy export of collect.ps1 (policy.txt, applocker.xml) and
 * services. harden.c turns the open controls into a .reg file, a PowerShell script and a list
 * of registry writes that the Windows build applies (host_win32.c) with a saved way back.
 *
 * It does not: change anything by itself, evaluate publisher or hash conditions (a random
 * Emotet DLL is unsigned and unknown, so they never allow it), or read per-user file
 * associations from UsrClass.dat (not collected).
 */
#ifndef EG_HOST_AUDIT_H
#define EG_HOST_AUDIT_H

#include "host/host.h"

/* ---- what the loaders fetch --------------------------------------------------------------- */

typedef enum { EG_AK_HKLM = 0, EG_AK_HKCU = 1, EG_AK_SYSTEM = 2 } eg_audit_hive;

typedef struct eg_audit_key {
    eg_audit_hive hive;
    const char *path; /* below HKLM\SOFTWARE ("Policies\..."), the user root ("Software\...") or
                         the current control set ("Control\Lsa") */
    unsigned depth;   /* sub-key levels below path whose values are read too (0 = the key only) */
} eg_audit_key;

extern const eg_audit_key eg_audit_keys[];
extern const size_t eg_audit_nkeys;
/* Values read per key and in total per hive: a hostile hive cannot make the audit slow. */
#define EG_AUDIT_MAX_KEY_VALUES 4096u
#define EG_AUDIT_MAX_VALUES 50000u
#define EG_AUDIT_MAX_CHILDREN 4096u

/* The subkey a POLICY value is stored under: "Software\<path>" for HKLM and HKCU paths that the
 * table gives relative to SOFTWARE, "System\CurrentControlSet\<path>" for SYSTEM ones. */
void eg_audit_store_path(eg_audit_hive h, const char *path, char *out, size_t cap);

/* The policy export written by docs/collect.ps1: policy.txt (key=value lines: asr.<GUID>=<0|1|2|6>,
 * defender.mode=<AMRunningMode>, defender.realtime=<True|False>, appidsvc=<Running|Stopped>) and
 * applocker.xml (Get-AppLockerPolicy -Effective -Xml). Stored in the snapshot as POLICY values
 * under root "EXPORT". err gets a line-numbered message on EG_EFORMAT. */
eg_status eg_audit_load_policy_txt(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                   size_t errlen);
eg_status eg_audit_load_applocker_xml(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                      size_t errlen);

/* ---- AppLocker / SRP rule evaluation (audit_applocker.c) ---------------------------------- */

#define EG_AL_MAX_RULES 4096u
#define EG_AL_MAX_PATHS 64u /* conditions + exceptions kept per rule */

typedef enum { EG_AL_EXE = 0, EG_AL_DLL, EG_AL_SCRIPT, EG_AL_MSI, EG_AL__N } eg_al_coll;
typedef enum { EG_ALM_NONE = 0, EG_ALM_AUDIT, EG_ALM_ENFORCE } eg_al_mode;

typedef struct eg_al_rule {
    eg_al_coll coll;
    bool deny;
    bool standard_user; /* applies to ordinary users (Everyone, Users, Authenticated Users ...) */
    bool admin_only;    /* BUILTIN\Administrators only */
    bool path_rule;     /* FilePathRule; publisher and hash rules never match an unknown file */
    char *paths[EG_AL_MAX_PATHS];
    uint8_t npaths, nexc; /* the first npaths are conditions, the next nexc exceptions */
} eg_al_rule;

typedef struct eg_al_policy {
    eg_al_rule *rules;
    size_t n, cap;
    eg_al_mode mode[EG_AL__N];
    bool mode_set[EG_AL__N];
    size_t truncated; /* rules beyond EG_AL_MAX_RULES */
} eg_al_policy;

void eg_al_init(eg_al_policy *p);
void eg_al_free(eg_al_policy *p);
/* Parses AppLocker XML: a whole <AppLockerPolicy> (RuleCollection Type/EnforcementMode taken
 * from it) or one rule as stored in a SrpV2\<collection>\<id> "Value" (coll gives the collection).
 * Unknown elements are skipped; EG_EFORMAT on a broken tag, EG_ELIMIT over the limits. */
eg_status eg_al_parse(eg_al_policy *p, const char *xml, size_t len, int coll);
/* AppLocker path variables (%OSDRIVE% ...) and environment variables of user expanded, then a
 * case-insensitive match where '*' spans any characters and '?' one; a pattern without '*'
 * also covers everything below it as a folder. */
bool eg_al_path_match(const eg_host_snapshot *s, int user, const char *pattern, const char *path);
/* Would a standard user be denied running path under the collection's rules? */
bool eg_al_blocks(const eg_host_snapshot *s, int user, const eg_al_policy *p, eg_al_coll c,
                  const char *path);

/* ---- the audit ---------------------------------------------------------------------------- */

#define EG_AUDIT_STAGES 4

typedef enum {
#define EG_AUDIT_CTL(sym, id, stage, required, ja, en) EG_AC_##sym,
#include "host/audit_rules.def"
#undef EG_AUDIT_CTL
    EG_AC__COUNT
} eg_audit_ctl;

typedef struct eg_audit_ctl_info {
    const char *id; /* "AUDIT.ASR_OFFICE_CHILD" */
    int stage;      /* 1..4 */
    bool required;  /* the stage counts as closed only when every required control is */
    const char *ja, *en;
} eg_audit_ctl_info;
const eg_audit_ctl_info *eg_audit_ctl_get(eg_audit_ctl c);

/* Ordered from best to worst: a stage takes the worst state of its required controls. */
typedef enum {
    EG_AS_CLOSED = 0,  /* blocked */
    EG_AS_AUDIT = 1,   /* configured in audit (or warn) mode: logged, not blocked */
    EG_AS_UNKNOWN = 2, /* the registry that decides it was not collected */
    EG_AS_OPEN = 3,    /* not blocked */
} eg_audit_state;
const char *eg_audit_state_name(eg_audit_state st);

typedef struct eg_audit_item {
    eg_audit_ctl ctl;
    eg_audit_state state;
    int user;       /* -1: the machine */
    char *where;    /* "Office 16.0 Excel", ".js", "%LOCALAPPDATA%\x\y.dll" or NULL */
    char *evidence; /* the registry value(s) that decided it, or why nothing did */
} eg_audit_item;

typedef struct eg_audit_result {
    eg_audit_item *items;
    size_t n, cap;
    eg_audit_state ctl_state[EG_AC__COUNT]; /* worst over the control's items */
    eg_audit_state stage[EG_AUDIT_STAGES];
    char office_versions[3][8]; /* versions audited ("16.0" always) */
    int nversions;
} eg_audit_result;

eg_status eg_audit_run(const eg_host_snapshot *s, eg_audit_result **out);
void eg_audit_free(eg_audit_result *r);
/* Exit code of `hostcheck --audit`: 0 every stage closed, 4 a stage open/audit/unknown. */
int eg_audit_exit_code(const eg_audit_result *r);

eg_status eg_audit_report_text(FILE *f, const eg_host_snapshot *s, const eg_audit_result *r,
                               eg_lang lang, const char *scan_time);
eg_status eg_audit_report_json(FILE *f, const eg_host_snapshot *s, const eg_audit_result *r,
                               const char *scan_time);
/* The stage columns of the fleet table: header when r is NULL and err is NULL. */
void eg_audit_summary_cols(FILE *f, const eg_audit_result *r, eg_lang lang, bool header);

/* ---- harden (harden.c) -------------------------------------------------------------------- */

typedef struct eg_harden_set {
    eg_audit_ctl ctl;
    const char *root; /* "HKLM" or "HKCU" */
    char *subkey;     /* "SOFTWARE\Policies\Microsoft\..." */
    char *name;       /* "" = the default value */
    uint32_t type;    /* 1 REG_SZ, 2 REG_EXPAND_SZ, 4 REG_DWORD */
    uint32_t dword;
    char *text; /* REG_SZ / REG_EXPAND_SZ data (UTF-8) */
} eg_harden_set;

typedef struct eg_harden_plan {
    eg_harden_set *sets;
    size_t n, cap;
    bool enforce;                /* block mode (else audit mode where the control has one) */
    bool stage[EG_AUDIT_STAGES]; /* stages the plan closes */
    char *applocker_xml;         /* the AppLocker policy for Set-AppLockerPolicy, or NULL */
} eg_harden_plan;

/* The settings that close every stage that is not closed (its required controls only). */
eg_status eg_harden_build(const eg_host_snapshot *s, const eg_audit_result *r, bool enforce,
                          eg_harden_plan **out);
void eg_harden_free(eg_harden_plan *p);
eg_status eg_harden_write_reg(FILE *f, const eg_harden_plan *p);
eg_status eg_harden_write_ps1(FILE *f, const eg_harden_plan *p);
void eg_harden_print(FILE *f, const eg_harden_plan *p, eg_lang lang);

/* Windows only (host_win32.c): writes the plan's values, saving each old value (or its absence,
 * and every key it creates) to backup first; refuses when backup exists. revert puts back
 * exactly what backup holds, deleting values and keys the apply created. */
eg_status eg_harden_apply(const eg_harden_plan *p, const char *backup, FILE *log);
eg_status eg_harden_revert(const char *backup, bool doit, FILE *log); /* doit false: list only */
eg_status eg_harden_default_backup(char *out, size_t cap);

#endif

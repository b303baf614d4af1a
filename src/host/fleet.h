/*
 * Fleet reports of `hostcheck --hosts`: what every PC of a directory of artifact directories
 * showed, kept as plain strings (so the snapshots can be freed host by host) and written as one
 * JSON document (docs/hostcheck-fleet.md, schema "emoguard-hostcheck-fleet" version 1), one
 * RFC 4180 CSV (UTF-8 with BOM, one row per PC, cells that a spreadsheet would run as a formula
 * defused) or one self-contained HTML page (inline CSS and JS, no external reference, a
 * Content-Security-Policy that forbids loading anything, every value escaped).
 *
 * It does not read artifacts or run rules (cmd_hostcheck.c and check.c do), and it uses no JSON
 * library: the Windows build (scripts/windows.mk) links nothing but the C runtime.
 * Host data is hostile: names and evidence come from the collected PC.
 */
#ifndef EG_HOST_FLEET_H
#define EG_HOST_FLEET_H

#include "host/audit.h"
#include "host/host.h"

#define EG_FLEET_MAX_ITEMS 200u /* findings kept per PC; more are counted */
#define EG_FLEET_MAX_STR 4096u  /* one evidence, path or message, in bytes */
#define EG_FLEET_MAX_HOSTS 100000u

typedef struct eg_fleet_item {
    char *rule; /* "HOST.LOADER_PERSIST" */
    eg_host_level level;
    const char *message;   /* rule text in the report's language (static) */
    char *path, *evidence; /* may be NULL */
} eg_fleet_item;

typedef struct eg_fleet_host {
    char *dir;  /* directory name below --hosts (sanitised) */
    char *name; /* host name from host.txt, else dir */
    eg_host_result state;
    char *error;     /* why the PC could not be checked (state error), else NULL */
    size_t count[3]; /* hits per eg_host_level */
    bool audited;
    eg_audit_state stage[EG_AUDIT_STAGES];
    eg_fleet_item *items;
    size_t nitems, items_dropped;
    char **steps; /* numbered in the output, in the report's language */
    size_t nsteps;
    char **actions; /* the remediation plan: details of step EG_HOST_STEP_REMOVE */
    size_t nactions;
    char **warnings;
    size_t nwarn;
} eg_fleet_host;

typedef struct eg_fleet {
    eg_fleet_host *hosts;
    size_t n, cap;
    eg_lang lang;
    bool audit;
    char when[32]; /* "YYYY-mm-dd HH:MM:SS" UTC */
} eg_fleet;

eg_status eg_fleet_new(eg_lang lang, bool audit, const char *when, eg_fleet **out);
void eg_fleet_free(eg_fleet *f);
/* Adds one PC. h NULL means it could not be checked (error says why; s may be NULL then);
 * ar is the audit result or NULL. */
eg_status eg_fleet_add(eg_fleet *f, const char *dir, const eg_host_snapshot *s,
                       const eg_host_findings *h, const eg_audit_result *ar, const char *error);

eg_status eg_fleet_write_json(FILE *out, const eg_fleet *f);
eg_status eg_fleet_write_csv(FILE *out, const eg_fleet *f);
eg_status eg_fleet_write_html(FILE *out, const eg_fleet *f);

#endif

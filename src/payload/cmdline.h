/*
 * The command-line analyser: one place that reads a Windows command line (from an LNK's
 * arguments, a script, a VBA Shell call, an XLM EXEC, a Run key) and says what it would do.
 * It deobfuscates what can be undone statically (carets, long space runs, %VAR:~x,y% slices where
 * the variable is set in the same line, PowerShell -EncodedCommand base64 UTF-16LE) and records
 * findings (CMD.*) and IOCs (URLs, hosts, paths of dropped files) on obj.
 */
#ifndef EG_PAYLOAD_CMDLINE_H
#define EG_PAYLOAD_CMDLINE_H

#include "scan/scan.h"

/* context: short label shown in evidence, e.g. "LNK arguments", "VBA Shell". */
void eg_cmdline_analyze(eg_scan *s, const eg_object *obj, const char *cmd, size_t len, const char *context);

/* What one command line was found to do, for callers that judge in combination (an LNK that runs
 * an interpreter with a download is malicious). Also covers nested -EncodedCommand layers. */
typedef struct eg_cmdline_facts {
    bool download;   /* fetches something from the network */
    bool execute;    /* starts a program, loads a DLL or evaluates code */
    bool encoded;    /* -EncodedCommand or a base64 literal was decoded */
    bool obfuscated; /* carets, variable slices, backticks, split strings, blank padding */
    bool self_extract; /* findstr pulls a script out of the file itself */
} eg_cmdline_facts;

/* eg_cmdline_analyze that also reports the facts (facts may be NULL). */
void eg_cmdline_analyze_ex(eg_scan *s, const eg_object *obj, const char *cmd, size_t len, const char *context,
                           eg_cmdline_facts *facts);

#endif

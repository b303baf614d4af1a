/*
 * The report under construction: objects (each allocated once, so pointers stay valid while
 * children are added), findings and IOCs. Built by the scanner, read by the verdict, JSON and
 * text writers, handed to the caller through the public accessors.
 */
#ifndef EG_CORE_REPORT_H
#define EG_CORE_REPORT_H

#include "emoguard/emoguard.h"

struct eg_report {
    char *source;
    eg_object **objects;
    size_t n_objects, cap_objects;
    eg_finding *findings;
    size_t n_findings, cap_findings;
    eg_ioc *iocs;
    size_t n_iocs, cap_iocs;
    uint32_t *ioc_slots; /* open-addressing index of iocs (position + 1), for de-duplication */
    size_t ioc_mask;
    eg_verdict verdict;
    int score;
    double elapsed_ms;
    char *passwords_summary; /* candidates found, for the report (sanitised, cut) */
    char **password_list;    /* the same candidates one by one, for the text report to quote */
    size_t n_password_list;
    eg_mail_info *mail; /* the outer mail's header facts (set by the mail analyzer) */
};

eg_report *eg_report_new(const char *source);
/* Takes ownership of obj (allocated with calloc, fields malloc'd). */
eg_status eg_report_add_object(eg_report *r, eg_object *obj);
/* evidence is taken over (malloc'd, already sanitised) */
eg_status eg_report_add_finding(eg_report *r, int rule, uint32_t object, char *evidence);
/* the same with the evidence's Japanese form (taken over too; NULL for none) */
eg_status eg_report_add_finding_ja(eg_report *r, int rule, uint32_t object, char *evidence,
                                   char *evidence_ja);
eg_status eg_report_add_ioc(eg_report *r, eg_ioc_kind kind, uint32_t object, const char *value);
bool eg_report_has_finding(const eg_report *r, int rule, uint32_t object, const char *evidence);
void eg_object_free(eg_object *o);
/* Takes ownership of mi (replacing any earlier one). */
void eg_report_set_mail(eg_report *r, eg_mail_info *mi);
void eg_mail_info_free(eg_mail_info *mi);

#endif

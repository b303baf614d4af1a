/*
 * The verdict: clean / suspicious / malicious from the findings.
 *
 *  - score = sum of the scores of the distinct rules that matched (a rule counts once however
 *    many objects it matched, so a newsletter with 40 links does not add up to malicious);
 *  - suspicious at EG_SCORE_SUSPICIOUS points, or any HIGH finding, or any LIMIT.* finding
 *    (what could not be inspected is never clean);
 *  - malicious at EG_SCORE_MALICIOUS points, or any CRITICAL finding, or a decisive combination
 *    (COMBO.* rules, added here: e.g. an archive opened with a password from the body that holds
 *    an auto-executing macro).
 */
#ifndef EG_VERDICT_VERDICT_H
#define EG_VERDICT_VERDICT_H

#include "core/report.h"

#define EG_SCORE_SUSPICIOUS 30
#define EG_SCORE_MALICIOUS 80

/* Adds COMBO.* findings, then sets r->score and r->verdict. */
void eg_verdict_compute(eg_report *r);

#endif

/*
 * The rule table: every finding emoguard can report, with its stable id, default score,
 * severity, Japanese and English text and advice.
 *
 * The table is one X-macro list spread over one file per area (rules/<area>.def) so that each module
 * keeps its own rules next to its peers'; rules/all.def includes them all. A line is
 *
 *   EG_RULE(SYM, "AREA.NAME", score, SEV, "日本語の説明", "English text",
 *           "日本語の対処", "English advice")
 *
 * SYM becomes the enum value EG_R_SYM used in code; "AREA.NAME" is what reports, JSON and
 * docs/rules.md show, and never changes once released. Scores add up per distinct rule
 * (see verdict.h).
 */
#ifndef EG_VERDICT_RULES_H
#define EG_VERDICT_RULES_H

#include "emoguard/emoguard.h"

typedef enum {
#define EG_RULE(sym, id, score, sev, ja, en, aja, aen) EG_R_##sym,
#include "rules/all.def"
#undef EG_RULE
    EG_R__COUNT
} eg_rule_id;

/* eg_report_has_rule() by table index, without looking the id up (a per-mail test). */
bool eg_report_has_rule_index(const eg_report *r, int rule);

#endif

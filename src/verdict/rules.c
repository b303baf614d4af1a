/* The rule table, expanded from rules/all.def. The only global state besides a scanner. */
#include "verdict/rules.h"

#include "core/report.h"

#include <string.h>

static const eg_rule table[EG_R__COUNT] = {
#define EG_RULE(sym, id, score, sev, ja, en, aja, aen) {id, score, EG_SEV_##sev, ja, en, aja, aen},
#include "rules/all.def"
#undef EG_RULE
};

size_t eg_rule_count(void) { return EG_R__COUNT; }

const eg_rule *eg_rule_get(int idx)
{
    return (idx >= 0 && idx < EG_R__COUNT) ? &table[idx] : NULL;
}

int eg_rule_find(const char *id)
{
    for (int i = 0; i < EG_R__COUNT; i++)
        if (!strcmp(table[i].id, id))
            return i;
    return -1;
}

bool eg_report_has_rule_index(const eg_report *r, int idx)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].rule == idx)
            return true;
    return false;
}

bool eg_report_has_rule(const eg_report *r, const char *rule_id)
{
    int idx = eg_rule_find(rule_id);
    return idx >= 0 && eg_report_has_rule_index(r, idx);
}

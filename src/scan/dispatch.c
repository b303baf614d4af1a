/*
 * The dispatch table: which analyzer takes which object type. Adding a format is one analyzer,
 * one line here, its rules, fixtures and fuzz target. Types without an entry are only hashed,
 * name-checked and matched against intel.
 */
#include "scan/dispatch.h"

/* analyzer headers: one per module */
#include "scan/generic.h"

static const eg_dispatch_entry table[] = {
    {EG_T_TEXT, "text", eg_generic_analyze_text},
    /* mail: EG_T_MAIL */
    /* archive: EG_T_ZIP, EG_T_ARCHIVE */
    /* office: EG_T_OOXML, EG_T_CFB, EG_T_VBA_PROJECT, EG_T_VBA_SOURCE, EG_T_XLM, EG_T_BIFF8, EG_T_RTF */
    /* payload: EG_T_LNK, EG_T_ONENOTE, EG_T_PE, EG_T_SCRIPT, EG_T_HTML (smuggling), EG_T_TEXT? */
    /* mail: EG_T_TNEF */
};

eg_analyzer_fn eg_dispatch_find(eg_type t, const char **name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].type == t) {
            if (name)
                *name = table[i].name;
            return table[i].fn;
        }
    }
    return NULL;
}

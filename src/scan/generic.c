/*
 * Analyzers for types that need no parser of their own: plain text (indicators only). Text bodies
 * of mails arrive here already decoded to UTF-8 by the mail analyzer.
 */
#include "scan/generic.h"

#include "office/office.h"

eg_status eg_generic_analyze_text(eg_scan *s, const eg_object *obj)
{
    eg_scan_iocs_from_text(s, obj, (const char *)obj->data, (size_t)obj->size);
    /* CSV and other text Excel opens: =cmd|'/c ...'!A1 runs a program */
    eg_office_dde_formulas(s, obj, (const char *)obj->data, (size_t)obj->size, "DDE formula");
    return EG_OK;
}

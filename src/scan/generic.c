/*
 * Analyzers for types that need no parser of their own: plain text (indicators only). Text bodies
 * of mails arrive here already decoded to UTF-8 by the mail analyzer.
 */
#include "scan/generic.h"

eg_status eg_generic_analyze_text(eg_scan *s, const eg_object *obj)
{
    eg_scan_iocs_from_text(s, obj, (const char *)obj->data, (size_t)obj->size);
    return EG_OK;
}

/* Analyzers for plain types (text): indicator extraction only. */
#ifndef EG_SCAN_GENERIC_H
#define EG_SCAN_GENERIC_H

#include "scan/scan.h"

eg_status eg_generic_analyze_text(eg_scan *s, const eg_object *obj);

#endif

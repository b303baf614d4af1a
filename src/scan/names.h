/* File-name checks every named object gets: double extensions, right-to-left override,
 * executable extensions, and a name whose extension lies about the content. */
#ifndef EG_SCAN_NAMES_H
#define EG_SCAN_NAMES_H

#include "scan/scan.h"

void eg_names_check(eg_scan *s, const eg_object *obj);
/* true for extensions Windows runs on a double click (exe scr js vbs lnk hta ...) */
bool eg_name_ext_is_executable(const char *ext);

#endif

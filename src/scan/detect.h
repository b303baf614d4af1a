/*
 * File type detection from content (magic bytes and light structure checks), never from the
 * name. The name is used only to refine text types (a script vs plain text) and to report a
 * mismatch between name and content.
 */
#ifndef EG_SCAN_DETECT_H
#define EG_SCAN_DETECT_H

#include "emoguard/emoguard.h"

eg_type eg_detect_type(const uint8_t *data, size_t len, const char *name, const char **detail);
/* The type of a scan's input (the root object) when the caller did not declare it a mail: a mail
 * whenever it starts with a header block, before any other sniffing, so that what a header or body
 * holds ("%PDF-" in a Subject, "ustar" at offset 257, a ZIP in a binary part) cannot make a mail
 * pass for another type; otherwise, and for a file whose name claims another type than mail or
 * text (a.js, b.pdf), as eg_detect_type. */
eg_type eg_detect_root_type(const uint8_t *data, size_t len, const char *name, const char **detail);
/* The types a file name's extension claims (EG_T_UNKNOWN when the extension says nothing). */
eg_type eg_detect_type_from_name(const char *name);

#endif

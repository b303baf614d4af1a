/*
 * HTML to plain text for reading what the mail says: tags dropped, script/style/head content
 * dropped, block elements become line breaks, whitespace collapsed (except in <pre>), character
 * references decoded. Input must already be UTF-8 (the mail analyzer converts the part first).
 *
 * It is not a renderer and not a sanitiser: hidden text (display:none) is kept, because hidden
 * text is where a lure may hide a password.
 */
#ifndef EG_TEXT_HTML_H
#define EG_TEXT_HTML_H

#include "emoguard/emoguard.h"

#include <stddef.h>

/* *out is malloc'd UTF-8 (at most max_out bytes, 0 = no cap); EG_ELIMIT when cut. */
eg_status eg_html_to_text(const char *html, size_t len, size_t max_out, char **out, size_t *out_len);

#endif

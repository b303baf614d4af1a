/*
 * Width normalisation: full-width ASCII (U+FF01-U+FF5E) to ASCII, the ideographic space U+3000 to
 * a space, and a few look-alike dashes and quotes to their ASCII forms. Japanese writers often
 * type passwords and labels in full-width characters (Ｐａｓｓ１２３); a ZIP password is ASCII.
 *
 * This is a narrow NFKC: it leaves kana and kanji alone and never changes line structure.
 */
#ifndef EG_TEXT_WIDTH_H
#define EG_TEXT_WIDTH_H

#include <stddef.h>

/* The narrow form of one code point (cp itself when there is none). */
unsigned eg_width_fold(unsigned cp);

/* Malloc'd normalised copy of UTF-8 text (invalid bytes are kept as they are); NULL on ENOMEM. */
char *eg_width_normalize(const char *s, size_t len, size_t *out_len);

#endif

/*
 * Charset layer: bytes in a labelled (or unlabelled) charset to UTF-8.
 *
 * glibc's iconv alone loses the Windows/NEC extension characters of Japanese business mail
 * (① ㈱ Ⅰ ...) in ISO-2022-JP and Shift_JIS, which is exactly where passwords sit. So labels are
 * mapped to the Windows supersets (Shift_JIS aliases -> CP932, EUC-JP -> EUC-JP-MS), ISO-2022-JP
 * is decoded by our own state machine into CP932 bytes, and text with no usable label is guessed
 * (ISO-2022-JP escapes, UTF-8, Shift_JIS or EUC-JP by scoring).
 *
 * Conversion never fails on bad bytes: each undecodable byte becomes U+FFFD and the output stays
 * valid UTF-8. Output is capped by the caller; past the cap the result is cut (EG_ELIMIT) but
 * still returned. Nothing here keeps state between calls.
 */
#ifndef EG_TEXT_CHARSET_H
#define EG_TEXT_CHARSET_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a conversion did, for findings. */
typedef struct eg_charset_info {
    bool unknown_label; /* the label was not a charset iconv knows: the text was guessed */
    bool guessed;       /* no label (or a lying ASCII label): the charset was guessed */
    size_t bad_bytes;   /* bytes that became U+FFFD */
    const char *used;   /* the charset actually used (static string) */
} eg_charset_info;

/* The charset to use for a MIME label: "CP932", "EUC-JP-MS", "ISO-2022-JP", "UTF-8" or the label
 * itself (upper-cased into buf). NULL/empty label -> NULL (guess). */
const char *eg_charset_canonical(const char *label, char *buf, size_t bufsz);

/* Best guess for unlabelled bytes: "ISO-2022-JP", "UTF-8" (also plain ASCII), "CP932" or
 * "EUC-JP-MS". Looks at most at the first 64 KB. */
const char *eg_charset_guess(const uint8_t *in, size_t len);

/* Converts len bytes in charset label (NULL = guess) to UTF-8. *out is malloc'd and
 * NUL-terminated even on EG_ELIMIT (cut at max_out bytes, 0 = no cap). info may be NULL. */
eg_status eg_charset_to_utf8(const char *label, const uint8_t *in, size_t len, size_t max_out,
                             char **out, size_t *out_len, eg_charset_info *info);

/* ISO-2022-JP (with JIS X 0201 kana, ESC $ @, and the CP932 extension rows) to CP932 bytes.
 * Unknown escapes and JIS X 0212 characters become '?' + a bad-byte count. *out malloc'd. */
eg_status eg_iso2022jp_to_cp932(const uint8_t *in, size_t len, size_t max_out, uint8_t **out,
                                size_t *out_len, size_t *bad);

/* Drops a UTF-8 sequence cut at the end of s (after a capped append); returns the new length
 * and NUL-terminates. */
size_t eg_charset_cut_tail(char *s, size_t n);

/* true when the bytes hold an ISO-2022-JP designation (ESC $ B, ESC $ @, ESC ( I, ESC $ ( Q). */
bool eg_charset_has_jis_escape(const uint8_t *in, size_t len);

#endif

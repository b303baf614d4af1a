/*
 * Password candidates in the text of a mail: what a person would type to open the attached
 * archive. Labels in Japanese and English and their variants (パスワード, 解凍パスワード,
 * 暗号化パスワード, PW, ＰＷ, Pass, Password, pwd, Kennwort, mot de passe ...), separators (：: ＝ =
 * は, spaces, a line break), brackets (「」『』【】"" '' ()), the value on the same line or on the
 * next non-empty one, full-width characters folded to ASCII (the raw form is offered too), and
 * trailing punctuation and polite endings (です, になります) trimmed. Then bracketed words and every
 * token of the text as low-priority fallbacks.
 *
 * Pure: it reports candidates through a callback and never tries them. Priorities follow
 * scan.h: 0 labelled on the same line, 50 on the next line, 90 bracketed, 100/110 any token.
 */
#ifndef EG_MAIL_PASSWORD_H
#define EG_MAIL_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define EG_PW_LABELLED 0
#define EG_PW_NEXT_LINE 50
#define EG_PW_BRACKETED 90
#define EG_PW_TOKEN 100
#define EG_PW_TOKEN_WEAK 110

/* origin is a short UTF-8 text such as "body: line 12 (パスワード)"; value is not NUL-terminated. */
typedef void (*eg_password_fn)(void *ud, const char *value, size_t len, int priority,
                               const char *origin);

/* Finds candidates in UTF-8 text (at most the first 1 MiB is read). where names the text in
 * origins ("subject", "body", "html"). fallback: also report tokens (priority >= 90).
 * Returns the number of labelled candidates (priority < 90). */
size_t eg_password_extract(const char *text, size_t len, const char *where, bool fallback,
                           eg_password_fn fn, void *ud);

#endif

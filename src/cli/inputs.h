/*
 * Input enumeration for `emoguard scan`: files, directories (walked, Maildir-aware), mboxes (split
 * into messages) and stdin become a flat list of mails, each with its bytes (mapped or read
 * lazily, released once reported) or a reason it could not be read.
 */
#ifndef EG_CLI_INPUTS_H
#define EG_CLI_INPUTS_H

#include "emoguard/emoguard.h"

typedef struct eg_input_item {
    char *source;          /* path, path#N for mbox messages, "-" */
    const uint8_t *data;
    size_t len;
    char *error;           /* set when unreadable */
    bool is_mail;          /* an mbox or Maildir entry or a .eml file: scanned as a mail, whatever
                              its bytes look like (eg_scan_input.is_mail) */
    char **passwords;      /* from a related password mail */
    size_t n_passwords;
    char *passwords_origin;
} eg_input_item;

typedef struct eg_inputs eg_inputs;

eg_inputs *eg_inputs_new(uint64_t max_input);
/* Adds what path names; problems are recorded as items with an error, never fatal. */
void eg_inputs_add(eg_inputs *in, const char *path);
/* Finds separate password mails across the whole batch. */
void eg_inputs_link_passwords(eg_inputs *in);
size_t eg_inputs_count(const eg_inputs *in);
/* Files in walked directories that were not mail and were skipped (each with a note). */
size_t eg_inputs_skipped(const eg_inputs *in);
/* Notes (skipped files) in Japanese. */
void eg_inputs_set_japanese(eg_inputs *in, bool ja);
const eg_input_item *eg_inputs_at(const eg_inputs *in, size_t i);
/* Frees item i's bytes (not its source). */
void eg_inputs_release(eg_inputs *in, size_t i);
void eg_inputs_free(eg_inputs *in);

#endif

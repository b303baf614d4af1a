/*
 * Input enumeration for `emoguard scan`: files, directories (walked, Maildir-aware), mboxes (split
 * into messages while they are read) and stdin become a stream of references to mails, in a
 * stable order. A reference says where a mail's bytes are (a file, a range of an mbox, or memory
 * for stdin), not the bytes: the worker that scans a mail reads it (eg_input_load), and a mail
 * can be read again later (the password mail of an archive mail). Nothing here grows with the
 * number of inputs except the directory listing being walked.
 */
#ifndef EG_CLI_INPUTS_H
#define EG_CLI_INPUTS_H

#include "emoguard/emoguard.h"

typedef enum {
    EG_IN_ERROR,    /* could not be enumerated: error says why */
    EG_IN_FILE,     /* a whole file */
    EG_IN_MBOX_MSG, /* bytes [off, off+len) of an mbox file */
    EG_IN_MEM       /* bytes held in memory (stdin) */
} eg_input_kind;

typedef struct eg_input_ref {
    eg_input_kind kind;
    char *source; /* path, path#N for mbox messages, "-" */
    char *path;   /* FILE, MBOX_MSG: the file to read */
    uint64_t off, len;
    bool unescape; /* MBOX_MSG: has >From lines to restore */
    uint8_t *mem;  /* MEM: the bytes, owned by the reference */
    size_t mem_len;
    char *error;  /* ERROR: why */
    bool is_mail; /* an mbox or Maildir entry or a .eml file: scanned as a mail, whatever its bytes
                     look like (eg_scan_input.is_mail) */
    bool check_mail; /* a file met in a walked directory: skipped unless it is a mail */
} eg_input_ref;

typedef struct eg_inputs eg_inputs;

eg_inputs *eg_inputs_new(uint64_t max_input);
/* Queues what path names (walked when eg_inputs_next reaches it). */
int eg_inputs_add(eg_inputs *in, const char *path);
/* Notes (mbox caps) in Japanese. */
void eg_inputs_set_japanese(eg_inputs *in, bool ja);
/* The next input in order: 1 with *out filled (free with eg_input_ref_free), 0 at the end.
 * Problems become EG_IN_ERROR references, never a stop. */
int eg_inputs_next(eg_inputs *in, eg_input_ref *out);
void eg_inputs_free(eg_inputs *in);
void eg_input_ref_free(eg_input_ref *r);

/* A reader's buffer, reused from mail to mail: a mail up to EG_INPUT_READ_MAX bytes is read()
 * into it, a larger one is mapped (and unmapped by eg_input_buf_release). */
#define EG_INPUT_READ_MAX (8u << 20)
typedef struct eg_input_buf {
    uint8_t *buf;
    size_t cap;
    void *map;
    size_t map_len;
    int fd; /* the mbox last read from, kept open for its next message (fd + 1: 0 = none) */
    char *fd_path;
} eg_input_buf;

/* Reads r's bytes into b: EG_OK with the bytes in *data, *len, valid until eg_input_buf_release
 * (NULL/0 for an empty file); otherwise *why says what went wrong (a static or strerror string). */
eg_status eg_input_load(const eg_input_ref *r, eg_input_buf *b, const uint8_t **data, size_t *len,
                        const char **why);
void eg_input_buf_release(eg_input_buf *b);
void eg_input_buf_free(eg_input_buf *b);
/* A file met in a walked directory is scanned only when it is a mail: named .eml, an mbox, or
 * starting with a header block. */
bool eg_input_looks_like_mail(const eg_input_ref *r, const uint8_t *d, size_t n);

#endif

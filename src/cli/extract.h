/*
 * --extract DIR: writes every decoded object of a scan to DIR for analysts. The one place where
 * emoguard writes analysed content to disk, so it is careful: names are rebuilt from a safe
 * alphabet (no path separators, no leading dot, no traversal), files are created with
 * O_EXCL|O_NOFOLLOW and mode 0600, and nothing is ever made executable.
 */
#ifndef EG_CLI_EXTRACT_H
#define EG_CLI_EXTRACT_H

#include "emoguard/emoguard.h"

typedef struct eg_extractor {
    const char *dir;
    size_t mail_index;
    bool force; /* replace files of an earlier run */
} eg_extractor;

/* Creates DIR (0700) if needed. A directory that already holds files is refused (a second run
 * would mix with the first) unless force. Prints the reason and returns -1 on failure, -2 for a
 * directory that is not empty. */
int eg_extract_prepare(const char *dir, bool force);
void eg_extractor_init(eg_extractor *ex, const char *dir, size_t mail_index, bool force);

/* index.json beside the extracted files: one record per object of every scanned mail. */
typedef struct eg_extract_index eg_extract_index;
eg_extract_index *eg_extract_index_new(void);
/* Adds the objects of the report of mail mail_index (its input named source). */
void eg_extract_index_add(eg_extract_index *ix, size_t mail_index, const eg_report *r);
/* Writes DIR/index.json (0600); returns -1 after printing the reason. Frees ix. */
int eg_extract_index_write(eg_extract_index *ix, const char *dir, bool force);
/* eg_scan_input.on_object callback */
void eg_extractor_cb(void *ud, const eg_object *obj);
/* The safe file name for an object: "<mail>-<id>-<safe name>"; out has outsz bytes. */
void eg_extract_name(size_t mail_index, uint32_t id, const char *name, char *out, size_t outsz);

#endif

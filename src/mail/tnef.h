/*
 * TNEF (winmail.dat, application/ms-tnef): Outlook's wrapper that hides the real attachments of
 * a mail inside one opaque file. The analyzer lists the wrapped attachments and hands each one
 * back as a child object (named from the long file name in the MAPI properties, else the title),
 * plus the plain-text body and the compressed RTF body (MS-OXRTFCP, LZFu or stored) when
 * present. Embedded messages (PR_ATTACH_DATA_OBJ) become children too and are read again by type
 * detection.
 */
#ifndef EG_MAIL_TNEF_H
#define EG_MAIL_TNEF_H

#include "scan/scan.h"

#include <stddef.h>
#include <stdint.h>

#define EG_TNEF_SIGNATURE 0x223E9F78u

typedef struct eg_tnef_file {
    char *name;          /* UTF-8, may be NULL */
    const uint8_t *data; /* points into the TNEF buffer */
    size_t len;
} eg_tnef_file;

typedef struct eg_tnef {
    eg_tnef_file *files;
    size_t n_files;
    const uint8_t *body; /* attBody text (in the OEM code page), NULL if none */
    size_t body_len;
    unsigned codepage;   /* attOemCodepage, 0 if absent */
    const uint8_t *rtf;  /* PR_RTF_COMPRESSED of the message, NULL if none */
    size_t rtf_len;
    bool malformed;      /* a record ran past the end or a checksum was wrong */
    char problem[96];
} eg_tnef;

/* Parses a TNEF stream (pure; no scan context). max_files bounds the list. EG_EFORMAT when the
 * signature is wrong; otherwise EG_OK with whatever could be read (see malformed). */
eg_status eg_tnef_parse(const uint8_t *data, size_t len, size_t max_files, eg_tnef *out);
void eg_tnef_free(eg_tnef *t);

/* Decompresses a PR_RTF_COMPRESSED value ("LZFu" or stored "MELA") into *out (malloc'd), at
 * most max_out bytes (0 = the declared size). EG_EFORMAT on a short header, EG_EUNSUPPORTED on
 * an unknown type, EG_ELIMIT when cut. The CRC is not checked. */
eg_status eg_tnef_rtf_decompress(const uint8_t *in, size_t len, size_t max_out, uint8_t **out,
                                 size_t *out_len);

/* The analyzer for EG_T_TNEF. */
eg_status eg_mail_analyze_tnef(eg_scan *s, const eg_object *obj);

#endif

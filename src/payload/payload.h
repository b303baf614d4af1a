/*
 * Payload analyzers: the files that would run when a user double-clicks an attachment.
 *
 *   LNK      Windows shortcuts (MS-SHLLINK): target ID list with shell item names, LinkInfo,
 *            strings, extra data blocks, and data appended after the link (a child object).
 *            The arguments go to the command-line analyser (cmdline.h).
 *   ONENOTE  .one/.onepkg: embedded files (FileDataStoreObject) become children, named from the
 *            revision store (EmbeddedFileName of the node whose container references the data),
 *            guessed by file type only when the store cannot be walked (the evidence says so);
 *            the "double click to view" lure is reported.
 *   SCRIPT   js/jse/vbs/vbe/wsf/hta/bat/cmd/ps1: classified by content, VBE/JSE decoded (the
 *            decoded script is a child), downloaders and executors found, command strings handed
 *            to the command-line analyser.
 *   HTML     HTML smuggling (data: URIs and base64 blobs handed to a download); the smuggled file
 *            is a child. URLs of the page become IOCs.
 *   PE       MZ/PE summary: DLL or EXE, machine, exports, whether a signature is present (it is
 *            never verified: no Authenticode check); content after the image
 *            (overlay) and zero padding are measured.
 * Padding (documents and executables inflated past 100 MB) is checked for every object these
 * analyzers see and by eg_payload_analyze_padding for the others (CFB, OOXML, PDF, binary).
 *
 * Nothing is executed, emulated or written to disk. Every parser has size and count limits.
 */
#ifndef EG_PAYLOAD_PAYLOAD_H
#define EG_PAYLOAD_PAYLOAD_H

#include "scan/scan.h"

eg_status eg_payload_analyze_lnk(eg_scan *s, const eg_object *obj);
eg_status eg_payload_analyze_onenote(eg_scan *s, const eg_object *obj);
eg_status eg_payload_analyze_script(eg_scan *s, const eg_object *obj);
eg_status eg_payload_analyze_html(eg_scan *s, const eg_object *obj);
eg_status eg_payload_analyze_pe(eg_scan *s, const eg_object *obj);

/* Padding check alone: true size, tail of zeros or repeated junk, ratio. Records PAD.* findings
 * and returns in *content_len how many bytes in front are real content (obj->size when not
 * padded). Any analyzer may call it; it never fails on hostile input. */
void eg_payload_check_padding(eg_scan *s, const eg_object *obj, size_t *content_len);

/* A parsed shell link (MS-SHLLINK). All strings are UTF-8 (ANSI strings guessed as CP932 or
 * UTF-8), malloc'd, NULL when absent; they are not sanitised for display. */
typedef struct eg_lnk {
    uint32_t flags, file_attributes, show_command, file_size, icon_index;
    char *idlist_path; /* names of the LinkTargetIDList shell items joined with '\' */
    char *local_base_path, *common_path_suffix, *net_name, *device_name, *volume_label;
    uint32_t drive_type, drive_serial;
    char *name, *relative_path, *working_dir, *arguments, *icon_location; /* StringData */
    char *env_target, *icon_env_target, *darwin_id, *machine_id, *shim_layer; /* ExtraData */
    char *known_folder, *property_strings, *vista_idlist_path;
    char *uri;            /* URI shell item (0x61) of the target ID list: what the link opens */
    char *control_panel;  /* Control Panel CLSIDs of the ID list (root and 0x71 items), "; "-joined */
    uint32_t special_folder_id;
    uint32_t n_items;     /* shell items in the target ID list */
    size_t link_end;      /* first byte after the link: appended data starts here */
    unsigned problems;    /* structures cut short or inconsistent (counted, parsing goes on) */
} eg_lnk;

/* Parses a shortcut; EG_EFORMAT when the header is not a shell link. Limits: strings 64 KiB,
 * 64 shell items, 64 extra data blocks. */
eg_status eg_lnk_parse(const uint8_t *p, size_t len, eg_lnk **out);
void eg_lnk_free(eg_lnk *l);
/* The path the shortcut starts, from the best source present (environment block, LinkInfo,
 * ID list, relative path); NULL when none. Borrowed from l or malloc'd into *tofree. */
const char *eg_lnk_target(const eg_lnk *l, char **tofree);

/* VBE/JSE (Microsoft Script Encoder) decoding of every #@~^ ... ^#~@ block in text; the rest is
 * copied. *decoded_blocks counts blocks undone. Output is capped by out's limit. */
#include "core/buf.h"
eg_status eg_script_decode_encoded(const char *text, size_t len, eg_buf *out, int *decoded_blocks);

#endif

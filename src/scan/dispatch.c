/*
 * The dispatch table: which analyzer takes which object type. Adding a format is one analyzer,
 * one line here, its rules, fixtures and fuzz target. Types without an entry are only hashed,
 * name-checked and matched against intel.
 */
#include "scan/dispatch.h"

/* analyzer headers: one per module */
#include "scan/generic.h"
#include "archive/archive.h"
#include "office/office.h"
#include "payload/payload.h"
#include "mail/mail.h"
#include "mail/tnef.h"

static const eg_dispatch_entry table[] = {
    {EG_T_TEXT, "text", eg_generic_analyze_text},
    /* mail: EG_T_MAIL */
    {EG_T_MAIL, "mail", eg_mail_analyze},
    /* archive: EG_T_ZIP, EG_T_ARCHIVE */
    {EG_T_ZIP, "zip", eg_archive_analyze_zip},
    {EG_T_ARCHIVE, "archive", eg_archive_analyze_other},
    /* office: EG_T_OOXML, EG_T_CFB, EG_T_VBA_PROJECT, EG_T_VBA_SOURCE, EG_T_XLM, EG_T_BIFF8, EG_T_RTF */
    {EG_T_CFB, "cfb", eg_office_analyze_cfb},
    {EG_T_VBA_PROJECT, "vba-project", eg_office_analyze_vba_project},
    {EG_T_VBA_SOURCE, "vba", eg_office_analyze_vba_source},
    {EG_T_BIFF8, "biff8", eg_office_analyze_biff8},
    {EG_T_XLM, "xlm", eg_office_analyze_xlm},
    {EG_T_OOXML, "ooxml", eg_office_analyze_ooxml},
    {EG_T_RTF, "rtf", eg_office_analyze_rtf},
    {EG_T_SYLK, "sylk", eg_office_analyze_sylk},
    {EG_T_XML, "xml", eg_office_analyze_xml},
    {EG_T_BINARY, "activemime", eg_office_analyze_activemime},
    /* payload: EG_T_LNK, EG_T_ONENOTE, EG_T_PE, EG_T_SCRIPT, EG_T_HTML (smuggling), EG_T_TEXT? */
    {EG_T_LNK, "lnk", eg_payload_analyze_lnk},
    {EG_T_ONENOTE, "onenote", eg_payload_analyze_onenote},
    {EG_T_PE, "pe", eg_payload_analyze_pe},
    {EG_T_SCRIPT, "script", eg_payload_analyze_script},
    {EG_T_HTML, "html", eg_payload_analyze_html},
    /* mail: EG_T_TNEF */
    {EG_T_TNEF, "tnef", eg_mail_analyze_tnef},
};

eg_analyzer_fn eg_dispatch_find(eg_type t, const char **name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].type == t) {
            if (name)
                *name = table[i].name;
            return table[i].fn;
        }
    }
    return NULL;
}

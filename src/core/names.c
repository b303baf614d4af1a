/* Printable names of the public enums (status, verdict, severity, type, IOC kind). */
#include "emoguard/emoguard.h"

const char *eg_status_str(eg_status st)
{
    switch (st) {
    case EG_OK: return "ok";
    case EG_ENOMEM: return "out of memory";
    case EG_EFORMAT: return "malformed input";
    case EG_ELIMIT: return "limit reached";
    case EG_EIO: return "input/output error";
    case EG_EINVAL: return "invalid argument";
    case EG_ECRYPTO: return "decryption failed";
    case EG_EPASSWORD: return "no password opened it";
    case EG_EUNSUPPORTED: return "unsupported variant";
    case EG_ENOTFOUND: return "not found";
    case EG_ETIME: return "time budget spent";
    case EG_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

const char *eg_verdict_str(eg_verdict v)
{
    switch (v) {
    case EG_VERDICT_CLEAN: return "clean";
    case EG_VERDICT_SUSPICIOUS: return "suspicious";
    case EG_VERDICT_MALICIOUS: return "malicious";
    }
    return "unknown";
}

const char *eg_severity_str(eg_severity s)
{
    static const char *const n[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)s < 5 ? n[s] : "unknown";
}

const char *eg_type_name(eg_type t)
{
    static const char *const n[EG_T__COUNT] = {
        [EG_T_UNKNOWN] = "unknown", [EG_T_MAIL] = "mail",       [EG_T_TEXT] = "text",
        [EG_T_HTML] = "html",       [EG_T_ZIP] = "zip",         [EG_T_OOXML] = "ooxml",
        [EG_T_CFB] = "cfb",         [EG_T_RTF] = "rtf",         [EG_T_PDF] = "pdf",
        [EG_T_LNK] = "lnk",         [EG_T_ONENOTE] = "onenote", [EG_T_PE] = "pe",
        [EG_T_SCRIPT] = "script",   [EG_T_IMAGE] = "image",     [EG_T_ARCHIVE] = "archive",
        [EG_T_TNEF] = "tnef",       [EG_T_VBA_PROJECT] = "vba-project",
        [EG_T_VBA_SOURCE] = "vba-source", [EG_T_XLM] = "xlm", [EG_T_BIFF8] = "biff8",
        [EG_T_XML] = "xml",         [EG_T_REGF] = "regf",       [EG_T_BINARY] = "binary",
        [EG_T_SYLK] = "sylk",
    };
    return ((unsigned)t < EG_T__COUNT && n[t]) ? n[t] : "unknown";
}

const char *eg_ioc_kind_str(eg_ioc_kind k)
{
    static const char *const n[] = {"url", "domain", "ip", "ip-port", "email"};
    return (unsigned)k < 5 ? n[k] : "unknown";
}

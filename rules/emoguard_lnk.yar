/*
 * emoguard starter rules: Windows shortcut (.lnk) droppers, as sent by Emotet from 2022-04.
 * A shell link starts with HeaderSize 0x4C and the LinkCLSID 00021401-...; command-line
 * arguments are stored as UTF-16LE in StringData, so strings are matched wide and ascii.
 */

rule EG_LNK_Findstr_Appended_Script : lnk emotet
{
    meta:
        description = "shortcut runs cmd /c findstr over itself to carve an appended script into a .vbs (2022-04)"
        severity = "critical"
    strings:
        $cmd = "cmd" nocase ascii wide
        $f = "findstr" nocase ascii wide
        $v = ".vbs" nocase ascii wide
        $lnk = ".lnk" nocase ascii wide
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and $cmd and $f and ($v or $lnk)
}

rule EG_LNK_PowerShell_Hidden_Download : lnk powershell
{
    meta:
        description = "shortcut that starts PowerShell hidden or with an encoded command and downloads or decodes a payload"
        severity = "high"
    strings:
        $ps = "powershell" nocase ascii wide
        $h1 = "-w hidden" nocase ascii wide
        $h2 = "-windowstyle hidden" nocase ascii wide
        $h3 = "-executionpolicy bypass" nocase ascii wide
        $h4 = "-ep bypass" nocase ascii wide
        $h5 = /-e(nc|ncodedcommand)?\s+[A-Za-z0-9+\/]{20}/ nocase
        $d1 = "FromBase64String" nocase ascii wide
        $d2 = "DownloadString" nocase ascii wide
        $d3 = "DownloadFile" nocase ascii wide
        $d4 = "Invoke-WebRequest" nocase ascii wide
        $d5 = "iwr " nocase ascii wide
        $d6 = "Out-Null;" nocase ascii wide
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and $ps and any of ($h*) and any of ($d*)
}

rule EG_LNK_Long_Padded_Arguments : lnk evasion
{
    meta:
        description = "shortcut arguments padded with a long run of spaces, which hides the command in the Properties dialog"
        severity = "medium"
    strings:
        $pad_w = { 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 }
        $exe1 = "cmd" nocase wide
        $exe2 = "powershell" nocase wide
        $exe3 = "mshta" nocase wide
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and $pad_w and any of ($exe*)
}

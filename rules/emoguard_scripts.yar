/*
 * emoguard starter rules: scripts (VBS, JS, WSF, HTA, PowerShell, batch) and OneNote files that
 * carry them, as used by Emotet to fetch and register its DLL (2019-2023).
 */

rule EG_Script_Download_And_Register : script emotet
{
    meta:
        description = "script downloads from the web and runs the result with regsvr32 or rundll32"
        severity = "high"
    strings:
        $d1 = "MSXML2.XMLHTTP" nocase ascii wide
        $d2 = "MSXML2.ServerXMLHTTP" nocase ascii wide
        $d3 = "WinHttp.WinHttpRequest" nocase ascii wide
        $d4 = "Invoke-WebRequest" nocase ascii wide
        $d5 = "DownloadFile" nocase ascii wide
        $d6 = "URLDownloadToFile" nocase ascii wide
        $d7 = "ADODB.Stream" nocase ascii wide
        $r1 = "regsvr32" nocase ascii wide
        $r2 = "rundll32" nocase ascii wide
        $http = "http" nocase ascii wide
    condition:
        any of ($d*) and any of ($r*) and #http >= 1
}

rule EG_Script_Url_Rotation : script emotet
{
    meta:
        description = "downloader that tries a list of several URLs in turn until one answers"
        severity = "medium"
    strings:
        $u = /https?:\/\/[A-Za-z0-9.\-]{4,80}(:[0-9]{2,5})?\/[^\s"',;*]{1,120}/ ascii wide
        $l1 = "for each" nocase ascii wide
        $l2 = "foreach" nocase ascii wide
        $l3 = "for (" nocase ascii wide
        $l4 = "for(" nocase ascii wide
        $t1 = "On Error Resume Next" nocase ascii wide
        $t2 = /try\s*\{/ ascii
        $t3 = "catch" ascii wide
    condition:
        (eg_type == "script" or eg_type == "vba-source" or eg_type == "xlm") and #u >= 4 and any of ($l*) and any of ($t*)
}

rule EG_WSF_Job_Downloader : script wsf
{
    meta:
        description = "Windows Script File job with embedded script that downloads or starts a process"
        severity = "high"
    strings:
        $job = "<job" nocase ascii wide
        $sc = "<script language" nocase ascii wide
        $x1 = "XMLHTTP" nocase ascii wide
        $x2 = "WScript.Shell" nocase ascii wide
        $x3 = "regsvr32" nocase ascii wide
        $x4 = "ADODB.Stream" nocase ascii wide
    condition:
        $job and $sc and 2 of ($x*)
}

rule EG_OneNote_Embedded_Script : onenote
{
    meta:
        description = "OneNote section with an embedded script, HTA, batch file or shortcut"
        severity = "high"
        era = "2023-03"
    strings:
        $fds = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
        $s1 = "<job" nocase
        $s2 = "On Error Resume Next" nocase
        $s3 = "@echo off" nocase
        $s4 = "<HTA:" nocase
        $s5 = "WScript.Shell" nocase
        $s6 = { 4C 00 00 00 01 14 02 00 }
    condition:
        uint32(0) == 0x7B5C52E4 and $fds and any of ($s*)
}

rule EG_Script_Profile_Dll_Registration : script
{
    meta:
        description = "command that registers a DLL with an unusual extension from the user profile or ProgramData"
        severity = "medium"
    strings:
        $r = /regsvr32(\.exe)?"?\s+(\/s\s+)?"?[^"\r\n]{0,80}\\(AppData|ProgramData|Users)\\[^"\r\n]{1,120}\.[a-z]{3}\b/ nocase ascii wide
    condition:
        $r
}

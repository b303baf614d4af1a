/*
 * emoguard starter rules: Office documents of the Emotet era (2017-2023).
 *
 * These run over every object emoguard takes apart, so most of them target the decoded
 * forms: VBA module source (eg_type "vba-source"), Excel 4.0 formulas as text ("xlm"), and the
 * raw document bytes. meta.severity sets the finding's weight (info, low, medium, high,
 * critical). External variables provided by emoguard: eg_type, eg_name, eg_depth,
 * eg_decrypted.
 */

rule EG_VBA_AutoExec_Launches_Process : vba autoexec
{
    meta:
        description = "macro that runs on open and starts a process or a WMI Win32_Process"
        severity = "high"
        era = "2017-2022 Word droppers"
    strings:
        $auto1 = "AutoOpen" nocase
        $auto2 = "Document_Open" nocase
        $auto3 = "Workbook_Open" nocase
        $auto4 = "Auto_Open" nocase
        $auto5 = "Document_Close" nocase
        $run1 = "WScript.Shell" nocase
        $run2 = "Win32_Process" nocase
        $run3 = "ShellExecute" nocase
        $run4 = /\bShell[ (]/ nocase
        $run5 = "winmgmts" nocase
    condition:
        eg_type == "vba-source" and any of ($auto*) and any of ($run*)
}

rule EG_VBA_Split_WMI_Process : vba emotet obfuscation
{
    meta:
        description = "winmgmts and Win32_Process assembled from fragments, then .Create: PowerShell started by WmiPrvSE"
        severity = "high"
    strings:
        $w1 = "winmgmts" nocase
        $w2 = "mgmts" nocase
        $p1 = "Win32_" nocase
        $p2 = "_Process" nocase
        $p3 = "rocess" nocase
        $c = ".Create" nocase
        $sw = ".ShowWindow" nocase
        $obf1 = "Replace(" nocase
        $obf2 = "Split(" nocase
        $obf3 = "Join(" nocase
        $obf4 = "ChrW(" nocase
    condition:
        eg_type == "vba-source" and (any of ($w*)) and (any of ($p*)) and $c and ($sw or 2 of ($obf*))
}

rule EG_VBA_Hidden_Form_Strings : vba obfuscation
{
    meta:
        description = "macro reads its payload from form controls or document properties (ControlTipText, Caption, Tag)"
        severity = "medium"
    strings:
        $f1 = ".ControlTipText" nocase
        $f2 = ".Caption" nocase
        $f3 = ".GroupName" nocase
        $f4 = ".Tag" nocase
        $ex1 = "CreateObject" nocase
        $ex2 = "GetObject" nocase
        $auto = /(Auto_?Open|Document_Open|Workbook_Open)/ nocase
    condition:
        eg_type == "vba-source" and $auto and any of ($ex*) and 2 of ($f*)
}

rule EG_PowerShell_Encoded_Emotet_Stager : powershell emotet
{
    meta:
        description = "base64 UTF-16 PowerShell with $env:userprofile / DownloadFile as in the 2019-2020 Emotet stager"
        severity = "critical"
    strings:
        $up0 = "JABlAG4AdgA6AHUAcwBlAHIAcAByAG8AZgBpAGwAZQ"
        $up1 = "AkAGUAbgB2ADoAdQBzAGUAcgBwAHIAbwBmAGkAbAB"
        $up2 = "ACQAZQBuAHYAOgB1AHMAZQByAHAAcgBvAGYAaQBs"
        $dl0 = "RABvAHcAbgBsAG8AYQBkAEYAaQBsAGUA"
        $dl1 = "BEAG8AdwBuAGwAbwBhAGQARgBpAGwAZQ"
        $dl2 = "AEQAbwB3AG4AbABvAGEAZABGAGkAbABl"
        $ps = "powershell" nocase ascii wide
    condition:
        $ps and any of ($up*) and any of ($dl*)
}

rule EG_PowerShell_Url_List_Split : powershell emotet
{
    meta:
        description = "PowerShell that splits a URL list on [char]42 or '*' and downloads each in turn"
        severity = "high"
    strings:
        $s1 = "split([char]42)" nocase ascii wide
        $s2 = "split(\"*\")" nocase ascii wide
        $s3 = "split('*')" nocase ascii wide
        $s4 = /\.split\(\s*\[char\]\s*42\s*\)/ nocase
        $d1 = "DownloadFile" nocase ascii wide
        $d2 = "Invoke-WebRequest" nocase ascii wide
        $d3 = "DownloadString" nocase ascii wide
        $loop = "foreach" nocase ascii wide
    condition:
        any of ($s*) and any of ($d*) and $loop
}

rule EG_XLM_Download_Then_Register : xlm emotet
{
    meta:
        description = "Excel 4.0 macro that downloads with urlmon URLDownloadToFileA and runs the file with regsvr32 or rundll32"
        severity = "high"
        era = "2021-11 to 2022 XLM droppers"
    strings:
        $dl1 = "URLDownloadToFileA" nocase
        $dl2 = "ownloadToFil" nocase
        $call = "CALL(" nocase
        $exec = "EXEC(" nocase
        $r1 = "regsvr32" nocase
        $r2 = "rundll32" nocase
        $r3 = "mshta" nocase
    condition:
        (eg_type == "xlm" or eg_type == "xml" or eg_type == "biff8") and any of ($dl*) and ($call or $exec) and any of ($r*)
}

rule EG_XLM_Ooccxx_Chain : xlm emotet
{
    meta:
        description = "the 2022 Emotet XLM chain: JJCCBB download into ..\\<name>N.ooccxx then regsvr32"
        severity = "critical"
    strings:
        $j = "JJCCBB" nocase ascii wide
        $o = ".ooccxx" nocase ascii wide
        $u = "urlmon" nocase ascii wide
        $r = "regsvr32" nocase ascii wide
    condition:
        $o and ($j or ($u and $r))
}

rule EG_XLM_Numbered_Ocx_Drops : xlm emotet
{
    meta:
        description = "several numbered ..\\name1.ocx .. name4.ocx drops from one macro sheet"
        severity = "high"
    strings:
        $o1 = /\.\.\\[A-Za-z]{2,12}1\.ocx/ nocase ascii wide
        $o2 = /\.\.\\[A-Za-z]{2,12}2\.ocx/ nocase ascii wide
        $o3 = /\.\.\\[A-Za-z]{2,12}3\.ocx/ nocase ascii wide
        $dl = "ownloadToFil" nocase ascii wide
    condition:
        $dl and 2 of ($o*)
}

rule EG_Doc_Trusted_Location_Lure : lure
{
    meta:
        description = "document text asks the reader to copy it into an Office Templates folder (trusted location)"
        severity = "medium"
        era = "2022-11"
    strings:
        $t1 = "Microsoft\\Templates" nocase ascii wide
        $t2 = "Microsoft Office\\root\\Templates" nocase ascii wide
        $t3 = "Microsoft Office\\Templates" nocase ascii wide
        $c1 = "copy" nocase ascii wide
        $c2 = "move" nocase ascii wide
        $j1 = "テンプレート"
        $j2 = "信頼できる場所"
        $j3 = "コピー"
    condition:
        (any of ($t*) and any of ($c*)) or (2 of ($j*) and any of ($t*))
}

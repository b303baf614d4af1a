<#
.SYNOPSIS
  Collects the artifacts `emoguard hostcheck --dir` (or --hosts) reads, from one Windows PC.

.DESCRIPTION
  Writes <OutDir>\<COMPUTERNAME>\ with:
    host.txt        hostname, volume serial of the system drive, SystemRoot, architecture
    processes.csv   ProcessId, ParentProcessId, Name, ExecutablePath, CommandLine (Win32_Process)
    files.csv       Path, Size, LastWriteTime (FILETIME, 100 ns), Type (D/F), Head (first 16 bytes, hex)
                    for every profile's %LOCALAPPDATA%\*\*, System32\*\*, SysWOW64\*\*, the
                    System32 exe/dll names, and folder names under Program Files and Roaming
    tasks.csv       TaskPath, TaskName, Execute, Arguments (Get-ScheduledTask)
    policy.txt      for `hostcheck --audit`: asr.<GUID>=<action> (Get-MpPreference), defender.mode=
                    (AMRunningMode), defender.realtime=, appidsvc= (service status)
    applocker.xml   the effective AppLocker policy (Get-AppLockerPolicy -Effective -Xml)
    SOFTWARE, SYSTEM            reg save of HKLM\SOFTWARE and HKLM\SYSTEM
    users\<name>\NTUSER.DAT     reg save of each loaded user hive; a copy of the others
  Nothing is executed, changed or deleted on the PC. Run it as Administrator (reg save and other
  users' command lines need it). Copy the folder to a Linux machine and run
    emoguard hostcheck --dir <folder>         (one PC)
    emoguard hostcheck --hosts <parent>       (many PCs: summary table + one report each)
    emoguard hostcheck --audit --hosts <parent>   (containment: which stages of the chain each PC blocks)

.PARAMETER OutDir
  Where to write (default: the current directory). A network share works.
#>
param([string]$OutDir = ".")

$ErrorActionPreference = "Continue"
$host_name = $env:COMPUTERNAME
$dest = Join-Path $OutDir $host_name
New-Item -ItemType Directory -Force -Path $dest | Out-Null
New-Item -ItemType Directory -Force -Path (Join-Path $dest "users") | Out-Null

# ---- host.txt ---------------------------------------------------------------------------------
$sysdrive = $env:SystemDrive
$disk = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID='$sysdrive'"
$serial = ""
if ($disk -and $disk.VolumeSerialNumber) { $serial = $disk.VolumeSerialNumber }
$info = @(
  "# written by collect.ps1 at $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss')) UTC",
  "hostname=$host_name",
  "serial=$serial",
  "systemroot=$env:SystemRoot",
  "arch=$env:PROCESSOR_ARCHITECTURE"
)
[IO.File]::WriteAllLines((Join-Path $dest "host.txt"), $info, (New-Object Text.UTF8Encoding($false)))

# ---- processes.csv ----------------------------------------------------------------------------
Get-CimInstance Win32_Process |
  Select-Object ProcessId, ParentProcessId, Name, ExecutablePath, CommandLine |
  Export-Csv -NoTypeInformation -Encoding UTF8 -Path (Join-Path $dest "processes.csv")

# ---- files.csv --------------------------------------------------------------------------------
function Get-Head([string]$path) {
  try {
    $fs = [IO.File]::Open($path, 'Open', 'Read', 'ReadWrite, Delete')
    try {
      $buf = New-Object byte[] 16
      $n = $fs.Read($buf, 0, 16)
      return (($buf[0..($n - 1)] | ForEach-Object { $_.ToString("x2") }) -join "")
    } finally { $fs.Close() }
  } catch { return "" }
}

function Row($item, [bool]$head) {
  $isDir = $item.PSIsContainer
  $h = ""
  if (-not $isDir -and $head) { $h = Get-Head $item.FullName }
  $size = 0
  if (-not $isDir) { $size = $item.Length }
  [pscustomobject]@{
    Path          = $item.FullName
    Size          = $size
    LastWriteTime = $item.LastWriteTimeUtc.ToFileTimeUtc()
    Type          = $(if ($isDir) { "D" } else { "F" })
    Head          = $h
  }
}

# <root>, each folder directly in it, and the files in those folders (with their first bytes)
function Walk-Root([string]$root) {
  if (-not (Test-Path -LiteralPath $root)) { return }
  Row (Get-Item -LiteralPath $root -Force) $false
  Get-ChildItem -LiteralPath $root -Force -Directory -ErrorAction SilentlyContinue | ForEach-Object {
    Row $_ $false
    Get-ChildItem -LiteralPath $_.FullName -Force -File -ErrorAction SilentlyContinue |
      ForEach-Object { Row $_ $true }
  }
}

$profiles = Get-CimInstance Win32_UserProfile | Where-Object { $_.LocalPath }
$rows = New-Object System.Collections.Generic.List[object]
foreach ($p in $profiles) {
  foreach ($r in (Walk-Root (Join-Path $p.LocalPath "AppData\Local"))) { $rows.Add($r) }
  $roaming = Join-Path $p.LocalPath "AppData\Roaming"
  Get-ChildItem -LiteralPath $roaming -Force -Directory -Depth 1 -ErrorAction SilentlyContinue |
    ForEach-Object { $rows.Add((Row $_ $false)) }
}
foreach ($d in @("System32", "SysWOW64")) {
  $root = Join-Path $env:SystemRoot $d
  foreach ($r in (Walk-Root $root)) { $rows.Add($r) }
  Get-ChildItem -LiteralPath $root -Force -File -ErrorAction SilentlyContinue |
    Where-Object { $_.Extension -in @(".exe", ".dll") } | ForEach-Object { $rows.Add((Row $_ $false)) }
}
foreach ($pf in @($env:ProgramFiles, ${env:ProgramFiles(x86)})) {
  if ($pf) {
    Get-ChildItem -LiteralPath $pf -Force -Directory -Depth 1 -ErrorAction SilentlyContinue |
      ForEach-Object { $rows.Add((Row $_ $false)) }
  }
}
$rows | Export-Csv -NoTypeInformation -Encoding UTF8 -Path (Join-Path $dest "files.csv")

# ---- tasks.csv --------------------------------------------------------------------------------
Get-ScheduledTask | ForEach-Object {
  $t = $_
  foreach ($a in $t.Actions) {
    if ($a.Execute) {
      [pscustomobject]@{ TaskPath = $t.TaskPath; TaskName = $t.TaskName; Execute = $a.Execute; Arguments = $a.Arguments }
    }
  }
} | Export-Csv -NoTypeInformation -Encoding UTF8 -Path (Join-Path $dest "tasks.csv")

# ---- policy export (hostcheck --audit) ---------------------------------------------------------
# What Defender and AppLocker really use, which the hives alone cannot show (Intune/MDM-set ASR
# rules, passive mode under another antivirus, the AppLocker service state).
$pol = New-Object System.Collections.Generic.List[string]
$pol.Add("# written by collect.ps1")
try {
  $mp = Get-MpPreference -ErrorAction Stop
  $ids = @($mp.AttackSurfaceReductionRules_Ids)
  $acts = @($mp.AttackSurfaceReductionRules_Actions)
  for ($i = 0; $i -lt $ids.Count; $i++) {
    if ($ids[$i]) { $pol.Add("asr.$($ids[$i].ToString().ToLower())=$([int]$acts[$i])") }
  }
  $st = Get-MpComputerStatus -ErrorAction Stop
  $pol.Add("defender.mode=$($st.AMRunningMode)")
  $pol.Add("defender.realtime=$($st.RealTimeProtectionEnabled)")
} catch { $pol.Add("# Get-MpPreference unavailable: $($_.Exception.Message -replace '[\r\n=]', ' ')") }
$svc = Get-Service -Name AppIDSvc -ErrorAction SilentlyContinue
if ($svc) { $pol.Add("appidsvc=$($svc.Status)") }
[IO.File]::WriteAllLines((Join-Path $dest "policy.txt"), $pol, (New-Object Text.UTF8Encoding($false)))
try {
  $al = Get-AppLockerPolicy -Effective -Xml -ErrorAction Stop
  [IO.File]::WriteAllText((Join-Path $dest "applocker.xml"), $al, (New-Object Text.UTF8Encoding($false)))
} catch { }

# ---- registry hives ---------------------------------------------------------------------------
& reg.exe save HKLM\SOFTWARE (Join-Path $dest "SOFTWARE") /y | Out-Null
& reg.exe save HKLM\SYSTEM (Join-Path $dest "SYSTEM") /y | Out-Null
$loaded = Get-ChildItem Registry::HKEY_USERS | Where-Object { $_.PSChildName -match '^S-1-5-21-[\d-]+$' } |
  ForEach-Object { $_.PSChildName }
foreach ($p in $profiles) {
  if (-not ($p.SID -match '^S-1-5-21-')) { continue }
  $name = Split-Path $p.LocalPath -Leaf
  $udir = Join-Path (Join-Path $dest "users") $name
  New-Item -ItemType Directory -Force -Path $udir | Out-Null
  $out = Join-Path $udir "NTUSER.DAT"
  if ($loaded -contains $p.SID) {
    & reg.exe save "HKU\$($p.SID)" $out /y | Out-Null          # in use: save a consistent copy
  } else {
    Copy-Item -LiteralPath (Join-Path $p.LocalPath "NTUSER.DAT") -Destination $out -Force -ErrorAction SilentlyContinue
  }
}
Write-Host "emoguard artifacts written to $dest"

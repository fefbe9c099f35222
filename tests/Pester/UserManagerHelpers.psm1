# A real `systemd --user` manager for Pester tests (tests/fixtures/systemd/start-user-manager.sh): its own cgroup subtree
# (never outside it), private mount and cgroup namespaces, its own HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR.
#
#   BeforeDiscovery { $script:NoManager = Get-TestUserManagerSkipReason }   # $null where a manager can run
#   Describe 'x' -Skip:([bool]$NoManager) {                                  # Pester shows the reason via -Because below
#     BeforeAll { $script:m = Start-TestUserManager; $script:saved = Enter-TestUserManager $m }
#     AfterAll  { Exit-TestUserManager $saved; Stop-TestUserManager $m }
#   }
#
# Start-TestUserManager returns: Directory, XdgRuntimeDir, Home, XdgConfigHome, UnitDirectory, Systemctl (the nsenter
# wrapper, also `systemctl` in BinDirectory), BinDirectory, ManagerPid, CgroupDirectory, CgroupPath (as /proc/<pid>/cgroup
# names it) and Environment (ordered: XDG_RUNTIME_DIR, HOME, XDG_CONFIG_HOME, MOSAIC_SYSTEMCTL, PATH with BinDirectory
# first): set it on this process (Enter-TestUserManager) or pass it to Invoke-ChildPwsh -Environment.
Set-StrictMode -Version 3.0

$script:FixtureDir = (Resolve-Path (Join-Path $PSScriptRoot '../fixtures/systemd')).Path

function Get-TestUserManagerSkipReason {
    <# Why no user manager can run here (tests needing one are skipped), or $null. Cheap: for BeforeDiscovery. #>
    if (-not $IsLinux) { return 'a user manager needs Linux' }
    if ((& id -u) -ne '0') { return 'the real systemd --user fixture needs root (a cgroup subtree, mount and cgroup namespaces)' }
    if (-not ((Test-Path /lib/systemd/systemd) -or (Test-Path /usr/lib/systemd/systemd))) { return 'systemd is not installed (apt-get install systemd; .ci/run does)' }
    foreach ($t in 'unshare', 'nsenter', 'setsid') {
        if (-not (Get-Command $t -CommandType Application -ErrorAction Ignore)) { return "$t is missing (util-linux)" }
    }
    if (-not (Select-String -LiteralPath /proc/self/mountinfo -SimpleMatch ' - cgroup2 ' -Quiet)) { return 'no cgroup2 mount' }
    $null
}

function Start-TestUserManager {
    <# Starts a manager (about 0.15 s). Throws when it cannot start (check Get-TestUserManagerSkipReason first). #>
    [CmdletBinding()]
    param([string] $Directory = (Join-Path ([IO.Path]::GetTempPath()) ('mft-systemd-' + [guid]::NewGuid().ToString('N').Substring(0, 10))))
    $out = & sh (Join-Path $script:FixtureDir 'start-user-manager.sh') $Directory 2>&1
    $code = $LASTEXITCODE
    $global:LASTEXITCODE = 0
    if ($code -ne 0) { throw "start-user-manager.sh exited with ${code}: $($out -join "`n")" }
    $v = @{}
    foreach ($line in $out) { $k, $val = "$line".Split('=', 2); if ($null -ne $val) { $v[$k] = $val } }
    $pathValue = "$($v.BIN):$env:PATH"
    [pscustomobject]@{
        Directory       = $Directory
        XdgRuntimeDir   = $v.XDG_RUNTIME_DIR
        Home            = $v.HOME
        XdgConfigHome   = $v.XDG_CONFIG_HOME
        UnitDirectory   = Join-Path $v.XDG_CONFIG_HOME 'systemd/user'
        Systemctl       = $v.MOSAIC_SYSTEMCTL
        BinDirectory    = $v.BIN
        ManagerPid      = [int] $v.MANAGER_PID
        CgroupDirectory = $v.CGROUP
        CgroupPath      = $v.CGROUP_PATH
        Environment     = [ordered]@{
            XDG_RUNTIME_DIR  = $v.XDG_RUNTIME_DIR
            HOME             = $v.HOME
            XDG_CONFIG_HOME  = $v.XDG_CONFIG_HOME
            MOSAIC_SYSTEMCTL = $v.MOSAIC_SYSTEMCTL
            PATH             = $pathValue
        }
    }
}

function Stop-TestUserManager {
    <# SIGTERM to the manager (it stops its units), SIGKILL to what is left in its subtree, rmdir of the subtree, then
       removes its directory. Safe to call twice or with $null. #>
    [CmdletBinding()]
    param($Manager)
    if ($null -eq $Manager) { return }
    $out = & sh (Join-Path $script:FixtureDir 'stop-user-manager.sh') $Manager.Directory 2>&1
    $code = $LASTEXITCODE
    $global:LASTEXITCODE = 0
    if ($code -ne 0) { throw "stop-user-manager.sh exited with ${code}: $($out -join "`n")" }
    Remove-Item -LiteralPath $Manager.Directory -Recurse -Force -ErrorAction SilentlyContinue
}

function Enter-TestUserManager {
    <# Sets the manager's Environment on this process; returns the previous values for Exit-TestUserManager. #>
    param([Parameter(Mandatory)] $Manager)
    $saved = @{}
    foreach ($k in $Manager.Environment.Keys) {
        $saved[$k] = [Environment]::GetEnvironmentVariable($k)
        [Environment]::SetEnvironmentVariable($k, $Manager.Environment[$k])
    }
    $saved
}

function Exit-TestUserManager {
    param([Parameter(Mandatory)] [hashtable] $Saved)
    foreach ($k in $Saved.Keys) { [Environment]::SetEnvironmentVariable($k, $Saved[$k]) }
}

function Invoke-TestSystemctl {
    <# Invoke-TestSystemctl $manager <systemctl arguments>: systemctl --user against the manager; returns stdout lines
       (exit code in $LASTEXITCODE). Plain $args, so arguments like -p reach systemctl. #>
    $manager = $args[0]
    $rest = @(if ($args.Count -gt 1) { $args[1..($args.Count - 1)] })
    & $manager.Systemctl --user @rest
}

function Get-ProcessCgroup {
    <# The cgroup of a process as its /proc/<pid>/cgroup `0::` line says, or $null when it is gone. #>
    param([Parameter(Mandatory)] [int] $Id)
    $lines = Get-Content -LiteralPath "/proc/$Id/cgroup" -ErrorAction Ignore
    foreach ($l in @($lines)) { if ("$l".StartsWith('0::')) { return "$l".Substring(3) } }
    $null
}

function Get-TestUnitCgroup {
    <# A unit's cgroup as /proc/<pid>/cgroup names it outside the manager (its ControlGroup is namespace-relative). #>
    param([Parameter(Mandatory)] $Manager, [Parameter(Mandatory)] [string] $Unit)
    $cg = "$(& $Manager.Systemctl --user show -p ControlGroup --value -- $Unit)".Trim()
    $global:LASTEXITCODE = 0
    if ($cg) { $Manager.CgroupPath + $cg } else { $null }
}

Export-ModuleMember -Function Get-TestUserManagerSkipReason, Start-TestUserManager, Stop-TestUserManager, Enter-TestUserManager,
    Exit-TestUserManager, Invoke-TestSystemctl, Get-ProcessCgroup, Get-TestUnitCgroup

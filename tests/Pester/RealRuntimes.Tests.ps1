# The real agent TUIs (issue 13), each from the npm registry (.ci/run pins them into .tools/<name>), started by
# Start-FleetAgent -Direct with the BUILT-IN profile (paneCommands, patterns, submit keys, environment) and run offline
# against tests/fixtures/fake_model.py on 127.0.0.1. One walk per runtime: its start-up dialogs read Waiting and are
# answered, a message is Accepted, the turn reads Busy, Wait-FleetAgent -Activity Idle returns only once the answer is on
# the screen, and a tool call makes the runtime ask permission, which reads Waiting.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force
    $script:walks = Get-RealRuntimeWalk
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FleetTestHelpers.psm1') -Force
    Import-Module (Get-FleetModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot 'RealRuntimeHelpers.psm1') -Force

    function script:Get-Screen { Get-PaneText $e.Socket "=$agent`:" }

    function script:Get-Activity { (Get-FleetAgent $agent -RosterPath $e.RosterPath -Activity).Activity }
}

Describe 'The real <Name> <Version> TUI, offline' -ForEach $walks {
    BeforeAll {
        $script:skipReason = if (-not $Installed) { "$Name is not installed in $Bin (.ci/run installs it from the npm registry)" }
        if ($skipReason) { return }
        # A 4 s answer: long enough that Busy is seen and an Idle that comes too early is caught.
        $script:run = Start-RealRuntimeAgent -Walk @{ Name = $Name; Bin = $Bin; Command = $Command } -Agent "${Name}1" -Prefix "mfrt$Name" -Delay 4
        $script:e = $run.Environment; $script:agent = $run.Agent; $script:homeDir = $run.Home; $script:model = $run.Model
        $script:started = $run.Started
    }
    AfterAll { if (-not $skipReason) { Stop-RealRuntimeAgent $run } }

    It 'starts with the built-in profile: the pane runs the runtime, with the profile''s environment' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $started.Status | Should -Be 'Running'
        $a = Get-FleetAgent $agent -RosterPath $e.RosterPath
        $a.Drift | Should -BeFalse -Because "the pane command '$($a.PaneCommand)' is one of the profile's paneCommands"
        # The built-in profile's environment reached the runtime's own process.
        $panePid = & tmux -L $e.Socket display-message -p -t "=$agent`:" '#{pane_pid}'
        $environ = (Get-Content -Raw "/proc/$panePid/environ") -split "`0"
        foreach ($v in $ProfileEnv) { $environ | Should -Contain $v }
    }

    It 'walks its start-up dialogs, each reading Waiting, then shows its input box (Idle)' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        foreach ($d in $Dialogs) {
            Wait-Until { (Get-Screen) -match [regex]::Escape($d.Shows) } -TimeoutSeconds 90 | Should -BeTrue -Because (Get-Screen)
            Get-Activity | Should -Be 'Waiting' -Because (Get-Screen)
            # A key pressed the instant a dialog appears can be lost: move, see the choice selected, then confirm.
            Wait-Until { & tmux -L $e.Socket send-keys -t "=$agent`:" $d.Move; Start-Sleep -Milliseconds 300; (Get-Screen) -match [regex]::Escape($d.Selected) } -TimeoutSeconds 20 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
            & tmux -L $e.Socket send-keys -t "=$agent`:" Enter
            Wait-Until { (Get-Screen) -notmatch [regex]::Escape($d.Shows) } -TimeoutSeconds 30 | Should -BeTrue -Because (Get-Screen)
        }
        # A screen still starting up does not change either, and reads Idle: wait for the input box first.
        Wait-Until { (Get-Screen) -match $Ready } -TimeoutSeconds 90 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        if ($Name -eq 'opencode') {
            Wait-OpenCodePlugin $homeDir | Should -BeTrue -Because 'opencode installs its plugin package at its first start'
        }
        Wait-Until { (Get-Activity) -eq 'Idle' } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
    }

    It 'takes a message (Accepted), reads Busy during the turn, and Idle only once the answer is on the screen' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        # The marker first: Send-FleetMessage puts its source tag in front, and a narrow pane may wrap a long answer.
        $marker = "MARKER-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $text = "$marker hello $Name"
        $r = Send-FleetMessage $text -Name $agent -RosterPath $e.RosterPath -TimeoutSeconds 30
        $r.Status | Should -Be 'Accepted' -Because "$($r.Detail)`n$(Get-Screen)"
        ($r | Wait-FleetAgent -Activity Busy -TimeoutSeconds 20 -RosterPath $e.RosterPath).Activity | Should -Be 'Busy' -Because (Get-Screen)
        ($r | Wait-FleetAgent -Activity Idle -TimeoutSeconds 60 -RosterPath $e.RosterPath).Activity | Should -Be 'Idle' -Because (Get-Screen)
        Get-Screen | Should -Match "FAKE-ANSWER: .*$marker"
    }

    It 'reads Waiting while it asks permission for a tool call' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        if (-not $Permission) { Set-ItResult -Skipped -Because "$Name asks no permission before running a tool"; return }
        $r = Send-FleetMessage 'please RUN-TOOL now' -Name $agent -RosterPath $e.RosterPath -TimeoutSeconds 30
        $r.Status | Should -Be 'Accepted' -Because "$($r.Detail)`n$(Get-Screen)"
        # Wait-FleetAgent waits for Idle or Busy only: poll the activity.
        Wait-Until { (Get-Activity) -eq 'Waiting' } -TimeoutSeconds 60 -IntervalMs 500 | Should -BeTrue -Because (Get-Screen)
        Get-Screen | Should -Match $Permission
        Test-Path (Join-Path $homeDir 'work/mosaic-fake-tool') | Should -BeFalse -Because 'nothing approved the command'
    }
}

using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.Roster;

public class RosterLoaderTests
{
    private const string Path = "/tmp/roster.yaml";

    private static FleetRoster Parse(string yaml) => RosterLoader.Parse(yaml, Path);

    private static RosterException Fails(string yaml) => Assert.Throws<RosterException>(() => Parse(yaml));

    [Fact]
    public void Parses_the_documented_example()
    {
        var r = Parse("""
            version: 1
            transport: tmux
            tenant: acme                      # optional, default "local"
            tmux: { socketName: mosaic-factory, holderSession: _holder }
            defaults: { workingDirectory: ~/src }
            runtimes:                         # optional; overrides and adds to the built-in ones
              pi: { command: "mosaic yolo pi --model openai-codex/gpt-5.5:high", resetCommand: /clear, paneCommands: [pi, node] }
            agents:
              - { name: coder0, runtime: pi, className: worker, workingDirectory: ~/src/app, model: gpt-5.5, effort: high, host: local }
              - { name: coder1, runtime: codex }
            """);
        Assert.Equal(1, r.Version);
        Assert.Equal("acme", r.Tenant);
        Assert.Equal("mosaic-factory", r.Tmux.SocketName);
        Assert.Equal("_holder", r.Tmux.HolderSession);
        Assert.Equal("mosaic yolo pi --model openai-codex/gpt-5.5:high", r.Runtimes["pi"].Command);
        Assert.Equal(["pi", "node"], r.Runtimes["pi"].PaneCommands);
        var c0 = r.Agents[0];
        Assert.Equal(("coder0", "pi", "worker", "~/src/app", "gpt-5.5", "high", "local"), (c0.Name, c0.Runtime, c0.ClassName, c0.WorkingDirectory, c0.Model, c0.Effort, c0.Host));
        Assert.Equal("~/src", r.Agents[1].WorkingDirectory); // from defaults
        Assert.Equal("local", r.Agents[1].Host);
        Assert.Equal(10, r.Agents[1].Line);
    }

    [Fact]
    public void Defaults_apply_when_optional_keys_are_absent()
    {
        var r = Parse("version: 1\nagents:\n  - { name: a, runtime: pi }\n");
        Assert.Equal("tmux", r.Transport);
        Assert.Equal("local", r.Tenant);
        Assert.Equal("mosaic-factory", r.Tmux.SocketName);
        Assert.Equal("_holder", r.Tmux.HolderSession);
    }

    [Theory]
    [InlineData("claude", new[] { "claude", "node" })]
    [InlineData("codex", new[] { "codex", "node" })]
    [InlineData("opencode", new[] { "opencode", "node" })]
    [InlineData("pi", new[] { "pi", "node" })]
    [InlineData("dogfood", new[] { "python3", "python" })]
    public void Built_in_runtimes_accept_their_own_name_and_wrappers(string runtime, string[] mustAccept)
    {
        var r = Parse($"version: 1\nagents:\n  - {{ name: a, runtime: {runtime} }}\n");
        foreach (var cmd in mustAccept) Assert.Contains(cmd, r.Runtimes[runtime].PaneCommands);
        Assert.True(r.Runtimes[runtime].BuiltIn);
    }

    [Fact]
    public void A_roster_runtime_overrides_only_the_keys_it_sets()
    {
        var r = Parse("version: 1\nruntimes:\n  pi: { command: my-pi }\nagents: []\n");
        Assert.Equal("my-pi", r.Runtimes["pi"].Command);
        Assert.Equal("/clear", r.Runtimes["pi"].ResetCommand);
        Assert.Equal(["pi", "node"], r.Runtimes["pi"].PaneCommands);
        Assert.False(r.Runtimes["pi"].BuiltIn);
    }

    [Fact]
    public void A_new_runtime_defaults_to_its_own_name()
    {
        var r = Parse("version: 1\nruntimes:\n  aider: { submitKeys: Escape Enter }\nagents:\n  - { name: a, runtime: aider }\n");
        Assert.Equal("aider", r.Runtimes["aider"].Command);
        Assert.Equal(["aider"], r.Runtimes["aider"].PaneCommands);
        Assert.Equal(["Escape", "Enter"], r.Runtimes["aider"].SubmitKeys);
    }

    [Fact]
    public void Syntax_error_names_line_and_column()
    {
        var ex = Fails("version: 1\nagents:\n\t- { name: a, runtime: pi }\n");
        Assert.Equal(FleetErrorIds.RosterSyntaxError, ex.ErrorId);
        Assert.Equal(3, ex.Line);
        Assert.True(ex.Column >= 1);
        Assert.StartsWith($"{Path}:3:", ex.Message);
    }

    [Theory]
    [InlineData("version: 1\nagnets: []\n", 2, 1, "agnets")]
    [InlineData("version: 1\nagents:\n  - { name: a, runtme: pi }\n", 3, 16, "runtme")]
    [InlineData("version: 1\ntmux: { socket: x }\nagents: []\n", 2, 9, "socket")]
    [InlineData("version: 1\ndefaults: { workdir: x }\nagents: []\n", 2, 13, "workdir")]
    [InlineData("version: 1\nruntimes:\n  pi: { cmd: x }\nagents: []\n", 3, 9, "cmd")]
    public void Unknown_keys_are_errors_at_their_place(string yaml, int line, int column, string key)
    {
        var ex = Fails(yaml);
        Assert.Equal(FleetErrorIds.RosterUnknownKey, ex.ErrorId);
        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.Contains($"'{key}'", ex.Message);
    }

    [Fact]
    public void Unknown_key_suggests_the_near_miss()
    {
        var ex = Fails("version: 1\nagents:\n  - { name: a, runtime: pi, classname: w }\n");
        Assert.Contains("Did you mean 'className'?", ex.Message);
    }

    [Theory]
    [InlineData("agents: []\n", "version")]
    [InlineData("version: 1\n", "agents")]
    [InlineData("version: 1\nagents:\n  - { runtime: pi }\n", "name")]
    [InlineData("version: 1\nagents:\n  - { name: a }\n", "runtime")]
    [InlineData("version: 1\nhosts:\n  h1: { port: 22 }\nagents: []\n", "ssh")]
    public void Missing_required_keys_are_errors(string yaml, string key)
    {
        var ex = Fails(yaml);
        Assert.Equal(FleetErrorIds.RosterMissingKey, ex.ErrorId);
        Assert.Contains($"'{key}'", ex.Message);
        Assert.True(ex.Line > 0);
    }

    [Theory]
    [InlineData("version: 1\nagents:\n  - a: [\n  b: ]]\n")]
    [InlineData("key: [1, 2\nother: 3\n")]
    [InlineData("a: 'x\n")]
    [InlineData("version: 1\nversion: 1\nagents: []\n")]
    public void Malformed_yaml_is_always_a_syntax_error_with_a_position(string yaml)
    {
        var ex = Fails(yaml);
        Assert.Equal(FleetErrorIds.RosterSyntaxError, ex.ErrorId);
        Assert.True(ex.Line >= 1 && ex.Column >= 1);
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        Assert.Equal(FleetErrorIds.RosterMissingKey, Fails("").ErrorId);
        Assert.Equal(FleetErrorIds.RosterMissingKey, Fails("# only a comment\n").ErrorId);
    }

    [Theory]
    [InlineData("version: 2\nagents: []\n")]
    [InlineData("version: 0\nagents: []\n")]
    public void Only_version_1_is_read(string yaml)
    {
        var ex = Fails(yaml);
        Assert.Equal(FleetErrorIds.RosterUnsupportedVersion, ex.ErrorId);
        Assert.Equal((1, 10), (ex.Line, ex.Column));
    }

    [Fact]
    public void Version_must_be_a_number()
        => Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: one\nagents: []\n").ErrorId);

    [Fact]
    public void Only_tmux_transport_is_read()
    {
        var ex = Fails("version: 1\ntransport: screen\nagents: []\n");
        Assert.Equal(FleetErrorIds.RosterUnsupportedTransport, ex.ErrorId);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Duplicate_agent_names_are_errors_naming_the_first()
    {
        var ex = Fails("version: 1\nagents:\n  - { name: a, runtime: pi }\n  - { name: b, runtime: pi }\n  - { name: a, runtime: codex }\n");
        Assert.Equal(FleetErrorIds.RosterDuplicateAgent, ex.ErrorId);
        Assert.Equal(5, ex.Line);
        Assert.Contains("line 3", ex.Message);
    }

    [Fact]
    public void Agent_names_that_differ_only_in_case_are_duplicates()
    {
        // Every cmdlet matches names without regard to case: 'coder' and 'Coder' would be one agent to -Name.
        var ex = Fails("version: 1\nagents:\n  - { name: coder, runtime: pi }\n  - { name: Coder, runtime: pi }\n");
        Assert.Equal(FleetErrorIds.RosterDuplicateAgent, ex.ErrorId);
        Assert.Equal(4, ex.Line);
        Assert.Contains("the same as 'coder' but for case", ex.Message);
    }

    [Theory]
    [InlineData("-lead")]
    [InlineData("_lead")]
    [InlineData("has space")]
    [InlineData("dot.name")]
    [InlineData("colon:name")]
    [InlineData("slash/name")]
    [InlineData("unicodé")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")] // 64 characters
    public void Agent_names_outside_the_safe_set_are_errors(string name)
    {
        var ex = Fails($"version: 1\nagents:\n  - {{ name: '{name}', runtime: pi }}\n");
        Assert.Equal(FleetErrorIds.RosterInvalidAgentName, ex.ErrorId);
        Assert.Equal(3, ex.Line);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("coder-0_x")]
    [InlineData("0abc")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")] // 63 characters
    public void Safe_agent_names_pass(string name)
        => Assert.Equal(name, Parse($"version: 1\nagents:\n  - {{ name: '{name}', runtime: pi }}\n").Agents[0].Name);

    [Fact]
    public void Unknown_runtime_is_an_error_listing_known_ones()
    {
        var ex = Fails("version: 1\nagents:\n  - { name: a, runtime: gpt }\n");
        Assert.Equal(FleetErrorIds.RosterUnknownRuntime, ex.ErrorId);
        Assert.Equal((3, 25), (ex.Line, ex.Column));
        Assert.Contains("claude, codex, dogfood, opencode, pi", ex.Message);
    }

    [Fact]
    public void Unknown_host_is_an_error()
    {
        var ex = Fails("version: 1\nhosts:\n  dragon: { ssh: ops@dragon }\nagents:\n  - { name: a, runtime: pi, host: drgon }\n");
        Assert.Equal(FleetErrorIds.RosterUnknownHost, ex.ErrorId);
        Assert.Equal(5, ex.Line);
    }

    [Fact]
    public void Hosts_are_parsed()
    {
        var r = Parse("""
            version: 1
            hosts:
              dragon-lin: { ssh: ops@dragon-lin.lan, port: 2222, identityFile: ~/.ssh/fleet_ed25519, sshOptions: [Compression=yes], tmux: { socketName: mosaic-factory } }
            agents:
              - { name: coder4, runtime: codex, host: dragon-lin }
            """);
        var h = r.Hosts["dragon-lin"];
        Assert.Equal(("ops@dragon-lin.lan", 2222, "~/.ssh/fleet_ed25519"), (h.Ssh, h.Port, h.IdentityFile));
        Assert.Equal(["Compression=yes"], h.SshOptions);
        Assert.Equal("mosaic-factory", h.Tmux!.SocketName);
        Assert.Equal("dragon-lin", r.Agents[0].Host);
    }

    [Fact]
    public void Environment_map_is_read_and_checked()
    {
        var r = Parse("version: 1\nagents:\n  - name: a\n    runtime: pi\n    environment: { OPENAI_API_KEY: 'sk-$x%y', EMPTY: '' }\n");
        Assert.Equal("sk-$x%y", r.Agents[0].Environment["OPENAI_API_KEY"]);
        Assert.Equal("", r.Agents[0].Environment["EMPTY"]);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nagents:\n  - { name: a, runtime: pi, environment: { 1BAD: x } }\n").ErrorId);
    }

    [Fact]
    public void A_runtime_environment_reaches_its_agents_and_an_agent_overrides_it_by_name()
    {
        var r = Parse("version: 1\nruntimes:\n  claude: { environment: { EXTRA: x } }\n  mine: { command: mine, environment: { A: '1', B: '2' } }\n"
            + "agents:\n  - { name: c, runtime: claude }\n  - { name: m, runtime: mine, environment: { B: over, C: '3' } }\n  - { name: p, runtime: pi }\n");
        // The built-in claude variables stay; the roster's are added.
        Assert.Equal("1", r.Runtimes["claude"].Environment["DISABLE_AUTOUPDATER"]);
        Assert.Equal(new Dictionary<string, string> { ["DISABLE_AUTOUPDATER"] = "1", ["EXTRA"] = "x" }, r.Agents[0].Environment);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "over", ["C"] = "3" }, r.Agents[1].Environment);
        Assert.Empty(r.Agents[2].Environment);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nruntimes:\n  x: { environment: { 'A-B': y } }\nagents: []\n").ErrorId);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nruntimes:\n  x: { environment: [a] }\nagents: []\n").ErrorId);
    }

    [Fact]
    public void Invalid_regular_expressions_are_errors()
    {
        var ex = Fails("version: 1\nruntimes:\n  pi: { busyPattern: '([a-' }\nagents: []\n");
        Assert.Equal(FleetErrorIds.RosterInvalidPattern, ex.ErrorId);
        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public void Wrong_shapes_are_errors()
    {
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("- a\n- b\n").ErrorId);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nagents: { a: b }\n").ErrorId);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nagents:\n  - just-a-string\n").ErrorId);
        Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nagents:\n  - { name: [a], runtime: pi }\n").ErrorId);
    }

    [Fact]
    public void A_second_document_is_an_error()
        => Assert.Equal(FleetErrorIds.RosterSyntaxError, Fails("version: 1\nagents: []\n---\nversion: 1\n").ErrorId);

    [Fact]
    public void Missing_file_is_not_found()
    {
        var ex = Assert.Throws<RosterException>(() => RosterLoader.LoadFile("/nonexistent/mosaic/roster.yaml"));
        Assert.Equal(FleetErrorIds.RosterNotFound, ex.ErrorId);
        Assert.Equal(RosterErrorKind.NotFound, ex.Kind);
    }

    [Theory]
    [InlineData("version: 1\nagents:\n  - { name: \"coder0\\n\", runtime: pi }\n", FleetErrorIds.RosterInvalidAgentName)]
    [InlineData("version: 1\nruntimes:\n  \"pi2\\n\": { command: x }\nagents: []\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\nhosts:\n  \"h\\n\": { ssh: x }\nagents: []\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\ntmux: { socketName: \"s\\n\" }\nagents: []\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\ntmux: { holderSession: \"_h\\n\" }\nagents: []\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\nagents:\n  - { name: a, runtime: pi, environment: { \"KEY\\n\": x } }\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\nagents:\n  - { name: a, runtime: pi, workingDirectory: \"/tmp/a\\nb\" }\n", FleetErrorIds.RosterInvalidValue)]
    [InlineData("version: 1\nagents:\n  - { name: a, runtime: pi, command: \"pi\\nrm -rf ~\" }\n", FleetErrorIds.RosterInvalidValue)]
    public void A_trailing_or_embedded_newline_never_passes_as_a_name_or_value(string yaml, string id)
        => Assert.Equal(id, Fails(yaml).ErrorId);

    [Fact]
    public void An_empty_agent_command_is_an_error()
        => Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails("version: 1\nagents:\n  - { name: a, runtime: pi, command: '' }\n").ErrorId);

    [Theory]
    [InlineData("[-Enter]")]
    [InlineData("[Enter, -t]")]
    [InlineData("\"Escape \\n\"")]
    public void Submit_keys_must_be_key_names_not_flags(string keys)
        => Assert.Equal(FleetErrorIds.RosterInvalidValue, Fails($"version: 1\nruntimes:\n  pi: {{ submitKeys: {keys} }}\nagents: []\n").ErrorId);

    [Theory]
    [InlineData("flow")]
    [InlineData("block")]
    public void A_deeply_nested_roster_is_a_roster_error_not_a_stack_overflow(string style)
    {
        // 60,000 levels: YamlStream alone recurses once per level and overflows the stack (the whole process dies).
        const int depth = 60_000;
        var yaml = style == "flow"
            ? "version: 1\nagents: []\nx: " + new string('[', depth) + new string(']', depth) + "\n"
            : "version: 1\nagents: []\nx:\n" + string.Concat(Enumerable.Range(0, depth).Select(_ => "- ")) + "1\n";
        var ex = Fails(yaml);
        Assert.Equal(FleetErrorIds.RosterTooDeep, ex.ErrorId);
        Assert.Equal(style == "flow" ? 3 : 4, ex.Line);
        Assert.Contains("64 levels", ex.Message);
    }

    [Fact]
    public void Nesting_up_to_the_limit_still_reads()
    {
        // The root mapping is level 1; 63 lists inside it reach the limit exactly and are only an unknown key.
        var ex = Fails("version: 1\nagents: []\nx: " + new string('[', 63) + new string(']', 63) + "\n");
        Assert.Equal(FleetErrorIds.RosterUnknownKey, ex.ErrorId);
        Assert.Equal(FleetErrorIds.RosterTooDeep, Fails("version: 1\nagents: []\nx: " + new string('[', 64) + new string(']', 64) + "\n").ErrorId);
    }

    [Theory]
    [InlineData("tmux: { holderSession: coder0 }\nagents:\n  - { name: coder0, runtime: pi }\n")]
    [InlineData("tmux: { holderSession: Coder0 }\nagents:\n  - { name: coder0, runtime: pi }\n")]   // matched without case
    [InlineData("hosts:\n  r: { ssh: r, tmux: { socketName: s, holderSession: keep } }\nagents:\n  - { name: keep, runtime: pi, host: r }\n")]
    public void An_agent_named_like_its_holder_session_is_refused(string rest)
    {
        var ex = Fails("version: 1\n" + rest);
        Assert.Equal(FleetErrorIds.RosterHolderNameConflict, ex.ErrorId);
        Assert.Contains("holder session", ex.Message);
    }

    [Fact]
    public void The_holder_name_of_another_host_is_a_fine_agent_name()
        => Assert.Single(Parse("version: 1\nhosts:\n  r: { ssh: r, tmux: { socketName: s, holderSession: keep } }\nagents:\n  - { name: keep, runtime: pi }\n").Agents);

    [Theory]
    [InlineData("'..'")]
    [InlineData("'.'")]
    [InlineData("'acme/night'")]
    [InlineData("'../../../tmp/escaped'")]
    [InlineData("\"line\\u0007bell\"")]
    public void A_tenant_that_cannot_name_a_folder_is_refused(string tenant)
    {
        var ex = Fails($"version: 1\ntenant: {tenant}\nagents: []\n");
        Assert.Equal(FleetErrorIds.RosterInvalidValue, ex.ErrorId);
        Assert.Contains("cannot name a folder", ex.Message);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Ssh_options_are_Key_Value_and_a_leading_dash_o_is_taken_off()
    {
        var r = Parse("version: 1\nhosts:\n  far: { ssh: op@far, sshOptions: ['-oConnectTimeout=5', '-o ServerAliveInterval=9', 'Compression=yes'] }\nagents: []\n");
        Assert.Equal(["ConnectTimeout=5", "ServerAliveInterval=9", "Compression=yes"], r.Hosts["far"].SshOptions);
        foreach (var bad in new[] { "'-F/etc/evil'", "'-o'", "'--'" })
        {
            var ex = Fails($"version: 1\nhosts:\n  far: {{ ssh: op@far, sshOptions: [{bad}] }}\nagents: []\n");
            Assert.Equal(FleetErrorIds.RosterInvalidValue, ex.ErrorId);
            Assert.Contains("Key=Value", ex.Message);
        }
    }

    [Fact]
    public async Task A_device_a_fifo_or_a_huge_file_is_a_read_error_not_a_hang_or_out_of_memory()
    {
        // A device that never ends reads as an empty roster (its size is 0): an error, no endless read.
        Assert.Equal(FleetErrorIds.RosterMissingKey, Assert.Throws<RosterException>(() => RosterLoader.LoadFile("/dev/zero")).ErrorId);
        var dir = Directory.CreateTempSubdirectory("mft-roster-").FullName;
        try
        {
            var fifo = System.IO.Path.Combine(dir, "fifo.yaml");
            var mk = System.Diagnostics.Process.Start("mkfifo", fifo)!;
            mk.WaitForExit();
            var read = Task.Run(() => Assert.Throws<RosterException>(() => RosterLoader.LoadFile(fifo)));
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "reading a FIFO roster must not hang");
            Assert.Equal(FleetErrorIds.RosterMissingKey, (await read).ErrorId);
            var big = System.IO.Path.Combine(dir, "big.yaml");
            using (var f = File.Create(big)) f.SetLength(RosterLoader.MaxBytes + 1);
            var ex = Assert.Throws<RosterException>(() => RosterLoader.LoadFile(big));
            Assert.Equal(FleetErrorIds.RosterReadError, ex.ErrorId);
            Assert.Contains("at most", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Engine.Roster;

/// <summary>Reads and validates a roster. Every problem is a <see cref="RosterException"/> naming file, line and column.
/// The YAML is walked as a node tree (not deserialised into classes) so that unknown keys, wrong types and
/// bad values are all reported where they stand.</summary>
public static class RosterLoader
{
    /// <summary>The rule for agent, runtime, host and socket names, as shown to operators.</summary>
    public const string AgentNamePattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$";
    // \A and \z, not ^ and $: in .NET '$' also matches before a final newline, so "coder0\n" would pass.
    private static readonly Regex AgentNameRegex = new(@"\A[A-Za-z0-9][A-Za-z0-9_-]{0,62}\z", RegexOptions.CultureInvariant);
    private static readonly Regex EnvNameRegex = new(@"\A[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant);
    private static readonly Regex HolderNameRegex = new(@"\A[A-Za-z0-9_][A-Za-z0-9_-]{0,62}\z", RegexOptions.CultureInvariant);
    // A tmux key name; never starting with '-', which send-keys would read as a flag.
    private static readonly Regex KeyNameRegex = new(@"\A[A-Za-z0-9][A-Za-z0-9-]{0,15}\z", RegexOptions.CultureInvariant);

    public static FleetRoster LoadFile(string path) => Parse(ReadText(path), path);

    /// <summary>The roster file's text; a missing or unreadable file is a <see cref="RosterException"/>.</summary>
    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new RosterException(FleetErrorIds.RosterNotFound, $"No roster at {path}.", path, kind: RosterErrorKind.NotFound, inner: ex) { TriedPaths = [path] };
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new RosterException(FleetErrorIds.RosterNotFound, $"No roster at {path}.", path, kind: RosterErrorKind.NotFound, inner: ex) { TriedPaths = [path] };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RosterException(FleetErrorIds.RosterReadError, $"Cannot read the roster: {ex.Message}", path, kind: RosterErrorKind.ReadError, inner: ex);
        }
    }

    /// <summary>The deepest nesting of mappings and sequences a roster may have (a real one needs about 6). YamlDotNet
    /// builds its node tree by recursion, so a 60,000-deep document would overflow the stack and kill the host process:
    /// the limit is checked on the parser's events, before any node is built.</summary>
    public const int MaxDepth = 64;

    public static FleetRoster Parse(string text, string path)
    {
        CheckTabIndentation(text, path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new DepthLimitedParser(new Parser(new StringReader(text)), MaxDepth, path));
        }
        catch (YamlException ex)
        {
            var msg = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            var line = ex.Start.Line;
            var column = ex.Start.Column;
            if (ex.InnerException is YamlException innerEx) { line = innerEx.Start.Line; column = innerEx.Start.Column; }
            throw new RosterException(FleetErrorIds.RosterSyntaxError, $"YAML syntax error: {StripPosition(msg)}", path, (int)line, (int)column, inner: ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet 16 throws this (not a YamlException) for some malformed flow collections; report where parsing stopped.
            var (line, column) = LastGoodPosition(text);
            throw new RosterException(FleetErrorIds.RosterSyntaxError, "YAML syntax error: malformed flow collection ([...] or {...}) after this point.", path, line, column, inner: ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new RosterException(FleetErrorIds.RosterMissingKey, "The roster is empty: it needs at least 'version' and 'agents'.", path, 1, 1);
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new RosterException(FleetErrorIds.RosterSyntaxError, "A roster holds one YAML document; found another.", path, Line(second), Col(second));
        }
        return new Reader(path).ReadRoot(stream.Documents[0].RootNode);
    }

    /// <summary>YAML forbids tabs in indentation; YamlDotNet reports that at 1:1, so find the line ourselves.</summary>
    private static void CheckTabIndentation(string text, string path)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            for (var j = 0; j < line.Length && (line[j] == ' ' || line[j] == '\t'); j++)
            {
                if (line[j] == '\t' && j + 1 < line.Length && line.AsSpan(j).TrimStart(" \t").Length > 0 && line.AsSpan(j).TrimStart(" \t")[0] != '#')
                {
                    throw new RosterException(FleetErrorIds.RosterSyntaxError, "YAML syntax error: a tab is used for indentation; YAML allows only spaces.", path, i + 1, j + 1);
                }
            }
        }
    }

    /// <summary>Passes the parser's events through, counting open mappings and sequences; one level too deep is a
    /// <see cref="RosterException"/> (<see cref="FleetErrorIds.RosterTooDeep"/>) at that event, before YamlStream recurses into it.</summary>
    private sealed class DepthLimitedParser(IParser inner, int maxDepth, string path) : IParser
    {
        private int _depth;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            switch (inner.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++_depth > maxDepth)
                    {
                        var at = inner.Current.Start;
                        throw new RosterException(FleetErrorIds.RosterTooDeep, $"The roster nests mappings and lists more than {maxDepth} levels deep.", path, (int)at.Line, (int)at.Column);
                    }
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    _depth--;
                    break;
            }
            return true;
        }
    }

    private static (int Line, int Column) LastGoodPosition(string text)
    {
        var parser = new Parser(new StringReader(text));
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext()) last = parser.Current!.End;
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
        }
        return ((int)Math.Max(1, last.Line), (int)Math.Max(1, last.Column));
    }

    private static string StripPosition(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: ..) - (Line: ...): " which we report ourselves.
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0 ? message[(i + 3)..] : message;
    }

    private static int Line(YamlNode n) => (int)n.Start.Line;

    private static int Col(YamlNode n) => (int)n.Start.Column;

    private sealed class Reader(string path)
    {
        private static readonly string[] RootKeys = ["version", "transport", "tenant", "tmux", "defaults", "runtimes", "hosts", "agents", "logs"];
        private static readonly string[] LogsKeys = ["maxSize", "keep"];
        private static readonly string[] TmuxKeys = ["socketName", "holderSession"];
        private static readonly string[] DefaultsKeys = ["workingDirectory", "runtimeBin", "worktree", "restart", "resources", "startSpacingSeconds"];
        private static readonly string[] RestartKeys = ["policy", "delaySeconds", "limit", "windowSeconds"];
        private static readonly string[] ResourceKeys = ["memoryMax", "cpuWeight", "tasksMax"];
        private static readonly string[] RuntimeKeys = ["command", "resetCommand", "paneCommands", "submitKeys", "inputPattern", "busyPattern", "waitingPattern", "idleAfterSeconds", "runtimeBin", "environment"];
        private static readonly string[] HostKeys = ["ssh", "port", "identityFile", "knownHostsFile", "sshOptions", "tmux"];
        private static readonly string[] AgentKeys = ["name", "runtime", "className", "workingDirectory", "model", "effort", "host", "command", "runtimeBin", "environment", "worktree", "restart", "resources"];

        public FleetRoster ReadRoot(YamlNode root)
        {
            var map = Map(root, "the roster");
            CheckKeys(map, RootKeys, "the roster");
            var roster = new FleetRoster { Path = path };

            var versionNode = Required(map, "version", "the roster");
            var version = Int(versionNode, "version");
            if (version != 1) throw Error(FleetErrorIds.RosterUnsupportedVersion, $"Unsupported roster version {version}: this module reads version 1.", versionNode);
            roster.Version = version;

            if (Get(map, "transport") is { } transportNode)
            {
                var transport = Str(transportNode, "transport");
                if (transport != "tmux") throw Error(FleetErrorIds.RosterUnsupportedTransport, $"Unsupported transport '{transport}': only 'tmux' is supported.", transportNode);
                roster.Transport = transport;
            }
            if (Get(map, "tenant") is { } tenantNode)
            {
                // Any text: unit and file names use its key (TenantNames.KeyOf), never the raw name.
                roster.Tenant = NonEmpty(tenantNode, "tenant");
            }
            if (Get(map, "tmux") is { } tmuxNode) roster.Tmux = ReadTmux(tmuxNode, "tmux");
            if (Get(map, "logs") is { } logsNode) roster.Logs = ReadLogs(logsNode);
            if (Get(map, "defaults") is { } defaultsNode)
            {
                var d = Map(defaultsNode, "defaults");
                CheckKeys(d, DefaultsKeys, "defaults");
                roster.Defaults = new FleetDefaults
                {
                    WorkingDirectory = OptStr(d, "workingDirectory"),
                    RuntimeBin = OptStr(d, "runtimeBin"),
                    Worktree = Get(d, "worktree") is { } dw ? ReadWorktree(dw, "defaults worktree", null) : null,
                };
                if (Get(d, "restart") is { } r) ReadRestart(r, roster.Defaults.Restart, "defaults restart");
                if (Get(d, "resources") is { } res) ReadResources(res, roster.Defaults.Resources, "defaults resources");
                if (Get(d, "startSpacingSeconds") is { } sp)
                {
                    var spacing = Double(sp, "startSpacingSeconds");
                    if (spacing is < 0 or > 3600) throw Error(FleetErrorIds.RosterInvalidValue, $"startSpacingSeconds {spacing} must be between 0 and 3600.", sp);
                    roster.Defaults.StartSpacingSeconds = spacing;
                }
            }

            var runtimes = new Dictionary<string, FleetRuntime>(BuiltInRuntimes.Create(), StringComparer.Ordinal);
            if (Get(map, "runtimes") is { } runtimesNode)
            {
                foreach (var (keyNode, valueNode) in Map(runtimesNode, "runtimes").Children)
                {
                    var name = Str(keyNode, "runtime name");
                    if (!AgentNameRegex.IsMatch(name)) throw Error(FleetErrorIds.RosterInvalidValue, $"Runtime name '{name}' must match {AgentNamePattern}.", keyNode);
                    runtimes[name] = ReadRuntime(name, valueNode, runtimes.GetValueOrDefault(name));
                }
            }
            roster.Runtimes = runtimes;

            var hosts = new Dictionary<string, FleetHostSpec>(StringComparer.Ordinal);
            if (Get(map, "hosts") is { } hostsNode)
            {
                foreach (var (keyNode, valueNode) in Map(hostsNode, "hosts").Children)
                {
                    var name = Str(keyNode, "host name");
                    if (name == "local") throw Error(FleetErrorIds.RosterInvalidValue, "'local' is this machine and cannot be declared under hosts.", keyNode);
                    if (!AgentNameRegex.IsMatch(name)) throw Error(FleetErrorIds.RosterInvalidValue, $"Host name '{name}' must match {AgentNamePattern}.", keyNode);
                    hosts[name] = ReadHost(name, valueNode);
                }
            }
            roster.Hosts = hosts;

            var agentsNode = Required(map, "agents", "the roster");
            if (agentsNode is not YamlSequenceNode agentsSeq)
            {
                if (agentsNode is YamlScalarNode { Value: null or "" }) { roster.Agents = []; return roster; }
                throw Error(FleetErrorIds.RosterInvalidValue, "'agents' must be a list.", agentsNode);
            }
            var agents = new List<FleetAgentSpec>();
            // Names are matched without regard to case everywhere (-Name coder0 selects Coder0), so two names that differ
            // only in case would be one name to every cmdlet.
            var seen = new Dictionary<string, (string Name, YamlNode Node)>(StringComparer.OrdinalIgnoreCase);
            foreach (var item in agentsSeq.Children)
            {
                var agent = ReadAgent(item, roster, runtimes, hosts, out var nameNode);
                if (seen.TryGetValue(agent.Name, out var first))
                {
                    var how = first.Name == agent.Name ? "" : $" (the same as '{first.Name}' but for case; agent names are matched without regard to case)";
                    throw Error(FleetErrorIds.RosterDuplicateAgent, $"Duplicate agent name '{agent.Name}'{how} (first declared at line {Line(first.Node)}).", nameNode);
                }
                seen[agent.Name] = (agent.Name, nameNode);
                // The holder session keeps the tmux server alive; an agent of that name would be the holder (killed,
                // restarted and typed into as an agent) on its host's socket.
                var holder = (agent.Host != "local" && hosts.TryGetValue(agent.Host, out var hs) && hs.Tmux is { } ht ? ht : roster.Tmux).HolderSession;
                if (string.Equals(agent.Name, holder, StringComparison.OrdinalIgnoreCase))
                {
                    throw Error(FleetErrorIds.RosterHolderNameConflict, $"Agent '{agent.Name}' has the name of the tmux holder session ('{holder}') on its socket; rename the agent or set another holderSession.", nameNode);
                }
                agents.Add(agent);
            }
            roster.Agents = agents;
            if (WorktreeSpecs.FindClash(agents, roster.Tenant) is { } clash)
                throw new RosterException(FleetErrorIds.RosterInvalidValue, clash.Message, path, clash.Agent.Line, 1);
            return roster;
        }

        private FleetTmuxSettings ReadTmux(YamlNode node, string where)
        {
            var m = Map(node, where);
            CheckKeys(m, TmuxKeys, where);
            var t = new FleetTmuxSettings();
            if (Get(m, "socketName") is { } s)
            {
                t.SocketName = NonEmpty(s, "socketName");
                if (!AgentNameRegex.IsMatch(t.SocketName)) throw Error(FleetErrorIds.RosterInvalidValue, $"socketName '{t.SocketName}' must match {AgentNamePattern}.", s);
            }
            if (Get(m, "holderSession") is { } h)
            {
                t.HolderSession = NonEmpty(h, "holderSession");
                if (!HolderNameRegex.IsMatch(t.HolderSession)) throw Error(FleetErrorIds.RosterInvalidValue, $"holderSession '{t.HolderSession}' may hold only letters, digits, '_' and '-'.", h);
            }
            return t;
        }

        private FleetRuntime ReadRuntime(string name, YamlNode node, FleetRuntime? baseRuntime)
        {
            var where = $"runtime '{name}'";
            var m = Map(node, where);
            CheckKeys(m, RuntimeKeys, where);
            var r = new FleetRuntime
            {
                Name = name,
                Command = baseRuntime?.Command ?? name,
                ResetCommand = baseRuntime?.ResetCommand,
                PaneCommands = baseRuntime?.PaneCommands ?? [name],
                SubmitKeys = baseRuntime?.SubmitKeys ?? ["Enter"],
                InputPattern = baseRuntime?.InputPattern,
                BusyPattern = baseRuntime?.BusyPattern,
                WaitingPattern = baseRuntime?.WaitingPattern,
                IdleAfterSeconds = baseRuntime?.IdleAfterSeconds,
                RuntimeBin = baseRuntime?.RuntimeBin,
                Environment = baseRuntime?.Environment ?? new Dictionary<string, string>(),
                BuiltIn = false,
            };
            if (Get(m, "command") is { } c) r.Command = NonEmpty(c, "command");
            if (Get(m, "resetCommand") is { } rc) r.ResetCommand = OptNullableStr(rc, "resetCommand");
            if (Get(m, "paneCommands") is { } pc)
            {
                r.PaneCommands = StrList(pc, "paneCommands");
                if (r.PaneCommands.Length == 0) throw Error(FleetErrorIds.RosterInvalidValue, "paneCommands needs at least one entry.", pc);
                foreach (var p in r.PaneCommands)
                {
                    if (p.Length > 2 && p[0] == '/' && p[^1] == '/') CheckRegex(p[1..^1], pc, "paneCommands");
                }
            }
            if (Get(m, "submitKeys") is { } sk)
            {
                r.SubmitKeys = sk is YamlScalarNode ? Str(sk, "submitKeys").Split(' ', StringSplitOptions.RemoveEmptyEntries) : StrList(sk, "submitKeys");
                if (r.SubmitKeys.Length == 0) throw Error(FleetErrorIds.RosterInvalidValue, "submitKeys needs at least one key.", sk);
                foreach (var key in r.SubmitKeys)
                {
                    if (!KeyNameRegex.IsMatch(key)) throw Error(FleetErrorIds.RosterInvalidValue, $"submitKeys entry '{key}' is not a tmux key name (e.g. Enter, Escape, C-m).", sk);
                }
            }
            if (Get(m, "inputPattern") is { } ip) r.InputPattern = CheckRegex(Str(ip, "inputPattern"), ip, "inputPattern");
            if (Get(m, "busyPattern") is { } bp) r.BusyPattern = CheckRegex(Str(bp, "busyPattern"), bp, "busyPattern");
            if (Get(m, "waitingPattern") is { } wp) r.WaitingPattern = CheckRegex(Str(wp, "waitingPattern"), wp, "waitingPattern");
            if (Get(m, "idleAfterSeconds") is { } ia)
            {
                var v = Double(ia, "idleAfterSeconds");
                if (v < 0) throw Error(FleetErrorIds.RosterInvalidValue, "idleAfterSeconds cannot be negative.", ia);
                r.IdleAfterSeconds = v;
            }
            if (Get(m, "runtimeBin") is { } rb) r.RuntimeBin = NonEmpty(rb, "runtimeBin");
            if (Get(m, "environment") is { } re)
            {
                // The roster's keys are added to (or replace) the built-in ones of the same runtime.
                var env = new Dictionary<string, string>(r.Environment, StringComparer.Ordinal);
                foreach (var (k, v) in ReadEnvironment(re)) env[k] = v;
                r.Environment = env;
            }
            return r;
        }

        private FleetHostSpec ReadHost(string name, YamlNode node)
        {
            var where = $"host '{name}'";
            var m = Map(node, where);
            CheckKeys(m, HostKeys, where);
            var h = new FleetHostSpec { Name = name, Ssh = NonEmpty(Required(m, "ssh", where), "ssh") };
            if (h.Ssh.StartsWith('-')) throw Error(FleetErrorIds.RosterInvalidValue, $"ssh destination '{h.Ssh}' cannot start with '-'.", Get(m, "ssh")!);
            if (Get(m, "port") is { } p)
            {
                var port = Int(p, "port");
                if (port is < 1 or > 65535) throw Error(FleetErrorIds.RosterInvalidValue, $"port {port} is not a TCP port.", p);
                h.Port = port;
            }
            if (Get(m, "identityFile") is { } i) h.IdentityFile = NonEmpty(i, "identityFile");
            if (Get(m, "knownHostsFile") is { } k) h.KnownHostsFile = NonEmpty(k, "knownHostsFile");
            if (Get(m, "sshOptions") is { } o) h.SshOptions = StrList(o, "sshOptions");
            if (Get(m, "tmux") is { } t) h.Tmux = ReadTmux(t, $"{where} tmux");
            return h;
        }

        private FleetAgentSpec ReadAgent(YamlNode node, FleetRoster roster, Dictionary<string, FleetRuntime> runtimes, Dictionary<string, FleetHostSpec> hosts, out YamlNode nameNode)
        {
            var m = Map(node, "an agent");
            nameNode = Required(m, "name", "an agent");
            var name = Str(nameNode, "name");
            var where = $"agent '{name}'";
            if (!AgentNameRegex.IsMatch(name))
            {
                throw Error(FleetErrorIds.RosterInvalidAgentName, $"Agent name '{name}' must match {AgentNamePattern} (letters, digits, '_' and '-', starting with a letter or digit, at most 63 characters) so it is safe as a tmux target and a systemd instance.", nameNode);
            }
            CheckKeys(m, AgentKeys, where);
            var runtimeNode = Required(m, "runtime", where);
            var runtime = Str(runtimeNode, "runtime");
            if (!runtimes.ContainsKey(runtime))
            {
                throw Error(FleetErrorIds.RosterUnknownRuntime, $"Agent '{name}' names unknown runtime '{runtime}'. Known: {string.Join(", ", runtimes.Keys.Order(StringComparer.Ordinal))}.", runtimeNode);
            }
            var agent = new FleetAgentSpec
            {
                Name = name,
                Runtime = runtime,
                ClassName = OptStr(m, "className"),
                WorkingDirectory = OptStr(m, "workingDirectory") ?? roster.Defaults.WorkingDirectory,
                Model = OptStr(m, "model"),
                Effort = OptStr(m, "effort"),
                Command = Get(m, "command") is { } commandNode ? NonEmpty(commandNode, "command") : null,
                RuntimeBin = OptStr(m, "runtimeBin"),
                // worktree: null opts an agent out of the defaults' worktree.
                Worktree = Get(m, "worktree") is { } wt
                    ? wt is YamlScalarNode { Value: null or "" or "~" or "null", Style: ScalarStyle.Plain } ? null : ReadWorktree(wt, $"{where} worktree", roster.Defaults.Worktree)
                    : roster.Defaults.Worktree,
                Line = Line(node),
                Restart = roster.Defaults.Restart.Clone(),
                Resources = roster.Defaults.Resources.Clone(),
            };
            if (agent.Worktree is { } worktree && WorktreeSpecs.CheckBranch(WorktreeSpecs.BranchFor(worktree, roster.Tenant, name)) is { } badBranch)
            {
                throw Error(FleetErrorIds.RosterInvalidValue, $"Agent '{name}': worktree branch '{WorktreeSpecs.BranchFor(worktree, roster.Tenant, name)}': {badBranch} (the default is fleet/<tenant>/<agent>; set worktree.branch).", node);
            }
            if (Get(m, "restart") is { } restartNode) ReadRestart(restartNode, agent.Restart, $"{where} restart");
            if (Get(m, "resources") is { } resourcesNode) ReadResources(resourcesNode, agent.Resources, $"{where} resources");
            if (Get(m, "host") is { } hostNode)
            {
                var host = Str(hostNode, "host");
                if (host != "local" && !hosts.ContainsKey(host))
                {
                    var known = hosts.Count == 0 ? "none are declared under 'hosts'" : "known: local, " + string.Join(", ", hosts.Keys);
                    throw Error(FleetErrorIds.RosterUnknownHost, $"Agent '{name}' names unknown host '{host}' ({known}).", hostNode);
                }
                agent.Host = host;
            }
            // The runtime's variables first, the agent's own over them.
            var runtimeEnv = runtimes[runtime].Environment;
            var agentEnv = Get(m, "environment") is { } envNode ? ReadEnvironment(envNode) : null;
            if (runtimeEnv.Count > 0 || agentEnv is not null)
            {
                var env = new Dictionary<string, string>(runtimeEnv, StringComparer.Ordinal);
                foreach (var (k, v) in agentEnv ?? []) env[k] = v;
                agent.Environment = env;
            }
            return agent;
        }

        private FleetWorktreeSpec ReadWorktree(YamlNode node, string where, FleetWorktreeSpec? defaults)
        {
            var m = Map(node, where);
            CheckKeys(m, WorktreeSpecs.Keys, where);
            var w = new FleetWorktreeSpec { Repository = defaults?.Repository ?? "", Branch = defaults?.Branch, Base = defaults?.Base, Path = defaults?.Path };
            if (Get(m, "repository") is { } r) w.Repository = NonEmpty(r, "repository");
            else if (defaults is null) throw Error(FleetErrorIds.RosterMissingKey, $"Missing required key 'repository' in {where}.", m);
            foreach (var (key, check) in new (string, Func<string, string?>)[] { ("branch", WorktreeSpecs.CheckBranch), ("base", WorktreeSpecs.CheckBase), ("path", _ => null) })
            {
                if (Get(m, key) is not { } v) continue;
                var value = NonEmpty(v, key);
                if (check(value) is { } problem) throw Error(FleetErrorIds.RosterInvalidValue, $"worktree {key} '{value}': {problem}", v);
                switch (key)
                {
                    case "branch": w.Branch = value; break;
                    case "base": w.Base = value; break;
                    default: w.Path = value; break;
                }
            }
            return w;
        }

        /// <summary>Fills <paramref name="into"/> with the keys present (the rest keep the defaults' values).</summary>
        private void ReadRestart(YamlNode node, FleetRestartPolicy into, string where)
        {
            var m = Map(node, where);
            CheckKeys(m, RestartKeys, where);
            if (Get(m, "policy") is { } p)
            {
                var policy = Str(p, "policy");
                if (policy is not ("on-failure" or "always" or "never")) throw Error(FleetErrorIds.RosterInvalidValue, $"restart policy '{policy}' must be on-failure, always or never.", p);
                into.Policy = policy;
            }
            if (Get(m, "delaySeconds") is { } d)
            {
                var v = Double(d, "delaySeconds");
                if (v is < 0 or > 86400) throw Error(FleetErrorIds.RosterInvalidValue, $"restart delaySeconds {v} must be between 0 and 86400.", d);
                into.DelaySeconds = v;
            }
            if (Get(m, "limit") is { } l)
            {
                var v = Int(l, "limit");
                if (v is < 1 or > 10000) throw Error(FleetErrorIds.RosterInvalidValue, $"restart limit {v} must be between 1 and 10000.", l);
                into.Limit = v;
            }
            if (Get(m, "windowSeconds") is { } w)
            {
                var v = Double(w, "windowSeconds");
                if (v is < 1 or > 604800) throw Error(FleetErrorIds.RosterInvalidValue, $"restart windowSeconds {v} must be between 1 and 604800.", w);
                into.WindowSeconds = v;
            }
        }

        private static readonly Regex SizeRegex = new(@"\A(?:[0-9]{1,15}[KMGT]?|[0-9]{1,3}(?:\.[0-9]{1,2})?%|infinity)\z", RegexOptions.CultureInvariant);
        private static readonly Regex CountRegex = new(@"\A(?:[0-9]{1,9}|[0-9]{1,3}(?:\.[0-9]{1,2})?%|infinity)\z", RegexOptions.CultureInvariant);

        private void ReadResources(YamlNode node, FleetResourceLimits into, string where)
        {
            var m = Map(node, where);
            CheckKeys(m, ResourceKeys, where);
            if (Get(m, "memoryMax") is { } mm)
            {
                var v = Str(mm, "memoryMax").Trim();
                if (!SizeRegex.IsMatch(v)) throw Error(FleetErrorIds.RosterInvalidValue, $"memoryMax '{v}' must be bytes with an optional K, M, G or T suffix (512M), a percentage (25%) or infinity.", mm);
                into.MemoryMax = v;
            }
            if (Get(m, "cpuWeight") is { } cw)
            {
                var v = Int(cw, "cpuWeight");
                if (v is < 1 or > 10000) throw Error(FleetErrorIds.RosterInvalidValue, $"cpuWeight {v} must be between 1 and 10000.", cw);
                into.CpuWeight = v;
            }
            if (Get(m, "tasksMax") is { } tm)
            {
                var v = Str(tm, "tasksMax").Trim();
                if (!CountRegex.IsMatch(v)) throw Error(FleetErrorIds.RosterInvalidValue, $"tasksMax '{v}' must be a number, a percentage or infinity.", tm);
                into.TasksMax = v;
            }
        }

        private Dictionary<string, string> ReadEnvironment(YamlNode envNode)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in Map(envNode, "environment").Children)
            {
                var key = Str(k, "environment variable name");
                if (!EnvNameRegex.IsMatch(key)) throw Error(FleetErrorIds.RosterInvalidValue, $"'{key}' is not a valid environment variable name.", k);
                var value = v is YamlScalarNode s ? s.Value ?? "" : throw Error(FleetErrorIds.RosterInvalidValue, $"environment.{key} must be a single value.", v);
                if (value.Contains('\n') || value.Contains('\r') || value.Contains('\0')) throw Error(FleetErrorIds.RosterInvalidValue, $"environment.{key} cannot hold a line break or NUL.", v);
                env[key] = value;
            }
            return env;
        }

        // ---- node helpers ----

        private YamlMappingNode Map(YamlNode node, string what)
            => node as YamlMappingNode ?? throw Error(FleetErrorIds.RosterInvalidValue, $"{Cap(what)} must be a mapping of keys to values.", node);

        private void CheckKeys(YamlMappingNode map, string[] allowed, string where)
        {
            foreach (var keyNode in map.Children.Keys)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (Array.IndexOf(allowed, key) >= 0) continue;
                var hint = allowed.FirstOrDefault(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase))
                    ?? allowed.OrderBy(a => Distance(a, key)).First();
                var suggestion = Distance(hint, key) <= Math.Max(2, key.Length / 3) ? $" Did you mean '{hint}'?" : "";
                throw Error(FleetErrorIds.RosterUnknownKey, $"Unknown key '{key}' in {where}.{suggestion} Allowed: {string.Join(", ", allowed)}.", keyNode);
            }
        }

        private static YamlNode? Get(YamlMappingNode map, string key)
            => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        private YamlNode Required(YamlMappingNode map, string key, string where)
            => Get(map, key) ?? throw Error(FleetErrorIds.RosterMissingKey, $"Missing required key '{key}' in {where}.", map);

        private string Str(YamlNode node, string what)
        {
            if (node is YamlScalarNode s && s.Value is { } v) return v;
            throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' must be a single value.", node);
        }

        private string NonEmpty(YamlNode node, string what)
        {
            var v = SingleLine(node, what);
            if (string.IsNullOrWhiteSpace(v)) throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' cannot be empty.", node);
            return v;
        }

        private string? OptStr(YamlMappingNode map, string key)
        {
            var node = Get(map, key);
            return node is null ? null : OptNullableStr(node, key);
        }

        private string? OptNullableStr(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain) return null;
            return SingleLine(node, what);
        }

        /// <summary>Names, paths and commands end up in tmux arguments, env files and unit files, where a line break or
        /// NUL would split or end a value.</summary>
        private string SingleLine(YamlNode node, string what)
        {
            var v = Str(node, what);
            if (v.IndexOfAny(['\n', '\r', '\0']) >= 0) throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' cannot hold a line break or NUL.", node);
            return v;
        }

        // logs: { maxSize: 10MB, keep: 5 }: when the message log and the event record rotate.
        private FleetLogSettings ReadLogs(YamlNode node)
        {
            var m = Map(node, "logs");
            CheckKeys(m, LogsKeys, "logs");
            var logs = new FleetLogSettings();
            if (Get(m, "maxSize") is { } sizeNode)
            {
                var v = Str(sizeNode, "logs.maxSize").Trim();
                var match = System.Text.RegularExpressions.Regex.Match(v, @"^(\d+)\s*(|B|KB|MB|GB|K|M|G)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    throw Error(FleetErrorIds.RosterInvalidValue, $"'logs.maxSize' must be a size such as 10MB, 512KB or 1048576, not '{v}'.", sizeNode);
                var unit = match.Groups[2].Value.ToUpperInvariant();
                var factor = unit switch { "K" or "KB" => 1024L, "M" or "MB" => 1024L * 1024, "G" or "GB" => 1024L * 1024 * 1024, _ => 1L };
                if (n < 1 || n > long.MaxValue / factor || n * factor < 4096)
                    throw Error(FleetErrorIds.RosterInvalidValue, $"'logs.maxSize' must be at least 4KB, not '{v}'.", sizeNode);
                logs.MaxBytes = n * factor;
            }
            if (Get(m, "keep") is { } keepNode)
            {
                var keep = Int(keepNode, "logs.keep");
                if (keep is < 1 or > 100) throw Error(FleetErrorIds.RosterInvalidValue, $"'logs.keep' must be between 1 and 100, not {keep}.", keepNode);
                logs.Keep = keep;
            }
            return logs;
        }

        private int Int(YamlNode node, string what)
        {
            var v = Str(node, what);
            if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
            throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' must be a whole number, not '{v}'.", node);
        }

        private double Double(YamlNode node, string what)
        {
            var v = Str(node, what);
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
            throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' must be a number, not '{v}'.", node);
        }

        private string[] StrList(YamlNode node, string what)
        {
            if (node is not YamlSequenceNode seq) throw Error(FleetErrorIds.RosterInvalidValue, $"'{what}' must be a list.", node);
            return seq.Children.Select(c => NonEmpty(c, what)).ToArray();
        }

        private string CheckRegex(string pattern, YamlNode node, string what)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return pattern;
            }
            catch (ArgumentException ex)
            {
                throw Error(FleetErrorIds.RosterInvalidPattern, $"'{what}' is not a valid regular expression: {ex.Message}", node);
            }
        }

        private RosterException Error(string id, string message, YamlNode node)
            => new(id, message, path, Line(node), Col(node));

        private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (var j = 0; j <= b.Length; j++) d[0, j] = j;
            for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
            return d[a.Length, b.Length];
        }
    }
}

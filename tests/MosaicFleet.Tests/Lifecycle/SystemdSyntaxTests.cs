using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

public class SystemdSyntaxTests
{
    public static TheoryData<string> AwkwardValues => new()
    {
        "/home/op/src/my app/100% $HOME",
        "plain",
        "",
        "it's \"quoted\" and `ticked`",
        @"back\slash\\ and \n not a newline",
        "${HOME} $$ %i %% ;",
        "ünïcødé ✓ 日本",
        "  leading and trailing spaces  ",
        "tab\there",
    };

    [Theory]
    [MemberData(nameof(AwkwardValues))]
    public void EnvLine_reads_back_byte_exact_by_systemd_rules(string value)
    {
        var text = "# comment\n" + SystemdSyntax.EnvLine("K", value) + "\n" + SystemdSyntax.EnvLine("NEXT", "x") + "\n";
        var parsed = SystemdSyntax.ParseEnvFile(text);
        Assert.Equal(value, parsed["K"]);
        Assert.Equal("x", parsed["NEXT"]);
    }

    [Theory]
    [MemberData(nameof(AwkwardValues))]
    public void EnvLine_reads_back_byte_exact_under_sh_dot(string value)
    {
        var file = Path.Combine(Path.GetTempPath(), "mft-env-" + Guid.NewGuid().ToString("N") + ".env");
        try
        {
            File.WriteAllText(file, UnitRenderer.EnvFile("a", [new("K", value)]));
            var output = Sh.Run("set -a; . \"$0\"; set +a; printf '%s' \"$K\"", null, file);
            Assert.Equal(value, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ParseEnvFile_follows_systemd_for_unquoted_and_single_quoted_values()
    {
        var parsed = SystemdSyntax.ParseEnvFile("A=  a b  \nB='x $y \\z'\nC=a\\\\b\n;comment\nnot a pair\nD=\"a\\qb\"\n");
        Assert.Equal("a b", parsed["A"]);
        Assert.Equal("x $y \\z", parsed["B"]);
        Assert.Equal("a\\b", parsed["C"]);
        Assert.Equal("a\\qb", parsed["D"]);
        Assert.Equal(4, parsed.Count);
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("/usr/bin/tmux")]
    [InlineData("100%")]
    [InlineData("$HOME")]
    [InlineData("a b")]
    [InlineData("q\"uo'te")]
    [InlineData("back\\slash")]
    [InlineData(";")]
    [InlineData("%i${X}")]
    [InlineData("")]
    public void ExecWord_resolves_to_the_same_word(string word)
    {
        var line = SystemdSyntax.ResolveExecLine("/bin/echo " + SystemdSyntax.ExecWord(word), new Dictionary<string, string>(), new Dictionary<string, string>());
        Assert.Equal(["/bin/echo", word], line.Argv);
    }

    [Fact]
    public void A_whole_word_variable_is_exactly_one_argument_and_gets_no_further_expansion()
    {
        var env = new Dictionary<string, string> { ["W"] = "/x/my app/100% $HOME", ["P"] = "export PATH=a:\"$PATH\"; exec pi" };
        var line = SystemdSyntax.ResolveExecLine("-/usr/bin/tmux -c ${W} -- /bin/sh -c ${P} \";\" %i $$", new Dictionary<string, string> { ["i"] = "coder0" }, env);
        Assert.True(line.IgnoreFailure);
        Assert.Equal(["/usr/bin/tmux", "-c", "/x/my app/100% $HOME", "--", "/bin/sh", "-c", "export PATH=a:\"$PATH\"; exec pi", ";", "coder0", "$"], line.Argv);
    }

    [Theory]
    [InlineData("/bin/x $VAR")]
    [InlineData("/bin/x %Z")]
    [InlineData("/bin/x ; /bin/y")]
    [InlineData("/bin/x \"open")]
    public void Constructs_MosaicFleet_never_writes_are_refused_rather_than_guessed(string line)
    {
        Assert.Throws<FormatException>(() => SystemdSyntax.ResolveExecLine(line, new Dictionary<string, string>(), new Dictionary<string, string>()));
    }

    [Fact]
    public void UnitText_doubles_percent_signs()
    {
        Assert.Equal("a %%i b", SystemdSyntax.UnitText("a %i\nb"));
    }
}

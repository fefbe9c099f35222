using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Tests.Processes;

public class PosixShellTests
{
    public static TheoryData<string> Words()
    {
        var d = new TheoryData<string>();
        foreach (var w in ShellHarness.AwkwardWords) d.Add(w);
        return d;
    }

    [Theory]
    [MemberData(nameof(Words))]
    public async Task Quote_RoundTripsThroughRealSh(string word)
    {
        var r = await ShellHarness.RunAsync(["sh", "-c", "printf '%s' " + PosixShell.Quote(word)]);
        Assert.True(r.Success, r.Describe());
        Assert.Equal(word, r.Stdout);
    }

    // Every shell that may be a remote login shell must read a quoted argv back byte-exact: sshd runs the remote
    // command as `<login shell> -c <command>`. Shells that are not installed are reported, not silently passed.
    [Theory]
    [InlineData("sh")]
    [InlineData("dash")]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    public async Task Join_IsReadTheSameByEveryLoginShell(string shell)
    {
        var path = ShellHarness.Which(shell);
        Assert.True(path is not null, $"{shell} is not installed (.ci/run installs it)");
        var command = PosixShell.Join(["python3", "-c", ShellHarness.ArgvDumper, .. ShellHarness.AwkwardWords]);
        var r = await ShellHarness.RunAsync([path!, "-c", command]);
        Assert.True(r.Success, r.Describe());
        var got = ShellHarness.SplitNul(r.Stdout);
        Assert.Equal(ShellHarness.AwkwardWords.Select(ShellHarness.Show), got.Select(ShellHarness.Show));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a/b-c_d.e:f,g+h@i%j=k", "a/b-c_d.e:f,g+h@i%j=k")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("a\\b", "'a'\\\\'b'")]
    [InlineData("~", "'~'")]
    [InlineData("=x", "'=x'")]
    [InlineData("%1", "'%1'")]
    [InlineData("-n", "-n")]
    [InlineData("a b", "'a b'")]
    public void Quote_LeavesSafeWordsAndQuotesTheRest(string word, string expected)
        => Assert.Equal(expected, PosixShell.Quote(word));

    [Fact]
    public void Quote_NeverPutsABackslashOrQuoteInsideSingleQuotes()
    {
        // fish reads \' and \\ as escapes inside single quotes; POSIX shells do not. Outside quotes both read them alike.
        foreach (var w in ShellHarness.AwkwardWords)
        {
            var q = PosixShell.Quote(w);
            var inside = false;
            for (var i = 0; i < q.Length; i++)
            {
                if (!inside && q[i] == '\\') { i++; continue; }
                if (q[i] == '\'') { inside = !inside; continue; }
                if (inside) Assert.NotEqual('\\', q[i]);
            }
            Assert.False(inside, $"unbalanced quotes in {q}");
        }
    }

    [Fact]
    public void Quote_RefusesNul() => Assert.Throws<ArgumentException>(() => PosixShell.Quote("a\0b"));
}

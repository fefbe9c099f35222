using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Messaging;
using MosaicFleet.Engine.Errors;

namespace MosaicFleet.Tests.IO;

/// <summary>The files and folders MosaicFleet keeps for itself: modes tightened, symlinks never followed, a shared /tmp
/// lock folder used only when it is ours and 0700.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OwnedPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mf-owned-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path) & (UnixFileMode)0xFFF;

    private Func<string, string?> TmpOnly => name => name == "TMPDIR" ? _dir : null;

    private string Shared => Path.Combine(_dir, $"mosaic-fleet-{Environment.UserName}");

    [Fact]
    public void Without_XDG_RUNTIME_DIR_the_tmp_lock_folder_is_created_0700()
    {
        var locks = AgentLocks.Directory(TmpOnly);
        Assert.Equal(Path.Combine(Shared, "locks"), locks);
        Assert.Equal(AtomicFile.PrivateDirectoryMode, Mode(Shared));
        Assert.Equal(locks, AgentLocks.Directory(TmpOnly)); // ours: used again
    }

    [Fact]
    public void A_tmp_lock_folder_that_others_may_write_is_refused()
    {
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, (UnixFileMode)0x1FF); // 0777
        var ex = Assert.Throws<UnsafePathException>(() => AgentLocks.Directory(TmpOnly));
        Assert.Equal(FleetErrorIds.LockDirectoryUnsafe, ex.ErrorId);
        Assert.Equal(Shared, ex.Path);
        Assert.Contains("0777", ex.Message);
    }

    [Fact]
    public void A_tmp_lock_folder_of_ours_that_only_we_can_write_is_made_0700()
    {
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, (UnixFileMode)0x1ED); // 0755, as an older version left it
        Assert.Equal(Path.Combine(Shared, "locks"), AgentLocks.Directory(TmpOnly));
        Assert.Equal(AtomicFile.PrivateDirectoryMode, Mode(Shared));
    }

    [Fact]
    public void A_tmp_lock_folder_that_is_a_symlink_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_dir, "elsewhere")).FullName;
        File.SetUnixFileMode(elsewhere, AtomicFile.PrivateDirectoryMode);
        File.CreateSymbolicLink(Shared, elsewhere);
        var ex = Assert.Throws<UnsafePathException>(() => AgentLocks.Directory(TmpOnly));
        Assert.Contains("symbolic link", ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public void A_tmp_lock_folder_of_another_user_is_refused()
    {
        Assert.True(OwnedPath.CurrentUid == 0, "only root can give a folder to another user (the suite runs as root, as .ci/run does)");
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, AtomicFile.PrivateDirectoryMode);
        using (var chown = System.Diagnostics.Process.Start("chown", ["65534", Shared])!)
        {
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }
        var ex = Assert.Throws<UnsafePathException>(() => AgentLocks.Directory(TmpOnly));
        Assert.Contains("another user (uid 65534)", ex.Message);
    }

    [Fact]
    public async Task The_message_log_is_made_0600_and_its_folder_0700()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "state", "mosaic", "fleet")).FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        var path = Path.Combine(folder, "messages.jsonl");
        await File.WriteAllTextAsync(path, "");
        File.SetUnixFileMode(path, (UnixFileMode)0x1A4); // 0644
        await new MessageLog(path).AppendAsync(new FleetMessageLogEntry { Agent = "a", Message = "secret" }, CancellationToken.None);
        Assert.Equal(AtomicFile.PrivateMode, Mode(path));
        Assert.Equal(AtomicFile.PrivateDirectoryMode, Mode(folder));
        Assert.Contains("secret", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_message_log_that_is_a_symlink_is_not_followed()
    {
        var target = Path.Combine(_dir, "target");
        await File.WriteAllTextAsync(target, "keep\n");
        var path = Path.Combine(_dir, "messages.jsonl");
        File.CreateSymbolicLink(path, target);
        var log = new MessageLog(path);
        var ex = await Assert.ThrowsAsync<UnsafePathException>(() => log.AppendAsync(new FleetMessageLogEntry { Agent = "a", Message = "m" }, CancellationToken.None));
        Assert.Equal(FleetErrorIds.FileIsSymlink, ex.ErrorId);
        await Assert.ThrowsAsync<UnsafePathException>(() => log.ReadAsync(CancellationToken.None));
        Assert.Equal("keep\n", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public void An_atomic_write_replaces_a_symlink_instead_of_writing_through_it_and_tightens_its_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "agents")).FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        var target = Path.Combine(_dir, "victim");
        File.WriteAllText(target, "A=1\n");
        File.SetUnixFileMode(target, AtomicFile.PrivateMode);
        var path = Path.Combine(folder, "a.env");
        File.CreateSymbolicLink(path, target);
        // Same bytes and mode as the link's target: still written, as a file of its own.
        Assert.True(AtomicFile.Write(path, "A=1\n"u8, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(AtomicFile.PrivateDirectoryMode, Mode(folder));
        Assert.Equal("A=1\n", File.ReadAllText(target));
    }

    [Fact]
    public void An_unchanged_file_still_gets_its_folder_tightened()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "agents")).FullName;
        var path = Path.Combine(folder, "a.env");
        Assert.True(AtomicFile.Write(path, "A=1\n"u8, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        Assert.False(AtomicFile.Write(path, "A=1\n"u8, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        Assert.Equal(AtomicFile.PrivateDirectoryMode, Mode(folder));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("\x1b]52;c;aGk=\x07", "\u241b]52;c;aGk=\u2407")]
    [InlineData("a\x1b[31mred\x7f\u009b\u202e", "a\u241b[31mred\u2421\\u009B\\u202E")]
    public void Views_show_control_characters_as_visible_stand_ins(string text, string shown)
        => Assert.Equal(shown, FleetText.Visible(text));

    [Fact]
    public void The_first_line_marks_that_more_follow()
        => Assert.Equal("one\u241b …", FleetText.FirstLine("one\x1b\r\ntwo"));
}

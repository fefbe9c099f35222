using System.Diagnostics;
using MosaicFleet.Engine.Fleet;
using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Engine.Processes;
using MosaicFleet.Engine.Errors;
using MosaicFleet.Tests.Lifecycle;

namespace MosaicFleet.Tests.IO;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RemoteFileScriptTests : IDisposable
{
    private readonly TempFleet _t = new();
    private readonly LoopbackSshRunner _runner = new();
    private readonly RemoteHostFiles _files;

    public RemoteFileScriptTests()
    {
        var roster = TempFleet.Roster();
        roster.Hosts = new Dictionary<string, FleetHostSpec> { ["far"] = new() { Name = "far", Ssh = "op@far" } };
        _files = new RemoteHostFiles(new FleetContext(roster, _runner, _t.Env.GetValueOrDefault), "far", CancellationToken.None);
    }

    public void Dispose() => _t.Dispose();

    private static readonly byte[] Unit = LaunchBuilder.Bytes(LifecyclePaths.Marker + "\n[Unit]\nDescription=x '$HOME' %i \\ 日本\n");

    [Fact]
    public void The_script_is_constant_and_data_travels_only_as_arguments_and_stdin()
    {
        var a = RemoteFileScript.Command(TimeSpan.FromSeconds(5), "write", "/a b/it's $HOME", "600", "700").WithStdin("secret");
        var b = RemoteFileScript.Command(TimeSpan.FromSeconds(5), "write", "/c", "644", "");
        Assert.Equal(["sh", "-c", RemoteFileScript.Script, RemoteFileScript.ArgZero, "write", "/a b/it's $HOME", "600", "700"], a.Argv);
        Assert.Equal(a.Argv[2], b.Argv[2]);
        Assert.DoesNotContain('\n', RemoteFileScript.Script);
        Assert.DoesNotContain('!', RemoteFileScript.Script);
        Assert.Equal("600", RemoteFileScript.Mode(AtomicFile.PrivateMode));
        Assert.Equal("644", RemoteFileScript.Mode(AtomicFile.PublicMode));
        Assert.Equal("700", RemoteFileScript.Mode(AtomicFile.PrivateDirectoryMode));
    }

    [Fact]
    public void Writes_atomically_with_mode_and_directory_mode_then_is_idempotent()
    {
        var dir = Path.Combine(_t.Root, "my app", "100% $HOME", "agents");
        var path = Path.Combine(dir, "it's.env");
        Assert.False(_files.IsCurrent(path, Unit, AtomicFile.PrivateMode));
        Assert.True(_files.WriteAtomic(path, Unit, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        Assert.Equal(Unit, File.ReadAllBytes(path));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        Assert.Equal(AtomicFile.PrivateDirectoryMode, File.GetUnixFileMode(dir));
        Assert.True(_files.IsCurrent(path, Unit, AtomicFile.PrivateMode));
        Assert.False(_files.IsCurrent(path, Unit, AtomicFile.PublicMode));
        Assert.Equal(Unit, _files.Read(path));

        var stamp = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);
        var inode = Inode(path);
        Assert.False(_files.WriteAtomic(path, Unit, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        Assert.Equal(inode, Inode(path));

        // Another mode or other bytes: a new file renamed over the old one (a new inode), never an in-place edit.
        Assert.True(_files.WriteAtomic(path, Unit, AtomicFile.PublicMode));
        Assert.Equal(AtomicFile.PublicMode, File.GetUnixFileMode(path));
        Assert.NotEqual(inode, Inode(path));
        Assert.True(_files.WriteAtomic(path, [.. Unit, (byte)'x'], AtomicFile.PublicMode));
        Assert.Equal([.. Unit, (byte)'x'], File.ReadAllBytes(path));
        Assert.Equal(["it's.env"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Removes_only_files_that_start_with_the_marker_and_lists_by_suffix()
    {
        var dir = Path.Combine(_t.Root, "env dir");
        Assert.Empty(_files.List(dir, "*.env"));
        Directory.CreateDirectory(dir);
        var ours = Path.Combine(dir, "a b.env");
        var theirs = Path.Combine(dir, "mine.env");
        File.WriteAllBytes(ours, Unit);
        File.WriteAllText(theirs, "KEY=1\n" + LifecyclePaths.Marker + "\n");
        File.WriteAllText(Path.Combine(dir, "other.txt"), "");
        Assert.Equal(["a b.env", "mine.env"], _files.List(dir, "*.env"));
        Assert.Throws<IOException>(() => _files.Delete(theirs));
        Assert.True(File.Exists(theirs));
        Assert.True(_files.Delete(ours));
        Assert.False(File.Exists(ours));
        Assert.False(_files.Delete(ours));
        Assert.Null(_files.Read(ours));
        Assert.False(_files.Exists(ours));
    }

    [Fact]
    public void What_a_login_script_prints_first_is_not_taken_for_the_answer()
    {
        _runner.LoginNoise = "Welcome to far\\n\\000x.env\\000";
        var dir = Path.Combine(_t.Root, "noisy");
        var path = Path.Combine(dir, "a.env");
        Assert.True(_files.WriteAtomic(path, Unit, AtomicFile.PrivateMode));
        Assert.False(_files.WriteAtomic(path, Unit, AtomicFile.PrivateMode));
        Assert.Equal(Unit, _files.Read(path));
        Assert.Equal(["a.env"], _files.List(dir, "*.env"));
        Assert.Equal([dir], _files.ExistingDirectories([dir]));
        Assert.True(_files.Delete(path));
    }

    [Fact]
    public void Existing_directories_are_checked_on_the_host_in_one_call_in_order()
    {
        var a = Path.Combine(_t.Root, "a dir");
        var b = Path.Combine(_t.Root, "b");
        Directory.CreateDirectory(a);
        Directory.CreateDirectory(b);
        _runner.Clear();
        Assert.Equal([b, a], _files.ExistingDirectories([b, Path.Combine(_t.Root, "missing"), a]));
        Assert.Single(_runner.Calls);
    }

    [Fact]
    public void An_unreachable_host_is_a_host_error_not_a_missing_file()
    {
        _runner.Unreachable = true;
        var ex = Assert.Throws<FleetHostException>(() => _files.Read("/x"));
        Assert.Equal(FleetErrorIds.FleetHostUnreachable, ex.ErrorId);
        Assert.Equal("far", ex.Host);
        Assert.Throws<FleetHostException>(() => _files.WriteAtomic("/x", Unit, AtomicFile.PublicMode));
    }

    private static string Inode(string path) => Sh.Run("stat -c %i -- \"$0\"", null, path).Trim();
}

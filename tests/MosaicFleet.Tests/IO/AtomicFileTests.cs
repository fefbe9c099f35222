using MosaicFleet.Engine.IO;
using MosaicFleet.Engine.Lifecycle;
using MosaicFleet.Tests.Lifecycle;

namespace MosaicFleet.Tests.IO;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class AtomicFileTests
{
    [Fact]
    public void Writes_with_the_mode_rewrites_only_on_change_and_leaves_no_temp_file()
    {
        using var t = new TempFleet();
        var path = Path.Combine(t.Root, "sub", "secret.env");
        Assert.True(AtomicFile.Write(path, "a"u8, AtomicFile.PrivateMode, AtomicFile.PrivateDirectoryMode));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        Assert.Equal(AtomicFile.PrivateDirectoryMode, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        var stamp = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.False(AtomicFile.Write(path, "a"u8, AtomicFile.PrivateMode));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        Assert.True(AtomicFile.Write(path, "b"u8, AtomicFile.PrivateMode));
        Assert.Equal("b", File.ReadAllText(path));
        File.SetUnixFileMode(path, AtomicFile.PublicMode);
        Assert.True(AtomicFile.Write(path, "b"u8, AtomicFile.PrivateMode));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        Assert.Equal(["secret.env"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }
}

using MosaicFleet.Engine.Lifecycle;

namespace MosaicFleet.Tests.Lifecycle;

public class PaneCommandTests
{
    [Fact]
    public void Bakes_the_prefix_in_front_of_PATH_and_execs_the_command()
    {
        Assert.Equal("export PATH=/a/bin:/b/bin:\"$PATH\"; exec mosaic yolo pi", PaneCommand.Build(["/a/bin", "/b/bin"], "mosaic yolo pi"));
        Assert.Equal("exec mosaic yolo pi", PaneCommand.Build([], " mosaic yolo pi "));
    }

    [Fact]
    public void An_awkward_prefix_reaches_the_pane_byte_exact()
    {
        var dir = "/tmp/my app/100% $HOME/it's";
        var cmd = PaneCommand.Build([dir], "printf '%s' \"$PATH\"");
        Assert.Equal(dir + ":/usr/bin:/bin", Sh.Run(cmd));
    }

    [Fact]
    public void Exec_replaces_the_shell_so_the_runtime_is_the_foreground_process()
    {
        // The shell's pid is the pid the exec'ed program reports as its own.
        var cmd = PaneCommand.Build([], "sh -c 'echo $$'");
        var wrapped = "echo $$; " + cmd;
        var lines = Sh.Run(wrapped).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines[0], lines[1]);
    }

    [Fact]
    public void Sources_the_agent_environment_file_first_when_given()
    {
        var file = Path.Combine(Path.GetTempPath(), "mft pane " + Guid.NewGuid().ToString("N") + ".env");
        try
        {
            File.WriteAllText(file, UnitRenderer.EnvFile("a", [new("API_KEY", "s3cr$t \"x\"")]));
            var cmd = PaneCommand.Build([], "sh -c 'printf %s \"$API_KEY\"'", file);
            Assert.Equal("s3cr$t \"x\"", Sh.Run(cmd));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Refuses_a_prefix_directory_with_a_colon()
    {
        Assert.Throws<ArgumentException>(() => PaneCommand.Build(["/a:b"], "pi"));
    }
}

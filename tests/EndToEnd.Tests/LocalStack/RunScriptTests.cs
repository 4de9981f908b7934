using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.LocalStack;

/// <summary>run.sh run as a script; these cases stop before anything starts (or is wiped).</summary>
public sealed partial class RunScriptTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// bash parses a function only when it reaches it, so the cases below (which stop early) would not see a quoting
    /// mistake in the functions that start the stack: check the whole script's syntax, and the other scripts'.
    /// </summary>
    [Theory]
    [InlineData("run.sh")]
    [InlineData("test.sh")]
    [InlineData(".ci/run")]
    public async Task Script_ParsesAsAWhole(string script)
    {
        using var check = ChildProcess.Start("bash", ["-n", RepositoryPaths.InRepository(script)], RepositoryPaths.Root);

        var exitCode = await check.WaitForExitAsync(Bound);

        Assert.True(exitCode == 0, $"bash -n {script} exited {exitCode}: {check.Output}");
    }

    [Fact]
    public async Task Help_ListsEveryOptionAndTheReadmeDocumentsEach()
    {
        using var script = RunScript("--help");

        var exitCode = await script.WaitForExitAsync(Bound);
        var options = Option().Matches(script.Output).Select(m => m.Value).Distinct().ToList();
        var readme = await File.ReadAllTextAsync(RepositoryPaths.InRepository("README.md"));

        Assert.Equal(0, exitCode);
        Assert.Equal(["--no-demo", "--no-load", "--help"], options);
        Assert.All(options, o => Assert.Contains($"`{o}`", readme));
    }

    [Fact]
    public async Task NoLoad_WithTheDemo_RefusesToStartAndSaysWhy()
    {
        using var script = RunScript("--no-load");

        var exitCode = await script.WaitForExitAsync(Bound);

        Assert.Equal(2, exitCode);
        Assert.Contains("--no-load needs --no-demo", script.Output);
    }

    [Fact]
    public async Task UnknownOption_ExitsWithUsage()
    {
        using var script = RunScript("--no-such-option");

        var exitCode = await script.WaitForExitAsync(Bound);

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown option: --no-such-option", script.Output);
        Assert.Contains("usage: ./run.sh", script.Output);
    }

    [Fact]
    public async Task Start_PortAlreadyInUse_ExitsNamingThePortAndLeavesTheStateAlone()
    {
        using var state = new TemporaryFolder();
        var marker = Path.Combine(state.Path, "azurite", "kept-by-an-earlier-run");
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        await File.WriteAllTextAsync(marker, "data");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var script = RunScript(state.Environment(("BLUESHIFT_PORT", port.ToString(CultureInfo.InvariantCulture))), "--no-demo");

            var exitCode = await script.WaitForExitAsync(Bound);

            Assert.Equal(1, exitCode);
            Assert.Contains($"port {port} is already in use", script.Output);
            Assert.Contains("nothing was changed", script.Output);
            Assert.True(File.Exists(marker), "run.sh wiped Azurite's data although it did not start.");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Start_AnotherRunHoldsTheLock_ExitsNamingTheLock()
    {
        using var state = new TemporaryFolder();
        var lockFile = Path.Combine(state.Path, "run.lock");
        // flock(1) holds the lock for as long as its child runs; the child says so once it has it, and is killed at the end.
        using var holder = ChildProcess.Start("flock", [lockFile, "sh", "-c", "echo locked; exec sleep 600"]);
        await holder.WaitForLineAsync(l => l == "locked", Bound, "the lock being held");

        using var script = RunScript(state.Environment(), "--no-demo");
        var exitCode = await script.WaitForExitAsync(Bound);

        Assert.Equal(1, exitCode);
        Assert.Contains($"another ./run.sh is running (lock {lockFile})", script.Output);
    }

    private static ChildProcess RunScript(params string[] arguments) =>
        ChildProcess.Start("bash", [RepositoryPaths.InRepository("run.sh"), .. arguments]);

    private static ChildProcess RunScript(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        ChildProcess.Start("bash", [RepositoryPaths.InRepository("run.sh"), .. arguments], environment: environment);

    /// <summary>A state folder of its own (BLUESHIFT_STATE_DIR), so a test never touches the checkout's .local.</summary>
    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("blueshift-run-").FullName;

        public IReadOnlyDictionary<string, string> Environment(params (string Name, string Value)[] more) =>
            new Dictionary<string, string>(more.Select(v => KeyValuePair.Create(v.Name, v.Value))) { ["BLUESHIFT_STATE_DIR"] = Path };

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    [GeneratedRegex(@"--[a-z][a-z-]+")]
    private static partial Regex Option();
}

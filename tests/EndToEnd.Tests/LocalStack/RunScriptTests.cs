using System.Text.RegularExpressions;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.LocalStack;

/// <summary>run.sh's command line, run as a script; these cases stop before anything starts.</summary>
public sealed partial class RunScriptTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

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

    private static ChildProcess RunScript(params string[] arguments) =>
        ChildProcess.Start("bash", [RepositoryPaths.InRepository("run.sh"), .. arguments]);

    [GeneratedRegex(@"--[a-z][a-z-]+")]
    private static partial Regex Option();
}

using System.Diagnostics;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

/// <summary>
/// The Blueshift function app published once per test run, exactly as for deployment, with the diagnostic
/// functions switched on (Blueshift__Diagnostics__Enabled, off by default) so timers and queues can be observed.
/// </summary>
public sealed class PublishedFunctionApp : IAsyncLifetime
{
    public const string DiagnosticsSetting = "Blueshift__Diagnostics__Enabled";

    public string Folder { get; } = RepositoryPaths.InRepository("artifacts", "test-functionapp");

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "publish", "src/Functions", "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", Folder, "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment[DiagnosticsSetting] = "true";
        using var publish = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await publish.WaitForExitAsync(timeout.Token);
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}): {await output} {await errors}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

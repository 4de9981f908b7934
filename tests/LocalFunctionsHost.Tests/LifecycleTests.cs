using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Blueshift.LocalFunctionsHost.FunctionApp;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed partial class LifecycleTests(LocalHostFixture host)
{
    [Fact]
    public async Task Stop_RunningHost_KillsTheHandlerProcess()
    {
        await using var app = LocalFunctionsHostApp.Build(
            new LocalHostOptions(host.Published.Folder, host.SettingsPath, 0, new Dictionary<string, string>()),
            logging => logging.ClearProviders());
        await app.StartAsync();
        var handlerPid = app.Services.GetRequiredService<HandlerProcess>().ProcessId;
        Assert.NotNull(handlerPid);
        using var handler = Process.GetProcessById(handlerPid.Value);

        await app.StopAsync();

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await handler.WaitForExitAsync(bound.Token);
        Assert.True(handler.HasExited);
    }

    [Fact]
    public async Task Main_HandlerKilled_HostLogsTheHandlerAndExitsNonZero()
    {
        using var hostProcess = ChildProcess.Start("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Blueshift.LocalFunctionsHost.dll"), "--script-root", host.Published.Folder, "--settings", host.SettingsPath, "--port", "0"]);
        var starting = await hostProcess.WaitForLineAsync(l => HandlerStarting().IsMatch(l), TimeSpan.FromSeconds(90), "the handler's start");
        await hostProcess.WaitForLineAsync(l => l.Contains("Custom handler listening", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the handler's readiness");
        using var handler = Process.GetProcessById(int.Parse(HandlerStarting().Match(starting).Groups[1].Value, CultureInfo.InvariantCulture));

        handler.Kill();
        var exitCode = await hostProcess.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.Contains("The custom handler Blueshift.Functions", hostProcess.Output);
        Assert.Contains("exited unexpectedly with code", hostProcess.Output);
        Assert.Contains("the local Functions host stopped with it", hostProcess.Output);
    }

    [Fact]
    public void Build_ScheduleOverrideThatIsNotNcrontab_FailsAtStartUpNamingTheFunction()
    {
        var ex = Assert.Throws<FunctionAppException>(() => LocalFunctionsHostApp.Build(
            new LocalHostOptions(host.Published.Folder, host.SettingsPath, 0, new Dictionary<string, string> { ["DiagnosticsTimer"] = "*/5 * * * *" }),
            logging => logging.ClearProviders()));

        Assert.Contains("DiagnosticsTimer", ex.Message);
        Assert.Contains("6-field NCRONTAB", ex.Message);
    }

    [Fact]
    public void Build_ScheduleOverrideForUnknownFunction_Fails()
    {
        var ex = Assert.Throws<FunctionAppException>(() => LocalFunctionsHostApp.Build(
            new LocalHostOptions(host.Published.Folder, host.SettingsPath, 0, new Dictionary<string, string> { ["NoSuchTimer"] = "*/1 * * * * *" }),
            logging => logging.ClearProviders()));

        Assert.Contains("NoSuchTimer", ex.Message);
    }

    [GeneratedRegex(@"Starting custom handler .* \(pid (\d+)\) on port")]
    private static partial Regex HandlerStarting();

    [Theory]
    [InlineData(new[] { "--port", "7071" }, "--script-root is required")]
    [InlineData(new[] { "--script-root", "x", "--schedule", "NoEquals" }, "FunctionName=EXPRESSION")]
    [InlineData(new[] { "--script-root", "x", "--port", "http" }, "port number")]
    [InlineData(new[] { "--script-root", "x", "--verbose" }, "Unknown argument")]
    public void Parse_BadCommandLine_ThrowsWithUsefulMessage(string[] args, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => LocalHostOptions.Parse(args));

        Assert.Contains(expected, ex.Message);
    }
}

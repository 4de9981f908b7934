using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Compliance;
using Blueshift.LocalFunctionsHost.Blueshift;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Compliance;

/// <summary>
/// The backups-vs-RPO job as a deployment runs it: its timer fires in the local Functions host on the schedule in its
/// setting, the job's orchestration runs on the Durable Task SDK over Azurite, the check reads the App Service emulator,
/// and the findings land in the findings table.
/// </summary>
public sealed class ComplianceTimerThroughHostTests : IAsyncLifetime
{
    private const string Subscription = "00000000-0000-0000-0000-00000000e2c1";

    private readonly AzuriteFixture _azurite = new();
    private AppServiceEmulatorServer _emulator = null!;
    private WebApplication? _host;
    private string _appsTable = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });
        _appsTable = AzuriteFixture.UniqueName("apps");
        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__Api__AppsTable"] = _appsTable,
            ["Blueshift__Azure__ResourceManagerEndpoint"] = _emulator.ArmEndpoint.ToString(),
            ["Blueshift__Azure__Credential"] = "Development",
            // Every three seconds instead of hourly, so the test sees the timer fire.
            ["Blueshift__Compliance__Schedules__BackupRpo"] = "*/3 * * * * *",
        };
        var settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-compliance-").FullName, "local.settings.json");
        await File.WriteAllTextAsync(settingsPath, new JsonObject { ["IsEncrypted"] = false, ["Values"] = values }.ToJsonString());
        _host = BlueshiftLocalHost.Build(new LocalHostOptions(settingsPath, FreePort.Next(), new Dictionary<string, string>()), logging => logging.ClearProviders());
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        await _emulator.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task BackupRpoTimer_AppWithoutBackups_FindingsAppearAndTheRunSucceeds()
    {
        var site = await _emulator.CreateSiteAsync(Subscription, "rg-shop", "shop", ["staging"], new AppBehaviour("1.0.0"));
        await new TableManagedAppStore(new TableClient(_azurite.ConnectionString, _appsTable)).PutAsync(new ManagedApp("shop", site.ResourceId), default);
        var findings = new TableComplianceFindingStore(new TableClient(_azurite.ConnectionString, new ComplianceOptions().FindingsTable));
        var runs = new ComplianceRunStore(new TableClient(_azurite.ConnectionString, new ComplianceOptions().RunsTable));

        await _host!.StartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        IReadOnlyList<ComplianceFinding> open = [];
        ComplianceRunRecord? run = null;
        while (DateTime.UtcNow < deadline)
        {
            open = [.. (await findings.ListAsync("shop", "backup-rpo", default)).Where(f => f.Status == FindingStatus.Open)];
            run = await runs.GetAsync(ComplianceJob.BackupRpo, default);
            if (open.Count == 2 && run?.Status == ComplianceRunStatus.Succeeded)
            {
                break;
            }
            await Task.Delay(250);
        }

        Assert.Equal([BackupRpoCheck.Breach, BackupRpoCheck.NotConfigured], open.Select(f => f.Kind).Order(StringComparer.Ordinal));
        Assert.NotNull(run);
        Assert.Equal((ComplianceRunStatus.Succeeded, 1, 1), (run!.Status, run.Tallies.Apps, run.Tallies.Checked));
    }
}

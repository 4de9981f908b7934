using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Tests.Api;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>An App Service emulator on a manual clock whose operations complete at their second poll.</summary>
public sealed class BackupEmulatorFixture : IAsyncLifetime
{
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 17, 10, 0, 0, TimeSpan.Zero));

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    public async Task InitializeAsync() => Emulator = await AppServiceEmulatorServer.StartAsync(
        new EmulatorOptions { TimeProvider = Time, SimulateLatency = false, OperationRetryAfter = TimeSpan.Zero });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}

/// <summary>
/// Backup verification over HTTP against the App Service emulator, whose backups write their blobs into a real Azurite
/// container named by a SAS URL made with Azurite's account key; the blobs are damaged through the emulator's control API.
/// </summary>
public sealed class BackupVerificationCheckTests(AzuriteFixture azurite, BackupEmulatorFixture fixture) : IClassFixture<AzuriteFixture>, IClassFixture<BackupEmulatorFixture>
{
    private const string Subscription = "00000000-0000-0000-0000-00000000b0c1";
    private const string ResourceGroup = "rg-backups";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    private AppServiceEmulatorServer Emulator => fixture.Emulator;

    private FunctionsTestHost Host() => ApiHost.Functions(
        new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [$"{AuditOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("audit"),
            [$"{ReleaseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("releases"),
            [$"{DrExerciseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("drex"),
            ["Blueshift:Api:AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift:Azure:ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
        },
        services => services.AddSingleton<TokenCredential>(StaticTokenCredential.Development()));

    /// <summary>A fresh container in Azurite and its SAS URL, as an operator would put it into the backup configuration.</summary>
    private async Task<string> ContainerSasAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("backups"));
        await container.CreateAsync();
        return container.GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Delete,
            DateTimeOffset.UtcNow.AddDays(1)).AbsoluteUri;
    }

    private async Task<(ManagedApp App, SiteId Site, string Sas)> SiteWithBackupConfigurationAsync(FunctionsTestHost app)
    {
        var name = "bak-" + Guid.NewGuid().ToString("N")[..8];
        await Emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"]);
        var site = new SiteId(Subscription, ResourceGroup, name);
        var sas = await ContainerSasAsync();
        await WebSites(app).UpdateBackupConfigurationAsync(site, new BackupRequest
        {
            StorageAccountUrl = sas,
            Enabled = true,
            BackupSchedule = new BackupSchedule { FrequencyInterval = 1, FrequencyUnit = "Hour" },
        });
        return (new ManagedApp(name, site.ToString()), site, sas);
    }

    private static WebSitesClient WebSites(FunctionsTestHost app) => app.Services.GetRequiredService<WebSitesClient>();

    private static IComplianceCheck Check(FunctionsTestHost app) => app.Services.GetServices<IComplianceCheck>().Single(c => c.Job == ComplianceJob.BackupVerification);

    /// <summary>Takes a backup through ARM and polls it until it has finished.</summary>
    private static async Task<BackupItem> BackUpAsync(FunctionsTestHost app, SiteId site, string sas)
    {
        var started = await WebSites(app).StartBackupAsync(site, new BackupRequest { StorageAccountUrl = sas, BackupName = "backup-" + Guid.NewGuid().ToString("N")[..8] });
        for (var poll = 0; poll < 10; poll++)
        {
            var backup = await WebSites(app).GetBackupAsync(site, started.BackupId);
            if (backup.Status is not "InProgress")
            {
                return backup;
            }
        }
        throw new TimeoutException($"Backup {started.BackupId} of {site} is still in progress after 10 polls.");
    }

    private int ArmCallsOf(ManagedApp managed) =>
        Emulator.ArmCallLog.Snapshot().Count(c => c.Path.Contains($"/sites/{managed.Name}/", StringComparison.OrdinalIgnoreCase));

    private static async Task<IReadOnlyList<Observation>> ObserveAsync(FunctionsTestHost app, ManagedApp managed, string sas)
    {
        var observations = await Check(app).CheckAsync(managed, Now, default);
        var text = JsonSerializer.Serialize(observations);
        Assert.DoesNotContain(new Uri(sas).Query.TrimStart('?'), text, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", text, StringComparison.OrdinalIgnoreCase);
        return observations;
    }

    [Fact]
    public async Task NoBackup_IsMissing_ThenAGoodBackupVerifiesAndIsRecordedAsAnExercise()
    {
        await using var app = Host();
        var (managed, site, sas) = await SiteWithBackupConfigurationAsync(app);

        var missing = Assert.Single(await ObserveAsync(app, managed, sas));
        Assert.Equal((BackupVerificationCheck.MissingKind, "", FindingSeverity.High), (missing.Kind, missing.Subject, missing.Severity));

        var backup = await BackUpAsync(app, site, sas);
        Assert.True(backup.IsSucceeded);
        // The emulator wrote the backup's blob where the request said, as a real Put Blob.
        var blob = new BlobContainerClient(new Uri(sas)).GetBlobClient(backup.BlobName);
        Assert.True((await blob.GetPropertiesAsync()).Value.ContentLength > 0);

        var armCallsBefore = ArmCallsOf(managed);
        Assert.Empty(await ObserveAsync(app, managed, sas));
        // Two ARM reads per app: the backups and the backup configuration (the blob read goes to storage).
        Assert.Equal(2, ArmCallsOf(managed) - armCallsBefore);
        var latest = await app.Services.GetRequiredService<IDrExerciseStore>().LatestAsync(managed.Name, default);
        Assert.Equal(Now, latest[DrActivity.BackupVerification]);
        // Verifying again at the same instant (an activity re-run) records the same exercise once.
        Assert.Empty(await ObserveAsync(app, managed, sas));
        var history = await app.Services.GetRequiredService<IDrExerciseHistory>().ListAsync(managed.Name, 10, default);
        var exercise = Assert.Single(history);
        Assert.Equal(("blueshift", "blueshift"), (exercise.PerformedBy, exercise.RecordedBy));
    }

    [Fact]
    public async Task FailedBackup_IsFailed_UntilANewBackupSucceeds()
    {
        await using var app = Host();
        var (managed, site, sas) = await SiteWithBackupConfigurationAsync(app);
        using var control = new HttpClient { BaseAddress = Emulator.ControlEndpoint };
        (await control.PostAsJsonAsync("faults/operations", new { kind = "backup", site = managed.Name, code = "BackupFailed" })).EnsureSuccessStatusCode();

        var failed = await BackUpAsync(app, site, sas);
        Assert.Equal("Failed", failed.Status);
        var observation = Assert.Single(await ObserveAsync(app, managed, sas));
        Assert.Equal((BackupVerificationCheck.FailedKind, failed.BlobName), (observation.Kind, observation.Subject));
        Assert.Equal("Failed", observation.Evidence["status"]);

        await BackUpAsync(app, site, sas);
        Assert.Empty(await ObserveAsync(app, managed, sas));
    }

    [Fact]
    public async Task DeletedBlob_IsUnreadable_AndAnEmptiedBlobIsEmpty_NamingTheBlobButNeverTheSas()
    {
        await using var app = Host();
        var (managed, site, sas) = await SiteWithBackupConfigurationAsync(app);
        var backup = await BackUpAsync(app, site, sas);
        using var control = new HttpClient { BaseAddress = Emulator.ControlEndpoint };

        using (var deleted = await control.DeleteAsync($"sites/{managed.Name}/backups/{backup.BackupId}/blob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        var unreadable = Assert.Single(await ObserveAsync(app, managed, sas));
        Assert.Equal((BackupVerificationCheck.BlobUnreadableKind, backup.BlobName), (unreadable.Kind, unreadable.Subject));
        Assert.Equal("404", unreadable.Evidence["blobStatus"]);

        using (var truncated = await control.PostAsync($"sites/{managed.Name}/backups/{backup.BackupId}/blob/truncate", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, truncated.StatusCode);
        }
        var empty = Assert.Single(await ObserveAsync(app, managed, sas));
        Assert.Equal((BackupVerificationCheck.EmptyKind, backup.BlobName), (empty.Kind, empty.Subject));
        Assert.Equal("0", empty.Evidence["blobSizeInBytes"]);

        await BackUpAsync(app, site, sas);
        Assert.Empty(await ObserveAsync(app, managed, sas));
    }

    [Fact]
    public async Task BackupsNotRequired_AreNotChecked()
    {
        await using var app = Host();
        var (managed, _, sas) = await SiteWithBackupConfigurationAsync(app);

        Assert.Empty(await ObserveAsync(app, managed with { Compliance = new AppComplianceSettings(BackupsRequired: false) }, sas));
    }
}

using System.Diagnostics;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Compliance;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>
/// What one sweep of each check costs per app on the emulator: the ARM and Key Vault calls are exact (they are what a
/// sweep over Azure costs too), the wall time is printed for the record.
/// </summary>
public sealed class ComplianceSweepCostTests(ComplianceEmulatorFixture world, AzuriteFixture azurite, ITestOutputHelper output)
    : IClassFixture<ComplianceEmulatorFixture>, IClassFixture<AzuriteFixture>
{
    private const int Apps = 200;
    private const int Concurrency = 8;

    [Fact]
    public async Task Sweep_TwoSecretsAndDeclaredSettingsPerApp_CostsFixedCallsPerApp()
    {
        using var services = world.Services(azurite);
        var apps = new List<ManagedApp>(Apps);
        for (var i = 0; i < Apps; i++)
        {
            var db = $"sweep-db-{i}";
            var key = $"sweep-key-{i}";
            world.Vault.SetSecret(db, new VaultSecretSpec("v", Tags: new Dictionary<string, string> { ["secret-kind"] = "database-credential" }, Created: ComplianceEmulatorFixture.Now.AddDays(-200)));
            world.Vault.SetSecret(key, new VaultSecretSpec("v", Tags: new Dictionary<string, string> { ["secret-kind"] = "api-key" }, Created: ComplianceEmulatorFixture.Now.AddDays(-10)));
            var settings = new Dictionary<string, string>
            {
                ["DB_PASSWORD"] = $"@Microsoft.KeyVault(VaultName=kv-shop;SecretName={db})",
                ["API_KEY"] = $"@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/secrets/{key})",
                ["MODE"] = "live",
            };
            var (site, app) = await world.CreateAppAsync("sweep", new AppComplianceSettings(settings, ["MODE"]));
            world.Emulator.SetAppSettings(site.Production, settings);
            world.Emulator.SetAppSettings(site.Slot("staging"), settings);
            apps.Add(app);
        }

        foreach (var job in new[] { ComplianceJob.SecretRotation, ComplianceJob.ConfigDrift })
        {
            var check = ComplianceEmulatorFixture.Check(services, job);
            world.Emulator.ArmCallLog.Clear();
            world.Vault.ClearRequests();
            var observations = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(apps, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (app, cancellationToken) =>
                Interlocked.Add(ref observations, (await check.CheckAsync(app, ComplianceEmulatorFixture.Now, cancellationToken)).Count));
            clock.Stop();

            var arm = world.Emulator.ArmCallLog.Snapshot();
            var vault = world.Vault.Requests();
            output.WriteLine($"{ComplianceJobs.Name(job)}: {Apps} apps, concurrency {Concurrency}: {clock.Elapsed.TotalMilliseconds:0} ms, " +
                $"{(double)arm.Count / Apps:0.##} ARM calls/app, {(double)vault.Count / Apps:0.##} vault requests/app, {observations} observations");
            Assert.All(arm, call => Assert.Equal(200, call.Status));
            if (job == ComplianceJob.SecretRotation)
            {
                // The settings, then each referenced secret's version list (the first request to each vault client is its challenge).
                Assert.Equal(Apps, arm.Count);
                Assert.Equal(2 * Apps, vault.Count(r => r.Authenticated));
                Assert.Equal(Apps, observations);
            }
            else
            {
                // Production and staging settings and production's config/web; no routing on, so no lock read.
                Assert.Equal(3 * Apps, arm.Count);
                Assert.Empty(vault);
                Assert.Equal(0, observations);
            }
        }
    }
}

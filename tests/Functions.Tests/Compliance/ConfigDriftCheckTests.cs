using System.Text.Json;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.ConfigDrift;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The config drift check on the App Service emulator over ARM, with the release registry's locks on Azurite.</summary>
public sealed class ConfigDriftCheckTests(ComplianceEmulatorFixture world, AzuriteFixture azurite)
    : IClassFixture<ComplianceEmulatorFixture>, IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly DateTimeOffset Now = ComplianceEmulatorFixture.Now;

    private readonly ServiceProvider _services = world.Services(azurite);

    private IComplianceCheck Check => ComplianceEmulatorFixture.Check(_services, ComplianceJob.ConfigDrift);

    private WebSitesClient Arm => _services.GetRequiredService<WebSitesClient>();

    public void Dispose() => _services.Dispose();

    private static readonly Dictionary<string, string> Desired = new()
    {
        ["MODE"] = "live",
        ["FEATURE_CHECKOUT"] = "on",
        ["DB_PASSWORD"] = "desired-db-pass-Q9x",
        ["PAYMENTS_API_KEY"] = "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=payments-key)",
    };

    private async Task<(EmulatedSite Site, ManagedApp App)> AppAsync(AppComplianceSettings compliance, IReadOnlyDictionary<string, string> production, IReadOnlyDictionary<string, string>? staging = null)
    {
        var (site, app) = await world.CreateAppAsync("drift", compliance);
        world.Emulator.SetAppSettings(site.Production, production);
        world.Emulator.SetAppSettings(site.Slot("staging"), staging ?? production);
        return (site, app);
    }

    [Fact]
    public async Task Check_ProductionAsDesired_RaisesNothing()
    {
        var (_, app) = await AppAsync(new AppComplianceSettings(Desired, ["MODE", "DB_PASSWORD"]),
            new Dictionary<string, string>(Desired) { ["BLUESHIFT_RELEASE_ID"] = "r-1" });

        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_ChangedMissingAndExtraSettings_AreObservedUntilFixed()
    {
        var production = new Dictionary<string, string>(Desired)
        {
            ["MODE"] = "maintenance",
            ["DB_PASSWORD"] = "drifted-db-pass-Z1y",
            ["DEBUG"] = "true",
        };
        production.Remove("FEATURE_CHECKOUT");
        var (site, app) = await AppAsync(new AppComplianceSettings(Desired), production);

        var observations = (await Check.CheckAsync(app, Now, CancellationToken.None)).ToDictionary(o => o.Subject);

        Assert.Equal(
            [("DB_PASSWORD", ConfigDriftCheck.SettingChanged), ("DEBUG", ConfigDriftCheck.SettingExtra), ("FEATURE_CHECKOUT", ConfigDriftCheck.SettingMissing), ("MODE", ConfigDriftCheck.SettingChanged)],
            observations.Values.Select(o => (o.Subject, o.Kind)).Order());
        Assert.Contains("\"maintenance\"", observations["MODE"].Summary, StringComparison.Ordinal);
        Assert.Contains("\"live\"", observations["MODE"].Summary, StringComparison.Ordinal);
        Assert.Equal("true", observations["DB_PASSWORD"].Evidence["secret"]);
        Assert.DoesNotContain("db-pass", observations["DB_PASSWORD"].Summary, StringComparison.Ordinal);

        world.Emulator.SetAppSettings(site.Production, Desired);
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_SettingsThatMustMatchStaging_DifferenceIsASlotMismatch()
    {
        var production = new Dictionary<string, string> { ["REGION"] = "westeurope", ["SIGNING_SECRET"] = "prod-signing-R2d", ["ONLY_HERE"] = "x" };
        var staging = new Dictionary<string, string> { ["REGION"] = "northeurope", ["SIGNING_SECRET"] = "staging-signing-T7k" };
        var (site, app) = await AppAsync(new AppComplianceSettings(SettingsMatchingStaging: ["REGION", "SIGNING_SECRET", "ONLY_HERE", "NOWHERE"]), production, staging);

        var observations = (await Check.CheckAsync(app, Now, CancellationToken.None)).ToDictionary(o => o.Subject);

        Assert.Equal(["ONLY_HERE", "REGION", "SIGNING_SECRET"], observations.Keys.Order());
        Assert.All(observations.Values, o => Assert.Equal((ConfigDriftCheck.SlotMismatch, FindingSeverity.Medium), (o.Kind, o.Severity)));
        Assert.Contains("\"westeurope\"", observations["REGION"].Summary, StringComparison.Ordinal);
        Assert.Contains("values not shown", observations["SIGNING_SECRET"].Summary, StringComparison.Ordinal);
        Assert.Equal("missing", observations["ONLY_HERE"].Evidence["inSlot"]);

        world.Emulator.SetAppSettings(site.Slot("staging"), production);
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_RoutingLeftOnWithoutARelease_IsHighUntilRoutedBackOrReleased()
    {
        var (site, app) = await AppAsync(new AppComplianceSettings(), new Dictionary<string, string>());
        var production = SiteId.Parse(app.ResourceId);
        var stagingHost = (await Arm.GetSiteAsync(production.WithSlot("staging"))).DefaultHostName!;
        await Arm.UpdateSiteConfigAsync(production, new SiteConfigUpdate { RampUpRules = [new RampUpRule("staging", stagingHost, 25)] });

        var observation = Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None));

        Assert.Equal((ConfigDriftCheck.RoutingLeftOn, "staging", FindingSeverity.High), (observation.Kind, observation.Subject, observation.Severity));
        Assert.Equal("25", observation.Evidence["reroutePercentage"]);

        // A release holding the app's lock owns the routing.
        var releases = _services.GetRequiredService<ReleaseRegistry>();
        Assert.Null(await releases.TryLockAsync(app.Name, "r-drift-1", Now, CancellationToken.None));
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
        await releases.UnlockAsync(app.Name, "r-drift-1", CancellationToken.None);
        Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None));

        // A rule named otherwise still counts when it sends traffic to the staging slot; at 0 % it is off.
        await Arm.UpdateSiteConfigAsync(production, new SiteConfigUpdate { RampUpRules = [new RampUpRule("canary", stagingHost, 5)] });
        Assert.Equal("canary", Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None)).Evidence["rule"]);
        await Arm.UpdateSiteConfigAsync(production, new SiteConfigUpdate { RampUpRules = [new RampUpRule("staging", stagingHost, 0)] });
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_SecretValuesEverywhere_NoValueAppearsInAnyObservation()
    {
        const string distinctive = "zq-VALUE-4b8e21";
        string V(string n) => $"{distinctive}-{n}";
        var desired = new Dictionary<string, string>
        {
            ["DB_PASSWORD"] = V("desired-db"),
            ["API_TOKEN"] = V("desired-token"),
            ["STORAGE_CONNECTIONSTRING"] = V("desired-conn"),
            ["MISSING_SECRET"] = V("desired-missing"),
            ["VAULTED"] = "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=vaulted)",
        };
        var production = new Dictionary<string, string>
        {
            ["DB_PASSWORD"] = V("prod-db"),
            ["API_TOKEN"] = V("prod-token"),
            ["STORAGE_CONNECTIONSTRING"] = V("prod-conn"),
            ["EXTRA_SAS"] = V("prod-sas"),
            ["VAULTED"] = V("prod-plain-replacing-a-reference"),
            ["SIGNING_KEY"] = V("prod-signing"),
        };
        var staging = new Dictionary<string, string>(production) { ["SIGNING_KEY"] = V("staging-signing"), ["API_TOKEN"] = V("staging-token") };
        var (_, app) = await AppAsync(new AppComplianceSettings(desired, ["SIGNING_KEY", "API_TOKEN", "VAULTED"]), production, staging);

        var observations = await Check.CheckAsync(app, Now, CancellationToken.None);

        Assert.Equal(9, observations.Count);
        Assert.DoesNotContain(distinctive, JsonSerializer.Serialize(observations), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_CredentialInTheValueOfAPlainName_NoValueAppearsInAnyObservation()
    {
        const string sas = "https://shop.blob.core.windows.net/exports?sv=2024-08-04&sp=r&sig=zq-SIG-7c1d";
        const string connection = "Server=tcp:shop.database.windows.net;Database=orders;User ID=app;Password=zq-PWD-5e9a";
        var production = new Dictionary<string, string> { ["EXPORTS"] = "https://shop.blob.core.windows.net/exports", ["ORDERS_DB"] = connection };
        var staging = new Dictionary<string, string> { ["ORDERS_DB"] = "Server=tcp:shop-staging.database.windows.net;Database=orders;User ID=app;Password=zq-PWD-0b2c" };
        var (_, app) = await AppAsync(new AppComplianceSettings(new Dictionary<string, string> { ["EXPORTS"] = sas, ["ORDERS_DB"] = connection }, ["ORDERS_DB"]), production, staging);

        var observations = (await Check.CheckAsync(app, Now, CancellationToken.None)).ToDictionary(o => (o.Kind, o.Subject));

        Assert.Equal([(ConfigDriftCheck.SettingChanged, "EXPORTS"), (ConfigDriftCheck.SlotMismatch, "ORDERS_DB")], observations.Keys.Order());
        Assert.All(observations.Values, o => Assert.Equal("true", o.Evidence["secret"]));
        Assert.All(observations.Values, o => Assert.Contains("values not shown", o.Summary, StringComparison.Ordinal));
        Assert.DoesNotContain("zq-", JsonSerializer.Serialize(observations.Values), StringComparison.Ordinal);
        Assert.DoesNotContain("blob.core", JsonSerializer.Serialize(observations.Values), StringComparison.Ordinal);
    }
}

using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Compliance;

namespace Blueshift.Domain.Tests.Compliance;

public class SecretRotationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("database-credential", SecretKind.DatabaseCredential)]
    [InlineData("DatabaseCredentials", SecretKind.DatabaseCredential)]
    [InlineData("db", SecretKind.DatabaseCredential)]
    [InlineData("api_key", SecretKind.ApiKey)]
    [InlineData("Encryption Key", SecretKind.EncryptionKey)]
    [InlineData("integration-token", SecretKind.IntegrationToken)]
    [InlineData("certificate", null)]
    [InlineData(null, null)]
    public void ParseKindTag_Variants_Recognised(string? tag, SecretKind? expected)
    {
        Assert.Equal(expected, SecretRotation.ParseKindTag(tag));
    }

    [Theory]
    [InlineData("database-credential", -70, RotationStatus.Ok)]
    [InlineData("database-credential", -85, RotationStatus.DueSoon)]
    [InlineData("database-credential", -95, RotationStatus.Overdue)]
    [InlineData("api-key", -95, RotationStatus.Ok)]
    [InlineData("api-key", -360, RotationStatus.DueSoon)]
    [InlineData("encryption-key", -400, RotationStatus.Overdue)]
    [InlineData("integration-token", -400, RotationStatus.Unclassified)]
    [InlineData("", -1, RotationStatus.Unclassified)]
    public void Evaluate_AgeByKind_ExpectedStatus(string tag, int daysAgo, RotationStatus expected)
    {
        var check = SecretRotation.Evaluate("shop-db", tag, Now.AddDays(daysAgo), Now, SecretRotationPolicy.Default);

        Assert.Equal(expected, check.Status);
        Assert.Contains("shop-db", check.Reason);
    }

    [Fact]
    public void Evaluate_Overdue_ReasonHasDueDate()
    {
        var check = SecretRotation.Evaluate("shop-db", SecretKind.DatabaseCredential, new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero), Now, SecretRotationPolicy.Default);

        Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), check.DueAt);
        Assert.Contains("2026-10-01 00:00:00Z", check.Reason);
    }

    [Fact]
    public void Evaluate_ConfiguredIntegrationTokenPeriod_Judged()
    {
        var policy = SecretRotationPolicy.Default with
        {
            RotateEvery = new Dictionary<SecretKind, Cadence> { [SecretKind.IntegrationToken] = new Cadence(Days: 30) },
        };

        Assert.Equal(RotationStatus.Overdue, SecretRotation.Evaluate("github", "token", Now.AddDays(-31), Now, policy).Status);
    }
}

public class OperationalChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FindOverdue_EmergencyChanges_OnlyOverdueListed()
    {
        var overdue = EmergencyApprovalAudit.FindOverdue(
        [
            new EmergencyChangeRecord("rel-1", Now.AddHours(-30), null, null),
            new EmergencyChangeRecord("rel-2", Now.AddHours(-30), Now.AddHours(-10), null),
            new EmergencyChangeRecord("rel-3", Now.AddDays(-9), Now.AddDays(-8), null),
        ], Now, ApprovalPolicy.Default);

        Assert.Equal(["rel-1", "rel-3"], overdue.Select(o => o.ReleaseId));
        Assert.Equal([FollowUpItem.PostHocApproval], overdue[0].FollowUp.OverdueItems);
        Assert.Equal([FollowUpItem.Retrospective], overdue[1].FollowUp.OverdueItems);
    }

    [Theory]
    [InlineData("Shifting", 119, false)]
    [InlineData("Shifting", 121, true)]
    [InlineData("awaitingapproval", 121, false)]
    [InlineData("Succeeded", 100_000, false)]
    public void StuckReleasesEvaluate_TimeInPhase_StuckAfterTimeout(string phase, int minutes, bool stuck)
    {
        var policy = StuckReleasePolicy.Default with
        {
            PhaseTimeouts = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase) { ["AwaitingApproval"] = TimeSpan.FromDays(7) },
        };

        var check = StuckReleases.Evaluate("rel-9", phase, Now.AddMinutes(-minutes), Now, policy);

        Assert.Equal(stuck, check.Stuck);
        Assert.Equal(TimeSpan.FromMinutes(minutes), check.InPhaseFor);
    }

    [Fact]
    public void StuckReleasesEvaluate_Stuck_ReasonNamesPhaseAndTimeout()
    {
        var check = StuckReleases.Evaluate("rel-9", "Swapping", Now.AddHours(-3), Now, StuckReleasePolicy.Default);

        Assert.Contains("Swapping", check.Reason);
        Assert.Contains("timeout of 2 h 0 min", check.Reason);
    }
}

public class ConfigDriftTests
{
    [Fact]
    public void Compare_ChangedMissingExtra_AllReported()
    {
        var report = ConfigDrift.Compare(
            new Dictionary<string, string?> { ["LOG_LEVEL"] = "info", ["NODE_ENV"] = "production", ["FEATURE_FLAGS"] = "{}" },
            new Dictionary<string, string?> { ["log_level"] = "debug", ["NODE_ENV"] = "production", ["EXTRA"] = "1" },
            ConfigDriftOptions.Default);

        Assert.Equal(
            [("FEATURE_FLAGS", DriftKind.Missing), ("LOG_LEVEL", DriftKind.Changed), ("EXTRA", DriftKind.Extra)],
            report.Items.Select(i => (i.Name, i.Kind)));
        Assert.Contains("\"debug\", desired \"info\"", report.Items[1].Reason);
    }

    [Theory]
    [InlineData("DATABASE_URL")]
    [InlineData("API_KEY_ENCRYPTION")]
    [InlineData("MarkedSecret")]
    public void Compare_SecretSetting_ValuesNeverInReason(string name)
    {
        var options = ConfigDriftOptions.Default with { SecretNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "markedsecret" } };

        var report = ConfigDrift.Compare(
            new Dictionary<string, string?> { [name] = "desired-s3cr3t" },
            new Dictionary<string, string?> { [name] = "actual-s3cr3t" },
            options);

        var item = Assert.Single(report.Items);
        Assert.True(item.IsSecret);
        Assert.DoesNotContain("s3cr3t", item.Reason);
        Assert.Contains("values not shown", item.Reason);
    }

    [Theory]
    [InlineData("https://shop.blob.core.windows.net/exports?sv=2024-08-04&se=2027-01-01&sr=c&sp=r&sig=c2VjcmV0c2lnbmF0dXJl")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net")]
    [InlineData("Server=tcp:shop.database.windows.net;Database=orders;User ID=app;Password=hunter2;")]
    [InlineData("Host=db;Username=app;pwd=hunter2")]
    [InlineData("Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0")]
    [InlineData("SharedAccessSignature=sv=2024&sig=abc")]
    [InlineData("https://app:hunter2@feeds.example.com/v3/index.json")]
    [InlineData("postgres://app:hunter2@db.example.com:5432/orders")]
    public void LooksSecret_CredentialInTheValue_IsSecretWhateverTheName(string value)
    {
        Assert.False(ConfigDriftOptions.Default.IsSecret("EXPORTS"));

        Assert.True(ConfigDriftOptions.Default.LooksSecret("EXPORTS", value));
    }

    [Theory]
    [InlineData("live")]
    [InlineData("https://shop.blob.core.windows.net/exports")]
    [InlineData("https://api.example.com/v1?region=eu&signature-version=2")]
    [InlineData("Server=tcp:shop.database.windows.net;Database=orders;Authentication=Active Directory Managed Identity")]
    [InlineData("the password policy changed")]
    [InlineData(null)]
    public void LooksSecret_PlainValueOfAPlainName_IsNotSecret(string? value)
    {
        Assert.False(ConfigDriftOptions.Default.LooksSecret("EXPORTS", value));
        Assert.True(ConfigDriftOptions.Default.LooksSecret("DB_PASSWORD", value));
    }

    [Fact]
    public void Compare_SecretLookingValueUnderAPlainName_ValuesNeverInReason()
    {
        var report = ConfigDrift.Compare(
            new Dictionary<string, string?> { ["EXPORTS"] = "https://shop.blob.core.windows.net/c?sv=2024&sig=desired-s3cr3t" },
            new Dictionary<string, string?> { ["EXPORTS"] = "https://shop.blob.core.windows.net/c" },
            ConfigDriftOptions.Default);

        var item = Assert.Single(report.Items);
        Assert.True(item.IsSecret);
        Assert.DoesNotContain("s3cr3t", item.Reason);
        Assert.DoesNotContain("blob.core", item.Reason);
        Assert.Contains("values not shown", item.Reason);
    }

    [Fact]
    public void Compare_IgnoredAndExtraDisabled_NotReported()
    {
        var options = ConfigDriftOptions.Default with
        {
            ReportExtra = false,
            IgnoredNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "WEBSITE_RUN_FROM_PACKAGE" },
        };

        var report = ConfigDrift.Compare(
            new Dictionary<string, string?> { ["WEBSITE_RUN_FROM_PACKAGE"] = "1" },
            new Dictionary<string, string?> { ["WEBSITE_RUN_FROM_PACKAGE"] = "0", ["OTHER"] = "x" },
            options);

        Assert.False(report.HasDrift);
    }

    [Fact]
    public void Compare_Identical_NoDrift()
    {
        var settings = new Dictionary<string, string?> { ["A"] = "1", ["B"] = null };

        Assert.False(ConfigDrift.Compare(settings, settings, ConfigDriftOptions.Default).HasDrift);
    }
}

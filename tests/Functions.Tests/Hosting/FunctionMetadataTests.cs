using System.Text.Json.Nodes;
using Blueshift.Functions.Compliance;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

/// <summary>The app published once, as <c>dotnet publish src/Functions</c> makes the deployable package.</summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("blueshift-package-").FullName;

    public JsonArray Functions { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await FunctionAppPublisher.PublishAsync(Folder, selfContained: false);
        Functions = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "functions.metadata")))!.AsArray();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    public JsonObject Trigger(string function) =>
        Functions.Single(f => (string?)f!["name"] == function)!["bindings"]!.AsArray()
            .Single(b => ((string?)b!["type"])!.EndsWith("Trigger", StringComparison.Ordinal))!.AsObject();
}

public sealed class FunctionMetadataTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    /// <summary>Every function of the app: name, trigger, route, methods, auth level, schedule. Changing one is an API change.</summary>
    public static TheoryData<string, string, string?, string?, string?, string?> Expected => new()
    {
        { "StartRelease", "httpTrigger", "releases", "post", "Function", null },
        { "ListReleases", "httpTrigger", "releases", "get", "Function", null },
        { "GetRelease", "httpTrigger", "releases/{id}", "get", "Function", null },
        { "ApproveRelease", "httpTrigger", "releases/{id}/approvals", "post", "Function", null },
        { "AbortRelease", "httpTrigger", "releases/{id}/abort", "post", "Function", null },
        { "PromoteRelease", "httpTrigger", "releases/{id}/promote", "post", "Function", null },
        { "RollBackRelease", "httpTrigger", "releases/{id}/rollback", "post", "Function", null },
        { "PutApp", "httpTrigger", "apps/{name}", "put", "Function", null },
        { "GetApp", "httpTrigger", "apps/{name}", "get", "Function", null },
        { "ListApps", "httpTrigger", "apps", "get", "Function", null },
        { "QueryAudit", "httpTrigger", "audit", "get", "Function", null },
        { "RecordDrExercise", "httpTrigger", "compliance/dr-exercises", "post", "Function", null },
        { "ListDrExercises", "httpTrigger", "compliance/dr-exercises", "get", "Function", null },
        { "RecordRetrospective", "httpTrigger", "releases/{id}/retrospective", "post", "Function", null },
        { "AlertWebhook", "httpTrigger", "alerts", "post", "Function", null },
        { "Health", "httpTrigger", "health", "get", "Anonymous", null },
        { "HealthLive", "httpTrigger", "health/live", "get", "Anonymous", null },
        { "HealthReady", "httpTrigger", "health/ready", "get", "Anonymous", null },
        { "OpenApiDocument", "httpTrigger", "openapi/v1.json", "get", "Anonymous", null },
        { "DiagnosticsInvocations", "httpTrigger", "diagnostics/invocations", "get", "Admin", null },
        { "DiagnosticsEcho", "httpTrigger", "diagnostics/echo/{id}", "get,post,put", "Function", null },
        { "DiagnosticsTimer", "timerTrigger", null, null, null, "0 0 * * * *" },
        { "ListComplianceFindings", "httpTrigger", "compliance/findings", "get", "Function", null },
        { "GetComplianceStatus", "httpTrigger", "compliance/status", "get", "Function", null },
        { "RunComplianceJobNow", "httpTrigger", "compliance/jobs/{job}/run", "post", "Admin", null },
        { "RunRelease", "orchestrationTrigger", null, null, null, null },
        { "RunRollback", "orchestrationTrigger", null, null, null, null },
        { "DescribeSlots", "activityTrigger", null, null, null, null },
        { "StartDeploy", "activityTrigger", null, null, null, null },
        { "PollOperation", "activityTrigger", null, null, null, null },
        { "StampMarker", "activityTrigger", null, null, null, null },
        { "RouteTraffic", "activityTrigger", null, null, null, null },
        { "ClearRouting", "activityTrigger", null, null, null, null },
        { "ProductionHolds", "activityTrigger", null, null, null, null },
        { "RequestSwap", "activityTrigger", null, null, null, null },
        { "MeasureWindow", "activityTrigger", null, null, null, null },
        { "MeasureCanary", "activityTrigger", null, null, null, null },
        { "ProbeHealth", "activityTrigger", null, null, null, null },
        { "RunSmokeTests", "activityTrigger", null, null, null, null },
        { "Notify", "activityTrigger", null, null, null, null },
        { "RecordAudit", "activityTrigger", null, null, null, null },
        { "EvaluateApprovals", "activityTrigger", null, null, null, null },
        { "EvaluateWindow", "activityTrigger", null, null, null, null },
        { "FinishRelease", "activityTrigger", null, null, null, null },
        { "ReclaimApp", "activityTrigger", null, null, null, null },
        { "RunRestoreTest", "orchestrationTrigger", null, null, null, null },
        { "RestoreTestFindBackup", "activityTrigger", null, null, null, null },
        { "RestoreTestFindSlot", "activityTrigger", null, null, null, null },
        { "RestoreTestStartRestore", "activityTrigger", null, null, null, null },
        { "RestoreTestPollRestore", "activityTrigger", null, null, null, null },
        { "RestoreTestStartSlot", "activityTrigger", null, null, null, null },
        { "RestoreTestProbe", "activityTrigger", null, null, null, null },
        { "RestoreTestCleanUp", "activityTrigger", null, null, null, null },
        { "RestoreTestRecord", "activityTrigger", null, null, null, null },
        { "ComplianceBackupRpo", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:BackupRpo%" },
        { "ComplianceBackupVerification", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:BackupVerification%" },
        { "ComplianceRestoreTest", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:RestoreTest%" },
        { "ComplianceDrReminders", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:DrReminders%" },
        { "ComplianceSecretRotation", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:SecretRotation%" },
        { "ComplianceConfigDrift", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:ConfigDrift%" },
        { "ComplianceGovernance", "timerTrigger", null, null, null, "%Blueshift:Compliance:Schedules:Governance%" },
        { "RunComplianceJob", "orchestrationTrigger", null, null, null, null },
        { "BeginComplianceRun", "activityTrigger", null, null, null, null },
        { "ListComplianceApps", "activityTrigger", null, null, null, null },
        { "CheckAppCompliance", "activityTrigger", null, null, null, null },
        { "RecordComplianceFindings", "activityTrigger", null, null, null, null },
        { "FinishComplianceRun", "activityTrigger", null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Metadata_EachFunction_DeclaresItsTrigger(string name, string type, string? route, string? methods, string? authLevel, string? schedule)
    {
        var trigger = package.Trigger(name);

        Assert.Equal(type, (string?)trigger["type"]);
        Assert.Equal("In", (string?)trigger["direction"], ignoreCase: true);
        Assert.Equal(route, (string?)trigger["route"]);
        Assert.Equal(methods, trigger["methods"] is JsonArray m ? string.Join(",", m.Select(x => ((string?)x)!.ToLowerInvariant()).Order()) : null);
        Assert.Equal(authLevel, (string?)trigger["authLevel"]);
        Assert.Equal(schedule, (string?)trigger["schedule"]);
    }

    [Theory]
    [InlineData("StartRelease")]
    [InlineData("GetRelease")]
    [InlineData("ApproveRelease")]
    [InlineData("AbortRelease")]
    [InlineData("PromoteRelease")]
    [InlineData("RollBackRelease")]
    [InlineData("ListReleases")]
    [InlineData("AlertWebhook")]
    [InlineData("RunComplianceJobNow")]
    public void Metadata_FunctionsThatSignalReleases_BindADurableClient(string name)
    {
        var function = package.Functions.Single(f => (string?)f!["name"] == name)!;

        Assert.Contains(function["bindings"]!.AsArray(), b => (string?)b!["type"] == "durableClient" && ((string?)b["direction"])!.Equals("In", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Metadata_ComplianceTimers_OnePerJobNamingItsScheduleSettingAndBindingADurableClient()
    {
        foreach (var job in ComplianceJobs.All)
        {
            var name = "Compliance" + job;
            Assert.Equal($"%{ComplianceJobs.ScheduleSetting(job)}%", (string?)package.Trigger(name)["schedule"]);
            var function = package.Functions.Single(f => (string?)f!["name"] == name)!;
            Assert.Contains(function["bindings"]!.AsArray(), b => (string?)b!["type"] == "durableClient");
            // The default the infra template and the sample settings give is a valid six-field schedule.
            Assert.NotNull(NCrontab.CrontabSchedule.TryParse(ComplianceJobs.DefaultSchedule(job), new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true }));
        }
    }

    [Fact]
    public void Metadata_DeclaresExactlyTheExpectedFunctions()
    {
        var expected = Expected.Select(row => (string)row[0]).Order();

        Assert.Equal(expected, package.Functions.Select(f => (string)f!["name"]!).Order());
    }

    [Fact]
    public void Package_HasWhatTheFunctionsHostLoads()
    {
        foreach (var file in new[] { "functions.metadata", "worker.config.json", "extensions.json", "host.json", "Blueshift.Functions.dll" })
        {
            Assert.True(File.Exists(Path.Combine(package.Folder, file)), $"{file} is missing from the package.");
        }
        Assert.True(Directory.Exists(Path.Combine(package.Folder, ".azurefunctions")), ".azurefunctions/ is missing from the package.");
        var worker = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "worker.config.json")))!;
        Assert.Equal("Blueshift.Functions.dll", (string?)worker["description"]!["defaultWorkerPath"]);
        // The host's own HTTP and timer triggers need no extension; the SDK lists the extensions the functions' bindings use
        // (the Durable extension, for the orchestrations and activities) and its metadata loader.
        var extensions = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "extensions.json")))!["extensions"]!.AsArray();
        Assert.Contains(extensions, e => ((string?)e!["typeName"])!.Contains("FunctionMetadataLoader", StringComparison.Ordinal));
        Assert.Contains(extensions, e => ((string?)e!["typeName"])!.Contains("DurableTask", StringComparison.Ordinal));
    }

    [Fact]
    public void HostJson_IsolatedWorkerWithTheDurableExtension()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InRepository("host.json")))!;
        var schema = JsonSchema.Load(RepositoryPaths.InReference("schemas", "host.json"), "#/definitions/version-2");

        // SchemaStore's copy leaves out overridableExistingInstanceStates (DurableTaskOptions, documented as AnyState or
        // NonRunningStates): it is checked here, and the rest against the schema.
        var validated = hostJson.DeepClone();
        Assert.Equal("NonRunningStates", (string?)validated["extensions"]!["durableTask"]!.AsObject()["overridableExistingInstanceStates"]);
        validated["extensions"]!["durableTask"]!.AsObject().Remove("overridableExistingInstanceStates");
        Assert.Empty(schema.Validate(validated));
        Assert.Equal("2.0", (string?)hostJson["version"]);
        // The isolated worker brings its extensions in the package (extensions.json); a bundle or a custom handler would conflict.
        Assert.Null(hostJson["customHandler"]);
        Assert.Null(hostJson["extensionBundle"]);
        Assert.Equal(Functions.Hosting.FunctionEndpoints.RoutePrefix, (string?)hostJson["extensions"]!["http"]!["routePrefix"]);
        // The hub is an app setting, so the infrastructure (and local.settings.json) names it: see AppSettings.TaskHub.
        Assert.Equal("%Blueshift__TaskHub%", (string?)hostJson["extensions"]!["durableTask"]!["hubName"]);
        Assert.True(JsonNode.DeepEquals(hostJson, JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "host.json")))), "The package's host.json differs from the repository's.");
    }
}

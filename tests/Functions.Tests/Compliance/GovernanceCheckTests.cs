using System.Net;
using Azure.Core;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Security;
using Blueshift.Functions.Tests.Api;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>An App Service emulator whose operations never complete, so a release that deploys stays in Deploying.</summary>
public sealed class StalledEmulatorFixture : IAsyncLifetime
{
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 17, 10, 0, 0, TimeSpan.Zero));

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    public async Task InitializeAsync() => Emulator = await AppServiceEmulatorServer.StartAsync(
        new EmulatorOptions { TimeProvider = Time, SimulateLatency = false, OperationPollsToComplete = int.MaxValue, OperationRetryAfter = TimeSpan.Zero });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}

/// <summary>
/// The governance check over real releases: started, approved and aborted through the release service, their orchestrations
/// running on the in-memory Durable host with Azurite and the App Service emulator. The check is asked about instants ahead of
/// the releases' real times, as the hourly job would be a day or a week later.
/// </summary>
public sealed class GovernanceCheckTests(AzuriteFixture azurite, StalledEmulatorFixture stalled) : IClassFixture<AzuriteFixture>, IClassFixture<StalledEmulatorFixture>
{
    private const string Subscription = "00000000-0000-0000-0000-0000000090e1";
    private const string ResourceGroup = "rg-gov";
    private static readonly Caller Requester = new("release-bot", "Release bot", new HashSet<string>([Roles.Releaser]));
    private static readonly Caller Manager = new("manager-1", "Manager", new HashSet<string>([Roles.Approver, "Blueshift.Approver.Manager"]));
    private static readonly Caller Stakeholder = new("stakeholder-1", "Stakeholder", new HashSet<string>([Roles.Approver, "Blueshift.Approver.Stakeholder"]));
    private static readonly Caller Cab = new("cab-1", "CAB member", new HashSet<string>([Roles.Approver, "Blueshift.Approver.CAB"]));

    private AppServiceEmulatorServer Emulator => stalled.Emulator;

    private FunctionsTestHost Host()
    {
        var apps = AzuriteFixture.UniqueName("apps");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [$"{AuditOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("audit"),
            [$"{ReleaseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("releases"),
            [$"{ReleaseOptions.SectionName}:WeeklyCodeFreeze"] = "false",
            [$"{ReleaseOptions.SectionName}:SlotScheme"] = "http",
            [$"{DrExerciseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("drex"),
            ["Blueshift:Api:AppsTable"] = apps,
            ["Blueshift:Security:AppServiceAuthentication"] = "true",
            ["Blueshift:Azure:ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
            [$"{ReleaseOrchestrationOptions.SectionName}:WarmUp"] = "00:00:00.100",
            [$"{ReleaseOrchestrationOptions.SectionName}:PollInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:ProbeInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:RetryInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:MaxRetryInterval"] = "00:00:01",
            [$"{ReleaseOrchestrationOptions.SectionName}:BaselineWindow"] = "00:01:00",
        };
        return ApiHost.Functions(settings, services =>
        {
            services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
            services.AddSingleton<IManagedAppStore>(new TableManagedAppStore(new TableClient(azurite.ConnectionString, apps)));
        });
    }

    private async Task<ManagedApp> RegisterAsync(FunctionsTestHost app)
    {
        var name = "gov-" + Guid.NewGuid().ToString("N")[..8];
        await Emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"]);
        var managed = new ManagedApp(name, $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{name}");
        await app.Services.GetRequiredService<IManagedAppStore>().PutAsync(managed, default);
        return managed;
    }

    private static IComplianceCheck Check(FunctionsTestHost app) => app.Services.GetServices<IComplianceCheck>().Single(c => c.Job == ComplianceJob.Governance);

    private static IReleaseService Releases(FunctionsTestHost app) => app.Services.GetRequiredService<IReleaseService>();

    private async Task<string> StartAsync(FunctionsTestHost app, ManagedApp managed, string releaseType, string changeClass)
    {
        var package = Emulator.PutPackage($"{managed.Name}-v2-{Guid.NewGuid():N}", SamplePackage.Create("v2"));
        var started = await Releases(app).StartAsync(new ReleaseRequest(managed.Name, "v2", package, releaseType, changeClass), Requester, null, default);
        return Assert.IsType<ReleaseCommandResult.Accepted>(started).Release.Id;
    }

    /// <summary>Reads the release until <paramref name="done"/>, for at most a minute (its orchestration runs in real time).</summary>
    private static async Task<ReleaseView> WaitForAsync(FunctionsTestHost app, string id, Func<ReleaseView, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        ReleaseView? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await Releases(app).GetAsync(id, default);
            if (view is not null && done(view))
            {
                return view;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Release {id} is still {view?.Status}/{view?.Phase} after a minute: {view?.StatusReason}");
    }

    private static async Task<IReadOnlyList<(string Kind, string Subject)>> ObserveAsync(FunctionsTestHost app, ManagedApp managed, DateTimeOffset now) =>
        [.. (await Check(app).CheckAsync(managed, now, default)).Select(o => (o.Kind, o.Subject)).Order()];

    [Fact]
    public async Task PendingApproval_PastItsTimeout_IsOverdue_AndClearsOnceTheReleaseEnds()
    {
        await using var app = Host();
        var managed = await RegisterAsync(app);
        var id = await StartAsync(app, managed, "Major", "Normal");
        // The orchestration has published its phase: the approval clock runs from then.
        await WaitForAsync(app, id, v => v.Timeline.Count > 0 && v.Phase == "AwaitingApproval" && v.StatusReason is not null);
        var startedAt = DateTimeOffset.UtcNow;

        Assert.Empty(await ObserveAsync(app, managed, startedAt.AddHours(1)));
        var overdue = await Check(app).CheckAsync(managed, startedAt.AddHours(73), default);
        var observation = Assert.Single(overdue);
        Assert.Equal((GovernanceCheck.ApprovalOverdueKind, id, FindingSeverity.Medium), (observation.Kind, observation.Subject, observation.Severity));
        Assert.Equal("AwaitingApproval", observation.Evidence["phase"]);

        Assert.IsType<ReleaseCommandResult.Accepted>(await Releases(app).AbortAsync(id, Requester, "Not needed after all.", default));
        await WaitForAsync(app, id, v => v.Status != "Active");
        Assert.Empty(await ObserveAsync(app, managed, startedAt.AddHours(73)));
    }

    [Fact]
    public async Task EmergencyChange_OwesPostHocApprovalAndRetrospective_AndAStalledReleaseIsStuck_UntilEachIsDone()
    {
        await using var app = Host();
        var managed = await RegisterAsync(app);
        var id = await StartAsync(app, managed, "Major", "Emergency");
        await WaitForAsync(app, id, v => v.Phase == "AwaitingApproval" && v.StatusReason is not null);
        Assert.IsType<ReleaseCommandResult.Accepted>(await Releases(app).ApproveAsync(id, Manager, "manager", "Outage fix", default));
        Assert.IsType<ReleaseCommandResult.Accepted>(await Releases(app).ApproveAsync(id, Stakeholder, "stakeholder", null, default));
        // The emulator never completes the deployment: the release stays in Deploying.
        await WaitForAsync(app, id, v => v.Phase == "Deploying" || v.Status != "Active");
        var wentAhead = DateTimeOffset.UtcNow;
        Assert.Equal("Deploying", (await Releases(app).GetAsync(id, default))!.Phase);

        Assert.Empty(await ObserveAsync(app, managed, wentAhead.AddMinutes(30)));
        Assert.Equal(
            [(GovernanceCheck.PostHocApprovalOverdueKind, id), (GovernanceCheck.ReleaseStuckKind, id)],
            await ObserveAsync(app, managed, wentAhead.AddHours(25)));
        Assert.Equal(
            [(GovernanceCheck.PostHocApprovalOverdueKind, id), (GovernanceCheck.ReleaseStuckKind, id), (GovernanceCheck.RetrospectiveOverdueKind, id)],
            await ObserveAsync(app, managed, wentAhead.AddDays(8)));

        // The board approves afterwards (through the API, as a person) and the retrospective is recorded.
        using var cab = app.As(Cab.Id, "Blueshift.Approver.CAB");
        using var approved = await cab.PostAsync($"/api/releases/{id}/approvals", ApiHost.Json("""{ "role": "cab", "comment": "Reviewed afterwards" }"""));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(
            [(GovernanceCheck.ReleaseStuckKind, id), (GovernanceCheck.RetrospectiveOverdueKind, id)],
            await ObserveAsync(app, managed, wentAhead.AddDays(8)));
        using var releaser = app.As("releaser-2", Roles.Releaser);
        using var retrospective = await releaser.PostAsync($"/api/releases/{id}/retrospective", ApiHost.Json("""{ "link": "https://wiki.example.com/retro/outage" }"""));
        Assert.Equal(HttpStatusCode.Created, retrospective.StatusCode);
        Assert.Equal([(GovernanceCheck.ReleaseStuckKind, id)], await ObserveAsync(app, managed, wentAhead.AddDays(8)));

        Assert.IsType<ReleaseCommandResult.Accepted>(await Releases(app).AbortAsync(id, Requester, "Stalled deployment.", default));
        await WaitForAsync(app, id, v => v.Status != "Active");
        Assert.Empty(await ObserveAsync(app, managed, wentAhead.AddDays(8)));
    }

    [Fact]
    public async Task Retrospective_BadInputOrUnknownRelease_IsRefused()
    {
        await using var app = Host();
        using var releaser = app.As("releaser-2", Roles.Releaser);

        using var bad = await releaser.PostAsync("/api/releases/rel-1/retrospective", ApiHost.Json("""{ "link": "http://wiki.example.com/x" }"""));
        var problem = await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal(["link"], ProblemAssert.ErrorFields(problem));
        using var unknown = await releaser.PostAsync("/api/releases/rel-unknown/retrospective", ApiHost.Json("""{ "link": "https://wiki.example.com/x" }"""));
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound);
    }
}

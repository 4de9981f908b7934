using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Security;
using Blueshift.Functions.Tests.Api;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary><c>/api/compliance/dr-exercises</c> and the DR reminders check that reads what it records, on Azurite.</summary>
public sealed class DrExercisesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 6, 10, 9, 0, 0, TimeSpan.Zero);

    private FunctionsTestHost Host(ManualTimeProvider clock) => ApiHost.Create(azurite,
        new Dictionary<string, string?> { [$"{DrExerciseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("drex") },
        services => services.AddSingleton<TimeProvider>(clock));

    private static async Task RegisterAsync(FunctionsTestHost app, string name) =>
        await app.Services.GetRequiredService<IManagedAppStore>().PutAsync(
            new ManagedApp(name, $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/sites/{name}"), CancellationToken.None);

    private static StringContent Body(string activity, string? app, DateTimeOffset performedAt, string evidence = "https://wiki.example.com/dr/2026-q2") =>
        ApiHost.Json(new JsonObject
        {
            ["activity"] = activity,
            ["app"] = app,
            ["performedAt"] = performedAt.ToString("O"),
            ["performedBy"] = "ops team",
            ["evidenceLink"] = evidence,
        }.ToJsonString());

    [Fact]
    public async Task Record_ValidExercise_Returns201WithTheRecordListsItAndAudits()
    {
        var clock = new ManualTimeProvider(Now);
        using var app = Host(clock);
        await RegisterAsync(app, "shop-web");
        using var caller = app.As("user-7", Roles.Releaser);

        using var response = await caller.PostAsync("/api/compliance/dr-exercises", Body("tabletop-exercise", "shop-web", Now.AddDays(-1)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/compliance/dr-exercises?app=shop-web", response.Headers.Location?.OriginalString);
        var record = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("tabletop-exercise", (string?)record["activity"]);
        Assert.Equal("shop-web", (string?)record["app"]);
        Assert.Equal("user-7", (string?)record["recordedBy"]);
        Assert.Equal("ops team", (string?)record["performedBy"]);
        Assert.Equal(Now.AddDays(-1), record["performedAt"]!.GetValue<DateTimeOffset>());

        var page = await caller.GetFromJsonAsync<JsonObject>("/api/compliance/dr-exercises?app=shop-web");
        var listed = Assert.Single(page!["exercises"]!.AsArray());
        Assert.Equal("https://wiki.example.com/dr/2026-q2", (string?)listed!["evidenceLink"]);

        var audited = new List<AuditRecord>();
        await foreach (var a in app.Services.GetRequiredService<IAuditTrail>().QueryAsync("shop-web", Now.AddHours(-1), Now.AddHours(1), CancellationToken.None))
        {
            audited.Add(a);
        }
        var entry = Assert.Single(audited, a => a.Action == DrExerciseEndpoints.AuditAction);
        Assert.Equal("user-7", entry.Actor);
        Assert.Equal("tabletop-exercise", entry.Details!["activity"]);
    }

    [Fact]
    public async Task Record_InvalidFields_Returns400PerFieldAndRecordsNothing()
    {
        var clock = new ManualTimeProvider(Now);
        using var app = Host(clock);
        using var caller = app.As("user-7", Roles.Releaser);
        var body = ApiHost.Json("""
            { "activity": "fire-drill", "app": "Shop_Web", "performedAt": "2026-06-11T09:00:00Z", "performedBy": " ", "evidenceLink": "http://wiki.example.com/x" }
            """);

        using var response = await caller.PostAsync("/api/compliance/dr-exercises", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["activity", "app", "evidenceLink", "performedAt", "performedBy"], ProblemAssert.ErrorFields(problem));
        var page = await caller.GetFromJsonAsync<JsonObject>("/api/compliance/dr-exercises");
        Assert.Empty(page!["exercises"]!.AsArray());
    }

    [Theory]
    [InlineData("""{ "activity": "restore-test", "performedBy": "ops", "evidenceLink": "https://wiki.example.com/x" }""", "performedAt")]
    [InlineData("""{ "activity": "restore-test", "performedAt": "2026-06-01", "performedBy": "ops", "evidenceLink": "https://wiki.example.com/x" }""", "performedAt")]
    [InlineData("""{ "activity": "restore-test", "performedAt": "2026-06-01T00:00:00Z", "performedBy": "ops" }""", "evidenceLink")]
    [InlineData("""{ "activity": "restore-test", "performedAt": "2026-06-01T00:00:00Z", "performedBy": "ops", "evidenceLink": "not a url" }""", "evidenceLink")]
    [InlineData("""{ "performedAt": "2026-06-01T00:00:00Z", "performedBy": "ops", "evidenceLink": "https://wiki.example.com/x" }""", "activity")]
    public async Task Record_OneBadField_Returns400NamingIt(string json, string field)
    {
        using var app = Host(new ManualTimeProvider(Now));
        using var caller = app.As("user-7", Roles.Releaser);

        using var response = await caller.PostAsync("/api/compliance/dr-exercises", ApiHost.Json(json));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], ProblemAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task Record_WithinClockSkew_IsAccepted()
    {
        using var app = Host(new ManualTimeProvider(Now));
        using var caller = app.As("user-7", Roles.Releaser);

        using var response = await caller.PostAsync("/api/compliance/dr-exercises", Body("full-dr-test", null, Now.AddMinutes(2)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Record_UnknownApp_Returns404()
    {
        using var app = Host(new ManualTimeProvider(Now));
        using var caller = app.As("user-7", Roles.Releaser);

        using var response = await caller.PostAsync("/api/compliance/dr-exercises", Body("full-dr-test", "no-such-app", Now.AddDays(-3)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Record_WithoutReleaserRole_Returns403()
    {
        using var app = Host(new ManualTimeProvider(Now));
        using var reader = app.As("reader-1");

        using var response = await reader.PostAsync("/api/compliance/dr-exercises", Body("full-dr-test", null, Now.AddDays(-3)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Reminders_NeverDone_AreOverdue_ThenDueSoon_ThenClear()
    {
        var clock = new ManualTimeProvider(Now);
        using var app = Host(clock);
        await RegisterAsync(app, "shop-web");
        var check = app.Services.GetServices<IComplianceCheck>().Single(c => c.Job == ComplianceJob.DrReminders);
        var shop = new ManagedApp("shop-web", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/sites/shop-web");
        using var caller = app.As("user-7", Roles.Releaser);

        // A freshly managed app owes both exercises at once.
        var fresh = await check.CheckAsync(shop, Now, CancellationToken.None);
        Assert.Equal(
            [("dr-reminders.overdue", "full-dr-test", FindingSeverity.Medium), ("dr-reminders.overdue", "tabletop-exercise", FindingSeverity.Medium)],
            fresh.Select(o => (o.Kind, o.Subject, o.Severity)).Order());
        Assert.Equal("never", fresh[0].Evidence["lastDoneAt"]);

        // The tabletop was done for this app a quarter minus two days ago (due soon); the full DR test for every app last month.
        (await caller.PostAsync("/api/compliance/dr-exercises", Body("tabletop-exercise", "shop-web", Now.AddMonths(-3).AddDays(2)))).EnsureSuccessStatusCode();
        (await caller.PostAsync("/api/compliance/dr-exercises", Body("full-dr-test", null, Now.AddMonths(-1)))).EnsureSuccessStatusCode();
        var partly = await check.CheckAsync(shop, Now, CancellationToken.None);
        var dueSoon = Assert.Single(partly);
        Assert.Equal(("dr-reminders.due-soon", "tabletop-exercise", FindingSeverity.Low), (dueSoon.Kind, dueSoon.Subject, dueSoon.Severity));

        (await caller.PostAsync("/api/compliance/dr-exercises", Body("tabletop-exercise", "shop-web", Now.AddDays(-1)))).EnsureSuccessStatusCode();
        Assert.Empty(await check.CheckAsync(shop, Now, CancellationToken.None));

        // An exercise of another app counts for that app only.
        var other = shop with { Name = "other-web" };
        Assert.Equal(["tabletop-exercise"], (await check.CheckAsync(other, Now, CancellationToken.None)).Select(o => o.Subject));
    }
}

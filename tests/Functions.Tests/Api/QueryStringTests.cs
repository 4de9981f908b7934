using System.Net;
using System.Text.Json.Nodes;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>The query strings of the API's reads: every valid one is answered, every invalid one with a 400 that says why.</summary>
public sealed class QueryStringTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private FunctionsTestHost Host() => ApiHost.Create(azurite, new Dictionary<string, string?>
    {
        ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
        ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
        ["Blueshift:Azure:Credential"] = "Development",
    });

    [Theory]
    [InlineData("from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    [InlineData("app=shop-web&from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    [InlineData("from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z")]
    [InlineData("from=0001-01-01&to=0001-01-01T00:00:01Z")]
    [InlineData("to=0001-01-01T01:00:00Z")]
    [InlineData("app=shop-web&to=0001-01-01T01:00:00Z")]
    public async Task GetAudit_RangeAtTheEdgesOfTime_Returns200(string query)
    {
        using var app = Host();
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync($"/api/audit?{query}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z", "from")]
    [InlineData("from=9999-12-31T23:59:59Z&to=9999-12-31T23:59:59-01:00", "to")]
    [InlineData("from=0001-01-01T00:00:00+01:00", "from")]
    public async Task GetAudit_InstantOutsideTheCalendar_Returns400NamingIt(string query, string field)
    {
        using var app = Host();
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync($"/api/audit?{query}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, ProblemAssert.ErrorFields(problem));
    }

    [Theory]
    [InlineData("/api/audit?from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z", "from", 2)]
    [InlineData("/api/audit?to=2026-01-02T00:00:00Z&TO=2026-01-02T00:00:00Z&to=x", "to", 3)]
    [InlineData("/api/audit?app=shop-web&app=shop-web", "app", 2)]
    [InlineData("/api/releases?status=active&status=active", "status", 2)]
    [InlineData("/api/releases?app=a&app=b", "app", 2)]
    [InlineData("/api/apps?unknown=1&unknown=2", "unknown", 2)]
    [InlineData("/api/apps/shop-web?x=1&x=2", "x", 2)]
    [InlineData("/api/releases/r1?x=1&x=", "x", 2)]
    public async Task Get_RepeatedQueryParameter_Returns400NamingIt(string url, string name, int times)
    {
        using var app = Host();
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync(url);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        var error = Assert.Single(errors);
        Assert.Equal(name, error.Key, ignoreCase: true);
        Assert.Equal($"'{error.Key}' was given {times} times; give it once.", (string?)error.Value![0]);
    }

    [Fact]
    public async Task GetAudit_SingleParameters_AreNotRefusedAsRepeated()
    {
        using var app = Host();
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync("/api/audit?app=shop-web&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("shop-web", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["app"]);
    }

    [Fact]
    public async Task PostRelease_RepeatedQueryParameter_IsNotJudgedByTheReadRule()
    {
        using var app = Host();
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases?x=1&x=2", ApiHost.Json("{}"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("x", ProblemAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task GetOpenApiDocument_DocumentNameInQuery_Returns400ProblemNotPlainText404()
    {
        using var app = Host();

        using var response = await app.CreateClient().GetAsync("/api/openapi/v1.json?documentName=other");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["documentName"], ProblemAssert.ErrorFields(problem));
    }
}

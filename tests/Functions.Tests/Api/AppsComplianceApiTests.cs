using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary><c>PUT/GET /api/apps/{name}</c> with the compliance terms the scheduled jobs check.</summary>
public sealed class AppsComplianceApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";
    private const string Reference = "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=payments-key)";

    private const string Body = $$"""
        {
          "resourceId": "{{Site}}",
          "compliance": {
            "desiredSettings": { "MODE": "live", "DB_PASSWORD": "stored-but-never-shown-8d1", "PAYMENTS_API_KEY": "{{Reference}}" },
            "settingsMatchingStaging": ["MODE", "REGION"],
            "drSlot": "dr",
            "secrets": [{ "secretUri": "https://kv-shop.vault.azure.net/secrets/db-password", "kind": "Database Credential" }],
            "backupsRequired": false
          }
        }
        """;

    [Fact]
    public async Task PutApp_Compliance_RoundTripsAndWithholdsSecretValues()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);

        using var created = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(Body));
        var answer = await created.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("stored-but-never-shown", answer, StringComparison.Ordinal);
        var read = await admin.GetFromJsonAsync<JsonObject>("/api/apps/shop-web");
        var compliance = read!["compliance"]!;
        Assert.Equal("live", (string?)compliance["desiredSettings"]!["MODE"]);
        Assert.Equal(Reference, (string?)compliance["desiredSettings"]!["PAYMENTS_API_KEY"]);
        Assert.True(compliance["desiredSettings"]!.AsObject().ContainsKey("DB_PASSWORD"));
        Assert.Null(compliance["desiredSettings"]!["DB_PASSWORD"]);
        Assert.Equal(["MODE", "REGION"], compliance["settingsMatchingStaging"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("dr", (string?)compliance["drSlot"]);
        Assert.Equal("https://kv-shop.vault.azure.net/secrets/db-password", (string?)compliance["secrets"]![0]!["secretUri"]);
        Assert.Equal("database-credential", (string?)compliance["secrets"]![0]!["kind"]);
        Assert.False((bool?)compliance["backupsRequired"]);
        Assert.DoesNotContain("stored-but-never-shown", (await admin.GetStringAsync("/api/apps")), StringComparison.Ordinal);

        // The store keeps the value; sending the answer back (null = keep) keeps it too.
        var store = app.Services.GetRequiredService<IManagedAppStore>();
        Assert.Equal("stored-but-never-shown-8d1", (await store.GetAsync("shop-web", CancellationToken.None))!.Compliance!.DesiredSettings!["DB_PASSWORD"]);
        using var replaced = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(read.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var kept = (await store.GetAsync("shop-web", CancellationToken.None))!.Compliance!;
        Assert.Equal("stored-but-never-shown-8d1", kept.DesiredSettings!["DB_PASSWORD"]);
        Assert.Equal("live", kept.DesiredSettings["MODE"]);
    }

    [Fact]
    public async Task PutApp_SettingConfiguredSecret_WithheldAndKeptWhenSentBackNull()
    {
        // REGION does not look like a credential; the operator declares it secret for the drift check, and the API follows.
        using var app = ApiHost.Create(azurite, new Dictionary<string, string?> { ["Blueshift:Compliance:ConfigDrift:SecretNames:0"] = "REGION" });
        using var admin = app.As("admin-1", Roles.Admin);

        using var created = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""
            { "resourceId": "{{Site}}", "compliance": { "desiredSettings": { "MODE": "live", "REGION": "declared-secret-4f2" } } }
            """));
        var answer = await created.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("declared-secret-4f2", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("declared-secret-4f2", await admin.GetStringAsync("/api/apps"), StringComparison.Ordinal);
        var read = await admin.GetFromJsonAsync<JsonObject>("/api/apps/shop-web");
        var desired = read!["compliance"]!["desiredSettings"]!.AsObject();
        Assert.Equal("live", (string?)desired["MODE"]);
        Assert.True(desired.ContainsKey("REGION"));
        Assert.Null(desired["REGION"]);

        using var replaced = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(read.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.DoesNotContain("declared-secret-4f2", await replaced.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var store = app.Services.GetRequiredService<IManagedAppStore>();
        Assert.Equal("declared-secret-4f2", (await store.GetAsync("shop-web", CancellationToken.None))!.Compliance!.DesiredSettings!["REGION"]);
    }

    [Fact]
    public async Task PutApp_NullDesiredValueWithNothingStored_Returns400()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);

        using var response = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}", "compliance": { "desiredSettings": { "DB_PASSWORD": null } } }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["compliance.desiredSettings.DB_PASSWORD"], ProblemAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task PutApp_BadCompliance_Returns400PerFieldAndStoresNothing()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);
        var body = $$"""
            { "resourceId": "{{Site}}",
              "compliance": {
                "desiredSettings": { "BAD NAME": "x", "LONG": "{{new string('v', 5000)}}" },
                "settingsMatchingStaging": ["MODE", "mode", ""],
                "drSlot": "production",
                "secrets": [
                  { "secretUri": "http://kv-shop.vault.azure.net/secrets/a" },
                  { "secretUri": "https://kv-shop.vault.azure.net/secrets/a/0123456789abcdef0123456789abcdef" },
                  { "secretUri": "https://example.com/secrets/a" },
                  { "secretUri": "https://kv-shop.vault.azure.net/secrets/b", "kind": "password" },
                  null
                ] } }
            """;

        using var response = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(body));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            [
                "compliance.desiredSettings", "compliance.desiredSettings.LONG", "compliance.drSlot",
                "compliance.secrets[0].secretUri", "compliance.secrets[1].secretUri", "compliance.secrets[2].secretUri", "compliance.secrets[3].kind", "compliance.secrets[4]",
                "compliance.settingsMatchingStaging[1]", "compliance.settingsMatchingStaging[2]",
            ],
            ProblemAssert.ErrorFields(problem));
        using var read = await admin.GetAsync("/api/apps/shop-web");
        await ProblemAssert.IsProblemAsync(read, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetOpenApi_PutApp_DescribesTheComplianceTerms()
    {
        using var app = ApiHost.Create(azurite);

        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!;

        var schemas = document["components"]!["schemas"]!;
        var body = Resolve(schemas, document["paths"]!["/api/apps/{name}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var compliance = Resolve(schemas, body["properties"]!["compliance"]!);
        foreach (var property in new[] { "desiredSettings", "settingsMatchingStaging", "drSlot", "secrets", "backupsRequired" })
        {
            Assert.True(compliance["properties"]?[property] is not null, $"compliance.{property} is not described.");
        }
        var answer = Resolve(schemas, document["paths"]!["/api/apps/{name}"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!);
        var answerCompliance = Resolve(schemas, answer["properties"]!["compliance"]!);
        // Withheld values are null in answers, and null keeps the stored value in requests.
        foreach (var desired in new[] { compliance["properties"]!["desiredSettings"]!, answerCompliance["properties"]!["desiredSettings"]! })
        {
            Assert.Equal(["null", "string"], desired["additionalProperties"]!["type"]!.AsArray().Select(t => (string)t!).Order());
        }
    }

    // A schema or, through $ref, the component it names; a nullable reference may come wrapped in oneOf/anyOf.
    private static JsonNode Resolve(JsonNode schemas, JsonNode schema)
    {
        if ((string?)schema["$ref"] is { } reference)
        {
            return Resolve(schemas, schemas[reference["#/components/schemas/".Length..]]!);
        }
        foreach (var wrapper in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema[wrapper]?.AsArray().FirstOrDefault(s => s?["$ref"] is not null) is { } inner)
            {
                return Resolve(schemas, inner);
            }
        }
        return schema;
    }
}

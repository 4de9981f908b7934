using System.Text.Json.Nodes;
using Blueshift.Functions.Health;
using Blueshift.Functions.Hosting;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class LocalSettingsSampleTests
{
    private static readonly JsonNode Sample = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InRepository("local.settings.sample.json")))!;

    [Fact]
    public void Sample_ValidatesAgainstLocalSettingsSchema()
    {
        var schema = JsonSchema.Load(RepositoryPaths.InReference("schemas", "local.settings.json"));

        Assert.Empty(schema.Validate(Sample));
        Assert.False((bool?)Sample["IsEncrypted"]);
        Assert.Equal("dotnet-isolated", (string?)Sample["Values"]!["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("Blueshift", (string?)Sample["Values"]!["Blueshift__TaskHub"]);
        Assert.Equal("UseDevelopmentStorage=true", (string?)Sample["Values"]!["AzureWebJobsStorage"]);
    }

    [Fact]
    public void Sample_HasEverySettingTheCodeReads()
    {
        var values = Sample["Values"]!.AsObject();

        Assert.All(AppSettings.All, name => Assert.True(values.ContainsKey(name), $"local.settings.sample.json has no value for {name}."));
    }

    [Fact]
    public void AppSettings_EveryOptionsProperty_IsListed()
    {
        var options = typeof(HealthOptions).GetProperties().Select(p => "Blueshift__Health__" + p.Name);

        Assert.All(options, name => Assert.Contains(name, AppSettings.All));
    }

    [Fact]
    public void Readme_DocumentsEverySetting()
    {
        var readme = File.ReadAllText(RepositoryPaths.InRepository("README.md"));

        Assert.All(AppSettings.All, name => Assert.Contains($"`{name}`", readme));
    }
}

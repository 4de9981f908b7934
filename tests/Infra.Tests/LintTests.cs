namespace Blueshift.Infra.Tests;

/// <summary>
/// <c>bicep lint</c> over infra/bicep with its bicepconfig.json: no finding at any level, and the configuration really
/// turns the rules it names into errors (a misspelled rule name is ignored by Bicep without a word).
/// </summary>
public sealed class LintTests(LintTests.RuleBreakerLint ruleBreaker) : IClassFixture<LintTests.RuleBreakerLint>
{
    [Theory]
    [InlineData("main.bicep")]
    [InlineData("main.bicepparam")]
    public async Task Lint_InfraFile_ReportsNothing(string file)
    {
        var result = await BicepCli.RunAsync(BicepCli.InfraFolder, "lint", file);

        Assert.True(result.IsClean, $"bicep lint {file} exited {result.ExitCode} and printed:\n{result.Output}");
    }

    [Fact]
    public async Task BuildParams_ExampleParameters_CompileAgainstMain()
    {
        var result = await BicepCli.RunAsync(BicepCli.InfraFolder, "build-params", "main.bicepparam", "--stdout");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Warning", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", result.Output, StringComparison.Ordinal);
        Assert.Contains("rg-shop-prod", result.Output, StringComparison.Ordinal);
    }

    /// <summary>A file that breaks each rule once, linted with infra/bicep's configuration beside it.</summary>
    private const string RuleBreaker = """
        param location string = 'westeurope'
        param unusedParameter string
        @secure()
        param defaultedSecret string = 'not-a-secret'
        param adminPassword string
        param settings object = {}
        param seed string = newGuid()
        var unusedVariable = 1
        var endpoint = 'https://management.azure.com/'
        var joined = concat('a', location)
        var same = '${location}'
        var maybe = contains(settings, 'x') ? settings.x : null
        var nothing = json('null')
        resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
          name: 'stbreaker'
          location: 'westeurope'
          sku: { name: 'Standard_LRS' }
          kind: 'StorageV2'
          properties: {
            'minimumTlsVersion': 'TLS1_2'
          }
        }
        resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
          name: '${account.name}/default'
          dependsOn: [ account ]
        }
        resource renamedEveryTime 'Microsoft.Storage/storageAccounts@2025-01-01' = {
          name: 'st${seed}'
          location: location
          sku: { name: 'Standard_LRS' }
          kind: 'StorageV2'
        }
        resource nested 'Microsoft.Resources/deployments@2025-04-01' = {
          name: 'nested'
          properties: {
            mode: 'Incremental'
            template: {}
          }
        }
        resource unusedExisting 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
          name: 'stunused'
        }
        output region string = resourceGroup().location
        output key string = account.listKeys().keys[0].value
        output values string = '${endpoint}${joined}${same}${maybe}${adminPassword}${defaultedSecret}'
        output blobsId string = blobs.id
        output props object = reference(account.id, '2025-01-01')
        output others string = '${renamedEveryTime.id}${nested.name}${nothing}'
        """;

    [Theory]
    [InlineData("no-hardcoded-env-urls")]
    [InlineData("no-hardcoded-location")]
    [InlineData("no-loc-expr-outside-params")]
    [InlineData("no-unused-params")]
    [InlineData("no-unused-vars")]
    [InlineData("no-unused-existing-resources")]
    [InlineData("no-deployments-resources")]
    [InlineData("use-stable-resource-identifiers")]
    [InlineData("simplify-json-null")]
    [InlineData("no-unnecessary-dependson")]
    [InlineData("outputs-should-not-contain-secrets")]
    [InlineData("secure-secrets-in-params")]
    [InlineData("secure-parameter-default")]
    [InlineData("use-parent-property")]
    [InlineData("use-safe-access")]
    [InlineData("use-user-defined-types")]
    [InlineData("use-resource-symbol-reference")]
    [InlineData("prefer-interpolation")]
    [InlineData("prefer-unquoted-property-names")]
    [InlineData("simplify-interpolation")]
    public void Lint_WithInfraConfiguration_ReportsRuleAsError(string rule)
    {
        Assert.NotEqual(0, ruleBreaker.Result.ExitCode);
        Assert.Contains($": Error {rule}:", ruleBreaker.Result.Output, StringComparison.Ordinal);
    }

    /// <summary>The rule breaker linted once, in a temporary folder holding a copy of infra/bicep/bicepconfig.json.</summary>
    public sealed class RuleBreakerLint : IAsyncLifetime
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "blueshift-lint-" + Guid.NewGuid().ToString("N"));

        public BicepResult Result { get; private set; } = new(-1, string.Empty);

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_folder);
            File.Copy(Path.Combine(BicepCli.InfraFolder, "bicepconfig.json"), Path.Combine(_folder, "bicepconfig.json"));
            await File.WriteAllTextAsync(Path.Combine(_folder, "breaker.bicep"), RuleBreaker);
            Result = await BicepCli.RunAsync(_folder, "lint", "breaker.bicep");
        }

        public Task DisposeAsync()
        {
            Directory.Delete(_folder, recursive: true);
            return Task.CompletedTask;
        }
    }
}

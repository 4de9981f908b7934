using System.Text.Json.Nodes;

namespace Blueshift.Infra.Tests;

/// <summary>
/// infra/bicep/main.bicep as Azure Resource Manager receives it: compiled by the pinned Bicep CLI without a single
/// diagnostic, and deploying Blueshift as an isolated-worker .NET 10 app on Flex Consumption whose storage is reached
/// only with its managed identity.
/// </summary>
public sealed class MainTemplateTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
{
    private static class Roles
    {
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        public const string WebsiteContributor = "de139f84-1756-47ae-9be6-808fbbe84772";
        public const string MonitoringReader = "43d0d8ad-25c7-4714-9337-8ba259a9fe05";
        public const string KeyVaultReader = "21090545-7ca7-4776-b22c-e363652d74d2";
    }

    private const string IdentityPrincipalId = "[reference('identity').principalId]";

    [Fact]
    public void Build_MainBicep_SucceedsWithoutDiagnostics()
    {
        Assert.True(template.Build.IsClean, $"bicep build exited {template.Build.ExitCode} and printed:\n{template.Build.Output}");
        Assert.NotEmpty(template.Text);
    }

    [Fact]
    public void Plan_IsFlexConsumption()
    {
        var plan = template.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.Body["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan.Body["sku"]!["tier"]!.GetValue<string>());
        Assert.True(plan.Properties!["reserved"]!.GetValue<bool>(), "Flex Consumption runs on Linux: the plan must be reserved.");
    }

    [Fact]
    public void FunctionApp_RunsDotnetIsolated10FromTheDeploymentContainer()
    {
        var site = template.Single("Microsoft.Web/sites");
        var config = site.Properties!["functionAppConfig"]!;

        Assert.Equal("functionapp,linux", site.Body["kind"]!.GetValue<string>());
        Assert.Equal("dotnet-isolated", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]!["version"]!.GetValue<string>());

        var storage = config["deployment"]!["storage"]!;
        var container = template.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("blobContainer", storage["type"]!.GetValue<string>());
        Assert.Equal("[format('{0}{1}', reference('storage').primaryEndpoints.blob, variables('deploymentContainerName'))]", storage["value"]!.GetValue<string>());
        Assert.Contains("variables('deploymentContainerName')", container.Body["name"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", storage["authentication"]!["type"]!.GetValue<string>());
        Assert.Equal(IdentityResourceId, storage["authentication"]!["userAssignedIdentityResourceId"]!.GetValue<string>());
    }

    [Fact]
    public void FunctionApp_HasOnlyItsUserAssignedIdentity()
    {
        var identity = template.Single("Microsoft.Web/sites").Body["identity"]!;

        Assert.Equal("UserAssigned", identity["type"]!.GetValue<string>());
        var assigned = Assert.Single(identity["userAssignedIdentities"]!.AsObject());
        Assert.Equal($"[format('{{0}}', {IdentityResourceId[1..^1]})]", assigned.Key);
    }

    [Fact]
    public void AppSettings_ReachStorageWithTheManagedIdentity()
    {
        Assert.Equal("'managedidentity'", template.Setting("AzureWebJobsStorage__credential").Value);
        Assert.Equal("reference('identity').clientId", template.Setting("AzureWebJobsStorage__clientId").Value);
        Assert.Equal("reference('storage').primaryEndpoints.blob", template.Setting("AzureWebJobsStorage__blobServiceUri").Value);
        Assert.Equal("reference('storage').primaryEndpoints.queue", template.Setting("AzureWebJobsStorage__queueServiceUri").Value);
        Assert.Equal("reference('storage').primaryEndpoints.table", template.Setting("AzureWebJobsStorage__tableServiceUri").Value);
    }

    [Fact]
    public void AppSettings_HoldNoConnectionStringOrPlanImpliedSetting()
    {
        var names = template.AppSettings.Select(s => s.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // A plain AzureWebJobsStorage would be a connection string with the account key; Flex Consumption sets the
        // worker runtime from functionAppConfig and refuses the extension-version and run-from-package settings.
        Assert.DoesNotContain("AzureWebJobsStorage", names, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", names, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", names, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", names, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", names, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Template_NeverReadsOrBuildsAStorageSecret()
    {
        Assert.DoesNotContain("AccountKey", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DefaultEndpointsProtocol", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessSignature", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listAccountSas", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listServiceSas", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"listKeys\([^)]*Microsoft\.Storage", template.Text);
        Assert.DoesNotContain("@Microsoft.KeyVault(", template.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_CarryWhatBlueshiftReadsInAzure()
    {
        Assert.Equal("parameters('taskHubName')", template.Setting("Blueshift__TaskHub").Value);
        Assert.Equal("'ManagedIdentity'", template.Setting("Blueshift__Azure__Credential").Value);
        Assert.Equal("reference('identity').clientId", template.Setting("Blueshift__Azure__ManagedIdentityClientId").Value);
        Assert.Equal("environment().resourceManager", template.Setting("Blueshift__Azure__ResourceManagerEndpoint").Value);
        Assert.Equal("string(parameters('appServiceAuthentication'))", template.Setting("Blueshift__Security__AppServiceAuthentication").Value);
        Assert.False(Parameter("appServiceAuthentication")["defaultValue"]!.GetValue<bool>());
    }

    [Fact]
    public void AppSettings_CarryEachComplianceJobsSchedule_DefaultingToTheSeedsCadences()
    {
        // The timers name %Blueshift:Compliance:Schedules:{Job}%; the Functions host reads Blueshift__Compliance__Schedules__{Job}.
        var defaults = Parameter("complianceSchedules")["defaultValue"]!.AsObject();
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["BackupRpo"] = "0 5 * * * *",
                ["BackupVerification"] = "0 0 3 * * 0",
                ["RestoreTest"] = "0 0 4 1 * *",
                ["DrReminders"] = "0 0 6 * * *",
                ["SecretRotation"] = "0 30 2 * * *",
                ["ConfigDrift"] = "0 0 2 * * *",
                ["Governance"] = "0 15 * * * *",
            },
            defaults.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()));
        var loop = template.Root["variables"]!["copy"]!.AsArray().Single(c => (string?)c!["name"] == "complianceScheduleSettings")!;
        Assert.Equal("[format('Blueshift__Compliance__Schedules__{0}', items(parameters('complianceSchedules'))[copyIndex('complianceScheduleSettings')].key)]", (string?)loop["input"]!["name"]);
        Assert.Equal("[items(parameters('complianceSchedules'))[copyIndex('complianceScheduleSettings')].value]", (string?)loop["input"]!["value"]);
        var site = template.Single("Microsoft.Web/sites").Properties!["siteConfig"]!["appSettings"]!.GetValue<string>();
        Assert.Contains("variables('complianceScheduleSettings')", site, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_NameTheEntraAuthorityAndKeyVaultOnlyWhenGiven()
    {
        var entra = template.Root["variables"]!["entraSettings"]!.GetValue<string>();
        var site = template.Single("Microsoft.Web/sites").Properties!["siteConfig"]!["appSettings"]!.GetValue<string>();

        Assert.StartsWith("[if(equals(parameters('entra'), null()), createArray(),", entra);
        Assert.Equal(
            [("Blueshift__Security__Entra__Authority", "parameters('entra').authority"), ("Blueshift__Security__Entra__Audiences__0", "parameters('entra').audience")],
            AppSetting.Parse(entra).Select(s => (s.Name, s.Value)));
        Assert.Contains("variables('entraSettings')", site, StringComparison.Ordinal);
        Assert.Contains("if(empty(parameters('keyVaultName')), createArray(), createArray(createObject('name', 'Blueshift__KeyVault__VaultUri'", site, StringComparison.Ordinal);
        Assert.Contains("reference('keyVaultAccess'), null()), 'outputs', 'vaultUri', 'value')", template.Setting("Blueshift__KeyVault__VaultUri").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplicationInsights_AcceptsOnlyEntraAuthenticatedTelemetry()
    {
        var insights = template.Single("Microsoft.Insights/components");

        Assert.True(insights.Properties!["DisableLocalAuth"]!.GetValue<bool>());
        Assert.Equal("reference('appInsights').ConnectionString", template.Setting("APPLICATIONINSIGHTS_CONNECTION_STRING").Value);
        Assert.Equal("format('ClientId={0};Authorization=AAD', reference('identity').clientId)", template.Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").Value);
    }

    [Fact]
    public void Storage_RefusesSharedKeysPublicBlobsAndOldTls()
    {
        var storage = template.Single("Microsoft.Storage/storageAccounts").Properties!;

        Assert.False(storage["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(storage["defaultToOAuthAuthentication"]!.GetValue<bool>());
        Assert.False(storage["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.True(storage["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", storage["minimumTlsVersion"]!.GetValue<string>());
    }

    [Fact]
    public void FunctionApp_IsHttpsOnlyWithTls12AndNoBasicPublishingCredentials()
    {
        var site = template.Single("Microsoft.Web/sites").Properties!;

        Assert.True(site["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", site["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("1.2", site["siteConfig"]!["scmMinTlsVersion"]!.GetValue<string>());
        Assert.Equal("Disabled", site["siteConfig"]!["ftpsState"]!.GetValue<string>());
        var policies = template.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        Assert.Equal(["ftp", "scm"], policies.Select(p => p.Body["name"]!.GetValue<string>().Split(", ")[^1].Trim('\'', ')', ']')).Order());
        Assert.All(policies, p => Assert.False(p.Properties!["allow"]!.GetValue<bool>()));
    }

    [Fact]
    public void RoleAssignments_OnStorage_AreTheDataRolesOfTheHostAndTaskHub()
    {
        Assert.Equal(
            new[] { Roles.StorageBlobDataOwner, Roles.StorageQueueDataContributor, Roles.StorageTableDataContributor }.Order(),
            RolesOfIdentityOn("Microsoft.Storage/storageAccounts"));
    }

    [Fact]
    public void RoleAssignments_OnApplicationInsights_LetTheIdentityPublishTelemetry()
    {
        Assert.Equal([Roles.MonitoringMetricsPublisher], RolesOfIdentityOn("Microsoft.Insights/components"));
    }

    [Fact]
    public void RoleAssignments_OnManagedApps_AreWebsiteContributorAndMonitoringReaderPerResourceGroup()
    {
        var module = Module("managedAppAccess");

        Assert.Equal("[length(parameters('managedAppResourceGroups'))]", module.Body["copy"]!["count"]!.GetValue<string>());
        Assert.Equal("[parameters('managedAppResourceGroups')[copyIndex()].resourceGroup]", module.Body["resourceGroup"]!.GetValue<string>());
        Assert.Equal(IdentityPrincipalId, module.Properties!["parameters"]!["principalId"]!["value"]!.GetValue<string>());
        Assert.Equal(new[] { Roles.WebsiteContributor, Roles.MonitoringReader }.Order(), RolesInModule(module));
    }

    [Fact]
    public void RoleAssignments_OnTheKeyVault_ReadSecretPropertiesOnlyWhenAVaultIsGiven()
    {
        var module = Module("keyVaultAccess");

        Assert.Equal("[not(empty(parameters('keyVaultName')))]", module.Body["condition"]!.GetValue<string>());
        Assert.Equal(IdentityPrincipalId, module.Properties!["parameters"]!["principalId"]!["value"]!.GetValue<string>());
        Assert.Equal([Roles.KeyVaultReader], RolesInModule(module));
    }

    [Fact]
    public void RoleAssignments_AreNamedStablyAndForAServicePrincipal()
    {
        var assignments = template.OfType("Microsoft.Authorization/roleAssignments");

        Assert.Equal(7, assignments.Count);
        Assert.All(assignments, a =>
        {
            Assert.StartsWith("[guid(", a.Body["name"]!.GetValue<string>());
            Assert.DoesNotContain("principalId", a.Body["name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("ServicePrincipal", a.Properties!["principalType"]!.GetValue<string>());
        });
    }

    [Fact]
    public void ApiVersions_AreOnePerResourceType_AndOneForAllOfMicrosoftWeb()
    {
        var byType = template.Resources
            .Where(r => r.Type != "Microsoft.Resources/deployments")
            .GroupBy(r => r.Type, StringComparer.OrdinalIgnoreCase)
            .Select(g => (Type: g.Key, Versions: g.Select(r => r.ApiVersion).Distinct().ToList()));
        Assert.All(byType, t => Assert.True(t.Versions.Count == 1, $"{t.Type} uses API versions {string.Join(", ", t.Versions)}."));

        // The plan, the site, its child resources and the function-key lookup of the alert webhook move together.
        var web = template.Resources.Where(r => r.Type.StartsWith("Microsoft.Web/", StringComparison.Ordinal)).Select(r => r.ApiVersion).Distinct();
        Assert.Equal(["2024-11-01"], web);
        Assert.Contains("/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName'))), '2024-11-01')", template.Text);
    }

    private static string IdentityResourceId =>
        "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('id-{0}-{1}', parameters('baseName'), variables('suffix')))]";

    private JsonObject Parameter(string name) => template.Root["parameters"]![name]!.AsObject();

    private TemplateResource Module(string symbolicName) =>
        new(template.Root["resources"]![symbolicName]!.AsObject(), template.Root);

    private List<string> RolesOfIdentityOn(string scopeType) =>
    [
        .. template.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => a.Body["scope"]?.GetValue<string>().StartsWith($"[resourceId('{scopeType}'", StringComparison.Ordinal) == true)
            .Select(a =>
            {
                Assert.Equal(IdentityPrincipalId, a.Properties!["principalId"]!.GetValue<string>());
                return a.RoleDefinitionGuid();
            })
            .Order(),
    ];

    private static List<string> RolesInModule(TemplateResource module)
    {
        var nested = module.Properties!["template"]!.AsObject();
        return
        [
            .. ((JsonArray)nested["resources"]!)
                .Select(r => new TemplateResource(r!.AsObject(), nested))
                .Where(r => r.Type == "Microsoft.Authorization/roleAssignments")
                .Select(r =>
                {
                    Assert.Equal("[parameters('principalId')]", r.Properties!["principalId"]!.GetValue<string>());
                    return r.RoleDefinitionGuid();
                })
                .Order(),
        ];
    }
}

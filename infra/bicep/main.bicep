// Deploys Blueshift itself into one resource group: an isolated-worker .NET 10 function app on a Flex Consumption plan,
// the storage account that holds its Durable task hub, tables and deployment package (reached only through a
// user-assigned managed identity; shared keys are off), Application Insights (Entra ID ingestion only), and the access
// Blueshift needs on the App Service apps it releases to and, optionally, on the Key Vault whose secret rotation it checks.
targetScope = 'resourceGroup'

@description('A resource group holding App Service apps Blueshift releases to; subscriptionId defaults to this deployment\'s.')
type managedAppResourceGroup = {
  @description('Name of the resource group.')
  resourceGroup: string

  @description('Subscription of the resource group; omit for the subscription of this deployment.')
  subscriptionId: string?
}

@description('Where Entra ID bearer tokens for Blueshift come from.')
type entraTokens = {
  @description('The issuer\'s authority, e.g. https://login.microsoftonline.com/{tenant}/v2.0.')
  authority: string

  @description('Blueshift\'s application id URI or client id, the accepted audience.')
  audience: string
}

@description('Short name used to derive resource names (3-11 lowercase letters and digits).')
@minLength(3)
@maxLength(11)
param baseName string

@description('Region of every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Where the apps Blueshift releases to live: it gets Website Contributor and Monitoring Reader on each.')
param managedAppResourceGroups managedAppResourceGroup[] = []

@description('Name of an existing Key Vault whose secret properties (not values) Blueshift reads to check rotation; empty for none.')
param keyVaultName string = ''

@description('Resource group of that Key Vault; defaults to this one.')
param keyVaultResourceGroup string = resourceGroup().name

@description('Name of the Durable task hub (3-45 letters and digits, starting with a letter).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'blueshift'

@description('True when App Service Authentication is enabled on the app, so Blueshift may trust its principal header.')
param appServiceAuthentication bool = false

@description('Entra ID bearer tokens Blueshift accepts; omit to refuse bearer tokens (function keys and App Service Authentication still work).')
param entra entraTokens?

@description('Most instances the Flex Consumption plan scales the app to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Create the action group that posts alerts to Blueshift\'s webhook. It reads the app\'s function key, which exists once a package has been deployed: turn it on from the second deployment.')
param deployAlertActionGroup bool = false

@description('Each compliance job\'s timer schedule: six-field NCRONTAB in UTC, by job. The defaults are the seed\'s cadences.')
param complianceSchedules {
  BackupRpo: string
  BackupVerification: string
  RestoreTest: string
  DrReminders: string
  SecretRotation: string
  ConfigDrift: string
  Governance: string
} = {
  BackupRpo: '0 5 * * * *'
  BackupVerification: '0 0 3 * * 0'
  RestoreTest: '0 0 4 1 * *'
  DrReminders: '0 0 6 * * *'
  SecretRotation: '0 30 2 * * *'
  ConfigDrift: '0 0 2 * * *'
  Governance: '0 15 * * * *'
}

@description('Tags on every resource.')
param tags { *: string } = {}

var suffix = uniqueString(resourceGroup().id, baseName)
var deploymentContainerName = 'deployments'

// Built-in role definitions (the same ids in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}-${suffix}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: take('st${baseName}${suffix}', 24)
  location: location
  tags: tags
  sku: {
    name: 'Standard_ZRS'
  }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    // Everything (the Functions host, the Durable task hub, Blueshift's tables, the deployment package) signs in with
    // the managed identity, so no account key exists that could leak into a setting or a log.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      deleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource deployments 'containers' = {
      name: deploymentContainerName
    }
  }
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}-${suffix}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    // The audit trail lives in Table storage; logs are for operations and are kept shorter.
    retentionInDays: 90
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only with an Entra ID token (the app's identity), not with the instrumentation key alone.
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: 'plan-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

// The Functions host and Blueshift reach the account through its service endpoints with the identity's token: this
// form works in every Azure cloud, and Blueshift's table client takes the table endpoint as it is.
var storageSettings = [
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: storage.properties.primaryEndpoints.blob
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: storage.properties.primaryEndpoints.queue
  }
  {
    name: 'AzureWebJobsStorage__tableServiceUri'
    value: storage.properties.primaryEndpoints.table
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identity.properties.clientId
  }
]

var monitoringSettings = [
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  }
]

var blueshiftSettings = [
  {
    name: 'Blueshift__TaskHub'
    value: taskHubName
  }
  {
    name: 'Blueshift__Azure__ResourceManagerEndpoint'
    value: environment().resourceManager
  }
  {
    name: 'Blueshift__Azure__Credential'
    value: 'ManagedIdentity'
  }
  {
    // The app has no system-assigned identity: ARM and metrics calls sign in as the user-assigned one.
    name: 'Blueshift__Azure__ManagedIdentityClientId'
    value: identity.properties.clientId
  }
  {
    name: 'Blueshift__Security__AppServiceAuthentication'
    value: string(appServiceAuthentication)
  }
]

// The timers read them as %Blueshift:Compliance:Schedules:{Job}%; the Functions host maps '__' to ':'.
var complianceScheduleSettings = [for job in items(complianceSchedules): {
  name: 'Blueshift__Compliance__Schedules__${job.key}'
  value: job.value
}]

var entraSettings = entra == null
  ? []
  : [
      {
        name: 'Blueshift__Security__Entra__Authority'
        value: entra!.authority
      }
      {
        name: 'Blueshift__Security__Entra__Audiences__0'
        value: entra!.audience
      }
    ]

var keyVaultSettings = empty(keyVaultName)
  ? []
  : [
      {
        name: 'Blueshift__KeyVault__VaultUri'
        value: keyVaultAccess.?outputs.vaultUri ?? ''
      }
    ]

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: 'func-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      // The published folder of src/Functions, zipped, is uploaded here (one deploy) and run by the Functions host.
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      // Flex Consumption takes the worker runtime from here; FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
      // are not app settings on this plan.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(storageSettings, monitoringSettings, blueshiftSettings, complianceScheduleSettings, entraSettings, keyVaultSettings)
    }
  }
  dependsOn: [
    // The host reads its storage at start-up: let it start with its roles in place.
    storageBlobAccess
    storageQueueAccess
    storageTableAccess
  ]
}

// Deployments sign in with Entra ID; the publishing profile's user name and password do not work.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The Functions host (keys, leases, the deployment package), the Durable task hub (blobs, queues, tables) and
// Blueshift's own tables (releases, audit, apps, alert claims).
resource storageBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource storageQueueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource storageTableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

module managedAppAccess 'modules/managed-app-access.bicep' = [
  for (target, i) in managedAppResourceGroups: {
    name: 'blueshift-access-${i}'
    scope: resourceGroup(target.?subscriptionId ?? subscription().subscriptionId, target.resourceGroup)
    params: {
      identityId: identity.id
      principalId: identity.properties.principalId
    }
  }
]

module keyVaultAccess 'modules/key-vault-access.bicep' = if (!empty(keyVaultName)) {
  name: 'blueshift-key-vault-access'
  scope: resourceGroup(keyVaultResourceGroup)
  params: {
    keyVaultName: keyVaultName
    identityId: identity.id
    principalId: identity.properties.principalId
  }
}

module alerts 'modules/alerts.bicep' = if (deployAlertActionGroup) {
  name: 'blueshift-alerts'
  params: {
    name: 'ag-${baseName}'
    functionAppName: site.name
    tags: tags
  }
}

output functionAppName string = site.name
output functionAppHostName string = site.properties.defaultHostName
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output storageAccountName string = storage.name
output actionGroupId string = alerts.?outputs.actionGroupId ?? ''

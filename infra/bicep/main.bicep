// Deploys Blueshift itself: a Flex Consumption function app running the custom handler, its storage (Table + Queue
// for releases, audit and triggers; a blob container for the deployment package), Key Vault, monitoring, the access
// Blueshift needs on the App Service apps it manages, and an action group that sends alerts to /api/alerts.
targetScope = 'resourceGroup'

@description('Short name used to derive resource names (3-11 lowercase letters and digits).')
@minLength(3)
@maxLength(11)
param baseName string

param location string = resourceGroup().location

@description('Resource groups (in this subscription) holding the App Service apps Blueshift releases to.')
param managedAppResourceGroups array = []

@description('Entra ID object ids granted Key Vault Secrets Officer to rotate secrets by hand (optional).')
param secretOfficerPrincipalIds array = []

@description('Maximum instances of the Flex Consumption plan.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

param tags object = {}

var suffix = uniqueString(resourceGroup().id, baseName)

module monitoring 'modules/monitoring.bicep' = {
  name: 'blueshift-monitoring'
  params: {
    name: '${baseName}-${suffix}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'blueshift-storage'
  params: {
    name: take('st${baseName}${suffix}', 24)
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'blueshift-keyvault'
  params: {
    name: take('kv-${baseName}-${suffix}', 24)
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    secretOfficerPrincipalIds: secretOfficerPrincipalIds
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'blueshift-functionapp'
  params: {
    name: 'func-${baseName}-${suffix}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    storageConnectionSecretUri: keyVault.outputs.storageConnectionSecretUri
    keyVaultName: keyVault.outputs.name
    keyVaultUri: keyVault.outputs.uri
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    maximumInstanceCount: maximumInstanceCount
  }
}

module managedAppAccess 'modules/managed-app-access.bicep' = [for rg in managedAppResourceGroups: {
  name: 'blueshift-access-${rg}'
  scope: resourceGroup(rg)
  params: {
    principalId: functionApp.outputs.principalId
  }
}]

module alerts 'modules/alerts.bicep' = {
  name: 'blueshift-alerts'
  params: {
    name: 'ag-${baseName}'
    functionAppName: functionApp.outputs.name
    tags: tags
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output actionGroupId string = alerts.outputs.actionGroupId
output keyVaultUri string = keyVault.outputs.uri

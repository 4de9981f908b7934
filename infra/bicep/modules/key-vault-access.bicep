// Blueshift checks secret rotation from each secret's properties (created, updated, expires, tags). Key Vault Reader
// lets it list and read those properties and never a secret's value.
@description('Name of the existing Key Vault (RBAC permission model) in this resource group.')
param keyVaultName string

@description('Resource id of Blueshift\'s managed identity, known before deployment: it names the role assignments.')
param identityId string

@description('Principal id of Blueshift\'s managed identity.')
param principalId string

var keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource secretProperties 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityId, keyVaultReader)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultReader)
  }
}

output vaultUri string = vault.properties.vaultUri

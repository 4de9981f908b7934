// What Blueshift may do in a resource group of managed apps: deploy, route traffic, swap, back up and restore
// (Website Contributor), and read metrics (Monitoring Reader). Nothing outside these groups.
@description('Resource id of Blueshift\'s managed identity, known before deployment: it names the role assignments.')
param identityId string

@description('Principal id of Blueshift\'s managed identity.')
param principalId string

var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772'
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource websites 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, identityId, websiteContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', websiteContributor)
  }
}

resource metrics 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, identityId, monitoringReader)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
  }
}

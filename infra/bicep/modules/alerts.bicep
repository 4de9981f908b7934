// The action group alert rules on managed apps point at: it posts the common alert schema to Blueshift's webhook,
// which rolls back the release in flight (or inside its watch window) for the alerted app.
@description('Name of the action group.')
param name string

@description('Name of Blueshift\'s function app in this resource group.')
param functionAppName string

@description('Tags on the action group.')
param tags { *: string }

resource site 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take(replace(name, '-', ''), 12)
    enabled: true
    webhookReceivers: [
      {
        name: 'blueshift-rollback'
        // The function key travels in the query string, as Azure Monitor webhooks require; it is never output.
        serviceUri: 'https://${site.properties.defaultHostName}/api/alerts?code=${listKeys('${site.id}/host/default', site.apiVersion).functionKeys.default}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

output actionGroupId string = actionGroup.id

// The action group alert rules on managed apps point at: it posts the common alert schema to Blueshift's webhook,
// which rolls back the release in flight (or inside its watch window) for the alerted app.
param name string
param functionAppName string
param tags object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
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
        serviceUri: 'https://${site.properties.defaultHostName}/api/alerts?code=${listKeys('${site.id}/host/default', '2024-04-01').functionKeys.default}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

output actionGroupId string = actionGroup.id

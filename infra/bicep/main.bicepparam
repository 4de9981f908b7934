using 'main.bicep'

param baseName = 'blueshift'
param managedAppResourceGroups = [
  {
    resourceGroup: 'rg-shop-prod'
  }
]

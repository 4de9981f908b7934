using 'main.bicep'

param baseName = 'blueshift'
param managedAppResourceGroups = [
  'rg-shop-prod'
]

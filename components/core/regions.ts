// Azure public-cloud regions by programmatic name: the one place this outside list lives.
// Source: Microsoft Learn, "Azure regions list" (MicrosoftDocs/reliability-docs
// articles/reliability/regions-list.md, Programmatic name column, ms.date 2025-09-23), re-read 2026-11-27.
// Restricted-access regions are listed (a subscription may be enabled for them); logical locations such as
// `global` or `europe` are not regions. A region opened since: add it to the stack's `additionalRegions`.
export const REGION_TABLE_SOURCE = "Microsoft Learn: Azure regions list (reliability-docs, 2025-09-23)";
export const REGION_TABLE_DATE = "2025-09-23";

export const AZURE_PUBLIC_REGIONS: readonly string[] = [
  "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast", "belgiumcentral",
  "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia", "centralus", "chilecentral",
  "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "francesouth", "germanynorth",
  "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
  "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus",
  "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral", "southafricanorth",
  "southafricawest", "southcentralus", "southindia", "southeastasia", "spaincentral", "swedencentral",
  "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus",
  "westeurope", "westindia", "westus", "westus2", "westus3",
];

// Indicative monthly prices for the plan's cost table: the one place these figures live. They are
// list prices in USD as Microsoft's public pricing pages showed them when this table was recorded,
// not read live and not re-checked offline: confirm them with the Azure Retail Prices API
// (https://prices.azure.com/api/retail/prices) or your agreement, and override them in the stack's
// `prices` key. Provisioned throughput is billed hourly per deployed PTU (reservations lower it).
export const PRICE_TABLE_SOURCE =
  "Azure public pricing pages (Azure OpenAI, API Management, Linux VMs), USD list prices, indicative";
export const PRICE_TABLE_DATE = "2026-11-27";

/** Hours in a billing month, as Azure's calculator counts them. */
export const HOURS_PER_MONTH = 730;

export interface PriceTable {
  /** USD per PTU-hour, by provisioned deployment type. */
  readonly ptuHour: Readonly<Record<string, number>>;
  /** USD per million tokens, input and output, by model. */
  readonly tokensPerMillion: Readonly<Record<string, { readonly input: number; readonly output: number }>>;
  /** USD per gateway unit per month, by API Management tier. */
  readonly gatewayUnitMonth: Readonly<Record<string, number>>;
  /** USD per VM-hour, by VM size (Linux, pay-as-you-go). */
  readonly vmHour: Readonly<Record<string, number>>;
  /** USD per hour of an Azure Managed Redis cache, by SKU as deployed. No figure is recorded here: price it in the stack's `prices`. */
  readonly redisHour: Readonly<Record<string, number>>;
  /** USD per cluster-hour of AKS cluster management, by pricing tier (Free is free). */
  readonly aksTierHour: Readonly<Record<string, number>>;
  /** USD per GiB-month of a managed disk, by storage class. No figure is recorded here: price it in the stack's `prices`. */
  readonly diskGiBMonth: Readonly<Record<string, number>>;
  /** USD per GiB of logs ingested, by Log Analytics plan. No figure is recorded here: price it in the stack's `prices`. */
  readonly logIngestionGiB: Readonly<Record<string, number>>;
}

export const PRICES: PriceTable = {
  ptuHour: { GlobalProvisionedManaged: 1.0, DataZoneProvisionedManaged: 1.1, ProvisionedManaged: 2.0 },
  tokensPerMillion: {
    "gpt-5": { input: 1.25, output: 10 },
    "gpt-5.1": { input: 1.25, output: 10 },
    "gpt-5-mini": { input: 0.25, output: 2 },
    "text-embedding-3-large": { input: 0.13, output: 0 },
    "text-embedding-3-small": { input: 0.02, output: 0 },
  },
  gatewayUnitMonth: {
    Developer: 50,
    Basic: 150,
    Standard: 700,
    Premium: 2800,
    BasicV2: 150,
    StandardV2: 700,
    Consumption: 0,
  },
  vmHour: {
    Standard_D4ds_v5: 0.23,
    Standard_NC24ads_A100_v4: 3.67,
    Standard_NC48ads_A100_v4: 7.35,
    Standard_NC96ads_A100_v4: 14.69,
    Standard_NC40ads_H100_v5: 6.98,
    Standard_NC80adis_H100_v5: 13.96,
    Standard_ND96isr_H100_v5: 98.32,
    Standard_NC4as_T4_v3: 0.53,
    Standard_NC8as_T4_v3: 0.75,
    Standard_NC16as_T4_v3: 1.2,
    Standard_NC64as_T4_v3: 4.35,
  },
  // Azure Managed Redis, managed disks and Log Analytics ingestion vary by region and SKU, and no figure
  // was checked for this table: the plan lists them without a price until the stack prices them.
  redisHour: {},
  aksTierHour: { Free: 0 },
  diskGiBMonth: {},
  logIngestionGiB: {},
};

// Private DNS zones and private-link group ids, without the SDK: the stack schema checks zone ids
// against them before anything loads Pulumi.
// Source: Microsoft Learn, "Azure Private Endpoint
// private DNS zone values" (checked 2026-05).
export const PRIVATE_DNS_ZONES = {
  openai: "privatelink.openai.azure.com",
  cognitiveServices: "privatelink.cognitiveservices.azure.com",
  aiServices: "privatelink.services.ai.azure.com",
  redis: "privatelink.redis.azure.net",
  /** API Management in internal VNet mode answers only on its host names, which resolve in the network only through this zone. */
  apiManagement: "azure-api.net",
} as const;
export type PrivateDnsZoneKey = keyof typeof PRIVATE_DNS_ZONES;

export const PRIVATE_LINK_GROUP = { openAiAccount: "account", managedRedis: "redisEnterprise" } as const;

/** The zones an Azure OpenAI account's endpoint resolves through: AIServices accounts answer on three names. */
export function accountDnsZones(kind: string): PrivateDnsZoneKey[] {
  return kind === "AIServices" ? ["openai", "cognitiveServices", "aiServices"] : ["openai"];
}

// Azure Managed Redis SKUs, without the SDK runtime (the generated enum module only): the stack schema
// reads them before anything loads Pulumi.
import { SkuName } from "@pulumi/azure-native/types/enums/redisenterprise";

/**
 * Azure Managed Redis SKUs that support RediSearch (semantic caching needs it): Balanced,
 * MemoryOptimized and ComputeOptimized, read from the pinned SDK. Flash Optimized lacks RediSearch and
 * the Enterprise tiers retire in 2027.
 */
export const CACHE_SKUS: readonly string[] = Object.values(SkuName).filter((sku) =>
  /^(Balanced|MemoryOptimized|ComputeOptimized)_/.test(sku),
);

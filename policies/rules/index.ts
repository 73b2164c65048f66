// Every rule of the pack, by checklist area. The pack (../index.ts) and the offline runner use this list.
import type { Policies } from "@pulumi/policy";
import { capacityApimApiTokenLimit } from "./capacity/capacity-apim-api-token-limit";
import { dataApimSemanticCacheBounded } from "./data/data-apim-semantic-cache-bounded";
import { observabilityApimDiagnosticsNoBodies } from "./observability/observability-apim-diagnostics-no-bodies";
import { reliabilityApimApiRetry } from "./reliability/reliability-apim-api-retry";
import { reliabilityApimBackendCircuitBreaker } from "./reliability/reliability-apim-backend-circuit-breaker";
import { securityApimBackendManagedIdentity } from "./security/security-apim-backend-managed-identity";
import { securityApimTlsHardened } from "./security/security-apim-tls-hardened";
import { securityApimFrontsEveryDeployment } from "./security/security-apim-fronts-every-deployment";
import { capacityOpenaiPtuSized } from "./capacity/capacity-openai-ptu-sized";
import { capacitySimulatedClient429 } from "./capacity/capacity-simulated-client-429";
import { costAzureRequiredTags } from "./cost/cost-azure-required-tags";
import { costAzureBudget } from "./cost/cost-azure-budget";
import { costOpenaiPaygoWithinQuota } from "./cost/cost-openai-paygo-within-quota";
import { costOpenaiPtuWithinCap } from "./cost/cost-openai-ptu-within-cap";
import { dataOpenaiDeploymentVersionPinned } from "./data/data-openai-deployment-version-pinned";
import { dataOpenaiDeploymentNoAutoUpgrade } from "./data/data-openai-deployment-no-auto-upgrade";
import { ethicsApimEveryRouteFiltered } from "./ethics/ethics-apim-every-route-filtered";
import { ethicsOpenaiContentFilterStrength } from "./ethics/ethics-openai-content-filter-strength";
import { ethicsOpenaiDeploymentFiltered } from "./ethics/ethics-openai-deployment-filtered";
import { governanceAzureAllowedRegions } from "./governance/governance-azure-allowed-regions";
import { governanceOpenaiAllowedModels } from "./governance/governance-openai-allowed-models";
import { governanceVllmAllowedModels } from "./governance/governance-vllm-allowed-models";
import { securityAnomalyDetection } from "./security/security-anomaly-detection";
import { observabilityApimTraced } from "./observability/observability-apim-traced";
import { observabilityVllmTraced } from "./observability/observability-vllm-traced";
import { governanceTypeClassified } from "./governance/governance-type-classified";
import { lifecycleEndpointLiveSlot } from "./lifecycle/lifecycle-endpoint-live-slot";
import { observabilityAzureDiagnosticsToWorkspace } from "./observability/observability-azure-diagnostics-to-workspace";
import { reliabilityAzureStatefulProtected } from "./reliability/reliability-azure-stateful-protected";
import { reliabilityOpenaiPtuFallback } from "./reliability/reliability-openai-ptu-fallback";
import { reliabilityRedisHighAvailability } from "./reliability/reliability-redis-high-availability";
import { securityMonitoringLocalAuthDisabled } from "./security/security-monitoring-local-auth-disabled";
import { securityOpenaiIdentityAndSubdomain } from "./security/security-openai-identity-and-subdomain";
import { securityOpenaiLocalAuthDisabled } from "./security/security-openai-local-auth-disabled";
import { securityOpenaiOutboundRestricted } from "./security/security-openai-outbound-restricted";
import { securityOpenaiPublicNetworkDisabled } from "./security/security-openai-public-network-disabled";
import { securityNetworkPrivateEndpoint } from "./security/security-network-private-endpoint";
import { securityRbacNoBroadRoles } from "./security/security-rbac-no-broad-roles";
import { securityRbacScopeNarrow } from "./security/security-rbac-scope-narrow";
import { securityRedisKeyAuthException } from "./security/security-redis-key-auth-exception";
import { securityRedisPublicNetworkDisabled } from "./security/security-redis-public-network-disabled";
import { securityRedisTlsEnforced } from "./security/security-redis-tls-enforced";
import { securityK8sImagePinned } from "./security/security-k8s-image-pinned";
import { securityK8sImageDigest } from "./security/security-k8s-image-digest";
import { securityK8sPodSecurity } from "./security/security-k8s-pod-security";
import { securityK8sNamespacePodSecurity } from "./security/security-k8s-namespace-pod-security";
import { securityK8sWorkloadHardened } from "./security/security-k8s-workload-hardened";
import { securityK8sNetworkPolicy } from "./security/security-k8s-network-policy";
import { securityK8sHelmValuesHardened } from "./security/security-k8s-helm-values-hardened";
import { securityK8sNoClusterAdminBinding } from "./security/security-k8s-no-cluster-admin-binding";
import { securityApimCallerAuthenticated } from "./security/security-apim-caller-authenticated";
import { securityApimApiHardened } from "./security/security-apim-api-hardened";
import { observabilityApimTokenMetrics } from "./observability/observability-apim-token-metrics";
import { reliabilityApimBackendFailover } from "./reliability/reliability-apim-backend-failover";
import { securityApimGatewayPrivate } from "./security/security-apim-gateway-private";
import { securityApimSubscriptionScoped } from "./security/security-apim-subscription-scoped";
import { securityApimNamedValueSecret } from "./security/security-apim-named-value-secret";
import { securityApimBackendTls } from "./security/security-apim-backend-tls";
import { securityAksNodePoolHardened } from "./security/security-aks-node-pool-hardened";
import { reliabilityAksStandardTier } from "./reliability/reliability-aks-standard-tier";
import { securityK8sInternalLoadBalancer } from "./security/security-k8s-internal-load-balancer";
import { securityAksHardened } from "./security/security-aks-hardened";
import { reliabilityK8sGpuWorkload } from "./reliability/reliability-k8s-gpu-workload";
import { reliabilityK8sReplicasAndPdb } from "./reliability/reliability-k8s-replicas-and-pdb";
import { securityK8sHelmChartPinned } from "./security/security-k8s-helm-chart-pinned";
import { observabilityVllmSlotMonitored } from "./observability/observability-vllm-slot-monitored";
import { reliabilityPlatformReachable } from "./reliability/reliability-platform-reachable";

export const policies: Policies = [
  capacityApimApiTokenLimit,
  capacityOpenaiPtuSized,
  capacitySimulatedClient429,
  costAzureBudget,
  costAzureRequiredTags,
  costOpenaiPaygoWithinQuota,
  costOpenaiPtuWithinCap,
  dataOpenaiDeploymentVersionPinned,
  dataApimSemanticCacheBounded,
  dataOpenaiDeploymentNoAutoUpgrade,
  ethicsApimEveryRouteFiltered,
  ethicsOpenaiContentFilterStrength,
  ethicsOpenaiDeploymentFiltered,
  governanceAzureAllowedRegions,
  governanceOpenaiAllowedModels,
  governanceVllmAllowedModels,
  securityAnomalyDetection,
  observabilityApimTraced,
  observabilityVllmTraced,
  governanceTypeClassified,
  lifecycleEndpointLiveSlot,
  observabilityApimDiagnosticsNoBodies,
  observabilityApimTokenMetrics,
  observabilityAzureDiagnosticsToWorkspace,
  observabilityVllmSlotMonitored,
  reliabilityApimApiRetry,
  reliabilityAksStandardTier,
  reliabilityApimBackendCircuitBreaker,
  reliabilityApimBackendFailover,
  reliabilityAzureStatefulProtected,
  reliabilityK8sGpuWorkload,
  reliabilityK8sReplicasAndPdb,
  reliabilityOpenaiPtuFallback,
  reliabilityRedisHighAvailability,
  securityApimApiHardened,
  securityApimBackendManagedIdentity,
  securityApimBackendTls,
  securityApimCallerAuthenticated,
  securityApimFrontsEveryDeployment,
  securityApimGatewayPrivate,
  securityApimNamedValueSecret,
  securityApimSubscriptionScoped,
  securityApimTlsHardened,
  securityAksHardened,
  securityAksNodePoolHardened,
  securityK8sHelmChartPinned,
  securityK8sHelmValuesHardened,
  securityK8sImageDigest,
  securityK8sImagePinned,
  securityK8sInternalLoadBalancer,
  securityK8sNamespacePodSecurity,
  securityK8sNetworkPolicy,
  securityK8sNoClusterAdminBinding,
  securityK8sPodSecurity,
  securityK8sWorkloadHardened,
  securityMonitoringLocalAuthDisabled,
  securityOpenaiIdentityAndSubdomain,
  securityOpenaiLocalAuthDisabled,
  securityOpenaiOutboundRestricted,
  securityOpenaiPublicNetworkDisabled,
  securityNetworkPrivateEndpoint,
  securityRbacNoBroadRoles,
  securityRbacScopeNarrow,
  securityRedisKeyAuthException,
  securityRedisPublicNetworkDisabled,
  securityRedisTlsEnforced,
  reliabilityPlatformReachable,
];

export const PACK_NAME = "genai-platform";

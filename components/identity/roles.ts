// Built-in Azure role definitions the platform assigns. Source: Microsoft Learn, "Azure built-in
// roles" (checked 2026-05). Workloads never get a role that administers the platform's resources
// (Owner, Contributor, the RBAC administrators, the AKS cluster-admin roles...: the policy pack's
// security-rbac-no-broad-roles lists them): those are not in this catalogue on purpose. The deploying
// identity's own roles (docs/deploying.md) are granted outside the program.
export const BUILT_IN_ROLES = {
  /** Inference only (chat, completions, embeddings) with Entra ID: what callers of Azure OpenAI get. */
  cognitiveServicesOpenAiUser: { id: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", name: "Cognitive Services OpenAI User" },
  /** Call an AI service's data plane with Entra ID (the gateway's content checks on Azure AI Content Safety). */
  cognitiveServicesUser: { id: "a97b65f3-24c7-4388-baec-2e87135dc908", name: "Cognitive Services User" },
  /** Read quota usage of a subscription's regions, for live quota checks. */
  cognitiveServicesUsagesReader: {
    id: "bba48692-92b0-4667-a9ad-c31c7b334ac2",
    name: "Cognitive Services Usages Reader",
  },
  /** Write metrics and telemetry to Application Insights with Entra ID (the gateway's logger). */
  monitoringMetricsPublisher: { id: "3913510d-42f4-4e42-8a64-420c390055eb", name: "Monitoring Metrics Publisher" },
  /** Read metrics and logs: Grafana's Azure Monitor data source, on the stack's resource group. */
  monitoringReader: { id: "43d0d8ad-25c7-4714-9337-8ba259a9fe05", name: "Monitoring Reader" },
  /** The AKS control plane on its nodes' subnet only: internal load balancers with static addresses there. */
  networkContributor: { id: "4d97b98b-1d4f-4787-a291-c67834d212e7", name: "Network Contributor" },
  /** For the deploying identity: fetch a user kubeconfig. */
  aksClusterUser: { id: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f", name: "Azure Kubernetes Service Cluster User Role" },
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** The full role definition id ARM expects, in the subscription of the assignment. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role].id}`;
}

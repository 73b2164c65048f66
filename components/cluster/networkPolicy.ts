import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** The name of the default-deny policy every namespace the platform runs workloads in carries. */
export const DENY_INGRESS_POLICY = "default-deny-ingress";

/**
 * Denies every connection into `namespace` that no other NetworkPolicy of it allows: a pod added later
 * (or a policy removed) is closed, not open. NetworkPolicies only add allowances on top of this.
 */
export function denyIngressByDefault(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Readonly<Record<string, string>>,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { name: DENY_INGRESS_POLICY, namespace, labels: { ...labels } },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
    opts,
  );
}

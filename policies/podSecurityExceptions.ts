// The platform's named exceptions to the Kubernetes Pod Security Standards' restricted profile: which
// workload (namespace/name) may break which control, and why. Everything else meets restricted, and a
// namespace enforces the level its workloads meet (see security-k8s-pod-security and
// security-k8s-namespace-pod-security). An exception is a reviewed change to this file.
import type { PssControl, PssLevel } from "./podSecurity";

export interface WorkloadException {
  /** `namespace/name` of the workload. */
  readonly workload: string;
  /** The restricted controls it may break; every other control still holds. */
  readonly controls: readonly PssControl[];
  /** With HostPath Volumes excused: the only host paths it may mount. */
  readonly hostPaths?: readonly string[];
  readonly reason: string;
}

export interface NamespaceException {
  readonly namespace: string;
  /** The level it enforces instead of restricted (never privileged). */
  readonly level: Exclude<PssLevel, "privileged">;
  readonly reason: string;
}

export const WORKLOAD_EXCEPTIONS: readonly WorkloadException[] = [
  {
    workload: "kube-system/nvidia-device-plugin",
    controls: ["HostPath Volumes", "Volume Types", "Running as Non-root"],
    hostPaths: ["/var/lib/kubelet/device-plugins"],
    reason:
      "NVIDIA's device plugin registers with the kubelet through a socket in /var/lib/kubelet/device-plugins (a hostPath), a folder only root may write; it keeps every other control (no capabilities, no privilege escalation, seccomp RuntimeDefault, read-only root, no API token). kube-system is AKS's namespace, not labelled by the platform.",
  },
  {
    workload: "kube-system/dcgm-exporter",
    controls: ["HostPath Volumes", "Volume Types", "Running as Non-root", "Running as Non-root user"],
    hostPaths: ["/var/lib/kubelet/pod-resources"],
    reason:
      "NVIDIA's DCGM exporter maps each GPU to the pod it is allocated to through the kubelet's pod-resources socket (a hostPath, mounted read-only), which only root may connect to, so it runs as user 0; it keeps every other control (no capabilities: the SYS_ADMIN that profiling metrics need is not added; no privilege escalation, seccomp RuntimeDefault, read-only root, no API token).",
  },
];

export const NAMESPACE_EXCEPTIONS: readonly NamespaceException[] = [
  {
    namespace: "monitoring",
    level: "baseline",
    reason:
      "kube-prometheus-stack's pods are rendered by its chart inside the cluster, not in the plan, so the pack cannot show they meet restricted; the namespace enforces baseline and warns on restricted, node-exporter (host access) is off, and the release's values are checked by security-k8s-helm-values-hardened.",
  },
];

/** The controls `workload` (namespace/name) is excused from. */
export function excusedControls(workload: string): ReadonlySet<PssControl> {
  return new Set(WORKLOAD_EXCEPTIONS.filter((e) => e.workload === workload).flatMap((e) => e.controls));
}

/** The host paths `pod` mounts beyond what its exception names (every one, for a workload without an exception). */
export function unexcusedHostPaths(workload: string, pod: Record<string, any>): string[] {
  const allowed = new Set(WORKLOAD_EXCEPTIONS.filter((e) => e.workload === workload).flatMap((e) => e.hostPaths ?? []));
  return ((pod.volumes ?? []) as Record<string, any>[]).flatMap((v) =>
    v.hostPath && !allowed.has(String(v.hostPath.path)) ? [String(v.hostPath.path)] : [],
  );
}

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SERVER_TYPES, baseType, checklist, forWorkloads, k8sKey, listOf } from "../../lib";

/** Workloads that call the Kubernetes API server, so they need a service-account token (none of the platform's do). */
export const API_CLIENTS: ReadonlySet<string> = new Set<string>([]);

export const securityK8sWorkloadHardened: ResourceValidationPolicy = {
  name: "security-k8s-workload-hardened",
  description:
    "Every container has memory requests and limits and a read-only root filesystem (writable paths are emptyDir or volume mounts); every container of a long-running server that listens on a port has readiness and liveness probes; no pod mounts a service-account token unless it calls the API server.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(
    [3, 4, 11],
    [
      "MCSB PV-2",
      "Azure Policy 'Kubernetes cluster containers should run with a read only root file system'",
      "Azure Policy 'Kubernetes clusters should disable automounting API credentials'",
      "Azure Policy 'Ensure cluster containers have readiness or liveness probes configured'",
      "Checkov CKV_K8S_8, CKV_K8S_9, CKV_K8S_12, CKV_K8S_13, CKV_K8S_22, CKV_K8S_38",
    ],
  ),
  remediationSteps:
    "Set resources.requests.memory and resources.limits.memory, securityContext.readOnlyRootFilesystem: true with emptyDir mounts for the paths the server writes, readinessProbe and livenessProbe on serving containers, and automountServiceAccountToken: false on the pod.",
  validateResource: forWorkloads(({ spec, containers }, report, args) => {
    const workload = k8sKey(args.props);
    const server = SERVER_TYPES.has(baseType(args.type));
    if (listOf(spec.containers).length === 0)
      report(
        `${workload}: the pod template has no list of containers, so none of its containers can be checked (the API server refuses it)`,
      );
    for (const c of containers) {
      if (!c.resources?.requests?.memory)
        report(`${workload}: container ${c.name} requests no memory: the scheduler cannot place it safely`);
      if (!c.resources?.limits?.memory)
        report(`${workload}: container ${c.name} has no memory limit: it can starve its node`);
      if (c.securityContext?.readOnlyRootFilesystem !== true)
        report(`${workload}: container ${c.name} has a writable root filesystem (readOnlyRootFilesystem is not true)`);
    }
    if (server) {
      for (const c of listOf(spec.containers)) {
        if (listOf(c.ports).length === 0) continue;
        for (const probe of ["readinessProbe", "livenessProbe"] as const)
          if (!c[probe]) report(`${workload}: container ${c.name} serves a port without a ${probe}`);
      }
    }
    if (spec.automountServiceAccountToken !== false && !API_CLIENTS.has(workload))
      report(
        `${workload}: mounts a service-account token (automountServiceAccountToken is not false) but does not call the API server`,
      );
  }),
};

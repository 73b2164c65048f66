import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checklist, forWorkloads, listOf } from "../../lib";

const GPU = "nvidia.com/gpu";
/** The taint the platform's GPU pools carry. */
const GPU_TAINT = { key: "sku", value: "gpu", effect: "NoSchedule" };

export const reliabilityK8sGpuWorkload: ResourceValidationPolicy = {
  name: "reliability-k8s-gpu-workload",
  description:
    "A container that uses GPUs requests exactly what it limits, its pod tolerates exactly the GPU pools' taint (sku=gpu:NoSchedule, never every taint) and selects a pool, and it has startup, readiness and liveness probes.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(1, 3),
  remediationSteps:
    "Set nvidia.com/gpu requests = limits, a toleration for sku=gpu:NoSchedule, a nodeSelector on the pool label, and /health probes with a startup probe long enough for a model download.",
  validateResource: forWorkloads(({ spec, containers }, report) => {
    const gpuContainers = containers.filter(
      (c) => c.resources?.limits?.[GPU] !== undefined || c.resources?.requests?.[GPU] !== undefined,
    );
    if (gpuContainers.length === 0) return;
    for (const c of gpuContainers) {
      const limit = c.resources?.limits?.[GPU];
      const request = c.resources?.requests?.[GPU];
      if (String(limit) !== String(request))
        report(
          `container ${c.name}: ${GPU} requests ${request ?? "unset"} but limits ${limit ?? "unset"}: set them equal`,
        );
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"] as const)
        if (!c[probe]) report(`container ${c.name} has no ${probe}`);
    }
    const tolerations: Record<string, any>[] = listOf(spec.tolerations);
    const exact = tolerations.some(
      (t) =>
        t.key === GPU_TAINT.key &&
        t.effect === GPU_TAINT.effect &&
        (t.operator ?? "Equal") === "Equal" &&
        t.value === GPU_TAINT.value,
    );
    if (!exact)
      report(
        "the pod does not tolerate the GPU pools' taint sku=gpu:NoSchedule exactly (key, operator Equal, value, effect): it never schedules on them, or tolerates more than it should",
      );
    for (const t of tolerations)
      if (t.operator === "Exists" && !t.key)
        report(
          `the pod tolerates every taint (operator Exists without a key${t.effect ? `, effect ${t.effect}` : ""}): it may land on the system pool or any other pool`,
        );
    if (!spec.nodeSelector && !spec.affinity?.nodeAffinity)
      report("the pod selects no GPU pool (nodeSelector or node affinity): it may land on any pool that tolerates it");
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checklist, forWorkloads } from "../../lib";

export const securityK8sNoPrivilege: ResourceValidationPolicy = {
  name: "security-k8s-no-privilege",
  description: "No workload runs privileged, escalates privileges or shares the node's network, process or IPC namespaces.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(4),
  remediationSteps: "Remove privileged and host namespaces; set allowPrivilegeEscalation: false and drop ALL capabilities on every container.",
  validateResource: forWorkloads(({ spec, containers }, report) => {
    for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[host] === true) report(`${host} is on: the pod shares the node's namespace`);
    for (const c of containers) {
      if (c.securityContext?.privileged === true) report(`container ${c.name} is privileged`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) report(`container ${c.name} does not set allowPrivilegeEscalation: false`);
    }
  }),
};

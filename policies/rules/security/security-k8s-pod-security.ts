import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checklist, forWorkloads, k8sKey } from "../../lib";
import { podSecurityFindings } from "../../podSecurity";
import { excusedControls, unexcusedHostPaths } from "../../podSecurityExceptions";

export const securityK8sPodSecurity: ResourceValidationPolicy = {
  name: "security-k8s-pod-security",
  description:
    "Every pod template the platform renders meets the Kubernetes Pod Security Standards' restricted profile, control by control (privileged, capabilities, host namespaces, hostPath and volume types, host ports, AppArmor, SELinux, /proc mount, seccomp, sysctls, privilege escalation, non-root), or breaks only the controls of a named exception (policies/podSecurityExceptions.ts) with its reason.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist([4], [
    "PSS baseline: HostProcess, Host Namespaces, Privileged Containers, Capabilities, HostPath Volumes, Host Ports, AppArmor, SELinux, /proc Mount Type, Seccomp, Sysctls",
    "PSS restricted: Volume Types, Privilege Escalation, Running as Non-root, Running as Non-root user, Seccomp, Capabilities",
    "Checkov CKV_K8S_16, CKV_K8S_17, CKV_K8S_18, CKV_K8S_19, CKV_K8S_20, CKV_K8S_23, CKV_K8S_28, CKV_K8S_31, CKV_K8S_37",
  ]),
  remediationSteps:
    "Set the pod's securityContext {runAsNonRoot: true, runAsUser: <non-zero>, seccompProfile: {type: RuntimeDefault}} and every container's {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}; use emptyDir, PVC, configMap, secret or projected volumes only; no host namespaces, ports or paths. A workload that cannot gets an entry in policies/podSecurityExceptions.ts naming the controls and the reason.",
  validateResource: forWorkloads(({ spec, metadata }, report, args) => {
    const workload = k8sKey(args.props);
    const excused = excusedControls(workload);
    for (const finding of podSecurityFindings(spec, metadata.annotations)) {
      if (excused.has(finding.control)) continue;
      report(`${workload}: ${finding.message} (Pod Security Standards ${finding.level}: ${finding.control})`);
    }
    // An exception for host paths names the paths: any other one is still a finding.
    if (excused.has("HostPath Volumes")) {
      for (const path of unexcusedHostPaths(workload, spec)) report(`${workload}: mounts host path ${path}, beyond its exception's paths (Pod Security Standards baseline: HostPath Volumes)`);
    }
  }),
};

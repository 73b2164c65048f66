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
  framework: checklist(
    [4],
    [
      "PSS baseline: HostProcess, Host Namespaces, Privileged Containers, Capabilities, HostPath Volumes, Host Ports, AppArmor, SELinux, /proc Mount Type, Seccomp, Sysctls",
      "PSS restricted: Volume Types, Privilege Escalation, Running as Non-root, Running as Non-root user, Seccomp, Capabilities",
      "Azure Policy 'Kubernetes cluster should not allow privileged containers'",
      "Azure Policy 'Kubernetes cluster containers should not share host namespaces'",
      "Azure Policy 'Kubernetes cluster containers should only use allowed capabilities'",
      "Azure Policy 'Kubernetes cluster pod hostPath volumes should only use allowed host paths'",
      "Azure Policy 'Kubernetes clusters should not allow container privilege escalation'",
      "Azure Policy 'Kubernetes cluster pods and containers should only run with approved user and group IDs'",
      "Azure Policy 'Kubernetes cluster containers should only use allowed seccomp profiles'",
      "Azure Policy 'Kubernetes cluster pods should only use approved host network and port list'",
      "Checkov CKV_K8S_16, CKV_K8S_17, CKV_K8S_18, CKV_K8S_19, CKV_K8S_20, CKV_K8S_23, CKV_K8S_25, CKV_K8S_26, CKV_K8S_28, CKV_K8S_31, CKV_K8S_37",
    ],
  ),
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
      for (const path of unexcusedHostPaths(workload, spec))
        report(
          `${workload}: mounts host path ${path}, beyond its exception's paths (Pod Security Standards baseline: HostPath Volumes)`,
        );
    }
  }),
};

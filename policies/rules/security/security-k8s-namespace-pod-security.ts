import type { StackValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_TYPES, baseType, checklist, k8sKey, podTemplateOf } from "../../lib";
import { LEVEL_ORDER as ORDER, levelMet, podSecurityFindings, type PssLevel } from "../../podSecurity";
import { NAMESPACE_EXCEPTIONS, excusedControls } from "../../podSecurityExceptions";

const ENFORCE = "pod-security.kubernetes.io/enforce";

export const securityK8sNamespacePodSecurity: StackValidationPolicy = {
  name: "security-k8s-namespace-pod-security",
  description:
    "Every namespace the platform creates enforces a Pod Security Standards level at admission (pod-security.kubernetes.io/enforce), never privileged, and no lower than its workloads meet: restricted, or the level of a named namespace exception.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4], ["PSS: namespace labels (Pod Security Admission)", "MCSB PV-2"]),
  remediationSteps: `Label the namespace ${ENFORCE}: restricted (or the level its entry in policies/podSecurityExceptions.ts names).`,
  validateStack: (args, report) => {
    const workloads = args.resources.filter((r) => WORKLOAD_TYPES.has(baseType(r.type)));
    for (const namespace of args.resources.filter((r) => baseType(r.type) === "kubernetes:core/v1:Namespace")) {
      const name = String(namespace.props.metadata?.name ?? "");
      const enforced = namespace.props.metadata?.labels?.[ENFORCE] as string | undefined;
      if (!enforced || !ORDER.includes(enforced as PssLevel)) {
        report(
          `namespace ${name} enforces no Pod Security Standards level (${ENFORCE}: ${enforced ?? "unset"}): any pod is admitted`,
          namespace.urn,
        );
        continue;
      }
      const exception = NAMESPACE_EXCEPTIONS.find((e) => e.namespace === name);
      // What its own workloads meet (their named exceptions count as met); restricted where it has none.
      const met = workloads
        .filter((w) => w.props.metadata?.namespace === name)
        .map((w) => {
          const { metadata, spec } = podTemplateOf(w.type, w.props);
          const excused = excusedControls(k8sKey(w.props));
          return levelMet(podSecurityFindings(spec, metadata.annotations).filter((f) => !excused.has(f.control)));
        });
      const required: PssLevel =
        exception?.level ??
        met.reduce<PssLevel>((low, level) => (ORDER.indexOf(level) < ORDER.indexOf(low) ? level : low), "restricted");
      if (enforced === "privileged")
        report(`namespace ${name} enforces privileged: any pod, host access included, is admitted`, namespace.urn);
      else if (ORDER.indexOf(enforced as PssLevel) < ORDER.indexOf(required)) {
        report(
          `namespace ${name} enforces ${enforced}, below the ${required} its workloads meet${exception ? ` (its named exception: ${exception.level})` : ""}: a weaker pod would be admitted`,
          namespace.urn,
        );
      }
    }
  },
};

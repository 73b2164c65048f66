import type { ResourceValidationPolicy } from "@pulumi/policy";
import { baseType, checklist } from "../../lib";

const BINDINGS = new Set([
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
]);

export const securityK8sNoClusterAdminBinding: ResourceValidationPolicy = {
  name: "security-k8s-no-cluster-admin-binding",
  description:
    "No Kubernetes RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole: people get Azure RBAC roles through Entra ID, workloads a Role of what they call.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 14],
    [
      "MCSB PA-7",
      "Azure Policy 'Kubernetes clusters should ensure that the cluster-admin role is only used where required'",
    ],
  ),
  remediationSteps:
    "Bind a Role (or ClusterRole) that lists the verbs and resources the subject needs; for people, use an Azure Kubernetes Service RBAC role scoped to a namespace.",
  validateResource: (args, report) => {
    if (!BINDINGS.has(baseType(args.type))) args.notApplicable("applies only to Kubernetes role bindings");
    const ref = args.props.roleRef ?? {};
    if (ref.kind === "ClusterRole" && ref.name === "cluster-admin") {
      const subjects = (args.props.subjects ?? [])
        .map(
          (s: { kind?: string; name?: string; namespace?: string }) =>
            `${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`,
        )
        .join(", ");
      report(`binds cluster-admin to ${subjects || "no subject"}: full control of the cluster`);
    }
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist } from "../../lib";

const INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";

export const securityK8sInternalLoadBalancer: ResourceValidationPolicy = {
  name: "security-k8s-internal-load-balancer",
  description:
    "A Kubernetes Service of type LoadBalancer is internal (an address in the VNet), never a public IP: model servers are reached only through the gateway.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist([6], ["Azure Policy 'Kubernetes clusters should use internal load balancers'", "MCSB NS-2"]),
  remediationSteps: `Annotate the Service with ${INTERNAL}: "true" and a static address from the aksNodes subnet (the serving component does).`,
  validateResource: (args, report) => {
    if (baseType(args.type) !== TYPES.k8sService) args.notApplicable(`applies only to ${TYPES.k8sService}`);
    if (args.props.spec?.type !== "LoadBalancer") return;
    if (String(args.props.metadata?.annotations?.[INTERNAL]) !== "true")
      report(`a LoadBalancer Service without ${INTERNAL}: "true" gets a public IP`);
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist } from "../../lib";

/** An exact chart version (semver, no ranges), so what installs is what was reviewed. */
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export const securityK8sHelmChartPinned: ResourceValidationPolicy = {
  name: "security-k8s-helm-chart-pinned",
  description:
    "Every Helm release pins an exact chart version from an HTTPS (or OCI) repository, so an upgrade is a reviewed change, never a side effect of a new chart release.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([2, 4], ["MCSB PV-2"]),
  remediationSteps:
    "Set the chart's exact version (e.g. 88.5.3) and an https:// or oci:// repository in the component's dated chart table.",
  validateResource: (args, report) => {
    if (args.type !== TYPES.helmRelease) args.notApplicable("applies only to Helm releases");
    const release = args.props as { chart?: string; version?: string; repositoryOpts?: { repo?: string } };
    if (!EXACT.test(String(release.version ?? "")))
      report(`chart ${release.chart}: version "${release.version ?? ""}" is not an exact version`);
    const repo = String(release.repositoryOpts?.repo ?? release.chart ?? "");
    if (!/^(https|oci):\/\//.test(repo))
      report(`chart ${release.chart}: repository "${repo}" is neither https:// nor oci://`);
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checklist, forWorkloads, k8sKey } from "../../lib";
import { own } from "../../../components/core/own";

interface DigestSettings {
  /** Sourced digests from the platform's dated image tables, by `repository:tag`. */
  readonly digests?: Readonly<Record<string, string>>;
}

/** `repository:tag` and the digest of an image reference (`repo:tag`, `repo@sha256:…`, `repo:tag@sha256:…`). */
export function imageParts(image: string): { tagged?: string; digest?: string } {
  const [name, digest] = image.split("@") as [string, string | undefined];
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  return { ...(lastSegment.includes(":") ? { tagged: name } : {}), ...(digest ? { digest } : {}) };
}

export const securityK8sImageDigest: ResourceValidationPolicy = {
  name: "security-k8s-image-digest",
  description:
    "Every container image whose tag has a sourced digest in the platform's dated image tables (vLLM releases, the NVIDIA device plugin, the OpenTelemetry Collector) runs pinned to that digest, so a tag pushed again cannot change what runs; an image without a sourced digest is pinned by tag only, as the plan reports.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { digests: { type: "object" } } },
  framework: checklist([2, 4], ["Checkov CKV_K8S_43", "MCSB PV-2"]),
  remediationSteps:
    "Deploy <repository>:<tag>@<digest> with the digest from components/serving/vllmReleases.ts, components/cluster/gpuSkus.ts or components/observability/charts.ts (the components do).",
  validateResource: forWorkloads(({ containers }, report, args) => {
    const digests = args.getConfig<DigestSettings>().digests ?? {};
    for (const c of containers) {
      const image = String(c.image ?? "");
      const { tagged, digest } = imageParts(image);
      const sourced = tagged ? own(digests, tagged) : undefined;
      if (!sourced) continue;
      if (!digest)
        report(
          `${k8sKey(args.props)}: container ${c.name} runs ${image} by tag only; its dated table records the digest ${sourced}`,
        );
      else if (digest !== sourced)
        report(
          `${k8sKey(args.props)}: container ${c.name} pins ${digest} for ${tagged}, but the dated table records ${sourced}`,
        );
    }
  }),
};

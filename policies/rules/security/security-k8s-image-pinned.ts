import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checklist, forWorkloads } from "../../lib";

/** A tag other than `latest`, or a digest. */
const PINNED = /^[^@\s]+(?::(?!latest$)[\w][\w.-]*|@sha256:[0-9a-f]{64})$/;

export const securityK8sImagePinned: ResourceValidationPolicy = {
  name: "security-k8s-image-pinned",
  description:
    "Every container image is pinned by a version tag or a digest, never latest or untagged, so what runs is what was reviewed.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(
    [2, 4],
    ["Azure Policy 'Kubernetes cluster container images should not include latest image tag'", "Checkov CKV_K8S_14"],
  ),
  remediationSteps:
    "Pin the image (vllm/vllm-openai:v0.30.0, or @sha256:...) in the stack config or the component's data table.",
  validateResource: forWorkloads(({ containers }, report) => {
    for (const c of containers) {
      const image = String(c.image ?? "");
      // The last path segment holds the tag: a registry port (host:5000/name) is not one.
      const name = image.slice(image.lastIndexOf("/") + 1);
      if (!PINNED.test(image) || (!name.includes(":") && !image.includes("@")))
        report(`container ${c.name}: image "${image}" is not pinned to a version tag or digest`);
    }
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allElements, forApiPolicy } from "../../policyDocument";
import { checklist } from "../../lib";

export const reliabilityApimApiRetry: ResourceValidationPolicy = {
  name: "reliability-apim-api-retry",
  description:
    "A retry around the backend call covers 429 and resends a buffered body; the gateway never retries in inbound (its own token-limit 429).",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(3, 12),
  remediationSteps:
    'In backend: <retry condition="@(context.Response.StatusCode == 429 || context.Response.StatusCode == 503)" count="members - 1" interval="0" first-fast-retry="true"><forward-request buffer-request-body="true"/></retry>.',
  validateResource: forApiPolicy((sections, report) => {
    if (allElements(sections.inbound).some((e) => e.tag === "retry"))
      report("a retry in inbound would retry the gateway's own 429s");
    for (const retry of allElements(sections.backend).filter((e) => e.tag === "retry")) {
      if (!/StatusCode\s*==\s*429/.test(retry.attributes.condition ?? ""))
        report(`the backend retry does not cover 429: ${retry.attributes.condition ?? "(no condition)"}`);
      const forwards = allElements(retry.children).filter((e) => e.tag === "forward-request");
      if (forwards.length === 0) report("the backend retry forwards nothing");
      else if (forwards.some((f) => f.attributes["buffer-request-body"] !== "true"))
        report("the retried forward-request does not buffer the request body: a retry would send an empty body");
    }
  }),
};

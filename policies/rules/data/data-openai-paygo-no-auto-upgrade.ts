import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PAYGO_SKUS, TYPES, checklist, forType } from "../../lib";

export const dataOpenaiPaygoNoAutoUpgrade: ResourceValidationPolicy = {
  name: "data-openai-paygo-no-auto-upgrade",
  description: "Pay-as-you-go deployments never upgrade their model version on their own (versionUpgradeOption: NoAutoUpgrade).",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(2, 16),
  remediationSteps: "Set properties.versionUpgradeOption: NoAutoUpgrade; move versions with a blue-green rollout.",
  validateResource: forType(TYPES.openAiDeployment, (props, args, report) => {
    const sku = props.sku?.name;
    if (!PAYGO_SKUS.has(sku)) args.notApplicable(`sku ${sku} does not auto-upgrade`);
    const option = props.properties?.versionUpgradeOption;
    if (option !== "NoAutoUpgrade") report(`versionUpgradeOption is ${JSON.stringify(option ?? "OnceNewDefaultVersionAvailable (default)")}`);
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PAYGO_SKUS, TYPES, checklist, forType } from "../../lib";

export const dataOpenaiDeploymentNoAutoUpgrade: ResourceValidationPolicy = {
  name: "data-openai-deployment-no-auto-upgrade",
  description:
    "No deployment upgrades its model version on its own: pay-as-you-go deployments (which auto-upgrade by default) set versionUpgradeOption: NoAutoUpgrade, and no other deployment asks for an upgrade option.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(2, 16),
  remediationSteps:
    "Set properties.versionUpgradeOption: NoAutoUpgrade (or leave it unset on provisioned deployments); move versions with a blue-green rollout.",
  validateResource: forType(TYPES.openAiDeployment, (props, _args, report) => {
    const sku = props.sku?.name;
    const option = props.properties?.versionUpgradeOption;
    if (PAYGO_SKUS.has(sku)) {
      if (option !== "NoAutoUpgrade")
        report(`versionUpgradeOption is ${JSON.stringify(option ?? "OnceNewDefaultVersionAvailable (default)")}`);
    } else if (option !== undefined && option !== "NoAutoUpgrade") {
      report(
        `${sku} deployment sets versionUpgradeOption ${JSON.stringify(option)}: its model version would change without a reviewed change`,
      );
    }
  }),
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, decideEach, describe, isUnknownValueError, known, ofType, sourceOf } from "../../lib";

/** The built-in policy that turns content filtering off (Microsoft approves it case by case). */
const NO_FILTER = "Microsoft.Nil";

export const ethicsOpenaiDeploymentFiltered: StackValidationPolicy = {
  name: "ethics-openai-deployment-filtered",
  description:
    "Every Azure OpenAI deployment names a content filter (RAI policy) this stack defines on the same account; never Microsoft.Nil, whatever its dependencies say.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8, 16),
  remediationSteps:
    "Set properties.raiPolicyName to the account's platform RAI policy (OpenAiService does this for every deployment).",
  validateStack: (args, report) => {
    const policies = ofType(args.resources, TYPES.raiPolicy);
    const accountOf = (r: (typeof policies)[number]) => sourceOf(r, "accountName", TYPES.openAiAccount)?.urn;
    decideEach(ofType(args.resources, TYPES.openAiDeployment), describe, (deployment) => {
      // The name decides where it is known; in a preview it is the new policy's output, so the dependency does.
      let name: unknown;
      try {
        name = deployment.props.properties?.raiPolicyName;
      } catch (error) {
        if (isUnknownValueError(error) && sourceOf(deployment, "properties", TYPES.raiPolicy)) return;
        throw error;
      }
      if (typeof name !== "string" || name === "") {
        report(
          `${describe(deployment)} has no raiPolicyName: it runs with the account's default filter only`,
          deployment.urn,
        );
        return;
      }
      if (name === NO_FILTER) {
        report(`${describe(deployment)} names ${NO_FILTER}: content filtering is off`, deployment.urn);
        return;
      }
      // Same account by dependency on both sides (a policy whose account the stack cannot tell does not count).
      const defined = policies.some(
        (p) => known(() => p.props.name) === name && accountOf(p) === accountOf(deployment),
      );
      if (!defined)
        report(
          `${describe(deployment)} names RAI policy "${name}", which this stack does not define on its account`,
          deployment.urn,
        );
    });
  },
};

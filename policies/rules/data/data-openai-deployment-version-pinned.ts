import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const dataOpenaiDeploymentVersionPinned: ResourceValidationPolicy = {
  name: "data-openai-deployment-version-pinned",
  description: "Every Azure OpenAI deployment pins its model name and version.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(2, 16),
  remediationSteps:
    "Set the target's version (e.g. 2024-11-20) in the stack config; versions change only through a reviewed config change.",
  validateResource: forType(TYPES.openAiDeployment, (props, _args, report) => {
    const model = props.properties?.model ?? {};
    if (!model.name) report("properties.model.name is not set");
    if (!model.version || /^(latest|default)$/i.test(String(model.version)))
      report(`properties.model.version is ${JSON.stringify(model.version ?? null)}: pin a version`);
  }),
};

// A stack whose endpoints check prompts for PII: the plan adds Azure AI Language (keys off, private, the
// gateway identity with Cognitive Services User on it), the named value the policy calls it by, and
// the check in the gateway policy; the pack passes it.
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies } from "../cli/engine/policyRunner";
import { policies } from "../policies/rules";
import { LANGUAGE_ENDPOINT_VALUE } from "../components/safety/pii";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "../cli/engine/policyConfig";
import { parsePlatformConfig, type PlatformConfig } from "../stacks/config";
import { PROJECT_DIR, namespaced, planStack, rawConfig, resourcesOfType, type PlannedStack } from "./helpers";

let planned: PlannedStack;
let config: PlatformConfig;
beforeAll(async () => {
  const raw = rawConfig("prod");
  raw.models.qwen.contentSafety = { pii: "redact" };
  raw.models.chat.contentSafety = { pii: "detect" };
  const parsed = parsePlatformConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  config = parsed.config;
  planned = await planStack("pii", { config: { config: namespaced(raw) as Record<string, string>, secretKeys: [] } });
}, 60_000);

describe("PII checks in a plan", () => {
  it("adds Azure AI Language, private and keys off, which only the gateway identity may call", () => {
    expect(planned.run.errors).toEqual([]);
    const language = resourcesOfType(planned.stackExport, "azure-native:cognitiveservices:Account").find(
      (a) => a.inputs.kind === "TextAnalytics",
    )!;
    expect(language.inputs).toMatchObject({
      accountName: "lang-genai-prod",
      sku: { name: "S" },
      properties: { disableLocalAuth: true, publicNetworkAccess: "Disabled" },
    });
    const identity = resourcesOfType(planned.stackExport, "azure-native:managedidentity:UserAssignedIdentity").find(
      (i) => i.inputs.resourceName === "id-genai-prod-gateway",
    )!;
    const grants = resourcesOfType(planned.stackExport, "azure-native:authorization:RoleAssignment").filter(
      (g) => g.inputs.scope === language.id,
    );
    expect(grants.map((g) => [g.inputs.principalId, String(g.inputs.roleDefinitionId).split("/").pop()])).toEqual([
      [identity.outputs.principalId, "a97b65f3-24c7-4388-baec-2e87135dc908"],
    ]);
    const value = resourcesOfType(planned.stackExport, "azure-native:apimanagement:NamedValue").find(
      (v) => v.inputs.namedValueId === LANGUAGE_ENDPOINT_VALUE,
    )!;
    expect(value.inputs.value).toBe((language.outputs.properties as { endpoint: string }).endpoint);
    const policy = String(
      resourcesOfType(planned.stackExport, "azure-native:apimanagement:ApiPolicy")[0]!.inputs.value,
    );
    expect(policy).toContain(
      `<set-url>{{${LANGUAGE_ENDPOINT_VALUE}}}language/:analyze-text?api-version=2023-04-01</set-url>`,
    );
  });

  it("passes every rule of the pack", async () => {
    const violations = await evaluatePolicies(
      planned.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(config)),
    );
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { NAME_RULES, checkedName, composeName, nameProblem, resourceName } from "../components/core/naming";
import { platformTags } from "../components/core/tags";

describe("Azure naming rules", () => {
  it.each([
    ["resourceGroup", "rg-genai-prod", undefined],
    [
      "resourceGroup",
      "rg-ends-with-dot.",
      'resourceGroup name "rg-ends-with-dot." has characters that are not allowed; allowed: letters, digits, -, _, ., ( and ), not ending in .',
    ],
    ["logAnalyticsWorkspace", "log", 'logAnalyticsWorkspace name "log" is 3 characters; allowed 4-63'],
    [
      "logAnalyticsWorkspace",
      "log-genai-prod-",
      'logAnalyticsWorkspace name "log-genai-prod-" has characters that are not allowed; allowed: letters, digits and -, starting and ending with a letter or digit',
    ],
    ["cognitiveServicesAccount", "oai-genai-prod-swc", undefined],
    [
      "cognitiveServicesAccount",
      `oai-${"x".repeat(61)}`,
      `cognitiveServicesAccount name "oai-${"x".repeat(61)}" is 65 characters; allowed 2-64`,
    ],
    ["customSubDomain", "oai-genai-prod-swc-a1b2c3", undefined],
    [
      "customSubDomain",
      "Oai-Genai",
      'customSubDomain name "Oai-Genai" has characters that are not allowed; allowed: lower-case letters, digits and single hyphens, starting and ending with a letter or digit',
    ],
    [
      "customSubDomain",
      "oai--genai-a1b2c3",
      'customSubDomain name "oai--genai-a1b2c3" has characters that are not allowed; allowed: lower-case letters, digits and single hyphens, starting and ending with a letter or digit',
    ],
    ["redisCluster", "amr-genai-prod-a1b2c3", undefined],
    ["apiManagementService", "apim-genai-prod-a1b2c3", undefined],
    [
      "apiManagementService",
      "1apim",
      'apiManagementService name "1apim" has characters that are not allowed; allowed: letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
    ],
    [
      "redisCluster",
      "amr--genai",
      'redisCluster name "amr--genai" has characters that are not allowed; allowed: letters, digits and single hyphens (no --), starting and ending with a letter or digit',
    ],
    ["openAiDeployment", "chat-blue-gpt-4.1-mini-gstd", undefined],
    [
      "openAiDeployment",
      "chat blue",
      'openAiDeployment name "chat blue" has characters that are not allowed; allowed: letters, digits, -, _ and ., starting with a letter or digit',
    ],
    [
      "diagnosticSetting",
      "diag/bad",
      'diagnosticSetting name "diag/bad" has characters that are not allowed; allowed: anything but < > * % { } & : \\ ? + / # |',
    ],
  ] as const)("%s %s", (kind, name, problem) => {
    expect(nameProblem(kind, name)).toBe(problem);
  });

  it("builds CAF-style names and refuses broken ones", () => {
    expect(resourceName("cognitiveServicesAccount", { prefix: "genai", environment: "prod" }, "swc")).toBe(
      "oai-genai-prod-swc",
    );
    expect(composeName("resourceGroup", { prefix: "genai", environment: "dev" })).toBe("rg-genai-dev");
    expect(() => checkedName("logAnalyticsWorkspace", "ab")).toThrow("allowed 4-63");
  });

  it("has a rule for every kind it names", () => {
    expect(Object.keys(NAME_RULES).sort()).toEqual([
      "apiManagementService",
      "applicationInsights",
      "budget",
      "cognitiveServicesAccount",
      "contentSafetyAccount",
      "customSubDomain",
      "diagnosticSetting",
      "languageAccount",
      "logAnalyticsWorkspace",
      "managedCluster",
      "networkSecurityGroup",
      "openAiDeployment",
      "privateEndpoint",
      "raiPolicy",
      "redisCluster",
      "resourceGroup",
      "subnet",
      "userAssignedIdentity",
      "virtualNetwork",
    ]);
  });
});

describe("platform tags", () => {
  it("add environment, project and managedBy to the owner's tags, which cannot override them", () => {
    expect(platformTags("prod", { owner: "a@b.c", costCenter: "CC-1", environment: "dev" })).toEqual({
      owner: "a@b.c",
      costCenter: "CC-1",
      environment: "prod",
      project: "genai-platform",
      managedBy: "pulumi",
    });
  });
});

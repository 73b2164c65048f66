import { describe, expect, it } from "vitest";
import {
  BUILT_IN_ROLES,
  ROLE_ASSIGNMENT_NAMESPACE,
  roleAssignmentName,
  roleDefinitionId,
} from "../components/identity";
import { BROAD_ROLES } from "../policies/rules/security/security-rbac-no-broad-roles";

describe("role assignment names: ARM guid(scope, principalId, roleDefinitionId)", () => {
  // Expected values computed independently with Python's uuid.uuid5 over the same string and namespace.
  it.each([
    [
      "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/rg-genai-prod/providers/Microsoft.CognitiveServices/accounts/oai-genai-prod-swc",
      "9a3c1d2e-0b4f-4e5a-8c7d-6e5f4a3b2c1d",
      "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
      "38a8ed17-5d18-50ae-a6c8-482ead4f5319",
    ],
    [
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/amr",
      "11111111-1111-1111-1111-111111111111",
      "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/a97b65f3-24c7-4388-baec-2e87135dc908",
      "f4914732-594f-57b6-a0b3-91ea1df0b3b9",
    ],
    [
      "/subscriptions/00000000-0000-0000-0000-000000000000",
      "22222222-2222-2222-2222-222222222222",
      "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/bba48692-92b0-4667-a9ad-c31c7b334ac2",
      "c17f2c97-d37e-56d7-b576-1f6fa6559350",
    ],
  ])("%s", (scope, principalId, role, expected) => {
    expect(roleAssignmentName(scope, principalId, role)).toBe(expected);
  });

  it("uses the documented namespace and changes with every input", () => {
    expect(ROLE_ASSIGNMENT_NAMESPACE).toBe("11fb06fb-712d-4ddd-98c7-e71bbd588830");
    const base = roleAssignmentName("/s/a", "p", "/r");
    expect(
      new Set([
        base,
        roleAssignmentName("/s/b", "p", "/r"),
        roleAssignmentName("/s/a", "q", "/r"),
        roleAssignmentName("/s/a", "p", "/x"),
      ]).size,
    ).toBe(4);
  });
});

describe("the role catalogue", () => {
  it("holds no role a workload must never get", () => {
    const ids = Object.values(BUILT_IN_ROLES).map((r) => r.id);
    for (const broad of Object.keys(BROAD_ROLES)) expect(ids).not.toContain(broad);
  });
  it("builds full role definition ids", () => {
    expect(roleDefinitionId("sub", "cognitiveServicesOpenAiUser")).toBe(
      "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    );
  });
});

describe("workload identity federation", () => {
  it("creates one federated credential per subject, chained, on the identity", async () => {
    const { runFixtureProgram } = await import("./helpers");
    const run = await runFixtureProgram("federated");
    expect(run.errors).toEqual([]);
    const identity = run.resources.find((r) => r.type === "azure-native:managedidentity:UserAssignedIdentity")!;
    expect(identity.inputs).toMatchObject({ resourceName: "id-genai-dev-vllm", tags: { workload: "vllm" } });
    const credentials = run.resources.filter(
      (r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential",
    );
    expect(credentials.map((c) => c.inputs)).toEqual([
      expect.objectContaining({
        federatedIdentityCredentialResourceName: "vllm-blue",
        resourceName: "id-genai-dev-vllm",
        subject: "system:serviceaccount:models:vllm-blue",
        audiences: ["api://AzureADTokenExchange"],
      }),
      expect.objectContaining({
        federatedIdentityCredentialResourceName: "vllm-green",
        subject: "system:serviceaccount:models:vllm-green",
      }),
    ]);
    expect(credentials[1]!.dependencies).toContain(credentials[0]!.urn);
  });
});

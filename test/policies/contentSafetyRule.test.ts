// ethics-apim-every-route-filtered on a gateway with an Azure OpenAI endpoint and a vLLM one: the
// platform's rendered policy passes, and each way a route can go unfiltered is reported.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { apiPolicy } from "../../components/gateway/apiPolicy";
import { renderPolicy } from "../../components/gateway/policyXml";
import { endpointRoutes } from "../../components/gateway/routes";
import { safetyRoutes, type EndpointSafety } from "../../components/safety/config";
import { runStackRule, UNKNOWN, type FakeResource } from "./harness";

const rule = policies.find((p) => p.name === "ethics-apim-every-route-filtered")!;
const models = {
  chat: { slots: { blue: { weight: 100, targets: [{ kind: "azure-openai" as const }] } } },
  qwen: { slots: { blue: { weight: 100, targets: [{ kind: "vllm" as const }] } } },
};

const policyXml = (options: { qwen?: EndpointSafety; checks?: boolean } = {}) =>
  renderPolicy(
    apiPolicy({
      auth: "entra-id",
      tenantId: "t",
      audiences: ["a"],
      teams: [{ name: "assistant", applicationIds: ["app"], endpoints: ["chat", "qwen"], tokensPerMinute: 1000 }],
      identityClientId: "{{x}}",
      endpoints: endpointRoutes(models),
      retryAfterSeconds: 60,
      ...(options.checks === false
        ? {}
        : {
            contentSafety: {
              backendId: "be-content-safety",
              routes: safetyRoutes({
                accounts: { swc: { contentFilterThreshold: "Medium" } },
                models: {
                  ...models,
                  qwen: { ...models.qwen, ...(options.qwen ? { contentSafety: options.qwen } : {}) },
                },
                gateway: { contentSafety: { azureOpenAi: false } },
              }),
            },
          }),
    }),
  );

const backend = (name: string, props: Record<string, unknown>): FakeResource => ({
  type: TYPES.apimBackend,
  name,
  props: { name, ...props },
});
const contentSafetyBackend = (properties: Record<string, unknown>): FakeResource => ({
  type: "azure-native:resources:Resource",
  name: "gateway-be-content-safety",
  props: {
    resourceProviderNamespace: "Microsoft.ApiManagement",
    parentResourcePath: "service/apim-genai-prod-abcdef",
    resourceType: "backends",
    resourceName: "be-content-safety",
    apiVersion: "2024-06-01-preview",
    properties,
  },
});
const SAFE_BACKEND = {
  url: "https://cs-genai-prod-abcdef.cognitiveservices.azure.com",
  protocol: "http",
  credentials: { managedIdentity: { resource: "https://cognitiveservices.azure.com" } },
};

const stack = (xml: string, safety: FakeResource | null = contentSafetyBackend(SAFE_BACKEND)): FakeResource[] => [
  { type: "azure-native:apimanagement:Api", name: "api", props: { name: "openai", path: "openai" } },
  {
    type: TYPES.apimApiPolicy,
    name: "api-policy",
    props: { format: "rawxml", value: xml },
    dependsOn: { apiId: ["api"] },
  },
  backend("pool-chat-blue", {
    type: "Pool",
    pool: { services: [{ id: "/backends/be-chat-blue-std-swc", priority: 1 }] },
  }),
  backend("be-chat-blue-std-swc", { url: "https://oai-genai-prod-swc.openai.azure.com/openai/deployments/chat-blue" }),
  backend("pool-qwen-blue", {
    type: "Pool",
    pool: { services: [{ id: "/backends/be-qwen-blue-vllm-a100-0", priority: 1 }] },
  }),
  backend("be-qwen-blue-vllm-a100-0", { url: "http://10.40.31.200/v1" }),
  ...(safety ? [safety] : []),
];
const violations = async (resources: FakeResource[]) => (await runStackRule(rule, resources, {})).violations;

describe("ethics-apim-every-route-filtered", () => {
  it("passes the platform's policy: Azure OpenAI routes by their deployments' filter, the vLLM route by the gateway's check", async () => {
    expect(await violations(stack(policyXml()))).toEqual([]);
  });

  it.each<[string, () => FakeResource[], string]>([
    [
      "no content check at all",
      () => stack(policyXml({ checks: false })),
      "API openai: a path to pool-qwen-blue (via ",
    ],
    [
      "a check whose backend the stack does not define",
      () => stack(policyXml(), null),
      'checks content with backend "be-content-safety", which this stack does not define',
    ],
    [
      "a check on a backend that is not Content Safety",
      () => stack(policyXml(), contentSafetyBackend({ ...SAFE_BACKEND, url: "https://example.com" })),
      "whose URL https://example.com is not an Azure AI Content Safety endpoint",
    ],
    [
      "a Content Safety backend without managed-identity credentials",
      () => stack(policyXml(), contentSafetyBackend({ url: SAFE_BACKEND.url, protocol: "http" })),
      "has no managed-identity credentials for https://cognitiveservices.azure.com",
    ],
    [
      "Prompt Shields off",
      () => stack(policyXml({ qwen: { thresholds: {}, shieldPrompt: false, pii: "off" } })),
      "without Prompt Shields (shield-prompt)",
    ],
    [
      "completions unchecked",
      () => stack(policyXml().replace('enforce-on-completions="true"', 'enforce-on-completions="false"')),
      "completions reach the client unchecked",
    ],
    [
      "a category blocking only high severity",
      () =>
        stack(
          policyXml().replace('<category name="Violence" threshold="4"/>', '<category name="Violence" threshold="6"/>'),
        ),
      "blocks Violence only from severity 6",
    ],
    [
      "a category left out",
      () => stack(policyXml().replace('<category name="SelfHarm" threshold="4"/>', "")),
      "checks content without the SelfHarm category",
    ],
    [
      "the check only under @(false)",
      () =>
        stack(
          policyXml().replace(
            /<llm-content-safety [\s\S]*?<\/llm-content-safety>/,
            (m) => `<choose><when condition="@(false)">${m}</when></choose>`,
          ),
        ),
      "reaches a backend that is not Azure OpenAI with no content check",
    ],
  ])("reports %s", async (_what, resources, message) => {
    const found = await violations(resources());
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("leaves the decision to the deploy when the content backend's parent (the service's name) is not known yet", async () => {
    const preview = contentSafetyBackend({ ...SAFE_BACKEND, url: UNKNOWN });
    const outcome = await runStackRule(
      rule,
      stack(policyXml(), { ...preview, props: { ...preview.props, parentResourcePath: UNKNOWN } }),
      {},
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknown).toBeDefined();
  });

  it("leaves the decision to the deployment when the content backend's URL is not known yet (a preview)", async () => {
    const outcome = await runStackRule(
      rule,
      stack(policyXml(), contentSafetyBackend({ ...SAFE_BACKEND, url: UNKNOWN })),
      {},
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknown).toBeDefined();
  });
});

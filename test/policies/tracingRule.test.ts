// observability-apim-traced: the gateway's Application Insights diagnostic correlates by W3C trace context,
// keeps a share above 0 of the traces and every failed call; what is missing is reported.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { runStackRule, UNKNOWN, type FakeResource } from "./harness";

const rule = policies.find((p) => p.name === "observability-apim-traced")!;
const service: FakeResource = { type: TYPES.apiManagementService, name: "gateway-service", props: { name: "apim-x" } };
const diagnostic = (props: Record<string, unknown> = {}): FakeResource => ({
  type: TYPES.apimDiagnostic,
  name: "gateway-diagnostic",
  props: {
    name: "applicationinsights",
    loggerId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/apim-x/loggers/appinsights",
    httpCorrelationProtocol: "W3C",
    alwaysLog: "allErrors",
    sampling: { samplingType: "fixed", percentage: 25 },
    ...props,
  },
});
const outcome = (resources: FakeResource[]) => runStackRule(rule, resources);

describe("observability-apim-traced", () => {
  it("passes W3C correlation with a share of traces kept and every failed call", async () => {
    expect((await outcome([service, diagnostic()])).violations).toEqual([]);
  });
  it("reports no W3C correlation, no traces kept, and failed calls sampled like the rest", async () => {
    expect((await outcome([service, diagnostic({ httpCorrelationProtocol: "Legacy" })])).violations).toEqual([
      "gateway-service: no Application Insights diagnostic correlates by W3C trace context: a request cannot be followed to its backend",
    ]);
    expect(
      (
        await outcome([
          service,
          diagnostic({ sampling: { samplingType: "fixed", percentage: 0 }, alwaysLog: undefined }),
        ])
      ).violations,
    ).toEqual([
      "gateway-service: traces are sampled at 0%: none is kept",
      "gateway-service: failed and throttled calls are sampled like the rest (alwaysLog is not allErrors)",
    ]);
    expect((await outcome([service])).violations).toHaveLength(1);
    expect((await outcome([service, diagnostic({ verbosity: "error" })])).violations).toEqual([
      "gateway-service: verbosity error keeps only failed calls' traces, whatever the sampling",
    ]);
  });
  it("leaves a preview that does not know the diagnostic's id undecided", async () => {
    const result = await outcome([service, diagnostic({ name: UNKNOWN })]);
    expect(result.violations).toEqual([]);
    expect(result.unknown).toContain("preview");
  });
});

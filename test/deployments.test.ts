import { describe, expect, it } from "vitest";
import { contentFilters } from "../components/openai/contentFilter";
import { planAccountDeployments, type DeploymentSpec } from "../components/openai/deployments";
import { networkAcls } from "../components/openai/networkAcls";
import { quotaLedger, type LocatedDeployment } from "../components/openai/quota";

function spec(overrides: Partial<DeploymentSpec>): DeploymentSpec {
  return {
    endpoint: "chat",
    slot: "blue",
    account: "swc",
    model: "gpt-4o",
    version: "2024-11-20",
    deploymentType: "GlobalStandard",
    capacity: 100_000,
    priority: 2,
    path: "p",
    ...overrides,
  };
}

describe("spillover and chain order", () => {
  it("spills a Global PTU deployment to the same account's GlobalStandard deployment of the same model and version", () => {
    const planned = planAccountDeployments([
      spec({ deploymentType: "GlobalProvisionedManaged", capacity: 15, priority: 1 }),
      spec({}),
    ]);
    expect(planned.map((d) => d.name)).toEqual(["chat-blue-gpt-4o-gstd", "chat-blue-gpt-4o-gptu"]);
    expect(planned[1]).toMatchObject({
      spilloverTo: "chat-blue-gpt-4o-gstd",
      spilloverNote: "spillover -> chat-blue-gpt-4o-gstd",
      skuCapacity: 15,
    });
    expect(planned[0]).toMatchObject({ skuCapacity: 100, ptu: false });
  });

  it("spills DataZone PTU only to DataZoneStandard", () => {
    const planned = planAccountDeployments([
      spec({ deploymentType: "DataZoneProvisionedManaged", capacity: 15 }),
      spec({}),
      spec({ deploymentType: "DataZoneStandard" }),
    ]);
    expect(planned.find((d) => d.ptu)?.spilloverTo).toBe("chat-blue-gpt-4o-dzstd");
  });

  it.each([
    [
      "regional PTU",
      [spec({ deploymentType: "ProvisionedManaged", capacity: 50 }), spec({ deploymentType: "Standard" })],
      "no spillover: regional ProvisionedManaged cannot spill over; overflow goes to the slot's next gateway pool priority",
    ],
    [
      "another model version",
      [spec({ deploymentType: "GlobalProvisionedManaged", capacity: 15 }), spec({ version: "2024-08-06" })],
      "no spillover: no GlobalStandard target of gpt-4o 2024-11-20 on account swc in chat/blue; overflow goes to the slot's next gateway pool priority",
    ],
    [
      "another slot",
      [spec({ deploymentType: "GlobalProvisionedManaged", capacity: 15 }), spec({ slot: "green" })],
      "no spillover: no GlobalStandard target of gpt-4o 2024-11-20 on account swc in chat/blue; the slot has no other target, so 429s reach the client",
    ],
  ] as const)("gives the reason when there is none: %s", (_case, specs, note) => {
    const ptu = planAccountDeployments(specs).find((d) => d.ptu)!;
    expect(ptu.spilloverTo).toBeUndefined();
    expect(ptu.spilloverNote).toBe(note);
  });
});

describe("quota ledger", () => {
  const located = (overrides: Partial<DeploymentSpec>, region = "swedencentral"): LocatedDeployment => ({
    ...planAccountDeployments([spec(overrides)])[0]!,
    region,
  });

  it("sums PAYGO per region, model and type, and PTU per region and type across models", () => {
    const { rows, problems } = quotaLedger(
      [
        located({}),
        located({ endpoint: "other" }),
        located({ deploymentType: "GlobalProvisionedManaged", capacity: 15 }),
        located({ model: "o3", deploymentType: "GlobalProvisionedManaged", capacity: 20 }),
      ],
      [
        {
          region: "swedencentral",
          model: "gpt-4o",
          deploymentType: "GlobalStandard",
          limit: 250_000,
          usedElsewhere: 40_000,
        },
        { region: "swedencentral", deploymentType: "GlobalProvisionedManaged", limit: 100, usedElsewhere: 0 },
      ],
    );
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.model, r.deploymentType, r.planned, r.headroom])).toEqual([
      ["*", "GlobalProvisionedManaged", 35, 65],
      ["gpt-4o", "GlobalStandard", 200_000, 10_000],
    ]);
  });

  it("is fine exactly at the limit and over by one names every contributor", () => {
    const quota = [
      {
        region: "swedencentral",
        model: "gpt-4o",
        deploymentType: "GlobalStandard" as const,
        limit: 200_000,
        usedElsewhere: 0,
      },
    ];
    expect(quotaLedger([located({}), located({ endpoint: "b" })], quota).problems).toEqual([]);
    const over = quotaLedger([located({}), located({ endpoint: "b", capacity: 101_000 })], quota).problems;
    expect(over).toHaveLength(1);
    expect(over[0]!.message).toContain("over quota by 1,000 TPM");
    expect(over[0]!.message).toContain(
      "chat-blue-gpt-4o-gstd on swc (p) 100,000 TPM; b-blue-gpt-4o-gstd on swc (p) 101,000 TPM",
    );
  });

  it("keeps regions apart", () => {
    const quota = [
      {
        region: "swedencentral",
        model: "gpt-4o",
        deploymentType: "GlobalStandard" as const,
        limit: 100_000,
        usedElsewhere: 0,
      },
    ];
    expect(quotaLedger([located({}, "eastus2")], quota).problems[0]!.message).toMatch(
      /^no quota declared for gpt-4o GlobalStandard in eastus2/,
    );
  });
});

describe("account network rules", () => {
  it("deny by default; allow only when public access is opened to every address", () => {
    expect(networkAcls("Disabled", [])).toEqual({ defaultAction: "Deny", ipRules: [] });
    expect(networkAcls("Enabled", ["203.0.113.0/24"])).toEqual({
      defaultAction: "Deny",
      ipRules: [{ value: "203.0.113.0/24" }],
    });
    expect(networkAcls("Enabled", [])).toEqual({ defaultAction: "Allow", ipRules: [] });
  });
});

describe("content filters", () => {
  it("puts the four harms on both sources at the threshold asked for", () => {
    for (const threshold of ["Low", "Medium"] as const) {
      const harms = contentFilters(threshold).filter((f) => f.severityThreshold !== undefined);
      expect(harms.map((f) => `${f.name}/${f.source}/${f.severityThreshold}`).sort()).toEqual(
        ["Hate", "Selfharm", "Sexual", "Violence"].flatMap((h) => [
          `${h}/Completion/${threshold}`,
          `${h}/Prompt/${threshold}`,
        ]),
      );
    }
    expect(
      contentFilters("Medium")
        .filter((f) => f.severityThreshold === undefined)
        .map((f) => f.name),
    ).toEqual(["Jailbreak", "Protected Material Text", "Protected Material Code"]);
  });
});

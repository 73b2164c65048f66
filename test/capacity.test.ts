import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_PTU_PER_DEPLOYMENT, PTU_DEPLOYMENT_TYPES, PTU_MODELS } from "../components/openai/models";
import {
  nearestValidPtu,
  paygoCapacityProblem,
  paygoCapacityUnits,
  ptuCapacityProblem,
  ptuIncrement,
  sizePtu,
} from "../components/openai/capacity";

describe("PTU minimum and step", () => {
  it("gives the example message with the two nearest valid sizes", () => {
    expect(ptuCapacityProblem("gpt-4o", "GlobalProvisionedManaged", 42)).toBe(
      "42 PTU is not valid for gpt-4o GlobalProvisionedManaged (minimum 15, step 5): use 40 or 45",
    );
  });

  const cases = Object.keys(PTU_MODELS).flatMap((model) => PTU_DEPLOYMENT_TYPES.map((type) => [model, type] as const));
  it.each(cases)("%s %s: minimum and each step are valid, in between and below are not", (model, type) => {
    const { minimum, step } = ptuIncrement(model, type)!;
    expect(ptuCapacityProblem(model, type, minimum)).toBeUndefined();
    expect(ptuCapacityProblem(model, type, minimum + step)).toBeUndefined();
    expect(ptuCapacityProblem(model, type, minimum + 3 * step)).toBeUndefined();
    expect(ptuCapacityProblem(model, type, minimum - 1)).toBe(
      `${minimum - 1} PTU is not valid for ${model} ${type} (minimum ${minimum}, step ${step}): use ${minimum}`,
    );
    if (step > 1) expect(ptuCapacityProblem(model, type, minimum + 1)).toContain(`use ${minimum} or ${minimum + step}`);
  });

  it("uses the regional figures for ProvisionedManaged", () => {
    expect(ptuIncrement("gpt-4o", "ProvisionedManaged")).toEqual({ minimum: 50, step: 50 });
    expect(ptuIncrement("gpt-4o", "DataZoneProvisionedManaged")).toEqual({ minimum: 15, step: 5 });
    expect(ptuCapacityProblem("gpt-4o", "ProvisionedManaged", 75)).toContain("use 50 or 100");
  });

  it("refuses models without PTU figures, fractions and sizes over the maximum", () => {
    expect(ptuCapacityProblem("text-embedding-3-large", "GlobalProvisionedManaged", 15)).toMatch(/has no PTU figures/);
    expect(ptuCapacityProblem("gpt-4o", "GlobalProvisionedManaged", 15.5)).toMatch(/whole number/);
    expect(ptuCapacityProblem("gpt-4o", "GlobalProvisionedManaged", MAX_PTU_PER_DEPLOYMENT + 5)).toMatch(
      /over Azure.s maximum of 100,000 PTU per deployment/,
    );
  });

  it("suggests only valid sizes (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.integer({ min: 1, max: 5_000 }), ([model, type], capacity) => {
        for (const suggestion of nearestValidPtu(capacity, ptuIncrement(model, type)!)) {
          expect(ptuCapacityProblem(model, type, suggestion)).toBeUndefined();
        }
      }),
    );
  });
});

describe("PTU sizing (Microsoft's formula)", () => {
  it.each([
    // model, input TPM, output TPM, cache hit, normalized TPM, raw PTU, required PTU
    ["gpt-4o", 90_000, 6_000, 0.2, 96_000, 39, 40],
    ["gpt-4o", 10_000, 500, 0, 12_000, 5, 15], // raised to the minimum
    ["gpt-4o", 100_000, 0, 0, 100_000, 40, 40], // exactly on a step
    ["gpt-4o", 100_001, 0, 0, 100_001, 41, 45], // one token over rounds up to the next step
    ["gpt-5", 47_500, 5_937.5, 0, 95_000, 20, 20], // output weight 8
    ["gpt-4.1-nano", 594_000, 0, 0.5, 297_000, 5, 15],
  ] as const)(
    "%s: %d in, %d out, hit %d -> %d normalized, %d raw, %d required",
    (model, input, output, hit, normalized, raw, required) => {
      expect(
        sizePtu(model, "GlobalProvisionedManaged", { peakInputTpm: input, peakOutputTpm: output, cacheHitRate: hit }),
      ).toEqual({
        normalizedTpm: normalized,
        rawPtu: raw,
        requiredPtu: required,
      });
    },
  );

  it("rounds regional sizing to the regional step", () => {
    expect(
      sizePtu("gpt-4o", "ProvisionedManaged", { peakInputTpm: 130_000, peakOutputTpm: 0, cacheHitRate: 0 })
        ?.requiredPtu,
    ).toBe(100);
  });

  it("never sizes below the minimum or off the step (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(PTU_MODELS)),
        fc.constantFrom(...PTU_DEPLOYMENT_TYPES),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (model, type, input, output, hit) => {
          const sizing = sizePtu(model, type, { peakInputTpm: input, peakOutputTpm: output, cacheHitRate: hit })!;
          expect(ptuCapacityProblem(model, type, sizing.requiredPtu) ?? "").not.toMatch(/not valid/);
          expect(sizing.requiredPtu * PTU_MODELS[model]!.inputTpmPerPtu).toBeGreaterThanOrEqual(
            sizing.normalizedTpm - 1e-6,
          );
        },
      ),
    );
  });
});

describe("pay-as-you-go capacity", () => {
  it("accepts multiples of 1,000 TPM and converts them to capacity units", () => {
    expect(paygoCapacityProblem(50_000)).toBeUndefined();
    expect(paygoCapacityUnits(50_000)).toBe(50);
  });
  it("refuses other values and names the nearest valid ones", () => {
    expect(paygoCapacityProblem(50_500)).toBe(
      "50,500 TPM is not valid for a pay-as-you-go deployment (a positive multiple of 1,000 TPM): use 50,000 or 51,000",
    );
    expect(paygoCapacityProblem(500)).toContain("use 1,000");
  });
});

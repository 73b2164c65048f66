// The weighted slot draw the simulator uses, shared with the expression the gateway renders
// (components/gateway/apiPolicy.ts slotThresholds, drawnSlot, slotDraw).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drawnSlot, slotDraw, slotThresholds } from "../components/gateway/apiPolicy";
import { COLOURS } from "../components/core/colours";

describe("the weighted slot draw", () => {
  it("over the gateway's 100 draws, gives each live slot exactly its weight, and a slot at 0 none", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (blue) => {
        const slots = [
          { slot: COLOURS[0], weight: blue },
          { slot: COLOURS[1], weight: 100 - blue },
        ];
        const thresholds = slotThresholds(slots);
        const picks = new Map<string, number>();
        for (let draw = 0; draw < 100; draw++) {
          const slot = drawnSlot(thresholds, draw);
          picks.set(slot, (picks.get(slot) ?? 0) + 1);
        }
        for (const s of slots) expect(picks.get(s.slot) ?? 0).toBe(s.weight);
      }),
    );
  });

  it("is what the rendered expression says: the same thresholds, in the same order", () => {
    const slots = [
      { slot: COLOURS[0], weight: 25 },
      { slot: COLOURS[1], weight: 75 },
    ];
    expect(slotThresholds(slots)).toEqual([
      { slot: COLOURS[0], below: 25 },
      { slot: COLOURS[1], below: 100 },
    ]);
    expect(slotDraw(slots)).toBe(`@((int)context.Variables["draw"] < 25 ? "${COLOURS[0]}" : "${COLOURS[1]}")`);
    expect(() => slotThresholds([{ slot: COLOURS[0], weight: 0 }])).toThrow("weight above 0");
  });
});

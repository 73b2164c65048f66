import type { EndpointRoute } from "./apiPolicy";
import { COLOURS, type Colour } from "../core/colours";

/** What routing needs of the config's model endpoints: each slot's weight and how many targets it has. */
export interface EndpointSlots {
  readonly slots: Partial<
    Record<
      Colour,
      {
        readonly weight: number;
        readonly targets: readonly {
          readonly kind: "azure-openai" | "vllm";
          readonly adapters?: readonly { readonly name: string }[];
        }[];
      }
    >
  >;
}

/** The backend id of a slot's pool: one pool per endpoint and slot (a pool never mixes slots). */
export function poolId(endpoint: string, slot: Colour): string {
  return `pool-${endpoint}-${slot}`;
}

/** The routes the gateway's API policy draws from, in the config's endpoint order. */
export function endpointRoutes(models: Readonly<Record<string, EndpointSlots>>): EndpointRoute[] {
  return Object.entries(models).map(([endpoint, e]) => ({
    endpoint,
    ...adapterRoutes(e),
    slots: COLOURS.flatMap((slot) => {
      const s = e.slots[slot];
      return s
        ? [
            {
              slot,
              weight: s.weight,
              poolId: poolId(endpoint, slot),
              members: s.targets.length,
              kind: s.targets[0]?.kind ?? "azure-openai",
            },
          ]
        : [];
    }),
  }));
}

/** The LoRA adapters an endpoint's vLLM slots serve, each with the slots that serve it (a slot's targets serve the same ones). */
function adapterRoutes(e: EndpointSlots): { adapters?: EndpointRoute["adapters"] } {
  const slots = new Map<string, Colour[]>();
  for (const slot of COLOURS)
    for (const name of new Set((e.slots[slot]?.targets ?? []).flatMap((t) => (t.adapters ?? []).map((a) => a.name))))
      slots.set(name, [...(slots.get(name) ?? []), slot]);
  return slots.size > 0 ? { adapters: [...slots].map(([name, served]) => ({ name, slots: served })) } : {};
}

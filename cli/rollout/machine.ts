import { COLOURS, type Colour } from "../../components/core/colours";
import { isPtuType, type DeploymentType } from "../../components/openai/models";
// The blue-green rollout of one model endpoint as a state machine over its slots: pure functions from
// the endpoint's raw stack-file value and a command to the next value, or every reason it is refused.
//
//   one colour live ──start──▶ both colours, the new one at 0, `rollout: {to: new}`
//        ▲                          │ shift W (new W, old 100-W) · promote (new 100) · rollback (old 100)
//        └──────────finish──────────┘ (removes the colour at 0 once the other has 100, or keeps it idle)

export const other = (c: Colour): Colour => (c === "blue" ? "green" : "blue");

/** A target as the stack file writes it (validated later, with the whole config). */
export type RawTarget = Record<string, unknown> & { kind: string };
export interface RawSlot {
  weight: number;
  targets: RawTarget[];
  [key: string]: unknown;
}
/** A capacity cut a rollout step made with `--accept-capacity-drop`: when, which step, the numbers. */
export interface AcceptedCapacityDrop {
  on: string;
  step: string;
  change: string;
}
export interface RawEndpoint {
  slots: Partial<Record<Colour, RawSlot>>;
  rollout?: { to: Colour; acceptedCapacityDrop?: AcceptedCapacityDrop };
  [key: string]: unknown;
}

export type Command =
  | { readonly kind: "start"; readonly targets?: readonly RawTarget[] }
  | { readonly kind: "shift"; readonly weight: number }
  | { readonly kind: "promote" }
  | { readonly kind: "rollback" }
  | { readonly kind: "finish"; readonly keepIdle?: boolean };

/** What a state export proves about a colour: its resources exist and report healthy, or why not. */
export type Proof = { readonly healthy: true } | { readonly healthy: false; readonly why: string };

export interface Context {
  readonly environment: "dev" | "prod";
  /** The largest weight change of one step in prod. */
  readonly maxStep: number;
  /** Proof per colour from `--state`; undefined when no state export was given. */
  readonly proof?: (colour: Colour) => Proof;
}

export type Outcome =
  | { readonly ok: true; readonly endpoint: RawEndpoint; readonly summary: string }
  | { readonly ok: false; readonly reasons: readonly string[] };

/** The colours of an endpoint: which one is live (or moving from) and which is new. */
export function colours(e: RawEndpoint): { present: Colour[]; from?: Colour; to?: Colour } {
  const present = COLOURS.filter((c) => e.slots[c] !== undefined);
  if (e.rollout) return { present, from: other(e.rollout.to), to: e.rollout.to };
  return { present };
}

const refuse = (...reasons: string[]): Outcome => ({ ok: false, reasons });
const withWeights = (e: RawEndpoint, weights: Partial<Record<Colour, number>>): RawEndpoint => ({
  ...e,
  slots: Object.fromEntries(
    COLOURS.filter((c) => e.slots[c]).map((c) => [c, { ...e.slots[c]!, weight: weights[c] ?? e.slots[c]!.weight }]),
  ),
});

/** Moving weight onto `colour` needs proof it is deployed and healthy; prod needs the proof itself. */
function proofProblems(colour: Colour, weight: number, ctx: Context): string[] {
  if (weight === 0) return [];
  if (!ctx.proof)
    return ctx.environment === "prod"
      ? [
          `prod moves weight onto ${colour} only with proof it is deployed and healthy: pass --state <pulumi stack export>`,
        ]
      : [];
  const proof = ctx.proof(colour);
  return proof.healthy ? [] : [`${colour} is not proven deployed and healthy by the state export: ${proof.why}`];
}

/** One step of a rollout, or every reason it is refused. */
export function transition(name: string, e: RawEndpoint, command: Command, ctx: Context): Outcome {
  const { present, from, to } = colours(e);
  switch (command.kind) {
    case "start": {
      if (from && to)
        return refuse(
          `${name}: a rollout to ${to} is already in progress: shift, promote, rollback or finish it first`,
        );
      if (present.length === 2) {
        // Both colours, no rollout: adopt the colour staged at 0 (if any) as the new one.
        const staged = present.find((c) => e.slots[c]!.weight === 0);
        if (!staged)
          return refuse(
            `${name}: both colours take traffic and no rollout is recorded: set one colour's weight to 100 first`,
          );
        // A colour idle at 0 serves nothing: new targets take its place (its servers are replaced).
        if (command.targets && command.targets.length > 0)
          return {
            ok: true,
            endpoint: {
              ...e,
              slots: { ...e.slots, [staged]: { weight: 0, targets: [...command.targets] } },
              rollout: { to: staged },
            },
            summary: `${name}: ${staged} (idle at weight 0) replaced by the new targets beside ${other(staged)} (100)`,
          };
        return {
          ok: true,
          endpoint: { ...e, rollout: { to: staged } },
          summary: `${name}: rollout to ${staged} (already staged at weight 0) recorded`,
        };
      }
      const live = present[0]!;
      if (!command.targets || command.targets.length === 0)
        return refuse(`${name}: start needs the new colour's targets (--model and --version, or a vLLM target)`);
      const next = other(live);
      return {
        ok: true,
        endpoint: {
          ...e,
          slots: { ...e.slots, [next]: { weight: 0, targets: [...command.targets] } },
          rollout: { to: next },
        },
        summary: `${name}: ${next} added at weight 0 beside ${live} (100)`,
      };
    }
    case "shift":
    case "promote": {
      if (!from || !to) return refuse(`${name}: no rollout in progress: start one first`);
      const weight = command.kind === "promote" ? 100 : command.weight;
      if (!Number.isInteger(weight) || weight < 0 || weight > 100)
        return refuse(`${name}: --weight ${weight} is not a whole number from 0 to 100`);
      const current = e.slots[to]!.weight;
      const reasons = [
        ...proofProblems(to, weight, ctx),
        ...(ctx.environment === "prod" && Math.abs(weight - current) > ctx.maxStep
          ? [
              `${name}: prod moves at most ${ctx.maxStep} points of weight per step (rolloutMaxStep); ${to} is at ${current}, asked for ${weight}: shift to ${current + Math.sign(weight - current) * ctx.maxStep} first`,
            ]
          : []),
      ];
      if (reasons.length > 0) return refuse(...reasons);
      return {
        ok: true,
        endpoint: withWeights(e, { [to]: weight, [from]: 100 - weight }),
        summary: `${name}: ${to} ${current} -> ${weight}, ${from} ${100 - current} -> ${100 - weight}`,
      };
    }
    case "rollback": {
      if (!from || !to) return refuse(`${name}: no rollout in progress: nothing to roll back`);
      // Back to the colour that served before: no step limit, no proof beyond its having served.
      return {
        ok: true,
        endpoint: withWeights(e, { [from]: 100, [to]: 0 }),
        summary: `${name}: rolled back: ${from} 100, ${to} 0`,
      };
    }
    case "finish": {
      if (!from || !to) return refuse(`${name}: no rollout in progress: nothing to finish`);
      const idle = COLOURS.find((c) => e.slots[c]!.weight === 0);
      if (!idle || e.slots[other(idle)]!.weight !== 100) {
        return refuse(
          `${name}: finish removes the colour at weight 0 once the other has 100; now ${from} ${e.slots[from]!.weight}, ${to} ${e.slots[to]!.weight}: promote or roll back first`,
        );
      }
      const billed = e.slots[idle]!.targets.filter(
        (t) => t.kind === "azure-openai" && isPtuType(t.deploymentType as DeploymentType),
      );
      if (command.keepIdle && billed.length > 0)
        return refuse(
          `${name}: --keep-idle keeps ${idle}'s PTU deployments (${billed.map((t) => String(t.deploymentType)).join(", ")}), billed by the hour at weight 0: finish without it`,
        );
      const { [idle]: _removed, ...slots } = e.slots;
      const { rollout: _done, ...rest } = e;
      const serving = other(idle);
      // Kept, the colour at 0 is idle (no rollout names it): it runs no servers and costs only its caches.
      const after = command.keepIdle ? `${idle} kept idle at weight 0` : `${idle} removed`;
      return {
        ok: true,
        endpoint: { ...rest, slots: command.keepIdle ? e.slots : slots },
        summary:
          idle === from
            ? `${name}: finished: ${serving} serves alone, ${after}`
            : `${name}: abandoned: ${serving} serves alone, ${after}`,
      };
    }
  }
}

/** The next safe step of an endpoint, for `status`. */
export function nextStep(e: RawEndpoint, maxStep: number): string {
  const { present, from, to } = colours(e);
  if (!from || !to) {
    if (present.length === 2)
      return present.some((c) => e.slots[c]!.weight === 0)
        ? "start (adopts the colour staged at 0)"
        : "set one colour to 100";
    return `start --model M --version V (adds ${other(present[0]!)} at 0)`;
  }
  const weight = e.slots[to]!.weight;
  if (weight === 100) return `finish (removes ${from})`;
  if (weight === 0 && e.slots[from]!.weight === 100)
    return `shift --weight ${Math.min(100, maxStep)} (with --state), or finish to abandon ${to}`;
  return `shift --weight ${Math.min(100, weight + maxStep)} or promote (with --state); rollback at any time`;
}

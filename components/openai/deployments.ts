import { paygoCapacityUnits } from "./capacity";
import { DEPLOYMENT_TYPE_ABBREVIATION, SPILLOVER_TARGET_TYPE, isPtuType, type DeploymentType } from "./models";
import { type Colour } from "../core/colours";

/** A slot of an endpoint (blue or green). */
export type SlotName = Colour;

/** One Azure OpenAI deployment the config asks for: a target of an endpoint's slot, flattened. */
export interface DeploymentSpec {
  /** The model endpoint clients call (`chat`, `embeddings`). */
  readonly endpoint: string;
  readonly slot: SlotName;
  /** Key of the account in the config's `accounts`. */
  readonly account: string;
  readonly model: string;
  /** Pinned model version. */
  readonly version: string;
  readonly deploymentType: DeploymentType;
  /** PTUs for provisioned types, tokens per minute for pay-as-you-go types. */
  readonly capacity: number;
  /** Gateway pool priority (1 = first). */
  readonly priority: number;
  /** The config key path this target came from, for messages. */
  readonly path: string;
}

export interface PlannedDeployment extends DeploymentSpec {
  /** The Azure deployment name (unique within the account). */
  readonly name: string;
  readonly ptu: boolean;
  /** `sku.capacity`: PTUs, or TPM / 1,000 for pay-as-you-go. */
  readonly skuCapacity: number;
  /** Name of the PAYGO deployment this PTU deployment spills over to. */
  readonly spilloverTo?: string;
  /** For PTU deployments: `spillover -> <name>` or why there is none. */
  readonly spilloverNote?: string;
}

/** Tags each deployment carries besides the platform's: what it serves, for cost reports and the policy pack. */
export function deploymentTags(
  d: Pick<PlannedDeployment, "endpoint" | "slot" | "name" | "model" | "version">,
): Record<string, string> {
  return {
    endpoint: d.endpoint,
    slot: d.slot,
    deployment: d.name,
    model: d.model,
    modelVersion: d.version,
    modelSource: "azure-openai",
  };
}

/** The names of those tags (a stack's own tags may not use them). */
export const DEPLOYMENT_TAG_NAMES: readonly string[] = Object.keys(
  deploymentTags({ endpoint: "", slot: "blue", name: "", model: "", version: "" }),
);

/** The deployment name: `<endpoint>-<slot>-<model>-<type>`, e.g. `chat-blue-gpt-4o-gstd`. */
export function deploymentName(spec: Pick<DeploymentSpec, "endpoint" | "slot" | "model" | "deploymentType">): string {
  return `${spec.endpoint}-${spec.slot}-${spec.model}-${DEPLOYMENT_TYPE_ABBREVIATION[spec.deploymentType]}`;
}

function spilloverPartner(ptu: DeploymentSpec, all: readonly DeploymentSpec[]): DeploymentSpec | undefined {
  const wanted = isPtuType(ptu.deploymentType) ? SPILLOVER_TARGET_TYPE[ptu.deploymentType] : undefined;
  return all.find(
    (other) =>
      other.deploymentType === wanted &&
      other.endpoint === ptu.endpoint &&
      other.slot === ptu.slot &&
      other.account === ptu.account &&
      other.model === ptu.model &&
      other.version === ptu.version,
  );
}

function noSpilloverReason(ptu: DeploymentSpec, all: readonly DeploymentSpec[]): string {
  const others = all.filter((o) => o !== ptu && o.endpoint === ptu.endpoint && o.slot === ptu.slot);
  const fallback =
    others.length > 0
      ? "overflow goes to the slot's next gateway pool priority"
      : "the slot has no other target, so 429s reach the client";
  const wanted = isPtuType(ptu.deploymentType) ? SPILLOVER_TARGET_TYPE[ptu.deploymentType] : undefined;
  if (!wanted) return `no spillover: regional ProvisionedManaged cannot spill over; ${fallback}`;
  return `no spillover: no ${wanted} target of ${ptu.model} ${ptu.version} on account ${ptu.account} in ${ptu.endpoint}/${ptu.slot}; ${fallback}`;
}

/**
 * Orders one account's deployments for its `dependsOn` chain (pay-as-you-go first, so a spillover
 * target exists before the PTU deployment that names it) and decides spillover for each PTU one.
 */
export function planAccountDeployments(specs: readonly DeploymentSpec[]): PlannedDeployment[] {
  const paygo = specs.filter((s) => !isPtuType(s.deploymentType));
  const ptu = specs.filter((s) => isPtuType(s.deploymentType));
  const planned: PlannedDeployment[] = paygo.map((s) => ({
    ...s,
    name: deploymentName(s),
    ptu: false,
    skuCapacity: paygoCapacityUnits(s.capacity),
  }));
  for (const s of ptu) {
    const partner = spilloverPartner(s, specs);
    const spilloverTo = partner ? deploymentName(partner) : undefined;
    planned.push({
      ...s,
      name: deploymentName(s),
      ptu: true,
      skuCapacity: s.capacity,
      ...(spilloverTo ? { spilloverTo } : {}),
      spilloverNote: spilloverTo ? `spillover -> ${spilloverTo}` : noSpilloverReason(s, specs),
    });
  }
  return planned;
}

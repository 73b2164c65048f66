// The plan as a PR comment: what changes against a base (stateful replacements and deletions first and
// loud), resources by component, capacity and quota, monthly cost, rollout state, policy results and a
// Mermaid diagram of endpoints -> slots -> pools -> targets. Tables through markdown-table.
import { markdownTable } from "markdown-table";
import { structuredPatch } from "diff";
import { stringify } from "yaml";
import { costCell, type PlanReport } from "./report";
import type { PlatformConfig } from "../../stacks/config";
import type { ReferenceSimulation } from "../simulate/reference";
import { nextStep, type RawEndpoint } from "../rollout/machine";
import { COLOURS } from "../../components/core/colours";
import { compareCodePoints } from "../../components/core/order";
import { SECRET_PLACEHOLDER, SIG_KEY } from "../../components/core/secrets";
import { own } from "../../components/core/own";

export interface ExportedResourceLike {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly custom?: boolean;
  readonly protect?: boolean;
  readonly inputs?: Record<string, unknown>;
}

/**
 * The resources of a `pulumi stack export` offered as the base of a comparison, or why it is none: each
 * must carry what the comparison reads (a string urn and type; an id, if any, a string; inputs, if any,
 * an object), so a damaged file is refused by name and index instead of failing half-way.
 */
export function exportedResourcesOf(value: unknown): readonly ExportedResourceLike[] | string {
  const resources = (value as { deployment?: { resources?: unknown } } | null)?.deployment?.resources;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return "not a pulumi stack export (not a JSON object)";
  if (!Array.isArray(resources)) return "not a pulumi stack export (no deployment.resources)";
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  const bad = resources.findIndex(
    (r: unknown) =>
      !isObject(r) ||
      typeof (r as ExportedResourceLike).urn !== "string" ||
      typeof (r as ExportedResourceLike).type !== "string" ||
      ((r as ExportedResourceLike).id !== undefined && typeof (r as ExportedResourceLike).id !== "string") ||
      ((r as ExportedResourceLike).inputs !== undefined && !isObject((r as ExportedResourceLike).inputs)),
  );
  if (bad >= 0) return `not a pulumi stack export (deployment.resources[${bad}] is no resource with a urn and a type)`;
  return resources as ExportedResourceLike[];
}

export type ChangeAction = "create" | "update" | "replace" | "delete";
export interface Change {
  readonly action: ChangeAction;
  readonly name: string;
  readonly type: string;
  readonly stateful: boolean;
  /** Protected in the base: `pulumi up` refuses to delete or replace it until a reviewed change unprotects it. */
  readonly protected: boolean;
  /** Top-level inputs that differ (update, replace). */
  readonly properties: readonly string[];
  /** A unified diff of what a reviewer reads (a gateway policy document's XML, a Kubernetes manifest as YAML), for updates and replacements. */
  readonly patch?: string;
  /** What a model deployment or a GPU server set serves, before and after (absent where it does not exist). */
  readonly capacity?: { readonly before?: number; readonly after?: number; readonly unit: string };
}

/** The most lines of one resource's diff a summary shows. */
const MAX_PATCH_LINES = 120;

/** The text a reviewer compares for a resource: a policy document's XML, a manifest as YAML; undefined for others. */
function reviewText(r: ExportedResourceLike): string | undefined {
  const inputs = (r.inputs ?? {}) as Record<string, unknown>;
  if (
    r.type.startsWith("azure-native:apimanagement:") &&
    typeof inputs.value === "string" &&
    inputs.value.includes("<")
  )
    return `${inputs.value.trimEnd()}\n`;
  if (r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
    return stringify(JSON.parse(comparableValue(inputs)), { lineWidth: 0, sortMapEntries: true });
  return undefined;
}

/** The unified diff of `before` and `after`, cut to MAX_PATCH_LINES; undefined when they are the same. */
export function reviewPatch(name: string, before: string, after: string): string | undefined {
  if (before === after) return undefined;
  const { hunks } = structuredPatch(name, name, before, after, "", "", { context: 2 });
  const lines = hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return lines.length > MAX_PATCH_LINES
    ? [...lines.slice(0, MAX_PATCH_LINES), `... ${lines.length - MAX_PATCH_LINES} more lines`].join("\n")
    : lines.join("\n");
}

/** What a resource serves, for the capacity caution: a deployment's PTUs or thousands of TPM, a model server set's GPUs. */
export function servingCapacity(r: ExportedResourceLike): { amount: number; unit: string } | undefined {
  const inputs = (r.inputs ?? {}) as Record<string, any>;
  if (r.type === "azure-native:cognitiveservices:Deployment" && typeof inputs.sku?.capacity === "number")
    return { amount: inputs.sku.capacity, unit: String(inputs.sku.name).includes("Provisioned") ? "PTU" : "K TPM" };
  if (r.type === "kubernetes:apps/v1:StatefulSet") {
    const containers: any[] = inputs.spec?.template?.spec?.containers ?? [];
    const gpus = containers.reduce((sum, c) => sum + Number(c?.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
    if (gpus > 0) return { amount: Number(inputs.spec?.replicas ?? 0) * gpus, unit: "GPUs" };
  }
  return undefined;
}

const nameOf = (urn: string) => urn.split("::").pop()!;

/**
 * Inputs whose change replaces a resource although its id stays: ARM never moves a resource between
 * regions; AKS rebuilds a cluster on these network and naming settings and a pool on its VM size (the
 * components' replaceOnChanges); everything else that names a resource is in its id.
 */
export const REPLACED_ON: Readonly<Record<string, readonly string[]>> = {
  "*": ["location"],
  "azure-native:containerservice:ManagedCluster": ["dnsPrefix", "nodeResourceGroup", "networkProfile"],
  "azure-native:containerservice:AgentPool": ["vmSize", "gpuInstanceProfile"],
};
/** A value as compared: a secret's envelope (its ciphertext or a marker) compares equal to any other secret. */
function comparableValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] !== undefined
      ? SECRET_PLACEHOLDER
      : v,
  );
}
const comparable = (r: ExportedResourceLike) => r.custom !== false && !r.type.startsWith("pulumi:providers:");

/**
 * What applying `next` over `base` does, resource by resource (by URN): a resource whose ARM or
 * Kubernetes id changes, or an input of REPLACED_ON, is replaced; one whose inputs change otherwise is
 * updated. An estimate from inputs: the provider's own diff (pulumi preview) is the final word.
 */
export function diffResources(
  base: readonly ExportedResourceLike[],
  next: readonly ExportedResourceLike[],
  stateful: ReadonlySet<string>,
): Change[] {
  const before = new Map(base.filter(comparable).map((r) => [r.urn, r]));
  const after = new Map(next.filter(comparable).map((r) => [r.urn, r]));
  const changes: Change[] = [];
  const change = (action: ChangeAction, r: ExportedResourceLike, properties: string[] = []) => {
    const earlier = before.get(r.urn);
    const texts = earlier && after.has(r.urn) ? [reviewText(earlier), reviewText(after.get(r.urn)!)] : [];
    const patch =
      texts[0] !== undefined && texts[1] !== undefined ? reviewPatch(nameOf(r.urn), texts[0], texts[1]) : undefined;
    const was = before.has(r.urn) ? servingCapacity(before.get(r.urn)!) : undefined;
    const now = after.has(r.urn) ? servingCapacity(after.get(r.urn)!) : undefined;
    const unit = (was ?? now)?.unit;
    changes.push({
      action,
      name: nameOf(r.urn),
      type: r.type,
      stateful: stateful.has(r.type),
      protected: before.get(r.urn)?.protect === true,
      properties,
      ...(unit
        ? { capacity: { ...(was ? { before: was.amount } : {}), ...(now ? { after: now.amount } : {}), unit } }
        : {}),
      ...(patch ? { patch } : {}),
    });
  };
  for (const [urn, r] of after) {
    const old = before.get(urn);
    if (!old) change("create", r);
    else {
      const keys = [...new Set([...Object.keys(old.inputs ?? {}), ...Object.keys(r.inputs ?? {})])]
        .filter((k) => comparableValue(old.inputs?.[k]) !== comparableValue(r.inputs?.[k]))
        .sort(compareCodePoints);
      const replacing = [...REPLACED_ON["*"]!, ...(own(REPLACED_ON, r.type) ?? [])];
      // ARM ids are case-insensitive.
      if ((old.id && r.id && old.id.toLowerCase() !== r.id.toLowerCase()) || keys.some((k) => replacing.includes(k)))
        change("replace", r, keys);
      else if (keys.length > 0) change("update", r, keys);
    }
  }
  for (const [urn, r] of before) if (!after.has(urn)) change("delete", r);
  const order: Record<ChangeAction, number> = { replace: 0, delete: 1, create: 2, update: 3 };
  // Stateful replacements and deletions lead; then by action and name.
  const loud = (c: Change) => (c.stateful && (c.action === "replace" || c.action === "delete") ? 0 : 1);
  return changes.sort(
    (a, b) => loud(a) - loud(b) || order[a.action] - order[b.action] || compareCodePoints(a.name, b.name),
  );
}

/** A table cell: pipes escaped, line breaks as <br>. */
const cell = (v: unknown) => String(v).replaceAll("|", "\\|").replaceAll("\n", "<br>");
const table = (header: string[], rows: unknown[][]) => markdownTable([header, ...rows.map((r) => r.map(cell))]);
const n = (v: number) => v.toLocaleString("en-US");
const usd = (v: number) => `$${Math.round(v).toLocaleString("en-US")}`;

/** Mermaid node ids: letters, digits and underscores. */
const id = (...parts: string[]) => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
const label = (text: string) => `"${text.replaceAll('"', "'")}"`;

/** Endpoints -> slots (weight) -> the slot's gateway pool -> targets. */
export function mermaidDiagram(config: PlatformConfig): string {
  const lines = ["flowchart LR"];
  for (const [endpoint, e] of Object.entries(config.models)) {
    const ep = id("e", endpoint);
    lines.push(`  ${ep}[${label(endpoint)}]`);
    for (const colour of COLOURS) {
      const slot = e.slots[colour];
      if (!slot) continue;
      const sl = id("s", endpoint, colour);
      lines.push(
        `  ${ep} -- "${slot.weight}%" --> ${sl}(${label(`${colour}${e.rollout?.to === colour ? " (rolling out)" : ""}`)})`,
      );
      let from = sl;
      if (config.gateway) {
        from = id("p", endpoint, colour);
        lines.push(`  ${sl} --> ${from}{{${label(`pool ${endpoint}-${colour}`)}}}`);
      }
      slot.targets.forEach((t, i) => {
        const text =
          t.kind === "vllm"
            ? `vLLM ${t.model} x${t.replicas} on ${t.pool}`
            : `${t.model} ${t.version} ${t.deploymentType} ${n(t.capacity)} on ${t.account}`;
        lines.push(`  ${from} -- "${t.priority}" --> ${id("t", endpoint, colour, String(i))}[${label(text)}]`);
      });
    }
  }
  return lines.join("\n");
}

export interface PolicySummary {
  readonly pack: string;
  readonly policies: number;
  readonly mandatory: number;
  readonly advisory: number;
  readonly violations: readonly {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly urn?: string;
    readonly message: string;
  }[];
}

/**
 * The caution a reviewer sees first: serving capacity the change deletes or shrinks (model deployments,
 * GPU servers), and the cuts a rollout step was confirmed to make with --accept-capacity-drop.
 */
function capacityCaution(
  config: PlatformConfig,
  changes?: { readonly base: string; readonly list: readonly Change[] },
): string | undefined {
  const cut = (changes?.list ?? []).filter(
    (c) => c.capacity?.before !== undefined && (c.capacity.after === undefined || c.capacity.after < c.capacity.before),
  );
  const accepted = Object.entries(config.models).flatMap(([endpoint, e]) =>
    e.rollout?.acceptedCapacityDrop ? [{ endpoint, ...e.rollout.acceptedCapacityDrop }] : [],
  );
  if (cut.length === 0 && accepted.length === 0) return undefined;
  const lines = [
    "> [!CAUTION]",
    `> **Serving capacity goes down**${changes && cut.length > 0 ? ` against ${changes.base}` : ""}: check it against the endpoints' peak traffic before applying.`,
    ...cut.map((c) =>
      c.capacity!.after === undefined
        ? `> - deletes \`${c.name}\`: ${n(c.capacity!.before!)} ${c.capacity!.unit}`
        : `> - shrinks \`${c.name}\`: ${n(c.capacity!.before!)} -> ${n(c.capacity!.after)} ${c.capacity!.unit}`,
    ),
    ...accepted.map(
      (a) =>
        `> - accepted with \`--accept-capacity-drop\` (${a.step}, ${a.on}) on endpoint \`${a.endpoint}\`: ${a.change}`,
    ),
  ];
  return lines.join("\n");
}

/** The reference trace replayed before (the base's stack file) and after (this plan): the PR's capacity in numbers. */
export interface SimulatedCapacity {
  readonly before?: ReferenceSimulation;
  readonly after: ReferenceSimulation;
  /** Why the base's reference trace could not be replayed, when it could not. */
  readonly beforeProblem?: string;
}

const share = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedUsd = (x: number) => `${x < 0 ? "-" : "+"}${usd(Math.abs(x))}`;

/** The section: each provisioned deployment's PTUs, the client's 429s, spillover, p95 TTFT and cost, before and after. */
export function simulatedCapacitySection(capacity: SimulatedCapacity, base?: string): string[] {
  const { before, after } = capacity;
  const a = after.summary;
  const b = before?.summary;
  const ptuOf = (s: typeof a | undefined, name: string) => s?.provisioned.find((p) => p.deployment === name)?.ptu;
  const deployments = [...new Set([...(b?.provisioned ?? []), ...a.provisioned].map((p) => p.deployment))].sort(
    compareCodePoints,
  );
  const ttft = (s: typeof a) => (s.ttftMs.p95 === undefined ? "-" : `${n(Math.round(s.ttftMs.p95))} ms`);
  const rows: unknown[][] = [
    ...deployments.map((d) => [`PTU ${d}`, ...(b ? [ptuOf(b, d) ?? "-"] : []), ptuOf(a, d) ?? "-"]),
    ["client 429", ...(b ? [share(b.client429Share)] : []), share(a.client429Share)],
    ["served by spillover", ...(b ? [share(b.spilloverShare)] : []), share(a.spilloverShare)],
    ["TTFT p95", ...(b ? [ttft(b)] : []), ttft(a)],
    ["cost per month", ...(b ? [usd(b.cost.monthlyTotal)] : []), usd(a.cost.monthlyTotal)],
  ];
  const out = [
    "### Simulated capacity on the reference trace",
    "",
    `\`${after.trace}\`${a.scale !== 1 ? ` at ${a.scale}x its rate` : ""}: ${n(a.requests)} requests over ${a.minutes.toFixed(0)} min replayed through the gateway, deployments and vLLM slots this stack plans (\`npm run simulate\`; latency and prices from dated tables).`,
    "",
    table(["", ...(b ? [`before (${base ?? "base"})`] : []), b ? "after" : "this plan"], rows),
    "",
  ];
  if (!b && capacity.beforeProblem)
    out.push(`No "before": the base's reference trace could not be replayed: ${capacity.beforeProblem}`, "");
  if (b && (b.trace !== a.trace || b.scale !== a.scale || before!.map !== after.map))
    out.push(
      `> [!WARNING]\n> The base replays \`${b.trace}\` at ${b.scale}x${before!.map ? ` (map ${before!.map})` : ""}, this plan \`${a.trace}\` at ${a.scale}x${after.map ? ` (map ${after.map})` : ""}: the columns differ in traffic as well as in the platform.`,
      "",
    );
  if (b) {
    const changed = deployments
      .filter((d) => ptuOf(b, d) !== ptuOf(a, d))
      .map((d) => `PTU ${ptuOf(b, d) ?? 0} → ${ptuOf(a, d) ?? 0}`);
    out.push(
      `**${[...changed, `client 429 ${share(b.client429Share)} → ${share(a.client429Share)}`, `spillover ${share(b.spilloverShare)} → ${share(a.spilloverShare)}`, `cost ${signedUsd(a.cost.monthlyTotal - b.cost.monthlyTotal)}/month`].join(", ")}**`,
      "",
    );
  }
  if (after.maxClient429Share !== undefined) {
    const met = a.client429Share <= after.maxClient429Share;
    out.push(
      `${met ? "Meets" : "> [!WARNING]\n> **Misses**"} the stack's objective of at most ${share(after.maxClient429Share)} client 429s (rule \`capacity-simulated-client-429\`).`,
      "",
    );
  }
  return out;
}

export function renderMarkdown(
  report: PlanReport,
  config: PlatformConfig,
  policy: PolicySummary,
  changes?: { readonly base: string; readonly list: readonly Change[] },
  capacity?: SimulatedCapacity,
): string {
  const out: string[] = [];
  out.push(`## Plan of stack \`${report.stack}\` (${report.environment})`, "");
  const caution = capacityCaution(config, changes);
  if (caution) out.push(caution, "");
  if (changes) {
    const loud = changes.list.filter((c) => c.stateful && (c.action === "replace" || c.action === "delete"));
    for (const c of loud) {
      const guard = c.protected ? " It is protected: `pulumi up` refuses until a reviewed change unprotects it." : "";
      out.push(
        `> [!CAUTION]\n> **${c.action === "replace" ? "Replaces" : "Deletes"} stateful \`${c.name}\`** (${c.type}): what it holds is lost unless it is moved first.${guard}`,
        "",
      );
    }
    const counts = (["create", "update", "replace", "delete"] as const)
      .map((a) => `${changes.list.filter((c) => c.action === a).length} to ${a}`)
      .join(", ");
    out.push(`### Changes against ${changes.base}`, "", counts, "");
    if (changes.list.length > 0)
      out.push(
        table(
          ["action", "resource", "type", "changed inputs"],
          changes.list.map((c) => [
            `${c.stateful && (c.action === "replace" || c.action === "delete") ? "**" : ""}${c.action}${c.stateful ? " (stateful)" : ""}${c.stateful && (c.action === "replace" || c.action === "delete") ? "**" : ""}`,
            c.name,
            c.type,
            c.properties.join(", ") || "-",
          ]),
        ),
        "",
      );
    for (const c of changes.list.filter((c) => c.patch))
      out.push(
        `<details><summary><code>${c.name}</code>: what changes</summary>`,
        "",
        "```diff",
        c.patch!,
        "```",
        "</details>",
        "",
      );
  }
  out.push(
    `### Resources: ${report.resources.total}`,
    "",
    table(
      ["component", "type", "resources"],
      report.resources.byComponent.map((c) => [c.component, c.type, c.resources]),
    ),
    "",
  );

  out.push(
    "### Capacity and quota",
    "",
    `PTU reserved: ${n(report.ptu.total)} of the environment's cap of ${n(report.ptu.cap)}.`,
    "",
  );
  if (report.capacity.length > 0) {
    out.push(
      table(
        ["endpoint", "slot", "weight", "deployment", "model", "type", "capacity", "retires"],
        report.capacity.map((c) => [
          c.endpoint,
          c.slot,
          c.weight,
          `${c.deployment} on ${c.account}`,
          `${c.model} ${c.version}`,
          c.deploymentType,
          `${n(c.capacity)} ${c.unit}`,
          c.retires ?? "not listed",
        ]),
      ),
      "",
    );
  }
  if (report.quota.length > 0)
    out.push(
      table(
        ["region", "model", "type", "limit", "used elsewhere", "planned", "headroom"],
        report.quota.map((q) => [
          q.region,
          q.model,
          q.deploymentType,
          `${n(q.limit)} ${q.unit}`,
          n(q.usedElsewhere),
          n(q.planned),
          `${n(q.headroom)} ${q.unit}`,
        ]),
      ),
      "",
    );

  if (capacity) out.push(...simulatedCapacitySection(capacity, changes?.base));

  const { totalMonthly: low, totalMonthlyMax: high } = report.cost;
  out.push(
    `### Monthly cost (indicative: ${report.cost.source}, ${report.cost.date}; rows without a price are left out of the total)`,
    "",
  );
  out.push(
    table(
      ["item", "basis", "per month"],
      [
        ...report.cost.rows.map((r) => [r.item, r.basis, costCell(r, "no price")]),
        [
          "**total**",
          report.cost.budget !== undefined ? `budget ${usd(report.cost.budget)}` : "no budget",
          `**${low === high ? usd(low) : `${usd(low)} - ${usd(high)}`}**`,
        ],
      ],
    ),
    "",
  );

  if (report.reachability.length > 0) {
    const failing = report.reachability.filter((e) => e.problems.length > 0);
    out.push(
      `### Reachability: ${failing.length ? `${failing.length} of ${report.reachability.length} edges cannot work` : `all ${report.reachability.length} edges work`}`,
      "",
    );
    if (failing.length > 0)
      out.push(
        "> [!CAUTION]",
        ...failing.flatMap((e) => e.problems.map((p) => `> ${e.caller} -> ${e.callee}: ${p}`)),
        "",
      );
    out.push(
      table(
        ["caller", "callee", "path", "DNS", "credential", "works"],
        report.reachability.map((e) => [
          e.caller,
          e.callee,
          e.path,
          e.dns,
          e.credential,
          e.problems.length ? "**no**" : "yes",
        ]),
      ),
      "",
    );
  }
  out.push("### Rollout state", "");
  const describe = (t: PlatformConfig["models"][string]["slots"]["blue"]) =>
    !t
      ? "-"
      : `${t.weight}%: ${[...new Set(t.targets.map((x) => (x.kind === "vllm" ? `vLLM ${x.model}` : `${x.model} ${x.version}`)))].join(", ")}`;
  out.push(
    table(
      ["endpoint", "blue", "green", "rollout", "next step"],
      Object.entries(config.models).map(([name, e]) => [
        name,
        describe(e.slots.blue),
        describe(e.slots.green),
        e.rollout ? `to ${e.rollout.to}` : "-",
        nextStep(e as unknown as RawEndpoint, report.environment === "prod" ? config.rolloutMaxStep : 100),
      ]),
    ),
    "",
  );

  out.push(
    `### Policy pack ${policy.pack}: ${policy.policies} rules, ${policy.mandatory} mandatory and ${policy.advisory} advisory violations`,
    "",
  );
  if (policy.violations.length > 0)
    out.push(
      table(
        ["rule", "level", "resource", "message"],
        policy.violations.map((v) => [v.policy, v.enforcementLevel, v.urn ? nameOf(v.urn) : "(stack)", v.message]),
      ),
      "",
    );
  else out.push("Every rule passes.", "");

  out.push("### Endpoints, slots, pools and targets", "", "```mermaid", mermaidDiagram(config), "```", "");
  if (report.warnings.length > 0) out.push("### Warnings", "", ...report.warnings.map((w) => `- ${w}`), "");
  return `${out.join("\n").trimEnd()}\n`;
}

/** The changes against a base as the text report shows them: counts, one line each, and each reviewed diff. */
export function renderChangesText(changes: { readonly base: string; readonly list: readonly Change[] }): string {
  const counts = (["create", "update", "replace", "delete"] as const)
    .map((a) => `${changes.list.filter((c) => c.action === a).length} to ${a}`)
    .join(", ");
  const rows = changes.list.map(
    (c) => `  ${c.action.padEnd(8)} ${c.name} (${c.type})${c.properties.length ? `: ${c.properties.join(", ")}` : ""}`,
  );
  const patches = changes.list.filter((c) => c.patch).map((c) => `--- ${c.name}: what changes\n${c.patch}`);
  return [`Changes against ${changes.base}: ${counts}`, ...rows, ...(patches.length ? ["", ...patches] : [])].join(
    "\n",
  );
}

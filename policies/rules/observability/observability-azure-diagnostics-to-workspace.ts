import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { entryOf, type DiagnosticsExpectation } from "../../catalogue";
import {
  DIAGNOSABLE_TYPES,
  TYPES,
  baseType,
  checklist,
  decideEach,
  describe,
  ofType,
  targetOf,
  type StackScope,
} from "../../lib";

interface LogEntry {
  readonly category?: string;
  readonly categoryGroup?: string;
  readonly enabled?: boolean;
}

/** The expected categories that no enabled log entry sends. */
export function missingCategories(entries: readonly LogEntry[], expected: DiagnosticsExpectation): string[] {
  const enabled = entries.filter((e) => e.enabled === true);
  return expected.logs.filter(
    (category) =>
      !enabled.some(
        (e) =>
          e.category === category ||
          e.categoryGroup === "allLogs" ||
          (e.categoryGroup !== undefined && expected.groups[e.categoryGroup]?.includes(category)),
      ),
  );
}

const isWorkspaceId = (id: string | undefined) =>
  /\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i.test(id ?? "");

export const observabilityAzureDiagnosticsToWorkspace: StackValidationPolicy = {
  name: "observability-azure-diagnostics-to-workspace",
  description:
    "Every Azure resource the type catalogue marks diagnosable sends the log categories and metrics it lists to a Log Analytics workspace; a setting that sends nothing does not count.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist([13], ["MCSB LT-3"]),
  remediationSteps:
    "Add a monitor.DiagnosticSetting with resourceUri = the resource's id, workspaceId = the platform workspace and enabled logs for the categories the catalogue lists (categoryGroup allLogs covers them all), plus AllMetrics where listed.",
  configSchema: { properties: { stackScope: { type: "object" } } },
  validateStack: (args, report) => {
    const { stackScope } = args.getConfig<{ stackScope?: StackScope }>();
    const settings = ofType(args.resources, TYPES.diagnosticSetting);
    const diagnosable = args.resources.filter((r) => DIAGNOSABLE_TYPES.has(baseType(r.type)));
    const workspaces = ofType(args.resources, TYPES.workspace);
    // Each setting's target and workspace, by id where known, else by dependency.
    const references = settings.map((s) => ({
      setting: s,
      ...targetOf(s, "resourceUri", (p) => p.resourceUri, diagnosable, stackScope),
    }));
    const undecided = references.find((r) => r.unknown)?.unknown;
    const toWorkspace = (s: PolicyResource) => {
      const found = targetOf(s, "workspaceId", (p) => p.workspaceId, workspaces);
      return found.target !== undefined || isWorkspaceId(found.id);
    };
    decideEach(diagnosable, describe, (resource) => {
      const expected = entryOf(resource.type)!.diagnostics!;
      const forResource = references.filter((r) => r.target === resource).map((r) => r.setting);
      // A setting whose target no one can tell yet might be this resource's.
      if (forResource.length === 0 && undecided) throw undecided;
      if (forResource.length === 0) {
        report(`${describe(resource)} has no diagnostic setting`, resource.urn);
        return;
      }
      const sending = forResource.filter(toWorkspace).filter((s) => {
        const logs: LogEntry[] = s.props.logs ?? [];
        const metrics: LogEntry[] = s.props.metrics ?? [];
        return logs.some((l) => l.enabled === true) || metrics.some((m) => m.enabled === true);
      });
      if (sending.length === 0) {
        report(
          `${describe(resource)} has diagnostic settings, but none sends enabled logs or metrics to a Log Analytics workspace`,
          resource.urn,
        );
        return;
      }
      const missing = missingCategories(
        sending.flatMap((s) => s.props.logs ?? []),
        expected,
      );
      if (missing.length > 0)
        report(
          `${describe(resource)}: no diagnostic setting sends the ${missing.join(", ")} log${missing.length > 1 ? "s" : ""} to the workspace`,
          resource.urn,
        );
      if (
        expected.metrics &&
        !sending.some((s) =>
          (s.props.metrics ?? []).some((m: LogEntry) => m.enabled === true && m.category === "AllMetrics"),
        )
      ) {
        report(`${describe(resource)}: no diagnostic setting sends AllMetrics to the workspace`, resource.urn);
      }
    });
  },
};

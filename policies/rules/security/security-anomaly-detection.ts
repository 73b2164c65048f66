import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, known, listOf, ofType, targetOf } from "../../lib";
import { ANOMALY_ALERTS } from "../../../components/observability/anomalyRules";

const METRIC_ALERT = "azure-native:monitor:MetricAlert";
/** Model accounts (Content Safety and Language accounts serve no model traffic of their own). */
const MODEL_KINDS = new Set(["OpenAI", "AIServices"]);

/** Whether a metric alert learns its threshold (a dynamic criterion) rather than taking a guessed one. */
const learns = (props: Record<string, any>) =>
  listOf(props.criteria?.allOf).some((c: any) => c?.criterionType === "DynamicThresholdCriterion");

export const securityAnomalyDetection: StackValidationPolicy = {
  name: "security-anomaly-detection",
  description:
    "Every model account and the gateway are watched by at least one Azure Monitor alert with a dynamic (learned) threshold, and every serving vLLM slot by an in-cluster anomaly alert against its own baseline, so an abuse or an incident shows before users report it.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(18),
  remediationSteps:
    "Configure alerts (alerts.emails) so the platform creates the dynamic-threshold alerts, and cluster.monitoring so each vLLM slot gets its anomaly rules.",
  validateStack: (args, report) => {
    // A disabled alert watches nothing.
    const alerts = ofType(args.resources, METRIC_ALERT).filter(
      (a) => known(() => learns(a.props)) && known(() => a.props.enabled) !== false,
    );
    const watched = new Set<string>();
    for (const alert of alerts) {
      const scopes = listOf(known(() => alert.props.scopes));
      scopes.forEach((_, i) => {
        const ref = targetOf(alert, "scopes", (p) => p.scopes[i], args.resources);
        if (ref.target) watched.add(ref.target.urn);
      });
      // In a preview the scopes are unknown: the alert's dependencies name what it watches.
      for (const d of alert.propertyDependencies.scopes ?? []) watched.add(d.urn);
    }
    const models = ofType(args.resources, TYPES.openAiAccount).filter((a) =>
      MODEL_KINDS.has(String(known(() => a.props.kind))),
    );
    for (const r of [...models, ...ofType(args.resources, TYPES.apiManagementService)])
      if (!watched.has(r.urn)) report(`${r.name}: no alert with a dynamic threshold watches it`, r.urn);
    const rules = ofType(args.resources, TYPES.prometheusRule).flatMap((r) =>
      listOf(known(() => r.props.spec?.groups)).flatMap((g: any) => listOf(g?.rules)),
    );
    const anomalyNames = new Set<string>(Object.values(ANOMALY_ALERTS));
    // An anomaly alert fires only on a z-score the rules record: without its baseline it never fires.
    const recorded = rules.flatMap((r: any) => (typeof r?.record === "string" ? [r.record as string] : []));
    const grounded = (r: any) => recorded.some((name) => name.includes("zscore") && String(r?.expr).includes(name));
    for (const s of ofType(args.resources, TYPES.statefulSet)) {
      const labels = known(() => s.props.metadata?.labels) ?? {};
      const endpoint = labels["genai-platform/endpoint"];
      const slot = labels["genai-platform/slot"];
      // A slot at zero replicas (an idle colour) serves nothing to compare.
      if (!endpoint || !slot || Number(known(() => s.props.spec?.replicas) ?? 1) === 0) continue;
      const covered = rules.some(
        (r: any) =>
          anomalyNames.has(r?.alert) && r?.labels?.endpoint === endpoint && r?.labels?.slot === slot && grounded(r),
      );
      if (!covered) report(`${endpoint}/${slot} (${s.name}): no anomaly alert compares it with its baseline`, s.urn);
    }
  },
};

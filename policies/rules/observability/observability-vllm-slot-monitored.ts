import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, ofType } from "../../lib";
import { own } from "../../../components/core/own";

/** The alert that must watch every slot: its servers stopped answering. */
const SERVING_ALERT = "ModelSlotNotServing";
const ENDPOINT_LABEL = "genai-platform/endpoint";
const SLOT_LABEL = "genai-platform/slot";

interface Labels {
  [key: string]: string | undefined;
}
interface Rule {
  alert?: string;
  labels?: Labels;
}

export const observabilityVllmSlotMonitored: StackValidationPolicy = {
  name: "observability-vllm-slot-monitored",
  description:
    "Every vLLM slot is scraped by a PodMonitor in its namespace that selects its servers and labels their samples with the endpoint and slot, and is watched by the platform's alerts (at least: its servers stopped serving) unless it runs at zero replicas (an idle colour).",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(9, 10),
  remediationSteps:
    "Give the cluster its monitoring (cluster.monitoring) so each ModelSlot gets its PodMonitor and the PrometheusRule its alerts.",
  validateStack: (args, report) => {
    const monitors = ofType(args.resources, TYPES.podMonitor).map(
      (m) =>
        m.props as {
          metadata?: { namespace?: string };
          spec?: {
            selector?: { matchLabels?: Labels };
            podMetricsEndpoints?: { relabelings?: { targetLabel?: string }[] }[];
          };
        },
    );
    const alerts = ofType(args.resources, TYPES.prometheusRule).flatMap((r) =>
      ((r.props as { spec?: { groups?: { rules?: Rule[] }[] } }).spec?.groups ?? []).flatMap((g) => g.rules ?? []),
    );
    for (const set of ofType(args.resources, TYPES.statefulSet)) {
      const props = set.props as {
        metadata?: { namespace?: string; labels?: Labels };
        spec?: { replicas?: number; template?: { metadata?: { labels?: Labels } } };
      };
      const endpoint = props.metadata?.labels?.[ENDPOINT_LABEL];
      const slot = props.metadata?.labels?.[SLOT_LABEL];
      if (!endpoint || !slot) continue;
      const podLabels = props.spec?.template?.metadata?.labels ?? {};
      const scraping = monitors.filter(
        (m) =>
          m.metadata?.namespace === props.metadata?.namespace &&
          Object.entries(m.spec?.selector?.matchLabels ?? {}).every(([k, v]) => own(podLabels, k) === v),
      );
      if (scraping.length === 0) {
        report(
          `${endpoint}/${slot} (${set.name}): no PodMonitor in ${props.metadata?.namespace} selects its servers`,
          set.urn,
        );
      } else if (
        !scraping.some((m) =>
          ["model_endpoint", "slot"].every((label) =>
            (m.spec?.podMetricsEndpoints ?? []).every((e) =>
              (e.relabelings ?? []).some((r) => r.targetLabel === label),
            ),
          ),
        )
      ) {
        report(
          `${endpoint}/${slot} (${set.name}): its PodMonitor does not label samples with model_endpoint and slot, so the slot cannot be told from the other colour`,
          set.urn,
        );
      }
      // A slot planned at zero replicas (an idle colour) serves nothing on purpose: an alert on its servers
      // not answering would always fire. reliability-k8s-replicas-and-pdb holds that no gateway path reaches it.
      const idle = Number(props.spec?.replicas ?? 1) === 0;
      if (
        !idle &&
        !alerts.some((r) => r.alert === SERVING_ALERT && r.labels?.endpoint === endpoint && r.labels?.slot === slot)
      ) {
        report(`${endpoint}/${slot} (${set.name}): no ${SERVING_ALERT} alert watches it`, set.urn);
      }
    }
  },
};

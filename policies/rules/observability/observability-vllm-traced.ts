import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, decideEach, listOf, ofType, podTemplateOf } from "../../lib";
import {
  OTLP_TRACES_FLAG,
  appInsightsExportProblems,
  collectorConfigOf,
  collectorPodProblems,
  isVllmServer,
  optionOf,
  samplerProblem,
  sendingOf,
  serviceAt,
  targetPortOf,
  workloadsBehind,
} from "../../tracing";
import { vllmReleaseOf } from "../../../components/serving/vllmReleases";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

export const observabilityVllmTraced: StackValidationPolicy = {
  name: "observability-vllm-traced",
  description:
    "Every vLLM server exports its request spans (--otlp-traces-endpoint) to a collector the stack runs, whose traces pipeline sends them to Application Insights with an Entra token of its identity, and samples some: a request is followed past the gateway to the server that answered it.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(19),
  remediationSteps:
    "Keep cluster.monitoring.tracing on (the monitoring component runs the OpenTelemetry Collector and the serving component points each server at it), on a vLLM release whose image has the OpenTelemetry packages (components/serving/vllmReleases.ts, otlpTracing).",
  validateStack: (args, report) => {
    const services = ofType(args.resources, TYPES.k8sService);
    const workloads = [...ofType(args.resources, DEPLOYMENT), ...ofType(args.resources, TYPES.statefulSet)];
    const configMaps = ofType(args.resources, CONFIG_MAP);
    const servers = ofType(args.resources, TYPES.statefulSet).filter((s) =>
      listOf(podTemplateOf(s.type, s.props).spec.containers).some(isVllmServer),
    );
    decideEach(
      servers,
      (s) => s.name,
      (s) => {
        const namespace = String(s.props.metadata?.namespace ?? "default");
        for (const c of listOf(podTemplateOf(s.type, s.props).spec.containers).filter(isVllmServer)) {
          const endpoint = optionOf(c.args, OTLP_TRACES_FLAG);
          if (endpoint === undefined) {
            const release = vllmReleaseOf(String(c.image ?? "").split("@")[0]!);
            const why =
              "release" in release && !release.release.otlpTracing
                ? `: vLLM ${release.tag}'s image has no OpenTelemetry packages; move to a release that has them`
                : "";
            report(
              `${s.name}: exports no spans (no ${OTLP_TRACES_FLAG}), so a request cannot be followed past the gateway${why}`,
              s.urn,
            );
            continue;
          }
          const sampling = samplerProblem(c.env);
          if (sampling) report(`${s.name}: ${sampling}: no span is kept`, s.urn);
          const target = serviceAt(endpoint, namespace, services);
          if (!target.service) {
            report(`${s.name}: spans go to ${endpoint}, but ${target.problem}`, s.urn);
            continue;
          }
          if (target.problem) report(`${s.name}: spans go to ${endpoint}, but ${target.problem}`, s.urn);
          const behind = workloadsBehind(target.service, workloads);
          if (behind.length === 0) {
            report(`${s.name}: no workload of the plan runs behind ${target.namespace}/${target.name}`, s.urn);
            continue;
          }
          const port = targetPortOf(target.service, target.port, behind);
          const sending = { protocol: sendingOf(c), ...(port ? { port } : {}) };
          for (const collector of behind) {
            const { config, problem } = collectorConfigOf(collector, configMaps);
            const problems = config
              ? [...appInsightsExportProblems(config, sending), ...collectorPodProblems(collector, config)]
              : [problem!];
            for (const p of problems)
              report(
                `${s.name}: its spans go to ${target.namespace}/${collector.props.metadata?.name}, which does not forward them to Application Insights: ${p}`,
                collector.urn,
              );
          }
        }
      },
    );
  },
};

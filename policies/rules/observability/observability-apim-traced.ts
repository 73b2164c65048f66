import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, isUnknownValueError, known, ofType, sourceOf } from "../../lib";

/** The Application Insights diagnostic of a service (its id is fixed by API Management). */
const APP_INSIGHTS_DIAGNOSTIC = "applicationinsights";

export const observabilityApimTraced: StackValidationPolicy = {
  name: "observability-apim-traced",
  description:
    "The gateway traces its calls to Application Insights with W3C trace context (continued from the client, passed on to every backend), keeps a share above 0 of them and every failed or throttled one, so one request can be followed from the client through the gateway to the backend that served it.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(19),
  remediationSteps:
    "Keep the gateway's applicationinsights diagnostic with httpCorrelationProtocol W3C, alwaysLog allErrors and sampling above 0 (gateway.traceSamplingPercent).",
  validateStack: (args, report) => {
    // The policy server names a diagnostic by its id (`name`), as ARM does; a preview may not know it yet.
    let undecided: Error | undefined;
    const diagnostics = ofType(args.resources, TYPES.apimDiagnostic).filter((d) => {
      try {
        return d.props.name === APP_INSIGHTS_DIAGNOSTIC;
      } catch (error) {
        if (!isUnknownValueError(error)) throw error;
        undecided ??= error;
        return false;
      }
    });
    for (const service of ofType(args.resources, TYPES.apiManagementService)) {
      const own = diagnostics.filter(
        (d) =>
          sourceOf(d, "serviceName", TYPES.apiManagementService)?.urn === service.urn ||
          d.dependencies.some((x) => x.urn === service.urn) ||
          String(known(() => d.props.loggerId) ?? "").includes(`/service/${String(known(() => service.props.name))}/`),
      );
      const traced = own.find((d) => known(() => d.props.httpCorrelationProtocol) === "W3C");
      if (!traced) {
        // A diagnostic whose id is not known yet may be the one: the rule is decided once it is.
        if (undecided) throw undecided;
        report(
          `${service.name}: no Application Insights diagnostic correlates by W3C trace context: a request cannot be followed to its backend`,
          service.urn,
        );
        continue;
      }
      const percentage = Number(known(() => traced.props.sampling?.percentage) ?? 100);
      if (!(percentage > 0)) report(`${service.name}: traces are sampled at ${percentage}%: none is kept`, traced.urn);
      if (known(() => traced.props.verbosity) === "error")
        report(`${service.name}: verbosity error keeps only failed calls' traces, whatever the sampling`, traced.urn);
      if (known(() => traced.props.alwaysLog) !== "allErrors")
        report(
          `${service.name}: failed and throttled calls are sampled like the rest (alwaysLog is not allErrors)`,
          traced.urn,
        );
    }
  },
};

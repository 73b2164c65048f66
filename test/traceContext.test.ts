// W3C trace context of the load and smoke tests: valid ids, a span per attempt, the traces to look up.
import { describe, expect, it } from "vitest";
import { newTraceId, renderTraces, traceparent, traceQuery, tracesToLookUp } from "../cli/loadtest/traceContext";
import { kustoDiagnostics } from "./kusto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

describe("W3C trace context", () => {
  it("makes valid trace ids and traceparent headers, never the all-zero id", () => {
    const zeroThenOne = (() => {
      let calls = 0;
      return (n: number) => Buffer.alloc(n, calls++ === 0 ? 0 : 1);
    })();
    expect(newTraceId(zeroThenOne)).toBe("01".repeat(16));
    const id = newTraceId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceparent(id)).toMatch(new RegExp(`^00-${id}-[0-9a-f]{16}-01$`));
    expect(() => traceparent("0".repeat(32))).toThrow("not a W3C trace id");
    expect(() => traceparent("ABC")).toThrow("not a W3C trace id");
  });

  it("names the slowest requests' traces and every failed one, with the query that opens one", () => {
    const results = [
      { traceId: "a".repeat(32), e2eMs: 100 },
      { traceId: "b".repeat(32), e2eMs: 900, failure: "http" },
      { traceId: "c".repeat(32), e2eMs: 500 },
      { e2eMs: 5000 },
    ];
    expect(tracesToLookUp(results, 2)).toEqual({
      slowest: [
        { traceId: "b".repeat(32), e2eMs: 900 },
        { traceId: "c".repeat(32), e2eMs: 500 },
      ],
      failed: ["b".repeat(32)],
    });
    expect(renderTraces(results)).toContain(`failed requests' traces: ${"b".repeat(32)}`);
    // The query opens a failed request's trace: the gateway keeps every one of those whatever its sampling.
    expect(renderTraces(results)).toContain(
      `open one in Log Analytics (the gateway keeps every failed request's trace, and a share of the others): ${traceQuery("b".repeat(32))}`,
    );
    expect(renderTraces([])).toBe("");
  });

  it("the trace query analyzes against the workspace's Application Insights tables", () => {
    expect(kustoDiagnostics(traceQuery("b".repeat(32)))).toEqual([]);
  });

  it("is the query the README and the load-test guide show", () => {
    for (const doc of ["README.md", "docs/load-and-smoke-tests.md"])
      expect(readFileSync(join(__dirname, "..", doc), "utf8"), doc).toContain(
        `\`\`\`kusto\n${traceQuery("<trace id>")}\n\`\`\``,
      );
  });
});

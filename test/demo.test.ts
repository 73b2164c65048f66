// `npm run demo`: the load test and the smoke test against the loopback gateway, offline, as a new user
// runs them first (each command spawned as a person runs it).
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demo } from "../cli/commands/demo";
import { PROJECT_DIR } from "./helpers";

describe("npm run demo", () => {
  it("runs a load test and a smoke test against the loopback gateway, and both pass (exit 0)", async () => {
    const out = mkdtempSync(join(tmpdir(), "genai-demo-"));
    let text = "";
    const code = await demo(["--out", out], PROJECT_DIR, {
      out: (t) => ((text += t), true),
      err: (t) => ((text += t), true),
    });
    expect(code, text).toBe(0);
    expect(text).toContain("load test of chat (azure path): open loop at 20 req/s, 40 requests, streaming");
    expect(text).toMatch(/chat\s+│ key refused on the Entra ID API │ ok/);
    expect(text).toMatch(/chat\s+│ keyed API answers\s+│ ok/);
    expect(text).toContain("smoke: every check passed");
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(results.requests).toHaveLength(40);
    expect(existsSync(join(out, "charts", "latency-histogram.svg"))).toBe(true);
  }, 60_000);
});

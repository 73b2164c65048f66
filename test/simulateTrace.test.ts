// Reading request traces for the capacity simulator (cli/simulate/trace.ts): the shared hour of real
// Azure traffic, and traces that are not.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_TRACE_LINE, SHARED_TRACE, traceRequests, traceTime, wholeTrace } from "../cli/simulate/trace";

function traceFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "genai-trace-")), "trace.csv");
  writeFileSync(file, text);
  return file;
}

describe("request traces", () => {
  it("reads the shared hour of Azure LLM inference traffic: every request, in order, the busiest minute as published", async () => {
    const requests = await wholeTrace(SHARED_TRACE);
    // The trace's README: 8,819 requests over an hour, up to 1.26 M tokens in one minute.
    expect(requests).toHaveLength(8_819);
    expect(requests[0]).toEqual({ atMs: 0, promptTokens: 4808, outputTokens: 10 });
    expect(requests[1]!.atMs).toBeCloseTo(52, 6);
    const last = requests.at(-1)!.atMs;
    expect(last).toBeGreaterThan(55 * 60_000);
    expect(last).toBeLessThan(60 * 60_000);
    const perMinute = new Map<number, number>();
    for (const r of requests) {
      // Clock minutes: the first request came at 18:17:03.97996.
      const minute = Math.floor((r.atMs + 3_979.96) / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + r.promptTokens + r.outputTokens);
    }
    const busiest = Math.max(...perMinute.values());
    expect(busiest / 1e6).toBeCloseTo(1.26, 1);
    const mean = [...perMinute.values()].reduce((a, b) => a + b, 0) / perMinute.size;
    // "The busiest minute carries three times the mean token rate."
    expect(busiest / mean).toBeGreaterThan(2.5);
  });

  it("reads timestamps to the sub-millisecond, with or without the ISO T and Z, and refuses days that do not exist", () => {
    expect(traceTime("2023-11-16 18:17:03.9799600")).toBeCloseTo(Date.UTC(2023, 10, 16, 18, 17, 3) + 979.96, 6);
    expect(traceTime("2023-11-16T18:17:03Z")).toBe(Date.UTC(2023, 10, 16, 18, 17, 3));
    expect(traceTime("2023-02-30 00:00:00")).toBeUndefined();
    expect(traceTime("2023-11-16 24:00:00")).toBeUndefined();
    expect(traceTime("yesterday")).toBeUndefined();
  });

  it("takes the columns in any order, with others beside them, and CRLF line ends", async () => {
    const file = traceFile(
      "team,GeneratedTokens,TIMESTAMP,ContextTokens\r\nsearch,5,2023-11-16 18:17:03.5,100\r\nsearch,6,2023-11-16 18:17:04.5,200\r\n",
    );
    expect(await wholeTrace(file)).toEqual([
      { atMs: 0, promptTokens: 100, outputTokens: 5 },
      { atMs: 1000, promptTokens: 200, outputTokens: 6 },
    ]);
  });

  const HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  it.each([
    ["a missing column", "TIMESTAMP,ContextTokens\n2023-11-16 18:17:03,1\n", ":1: the header lacks GeneratedTokens"],
    ["an empty file", "", ": empty: a trace has a header and one request a line"],
    ["a header alone", HEADER, ": a header and no requests"],
    [
      "unsorted timestamps",
      `${HEADER}2023-11-16 18:17:04,1,1\n2023-11-16 18:17:03,1,1\n`,
      ":3: TIMESTAMP 2023-11-16 18:17:03 is before the line above: a trace is in arrival order",
    ],
    [
      "negative tokens",
      `${HEADER}2023-11-16 18:17:04,-5,1\n`,
      ':2: ContextTokens "-5" is not a whole number of tokens',
    ],
    ["fractional tokens", `${HEADER}2023-11-16 18:17:04,5,1.5\n`, ':2: GeneratedTokens "1.5" is not a whole number'],
    ["a short line", `${HEADER}2023-11-16 18:17:04,5\n`, ':2: GeneratedTokens "" is not a whole number'],
    ["a bad timestamp", `${HEADER}16/11/2023,5,1\n`, ':2: TIMESTAMP "16/11/2023" is not a time written YYYY-MM-DD'],
    [
      "a file without line breaks",
      "x".repeat(MAX_TRACE_LINE * 20),
      `:1: a line over ${MAX_TRACE_LINE} characters: not a trace`,
    ],
  ])("refuses %s, naming the file and line", async (_what, text, message) => {
    const file = traceFile(text);
    await expect(wholeTrace(file)).rejects.toThrow(`${file}${message}`);
  });
});

describe("a small trace kept in memory for repeated replays", () => {
  it("reads the file once, and again when it changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-trace-kept-"));
    const path = join(dir, "t.csv");
    writeFileSync(path, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04,10,1\n");
    const all = async () => {
      const out = [];
      for await (const r of traceRequests(path)) out.push(r.promptTokens);
      return out;
    };
    expect(await all()).toEqual([10]);
    expect(await all()).toEqual([10]);
    writeFileSync(
      path,
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04,20,1\n2023-11-16 18:17:05,30,1\n",
    );
    expect(await all()).toEqual([20, 30]);
    writeFileSync(path, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04,-1,1\n");
    await expect(all()).rejects.toThrow('ContextTokens "-1" is not a whole number of tokens');
  });
});

// Every command's options, parsed by Node's own argument parser (util.parseArgs, strict) from one
// description per command that also writes its `--help`: the options with their values and defaults,
// and examples. An unknown option names the closest known one.
import { parseArgs } from "node:util";
import { closest, distance } from "fastest-levenshtein";
import { UsageError } from "./io";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** What the value is, in the help: `NAME`, `FILE`, `N`. */
  readonly value?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** One line: what the option does. */
  readonly help: string;
}

export interface CommandSpec {
  /** The npm script: `plan` is `npm run plan -- ...`. */
  readonly command: string;
  /** What the command does, one or two sentences. */
  readonly summary: string;
  /** Positional arguments, as the usage line writes them (`<status|start|...>`), if the command takes any. */
  readonly positionals?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** Exit codes and anything else a person should know, after the options. */
  readonly notes?: readonly string[];
}

/** Whether the command line asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

const optionWord = (name: string, o: OptionSpec) => `--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;

/** The usage line: the command, its positionals and its options. */
export function usageLine(spec: CommandSpec): string {
  return `usage: npm run ${spec.command} --${spec.positionals ? ` ${spec.positionals}` : ""} [options]   (npm run ${spec.command} -- --help for every option)`;
}

/** Text wrapped at `width` columns, each line after the first indented by `indent`. */
export function wrap(text: string, width = 100, indent = ""): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

/** The command's `--help`. */
export function helpText(spec: CommandSpec): string {
  const words = Object.entries(spec.options).map(([name, o]) => optionWord(name, o));
  const width = Math.min(32, Math.max(...words.map((w) => w.length)));
  const options = Object.entries(spec.options).map(([name, o], i) => {
    const word = words[i]!;
    const extra = [
      o.multiple ? "may be given more than once" : "",
      o.default !== undefined && o.default !== false ? `default ${String(o.default)}` : "",
    ].filter(Boolean);
    const text = `${o.help}${extra.length ? ` (${extra.join("; ")})` : ""}`;
    return word.length > width ? `  ${word}\n  ${" ".repeat(width)}  ${text}` : `  ${word.padEnd(width)}  ${text}`;
  });
  return [
    `usage: npm run ${spec.command} --${spec.positionals ? ` ${spec.positionals}` : ""} [options]`,
    "",
    wrap(spec.summary),
    "",
    "options:",
    ...options,
    `  ${"--help".padEnd(width)}  this text`,
    "",
    "examples:",
    ...spec.examples.map((e) => `  ${e}`),
    ...(spec.notes?.length ? ["", ...spec.notes.map((n) => wrap(n, 100, "  "))] : []),
    "",
  ].join("\n");
}

/** The closest known option to an unknown one, if it is close enough to be what was meant. */
export function closestOption(unknown: string, known: readonly string[]): string | undefined {
  const bare = unknown.replace(/^-+/, "").split("=")[0]!;
  if (known.length === 0 || bare === "") return undefined;
  const best = closest(bare, [...known]);
  return distance(bare, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The command line parsed strictly against the spec's options (values, positionals and tokens, as
 * util.parseArgs returns them), or a UsageError naming the problem, the closest option and the usage.
 */
export interface ParsedCommandLine {
  /** By option name: a string or boolean (an array with `multiple`), or the default; each command checks its own. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly values: Record<string, any>;
  readonly positionals: string[];
  readonly tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>;
}

export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedCommandLine {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.multiple ? { multiple: true } : {}),
        ...(o.default !== undefined ? { default: o.default } : {}),
      },
    ]),
  ) as Record<string, { type: "string" | "boolean"; multiple?: boolean; default?: string | boolean }>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: spec.positionals !== undefined,
      tokens: true,
    });
    return { values: parsed.values, positionals: parsed.positionals, tokens: parsed.tokens };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown) {
      const near = closestOption(unknown, Object.keys(spec.options));
      throw new UsageError(`unknown option ${unknown}${near ? `: did you mean --${near}?` : ""}\n${usageLine(spec)}`);
    }
    throw new UsageError(`${message.split(". To specify")[0]}\n${usageLine(spec)}`);
  }
}

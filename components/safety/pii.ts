// PII in prompts, per endpoint: the gateway sends the prompt's texts to Azure AI Language's PII detection
// (Azure AI Content Safety has none) and, by the endpoint's mode, only counts what it finds (`detect`),
// replaces it with the service's masked text (`redact`) or refuses the call (`refuse`). Pure: the policy
// expressions and the facts they rest on; the gateway's API policy places them (components/gateway/apiPolicy.ts).
//
// Facts (Microsoft Learn, "Azure AI Language: data and rate limits" and "PII detection", checked
// 2026-12-05): a synchronous analyze-text request takes at most 5 documents for PII, each at most 5,120
// characters; the GA REST version is 2023-04-01; a call authenticates with an Entra ID token for
// https://cognitiveservices.azure.com. The latency is one extra call before the model call: no figure is
// published; Microsoft's AI hub gateway sample gives it a 20-second timeout.

/** The PII modes of an endpoint. */
export const PII_MODES = ["off", "detect", "redact", "refuse"] as const;
export type PiiMode = (typeof PII_MODES)[number];

/** Azure AI Language's synchronous limits for PII detection. */
export const PII_LIMITS = { documents: 5, characters: 5120 } as const;

/** The analyze-text REST API version the gateway calls. */
export const LANGUAGE_API_VERSION = "2023-04-01";

/** Seconds the gateway waits for the PII check. */
export const PII_TIMEOUT_SECONDS = 20;

/** The named value that holds the Language account's endpoint (`https://<subdomain>.cognitiveservices.azure.com/`). */
export const LANGUAGE_ENDPOINT_VALUE = "language-endpoint";

/** The policy variables of the check: the request sent (empty when the prompt cannot be checked), the answer, the outcome. */
export const PII_VARIABLES = { request: "piiRequest", response: "piiResponse", status: "piiStatus" } as const;

/** What the request expression answers instead of a request: no text to check, or more than the service takes. */
export const PII_NOTHING = "none";
export const PII_OVER_LIMITS = "over-limits";

/**
 * C# that collects the prompt's texts, in order, as the JSON values to check (and to replace): each
 * message's string content or text parts (chat), then `prompt` (completions) and `input` (embeddings),
 * each a string or an array of strings; and joins them with a line break.
 */
const COLLECT_TEXTS = [
  "var texts = new List<JValue>();",
  'var messages = body["messages"] as JArray;',
  "if (messages != null) {",
  "  foreach (var m in messages) {",
  '    var content = m["content"];',
  "    if (content is JValue && content.Type == JTokenType.String) { texts.Add((JValue)content); }",
  '    else if (content is JArray) { foreach (var part in (JArray)content) { if ((string)part["type"] == "text" && part["text"] is JValue) { texts.Add((JValue)part["text"]); } } }',
  "  }",
  "}",
  'foreach (var key in new [] { "prompt", "input" }) {',
  "  var value = body[key];",
  "  if (value is JValue && value.Type == JTokenType.String) { texts.Add((JValue)value); }",
  "  else if (value is JArray) { foreach (var item in (JArray)value) { if (item is JValue && item.Type == JTokenType.String) { texts.Add((JValue)item); } } }",
  "}",
  'var joined = string.Join("\\n", texts.Select(t => (string)t));',
];

const BODY = "var body = context.Request.Body.As<JObject>(preserveContent: true);";

/**
 * The analyze-text request: the joined texts cut into documents of at most 5,120 characters (at most 5),
 * or `none` when there is no text, or `over-limits` when they do not fit one request.
 */
export const PII_REQUEST_EXPRESSION = [
  "@{",
  BODY,
  ...COLLECT_TEXTS,
  `if (joined.Length == 0) { return "${PII_NOTHING}"; }`,
  "var documents = new JArray();",
  `for (var start = 0; start < joined.Length; start += ${PII_LIMITS.characters}) { documents.Add(new JObject(new JProperty("id", documents.Count.ToString()), new JProperty("language", "en"), new JProperty("text", joined.Substring(start, Math.Min(${PII_LIMITS.characters}, joined.Length - start))))); }`,
  `if (documents.Count > ${PII_LIMITS.documents}) { return "${PII_OVER_LIMITS}"; }`,
  'return new JObject(new JProperty("kind", "PiiEntityRecognition"), new JProperty("parameters", new JObject(new JProperty("modelVersion", "latest"))), new JProperty("analysisInput", new JObject(new JProperty("documents", documents)))).ToString();',
  "}",
].join("\n");

/**
 * `clean` (nothing to check, or nothing found), `found`, `unchecked` (over the limits) or `failed` (no
 * answer, a document refused, or masked text that does not line up with the text sent).
 */
export const PII_STATUS_EXPRESSION = [
  "@{",
  `var request = context.Variables.GetValueOrDefault<string>("${PII_VARIABLES.request}", "");`,
  `if (request == "${PII_NOTHING}") { return "clean"; }`,
  `if (request == "${PII_OVER_LIMITS}") { return "unchecked"; }`,
  `var response = context.Variables.GetValueOrDefault<IResponse>("${PII_VARIABLES.response}", null);`,
  'if (response == null || response.StatusCode != 200) { return "failed"; }',
  'var results = response.Body.As<JObject>(preserveContent: true)["results"];',
  'if (results == null || (results["errors"] as JArray)?.Count > 0) { return "failed"; }',
  'var documents = (JArray)results["documents"];',
  'var sent = JObject.Parse(request)["analysisInput"]["documents"].Sum(d => ((string)d["text"]).Length);',
  'if (documents.Sum(d => ((string)d["redactedText"]).Length) != sent) { return "failed"; }',
  'return documents.Any(d => ((JArray)d["entities"]).Count > 0) ? "found" : "clean";',
  "}",
].join("\n");

/**
 * The request body with each checked text replaced by its part of the service's masked text (each
 * character of an entity as `*`, so the masked text lines up with the text sent).
 */
export const PII_REDACTED_BODY_EXPRESSION = [
  "@{",
  BODY,
  ...COLLECT_TEXTS,
  `var documents = context.Variables.GetValueOrDefault<IResponse>("${PII_VARIABLES.response}").Body.As<JObject>(preserveContent: true)["results"]["documents"];`,
  'var masked = string.Concat(documents.OrderBy(d => int.Parse((string)d["id"])).Select(d => (string)d["redactedText"]));',
  "var offset = 0;",
  "foreach (var t in texts) { var length = ((string)t).Length; t.Value = masked.Substring(offset, length); offset += length + 1; }",
  "return body.ToString();",
  "}",
].join("\n");

/** The prompt's texts as the expressions collect them (the same order), from a parsed request body. */
export function promptTexts(body: unknown): string[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const texts: string[] = [];
  for (const m of Array.isArray(b.messages) ? b.messages : []) {
    const content = (m as { content?: unknown }).content;
    if (typeof content === "string") texts.push(content);
    else if (Array.isArray(content))
      for (const part of content as { type?: unknown; text?: unknown }[])
        if (part.type === "text" && typeof part.text === "string") texts.push(part.text);
  }
  for (const key of ["prompt", "input"]) {
    const value = b[key];
    if (typeof value === "string") texts.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") texts.push(item);
  }
  return texts;
}

/**
 * The documents the texts are sent as (joined by line breaks, cut every 5,120 characters, as the C# counts:
 * UTF-16 code units, at least the service's text elements), or why none are sent.
 */
export function piiDocuments(texts: readonly string[]): string[] | typeof PII_NOTHING | typeof PII_OVER_LIMITS {
  const joined = texts.join("\n");
  if (joined.length === 0) return PII_NOTHING;
  const documents: string[] = [];
  for (let start = 0; start < joined.length; start += PII_LIMITS.characters)
    documents.push(joined.slice(start, start + PII_LIMITS.characters));
  return documents.length > PII_LIMITS.documents ? PII_OVER_LIMITS : documents;
}

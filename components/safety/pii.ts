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

/**
 * C# that collects the prompt's texts, in order, as the JSON values to check (and to replace): each
 * message's string content or text parts (chat), then `prompt` (completions) and `input` (embeddings).
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
  'foreach (var key in new [] { "prompt", "input" }) { if (body[key] is JValue && body[key].Type == JTokenType.String) { texts.Add((JValue)body[key]); } }',
];

const BODY = "var body = context.Request.Body.As<JObject>(preserveContent: true);";

/** The analyze-text request for the prompt's texts, or "" when they are none or exceed the service's limits. */
export const PII_REQUEST_EXPRESSION = [
  "@{",
  BODY,
  ...COLLECT_TEXTS,
  `if (texts.Count == 0 || texts.Count > ${PII_LIMITS.documents} || texts.Any(t => ((string)t).Length > ${PII_LIMITS.characters})) { return ""; }`,
  "var documents = new JArray();",
  'for (var i = 0; i < texts.Count; i++) { documents.Add(new JObject(new JProperty("id", i.ToString()), new JProperty("language", "en"), new JProperty("text", (string)texts[i]))); }',
  'return new JObject(new JProperty("kind", "PiiEntityRecognition"), new JProperty("parameters", new JObject(new JProperty("modelVersion", "latest"))), new JProperty("analysisInput", new JObject(new JProperty("documents", documents)))).ToString();',
  "}",
].join("\n");

/** `unchecked` (no request), `failed` (no answer, or a document refused), `found` or `clean`. */
export const PII_STATUS_EXPRESSION = [
  "@{",
  `if ((string)context.Variables["${PII_VARIABLES.request}"] == "") { return "unchecked"; }`,
  `var response = context.Variables.GetValueOrDefault<IResponse>("${PII_VARIABLES.response}", null);`,
  'if (response == null || response.StatusCode != 200) { return "failed"; }',
  'var results = response.Body.As<JObject>(preserveContent: true)["results"];',
  'if (results == null || (results["errors"] as JArray)?.Count > 0) { return "failed"; }',
  'return ((JArray)results["documents"]).Any(d => ((JArray)d["entities"]).Count > 0) ? "found" : "clean";',
  "}",
].join("\n");

/** The request body with each checked text replaced by the service's masked text (entities as `*`). */
export const PII_REDACTED_BODY_EXPRESSION = [
  "@{",
  BODY,
  ...COLLECT_TEXTS,
  `var documents = (JArray)context.Variables.GetValueOrDefault<IResponse>("${PII_VARIABLES.response}").Body.As<JObject>(preserveContent: true)["results"]["documents"];`,
  'foreach (var d in documents) { texts[int.Parse((string)d["id"])].Value = (string)d["redactedText"]; }',
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
  for (const key of ["prompt", "input"]) if (typeof b[key] === "string") texts.push(b[key] as string);
  return texts;
}

/** Whether the texts fit one synchronous PII request. */
export const piiCheckable = (texts: readonly string[]): boolean =>
  texts.length > 0 &&
  texts.length <= PII_LIMITS.documents &&
  // As the C# counts (UTF-16 code units, at least the service's text elements): long texts are never let through unchecked.
  texts.every((t) => t.length <= PII_LIMITS.characters);

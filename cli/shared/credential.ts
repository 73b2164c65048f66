// The bearer token the verify tools (loadtest, smoke) call the gateway's Entra ID API with:
// $GENAI_GATEWAY_TOKEN when set, else the Azure credential chain (az login, workload or managed
// identity) for the gateway's audience. A chain that finds no credential is one line saying what to do,
// not the chain's seven.

/** The environment variable holding a bearer token for the gateway, used as it is. */
export const TOKEN_ENV = "GENAI_GATEWAY_TOKEN";

export type TokenSource =
  | { readonly ok: true; readonly token: () => Promise<string>; readonly from: string }
  | { readonly ok: false; readonly problem: string };

/** A token source for `audience`, with its first token already fetched (so a missing sign-in fails before any request). */
export async function gatewayToken(audience: string, env: NodeJS.ProcessEnv = process.env): Promise<TokenSource> {
  const fixed = env[TOKEN_ENV];
  if (fixed) return { ok: true, token: () => Promise.resolve(fixed), from: `$${TOKEN_ENV}` };
  const { DefaultAzureCredential, getBearerTokenProvider } = await import("@azure/identity");
  const provider = getBearerTokenProvider(new DefaultAzureCredential(), `${audience}/.default`);
  try {
    await provider();
  } catch (error) {
    const first = String((error as Error).message ?? error)
      .split("\n")[0]!
      .slice(0, 160);
    return {
      ok: false,
      problem: `no Entra ID token for ${audience}: sign in with az login (as an application of a team the gateway admits), or set $${TOKEN_ENV} to a bearer token, or pass --api-key for a team that uses keys (${first})`,
    };
  }
  return { ok: true, token: provider, from: "the Azure credential chain" };
}

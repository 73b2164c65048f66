// The Azure OpenAI data-plane (inference) api-version the platform sends where one is needed: the
// gateway when it turns a v1-shaped call (which carries none) into a call to a deployment, and the load
// and smoke tests' default. The one place this outside, dated fact lives.
//
// Why not the GA 2024-10-21: the service gates reasoning models by api-version, whatever the request
// holds ("Model o1 is enabled only for api versions 2024-12-01-preview and later", 400), and Microsoft's
// reasoning-model page lists only preview versions for them; projects calling the gpt-5 family on Azure
// moved to 2025-04-01-preview for it. 2025-04-01-preview is the last dated version: since then new
// features arrive in the v1 API (`/openai/v1/...`), which takes no api-version. The stacks deploy the
// gpt-5 family, so the dated version the gateway sends must be the newest.
// Sources: Microsoft Learn, "Azure OpenAI API version lifecycle" and "Azure OpenAI reasoning models";
// the 2024-10-21 GA spec (azure-rest-api-specs, AzureOpenAI/inference/stable/2024-10-21). Not verified
// against a live deployment here: re-check when Microsoft retires a preview version.
export const DATA_PLANE_API_VERSION = "2025-04-01-preview";
export const API_VERSION_SOURCE = "Microsoft Learn: Azure OpenAI API version lifecycle; Azure OpenAI reasoning models";
export const API_VERSION_DATE = "2026-11-27";

// The Azure OpenAI data-plane (inference) api-version the platform sends where one is needed: the
// gateway when it turns a v1-shaped call (which carries none) into a call to a deployment, and the load
// and smoke tests' default. The one place this outside, dated fact lives.
//
// Why not the GA 2024-10-21: the service gates reasoning models by api-version, whatever the request
// holds ("Model o1 is enabled only for api versions 2024-12-01-preview and later", 400). Microsoft's
// reasoning-model page lists "2025-04-01-preview & v1" for the o-series and only "v1" for the gpt-5
// family; projects calling gpt-5 deployments on Azure moved to 2025-04-01-preview for it. It is the
// newest dated version (the lifecycle page's changelog goes from it to the v1 API, which takes no
// api-version) and has `max_completion_tokens` and `stream_options`. The gateway cannot send v1 calls
// on as v1: the model then goes in the body, and each pool member has its own deployment name, known
// only once the pool has chosen. The stacks deploy the gpt-5 family: the dated version must be the newest.
// Sources: Microsoft Learn, "Azure OpenAI API version lifecycle" and "Azure OpenAI reasoning models";
// the 2024-10-21 GA spec (azure-rest-api-specs, AzureOpenAI/inference/stable/2024-10-21). Not verified
// against a live deployment here: check a gpt-5 deployment's answer on this version before production
// traffic, and re-check when Microsoft retires a dated version.
export const DATA_PLANE_API_VERSION = "2025-04-01-preview";
export const API_VERSION_SOURCE = "Microsoft Learn: Azure OpenAI API version lifecycle; Azure OpenAI reasoning models";
export const API_VERSION_DATE = "2026-11-27";

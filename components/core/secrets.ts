// How a secret looks wherever the platform's tools meet one, in one place: Pulumi's envelope in a
// checkpoint and on the wire (`{ [SIG_KEY]: SECRET_SIG, ... }`), and the placeholder the offline tools
// write instead of a value (in `out/`, in what a rule sees, in a compared export).

/** The key of Pulumi's signature envelope, and the signature that marks the envelope as a secret. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** What stands where a secret's value would be: never the value. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Whether `value` is a secret as a rule may meet it: the offline tools' placeholder or Pulumi's envelope. */
export function isSecretValue(value: unknown): boolean {
  return value === SECRET_PLACEHOLDER || (typeof value === "object" && value !== null && SIG_KEY in value);
}

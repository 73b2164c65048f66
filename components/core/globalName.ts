import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A name that must be unique across every Azure customer (it becomes a public host name):
 * `<base>-<6 random characters>`. The random part is a resource of its own, kept stable by
 * `keepers`, so it changes only when they do (and with it the name, which replaces its owner).
 */
export function globallyUniqueName(
  logicalName: string,
  base: string,
  keepers: Record<string, string>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const suffix = new random.RandomString(logicalName, { length: 6, special: false, upper: false, keepers }, { parent });
  return pulumi.interpolate`${base}-${suffix.result}`;
}

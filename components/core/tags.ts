/** Tags every taggable resource carries: who owns it, who pays, and where it came from. */
export interface OwnershipTags {
  readonly owner: string;
  readonly costCenter: string;
  readonly [extra: string]: string;
}

export function platformTags(environment: string, ownership: OwnershipTags): Record<string, string> {
  return {
    ...ownership,
    environment,
    project: "genai-platform",
    managedBy: "pulumi",
  };
}

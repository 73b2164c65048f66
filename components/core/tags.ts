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

// Azure Resource Manager tag limits. Source: Microsoft Learn, "Use tags to organize your Azure resources",
// Limitations (checked 2026-11-27): at most 50 tag name/value pairs per resource; names up to 512
// characters without < > % & \ ? /; values up to 256 characters.
export const TAG_LIMITS = {
  maxTags: 50,
  maxNameLength: 512,
  maxValueLength: 256,
  forbiddenInName: /[<>%&\\?/]/,
} as const;

/** Every way the tags a resource will carry break Azure's limits, by tag name (`""` for the whole set). */
export function tagProblems(tags: Readonly<Record<string, string>>): { tag: string; message: string }[] {
  const problems: { tag: string; message: string }[] = [];
  const count = Object.keys(tags).length;
  if (count > TAG_LIMITS.maxTags)
    problems.push({
      tag: "",
      message: `${count} tags on a model deployment, with the platform's own (environment, project, managedBy and six that describe the deployment): Azure allows at most ${TAG_LIMITS.maxTags} per resource`,
    });
  for (const [name, value] of Object.entries(tags)) {
    if (name.length > TAG_LIMITS.maxNameLength)
      problems.push({
        tag: name,
        message: `tag name is ${name.length} characters; Azure allows at most ${TAG_LIMITS.maxNameLength}`,
      });
    const bad = name.match(TAG_LIMITS.forbiddenInName);
    if (bad)
      problems.push({
        tag: name,
        message: `tag name "${name}" contains "${bad[0]}"; Azure does not allow < > % & \\ ? / in tag names`,
      });
    if (/[\u0000-\u001f\u007f-\u009f]/.test(name))
      problems.push({ tag: name, message: `tag name ${JSON.stringify(name)} holds a control character` });
    if (value.length > TAG_LIMITS.maxValueLength)
      problems.push({
        tag: name,
        message: `tag value is ${value.length} characters; Azure allows at most ${TAG_LIMITS.maxValueLength}`,
      });
  }
  return problems;
}

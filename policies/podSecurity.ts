// The Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/,
// and the admission controller's checks in kubernetes/kubernetes; checked 2026-12-05),
// control by control, for the baseline and restricted profiles: a pure reading of a pod spec, so rules,
// the CLI and tests share one definition. Imports nothing on purpose (no Pulumi, no parsers).

export type PssLevel = "privileged" | "baseline" | "restricted";

/** The Pod Security Standards controls, by the names the Kubernetes docs give them. */
export type PssControl =
  | "HostProcess"
  | "Host Namespaces"
  | "Privileged Containers"
  | "Capabilities"
  | "HostPath Volumes"
  | "Host Ports"
  | "AppArmor"
  | "SELinux"
  | "/proc Mount Type"
  | "Seccomp"
  | "Sysctls"
  | "Volume Types"
  | "Privilege Escalation"
  | "Running as Non-root"
  | "Running as Non-root user";

export interface PssFinding {
  /** The control, as the Kubernetes docs name it. */
  readonly control: PssControl;
  /** The lowest profile this finding breaks: a baseline finding also breaks restricted. */
  readonly level: "baseline" | "restricted";
  /** The container it concerns (init and ephemeral containers included), if any. */
  readonly container?: string;
  /** What is wrong, for a reviewer: names the field and its value, e.g. `container vllm adds capability SYS_ADMIN`. */
  readonly message: string;
}

/**
 * The controls of each profile in the docs' order (for a coverage table). Restricted lists the controls
 * its table adds; the profile also holds every baseline control.
 */
export const PSS_CONTROLS: Readonly<Record<"baseline" | "restricted", readonly PssControl[]>> = {
  baseline: [
    "HostProcess",
    "Host Namespaces",
    "Privileged Containers",
    "Capabilities",
    "HostPath Volumes",
    "Host Ports",
    "AppArmor",
    "SELinux",
    "/proc Mount Type",
    "Seccomp",
    "Sysctls",
  ],
  restricted: [
    "Volume Types",
    "Privilege Escalation",
    "Running as Non-root",
    "Running as Non-root user",
    "Seccomp",
    "Capabilities",
  ],
};

/** Capabilities baseline lets a container add (Docker's default set, as the docs list it). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

/** The one capability restricted lets a container add back after dropping ALL. */
const RESTRICTED_CAPABILITY = "NET_BIND_SERVICE";

/** Sysctls baseline allows: namespaced in the pod and isolated from other pods on the node. */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

/** Volume sources restricted allows (core types, and PersistentVolumes the cluster admin set up). */
export const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

/** SELinux types baseline allows besides unset ("" counts as unset). */
const SELINUX_TYPES: ReadonlySet<string> = new Set([
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

/** Profile types both AppArmor and seccomp accept (anything else, Unconfined first, is refused). */
const CONFINED_PROFILE_TYPES: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);

/** The legacy per-container AppArmor annotation; the container's name follows the prefix. */
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** The profiles from the most to the least permissive. */
export const LEVEL_ORDER: readonly PssLevel[] = ["privileged", "baseline", "restricted"];

type Obj = Record<string, unknown>;

/** A container of the pod, with the list it came from (so messages can say "init container"). */
interface PodContainer {
  readonly name: string;
  readonly role: "container" | "init container" | "ephemeral container";
  readonly securityContext: Obj;
  readonly spec: Obj;
}

function objectOr(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Unset in the docs' sense: undefined or null (a missing spec or field reads as unset). */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** "Unset or false" fields fail on anything else, so a string "true" is not waved through. */
function isSetToOtherThanFalse(value: unknown): boolean {
  return !isUnset(value) && value !== false;
}

/** A value as a reviewer reads it in a message. */
function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

function containersOf(pod: Obj): PodContainer[] {
  const from = (field: string, role: PodContainer["role"]) =>
    listOf(pod[field]).map((raw, index) => {
      const spec = objectOr(raw);
      return {
        name: typeof spec.name === "string" ? spec.name : `#${index}`,
        role,
        securityContext: objectOr(spec.securityContext),
        spec,
      };
    });
  return [
    ...from("initContainers", "init container"),
    ...from("containers", "container"),
    ...from("ephemeralContainers", "ephemeral container"),
  ];
}

/** The subject of a message: `container vllm`, `init container setup`, or `the pod`. */
function subject(c: PodContainer | undefined): string {
  return c ? `${c.role} ${c.name}` : "the pod";
}

function finding(
  control: PssControl,
  level: PssFinding["level"],
  c: PodContainer | undefined,
  what: string,
): PssFinding {
  return c
    ? { control, level, container: c.name, message: `${subject(c)} ${what}` }
    : { control, level, message: `${subject(c)} ${what}` };
}

/** Windows pods are exempt from restricted's Linux-only controls (docs: "spec.os.name != windows"). */
function isWindowsPod(pod: Obj): boolean {
  return objectOr(pod.os).name === "windows";
}

// ---- Baseline ---------------------------------------------------------------------------------------

function hostProcess(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  const sets = (context: Obj) => isSetToOtherThanFalse(objectOr(context.windowsOptions).hostProcess);
  const what = (context: Obj) =>
    `sets windowsOptions.hostProcess ${show(objectOr(context.windowsOptions).hostProcess)}`;
  return [
    ...(sets(podContext) ? [finding("HostProcess", "baseline", undefined, what(podContext))] : []),
    ...containers
      .filter((c) => sets(c.securityContext))
      .map((c) => finding("HostProcess", "baseline", c, what(c.securityContext))),
  ];
}

function hostNamespaces(pod: Obj): PssFinding[] {
  const shared = ["hostNetwork", "hostPID", "hostIPC"].filter((field) => isSetToOtherThanFalse(pod[field]));
  return shared.length === 0
    ? []
    : [
        finding(
          "Host Namespaces",
          "baseline",
          undefined,
          `shares the host's namespaces: ${shared.map((f) => `${f} ${show(pod[f])}`).join(", ")}`,
        ),
      ];
}

function privilegedContainers(containers: readonly PodContainer[]): PssFinding[] {
  return containers
    .filter((c) => isSetToOtherThanFalse(c.securityContext.privileged))
    .map((c) =>
      finding("Privileged Containers", "baseline", c, `sets privileged ${show(c.securityContext.privileged)}`),
    );
}

function addedCapabilities(c: PodContainer): string[] {
  return listOf(objectOr(c.securityContext.capabilities).add).map(show);
}

function capabilitiesBaseline(containers: readonly PodContainer[]): PssFinding[] {
  return containers.flatMap((c) => {
    const beyond = addedCapabilities(c).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    return beyond.length === 0
      ? []
      : [
          finding(
            "Capabilities",
            "baseline",
            c,
            `adds ${plural(beyond.length, "capability", "capabilities")} ${beyond.join(", ")}`,
          ),
        ];
  });
}

function volumesOf(pod: Obj): { name: string; volume: Obj }[] {
  return listOf(pod.volumes).map((raw, index) => {
    const volume = objectOr(raw);
    return { name: typeof volume.name === "string" ? volume.name : `#${index}`, volume };
  });
}

function hostPathVolumes(pod: Obj): PssFinding[] {
  const mounts = volumesOf(pod).filter(({ volume }) => !isUnset(volume.hostPath));
  if (mounts.length === 0) return [];
  const described = mounts.map(({ name, volume }) => `${name} (${show(objectOr(volume.hostPath).path ?? "no path")})`);
  return [
    finding(
      "HostPath Volumes",
      "baseline",
      undefined,
      `mounts hostPath ${plural(mounts.length, "volume", "volumes")} ${described.join(", ")}`,
    ),
  ];
}

function hostPorts(containers: readonly PodContainer[]): PssFinding[] {
  return containers.flatMap((c) => {
    const bound = listOf(c.spec.ports)
      .map((p) => objectOr(p).hostPort)
      .filter((port) => !isUnset(port) && port !== 0);
    return bound.length === 0
      ? []
      : [
          finding(
            "Host Ports",
            "baseline",
            c,
            `binds ${plural(bound.length, "hostPort", "hostPorts")} ${bound.map(show).join(", ")}`,
          ),
        ];
  });
}

/** An AppArmor or seccomp profile type that is set to something other than a confined profile. */
function unconfinedType(profile: unknown): string | undefined {
  const type = objectOr(profile).type;
  return isUnset(type) || CONFINED_PROFILE_TYPES.has(show(type)) ? undefined : show(type);
}

/** The legacy annotation allows runtime/default, localhost/<profile>, and empty (unset). */
function allowedAppArmorAnnotation(value: string): boolean {
  return value === "" || value === "runtime/default" || value.startsWith("localhost/");
}

function appArmor(
  podContext: Obj,
  containers: readonly PodContainer[],
  annotations: Readonly<Record<string, string>>,
): PssFinding[] {
  const podType = unconfinedType(podContext.appArmorProfile);
  const fromFields = containers.flatMap((c) => {
    const type = unconfinedType(c.securityContext.appArmorProfile);
    return type === undefined ? [] : [finding("AppArmor", "baseline", c, `sets appArmorProfile.type ${type}`)];
  });
  // The annotation names its container by key; one the pod does not have is still reported, by that name.
  const fromAnnotations = Object.entries(annotations)
    .filter(([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(String(value)))
    .map(([key, value]) => {
      const name = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
      const c = containers.find((candidate) => candidate.name === name) ?? {
        name,
        role: "container" as const,
        securityContext: {},
        spec: {},
      };
      return finding("AppArmor", "baseline", c, `has AppArmor annotation ${key}: ${value}`);
    });
  return [
    ...(podType === undefined
      ? []
      : [finding("AppArmor", "baseline", undefined, `sets appArmorProfile.type ${podType}`)]),
    ...fromFields,
    ...fromAnnotations,
  ];
}

/** What is wrong with seLinuxOptions: a type outside the allowed ones, or any user or role. */
function seLinuxProblems(options: unknown): string[] {
  const o = objectOr(options);
  const set = (v: unknown) => !isUnset(v) && v !== "";
  return [
    ...(set(o.type) && !SELINUX_TYPES.has(show(o.type)) ? [`seLinuxOptions.type ${show(o.type)}`] : []),
    ...(set(o.user) ? [`seLinuxOptions.user ${show(o.user)}`] : []),
    ...(set(o.role) ? [`seLinuxOptions.role ${show(o.role)}`] : []),
  ];
}

function seLinux(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  const podProblems = seLinuxProblems(podContext.seLinuxOptions);
  return [
    ...(podProblems.length === 0 ? [] : [finding("SELinux", "baseline", undefined, `sets ${podProblems.join(", ")}`)]),
    ...containers.flatMap((c) => {
      const problems = seLinuxProblems(c.securityContext.seLinuxOptions);
      return problems.length === 0 ? [] : [finding("SELinux", "baseline", c, `sets ${problems.join(", ")}`)];
    }),
  ];
}

function procMount(containers: readonly PodContainer[]): PssFinding[] {
  return containers
    .filter((c) => !isUnset(c.securityContext.procMount) && c.securityContext.procMount !== "Default")
    .map((c) => finding("/proc Mount Type", "baseline", c, `sets procMount ${show(c.securityContext.procMount)}`));
}

function seccompBaseline(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  const podType = unconfinedType(podContext.seccompProfile);
  return [
    ...(podType === undefined
      ? []
      : [finding("Seccomp", "baseline", undefined, `sets seccompProfile.type ${podType}`)]),
    ...containers.flatMap((c) => {
      const type = unconfinedType(c.securityContext.seccompProfile);
      return type === undefined ? [] : [finding("Seccomp", "baseline", c, `sets seccompProfile.type ${type}`)];
    }),
  ];
}

function sysctls(podContext: Obj): PssFinding[] {
  const unsafe = listOf(podContext.sysctls)
    .map((s) => show(objectOr(s).name))
    .filter((name) => !SAFE_SYSCTLS.has(name));
  return unsafe.length === 0
    ? []
    : [
        finding(
          "Sysctls",
          "baseline",
          undefined,
          `sets unsafe ${plural(unsafe.length, "sysctl", "sysctls")} ${unsafe.join(", ")}`,
        ),
      ];
}

// ---- Restricted -------------------------------------------------------------------------------------

/** The volume source a volume sets (the first field besides its name that is set). */
function volumeType(volume: Obj): string | undefined {
  return Object.keys(volume).find((key) => key !== "name" && !isUnset(volume[key]));
}

function volumeTypes(pod: Obj): PssFinding[] {
  // A hostPath volume is reported here too: the docs' restricted list names hostPath again.
  const outside = volumesOf(pod).filter(
    ({ volume }) => !Object.keys(volume).some((key) => RESTRICTED_VOLUME_TYPES.has(key) && !isUnset(volume[key])),
  );
  if (outside.length === 0) return [];
  const described = outside.map(({ name, volume }) => `${name} (${volumeType(volume) ?? "no volume source"})`);
  return [
    finding(
      "Volume Types",
      "restricted",
      undefined,
      `uses ${plural(outside.length, "a volume type", "volume types")} restricted does not allow: ${described.join(", ")}`,
    ),
  ];
}

function privilegeEscalation(containers: readonly PodContainer[]): PssFinding[] {
  return containers
    .filter((c) => c.securityContext.allowPrivilegeEscalation !== false)
    .map((c) => {
      const value = c.securityContext.allowPrivilegeEscalation;
      return finding(
        "Privilege Escalation",
        "restricted",
        c,
        isUnset(value) ? "does not set allowPrivilegeEscalation false" : `sets allowPrivilegeEscalation ${show(value)}`,
      );
    });
}

function runningAsNonRoot(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  const podValue = podContext.runAsNonRoot;
  // A pod that says false is one finding; its containers that say nothing inherit it and are not repeated.
  const podIssues =
    !isUnset(podValue) && podValue !== true
      ? [finding("Running as Non-root", "restricted", undefined, `sets runAsNonRoot ${show(podValue)}`)]
      : [];
  const containerIssues = containers.flatMap((c) => {
    const value = c.securityContext.runAsNonRoot;
    if (value === true) return [];
    if (!isUnset(value)) return [finding("Running as Non-root", "restricted", c, `sets runAsNonRoot ${show(value)}`)];
    return isUnset(podValue)
      ? [finding("Running as Non-root", "restricted", c, "does not set runAsNonRoot true, nor does the pod")]
      : [];
  });
  return [...podIssues, ...containerIssues];
}

function runningAsNonRootUser(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  return [
    ...(podContext.runAsUser === 0
      ? [finding("Running as Non-root user", "restricted", undefined, "sets runAsUser 0")]
      : []),
    ...containers
      .filter((c) => c.securityContext.runAsUser === 0)
      .map((c) => finding("Running as Non-root user", "restricted", c, "sets runAsUser 0")),
  ];
}

function seccompRestricted(podContext: Obj, containers: readonly PodContainer[]): PssFinding[] {
  // Only the absence of a profile is restricted's own finding: a set, unconfined one is baseline's.
  if (!isUnset(objectOr(podContext.seccompProfile).type)) return [];
  return containers
    .filter((c) => isUnset(objectOr(c.securityContext.seccompProfile).type))
    .map((c) =>
      finding(
        "Seccomp",
        "restricted",
        c,
        "sets no seccompProfile.type, nor does the pod (RuntimeDefault or Localhost required)",
      ),
    );
}

function capabilitiesRestricted(containers: readonly PodContainer[]): PssFinding[] {
  return containers.flatMap((c) => {
    const drop = listOf(objectOr(c.securityContext.capabilities).drop).map(show);
    // Capabilities beyond baseline's list are baseline findings already; restricted adds the rest.
    const addedBack = addedCapabilities(c).filter(
      (cap) => cap !== RESTRICTED_CAPABILITY && BASELINE_CAPABILITIES.has(cap),
    );
    const problems = [
      ...(drop.includes("ALL")
        ? []
        : [drop.length === 0 ? "does not drop ALL capabilities" : `drops ${drop.join(", ")}, not ALL`]),
      ...(addedBack.length === 0
        ? []
        : [
            `adds ${plural(addedBack.length, "capability", "capabilities")} ${addedBack.join(", ")} (only ${RESTRICTED_CAPABILITY} is allowed)`,
          ]),
    ];
    return problems.length === 0 ? [] : [finding("Capabilities", "restricted", c, problems.join(", and "))];
  });
}

// ---- Findings ---------------------------------------------------------------------------------------

/** One finding per control, container and level: several problems of one kind read as one message. */
function mergeFindings(findings: readonly PssFinding[]): PssFinding[] {
  const byKey = new Map<string, PssFinding>();
  for (const i of findings) {
    const key = `${i.level}\u0000${i.control}\u0000${i.container ?? ""}`;
    const earlier = byKey.get(key);
    byKey.set(key, earlier ? { ...earlier, message: `${earlier.message}; ${i.message}` } : i);
  }
  return [...byKey.values()];
}

/** Every finding of `pod` (a PodSpec, as in a Deployment's spec.template.spec) against the baseline and restricted profiles. `annotations` are the pod template's metadata.annotations (AppArmor's legacy annotations). */
export function podSecurityFindings(pod: Record<string, any>, annotations?: Record<string, string>): PssFinding[] {
  const spec = objectOr(pod);
  const podContext = objectOr(spec.securityContext);
  const containers = containersOf(spec);
  const linux = !isWindowsPod(spec);
  return mergeFindings([
    ...hostProcess(podContext, containers),
    ...hostNamespaces(spec),
    ...privilegedContainers(containers),
    ...capabilitiesBaseline(containers),
    ...hostPathVolumes(spec),
    ...hostPorts(containers),
    ...appArmor(podContext, containers, annotations ?? {}),
    ...seLinux(podContext, containers),
    ...procMount(containers),
    ...seccompBaseline(podContext, containers),
    ...sysctls(podContext),
    ...volumeTypes(spec),
    ...(linux ? privilegeEscalation(containers) : []),
    ...runningAsNonRoot(podContext, containers),
    ...runningAsNonRootUser(podContext, containers),
    ...(linux ? seccompRestricted(podContext, containers) : []),
    ...(linux ? capabilitiesRestricted(containers) : []),
  ]);
}

/** The strictest profile a pod with these findings meets. */
export function levelMet(findings: readonly PssFinding[]): PssLevel {
  if (findings.some((f) => f.level === "baseline")) return "privileged";
  if (findings.some((f) => f.level === "restricted")) return "baseline";
  return "restricted";
}

/** Whether a pod that meets `met` is admitted by a namespace enforcing `enforced` (privileged < baseline < restricted). */
export function admits(enforced: PssLevel, met: PssLevel): boolean {
  return LEVEL_ORDER.indexOf(met) >= LEVEL_ORDER.indexOf(enforced);
}

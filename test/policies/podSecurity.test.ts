// The Pod Security Standards reader: a restricted vLLM pod has no findings, and each mutation breaks
// exactly the control (and level) the Kubernetes docs say it breaks, and no other.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BASELINE_CAPABILITIES,
  PSS_CONTROLS,
  admits,
  levelMet,
  podSecurityFindings,
  type PssControl,
  type PssFinding,
  type PssLevel,
} from "../../policies/podSecurity";

const hardened = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] } as { drop?: string[]; add?: string[] },
});

/** A vLLM server that meets restricted: non-root, seccomp RuntimeDefault, drop ALL, no escalation, core volumes. */
const compliantPod = (): any => ({
  serviceAccountName: "vllm",
  automountServiceAccountToken: false,
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: "RuntimeDefault" },
  },
  initContainers: [
    {
      name: "model-download",
      image: "ghcr.io/example/model-fetch:1.4.2",
      securityContext: hardened(),
      volumeMounts: [
        { name: "models", mountPath: "/models" },
        { name: "hf-token", mountPath: "/secrets/hf", readOnly: true },
      ],
    },
  ],
  containers: [
    {
      name: "vllm",
      image: "vllm/vllm-openai:v0.30.0",
      args: ["--model", "/models/qwen", "--port", "8000"],
      ports: [{ name: "http", containerPort: 8000 }],
      resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
      securityContext: hardened(),
      volumeMounts: [
        { name: "models", mountPath: "/models", readOnly: true },
        { name: "shm", mountPath: "/dev/shm" },
        { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
      ],
    },
  ],
  volumes: [
    { name: "models", persistentVolumeClaim: { claimName: "models-qwen" } },
    { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } },
    { name: "hf-token", secret: { secretName: "hf-token" } },
    {
      name: "kube-api-access",
      projected: {
        sources: [
          { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
          { configMap: { name: "kube-root-ca.crt" } },
        ],
      },
    },
  ],
});

const vllm = (pod: any) => pod.containers[0];
const init = (pod: any) => pod.initContainers[0];

/** The compliant pod's findings after `mutate` (which may also set the template's annotations). */
function findingsAfter(mutate: (pod: any, annotations: Record<string, string>) => void): PssFinding[] {
  const pod = compliantPod();
  const annotations: Record<string, string> = {};
  mutate(pod, annotations);
  return podSecurityFindings(pod, annotations);
}

type Expected = readonly [PssControl, "baseline" | "restricted", string | undefined];

interface Case {
  readonly name: string;
  readonly mutate: (pod: any, annotations: Record<string, string>) => void;
  /** Every finding, in order: control, level, container (undefined for the pod). */
  readonly expected: readonly Expected[];
  /** What the messages must name (the offending value). */
  readonly mentions: string;
}

const FAILING: readonly Case[] = [
  {
    name: "pod-level hostProcess",
    mutate: (p) => (p.securityContext.windowsOptions = { hostProcess: true }),
    expected: [["HostProcess", "baseline", undefined]],
    mentions: "the pod sets windowsOptions.hostProcess true",
  },
  {
    name: "container-level hostProcess",
    mutate: (p) => (vllm(p).securityContext.windowsOptions = { hostProcess: true }),
    expected: [["HostProcess", "baseline", "vllm"]],
    mentions: "container vllm sets windowsOptions.hostProcess true",
  },
  {
    name: "hostNetwork",
    mutate: (p) => (p.hostNetwork = true),
    expected: [["Host Namespaces", "baseline", undefined]],
    mentions: "hostNetwork true",
  },
  {
    name: "hostPID and hostIPC, reported once",
    mutate: (p) => Object.assign(p, { hostPID: true, hostIPC: true }),
    expected: [["Host Namespaces", "baseline", undefined]],
    mentions: "hostPID true, hostIPC true",
  },
  // Kubernetes refuses privileged with allowPrivilegeEscalation false, so the realistic mutation drops both.
  {
    name: "a privileged container",
    mutate: (p) => Object.assign(vllm(p).securityContext, { privileged: true, allowPrivilegeEscalation: undefined }),
    expected: [
      ["Privileged Containers", "baseline", "vllm"],
      ["Privilege Escalation", "restricted", "vllm"],
    ],
    mentions: "container vllm sets privileged true",
  },
  {
    name: "SYS_ADMIN added",
    mutate: (p) => (vllm(p).securityContext.capabilities.add = ["SYS_ADMIN"]),
    expected: [["Capabilities", "baseline", "vllm"]],
    mentions: "container vllm adds capability SYS_ADMIN",
  },
  {
    name: "CHOWN added (baseline allows it, restricted does not)",
    mutate: (p) => (vllm(p).securityContext.capabilities.add = ["CHOWN"]),
    expected: [["Capabilities", "restricted", "vllm"]],
    mentions: "container vllm adds capability CHOWN",
  },
  {
    name: "ALL not dropped",
    mutate: (p) => (vllm(p).securityContext.capabilities.drop = ["NET_RAW"]),
    expected: [["Capabilities", "restricted", "vllm"]],
    mentions: "drops NET_RAW, not ALL",
  },
  {
    name: "an init container without capabilities",
    mutate: (p) => delete init(p).securityContext.capabilities,
    expected: [["Capabilities", "restricted", "model-download"]],
    mentions: "init container model-download does not drop ALL",
  },
  {
    name: "a hostPath volume (HostPath Volumes at baseline, Volume Types at restricted)",
    mutate: (p) => p.volumes.push({ name: "host-models", hostPath: { path: "/mnt/models" } }),
    expected: [
      ["HostPath Volumes", "baseline", undefined],
      ["Volume Types", "restricted", undefined],
    ],
    mentions: "host-models (/mnt/models)",
  },
  {
    name: "an nfs volume",
    mutate: (p) => p.volumes.push({ name: "shared", nfs: { server: "10.0.0.4", path: "/exports" } }),
    expected: [["Volume Types", "restricted", undefined]],
    mentions: "shared (nfs)",
  },
  {
    name: "a hostPort",
    mutate: (p) => (vllm(p).ports[0].hostPort = 8000),
    expected: [["Host Ports", "baseline", "vllm"]],
    mentions: "container vllm binds hostPort 8000",
  },
  {
    name: "pod-level AppArmor Unconfined",
    mutate: (p) => (p.securityContext.appArmorProfile = { type: "Unconfined" }),
    expected: [["AppArmor", "baseline", undefined]],
    mentions: "the pod sets appArmorProfile.type Unconfined",
  },
  {
    name: "container-level AppArmor Unconfined",
    mutate: (p) => (vllm(p).securityContext.appArmorProfile = { type: "Unconfined" }),
    expected: [["AppArmor", "baseline", "vllm"]],
    mentions: "container vllm sets appArmorProfile.type Unconfined",
  },
  {
    name: "legacy AppArmor annotation unconfined",
    mutate: (_, a) => (a["container.apparmor.security.beta.kubernetes.io/vllm"] = "unconfined"),
    expected: [["AppArmor", "baseline", "vllm"]],
    mentions: "container.apparmor.security.beta.kubernetes.io/vllm: unconfined",
  },
  {
    name: "legacy AppArmor annotation localhost without a profile",
    mutate: (_, a) => (a["container.apparmor.security.beta.kubernetes.io/model-download"] = "localhost"),
    expected: [["AppArmor", "baseline", "model-download"]],
    mentions: "init container model-download has AppArmor annotation",
  },
  {
    name: "SELinux type spc_t on the pod",
    mutate: (p) => (p.securityContext.seLinuxOptions = { type: "spc_t" }),
    expected: [["SELinux", "baseline", undefined]],
    mentions: "seLinuxOptions.type spc_t",
  },
  {
    name: "SELinux user and role on a container, reported once",
    mutate: (p) => (vllm(p).securityContext.seLinuxOptions = { user: "system_u", role: "system_r" }),
    expected: [["SELinux", "baseline", "vllm"]],
    mentions: "seLinuxOptions.user system_u, seLinuxOptions.role system_r",
  },
  {
    name: "procMount Unmasked",
    mutate: (p) => (vllm(p).securityContext.procMount = "Unmasked"),
    expected: [["/proc Mount Type", "baseline", "vllm"]],
    mentions: "container vllm sets procMount Unmasked",
  },
  {
    name: "pod-level seccomp Unconfined (containers inherit it; reported once, on the pod)",
    mutate: (p) => (p.securityContext.seccompProfile = { type: "Unconfined" }),
    expected: [["Seccomp", "baseline", undefined]],
    mentions: "the pod sets seccompProfile.type Unconfined",
  },
  {
    name: "container-level seccomp Unconfined under a RuntimeDefault pod",
    mutate: (p) => (vllm(p).securityContext.seccompProfile = { type: "Unconfined" }),
    expected: [["Seccomp", "baseline", "vllm"]],
    mentions: "container vllm sets seccompProfile.type Unconfined",
  },
  {
    name: "no seccomp on the pod, and a container without its own",
    mutate: (p) => {
      delete p.securityContext.seccompProfile;
      init(p).securityContext.seccompProfile = { type: "RuntimeDefault" };
    },
    expected: [["Seccomp", "restricted", "vllm"]],
    mentions: "container vllm sets no seccompProfile.type",
  },
  {
    name: "an unsafe sysctl",
    mutate: (p) =>
      (p.securityContext.sysctls = [
        { name: "net.ipv4.tcp_syncookies", value: "1" },
        { name: "kernel.msgmax", value: "65536" },
      ]),
    expected: [["Sysctls", "baseline", undefined]],
    mentions: "sysctl kernel.msgmax",
  },
  {
    name: "allowPrivilegeEscalation unset on the init container",
    mutate: (p) => delete init(p).securityContext.allowPrivilegeEscalation,
    expected: [["Privilege Escalation", "restricted", "model-download"]],
    mentions: "init container model-download does not set allowPrivilegeEscalation false",
  },
  {
    name: "allowPrivilegeEscalation true",
    mutate: (p) => (vllm(p).securityContext.allowPrivilegeEscalation = true),
    expected: [["Privilege Escalation", "restricted", "vllm"]],
    mentions: "container vllm sets allowPrivilegeEscalation true",
  },
  {
    name: "container runAsNonRoot false overriding the pod's true",
    mutate: (p) => (vllm(p).securityContext.runAsNonRoot = false),
    expected: [["Running as Non-root", "restricted", "vllm"]],
    mentions: "container vllm sets runAsNonRoot false",
  },
  {
    name: "runAsNonRoot unset on the pod and its containers",
    mutate: (p) => delete p.securityContext.runAsNonRoot,
    expected: [
      ["Running as Non-root", "restricted", "model-download"],
      ["Running as Non-root", "restricted", "vllm"],
    ],
    mentions: "does not set runAsNonRoot true",
  },
  {
    name: "pod runAsNonRoot false, even with every container true",
    mutate: (p) => {
      p.securityContext.runAsNonRoot = false;
      for (const c of [init(p), vllm(p)]) c.securityContext.runAsNonRoot = true;
    },
    expected: [["Running as Non-root", "restricted", undefined]],
    mentions: "the pod sets runAsNonRoot false",
  },
  {
    name: "pod runAsUser 0",
    mutate: (p) => (p.securityContext.runAsUser = 0),
    expected: [["Running as Non-root user", "restricted", undefined]],
    mentions: "the pod sets runAsUser 0",
  },
  {
    name: "container runAsUser 0",
    mutate: (p) => (vllm(p).securityContext.runAsUser = 0),
    expected: [["Running as Non-root user", "restricted", "vllm"]],
    mentions: "container vllm sets runAsUser 0",
  },
  {
    name: "an ephemeral debug container adding SYS_PTRACE",
    mutate: (p) =>
      (p.ephemeralContainers = [
        {
          name: "debug",
          image: "busybox:1.37",
          targetContainerName: "vllm",
          securityContext: { ...hardened(), capabilities: { drop: ["ALL"], add: ["SYS_PTRACE"] } },
        },
      ]),
    expected: [["Capabilities", "baseline", "debug"]],
    mentions: "ephemeral container debug adds capability SYS_PTRACE",
  },
  {
    name: "an ephemeral container without a securityContext",
    mutate: (p) => (p.ephemeralContainers = [{ name: "debug", image: "busybox:1.37" }]),
    expected: [
      ["Privilege Escalation", "restricted", "debug"],
      ["Capabilities", "restricted", "debug"],
    ],
    mentions: "ephemeral container debug",
  },
];

const PASSING: readonly {
  readonly name: string;
  readonly mutate: (pod: any, annotations: Record<string, string>) => void;
}[] = [
  {
    name: "NET_BIND_SERVICE added with drop ALL",
    mutate: (p) => (vllm(p).securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
  },
  { name: "hostPort 0", mutate: (p) => (vllm(p).ports[0].hostPort = 0) },
  {
    name: "host namespaces, privileged and hostProcess explicitly false",
    mutate: (p) => {
      Object.assign(p, { hostNetwork: false, hostPID: false, hostIPC: false });
      p.securityContext.windowsOptions = { hostProcess: false };
      vllm(p).securityContext.privileged = false;
    },
  },
  {
    name: "no seccomp on the pod but RuntimeDefault on every container",
    mutate: (p) => {
      delete p.securityContext.seccompProfile;
      for (const c of [init(p), vllm(p)]) c.securityContext.seccompProfile = { type: "RuntimeDefault" };
    },
  },
  {
    name: "a Localhost seccomp profile on a container",
    mutate: (p) =>
      (vllm(p).securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/vllm.json" }),
  },
  {
    name: "runAsNonRoot on every container instead of the pod",
    mutate: (p) => {
      delete p.securityContext.runAsNonRoot;
      for (const c of [init(p), vllm(p)]) c.securityContext.runAsNonRoot = true;
    },
  },
  {
    name: "AppArmor RuntimeDefault, Localhost and their legacy annotations",
    mutate: (p, a) => {
      p.securityContext.appArmorProfile = { type: "RuntimeDefault" };
      vllm(p).securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "vllm" };
      a["container.apparmor.security.beta.kubernetes.io/vllm"] = "localhost/vllm";
      a["container.apparmor.security.beta.kubernetes.io/model-download"] = "runtime/default";
    },
  },
  {
    name: "SELinux container_t and container_engine_t",
    mutate: (p) => {
      p.securityContext.seLinuxOptions = { type: "container_t", level: "s0:c123,c456" };
      vllm(p).securityContext.seLinuxOptions = { type: "container_engine_t" };
    },
  },
  { name: "procMount Default", mutate: (p) => (vllm(p).securityContext.procMount = "Default") },
  {
    name: "safe sysctls",
    mutate: (p) =>
      (p.securityContext.sysctls = [
        { name: "net.ipv4.ip_unprivileged_port_start", value: "0" },
        { name: "net.ipv4.tcp_keepalive_time", value: "600" },
      ]),
  },
  {
    name: "csi, ephemeral, configMap and downwardAPI volumes",
    mutate: (p) =>
      p.volumes.push(
        { name: "kv", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true } },
        {
          name: "scratch",
          ephemeral: {
            volumeClaimTemplate: {
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
            },
          },
        },
        { name: "config", configMap: { name: "vllm-config" } },
        { name: "labels", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
      ),
  },
  // The docs make Privilege Escalation, restricted Seccomp and restricted Capabilities Linux-only.
  {
    name: "a Windows pod without the Linux-only restricted fields",
    mutate: (p) => {
      p.os = { name: "windows" };
      delete p.securityContext.seccompProfile;
      for (const c of [init(p), vllm(p)]) c.securityContext = { runAsNonRoot: true };
    },
  },
];

const summary = (findings: readonly PssFinding[]) => findings.map((f) => [f.control, f.level, f.container] as const);

describe("podSecurityFindings", () => {
  it("finds nothing in the compliant vLLM pod, which meets restricted", () => {
    const findings = podSecurityFindings(compliantPod());
    expect(findings).toEqual([]);
    expect(levelMet(findings)).toBe("restricted");
  });

  it.each(FAILING)("reports $name", ({ mutate, expected, mentions }) => {
    const findings = findingsAfter(mutate);
    expect(summary(findings)).toEqual(expected);
    expect(findings.map((f) => f.message).join("\n")).toContain(mentions);
  });

  it.each(PASSING)("passes $name", ({ mutate }) => {
    expect(findingsAfter(mutate)).toEqual([]);
  });

  it("reads a missing spec as unset", () => {
    expect(podSecurityFindings({})).toEqual([]);
    expect(summary(podSecurityFindings({ containers: [{ name: "bare" }] }))).toEqual([
      ["Privilege Escalation", "restricted", "bare"],
      ["Running as Non-root", "restricted", "bare"],
      ["Seccomp", "restricted", "bare"],
      ["Capabilities", "restricted", "bare"],
    ]);
  });

  it("reports one control once per container and level, naming every offending value", () => {
    const findings = findingsAfter((p) => {
      vllm(p).securityContext.capabilities.add = ["SYS_ADMIN", "NET_ADMIN", "CHOWN"];
      vllm(p).ports.push({ containerPort: 9000, hostPort: 9000 }, { containerPort: 9001, hostPort: 9001 });
    });
    expect(summary(findings)).toEqual([
      ["Capabilities", "baseline", "vllm"],
      ["Host Ports", "baseline", "vllm"],
      ["Capabilities", "restricted", "vllm"],
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      "container vllm adds capabilities SYS_ADMIN, NET_ADMIN",
      "container vllm binds hostPorts 9000, 9001",
      "container vllm adds capability CHOWN (only NET_BIND_SERVICE is allowed)",
    ]);
  });

  it("covers every control of both profiles in the cases above", () => {
    const covered = new Set(FAILING.flatMap((c) => c.expected.map(([control, level]) => `${level}: ${control}`)));
    const all = [
      ...PSS_CONTROLS.baseline.map((c) => `baseline: ${c}`),
      ...PSS_CONTROLS.restricted.map((c) => `restricted: ${c}`),
    ];
    expect(all.filter((c) => !covered.has(c))).toEqual([]);
  });

  const CONTAINERS = ["model-download", "vllm"] as const;
  const containerOf = (pod: any, name: string) =>
    [...pod.initContainers, ...pod.containers].find((c: any) => c.name === name);
  const beyondBaseline = fc
    .oneof(
      fc.constantFrom(
        "SYS_ADMIN",
        "NET_ADMIN",
        "NET_RAW",
        "SYS_PTRACE",
        "SYS_MODULE",
        "BPF",
        "PERFMON",
        "ALL",
        "CAP_CHOWN",
        "chown",
      ),
      fc.string({ minLength: 1, maxLength: 24 }),
    )
    .filter((cap) => !BASELINE_CAPABILITIES.has(cap));

  it("reports any capability outside baseline's list, added to any container, as a baseline Capabilities finding naming it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTAINERS), beyondBaseline, (name, cap) => {
        const findings = findingsAfter((p) => (containerOf(p, name).securityContext.capabilities.add = [cap]));
        const capabilities = findings.filter((f) => f.control === "Capabilities" && f.level === "baseline");
        expect(capabilities).toHaveLength(1);
        expect(capabilities[0]!.container).toBe(name);
        expect(capabilities[0]!.message).toContain(cap);
        expect(levelMet(findings)).toBe("privileged");
      }),
    );
  });

  it("never reports a capability of baseline's list at baseline", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONTAINERS),
        fc.subarray([...BASELINE_CAPABILITIES], { minLength: 1 }),
        (name, caps) => {
          const findings = findingsAfter((p) => (containerOf(p, name).securityContext.capabilities.add = caps));
          expect(findings.filter((f) => f.level === "baseline")).toEqual([]);
          expect(levelMet(findings)).toBe(caps.every((c) => c === "NET_BIND_SERVICE") ? "restricted" : "baseline");
        },
      ),
    );
  });
});

describe("levelMet", () => {
  const at = (level: "baseline" | "restricted"): PssFinding => ({
    control: "Seccomp",
    level,
    message: `a ${level} finding`,
  });
  it.each([
    { findings: [], met: "restricted" },
    { findings: [at("restricted")], met: "baseline" },
    { findings: [at("restricted"), at("baseline")], met: "privileged" },
    { findings: [at("baseline")], met: "privileged" },
  ] as const)("meets $met with $findings.length finding(s)", ({ findings, met }) => {
    expect(levelMet(findings)).toBe(met);
  });
  it("meets baseline when a pod breaks only restricted, and privileged when it breaks baseline", () => {
    expect(levelMet(findingsAfter((p) => (vllm(p).securityContext.capabilities.add = ["CHOWN"])))).toBe("baseline");
    expect(levelMet(findingsAfter((p) => (p.hostNetwork = true)))).toBe("privileged");
  });
});

describe("admits", () => {
  const LEVELS: readonly PssLevel[] = ["privileged", "baseline", "restricted"];
  it.each(LEVELS.flatMap((enforced, e) => LEVELS.map((met, m) => ({ enforced, met, admitted: m >= e }))))(
    "a namespace enforcing $enforced admits a pod meeting $met: $admitted",
    ({ enforced, met, admitted }) => expect(admits(enforced, met)).toBe(admitted),
  );
});

describe("PSS_CONTROLS", () => {
  it("lists the docs' controls in the docs' order", () => {
    expect(PSS_CONTROLS.baseline).toEqual([
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
    ]);
    expect(PSS_CONTROLS.restricted).toEqual([
      "Volume Types",
      "Privilege Escalation",
      "Running as Non-root",
      "Running as Non-root user",
      "Seccomp",
      "Capabilities",
    ]);
  });
});

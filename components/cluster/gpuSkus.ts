// The GPU VM sizes a GPU pool may use, with their GPUs and memory: the one place these outside facts
// live. Source: Microsoft Learn, "GPU optimized virtual machine sizes" (NC A100 v4, NCads H100 v5,
// ND H100 v5, NCasT4_v3 series pages) and "Use GPUs on AKS" (NVIDIA device plugin, GPU taints).
// Checked 2026-11-27. Not every size is offered in every region or zone: the plan cannot check that.
export const GPU_SKU_SOURCE =
  "Microsoft Learn: GPU optimized VM sizes (NC A100 v4, NCads H100 v5, ND H100 v5, NCasT4_v3)";
export const GPU_SKU_DATE = "2026-11-27";

export interface GpuSku {
  readonly gpus: number;
  readonly gpu: "A100" | "H100" | "H100 NVL" | "T4";
  /** Memory per GPU, GiB. */
  readonly gpuMemoryGiB: number;
  /** Multi-instance GPU partitions (gpuInstanceProfile) are possible. */
  readonly mig: boolean;
}

export const GPU_SKUS: Readonly<Record<string, GpuSku>> = {
  Standard_NC24ads_A100_v4: { gpus: 1, gpu: "A100", gpuMemoryGiB: 80, mig: true },
  Standard_NC48ads_A100_v4: { gpus: 2, gpu: "A100", gpuMemoryGiB: 80, mig: true },
  Standard_NC96ads_A100_v4: { gpus: 4, gpu: "A100", gpuMemoryGiB: 80, mig: true },
  Standard_NC40ads_H100_v5: { gpus: 1, gpu: "H100 NVL", gpuMemoryGiB: 94, mig: true },
  Standard_NC80adis_H100_v5: { gpus: 2, gpu: "H100 NVL", gpuMemoryGiB: 94, mig: true },
  Standard_ND96isr_H100_v5: { gpus: 8, gpu: "H100", gpuMemoryGiB: 80, mig: true },
  Standard_NC4as_T4_v3: { gpus: 1, gpu: "T4", gpuMemoryGiB: 16, mig: false },
  Standard_NC8as_T4_v3: { gpus: 1, gpu: "T4", gpuMemoryGiB: 16, mig: false },
  Standard_NC16as_T4_v3: { gpus: 1, gpu: "T4", gpuMemoryGiB: 16, mig: false },
  Standard_NC64as_T4_v3: { gpus: 4, gpu: "T4", gpuMemoryGiB: 16, mig: false },
};

/**
 * The NVIDIA device plugin image AKS needs beside its driver (AKS installs the driver, not the plugin).
 * Source: NVIDIA/k8s-device-plugin deployments/static manifests (v0.18.0), checked 2026-11-27.
 */
export const NVIDIA_DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.18.0";

/**
 * Its digest, so a re-pushed tag cannot change what runs. Source: kubernetes/minikube
 * pkg/minikube/assets/addons.go at dade2a2e (2025-10-25), which pins
 * `nvidia/k8s-device-plugin:v0.18.0@sha256:2d16…` from nvcr.io; looked up 2026-12-05. Re-check with
 * `docker buildx imagetools inspect nvcr.io/nvidia/k8s-device-plugin:v0.18.0`.
 */
export const NVIDIA_DEVICE_PLUGIN_DIGEST = "sha256:2d16df5f3f12081b4bd6b317cf697e5c7a195c53cec7e0bab756db02a06b985c";

/**
 * NVIDIA's DCGM exporter (GPU utilization, memory, clocks, power, temperature, XID errors per GPU, with the
 * pod a GPU is allocated to): AKS installs the driver but no exporter. Source: NVIDIA/dcgm-exporter at tag
 * 4.5.3-4.8.2 (2026-05-06): its dcgm-exporter.yaml (image, port 9400, the kubelet pod-resources mount that
 * maps GPUs to pods) and etc/default-counters.csv (names, types, units); checked 2026-12-05. Later releases
 * exist (upstream renames labels after this tag, e.g. Hostname to hostname in #655): move with the names below. No digest could
 * be read for this tag here; the plan lists the image as pinned by tag only.
 */
export const DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless";

/** The port the exporter serves `/metrics` and `/health` on. */
export const DCGM_EXPORTER_PORT = 9400;

/** The metrics of the pinned release the platform reads (default counters; all gauges). */
export const DCGM_METRICS = {
  /** GPU utilization, percent. */
  utilization: "DCGM_FI_DEV_GPU_UTIL",
  /** Framebuffer memory used and free, MiB. */
  memoryUsed: "DCGM_FI_DEV_FB_USED",
  memoryFree: "DCGM_FI_DEV_FB_FREE",
  /** SM clock, MHz. */
  smClock: "DCGM_FI_DEV_SM_CLOCK",
  /** Power draw, W. */
  power: "DCGM_FI_DEV_POWER_USAGE",
  /** GPU temperature, degrees C. */
  temperature: "DCGM_FI_DEV_GPU_TEMP",
  /** The value of the last XID error (0: none). */
  xid: "DCGM_FI_DEV_XID_ERRORS",
} as const;

/** The label of a GPU series that names the node's GPU pool (set when Prometheus scrapes the DCGM exporter). */
export const GPU_POOL_SERIES_LABEL = "gpu_pool";

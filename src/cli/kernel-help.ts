/** The kernel versions as the CLI's help lists them (from the version table VERSIONS is built from, never a list of our own). */
import { DEFAULT_KERNEL, VERSION_INFO, versionNumber } from "../version-info.js";

/** "5.6, 5.10, …, 6.18" */
export const KERNEL_IDS = VERSION_INFO.map((v) => v.id).join(", ");

/** --kernel's help: every modelled version and the default. */
export const KERNEL_HELP = `kernel version: ${KERNEL_IDS} (default: ${DEFAULT_KERNEL})`;

/** bench's --kernel help: only the versions that have kernel/dma/map_benchmark.c (5.11+; 5.6 and 5.10 are a usage error). */
export const BENCH_KERNEL_HELP = `kernel version: ${VERSION_INFO.filter((v) => versionNumber(v.id) >= versionNumber("5.11"))
  .map((v) => v.id)
  .join(", ")} (map_benchmark came in 5.11) (default: ${DEFAULT_KERNEL})`;

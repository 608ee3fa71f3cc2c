/** The kernel versions as the CLI's help lists them (from VERSIONS, never a list of our own). */
import { DEFAULT_KERNEL, VERSIONS } from "../versions.js";

/** "5.6, 5.10, …, 6.18" */
export const KERNEL_IDS = VERSIONS.map((v) => v.id).join(", ");

/** --kernel's help: every modelled version and the default. */
export const KERNEL_HELP = `kernel version: ${KERNEL_IDS} (default: ${DEFAULT_KERNEL})`;

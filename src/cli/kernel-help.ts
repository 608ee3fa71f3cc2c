/** The kernel versions as the CLI's help lists them (from the version table VERSIONS is built from, never a list of our own). */
import { DEFAULT_KERNEL, VERSION_INFO } from "../version-info.js";

/** "5.6, 5.10, …, 6.18" */
export const KERNEL_IDS = VERSION_INFO.map((v) => v.id).join(", ");

/** --kernel's help: every modelled version and the default. */
export const KERNEL_HELP = `kernel version: ${KERNEL_IDS} (default: ${DEFAULT_KERNEL})`;

/** Small formatting helpers shared by the DMA code. */
import { DIR_NAMES } from "../../include/gfp.js";
export { hex } from "../../core/u64.js";

export function DIR_NAMES_SAFE(dir: number): string {
  return DIR_NAMES[dir] ?? `invalid direction ${dir}`;
}

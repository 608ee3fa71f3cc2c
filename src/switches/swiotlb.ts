/** Behaviour switches of kernel/dma/swiotlb.c switches inside an era (the restructurings are era modules). One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const SWIOTLB_SWITCHES: Record<string, Switch> = {
  "1f221a0d0dbf": {
    commit: "1f221a0d0dbf",
    title: "swiotlb: respect min_align_mask",
    release: "5.12",
    effect: "find_slots keeps the original's bits under dma_get_min_align_mask in the bounce address (the search that can loop forever); before it the mask does not exist and the search is a plain stride walk",
  },
};

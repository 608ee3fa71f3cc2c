/**
 * Grant-mapping a foreign domain's page into an ARM dom0 (drivers/xen/grant-table.c
 * gnttab_map_refs / gnttab_unmap_refs, arch/arm/xen/p2m.c set_foreign_p2m_mapping /
 * clear_foreign_p2m_mapping), as a PV backend (blkback, netback) does before DMAing it.
 */
import type { Kernel } from "../kernel.js";
import { sym } from "../core/trace.js";
import { PAGE_SIZE, hex } from "../core/u64.js";
import { GFP_KERNEL } from "../include/gfp.js";
import { __free_pages, alloc_pages } from "../mm/mm.js";
import { clear_phys_to_machine, set_phys_to_machine } from "./p2m.js";

const S_map = sym("gnttab_map_refs", "drivers/xen/grant-table.c");
const S_unmap = sym("gnttab_unmap_refs", "drivers/xen/grant-table.c");
const S_hyp = sym("HYPERVISOR_grant_table_op", "arch/arm/xen/hypercall.S");

export interface GrantMapping {
  domain: number;
  gref: number;
  /** the dom0 page (a ballooned-out frame) the foreign page is mapped at */
  page: number;
  pfn: number;
  /** the foreign machine frame (dev_bus_addr >> PAGE_SHIFT) */
  mfn: number;
  /** kernel virtual address of the mapping (the dom0 page's linear address) */
  addr: number;
}

/** The machine frame a domain granted under `gref` (a deterministic stand-in for the domain's grant table). */
function granted_mfn(k: Kernel, domain: number, gref: number): number {
  const d = k.xen!.domains!;
  const frames = d.size / PAGE_SIZE;
  return d.start / PAGE_SIZE + ((domain * 4099 + gref) % frames);
}

/**
 * gnttab_map_refs (5.x, ARM): take a free dom0 page (gnttab_alloc_pages: a ballooned frame), ask
 * Xen to map the granted machine frame at its address (GNTTABOP_map_grant_ref with host_addr =
 * the page's IPA; stage 2 now points there) and record pfn → mfn in the p2m rbtree
 * (set_foreign_p2m_mapping), so pfn_to_bfn gives devices the machine address.
 */
export function gnttab_map_refs(k: Kernel, domain: number, gref: number): GrantMapping | string {
  const x = k.xen;
  if (!x || !x.domains) return "grant mapping needs a Xen platform with another domain";
  const key = `${domain}:${gref}`;
  if (x.grants.has(key)) return `grant ${gref} of domain ${domain} is already mapped`;
  k.tr?.enter(S_map, { domain: String(domain), gref: String(gref) });
  const page = alloc_pages(k, GFP_KERNEL, 0, `gnttab_alloc_pages (ballooned) for d${domain} gref ${gref}`);
  if (!page) {
    k.tr?.exit("-ENOMEM");
    return "no dom0 page to map the grant at";
  }
  const pfn = k.arch.page_to_pfn(page);
  const mfn = granted_mfn(k, domain, gref);
  k.tr?.enter(S_hyp, { cmd: "GNTTABOP_map_grant_ref", host_addr: hex(pfn * PAGE_SIZE), ref: String(gref), dom: String(domain) });
  x.stage2.set(pfn, mfn);
  k.tr?.exit(`GNTST_okay, dev_bus_addr ${hex(mfn * PAGE_SIZE)}`);
  set_phys_to_machine(k, pfn, mfn, 1);
  k.tr?.note(`set_foreign_p2m_mapping: pfn ${hex(pfn)} → mfn ${hex(mfn)} (p2m rbtree)`);
  const m: GrantMapping = { domain, gref, page, pfn, mfn, addr: k.arch.page_address(k, page) };
  x.grants.set(key, { pfn, mfn, domain });
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(pfn)}) → mfn ${hex(mfn)}`);
  return m;
}

/**
 * gnttab_unmap_refs (5.x, ARM): GNTTABOP_unmap_grant_ref, clear_foreign_p2m_mapping, give the page
 * back. Returns the op's status: a handle already unmapped gets GNTST_bad_handle (-4) from Xen's
 * unmap_common, and nothing on the Linux side is undone a second time.
 */
export function gnttab_unmap_refs(k: Kernel, m: GrantMapping): "GNTST_okay" | "GNTST_bad_handle" {
  const x = k.xen!;
  k.tr?.enter(S_unmap, { pfn: hex(m.pfn) });
  if (!x.grants.has(`${m.domain}:${m.gref}`)) {
    k.tr?.enter(S_hyp, { cmd: "GNTTABOP_unmap_grant_ref", host_addr: hex(m.pfn * PAGE_SIZE) });
    k.tr?.exit("GNTST_bad_handle (-4): the handle is not in use");
    k.tr?.exit("GNTST_bad_handle");
    return "GNTST_bad_handle";
  }
  x.stage2.delete(m.pfn);
  clear_phys_to_machine(k, m.pfn);
  x.grants.delete(`${m.domain}:${m.gref}`);
  __free_pages(k, m.page, 0);
  k.tr?.exit();
  return "GNTST_okay";
}

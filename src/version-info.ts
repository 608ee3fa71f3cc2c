/**
 * The modelled kernel versions as plain data (id, the tree each follows, notes) and the default:
 * what the command line's help and option checks need, without the switch tables. versions.ts
 * builds VERSIONS (each version with the switches it carries) from this table.
 */

/** One modelled version: its id, the kernel tree whose code it follows, and notes. */
export interface VersionInfo {
  id: string;
  /** the kernel tree whose code this version follows (owner/repo @ commit, and its Makefile version) */
  tree: string;
  notes: string;
}

/** "5.19" -> 519, "6.12" -> 612: release order of a version id */
export function versionNumber(id: string): number {
  const [maj, min] = id.split(".").map((x) => parseInt(x, 10)) as [number, number];
  return maj * 100 + (min || 0);
}

const I = (id: string, tree: string, notes: string): VersionInfo => ({ id, tree, notes });

/** Every modelled version, in release order. */
export const VERSION_INFO: readonly VersionInfo[] = [
  I("5.6", "shmily1012/linux-5.6.4 (5.6.4)", "dma-direct remaps itself (3acac065508f, 5.5) through get_vm_area_caller + map_vm_area; one 256 KiB atomic pool in kernel/dma/remap.c (GFP_DMA on arm64, CMA-backed); bus addresses from the first dma-ranges entry's dma_pfn_offset; arm64 ZONE_DMA = 30 bits; swiotlb-xen free uses virt_to_page and treats the bus address as phys"),
  I("5.10", "ejga2001/linux-5.10.7 (5.10.7)", "mainline 5.10.0: pool.c atomic pools; 8b1e868f6607 in; dma_common_* still use virt_to_page (stable 5.10.54+ took 40ac971eab89 as 459619dd1ff5)"),
  I("5.13", "none stored: inferred from zhangyinjun/linux-5.12.9 and lsk-legends/linux-5.14", "5.10 plus the 5.11 arm64 layout, linear-map test and ZONE_DMA sizing, and the 5.11–5.13 IOMMU changes; the kernel of the 2021 thread before the fix (no 5.13 tree stored: facts inferred from 5.12.9 and 5.14-rc5)"),
  I("5.14", "lsk-legends/linux-5.14 (5.14-rc5)", "40ac971eab89: dma_common_vaddr_to_page"),
  I("5.19", "yishangzhang/linux-5.19 @4a8550523ce9 (5.19.0)", "566fb90e050d: swiotlb-xen on ARM uses dma_direct_alloc/free directly, x86 its own rewrite; 5.17 dma_direct_alloc; dma_direct_map_page bounces only with a pool (07410559f383); no arm64 BPF JIT region (image and vmalloc at 0xffff800008000000)"),
  I("5.15", "wangshuai199398/linux-5-15 @76278aab8c2d (5.15.178)", "LTS 5.15: per-device io_tlb_mem and restricted DMA pools; dma_direct_map_sg returns -EIO (c81be74e7d79); kvmalloc refuses > INT_MAX"),
  I("6.1", "unifreq/linux-6.1.y @525d1212a677 (6.1.166)", "LTS 6.1: swiotlb areas (6.0); 32-bit ARM on dma-direct (6.0)"),
  I("6.6", "OpenNuvoton/MA35D1_linux-6.6.y @a4595a4caf6f (6.6.63)", "LTS 6.6: dynamic swiotlb (pool list, transient pools); small kmalloc buffers bounce on non-coherent arm64 (6.5)"),
  I("6.12", "wishday/linux-6.12.y @21ae40e85ea7 (6.12.19)", "LTS 6.12: zone_dma_limit; DMA-API tracepoints"),
  I("6.18", "leftymods/linux-6.18.y @40a9e9f43d44 (6.18.35)", "LTS 6.18: the physical-address API (dma_map_phys, DMA_ATTR_MMIO)"),
].sort((a, b) => versionNumber(a.id) - versionNumber(b.id));

/** the version a scenario without `kernel:` runs */
export const DEFAULT_KERNEL = "5.19";

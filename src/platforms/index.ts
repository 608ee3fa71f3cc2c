/**
 * The modelled platforms.
 */
import { DEVICE_ROLES, type DeviceRole, type E820Entry, type Platform } from "./platform.js";
import { xen_pv_dom0_e820 } from "../xen/e820.js";
import type { Bank } from "../mm/physmem.js";
import type { DeviceSpec } from "../drivers/device.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/**
 * Server sizes: every power of two from `from` up to 1 TiB. The model's memory structures are
 * sparse (RAM frames on first write, struct pages as ranges plus per-page maps, buddy free lists
 * of MAX_ORDER blocks), so a 1 TiB model boots in well under a second.
 */
function upTo1T(from: number): number[] {
  const out: number[] = [];
  for (let m = from; m <= TiB; m *= 2) out.push(m);
  return out;
}

/**
 * Raspberry Pi 4 B (BCM2711), mainline DT: RAM from phys 0; the firmware's gpu_mem (76 MiB by
 * default) is carved out at the top of the first GiB; the peripheral window 0xfc000000–0xffffffff
 * hides RAM there; RAM above 4 GiB on the 8 GiB board.
 */
function rpi4Banks(mem: number): Bank[] {
  const gpuBase = 0x3b40_0000; // firmware keeps 0x3b400000..0x3fffffff for the VideoCore
  const banks: Bank[] = [{ start: 0, size: Math.min(mem, gpuBase) }];
  if (mem > GiB) banks.push({ start: GiB, size: Math.min(mem, 4 * GiB) - GiB - (mem >= 4 * GiB ? 64 * MiB : 0) });
  if (mem > 4 * GiB) banks.push({ start: 4 * GiB, size: mem - 4 * GiB });
  return banks;
}

/** The soc and emmc2bus buses: dma-ranges = <0xc0000000 0x0 0x0 0x40000000> */
const RPI4_SOC_RANGES = [{ cpu_start: 0, dma_start: 0xc000_0000, size: GiB }];

const rpi4Devices: DeviceSpec[] = [
  { name: "soc:firmware", driver: "raspberrypi-firmware", description: "VideoCore firmware mailbox client (allocates its property buffer with GFP_ATOMIC at probe)", coherent: false, dma_ranges: RPI4_SOC_RANGES },
  { name: "fe340000.mmc", driver: "sdhci-iproc", description: "emmc2 SD controller on emmc2bus (30-bit window)", coherent: false, dma_ranges: RPI4_SOC_RANGES },
  { name: "fd580000.ethernet", driver: "bcmgenet", description: "GENET Ethernet on scb (no dma-ranges: 1:1, 32-bit mask)", coherent: false },
  { name: "fe00b000.v4l2", driver: "bcm2835-codec", description: "a soc video device that exports buffers with dma_mmap_coherent / dma_get_sgtable", coherent: false, dma_ranges: RPI4_SOC_RANGES },
  { name: "fe801000.csi", driver: "bcm2835-unicam", description: "Unicam CSI-2 camera receiver (csi@7e801000 on soc)", coherent: false, dma_ranges: RPI4_SOC_RANGES },
  { name: "fec00000.gpu", driver: "v3d", description: "V3D GPU (gpu@7ec00000 on scb: no dma-ranges, 1:1)", coherent: false },
];

export const rpi4: Platform = {
  id: "rpi4",
  arch: "arm64",
  description: "Raspberry Pi 4 B (BCM2711), arm64, no dma-coherent devices, soc dma-ranges bus 0xC0000000 <-> phys 0-1 GiB, ZONE_DMA 30 bits, CMA 64 MiB in the low GiB",
  banks: rpi4Banks,
  // BCM2711: four Cortex-A72 cores (num_possible_cpus() 4: 6.0+ swiotlb boots with 4 areas)
  defaults: { mem: 4 * GiB, cma: 64 * MiB, va_bits: 48, nr_cpus: 4 },
  memSizes: [1 * GiB, 2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  devices: rpi4Devices,
  defaultDevice: "fe00b000.v4l2",
  roles: { nic: "fd580000.ethernet", storage: "fe340000.mmc", camera: "fe801000.csi", firmware: "soc:firmware", gpu: "fec00000.gpu", video: "fe00b000.v4l2" },
  xen: null,
  // bcm283x.dtsi linux,cma (size 64 MiB, reusable, linux,cma-default) with bcm2711.dtsi's alloc-ranges = <0x0 0x00000000 0x40000000>
  cma_alloc_ranges: [0, GiB],
  kimage: { phys: 0x20_0000, size: 0x1a0_0000 },
  reserved: [{ start: 0, size: 0x1000, name: "armstub spin tables (/memreserve/)" }],
};

export const rpi4xen: Platform = {
  ...rpi4,
  id: "rpi4-xen",
  description: "Raspberry Pi 4 B with Linux as the Xen dom0 (1:1 mapped): every device on xen_swiotlb_dma_ops; a domU owns 64 MiB at machine 0x30000000",
  xen: "arm",
  xenDomains: { start: 0x3000_0000, size: 64 * MiB },
};

function singleBank(start: number) {
  return (mem: number): Bank[] => [{ start, size: mem }];
}

export const arm64Coherent: Platform = {
  id: "arm64-coherent",
  arch: "arm64",
  description: "arm64 server, dma-coherent devices, no IOMMU, RAM from 2 GiB",
  banks: singleBank(2 * GiB),
  defaults: { mem: 8 * GiB, cma: 32 * MiB, va_bits: 48 },
  memSizes: [2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  devices: [
    { name: "0000:01:00.0", driver: "nvme", description: "NVMe controller on a dma-coherent PCIe root complex", coherent: true },
    { name: "0000:02:00.0", driver: "mlx5_core", description: "NIC on a dma-coherent PCIe root complex", coherent: true },
  ],
  defaultDevice: "0000:01:00.0",
  roles: { storage: "0000:01:00.0", nic: "0000:02:00.0" },
  xen: null,
  kimage: { phys: 2 * GiB + 0x20_0000, size: 0x1c0_0000 },
};

/**
 * An arm64 server with an SMMUv3 (as QEMU's virt machine with iommu=smmuv3 and most Neoverse
 * servers have): PCIe functions behind a dma-coherent root complex and a non-coherent platform DMA
 * engine, each in its own IOMMU group with a default DMA domain, so every device is on iommu_dma_ops.
 * `iommu.passthrough=1` gives them identity domains (dma-direct); `iommu.strict=0` the lazy flush queue.
 */
export const arm64Smmu: Platform = {
  id: "arm64-smmu",
  arch: "arm64",
  description: "arm64 server with an SMMUv3 (coherent table walks, 44-bit output): a dma-coherent PCIe NVMe and NIC and a non-coherent platform DMA engine, all behind the IOMMU on iommu_dma_ops; RAM from 1 GiB",
  banks: singleBank(1 * GiB),
  defaults: { mem: 8 * GiB, cma: 32 * MiB, va_bits: 48 },
  memSizes: [2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  devices: [
    { name: "0000:00:02.0", driver: "nvme", description: "NVMe controller, PCIe behind the SMMU (dma-coherent root complex, StreamID 0x10)", coherent: true, pci: true, iommu_sid: 0x10, mask_bits: 64 },
    { name: "0000:00:03.0", driver: "igb", description: "Ethernet NIC, PCIe behind the SMMU (dma-coherent, StreamID 0x18)", coherent: true, pci: true, iommu_sid: 0x18, mask_bits: 64 },
    { name: "9010000.dma-controller", driver: "dma-pl330", description: "PL330 DMA engine, a non-coherent platform device behind the SMMU (StreamID 0x20)", coherent: false, iommu_sid: 0x20 },
  ],
  defaultDevice: "0000:00:02.0",
  roles: { storage: "0000:00:02.0", nic: "0000:00:03.0", "dma-engine": "9010000.dma-controller" },
  xen: null,
  kimage: { phys: 1 * GiB + 0x20_0000, size: 0x1c0_0000 },
  iommu: { kind: "smmu-v3", name: "arm-smmu-v3 9050000.smmuv3", oas: 44, coherent: true, strict_default: true },
};

export const arm32: Platform = {
  id: "arm32",
  arch: "arm",
  description: "32-bit ARMv7 board without LPAE, 1 GiB RAM at 0, non-coherent devices on arm_dma_ops (5.x; dma-direct from 6.0), 3G/1G split (768 MiB lowmem + highmem); cma=0 selects the remap allocator",
  banks: singleBank(0),
  defaults: { mem: 1 * GiB, cma: 64 * MiB },
  memSizes: [512 * MiB, 1 * GiB, 2 * GiB],
  devices: [
    { name: "fe00b000.v4l2", driver: "bcm2835-codec", description: "a video device that exports buffers with dma_mmap_coherent / dma_get_sgtable", coherent: false },
    { name: "12680000.dma-controller", driver: "dma-pl330", description: "PL330 DMA engine", coherent: false },
    { name: "fe00a000.vpu", driver: "hantro-vpu", description: "video codec with its own 4 MiB shared-dma-pool (no-map) at 0x3c000000: a per-device coherent pool, memremap'd WC", coherent: false, coherent_pool: { phys: 0x3c00_0000, size: 4 * MiB } },
    { name: "fd580000.ethernet", driver: "bcmgenet", description: "GENET Ethernet (as on a BCM2711 board running a 32-bit kernel; no dma-ranges: 1:1)", coherent: false },
  ],
  defaultDevice: "fe00b000.v4l2",
  roles: { nic: "fd580000.ethernet", video: "fe00b000.v4l2", "dma-engine": "12680000.dma-controller" },
  xen: null,
  kimage: { phys: 0x8000, size: 0x100_0000 },
  // arch/arm/mm/mmu.c arm_mm_memblock_reserve: memblock_reserve(__pa(swapper_pg_dir), SWAPPER_PG_DIR_SIZE) —
  // the 16 KiB first-level table at KERNEL_RAM_VADDR - PG_DIR_SIZE (head.S), phys 0x4000–0x7fff below the
  // image at 0x8000 (5.10.7 mmu.c:1293–1299, 6.18.35 :1342–1348; head.S :44–49)
  reserved: [{ start: 0x4000, size: 0x4000, name: "swapper_pg_dir" }],
  arm_dma_zone_size: 0,
};

function x86Banks(mem: number): Bank[] {
  // e820: 0x1000–0x9ffff, 1 MiB–3 GiB, then the rest above 4 GiB (PCI hole below 4 GiB)
  const below = Math.min(mem, 3 * GiB);
  const banks: Bank[] = [{ start: MiB, size: below - MiB }];
  if (mem > 3 * GiB) banks.push({ start: 4 * GiB, size: mem - 3 * GiB });
  return banks;
}

export const x86_64: Platform = {
  id: "x86_64",
  arch: "x86_64",
  description: "PC, x86_64 4-level paging, coherent PCI devices, no IOMMU",
  banks: x86Banks,
  defaults: { mem: 8 * GiB, cma: 0 },
  memSizes: [2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  devices: [
    { name: "0000:00:1f.6", driver: "e1000e", description: "Intel Ethernet (PCI, coherent)", coherent: true },
    { name: "0000:02:00.0", driver: "snd_hda_intel", description: "HD audio controller (PCI, coherent, exports buffers with dma_mmap_coherent)", coherent: true },
    { name: "0000:01:00.0", driver: "nvme", description: "NVMe controller (PCI, coherent)", coherent: true },
  ],
  defaultDevice: "0000:02:00.0",
  roles: { nic: "0000:00:1f.6", audio: "0000:02:00.0", storage: "0000:01:00.0" },
  xen: null,
  kimage: { phys: 0x100_0000, size: 0x200_0000 },
};

/**
 * A PC with Intel VT-d in translated mode (intel_iommu=on): every PCI function behind the DMA
 * remapping unit, lazy IOTLB invalidation by default (intel_iommu_strict=0 / IOMMU_DEFAULT_DMA_LAZY
 * on x86), a Thunderbolt device marked untrusted (always strict). Until 5.11 the devices run on
 * intel_dma_ops, from 5.11 on dma-iommu; iommu.passthrough=1 (iommu=pt) puts them on dma-direct.
 */
export const x86_64Iommu: Platform = {
  ...x86_64,
  id: "x86_64-iommu",
  description: "PC with Intel VT-d in translated mode: a PCIe NVMe and NIC, and an untrusted Thunderbolt controller, behind DMA remapping (4-level second-level tables, lazy IOTLB flushing by default)",
  devices: [
    { name: "0000:02:00.0", driver: "nvme", description: "NVMe controller behind VT-d (64-bit DMA)", coherent: true, pci: true, iommu_sid: 0x0200, mask_bits: 64 },
    { name: "0000:00:1f.6", driver: "e1000e", description: "Intel Ethernet behind VT-d (64-bit DMA)", coherent: true, pci: true, iommu_sid: 0x00fe, mask_bits: 64 },
    { name: "0000:05:00.0", driver: "thunderbolt", description: "a device behind a Thunderbolt port: pdev->untrusted, so its unmaps are always strict", coherent: true, pci: true, iommu_sid: 0x0500, mask_bits: 64, untrusted: true },
  ],
  defaultDevice: "0000:02:00.0",
  roles: { storage: "0000:02:00.0", nic: "0000:00:1f.6" },
  iommu: { kind: "vt-d", name: "dmar0", strict_default: false },
};

/**
 * The machine under x86_64-xen-pv: a PC's e820 with max(16 GiB, 2 × dom0_mem) of RAM — conventional memory to
 * 0x9fc00 (the EBDA and the BIOS area reserved up to 1 MiB), RAM from 1 MiB to 3 GiB, the PCI hole from 3 to
 * 4 GiB (no entry: a gap, as most firmware leaves it), and RAM from 4 GiB to 1 GiB past the nominal size.
 */
function pcMachineE820(mem: number): E820Entry[] {
  const ram = Math.max(16 * GiB, 2 * mem);
  const low = 0x9_fc00;
  return [
    { start: 0, size: low, type: "ram" },
    { start: low, size: 0xa_0000 - low, type: "reserved" },
    { start: 0xf_0000, size: MiB - 0xf_0000, type: "reserved" },
    { start: MiB, size: 3 * GiB - MiB, type: "ram" },
    { start: 4 * GiB, size: ram - 3 * GiB, type: "ram" },
  ];
}

/** The machine e820's RAM entries, page-rounded inwards (the frames that hold RAM) */
function e820RamBanks(e820: E820Entry[]): Bank[] {
  const out: Bank[] = [];
  for (const e of e820) {
    if (e.type !== "ram") continue;
    const s = Math.ceil(e.start / 4096) * 4096;
    const t = Math.floor((e.start + e.size) / 4096) * 4096;
    if (t > s) out.push({ start: s, size: t - s });
  }
  return out;
}

export const x86_64XenPv: Platform = {
  ...x86_64,
  id: "x86_64-xen-pv",
  description: "x86_64 PV dom0 (dom0_mem = mem) on a PC with max(16 GiB, 2 × mem) of RAM (RAM below 3 GiB, the PCI hole, RAM above 4 GiB): pseudo-physical frames backed by scattered machine frames (high-to-low 2 MiB chunks), the hole's frames identity-mapped and their RAM remapped above dom0_mem, every device on xen_swiotlb_dma_ops",
  // dom0's memblock.memory: xen_memory_setup's e820 RAM (its allocation, then the extra memory) from 1 MiB (below it
  // x86 keeps the first MiB reserved; the model's x86 RAM starts there)
  banks: (mem) => xen_pv_dom0_e820(pcMachineE820(mem), mem / 4096).ram.filter((b) => b.start + b.size > MiB).map((b) => (b.start < MiB ? { start: MiB, size: b.start + b.size - MiB } : b)),
  machineBanks: (mem) => e820RamBanks(pcMachineE820(mem)),
  machineE820: pcMachineE820,
  defaults: { mem: 4 * GiB, cma: 0 },
  memSizes: [1 * GiB, 2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  xen: "pv",
};

/**
 * An arm64 SoC whose RAM starts at 32 GiB, the board of Baruch Siach's "dma: support DMA zone
 * starting above 4GB" series (6.12: ba0fb44aed47, 3be9b846896d): devices with a 30-bit DMA window
 * see the first GiB of RAM (dma-ranges bus 0 <-> phys 32 GiB, 1 GiB). Before 6.12 ZONE_DMA covers
 * all RAM there (791ab8b2e3db), so GFP_DMA cannot find the reachable GiB; 6.12 makes ZONE_DMA that GiB.
 */
export const arm64Ram32g: Platform = {
  id: "arm64-ram32g",
  arch: "arm64",
  description: "arm64 SoC with RAM from 32 GiB: a non-coherent DMA engine with a 30-bit window onto the first GiB of RAM (dma-ranges bus 0 <-> phys 0x800000000), no RAM below 4 GiB",
  banks: singleBank(32 * GiB),
  defaults: { mem: 4 * GiB, cma: 32 * MiB, va_bits: 48 },
  memSizes: [2 * GiB, 4 * GiB, ...upTo1T(8 * GiB)],
  devices: [
    { name: "ff400000.dma-controller", driver: "dma-pl330", description: "PL330 DMA engine on a bus whose dma-ranges map bus 0-1 GiB to phys 32-33 GiB (30-bit window), not dma-coherent", coherent: false, dma_ranges: [{ cpu_start: 32 * GiB, dma_start: 0, size: GiB }] },
    { name: "ff500000.ethernet", driver: "stmmaceth", description: "DesignWare GbE on the same 30-bit bus (dma-ranges bus 0-1 GiB <-> phys 32-33 GiB), not dma-coherent", coherent: false, dma_ranges: [{ cpu_start: 32 * GiB, dma_start: 0, size: GiB }] },
  ],
  defaultDevice: "ff400000.dma-controller",
  roles: { "dma-engine": "ff400000.dma-controller", nic: "ff500000.ethernet" },
  xen: null,
  kimage: { phys: 32 * GiB + 0x20_0000, size: 0x1c0_0000 },
};

export const PLATFORMS: Platform[] = [rpi4, rpi4xen, arm64Coherent, arm64Smmu, arm32, x86_64, x86_64Iommu, x86_64XenPv, arm64Ram32g];

export function findPlatform(id: string): Platform | undefined {
  return PLATFORMS.find((p) => p.id === id);
}

/** Every device role and the device that plays it on each platform (for `dmasim platforms`). */
export function roleTable(): { role: DeviceRole; devices: Record<string, string | null> }[] {
  return DEVICE_ROLES.map((role) => ({ role, devices: Object.fromEntries(PLATFORMS.map((p) => [p.id, p.roles[role] ?? null])) }));
}

/**
 * A DMA master's side of the bus: the device reads and writes by bus address. The address is
 * resolved through the device's dma-ranges (and, on an ARM 1:1 Xen dom0, the identity P2M) to a
 * physical address; a non-coherent device sees RAM only, a coherent one snoops the CPU cache. A bus
 * address that is not RAM is a modelled bus error, not a crash of dmasim.
 */
import type { Kernel } from "../kernel.js";
import type { Device } from "./device.js";
import { DMA_MAPPING_ERROR, EXACT, PAGE_SIZE, TWO64, fromBig, hex } from "../core/u64.js";
import { dma_to_phys } from "../kernel/dma/direct.js";
import { dev_is_dma_coherent } from "../kernel/dma/arch-hooks.js";
import { iommu_translate } from "./iommu/probe.js";
import { pseudo_phys_of } from "../xen/p2m.js";

/**
 * A device behind an IOMMU: every page of the access is translated by the IOMMU (its IOTLB, else a
 * table walk); an untranslatable page terminates the transaction after the IOMMU reports the fault.
 */
function iommu_device_access(k: Kernel, dev: Device, bus: number, len: number, data?: Uint8Array): Uint8Array | null {
  const n = data ? data.length : len;
  const out = data ? data : new Uint8Array(len);
  const coherent = dev_is_dma_coherent(k, dev);
  let done = 0;
  while (done < Math.max(n, 1)) {
    const iova = bus + done;
    const chunk = Math.min(n - done, PAGE_SIZE - (iova % PAGE_SIZE));
    const phys = iommu_translate(k, dev.iommu!, iova, data !== undefined);
    if (typeof phys === "string" || !k.mem.isRamRange(phys, Math.max(chunk, 1))) {
      k.record("bus_error", `device ${dev.name}: ${data ? "write" : "read"} of ${n} bytes at IOVA ${hex(bus)}: ${typeof phys === "string" ? `the IOMMU faults the access at ${hex(iova)} (no translation, or not with this permission) and terminates the transaction; its driver prints:\n${phys}` : `IOVA ${hex(iova)} maps phys ${hex(phys)}, which is not RAM`}`, bus);
      return null;
    }
    if (chunk === 0) break;
    if (data) {
      const part = data.subarray(done, done + chunk);
      if (coherent) k.cache.snoopWrite(phys, part);
      else k.mem.write(phys, part);
    } else out.set(coherent ? k.cache.snoopRead(phys, chunk) : k.mem.read(phys, chunk), done);
    k.tr?.mem(data ? "write" : "read", "device", hex(iova), hex(phys), chunk, `through the IOMMU, ${coherent ? "coherent (snoops the CPU cache)" : "non-coherent (RAM only)"}`);
    done += chunk;
  }
  return out;
}

/**
 * The device reads `len` bytes (data undefined) or writes `data` at bus address `bus`; null on a bus
 * error. A read fills `out` (length ≥ len) when given, except through an IOMMU: use the result.
 */
export function device_access(k: Kernel, dev: Device, bus: number, len: number, data?: Uint8Array, out?: Uint8Array): Uint8Array | null {
  if (dev.iommu && bus !== DMA_MAPPING_ERROR) return iommu_device_access(k, dev, bus, len, data);
  const phys = dma_to_phys(k, dev, bus);
  const n = data ? data.length : len;
  if (bus === DMA_MAPPING_ERROR || phys < 0 || !k.mem.isRamRange(phys, Math.max(n, 1))) return device_bus_error(k, dev, bus, phys, n, !!data);
  const coherent = dev_is_dma_coherent(k, dev);
  if (data) {
    if (coherent) k.cache.snoopWrite(phys, data);
    else k.mem.write(phys, data);
    if (k.tr) device_access_traced(k, "write", bus, phys, n, coherent);
    return data;
  }
  const r = coherent ? k.cache.snoopRead(phys, len, out) : k.mem.read(phys, len, out, 0);
  if (k.tr) device_access_traced(k, "read", bus, phys, len, coherent);
  return r;
}

// device_access's bus error and trace, out of line (the access itself stays small enough for V8 to inline)
function device_bus_error(k: Kernel, dev: Device, bus: number, phys: number, n: number, write: boolean): null {
  k.record("bus_error", `device ${dev.name}: ${write ? "write" : "read"} of ${n} bytes at bus address ${hex(bus)} ${phys < 0 ? "is outside its dma-ranges" : `hits phys ${hex(phys)}, which is not RAM`}: bus error`, bus);
  return null;
}
function device_access_traced(k: Kernel, what: "read" | "write", bus: number, phys: number, n: number, coherent: boolean): void {
  k.tr?.mem(what, "device", hex(bus), hex(phys), n, coherent ? "coherent (snoops the CPU cache)" : "non-coherent (RAM only)", pseudo_phys_of(k, phys));
}

/**
 * A device access at a bus address given as any 64-bit value (a scenario's `dma_addr`, plus an
 * offset). Addresses dmasim holds exactly go through device_access; the others (2^53 ≤ bus <
 * 2^64 − 2^53) lie far above every modelled RAM bank and dma-range, so the interconnect answers
 * with a bus error — resolved here exactly, in bigint, through the device's dma-ranges.
 */
export function device_access_bus(k: Kernel, dev: Device, bus: bigint, len: number, data?: Uint8Array): Uint8Array | null {
  const b = ((bus % TWO64) + TWO64) % TWO64;
  const signed = b >= TWO64 / 2n ? b - TWO64 : b;
  if (signed > -BigInt(EXACT) && signed < BigInt(EXACT)) return device_access(k, dev, fromBig(b), len, data);
  const n = data ? data.length : len;
  let phys: bigint | null = b;
  const map = dev.dma_range_map;
  if (map) {
    phys = null;
    for (const r of map) {
      const start = BigInt.asUintN(64, BigInt(r.dma_start));
      if (b >= start && b - start < BigInt(r.size)) phys = b + BigInt(r.offset);
    }
  }
  const where = phys === null ? "is outside its dma-ranges" : `hits phys 0x${phys.toString(16)}, which is not RAM`;
  const message = `device ${dev.name}: ${data ? "write" : "read"} of ${n} bytes at bus address 0x${b.toString(16)} ${where}: bus error`;
  k.faults.push({ kind: "bus_error", message, step: k.step, addr: "0x" + b.toString(16) });
  k.tr?.fault("bus_error", message);
  return null;
}
